package vault

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
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
			d.Accounts[0].Note = d.Accounts[0].Note
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
