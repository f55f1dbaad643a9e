package vault

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/dirsnap"
)

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
			before := dirsnap.Take(t, v.Dir())
			gen := v.Document().Generation
			for i := 0; i < 10; i++ {
				mustUpdate(t, v, tt.fn)
			}
			dirsnap.AssertSame(t, v.Dir(), before)
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
			dirsnap.AssertSame(t, v.Dir(), before)
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
			if err != nil {
				t.Fatal(err)
			}
			if d.Generation != gen+1 {
				t.Fatalf("vault.age holds generation %d, want %d", d.Generation, gen+1)
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

// copyFile copies src over dst as someone with access to the vault's files
// would: a new file, a new inode, a fresh mtime.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(dst)
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// An older generation put in place of vault.age is refused: by Open, by a
// vault already open when it saves or reloads; the error names the file,
// says which generations are newer, and nothing is written.
func TestSecurityRollbackDetected(t *testing.T) {
	tests := []struct {
		name      string
		attack    func(t *testing.T, dir string, earlier map[string][]byte)
		wantGen   uint64
		wantNewer []int
	}{
		{"older generation copied over vault.age", func(t *testing.T, dir string, _ map[string][]byte) {
			copyFile(t, filepath.Join(dir, generationName(2)), filepath.Join(dir, VaultFile))
		}, 4, []int{1}},
		{"older generation renamed over vault.age", func(t *testing.T, dir string, _ map[string][]byte) {
			if err := os.Rename(filepath.Join(dir, generationName(3)), filepath.Join(dir, VaultFile)); err != nil {
				t.Fatal(err)
			}
		}, 3, []int{1, 2}},
		{"whole directory put back from an earlier copy", func(t *testing.T, dir string, earlier map[string][]byte) {
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.Name() != LockFile { // it holds nothing; a save takes it before looking
					os.Remove(filepath.Join(dir, e.Name()))
				}
			}
			for name, data := range earlier {
				os.WriteFile(filepath.Join(dir, name), data, 0o600)
			}
		}, 3, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, kr := newTestVault(t)
			dir := v.Dir()
			mustUpdate(t, v, func(d *Document) { d.Accounts = makeAccounts(2) })
			mustUpdate(t, v, func(d *Document) { d.Accounts[0].Note = "3" })
			earlier := snapshot(t, dir) // generation 3
			for _, note := range []string{"4", "5", "6"} {
				mustUpdate(t, v, func(d *Document) { d.Accounts[0].Note = note })
			}
			stale, err := Open(dir, Options{Keyring: kr}) // open before the attack
			if err != nil {
				t.Fatal(err)
			}
			tt.attack(t, dir, earlier)
			before := dirsnap.Take(t, dir)

			check := func(what string, err error) {
				t.Helper()
				var re *RollbackError
				if !errors.As(err, &re) || !errors.Is(err, ErrRollback) {
					t.Fatalf("%s = %v, want a RollbackError", what, err)
				}
				if re.File != filepath.Join(dir, VaultFile) || re.Generation != tt.wantGen || re.Seen != 6 || !reflect.DeepEqual(re.Newer, tt.wantNewer) {
					t.Errorf("%s: %+v, want vault.age at generation %d of 6 seen, newer %v", what, re, tt.wantGen, tt.wantNewer)
				}
				msg := err.Error()
				offer := "no newer generation is kept"
				if len(tt.wantNewer) > 0 {
					offer = fmt.Sprintf("kept generation %d", tt.wantNewer[0])
				}
				if !strings.Contains(msg, VaultFile) || !strings.Contains(msg, "older") || !strings.Contains(msg, offer) {
					t.Errorf("%s: message %q does not name the file and offer %q", what, msg, offer)
				}
				if strings.Contains(msg, testPass) || strings.Contains(msg, "JBSWY3DP") {
					t.Errorf("%s: message reveals a secret", what)
				}
				dirsnap.AssertSame(t, dir, before)
			}
			_, err = Open(dir, Options{Keyring: kr})
			check("Open", err)
			_, err = Open(dir, Options{Passphrase: passphrase(testPass)})
			check("Open by passphrase", err)
			check("save of a vault opened before", stale.Update(func(d *Document) error { d.Accounts[1].Note = "buried?"; return nil }))
			check("save of the vault that wrote 6", v.Update(func(d *Document) error { d.Accounts[1].Note = "buried?"; return nil }))
			check("Reload", v.Reload())
		})
	}
}

