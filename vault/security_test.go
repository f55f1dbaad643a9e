package vault

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fileState is what an operation could change about one entry of the vault
// directory.
type fileState struct {
	mode  fs.FileMode
	size  int64
	mtime time.Time
	data  []byte
}

// dirState records every entry of dir, the lock file included: names, modes,
// sizes, mtimes and bytes.
func dirState(t testing.TB, dir string) map[string]fileState {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	state := map[string]fileState{}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		st, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		s := fileState{mode: st.Mode(), size: st.Size(), mtime: st.ModTime()}
		if st.Mode().IsRegular() {
			if s.data, err = os.ReadFile(p); err != nil {
				t.Fatal(err)
			}
		}
		state[e.Name()] = s
	}
	return state
}

func assertSameDir(t testing.TB, dir string, before map[string]fileState) {
	t.Helper()
	after := dirState(t, dir)
	for name, b := range before {
		a, ok := after[name]
		switch {
		case !ok:
			t.Errorf("%s disappeared", name)
		case a.mode != b.mode || a.size != b.size || !a.mtime.Equal(b.mtime) || !bytes.Equal(a.data, b.data):
			t.Errorf("%s changed (mode %v→%v, size %d→%d)", name, b.mode, a.mode, b.size, a.size)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s appeared", name)
		}
	}
}

// An update that changes nothing writes nothing; the stamps a save sets
// itself (generation, saved, vault id, schema) are not changes.
func TestSecurityNoOpUpdateWritesNothing(t *testing.T) {
	tests := []struct {
		name string
		fn   func(*Document)
	}{
		{"nothing", func(*Document) {}},
		{"same values written back", func(d *Document) {
			d.Accounts[0].Note = strings.Clone(d.Accounts[0].Note)
			d.Settings.AutoLockSeconds = 300
		}},
		{"edit undone", func(d *Document) {
			d.Accounts = append(d.Accounts, Account{Name: "brief"})
			d.Accounts = d.Accounts[:len(d.Accounts)-1]
		}},
		{"the save's own stamps", func(d *Document) {
			d.Generation += 7
			d.Saved = d.Saved.Add(time.Hour)
			d.VaultID = ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, kr := newTestVault(t)
			mustUpdate(t, v, func(d *Document) { d.Accounts = makeAccounts(3); d.Settings.AutoLockSeconds = 300 })
			mustUpdate(t, v, func(d *Document) { d.Accounts[1].Note = "second" })
			mustUpdate(t, v, func(d *Document) { d.Accounts[2].Note = "third" })
			before := dirState(t, v.Dir())
			gen := v.Document().Generation
			for i := 0; i < 10; i++ {
				mustUpdate(t, v, tt.fn)
			}
			assertSameDir(t, v.Dir(), before)
			if got := v.Document().Generation; got != gen {
				t.Errorf("generation moved from %d to %d in memory", gen, got)
			}
			// A second open copy sees no change either.
			w, err := Open(v.Dir(), Options{Keyring: kr})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3; i++ {
				mustUpdate(t, w, tt.fn)
			}
			assertSameDir(t, v.Dir(), before)
		})
	}
}

// Every real change is saved, however small.
func TestSecurityRealChangesAlwaysSave(t *testing.T) {
	tests := []struct {
		name string
		fn   func(*Document)
	}{
		{"note", func(d *Document) { d.Accounts[0].Note += "!" }},
		{"counter", func(d *Document) { d.Accounts[1].Counter++ }},
		{"order", func(d *Document) { d.Accounts[0], d.Accounts[1] = d.Accounts[1], d.Accounts[0] }},
		{"delete", func(d *Document) { d.Accounts = d.Accounts[1:] }},
		{"add", func(d *Document) { d.Accounts = append(d.Accounts, Account{Name: "new"}) }},
		{"backup code used", func(d *Document) { now := testEpoch; d.Accounts[0].BackupCodes[0].UsedAt = &now }},
		{"setting", func(d *Document) { d.Settings.ClipboardClearSeconds = 45 }},
		{"setting back to its default", func(d *Document) { d.Settings.AutoLockSeconds = 0 }},
		{"time zone of a time", func(d *Document) {
			d.Accounts[0].Created = d.Accounts[0].Created.In(time.FixedZone("X", 3600))
		}},
		{"portal binding", func(d *Document) { d.Accounts[0].Portal = &Portal{URL: "https://p.example"} }},
		{"unknown member dropped by hand", func(d *Document) { d.extra = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _ := newTestVault(t)
			mustUpdate(t, v, func(d *Document) {
				d.Accounts = makeAccounts(3)
				d.Settings.AutoLockSeconds = 300
				d.extra = extra{"from_newer": []byte(`1`)}
			})
			gen := v.Document().Generation
			mustUpdate(t, v, tt.fn)
			if got := v.Document().Generation; got != gen+1 {
				t.Fatalf("generation %d after a real change, want %d", got, gen+1)
			}
			d, _, err := v.read(VaultFile)
			if err != nil || d.Generation != gen+1 {
				t.Fatalf("vault.age holds generation %v (%v), want %d", d, err, gen+1)
			}
		})
	}
}

