package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/latchkey/latchkey/app/clock"
	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/app/companion"
	"github.com/latchkey/latchkey/vault"
)

func measured(offset time.Duration) clock.Result {
	m := clock.Measurement{Verified: true, Offset: offset, Uncertainty: 50 * time.Millisecond, Source: "ntp test", Kind: clock.KindNTP}
	return clock.NewResult(m, 30*time.Second, "linux")
}

func TestClockOfflineIsQuiet(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(rfcAccount)
	w := e.open()
	if e.checks != 1 {
		t.Fatalf("%d checks at start", e.checks)
	}
	if w.clock.banner.Visible() || !strings.Contains(w.clock.status.Text, "not verified") {
		t.Errorf("offline: banner %v, status %q", w.clock.banner.Visible(), w.clock.status.Text)
	}
}

func TestClockWarningAndCorrectedTime(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(rfcAccount)
	e.clock = measured(-47 * time.Second) // the system clock is 47 s fast
	w := e.open()
	if !w.clock.banner.Visible() || !strings.Contains(w.clock.message.Text, "47 s fast") || w.clock.steps.Text == "" {
		t.Fatalf("banner %v: %q / %q", w.clock.banner.Visible(), w.clock.message.Text, w.clock.steps.Text)
	}
	test.Tap(w.clock.correct)
	if !w.vault.Settings().UseCorrectedTime {
		t.Fatal("corrected time not switched on")
	}
	want, _ := codes.Generate(rfcAccount, e.sched.Now.Add(-47*time.Second))
	if got := strings.ReplaceAll(w.list.rows[0].code, " ", ""); got != want {
		t.Errorf("with corrected time the code is %s, want %s", got, want)
	}
	if !strings.Contains(w.clock.status.Text, "corrected time") {
		t.Errorf("corrected time not shown plainly: %q", w.clock.status.Text)
	}
	// The user fixes the clock: the next check finds it right.
	e.clock = measured(200 * time.Millisecond)
	stayActive(w, e, 30*time.Minute)
	if w.vault.Settings().UseCorrectedTime || w.clock.banner.Visible() {
		t.Error("corrected time stayed on after the clock was fixed")
	}
	if !hasText(t, w, "corrected time is off") && !strings.Contains(w.list.toast.label.Text, "right again") {
		t.Error("the switch-off was not announced")
	}
}

func TestClockRechecks(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(rfcAccount)
	w := e.open()
	stayActive(w, e, 29*time.Minute)
	if e.checks != 1 {
		t.Fatalf("%d checks within 30 minutes", e.checks)
	}
	stayActive(w, e, 2*time.Minute)
	if e.checks != 2 {
		t.Fatalf("no periodic re-check: %d", e.checks)
	}
	e.sched.Now = e.sched.Now.Add(2 * time.Hour) // resume from sleep: the wall clock jumps
	e.sched.Advance(time.Second)
	if e.checks != 3 {
		t.Fatalf("no re-check after a jump: %d", e.checks)
	}
}

// stayActive advances the clock by d with the user active, so the window
// does not lock itself meanwhile.
func stayActive(w *Window, e *env, d time.Duration) {
	for step := time.Minute; d > 0; d -= step {
		w.touch()
		e.sched.Advance(min(step, d))
	}
}

// A vault with an account linked to a portal checks the clock against that
// portal first; without one, against the settings' sources only.
func TestClockConfigPrefersPortal(t *testing.T) {
	v, err := vault.Create(t.TempDir(), vault.CreateOptions{Options: vault.Options{Keyring: vault.NewMemoryKeyring(), WorkFactor: 10}, Passphrase: testPass, UseKeyring: true})
	if err != nil {
		t.Fatal(err)
	}
	plain := acct("a", "Plain", "p@example.com", adaSecret)
	linkedA := linkedAccount("b", "ann@acme.example", annSecret, "https://portal.acme.example")
	if err := v.Update(func(d *vault.Document) error { d.Accounts = []vault.Account{plain, linkedA}; return nil }); err != nil {
		t.Fatal(err)
	}
	comp := companion.New(v, companion.Options{})
	defer comp.Close()

	sources := clockConfig(v.Document(), comp).Sources()
	if len(sources) == 0 || sources[0].Kind() != clock.KindPortal || !strings.Contains(sources[0].Name(), "portal.acme.example") {
		t.Fatalf("first source %v, want the linked portal", sourceNames(sources))
	}
	if got := clockConfig(v.Document(), nil).Sources(); len(got) > 0 && got[0].Kind() == clock.KindPortal {
		t.Errorf("without the companion (locked) a portal is asked: %v", sourceNames(got))
	}
	if err := v.Update(func(d *vault.Document) error { d.Accounts = []vault.Account{plain}; return nil }); err != nil {
		t.Fatal(err)
	}
	if got := clockConfig(v.Document(), comp).Sources(); len(got) > 0 && got[0].Kind() == clock.KindPortal {
		t.Errorf("no linked account, yet a portal is asked: %v", sourceNames(got))
	}
}

func sourceNames(ss []clock.Source) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name())
	}
	return out
}
