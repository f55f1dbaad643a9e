package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
)

func TestRoundTrip1000Accounts(t *testing.T) {
	v, kr := newTestVault(t)
	want := makeAccounts(1000)
	if err := v.Update(func(d *Document) error { d.Accounts = want; return nil }); err != nil {
		t.Fatal(err)
	}
	w, err := Open(v.Dir(), Options{Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	got := w.Accounts()
	if len(got) != len(want) {
		t.Fatalf("got %d accounts, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("account %d differs:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if w.Status().UnlockedBy != ByKeyring {
		t.Errorf("unlocked by %q, want keyring", w.Status().UnlockedBy)
	}
}

func TestDocumentHoldsEveryDesignField(t *testing.T) {
	b, err := json.Marshal(makeAccounts(1)[0])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"id", "issuer", "name", "type", "secret", "algorithm", "digits", "period",
		"group", "note", "favourite", "icon", "created", "updated", "backup_codes", "recovery_code", "portal"} {
		if _, ok := m[k]; !ok {
			t.Errorf("account JSON lacks %q: %s", k, b)
		}
	}
	codes := m["backup_codes"].([]any)
	if _, ok := codes[1].(map[string]any)["used_at"]; !ok {
		t.Errorf("used backup code lacks used_at: %v", codes[1])
	}
}

// A newer release may add members anywhere; an older one must write them back.
func TestUnknownFieldsSurvive(t *testing.T) {
	const newer = `{"schema":3,"min_reader":2,"vault_id":"VID","generation":7,"saved":"2026-11-22T09:00:00Z",
	"sync_state":{"cursor":"abc"},
	"settings":{"clipboard_clear_seconds":45,"tray_style":"mono"},
	"accounts":[{"id":"a1","issuer":"RMM","name":"ann","type":"totp","secret":"JBSWY3DPEHPK3PXP","algorithm":"SHA1",
	  "digits":6,"period":30,"created":"2026-01-01T00:00:00Z","updated":"2026-01-01T00:00:00Z",
	  "passkey":{"rp":"rmm.example"},"tags":["x","y"],
	  "backup_codes":[{"code":"111","printed":true}],
	  "portal":{"url":"https://p.example","device_key":"k"}}]}`
	v, kr := newTestVault(t)
	writeRawDocument(t, v, strings.ReplaceAll(newer, "VID", v.meta.VaultID))

	w, err := Open(v.Dir(), Options{Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Update(func(d *Document) error {
		d.Accounts[0].Note = "edited by an older release"
		d.Settings.AutoLockSeconds = 60
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	raw := decryptRaw(t, w, VaultFile)
	for _, want := range []string{
		`"sync_state":{"cursor":"abc"}`, `"tray_style":"mono"`, `"passkey":{"rp":"rmm.example"}`,
		`"tags":["x","y"]`, `"printed":true`, `"device_key":"k"`, `"schema":3`, `"min_reader":2`,
		`"note":"edited by an older release"`, `"auto_lock_seconds":60`,
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("saved document lacks %s:\n%s", want, raw)
		}
	}
}

func TestMigrateFromSchema1(t *testing.T) {
	v1, err := os.ReadFile(filepath.Join("testdata", "schema1.json"))
	if err != nil {
		t.Fatal(err)
	}
	v, kr := newTestVault(t)
	writeRawDocument(t, v, strings.ReplaceAll(string(v1), "VAULT-ID", v.meta.VaultID))
	w, err := Open(v.Dir(), Options{Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	d := w.Document()
	if d.Schema != Schema || d.VaultID != v.meta.VaultID || len(d.Accounts) != 2 {
		t.Fatalf("migrated document: schema %d, id %q, %d accounts", d.Schema, d.VaultID, len(d.Accounts))
	}
	a := d.Accounts[0]
	if got := a.BackupCodesLeft(); got != 2 || len(a.BackupCodes) != 3 {
		t.Errorf("backup codes: %d left of %d, want 2 of 3", got, len(a.BackupCodes))
	}
	if a.BackupCodes[2].Code != "99999999" || a.BackupCodes[2].UsedAt == nil {
		t.Errorf("used code not migrated: %+v", a.BackupCodes[2])
	}
	if err := w.Update(func(*Document) error { return nil }); err != nil {
		t.Fatal(err)
	}
	raw := decryptRaw(t, w, VaultFile)
	for _, gone := range []string{`"version"`, `"used_backup_codes"`, `"id":"VAULT`} {
		if strings.Contains(raw, gone) {
			t.Errorf("schema 1 member %s survived migration", gone)
		}
	}
	if !strings.Contains(raw, `"legacy_colour":"red"`) {
		t.Errorf("unknown member dropped by migration")
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	v, kr := newTestVault(t)
	writeRawDocument(t, v, fmt.Sprintf(`{"schema":9,"min_reader":9,"vault_id":%q,"accounts":[]}`, v.meta.VaultID))
	before := snapshot(t, v.Dir())
	_, err := Open(v.Dir(), Options{Keyring: kr})
	var ve *VersionError
	if !errors.As(err, &ve) || !errors.Is(err, ErrNewerVersion) || ve.Need != 9 {
		t.Fatalf("Open = %v, want a VersionError needing 9", err)
	}
	assertUnchanged(t, v.Dir(), before)
}

func TestUnlock(t *testing.T) {
	v, kr := newTestVault(t)
	dir := v.Dir()
	down := NewMemoryKeyring()
	down.Fail = errors.New("org.freedesktop.secrets was not provided")
	tests := []struct {
		name    string
		opts    Options
		wantBy  string
		wantErr error
	}{
		{"keyring", Options{Keyring: kr}, ByKeyring, nil},
		{"keyring down, passphrase", Options{Keyring: down, Passphrase: passphrase(testPass)}, ByPassphrase, nil},
		{"no keyring this run", Options{Passphrase: passphrase(testPass)}, ByPassphrase, nil},
		{"wrong passphrase", Options{Passphrase: passphrase("Tr0ub4dor&3")}, "", ErrWrongPassphrase},
		{"empty keyring, no passphrase given", Options{Keyring: NewMemoryKeyring()}, "", ErrPassphraseRequired},
		{"keyring down, no passphrase given", Options{Keyring: down}, "", ErrKeyringUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := Open(dir, tt.opts)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Open = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := w.Status().UnlockedBy; got != tt.wantBy {
				t.Errorf("unlocked by %q, want %q", got, tt.wantBy)
			}
		})
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	v, kr := newTestVault(t)
	v.Update(func(d *Document) error { d.Accounts = makeAccounts(3); return nil })
	secret := v.identity.String()
	_, err := Open(v.Dir(), Options{Passphrase: passphrase(testPass + "x")})
	for _, s := range []string{testPass, secret, "JBSWY3DP"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q reveals a secret", err)
		}
	}
	_ = kr
}

func TestKeyringOnOff(t *testing.T) {
	v, kr := newTestVault(t)
	if err := v.SetKeyring(false); err != nil {
		t.Fatal(err)
	}
	if kr.Len() != 0 {
		t.Fatalf("keyring still holds %d entries after off", kr.Len())
	}
	if _, err := Open(v.Dir(), Options{Keyring: kr}); !errors.Is(err, ErrPassphraseRequired) {
		t.Fatalf("Open without passphrase after keyring off = %v", err)
	}
	w, err := Open(v.Dir(), Options{Keyring: kr, Passphrase: passphrase(testPass)})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SetKeyring(true); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(v.Dir(), Options{Keyring: kr}); err != nil {
		t.Fatalf("Open from keyring after on: %v", err)
	}
}

func TestKeyringOnlyVault(t *testing.T) {
	kr := NewMemoryKeyring()
	v, err := Create(t.TempDir(), CreateOptions{Options: Options{Keyring: kr, WorkFactor: testWorkFactor}, UseKeyring: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(v.Dir(), IdentityFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("identity.age written without a passphrase")
	}
	if err := v.SetKeyring(false); !errors.Is(err, ErrNoPassphrase) {
		t.Fatalf("keyring off without passphrase = %v, want ErrNoPassphrase", err)
	}
	if kr.Len() != 1 {
		t.Fatal("refused keyring off still removed the entry")
	}
	if err := v.ChangePassphrase("now one"); err != nil {
		t.Fatal(err)
	}
	if err := v.SetKeyring(false); err != nil {
		t.Fatal(err)
	}
}

func TestCreateWithoutAnyKeyFails(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "v")
	down := NewMemoryKeyring()
	down.Fail = errors.New("no D-Bus")
	if _, err := Create(dir, CreateOptions{Options: Options{Keyring: down}, UseKeyring: true}); !errors.Is(err, ErrKeyringUnavailable) {
		t.Fatalf("Create keyring-only with keyring down = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, MetaFile)); err == nil {
		t.Fatal("a failed Create left a vault behind")
	}
	v, err := Create(dir, CreateOptions{Options: Options{Keyring: down, WorkFactor: testWorkFactor}, UseKeyring: true, Passphrase: testPass})
	if err != nil {
		t.Fatal(err)
	}
	if st := v.Status(); st.Keyring || st.KeyringErr == nil || !st.HasPassphrase {
		t.Errorf("status after keyring failure: %+v", st)
	}
	if _, err := Create(dir, CreateOptions{Passphrase: "x"}); !errors.Is(err, ErrExists) {
		t.Fatalf("second Create = %v, want ErrExists", err)
	}
}

func TestChangePassphrase(t *testing.T) {
	v, _ := newTestVault(t)
	dir := v.Dir()
	oldData, _ := os.ReadFile(filepath.Join(dir, IdentityFile))
	newData, err := v.encryptIdentity("new secret words")
	if err != nil {
		t.Fatal(err)
	}
	// The state between the two steps of a change: both digests accepted,
	// the old file still in place. A crash here must leave the old passphrase working.
	m := v.meta
	m.IdentitySHA256 = []string{digest(newData), digest(oldData)}
	if err := writeMeta(filepath.Join(dir, MetaFile), m); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{Passphrase: passphrase(testPass)}); err != nil {
		t.Fatalf("mid-change, old passphrase: %v", err)
	}
	os.WriteFile(filepath.Join(dir, IdentityFile), newData, 0o600)
	if _, err := Open(dir, Options{Passphrase: passphrase("new secret words")}); err != nil {
		t.Fatalf("mid-change, new passphrase: %v", err)
	}
	os.WriteFile(filepath.Join(dir, IdentityFile), oldData, 0o600)

	before := v.Document()
	if err := v.ChangePassphrase("new secret words"); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{Passphrase: passphrase(testPass)}); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("old passphrase after change = %v", err)
	}
	w, err := Open(dir, Options{Passphrase: passphrase("new secret words")})
	if err != nil {
		t.Fatal(err)
	}
	if w.Document().Generation != before.Generation {
		t.Error("changing the passphrase rewrote vault.age")
	}
	if m, _ := readMeta(filepath.Join(dir, MetaFile)); len(m.IdentitySHA256) != 1 {
		t.Errorf("meta keeps %d identity digests after the change", len(m.IdentitySHA256))
	}
}

func TestGenerationsAndRestore(t *testing.T) {
	v, kr := newTestVault(t)
	for i := 1; i <= 5; i++ {
		if err := v.Update(func(d *Document) error {
			d.Settings.AutoLockSeconds = i
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	// Generation 1 is the empty vault of Create; saves made 2 … 6.
	for n, want := range map[int]uint64{1: 5, 2: 4, 3: 3} {
		d, _, err := v.read(generationName(n))
		if err != nil || d.Generation != want {
			t.Fatalf("vault.age.%d: generation %v (%v), want %d", n, d, err, want)
		}
	}
	if _, err := os.Stat(v.path(generationName(4))); err == nil {
		t.Error("more than 3 generations kept")
	}
	if got := len(v.Status().Generations); got != 3 {
		t.Errorf("status lists %d generations", got)
	}

	// Damage the current file: Open names it and offers the generations.
	os.WriteFile(v.path(VaultFile), []byte("age-encryption.org/v1\ngarbage"), 0o600)
	_, err := Open(v.Dir(), Options{Keyring: kr})
	var ce *CorruptError
	if !errors.As(err, &ce) || !reflect.DeepEqual(ce.Good, []int{1, 2, 3}) || !strings.Contains(err.Error(), VaultFile) {
		t.Fatalf("Open damaged = %v (good %v)", err, ce)
	}
	// A save from an open vault refuses to overwrite the damaged file.
	if err := v.Update(func(d *Document) error { d.Settings.AutoLockSeconds = 99; return nil }); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("save over damaged vault = %v", err)
	}
	w, err := Restore(v.Dir(), 1, Options{Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Document().Settings.AutoLockSeconds; got != 4 {
		t.Errorf("restored settings %d, want 4", got)
	}
	if w.Document().Generation <= 5 {
		t.Errorf("restored generation %d does not move forward", w.Document().Generation)
	}
	// v still holds the document of the damaged file: its stale save must
	// be merged with the restored one, not overwrite it.
	err = v.Update(func(d *Document) error { d.Settings.AutoLockSeconds = 99; return nil })
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("stale save after restore = %v, want a conflict", err)
	}
	if _, err := Open(v.Dir(), Options{Keyring: kr}); err != nil {
		t.Fatalf("Open after restore: %v", err)
	}
}

func TestStaleSaveMerges(t *testing.T) {
	v, kr := newTestVault(t)
	accounts := makeAccounts(3)
	v.Update(func(d *Document) error { d.Accounts = accounts; return nil })
	a, _ := Open(v.Dir(), Options{Keyring: kr})
	b, _ := Open(v.Dir(), Options{Keyring: kr})

	mustUpdate(t, a, func(d *Document) {
		d.Accounts[0].Note = "from A"
		d.Accounts = append(d.Accounts, Account{Name: "new in A"})
	})
	mustUpdate(t, b, func(d *Document) { d.Accounts[1].Note = "from B"; d.Accounts = d.Accounts[:2] })

	c, _ := Open(v.Dir(), Options{Keyring: kr})
	got := map[string]string{}
	for _, acc := range c.Accounts() {
		got[acc.ID+acc.Name] = acc.Note
	}
	if len(got) != 3 || got[accounts[0].ID+accounts[0].Name] != "from A" || got[accounts[1].ID+accounts[1].Name] != "from B" {
		t.Fatalf("merged accounts: %v", got)
	}
	if !reflect.DeepEqual(b.Accounts(), c.Accounts()) {
		t.Error("the merging vault's copy differs from disk")
	}
}

func TestStaleSaveConflictWritesNothing(t *testing.T) {
	v, kr := newTestVault(t)
	v.Update(func(d *Document) error { d.Accounts = makeAccounts(2); return nil })
	a, _ := Open(v.Dir(), Options{Keyring: kr})
	b, _ := Open(v.Dir(), Options{Keyring: kr})
	mustUpdate(t, a, func(d *Document) { d.Accounts[0].Note = "A" })
	before := snapshot(t, v.Dir())
	err := b.Update(func(d *Document) error { d.Accounts[0].Note = "B"; return nil })
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "Tenant 0 RMM") {
		t.Fatalf("conflicting save = %v", err)
	}
	assertUnchanged(t, v.Dir(), before)
	if b.Accounts()[0].Note == "B" {
		t.Error("refused change kept in memory")
	}
	if err := b.Reload(); err != nil || b.Accounts()[0].Note != "A" {
		t.Fatalf("Reload: %v, note %q", err, b.Accounts()[0].Note)
	}
}

func TestMerge(t *testing.T) {
	acc := func(id, note string) Account { return Account{ID: id, Name: id, Note: note} }
	doc := func(accounts ...Account) *Document { return &Document{Accounts: accounts} }
	tests := []struct {
		name              string
		base, ours, their *Document
		want              []string // id=note
		conflict          bool
	}{
		{"both add", doc(), doc(acc("a", "")), doc(acc("b", "")), []string{"b=", "a="}, false},
		{"ours edits, theirs edits other", doc(acc("a", ""), acc("b", "")), doc(acc("a", "1"), acc("b", "")), doc(acc("a", ""), acc("b", "2")), []string{"a=1", "b=2"}, false},
		{"same edit", doc(acc("a", "")), doc(acc("a", "x")), doc(acc("a", "x")), []string{"a=x"}, false},
		{"we delete unchanged", doc(acc("a", ""), acc("b", "")), doc(acc("b", "")), doc(acc("a", ""), acc("b", "")), []string{"b="}, false},
		{"they delete unchanged", doc(acc("a", ""), acc("b", "")), doc(acc("a", ""), acc("b", "")), doc(acc("b", "")), []string{"b="}, false},
		{"both edit", doc(acc("a", "")), doc(acc("a", "1")), doc(acc("a", "2")), nil, true},
		{"we delete, they edit", doc(acc("a", "")), doc(), doc(acc("a", "2")), nil, true},
		{"we edit, they delete", doc(acc("a", "")), doc(acc("a", "1")), doc(), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := merge(tt.base, tt.ours, tt.their)
			if tt.conflict {
				if !errors.Is(err, ErrConflict) {
					t.Fatalf("merge = %v, want conflict", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, a := range got.Accounts {
				ids = append(ids, a.ID+"="+a.Note)
			}
			if !reflect.DeepEqual(ids, tt.want) {
				t.Errorf("merge = %v, want %v", ids, tt.want)
			}
		})
	}
}

func TestTimestamps(t *testing.T) {
	v, _ := newTestVault(t)
	now := testEpoch
	v.opts.Now = func() time.Time { return now }
	mustUpdate(t, v, func(d *Document) { d.Accounts = []Account{{Name: "a"}, {Name: "b"}} })
	acc := v.Accounts()
	if acc[0].ID == "" || acc[0].ID == acc[1].ID || !acc[0].Created.Equal(now) {
		t.Fatalf("new accounts: %+v", acc)
	}
	now = now.Add(time.Hour)
	mustUpdate(t, v, func(d *Document) { d.Accounts[1].Note = "x" })
	acc = v.Accounts()
	if !acc[0].Updated.Equal(testEpoch) || !acc[1].Updated.Equal(now) || !acc[1].Created.Equal(testEpoch) {
		t.Errorf("timestamps after edit: %v %v / %v", acc[0].Updated, acc[1].Updated, acc[1].Created)
	}
	err := v.Update(func(d *Document) error { d.Accounts[1].ID = d.Accounts[0].ID; return nil })
	if err == nil {
		t.Error("duplicate ids saved")
	}
}

func TestDiskFullLosesNothing(t *testing.T) {
	v, kr := newTestVault(t)
	mustUpdate(t, v, func(d *Document) { d.Accounts = makeAccounts(50) })
	before := snapshot(t, v.Dir())
	defer func(h func(io.Writer) io.Writer) { testHookWriter = h }(testHookWriter)
	testHookWriter = func(w io.Writer) io.Writer { return &fullWriter{w: w, left: 100} }

	err := v.Update(func(d *Document) error { d.Accounts[0].Note = "lost?"; return nil })
	if !errors.Is(err, ErrDiskFull) {
		t.Fatalf("save on a full disk = %v, want ErrDiskFull", err)
	}
	assertUnchanged(t, v.Dir(), before)
	if v.Accounts()[0].Note == "lost?" {
		t.Error("failed save changed the vault in memory")
	}
	testHookWriter = func(w io.Writer) io.Writer { return w }
	if _, err := Open(v.Dir(), Options{Keyring: kr}); err != nil {
		t.Fatal(err)
	}
}

type fullWriter struct {
	w    io.Writer
	left int
}

func (f *fullWriter) Write(p []byte) (int, error) {
	if len(p) > f.left {
		n, _ := f.w.Write(p[:f.left])
		f.left = 0
		return n, &os.PathError{Op: "write", Path: "tmp", Err: syscall.ENOSPC}
	}
	f.left -= len(p)
	return f.w.Write(p)
}

func TestPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX modes")
	}
	v, _ := newTestVault(t)
	mustUpdate(t, v, func(d *Document) { d.Accounts = makeAccounts(1) })
	st, _ := os.Stat(v.Dir())
	if st.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(v.Dir())
	for _, e := range entries {
		info, _ := e.Info()
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", e.Name(), info.Mode().Perm())
		}
	}
}

func TestMetaDamageNamed(t *testing.T) {
	v, kr := newTestVault(t)
	p := filepath.Join(v.Dir(), MetaFile)
	b, _ := os.ReadFile(p)
	os.WriteFile(p, []byte(strings.Replace(string(b), `"keyring": true`, `"keyring": false`, 1)), 0o600)
	_, err := Open(v.Dir(), Options{Keyring: kr})
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.File != p {
		t.Fatalf("Open with edited meta.json = %v", err)
	}
	if _, err := Open(t.TempDir(), Options{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open empty dir = %v", err)
	}
}

func mustUpdate(t *testing.T, v *Vault, fn func(*Document)) {
	t.Helper()
	if err := v.Update(func(d *Document) error { fn(d); return nil }); err != nil {
		t.Fatal(err)
	}
}

// writeRawDocument replaces vault.age with raw JSON, as another release would.
func writeRawDocument(t *testing.T, v *Vault, raw string) {
	t.Helper()
	if err := writeAtomic(v.path(VaultFile), func(w io.Writer) error {
		aw, err := age.Encrypt(w, v.identity.Recipient())
		if err != nil {
			return err
		}
		io.WriteString(aw, raw)
		return aw.Close()
	}); err != nil {
		t.Fatal(err)
	}
}

func decryptRaw(t *testing.T, v *Vault, name string) string {
	t.Helper()
	f, err := os.Open(v.path(name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := age.Decrypt(f, v.identity)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	return string(b)
}
