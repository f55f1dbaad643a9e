package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/portal"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/portaltest"
	"github.com/latchkey/latchkey/portal/store"
	"github.com/latchkey/latchkey/portal/store/sqlite"
)

// TestSecurityBreakGlassOwnerRecovery: the install's only owner, with no
// other owner to recover them, is recovered on the portal's host with the
// same kind of one-time link: audited, single use, and needing the owner's
// password. Nobody else is recovered this way.
func TestSecurityBreakGlassOwnerRecovery(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "portal.db")
	const password = "the owner's long passphrase"
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"LATCHKEY_PORTAL_KEYRING": testKeyringSpec(t)}
	te := &testEnv{vars: vars}
	if code := runCmd(t, te, "admin", "create", "--db", "sqlite:"+path, "--tenant", "Acme", "--email", "olga@acme.example", "--name", "Olga", "--password-file", pwFile); code != exitOK {
		t.Fatalf("admin create: exit %d: %s", code, te.stderr.String())
	}
	st, err := sqlite.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	owner, err := st.GetUserByEmail(ctx, "olga@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	tech, err := st.CreateUser(ctx, store.NewUser{TenantID: owner.TenantID, Email: "tom@acme.example", Name: "Tom", Role: store.RoleTechnician})
	if err != nil {
		t.Fatal(err)
	}

	recoverArgs := func(email string, extra ...string) []string {
		return append([]string{"admin", "recover", "--db", "sqlite:" + path, "--email", email}, extra...)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{recoverArgs(owner.Email), exitUsage, "--base-url is required"},
		{recoverArgs(owner.Email, "--base-url", "http://portal.example.com"), exitUsage, "https"},
		{recoverArgs(owner.Email, "--base-url", "https://portal.example.com", "--ttl", "5h"), exitUsage, "--ttl"},
		{recoverArgs(tech.Email, "--base-url", "https://portal.example.com"), exitError, "not an owner"},
		{recoverArgs("nobody@acme.example", "--base-url", "https://portal.example.com"), exitError, "no user has"},
	} {
		te := &testEnv{vars: vars}
		if code := runCmd(t, te, tc.args...); code != tc.code || !strings.Contains(te.stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d %q", tc.args[4:], code, te.stderr.String(), tc.code, tc.want)
		}
	}
	if links, err := st.ListAudit(ctx, store.AuditFilter{Action: "link.issued"}); err != nil || len(links) != 0 {
		t.Fatalf("a refused break-glass issued a link: %v %v", links, err)
	}

	te = &testEnv{vars: vars}
	if code := runCmd(t, te, recoverArgs(owner.Email, "--base-url", "https://portal.example.com")...); code != exitOK {
		t.Fatalf("admin recover: exit %d: %s", code, te.stderr.String())
	}
	u, err := url.Parse(strings.TrimSpace(te.stdout.String()))
	if err != nil || u.Host != "portal.example.com" || u.Path != portal.PathRecoverLink {
		t.Fatalf("printed link %q: %v", te.stdout.String(), err)
	}
	token := u.Query().Get("token")
	if strings.Contains(te.stderr.String(), token) {
		t.Error("the link is on stderr too")
	}
	entries, err := st.ListAudit(ctx, store.AuditFilter{Action: "link.issued"})
	if err != nil || len(entries) != 1 || entries[0].TargetUserID != owner.ID || entries[0].SourceAddr != "cli" ||
		!strings.Contains(string(entries[0].Details), "admin recover") || strings.Contains(string(entries[0].Details), token) {
		t.Fatalf("audit %+v, %v", entries, err)
	}

	// The portal on the same store takes the link with the owner's
	// password only, once.
	kr, err := auth.ParseKeyring(vars["LATCHKEY_PORTAL_KEYRING"])
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://portal.example.com/")
	h, err := portal.New(portal.Options{Store: st, Keyring: kr, BaseURL: base, Passwords: portaltest.Passwords(t)})
	if err != nil {
		t.Fatal(err)
	}
	redeem := func(pw string) int {
		body := `{"token":"` + token + `","password":"` + pw + `"}`
		req := httptest.NewRequest(http.MethodPost, api.PathRecoveryLinkRedeem, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	if code := redeem("not the password"); code != http.StatusUnauthorized {
		t.Errorf("the break-glass link with a wrong password: %d", code)
	}
	if code := redeem(password); code != http.StatusOK {
		t.Fatalf("the break-glass link with the owner's password: %d", code)
	}
	if code := redeem(password); code != http.StatusGone {
		t.Errorf("the break-glass link used twice: %d", code)
	}
}
