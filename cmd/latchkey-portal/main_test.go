package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
	"github.com/latchkey/latchkey/portal/store/sqlite"
)

func testKeyringSpec(t *testing.T) string {
	t.Helper()
	spec, err := auth.GenerateKey("test")
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// testEnv is an env with the given variables, capturing output.
type testEnv struct {
	vars           map[string]string
	stdout, stderr bytes.Buffer
	passwords      []string
}

func (te *testEnv) env() env {
	return env{
		getenv: func(k string) string { return te.vars[k] },
		stdin:  strings.NewReader(""),
		stdout: &te.stdout,
		stderr: &te.stderr,
		readPassword: func(string) (string, error) {
			if len(te.passwords) == 0 {
				return "", errors.New("no more input")
			}
			p := te.passwords[0]
			te.passwords = te.passwords[1:]
			return p, nil
		},
		fastHash: true,
	}
}

func runCmd(t *testing.T, te *testEnv, args ...string) int {
	t.Helper()
	return run(context.Background(), args, te.env())
}

func TestValidateServe(t *testing.T) {
	ok := config{db: defaultDB, logLevel: "info", logFormat: "text", listen: defaultListen, keyring: "set", shutdownTimeout: defaultShutdownTimeout,
		mailDir: "mail", issuer: "Portal", platformTenant: "auto", linkTTL: time.Hour, smtpSecurity: "starttls",
		signInPerAddr: 50, factorPerAddr: 30, sessionIdle: 30 * time.Minute}
	tests := []struct {
		name string
		mod  func(*config)
		want string // "" = valid
	}{
		{"defaults with a keyring", func(*config) {}, ""},
		{"loopback IPv6", func(c *config) { c.listen = "[::1]:8080" }, ""},
		{"localhost", func(c *config) { c.listen = "localhost:8080" }, ""},
		{"plain HTTP on all interfaces", func(c *config) { c.listen = ":8080" }, "--tls-cert and --tls-key"},
		{"plain HTTP on 0.0.0.0", func(c *config) { c.listen = "0.0.0.0:8080" }, "refusing plain HTTP"},
		{"plain HTTP on a public address", func(c *config) { c.listen = "203.0.113.7:80" }, "--listen 127.0.0.1:80"},
		{"TLS on a public address", func(c *config) {
			c.listen, c.tlsCert, c.tlsKey, c.baseURL = ":8443", "c.pem", "k.pem", "https://portal.example.com"
		}, ""},
		{"TLS on a public address without base URL", func(c *config) { c.listen, c.tlsCert, c.tlsKey = ":8443", "c.pem", "k.pem" }, "--base-url is required"},
		{"cert without key", func(c *config) { c.tlsCert = "c.pem" }, "go together"},
		{"key without cert", func(c *config) { c.tlsKey = "k.pem" }, "go together"},
		{"missing keyring", func(c *config) { c.keyring = "" }, "no secrets keyring"},
		{"missing keyring with --dev on loopback", func(c *config) { c.keyring, c.dev = "", true }, ""},
		{"--dev on a public address", func(c *config) {
			c.dev, c.listen, c.tlsCert, c.tlsKey, c.baseURL = true, ":8443", "c", "k", "https://p.example"
		}, "--dev runs only on a loopback"},
		{"keyring twice", func(c *config) { c.keyringFile = "/k" }, "give one"},
		{"listen without port", func(c *config) { c.listen = "127.0.0.1" }, "not host:port"},
		{"http base URL for a public host", func(c *config) { c.baseURL = "http://portal.example.com" }, "https://"},
		{"base URL with a query", func(c *config) { c.baseURL = "https://portal.example.com/?a=b" }, "query"},
		{"relative base URL", func(c *config) { c.baseURL = "portal.example.com" }, "absolute"},
		{"bad db", func(c *config) { c.db = "mysql://u:hunter2@h/d" }, "sqlite:PATH or a postgres:// URL"},
		{"sqlite memory", func(c *config) { c.db = "sqlite::memory:" }, "file path"},
		{"postgres db", func(c *config) { c.db = "postgres://u@h/d" }, ""},
		{"bad log level", func(c *config) { c.logLevel = "loud" }, "--log-level"},
		{"bad log format", func(c *config) { c.logFormat = "xml" }, "--log-format"},
		{"zero shutdown timeout", func(c *config) { c.shutdownTimeout = 0 }, "--shutdown-timeout"},
		{"no mail", func(c *config) { c.mailDir = "" }, "no way to send e-mail"},
		{"no mail in dev", func(c *config) { c.mailDir, c.dev = "", true }, ""},
		{"smtp", func(c *config) { c.mailDir, c.smtpAddr, c.smtpFrom = "", "mail.example.com:587", "p@example.com" }, ""},
		{"smtp and mail dir", func(c *config) { c.smtpAddr, c.smtpFrom = "mail.example.com:587", "p@example.com" }, "exclude each other"},
		{"smtp without sender", func(c *config) { c.mailDir, c.smtpAddr = "", "mail.example.com:587" }, "--smtp-from"},
		{"smtp plain to a remote relay", func(c *config) {
			c.mailDir, c.smtpAddr, c.smtpFrom, c.smtpSecurity = "", "mail.example.com:25", "p@example.com", "none"
		}, "loopback relay"},
		{"smtp password twice", func(c *config) {
			c.mailDir, c.smtpAddr, c.smtpFrom, c.smtpPassword, c.smtpPasswordFile = "", "mail.example.com:587", "p@example.com", "hunter2", "/pw"
		}, "give one"},
		{"link TTL too long", func(c *config) { c.linkTTL = 3 * time.Hour }, "--link-ttl"},
		{"bad platform tenant", func(c *config) { c.platformTenant = "first" }, "--platform-tenant"},
		{"platform tenant id", func(c *config) { c.platformTenant = "7" }, ""},
		{"empty issuer", func(c *config) { c.issuer = " " }, "--issuer"},
		{"no sign-ins allowed", func(c *config) { c.signInPerAddr = 0 }, "--sign-in-per-address"},
		{"idle timeout of ten minutes", func(c *config) { c.sessionIdle = 10 * time.Minute }, ""},
		{"idle timeout too short", func(c *config) { c.sessionIdle = time.Minute }, "--session-idle-timeout"},
		{"no idle timeout", func(c *config) { c.sessionIdle = 0 }, "--session-idle-timeout"},
		{"trusted proxies", func(c *config) { c.trustedProxies = "127.0.0.1, 10.0.0.0/8,::1" }, ""},
		{"bad trusted proxy", func(c *config) { c.trustedProxies = "127.0.0.1,proxy.example" }, "--trusted-proxy \"proxy.example\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mod(&c)
			err := c.validateServe()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.want != "" && err == nil:
				t.Errorf("accepted, want an error mentioning %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error quotes a password: %v", err)
			}
		})
	}
}

