package vault

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestSystemKeyringSecretService runs against the real OS keyring. `make
// test` runs it under dbus-run-session with gnome-keyring-daemon and sets
// LATCHKEY_TEST_SECRET_SERVICE=1; elsewhere it is skipped so a developer's
// own keyring is left alone.
func TestSystemKeyringSecretService(t *testing.T) {
	if os.Getenv("LATCHKEY_TEST_SECRET_SERVICE") != "1" {
		t.Skip("set LATCHKEY_TEST_SECRET_SERVICE=1 inside a throwaway keyring session (see Makefile)")
	}
	kr := SystemKeyring{Timeout: 20 * time.Second}
	dir := t.TempDir()
	v, err := Create(dir, CreateOptions{Options: Options{Keyring: kr, WorkFactor: testWorkFactor}, UseKeyring: true, Passphrase: testPass})
	if err != nil {
		t.Fatal(err)
	}
	if st := v.Status(); !st.Keyring {
		t.Fatalf("vault created without the keyring: %v", st.KeyringErr)
	}
	mustUpdate(t, v, func(d *Document) { d.Accounts = makeAccounts(2) })

	w, err := Open(dir, Options{Keyring: kr}) // no passphrase: the keyring alone
	if err != nil {
		t.Fatalf("reopen from the Secret Service: %v", err)
	}
	if w.Status().UnlockedBy != ByKeyring || len(w.Accounts()) != 2 {
		t.Fatalf("reopened by %s with %d accounts", w.Status().UnlockedBy, len(w.Accounts()))
	}
	if err := w.SetKeyring(false); err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Get(v.meta.VaultID); !errors.Is(err, ErrKeyringEntryMissing) {
		t.Fatalf("entry after keyring off: %v, want missing", err)
	}
	if _, err := Open(dir, Options{Keyring: kr}); !errors.Is(err, ErrPassphraseRequired) {
		t.Fatalf("Open after keyring off = %v", err)
	}
}

// TestSystemKeyringWithoutDBus runs the real go-keyring backend in a child
// whose session bus does not exist, as on a headless server: creating and
// opening must fall back to the passphrase, with the keyring reported as
// unavailable.
func TestSystemKeyringWithoutDBus(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the Secret Service is Linux's")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		"LATCHKEY_TEST_CHILD=system-keyring-fallback",
		"LATCHKEY_TEST_DIR="+filepath.Join(dir, "vault"),
		"DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(dir, "no-bus"),
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "fallback ok") {
		t.Fatalf("child output: %s", out)
	}
}

func childSystemKeyringFallback() int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, format+"\n", args...)
		return 1
	}
	dir := os.Getenv("LATCHKEY_TEST_DIR")
	kr := SystemKeyring{Timeout: 10 * time.Second}
	if _, err := Create(dir, CreateOptions{Options: Options{Keyring: kr}, UseKeyring: true}); !errors.Is(err, ErrKeyringUnavailable) {
		return fail("keyring-only create without D-Bus = %v, want ErrKeyringUnavailable", err)
	}
	v, err := Create(dir, CreateOptions{Options: Options{Keyring: kr, WorkFactor: testWorkFactor}, UseKeyring: true, Passphrase: testPass})
	if err != nil {
		return fail("create: %v", err)
	}
	if st := v.Status(); st.Keyring || !errors.Is(st.KeyringErr, ErrKeyringUnavailable) {
		return fail("status: keyring %v, err %v", st.Keyring, st.KeyringErr)
	}
	asked := false
	w, err := Open(dir, Options{Keyring: kr, Passphrase: func() (string, error) { asked = true; return testPass, nil }})
	if err != nil || !asked || w.Status().UnlockedBy != ByPassphrase {
		return fail("open: %v, asked %v", err, asked)
	}
	if err := w.SetKeyring(true); !errors.Is(err, ErrKeyringUnavailable) {
		return fail("keyring on without D-Bus = %v", err)
	}
	fmt.Println("fallback ok")
	return 0
}
