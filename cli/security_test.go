package cli

import (
	"os"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/vault"
)

// Tests of the findings of the adversarial review of imports, through the
// command line as a user meets them.

// accountsIn is the vault's accounts, opened from the harness's keyring.
func accountsIn(t *testing.T, h *harness) []vault.Account {
	t.Helper()
	v, err := vault.Open(h.home, vault.Options{Keyring: h.keyring})
	if err != nil {
		t.Fatal(err)
	}
	return v.Accounts()
}

// TestSecurityUnboundedLinkListsCLI: a link list beyond the import's limit
// of accounts is refused with one sentence naming the file and the limit,
// and the vault is unchanged, even for the good file before it.
func TestSecurityUnboundedLinkListsCLI(t *testing.T) {
	h := withVault(t)
	var list strings.Builder
	for range 200_000 {
		list.WriteString(annURI + "\n")
	}
	good := writeNamed(t, "good.txt", []byte(rfcURI+"\n"))
	huge := writeNamed(t, "links.txt", []byte(list.String()))
	tests := []struct {
		name string
		args []string
	}{
		{"the list alone", []string{"import", huge}},
		{"after a good file", []string{"import", good, huge}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.run(tt.args...)
			r.assert(t, 1, "", "links.txt: more than 5000 accounts")
			if !strings.Contains(r.stderr, "Latchkey imports at most 5000 at once") {
				t.Errorf("the error does not name the limit: %q", r.stderr)
			}
			if n := len(accountsIn(t, h)); n != 0 {
				t.Errorf("the vault holds %d accounts after a refused import", n)
			}
		})
	}
	h.run("import", good).assert(t, 0, "Added RFC 6238: sha256.", "")
}

// TestSecurityBidiControlsCLI: an account whose issuer or name holds a
// bidirectional override or a control character is added with them taken
// out, and add and import say so, naming the entry and the code point.
func TestSecurityBidiControlsCLI(t *testing.T) {
	const secret = "JBSWY3DPEHPK3PXP"
	tests := []struct {
		name   string
		run    func(h *harness) result
		issuer string
		warn   string
	}{
		{"add URI", func(h *harness) result {
			return h.run("add", "otpauth://totp/Acme%E2%80%AE:ann?secret="+secret+"&issuer=Acme%E2%80%AE")
		}, "Acme", "U+202E from the issuer"},
		{"import a link list", func(h *harness) result {
			file := writeNamed(h.t, "links.txt", []byte("otpauth://totp/Acme:\u2067a%1Bnn?secret="+secret+"&issuer=Acme\n"))
			return h.run("import", file)
		}, "Acme", "U+2067, U+001B from the name"},
		{"import --json", func(h *harness) result {
			file := writeNamed(h.t, "links.txt", []byte("otpauth://totp/Ac\u202eme:ann?secret="+secret+"\n"))
			return h.run("import", "--json", file)
		}, "Acme", `"warnings": [`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := withVault(t)
			r := tt.run(h)
			r.assert(t, 0, tt.warn, "")
			accounts := accountsIn(t, h)
			if len(accounts) != 1 || accounts[0].Issuer != tt.issuer || accounts[0].Name != "ann" {
				t.Fatalf("vault: %+v", accounts)
			}
			if strings.ContainsAny(r.stdout+r.stderr, "\u202e\u2067\x1b") || strings.Contains(r.stdout, secret) {
				t.Errorf("the output holds a dangerous character or the secret: %q", r.stdout)
			}
			h.run("list").assert(t, 0, "Acme", "")
		})
	}
}

// TestSecuritySecretInArgv: 'latchkey add -' takes the link from standard
// input, so the secret is never in the process list: piped, one or more
// links a line up to 1 MiB; on a terminal one line read without echo. Help
// and README show it before 'add URI', which keeps working and is
// documented as exposing the secret to the process list.
func TestSecuritySecretInArgv(t *testing.T) {
	const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	tests := []struct {
		name     string
		stdin    string
		terminal *fakeTerminal
		code     int
		stdout   string
		stderr   string
		accounts int
	}{
		{name: "one link piped", stdin: hotpURI + "\n", stdout: "Added Vendor: ops.", accounts: 1},
		{name: "several links piped", stdin: annURI + "\n" + rfcURI + "\r\n\n", stdout: "Added 2 accounts", accounts: 2},
		{name: "pasted on a terminal", terminal: &fakeTerminal{answers: []string{hotpURI}}, stdout: "Added Vendor: ops.", accounts: 1},
		{name: "a bad link names standard input", stdin: "otpauth://totp/x?secret=1" + secret + "\n",
			code: 1, stderr: "standard input: invalid otpauth URI"},
		{name: "nothing on standard input", stdin: "", code: 1, stderr: "nothing to import"},
		{name: "more than 1 MiB", stdin: strings.Repeat(annURI+"\n", 1<<20/len(annURI)+1),
			code: 1, stderr: "standard input: more than 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := withVault(t)
			h.terminal = tt.terminal
			r := h.runStdin(tt.stdin, "add", "-")
			r.assert(t, tt.code, tt.stdout, tt.stderr)
			if n := len(accountsIn(t, h)); n != tt.accounts {
				t.Errorf("%d accounts in the vault, want %d", n, tt.accounts)
			}
			if strings.Contains(r.stdout+r.stderr, secret) || strings.Contains(r.stdout+r.stderr, "JBSWY3DPEHPK3PXP") {
				t.Errorf("the output holds a secret: %q %q", r.stdout, r.stderr)
			}
			if tt.terminal != nil && (len(tt.terminal.prompts) != 1 || !strings.Contains(tt.terminal.prompts[0], "not shown")) {
				t.Errorf("terminal prompts %q, want one for the link, read without echo", tt.terminal.prompts)
			}
		})
	}

	// Scripts rely on the argument form.
	h := withVault(t)
	h.run("add", hotpURI).assert(t, 0, "Added Vendor: ops.", "")

	// Help and README show '-' first and say what the argument form exposes.
	help := h.run("help", "add")
	help.assert(t, 0, "process list", "")
	if dash, uri := strings.Index(help.stdout, "add -"), strings.Index(help.stdout, "add URI"); dash < 0 || uri < 0 || dash > uri {
		t.Errorf("help add shows 'add -' at %d and 'add URI' at %d, want '-' first:\n%s", dash, uri, help.stdout)
	}
	if list := h.run("help"); !strings.Contains(list.stdout, "add [--replace] [--dry-run] [--json] - | URI") {
		t.Errorf("the command list does not show 'add -' first:\n%s", list.stdout)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	dash, uri := strings.Index(text, "latchkey add -"), strings.Index(text, "latchkey add 'otpauth")
	if dash < 0 || uri < 0 || dash > uri || !strings.Contains(text, "process list") {
		t.Errorf("README shows 'latchkey add -' at %d and 'latchkey add URI' at %d; want '-' first and the process list named", dash, uri)
	}
}
