//go:build !windows

package vault

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/dirsnap"
)

// within runs fn and fails the test if it has not returned after d, so an
// operation that blocks on a named pipe fails the test instead of hanging it.
func within(t *testing.T, d time.Duration, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("still blocked after %v (reading a named pipe?)", d)
		return nil
	}
}

// mkfifo replaces path with a named pipe. The cleanup opens its writing end
// once, so that a reader a regression left blocked on it returns.
func mkfifo(t *testing.T, path string) {
	t.Helper()
	os.Remove(path)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
}

// wantFileType checks that err reports path as what it is instead of a file.
func wantFileType(t *testing.T, err error, path, what string) {
	t.Helper()
	var fe *FileTypeError
	if !errors.As(err, &fe) || !errors.Is(err, ErrNotAFile) || fe.File != path || !strings.Contains(err.Error(), what) {
		t.Fatalf("error %v, want %s reported as %s", err, filepath.Base(path), what)
	}
	if strings.Contains(err.Error(), testPass) || strings.Contains(err.Error(), "JBSWY3DP") {
		t.Errorf("error reveals a secret: %v", err)
	}
}

// A named pipe in place of any vault file is reported as one, at once,
// and nothing is written.
func TestSecurityNamedPipesNeverBlock(t *testing.T) {
	save := func(t *testing.T, v *Vault, kr *MemoryKeyring) error {
		return v.Update(func(d *Document) error { d.Accounts[0].Note = "over a pipe?"; return nil })
	}
	open := func(t *testing.T, v *Vault, kr *MemoryKeyring) error {
		_, err := Open(v.Dir(), Options{Keyring: kr})
		return err
	}
	tests := []struct {
		name, file string
		op         func(t *testing.T, v *Vault, kr *MemoryKeyring) error
	}{
		{"open", VaultFile, open},
		{"save", VaultFile, save},
		{"open", MetaFile, open},
		{"open by passphrase", IdentityFile, func(t *testing.T, v *Vault, kr *MemoryKeyring) error {
			_, err := Open(v.Dir(), Options{Passphrase: passphrase(testPass)})
			return err
		}},
		{"save", LockFile, save},
		{"save", generationName(2), save},
		{"restore", generationName(1), func(t *testing.T, v *Vault, kr *MemoryKeyring) error {
			_, err := Restore(v.Dir(), 1, Options{Keyring: kr})
			return err
		}},
		{"open of a damaged vault", generationName(2), func(t *testing.T, v *Vault, kr *MemoryKeyring) error {
			// A damaged vault.age makes Open try every kept generation;
			// the pipe is not one of them.
			os.WriteFile(v.path(VaultFile), []byte("age-encryption.org/v1\ngarbage"), 0o600)
			_, err := Open(v.Dir(), Options{Keyring: kr})
			var ce *CorruptError
			if !errors.As(err, &ce) || len(ce.Good) != 2 || ce.Good[0] != 1 || ce.Good[1] != 3 {
				t.Errorf("Open of a damaged vault = %v, want generations 1 and 3 offered", err)
			}
			_, err = Restore(v.Dir(), 2, Options{Keyring: kr})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file+" "+tt.name, func(t *testing.T) {
			v, kr := newTestVault(t)
			for i := 0; i < 3; i++ {
				mustUpdate(t, v, func(d *Document) { d.Accounts = makeAccounts(2); d.Settings.AutoLockSeconds = i + 1 })
			}
			path := v.path(tt.file)
			mkfifo(t, path)
			before := dirsnap.Take(t, v.Dir())
			err := within(t, 5*time.Second, func() error { return tt.op(t, v, kr) })
			wantFileType(t, err, path, "named pipe")
			if tt.name != "open of a damaged vault" {
				dirsnap.AssertSame(t, v.Dir(), before)
			}
		})
	}
}

// A symbolic link in place of a vault file is never followed: not to read
// it, not to lock it, not when keeping generations. Each case points the
// link at a valid copy outside the vault, as an attacker would.
func TestSecuritySymlinksNeverFollowed(t *testing.T) {
	tests := []struct {
		file string
		op   func(v *Vault, kr *MemoryKeyring) error
	}{
		{VaultFile, func(v *Vault, kr *MemoryKeyring) error { _, err := Open(v.Dir(), Options{Keyring: kr}); return err }},
		{MetaFile, func(v *Vault, kr *MemoryKeyring) error { _, err := Open(v.Dir(), Options{Keyring: kr}); return err }},
		{IdentityFile, func(v *Vault, kr *MemoryKeyring) error {
			_, err := Open(v.Dir(), Options{Passphrase: passphrase(testPass)})
			return err
		}},
		{generationName(1), func(v *Vault, kr *MemoryKeyring) error {
			_, err := Restore(v.Dir(), 1, Options{Keyring: kr})
			return err
		}},
		// A vault opened before the link was planted saves: the save must
		// not read through the link, nor hard-link the link into vault.age.1.
		{VaultFile + " on save", func(v *Vault, kr *MemoryKeyring) error {
			return v.Update(func(d *Document) error { d.Accounts[0].Note = "through a link?"; return nil })
		}},
		{generationName(2) + " on save", func(v *Vault, kr *MemoryKeyring) error {
			return v.Update(func(d *Document) error { d.Accounts[0].Note = "moving a link?"; return nil })
		}},
		{LockFile, func(v *Vault, kr *MemoryKeyring) error {
			return v.Update(func(d *Document) error { d.Accounts[0].Note = "locking a link?"; return nil })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			v, kr := newTestVault(t)
			for i := 0; i < 3; i++ {
				mustUpdate(t, v, func(d *Document) { d.Accounts = makeAccounts(2); d.Settings.AutoLockSeconds = i + 1 })
			}
			name, _, _ := strings.Cut(tt.file, " ")
			path := v.path(name)
			outside := filepath.Join(t.TempDir(), "elsewhere")
			if name != LockFile { // the lock link points at nothing yet
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(outside, data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			os.Remove(path)
			if err := os.Symlink(outside, path); err != nil {
				t.Fatal(err)
			}
			outsideBefore := dirsnap.Take(t, filepath.Dir(outside))
			before := dirsnap.Take(t, v.Dir())

			err := within(t, 5*time.Second, func() error { return tt.op(v, kr) })
			wantFileType(t, err, path, "symbolic link")
			if !strings.Contains(err.Error(), outside) {
				t.Errorf("error does not say where the link points: %v", err)
			}
			dirsnap.AssertSame(t, v.Dir(), before)
			dirsnap.AssertSame(t, filepath.Dir(outside), outsideBefore)
		})
	}
}

// Modes that let other users read or replace vault files are repaired on
// open where the user owns the file, and every repair is reported.
func TestSecurityLoosePermissionsRepaired(t *testing.T) {
	v, kr := newTestVault(t)
	for i := 0; i < 5; i++ {
		mustUpdate(t, v, func(d *Document) { d.Accounts = makeAccounts(1); d.Settings.AutoLockSeconds = i + 1 })
	}
	dir := v.Dir()
	loose := map[string]os.FileMode{
		"": 0o777, MetaFile: 0o666, IdentityFile: 0o644, VaultFile: 0o666, LockFile: 0o660,
		generationName(1): 0o604, generationName(3): 0o640,
	}
	want := map[string]os.FileMode{}
	for name, mode := range loose {
		if err := os.Chmod(filepath.Join(dir, name), mode); err != nil {
			t.Fatal(err)
		}
		want[filepath.Join(dir, name)] = 0o600
	}
	want[dir] = 0o700
	tight := filepath.Join(dir, generationName(2)) // 0600 already: not reported
	before := dirsnap.Take(t, dir)

	w, err := Open(dir, Options{Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]PermRepair{}
	for _, r := range w.Status().Permissions {
		got[r.File] = r
	}
	for path, mode := range want {
		st, _ := os.Stat(path)
		if st.Mode().Perm() != mode {
			t.Errorf("%s is %v after open, want %v", path, st.Mode().Perm(), mode)
		}
		r, ok := got[path]
		name, _ := filepath.Rel(dir, path)
		if name == "." {
			name = ""
		}
		if !ok || r.Err != nil || r.Was != loose[name] || r.Now != mode {
			t.Errorf("repair of %s reported as %+v, want %v → %v", path, r, loose[name], mode)
		}
		if ok && !strings.Contains(r.String(), filepath.Base(path)) {
			t.Errorf("repair report %q does not name the file", r)
		}
	}
	if _, ok := got[tight]; ok || len(got) != len(want) {
		t.Errorf("reported %d repairs, want %d: %v", len(got), len(want), w.Status().Permissions)
	}
	// Only modes changed: every byte is as it was.
	dirsnap.AssertSameButModes(t, dir, before)
	// Nothing is left to repair, so nothing is reported the next time.
	if w, err := Open(dir, Options{Keyring: kr}); err != nil || len(w.Status().Permissions) != 0 {
		t.Errorf("second open: %v, repairs %v", err, w.Status().Permissions)
	}
}

// A loose file another user owns cannot be repaired: it is reported as
// such and left alone.
func TestSecurityLoosePermissionsOfAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file to another user")
	}
	v, kr := newTestVault(t)
	p := v.path(IdentityFile)
	if err := os.Chown(p, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, 0o644)
	w, err := Open(v.Dir(), Options{Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	reps := w.Status().Permissions
	if len(reps) != 1 || reps[0].File != p || reps[0].Err == nil || reps[0].Now != 0o644 {
		t.Fatalf("repairs %+v, want identity.age reported as not repaired", reps)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o644 {
		t.Errorf("another user's file changed to %v", st.Mode().Perm())
	}
	if !strings.Contains(reps[0].String(), "65534") {
		t.Errorf("report %q does not say who owns it", reps[0])
	}
}
