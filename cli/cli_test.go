package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/vault"
)

const testPass = "correct horse battery"

// harness runs commands in-process against one vault directory.
type harness struct {
	t        *testing.T
	home     string
	keyring  *vault.MemoryKeyring
	terminal *fakeTerminal
	env      map[string]string
	openLink func(context.Context, string) error
}

func newHarness(t *testing.T) *harness {
	return &harness{t: t, home: filepath.Join(t.TempDir(), "vault"), keyring: vault.NewMemoryKeyring(), env: map[string]string{}}
}

type result struct {
	code           int
	stdout, stderr string
}

func (h *harness) run(args ...string) result {
	h.t.Helper()
	var out, errb bytes.Buffer
	env := Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			if k == "LATCHKEY_HOME" {
				return h.home
			}
			return h.env[k]
		},
		Keyring:    h.keyring,
		WorkFactor: 10,
		Now:        func() time.Time { return time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC) },
	}
	if h.terminal != nil {
		env.Terminal = h.terminal
	}
	env.OpenLink = h.openLink
	code := Run(context.Background(), args, env)
	return result{code, out.String(), errb.String()}
}

// fakeTerminal answers passphrase prompts in order.
type fakeTerminal struct {
	answers []string
	prompts []string
}

func (f *fakeTerminal) ReadLine(prompt string) (string, error) { return f.ReadPassword(prompt) }

func (f *fakeTerminal) ReadPassword(prompt string) (string, error) {
	f.prompts = append(f.prompts, prompt)
	if len(f.answers) == 0 {
		return "", errors.New("no more answers")
	}
	a := f.answers[0]
	f.answers = f.answers[1:]
	return a, nil
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func (r result) assert(t *testing.T, code int, stdout, stderr string) {
	t.Helper()
	if r.code != code || !strings.Contains(r.stdout, stdout) || !strings.Contains(r.stderr, stderr) {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d with %q / %q", r.code, r.stdout, r.stderr, code, stdout, stderr)
	}
	if code != 0 && strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Errorf("error is more than one line: %q", r.stderr)
	}
}

func TestInitWithPassphraseFile(t *testing.T) {
	h := newHarness(t)
	pf := writeFile(t, testPass+"\n")
	h.run("init", "--passphrase-file", pf).assert(t, 0, "Created a vault", "")
	h.run("vault", "status").assert(t, 0, "Unlocked by:  keyring", "")
	h.run("init", "--passphrase-file", pf).assert(t, 1, "", "already exists")
	if h.keyring.Len() != 1 {
		t.Errorf("keyring entries: %d", h.keyring.Len())
	}
}

func TestInitInteractive(t *testing.T) {
	h := newHarness(t)
	h.terminal = &fakeTerminal{answers: []string{testPass, testPass}}
	h.run("init", "--no-keyring").assert(t, 0, "passphrase only", "")
	if h.keyring.Len() != 0 {
		t.Error("--no-keyring stored a key")
	}
	h.terminal = &fakeTerminal{answers: []string{testPass}}
	h.run("vault", "status").assert(t, 0, "Unlocked by:  passphrase", "")
	if len(h.terminal.prompts) != 1 {
		t.Errorf("prompts: %v", h.terminal.prompts)
	}
}

func TestInitErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		terminal *fakeTerminal
		code     int
		stderr   string
	}{
		{"no terminal, no file", []string{"init"}, nil, 2, "no terminal"},
		{"passphrases differ", []string{"init"}, &fakeTerminal{answers: []string{testPass, testPass + "!"}}, 1, "differ"},
		{"too short", []string{"init"}, &fakeTerminal{answers: []string{"short", "short"}}, 1, "too short"},
		{"stray argument", []string{"init", "now"}, nil, 2, `"now"`},
		{"unknown flag", []string{"init", "--frobnicate"}, nil, 2, "frobnicate"},
		{"missing passphrase file", []string{"init", "--passphrase-file", "/nonexistent/p"}, nil, 1, "/nonexistent/p"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.terminal = tt.terminal
			h.run(tt.args...).assert(t, tt.code, "", tt.stderr)
			if _, err := os.Stat(filepath.Join(h.home, vault.MetaFile)); err == nil {
				t.Error("a failed init left a vault")
			}
		})
	}
}

