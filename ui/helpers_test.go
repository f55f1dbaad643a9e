package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app/clock"
	_ "github.com/latchkey/latchkey/internal/locale" // before Fyne reads LANG
	"github.com/latchkey/latchkey/ui/schedule/scheduletest"
	"github.com/latchkey/latchkey/ui/uitest"
	"github.com/latchkey/latchkey/vault"
)

const testPass = "correct horse battery"

// fakeWall is the scheduler's clock as the monitor sees it: a wall clock
// and a monotonic one that agree unless a test jumps the wall clock.
type fakeWall struct{ s *scheduletest.Fake }

func (f fakeWall) Wall() time.Time          { return f.s.Now }
func (f fakeWall) Monotonic() time.Duration { return f.s.Mono }

type env struct {
	t      *testing.T
	app    fyne.App
	sched  *scheduletest.Fake
	cfg    Config
	kr     *vault.MemoryKeyring
	clock  clock.Result // what the next clock check finds
	checks int
	login  *fakeLogin
}

// fakeLogin records start-at-login instead of writing the user's autostart.
type fakeLogin struct{ on, links bool }

func (f *fakeLogin) Enabled() bool            { return f.on }
func (f *fakeLogin) SetEnabled(on bool) error { f.on = on; return nil }
func (f *fakeLogin) Links() bool              { return false }
func (f *fakeLogin) LinksRegistered() bool    { return f.links }
func (f *fakeLogin) SetLinks(on bool) error   { f.links = on; return nil }

func newEnv(t *testing.T, now time.Time) *env {
	e := &env{t: t, app: test.NewTempApp(t), sched: scheduletest.New(now), kr: vault.NewMemoryKeyring(), login: &fakeLogin{}}
	e.clock = clock.NewResult(clock.Measurement{Offline: true}, 30*time.Second, "linux")
	e.cfg = Config{Home: filepath.Join(t.TempDir(), "vault"), Keyring: e.kr, WorkFactor: 10,
		Now: func() time.Time { return e.sched.Now }, Scheduler: e.sched,
		ClockCheck: func(context.Context, vault.Settings, time.Duration) clock.Result {
			e.checks++
			return e.clock
		},
		WallClock:  fakeWall{e.sched},
		LoginItems: e.login,
	}
	return e
}

// withAccounts creates the vault (keyring + passphrase) holding accounts.
func (e *env) withAccounts(accounts ...vault.Account) *env {
	e.t.Helper()
	v, err := vault.Create(e.cfg.Home, vault.CreateOptions{Options: vault.Options{Keyring: e.kr, WorkFactor: 10}, Passphrase: testPass, UseKeyring: true})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := v.Update(func(d *vault.Document) error { d.Accounts = accounts; return nil }); err != nil {
		e.t.Fatal(err)
	}
	return e
}

func (e *env) open() *Window {
	w := NewWindow(e.app, e.cfg)
	e.t.Cleanup(func() { w.win.Close() })
	return w
}

func (e *env) vaultAccounts() []vault.Account {
	e.t.Helper()
	v, err := vault.Open(e.cfg.Home, vault.Options{Keyring: e.kr})
	if err != nil {
		e.t.Fatal(err)
	}
	return v.Accounts()
}

// findAll is uitest.FindAll.
func findAll[T fyne.CanvasObject](t *testing.T, o fyne.CanvasObject) []T {
	return uitest.FindAll[T](t, o)
}

// overlays lists what dialogs show on top of the window's content.
func overlays(w *Window) []fyne.CanvasObject { return w.win.Canvas().Overlays().List() }

// everything is the window's content and its open dialogs.
func everything(w *Window) []fyne.CanvasObject {
	return append([]fyne.CanvasObject{w.win.Content()}, overlays(w)...)
}

func hasText(t *testing.T, w *Window, s string) bool {
	for _, o := range everything(w) {
		if hasTextIn(t, o, s) {
			return true
		}
	}
	return false
}

func hasTextIn(t *testing.T, o fyne.CanvasObject, s string) bool {
	for _, l := range findAll[*widget.Label](t, o) {
		if strings.Contains(l.Text, s) {
			return true
		}
	}
	return false
}

func button(t *testing.T, w *Window, label string) *widget.Button {
	t.Helper()
	for _, o := range everything(w) {
		for _, b := range findAll[*widget.Button](t, o) {
			if b.Text == label {
				return b
			}
		}
	}
	t.Fatalf("no button %q", label)
	return nil
}

func passwordEntries(t *testing.T, w *Window) []*widget.Entry {
	var out []*widget.Entry
	for _, o := range everything(w) {
		for _, e := range findAll[*widget.Entry](t, o) {
			if e.Password {
				out = append(out, e)
			}
		}
	}
	return out
}