// Going back on purpose still works: restoring a kept generation, or
// keeping the older vault.age as it is (generation 0), is accepted from
// then on, and unknown members survive either.
func TestSecurityRollbackRestoreOnPurpose(t *testing.T) {
	const newer = `{"schema":3,"min_reader":2,"vault_id":"VID","generation":50,"saved":"2026-11-22T09:00:00Z",
	"sync_state":{"cursor":"abc"},"settings":{"tray_style":"mono"},
	"accounts":[{"id":"a1","issuer":"RMM","name":"ann","type":"totp","secret":"JBSWY3DPEHPK3PXP","algorithm":"SHA1",
	  "digits":6,"period":30,"created":"2026-01-01T00:00:00Z","updated":"2026-01-01T00:00:00Z","passkey":{"rp":"x"}}]}`
	for _, n := range []int{0, 1} {
		t.Run(fmt.Sprint("restore ", n), func(t *testing.T) {
			v, kr := newTestVault(t)
			dir := v.Dir()
			writeRawDocument(t, v, strings.ReplaceAll(newer, "VID", v.meta.VaultID))
			w, err := Open(dir, Options{Keyring: kr})
			if err != nil {
				t.Fatal(err)
			}
			for _, note := range []string{"51", "52"} {
				mustUpdate(t, w, func(d *Document) { d.Accounts[0].Note = note })
			}
			// vault.age.1 is 51; put 50 in place of 52.
			copyFile(t, filepath.Join(dir, generationName(2)), filepath.Join(dir, VaultFile))
			if _, err := Open(dir, Options{Keyring: kr}); !errors.Is(err, ErrRollback) {
				t.Fatalf("Open = %v, want a rollback", err)
			}
			rolledBack, _ := os.ReadFile(filepath.Join(dir, VaultFile))
			r, err := Restore(dir, n, Options{Keyring: kr})
			if err != nil {
				t.Fatalf("Restore(%d): %v", n, err)
			}
			// The file it replaced is kept, not lost.
			if kept, _ := os.ReadFile(filepath.Join(dir, generationName(1))); !bytes.Equal(kept, rolledBack) {
				t.Errorf("the replaced vault.age is not kept as vault.age.1")
			}
			wantNote := map[int]string{0: "", 1: "51"}[n]
			if got := r.Document(); got.Accounts[0].Note != wantNote || got.Generation <= 52 {
				t.Errorf("restored note %q at generation %d, want %q above 52", got.Accounts[0].Note, got.Generation, wantNote)
			}
			o, err := Open(dir, Options{Keyring: kr})
			if err != nil {
				t.Fatalf("Open after restore: %v", err)
			}
			mustUpdate(t, o, func(d *Document) { d.Accounts[0].Note = "after" })
			raw := decryptRaw(t, o, VaultFile)
			for _, want := range []string{`"sync_state":{"cursor":"abc"}`, `"tray_style":"mono"`, `"passkey":{"rp":"x"}`} {
				if !strings.Contains(raw, want) {
					t.Errorf("restored document lacks %s", want)
				}
			}
		})
	}
}

// The mark is per vault and directory: a copy of the vault opened from
// elsewhere (a backup) is not a rollback of the original, and neither
// affects the other. A state directory inside the vault directory would be
// rolled back with it: the check is then off, and Status says so.
func TestRollbackMarkPerDirectory(t *testing.T) {
	v, kr := newTestVault(t)
	mustUpdate(t, v, func(d *Document) { d.Accounts = makeAccounts(1) })
	backup := filepath.Join(t.TempDir(), "backup")
	os.Mkdir(backup, 0o700)
	for name, data := range snapshot(t, v.Dir()) {
		os.WriteFile(filepath.Join(backup, name), data, 0o600)
	}
	for _, note := range []string{"3", "4"} {
		mustUpdate(t, v, func(d *Document) { d.Accounts[0].Note = note })
	}
	b, err := Open(backup, Options{Keyring: kr})
	if err != nil {
		t.Fatalf("Open of an older copy elsewhere: %v", err)
	}
	mustUpdate(t, b, func(d *Document) { d.Accounts[0].Note = "in the backup" })
	// The copy was taken at generation 2; its own save is 3, whatever the
	// original saw since.
	if st := b.Status(); st.Seen != 3 || st.SeenErr != nil {
		t.Errorf("backup: seen %d (%v), want 3", st.Seen, st.SeenErr)
	}
	w, err := Open(v.Dir(), Options{Keyring: kr})
	if err != nil {
		t.Fatalf("Open of the original: %v", err)
	}
	if st := w.Status(); st.Seen != 4 || st.SeenErr != nil {
		t.Errorf("original: seen %d (%v), want 4", st.Seen, st.SeenErr)
	}
	for name := range snapshot(t, v.Dir()) {
		if strings.HasPrefix(name, "seen") {
			t.Errorf("the mark is kept in the vault directory: %s", name)
		}
	}

	inside, err := Open(v.Dir(), Options{Keyring: kr, StateDir: filepath.Join(v.Dir(), "state")})
	if err != nil {
		t.Fatal(err)
	}
	if st := inside.Status(); st.SeenErr == nil || !strings.Contains(st.SeenErr.Error(), "inside the vault directory") {
		t.Errorf("state directory inside the vault: SeenErr %v", st.SeenErr)
	}
}