// Flags beat the environment, which beats the defaults; bad environment
// values are named.
func TestFlagsAndEnvironment(t *testing.T) {
	te := &testEnv{vars: map[string]string{
		"LATCHKEY_PORTAL_LISTEN":    "127.0.0.1:9000",
		"LATCHKEY_PORTAL_LOG_LEVEL": "debug",
		"LATCHKEY_PORTAL_KEYRING":   "k:secret",
	}}
	var c config
	f := newFlags("serve", te.env())
	c.serveFlags(f)
	if err := f.parse([]string{"--listen", "127.0.0.1:9001"}); err != nil {
		t.Fatal(err)
	}
	if c.listen != "127.0.0.1:9001" || c.logLevel != "debug" || c.db != defaultDB || c.keyring.Reveal() != "k:secret" {
		t.Errorf("config %+v", c)
	}

	te = &testEnv{vars: map[string]string{"LATCHKEY_PORTAL_DEV": "maybe"}}
	if code := runCmd(t, te, "serve"); code != exitUsage || !strings.Contains(te.stderr.String(), "LATCHKEY_PORTAL_DEV") {
		t.Errorf("exit %d, stderr %q", code, te.stderr.String())
	}
	te = &testEnv{}
	if code := runCmd(t, te, "serve", "extra"); code != exitUsage {
		t.Errorf("extra argument: exit %d", code)
	}
	if code := runCmd(t, te, "frobnicate"); code != exitUsage {
		t.Errorf("unknown command: exit %d", code)
	}
	if code := runCmd(t, te, "serve", "-h"); code != exitOK || !strings.Contains(te.stderr.String(), "LATCHKEY_PORTAL_TLS_CERT") {
		t.Errorf("help: exit %d, %q", code, te.stderr.String())
	}
}

func TestServeRefusals(t *testing.T) {
	for _, tt := range []struct {
		args []string
		vars map[string]string
		want string
	}{
		{[]string{"serve", "--listen", "0.0.0.0:0"}, map[string]string{"LATCHKEY_PORTAL_KEYRING": "x"}, "--tls-cert"},
		{[]string{"serve", "--listen", "127.0.0.1:0"}, nil, "no secrets keyring"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--mail-dir", "m"}, map[string]string{"LATCHKEY_PORTAL_KEYRING": "k:not base64!"}, "LATCHKEY_PORTAL_KEYRING: invalid server key configuration"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--mail-dir", "m", "--tls-cert", "/nonexistent/c", "--tls-key", "/nonexistent/k"}, map[string]string{"LATCHKEY_PORTAL_KEYRING": testKeyringSpec(t)}, "--tls-cert/--tls-key"},
	} {
		te := &testEnv{vars: tt.vars}
		code := runCmd(t, te, tt.args...)
		if code != exitUsage || !strings.Contains(te.stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, code, te.stderr.String(), tt.want)
		}
		if strings.Contains(te.stderr.String(), "not base64!") {
			t.Errorf("the keyring reached the output: %q", te.stderr.String())
		}
	}
}

func TestMigrateSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portal.db")
	var outs []string
	for range 2 { // the second run is a no-op
		te := &testEnv{}
		if code := runCmd(t, te, "migrate", "--db", "sqlite:"+path); code != exitOK {
			t.Fatalf("exit %d: %s", code, te.stderr.String())
		}
		outs = append(outs, te.stdout.String())
	}
	st, err := sqlite.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, err := st.SchemaVersion(context.Background())
	if err != nil || v < 1 {
		t.Errorf("schema version %d, %v", v, err)
	}
	for _, out := range outs {
		if want := fmt.Sprintf("schema version %d\n", v); !strings.HasSuffix(out, want) {
			t.Errorf("stdout %q, want it to end in %q", out, want)
		}
	}

	te := &testEnv{vars: map[string]string{"LATCHKEY_PORTAL_DB": "sqlite:" + filepath.Join(t.TempDir(), "env.db")}}
	if code := runCmd(t, te, "migrate"); code != exitOK {
		t.Errorf("migrate from the environment: exit %d: %s", code, te.stderr.String())
	}
	te = &testEnv{}
	if code := runCmd(t, te, "migrate", "--db", "sqlite:"+filepath.Join(t.TempDir(), "no", "such", "dir", "p.db")); code != exitError {
		t.Errorf("migrate into a missing directory: exit %d", code)
	}
}