func TestUnlockFailures(t *testing.T) {
	h := newHarness(t)
	pf := writeFile(t, testPass)
	h.run("init", "--passphrase-file", pf).assert(t, 0, "", "")
	wrong := writeFile(t, "not the passphrase\n")
	h.run("vault", "passwd", "--no-keyring", "--passphrase-file", wrong, "--new-passphrase-file", pf).
		assert(t, 1, "", "wrong passphrase in "+wrong)
	h.env["LATCHKEY_KEYRING"] = "off"
	h.run("vault", "passwd", "--new-passphrase-file", pf).assert(t, 1, "", "LATCHKEY_PASSPHRASE_FILE")
	h.env["LATCHKEY_PASSPHRASE_FILE"] = pf
	h.run("vault", "passwd", "--new-passphrase-file", pf).assert(t, 0, "Passphrase changed", "")
	h.run("--home", filepath.Join(t.TempDir(), "none"), "vault", "passwd").assert(t, 1, "", "latchkey init")
}

func TestPasswdAndKeyringToggle(t *testing.T) {
	h := newHarness(t)
	pf := writeFile(t, testPass)
	h.run("init", "--passphrase-file", pf).assert(t, 0, "", "")
	h.terminal = &fakeTerminal{answers: []string{"a new long passphrase", "a new long passphrase"}}
	h.run("vault", "passwd").assert(t, 0, "Passphrase changed", "")

	h.run("vault", "keyring", "off").assert(t, 0, "removed from the OS keyring", "")
	if h.keyring.Len() != 0 {
		t.Fatal("keyring entry left after off")
	}
	h.terminal = nil
	h.run("vault", "keyring", "on").assert(t, 1, "", "needs its passphrase")
	np := writeFile(t, "a new long passphrase\n")
	h.run("vault", "keyring", "on", "--passphrase-file", np).assert(t, 0, "now kept", "")
	h.run("vault", "status").assert(t, 0, "OS keyring:   on", "")
	h.run("vault", "keyring", "on", "--no-keyring").assert(t, 2, "", "switched off")
	h.run("vault", "keyring", "sideways").assert(t, 2, "", "on or off")
}

func TestStatusLockedAndRestore(t *testing.T) {
	h := newHarness(t)
	pf := writeFile(t, testPass)
	h.run("init", "--passphrase-file", pf).assert(t, 0, "", "")
	h.run("vault", "passwd", "--new-passphrase-file", pf).assert(t, 0, "", "") // rotates nothing
	v, err := vault.Open(h.home, vault.Options{Keyring: h.keyring})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		v.Update(func(d *vault.Document) error { d.Accounts = append(d.Accounts, vault.Account{Name: "x"}); return nil })
	}
	r := h.run("vault", "status", "--no-keyring")
	r.assert(t, 0, "not unlocked", "")
	if !strings.Contains(r.stdout, "Kept:         3 previous generations") {
		t.Errorf("status: %s", r.stdout)
	}

	os.WriteFile(filepath.Join(h.home, vault.VaultFile), []byte("damaged"), 0o600)
	h.run("vault", "passwd", "--new-passphrase-file", pf).assert(t, 1, "", "latchkey vault restore 1")
	h.run("vault", "restore", "1").assert(t, 0, "Restored generation 1: 2 accounts", "")
	h.run("vault", "restore", "x").assert(t, 2, "", "not a generation")
	h.run("vault", "restore", "7").assert(t, 1, "", "does not exist")
}

func TestUsage(t *testing.T) {
	h := newHarness(t)
	h.run().assert(t, 2, "", "no command")
	h.run("frobnicate").assert(t, 2, "", `unknown command "frobnicate"`)
	h.run("vault").assert(t, 2, "", "status, passwd")
	h.run("help").assert(t, 0, "vault status|passwd", "")
	h.run("help", "init").assert(t, 0, "usage: latchkey init", "")
}

func TestParseInterleaved(t *testing.T) {
	r := &runner{}
	fs := r.flags("x")
	n := fs.Bool("json", false, "")
	rest, err := parse(fs, []string{"a", "--json", "b", "--", "--c"})
	if err != nil || !*n || strings.Join(rest, " ") != "a b --c" {
		t.Fatalf("parse = %v %v %v", rest, *n, err)
	}
}

func TestOpen(t *testing.T) {
	h := newHarness(t)
	h.run("open", "https://example.com").assert(t, 2, "", "otpauth://")
	h.run("open", "otpauth://x", "otpauth://y").assert(t, 2, "", "or none")
	h.run("open", "otpauth://totp/A:b?secret=JBSWY3DP").assert(t, 1, "", "desktop app")
	var got string
	h.openLink = func(_ context.Context, link string) error { got = link; return nil }
	h.run("open", "OTPAUTH://totp/A:b?secret=JBSWY3DP").assert(t, 0, "", "")
	if got != "OTPAUTH://totp/A:b?secret=JBSWY3DP" {
		t.Errorf("the app was handed %q", got)
	}
	got = "unset"
	h.run("open").assert(t, 0, "", "") // a menu launch through the desktop entry
	if got != "" {
		t.Errorf("open without a link handed %q", got)
	}
}
