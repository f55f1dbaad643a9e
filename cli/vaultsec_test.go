package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/dirsnap"

	"github.com/latchkey/latchkey/vault"
)

// A command that changes nothing in the vault must write nothing: each such
// save used to push a real generation out of vault.age.1 … .3.
func TestSecurityRejectedImportsWriteNothing(t *testing.T) {
	h := withVault(t)
	h.run("add", annURI).assert(t, 0, "Added Acme: ann.", "")
	h.run("add", rfcURI).assert(t, 0, "Added RFC 6238: sha256.", "")
	h.run("add", hotpURI).assert(t, 0, "Added Vendor: ops.", "")
	rejected := writeNamed(t, "rejected.txt", []byte("not a link\notpauth://totp/X?secret=\n"))
	before := dirsnap.Take(t, h.home)
	for i := 0; i < 10; i++ {
		h.run("import", rejected).assert(t, 1, "No account was found.", "")
	}
	dirsnap.AssertSame(t, h.home, before)
}

func TestSecurityDuplicateAddsWriteNothing(t *testing.T) {
	h := withVault(t)
	h.run("add", annURI).assert(t, 0, "Added Acme: ann.", "")
	h.run("add", rfcURI).assert(t, 0, "Added RFC 6238: sha256.", "")
	h.run("add", hotpURI).assert(t, 0, "Added Vendor: ops.", "")
	before := dirsnap.Take(t, h.home)
	for i := 0; i < 10; i++ {
		h.run("add", annURI).assert(t, 0, "Skipped Acme: ann, already in the vault.", "")
	}
	dirsnap.AssertSame(t, h.home, before)
}

// The CLI says in one line on stderr what it tightened, and `vault status`
// shows it.
func TestSecurityLoosePermissionsReported(t *testing.T) {
	h := withVault(t)
	h.run("add", annURI).assert(t, 0, "Added Acme: ann.", "")
	loosen := func() {
		os.Chmod(h.home, 0o777)
		os.Chmod(filepath.Join(h.home, vault.VaultFile), 0o666)
	}
	loosen()
	r := h.run("list")
	r.assert(t, 0, "Acme", "vault.age")
	if lines := strings.Count(r.stderr, "\n"); lines != 1 || !strings.Contains(r.stderr, "0666") || !strings.Contains(r.stderr, "0777") {
		t.Errorf("stderr %q, want one line naming both repairs", r.stderr)
	}
	for name, want := range map[string]os.FileMode{"": 0o700, vault.VaultFile: 0o600} {
		if st, _ := os.Stat(filepath.Join(h.home, name)); st.Mode().Perm() != want {
			t.Errorf("%q is %v, want %v", name, st.Mode().Perm(), want)
		}
	}
	h.run("list").assert(t, 0, "Acme", "")
	if r := h.run("list"); r.stderr != "" {
		t.Errorf("nothing to repair, yet stderr says %q", r.stderr)
	}
	loosen()
	r = h.run("vault", "status")
	r.assert(t, 0, "Permissions:", "vault.age")
	if !strings.Contains(r.stdout, "0666") {
		t.Errorf("status does not show the repair: %s", r.stdout)
	}
}

// An older vault.age put in place is refused by every command, with both
// ways out in the message; either way out works.
func TestSecurityRollbackReported(t *testing.T) {
	for _, way := range []string{"1", "0"} {
		t.Run("restore "+way, func(t *testing.T) {
			h := withVault(t)
			h.run("add", annURI).assert(t, 0, "Added Acme: ann.", "")
			h.run("add", rfcURI).assert(t, 0, "Added RFC 6238: sha256.", "")
			h.run("add", hotpURI).assert(t, 0, "Added Vendor: ops.", "")
			// vault.age.2 has ann only; vault.age.1 ann and the RFC account.
			old, err := os.ReadFile(filepath.Join(h.home, vault.VaultFile+".2"))
			if err != nil {
				t.Fatal(err)
			}
			os.Remove(filepath.Join(h.home, vault.VaultFile))
			os.WriteFile(filepath.Join(h.home, vault.VaultFile), old, 0o600)
			before := dirsnap.Take(t, h.home)
			for _, args := range [][]string{{"list"}, {"add", "otpauth://totp/New:x?secret=JBSWY3DPEHPK3PXQ"}, {"code", "ann"}} {
				h.run(args...).assert(t, 1, "", "older than generation")
				r := h.run(args...)
				if !strings.Contains(r.stderr, "latchkey vault restore 1") || !strings.Contains(r.stderr, "latchkey vault restore 0") {
					t.Errorf("%s: stderr %q offers no way out", args[0], r.stderr)
				}
			}
			h.run("vault", "status").assert(t, 0, "not unlocked", "")
			dirsnap.AssertSame(t, h.home, before)

			h.run("vault", "restore", way).assert(t, 0, map[string]string{"1": "Restored generation 1: 2 accounts", "0": "Kept vault.age as it is: 1 account"}[way], "")
			want := map[string]int{"1": 2, "0": 1}[way]
			r := h.run("list")
			r.assert(t, 0, "Acme", "")
			if got := strings.Count(r.stdout, "\n") - 1; got != want {
				t.Errorf("%d accounts after restore %s, want %d:\n%s", got, way, want, r.stdout)
			}
		})
	}
}