// postgresDB returns a DSN for a fresh schema in LATCHKEY_TEST_POSTGRES's
// database (dropped afterwards), or skips.
func postgresDB(t *testing.T) string {
	base := os.Getenv("LATCHKEY_TEST_POSTGRES")
	if base == "" {
		t.Skip("LATCHKEY_TEST_POSTGRES not set; run under scripts/with-postgres.sh")
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "lkcmd_" + hex.EncodeToString(b)
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal("LATCHKEY_TEST_POSTGRES is not a postgres:// URL")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestMigratePostgres(t *testing.T) {
	dsn := postgresDB(t)
	te := &testEnv{}
	if code := runCmd(t, te, "migrate", "--db", dsn); code != exitOK {
		t.Fatalf("exit %d: %s", code, te.stderr.String())
	}
	if !regexp.MustCompile(`^postgres .*: schema version [1-9][0-9]*\n$`).MatchString(te.stdout.String()) {
		t.Errorf("stdout %q", te.stdout.String())
	}
	testAdminCreate(t, "--db", dsn)
}

func TestAdminCreateSQLite(t *testing.T) {
	testAdminCreate(t, "--db", "sqlite:"+filepath.Join(t.TempDir(), "portal.db"))
}

func testAdminCreate(t *testing.T, dbFlag ...string) {
	spec := testKeyringSpec(t)
	vars := map[string]string{"LATCHKEY_PORTAL_KEYRING": spec}
	const password = "correct horse battery staple"
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte(password+"\r\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := func(extra ...string) []string {
		a := append([]string{"admin", "create"}, dbFlag...)
		return append(a, extra...)
	}

	// Refusals before anything is written.
	for _, tt := range []struct {
		vars      map[string]string
		args      []string
		passwords []string
		want      string
	}{
		{nil, args("--tenant", "Acme", "--email", "ann@acme.example", "--name", "Ann", "--password-file", pwFile), nil, "no secrets keyring"},
		{vars, args("--email", "ann@acme.example", "--name", "Ann"), nil, "--tenant is required"},
		{vars, args("--tenant", "Acme", "--email", "Ann <ann@acme.example>", "--name", "Ann"), nil, "not a plain e-mail address"},
		{vars, args("--tenant", "Acme", "--email", "ann@acme.example", "--name", "Ann"), []string{"short", "short"}, "password is too short"},
		{vars, args("--tenant", "Acme", "--email", "ann@acme.example", "--name", "Ann"), []string{password, password + "x"}, "differ"},
	} {
		te := &testEnv{vars: tt.vars, passwords: tt.passwords}
		if code := runCmd(t, te, tt.args...); code != exitUsage || !strings.Contains(te.stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, code, te.stderr.String(), tt.want)
		}
	}

	// No terminal and no --password-file.
	te := &testEnv{vars: vars}
	e := te.env()
	e.readPassword = nil
	if code := run(context.Background(), args("--tenant", "Acme", "--email", "ann@acme.example", "--name", "Ann"), e); code != exitUsage ||
		!strings.Contains(te.stderr.String(), "no terminal") {
		t.Errorf("without a terminal: exit %d, %q", code, te.stderr.String())
	}

	// The happy path, password from the (fake) terminal.
	te = &testEnv{vars: vars, passwords: []string{password, password}}
	if code := runCmd(t, te, args("--tenant", "Acme", "--email", "Ann@Acme.example", "--name", "Ann Owner")...); code != exitOK {
		t.Fatalf("exit %d: %s", code, te.stderr.String())
	}
	if !strings.Contains(te.stdout.String(), `"Acme"`) || !strings.Contains(te.stdout.String(), "<Ann@Acme.example>") {
		t.Errorf("stdout %q", te.stdout.String())
	}
	if strings.Contains(te.stdout.String()+te.stderr.String(), password) {
		t.Error("the password was printed")
	}

	// A second owner, in any tenant, is refused, says why, and before
	// asking for a password (none is available here).
	te = &testEnv{vars: vars}
	if code := runCmd(t, te, args("--tenant", "Other", "--email", "bob@other.example", "--name", "Bob")...); code != exitError ||
		!strings.Contains(te.stderr.String(), "already has an owner") || !strings.Contains(te.stderr.String(), "authorised and audited") {
		t.Errorf("second owner: exit %d, %q", code, te.stderr.String())
	}
}

// What admin create stored: the tenant requires 2FA, the owner's password
// verifies, and the audit log records the bootstrap.
func TestAdminCreateStores(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portal.db")
	pwFile := filepath.Join(t.TempDir(), "pw")
	const password = "correct horse battery staple"
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	te := &testEnv{vars: map[string]string{"LATCHKEY_PORTAL_KEYRING": testKeyringSpec(t)}}
	if code := runCmd(t, te, "admin", "create", "--db", "sqlite:"+path, "--tenant", "Acme", "--email", "ann@acme.example", "--name", "Ann", "--password-file", pwFile); code != exitOK {
		t.Fatalf("exit %d: %s", code, te.stderr.String())
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.GetUserByEmail(ctx, "ANN@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != store.RoleOwner || u.Name != "Ann" || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
		t.Errorf("user %+v", u)
	}
	h, _ := auth.NewPasswordHasher(auth.PasswordOptions{})
	if ok, err := h.Verify(ctx, password, u.PasswordHash); !ok || err != nil {
		t.Errorf("the stored hash does not verify the password: %v", err)
	}
	tn, err := st.GetTenant(ctx, u.TenantID)
	if err != nil || tn.Name != "Acme" || !tn.Policy.Require2FA {
		t.Errorf("tenant %+v, %v", tn, err)
	}
	entries, err := st.ListAudit(ctx, store.AuditFilter{Action: "owner.bootstrapped"})
	if err != nil || len(entries) != 1 || entries[0].TargetUserID != u.ID {
		t.Errorf("audit %+v, %v", entries, err)
	}
}

// The production hasher's parameters are what admin create uses without
// the test switch.
func TestAdminCreateProductionHash(t *testing.T) {
	if testing.Short() {
		t.Skip("Argon2 at production cost")
	}
	path := filepath.Join(t.TempDir(), "portal.db")
	te := &testEnv{vars: map[string]string{"LATCHKEY_PORTAL_KEYRING": testKeyringSpec(t)}, passwords: []string{"correct horse battery staple", "correct horse battery staple"}}
	e := te.env()
	e.fastHash = false
	if code := run(context.Background(), []string{"admin", "create", "--db", "sqlite:" + path, "--tenant", "A", "--email", "a@a.example", "--name", "A"}, e); code != exitOK {
		t.Fatalf("exit %d: %s", code, te.stderr.String())
	}
	st, err := sqlite.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.GetUserByEmail(context.Background(), "a@a.example")
	if err != nil || !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q, %v", u.PasswordHash, err)
	}
}

func TestKeygen(t *testing.T) {
	te := &testEnv{}
	if code := runCmd(t, te, "keygen", "--id", "k2026"); code != exitOK {
		t.Fatalf("exit %d: %s", code, te.stderr.String())
	}
	entry := strings.TrimSpace(te.stdout.String())
	kr, err := auth.ParseKeyring(entry)
	if err != nil || kr.Current() != "k2026" {
		t.Errorf("keygen printed an unusable entry: %v", err)
	}
	if code := runCmd(t, &testEnv{}, "keygen", "--id", "bad id!"); code != exitUsage {
		t.Errorf("bad id: exit %d", code)
	}
}