// keptNotes decrypts every kept generation in the directory (every
// vault.age.* file) and returns the first account's note in each, by file.
func keptNotes(t *testing.T, v *Vault) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(v.Dir())
	if err != nil {
		t.Fatal(err)
	}
	notes := map[string]string{}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), VaultFile+".") {
			continue
		}
		d, _, err := v.read(e.Name())
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		notes[e.Name()] = d.Accounts[0].Note
	}
	return notes
}

func hasValue(m map[string]string, want string) bool {
	for _, v := range m {
		if v == want {
			return true
		}
	}
	return false
}

// A burst of real saves must not push out every generation made before it:
// the last generation of each earlier day stays.
func TestSecurityBurstKeepsEarlierDays(t *testing.T) {
	clock := time.Date(2026, 11, 20, 17, 0, 0, 0, time.UTC)
	v, err := Create(t.TempDir(), CreateOptions{
		Options:    Options{Keyring: NewMemoryKeyring(), WorkFactor: testWorkFactor, Now: func() time.Time { return clock }},
		Passphrase: testPass, UseKeyring: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	note := func(s string) {
		mustUpdate(t, v, func(d *Document) { d.Accounts = makeAccounts(1); d.Accounts[0].Note = s })
	}
	note("day 1")
	clock = clock.Add(20 * time.Hour) // 21 November, 13:00
	note("day 2 morning")
	clock = clock.Add(5 * time.Hour)
	note("day 2 evening")
	clock = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 20; i++ {
		clock = clock.Add(time.Minute)
		note(fmt.Sprintf("burst %d", i))
	}
	kept := keptNotes(t, v)
	for _, want := range []string{"day 2 evening", "day 1"} {
		if !hasValue(kept, want) {
			t.Errorf("no generation of before the burst holds %q; kept: %v", want, kept)
		}
	}
	// The listing offers it for restore, and restoring it brings it back.
	for _, g := range v.Status().Generations {
		if kept[g.Name] != "day 2 evening" {
			continue
		}
		w, err := Restore(v.Dir(), g.N, Options{Keyring: v.opts.Keyring})
		if err != nil {
			t.Fatalf("restore %d (%s): %v", g.N, g.Name, err)
		}
		if got := w.Accounts()[0].Note; got != "day 2 evening" {
			t.Errorf("restored %s holds %q", g.Name, got)
		}
		return
	}
	t.Errorf("status lists no generation of 21 November: %+v", v.Status().Generations)
}

// Daily generations are bounded: the three previous saves plus one for
// each of the seven latest days on which generations were replaced.
func TestDailyGenerationsKeepSevenDays(t *testing.T) {
	clock := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	v, err := Create(t.TempDir(), CreateOptions{
		Options:    Options{Keyring: NewMemoryKeyring(), WorkFactor: testWorkFactor, Now: func() time.Time { return clock }},
		Passphrase: testPass, UseKeyring: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	for day := 0; day < 12; day++ {
		for i := 0; i < 3; i++ {
			mustUpdate(t, v, func(d *Document) { d.Settings.AutoLockSeconds = day*10 + i + 1 })
			clock = clock.Add(time.Hour)
		}
		clock = clock.Add(21 * time.Hour)
	}
	gens := v.Status().Generations
	if len(gens) != Generations+DailyGenerations {
		t.Fatalf("%d generations kept, want %d: %+v", len(gens), Generations+DailyGenerations, gens)
	}
	for i, g := range gens {
		if g.N != i+1 {
			t.Errorf("generation %d listed as %d", i+1, g.N)
		}
	}
	// Newest first. vault.age.1 … .3 hold the 12th's first two saves and
	// the 11th's last; the dailies are the last saves of the 10th to the 4th.
	if gens[Generations].Name != VaultFile+".2026-11-10" || gens[len(gens)-1].Name != VaultFile+".2026-11-04" {
		t.Errorf("dailies run from %s to %s", gens[Generations].Name, gens[len(gens)-1].Name)
	}
}
