package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runStdin is harness.run with text on stdin.
func (h *harness) runStdin(stdin string, args ...string) result {
	h.t.Helper()
	var out, errb bytes.Buffer
	env := Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			if k == "LATCHKEY_HOME" {
				return h.home
			}
			return h.env[k]
		},
		Keyring: h.keyring, WorkFactor: 10,
		Now: func() time.Time { return time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC) },
	}
	if h.terminal != nil {
		env.Terminal = h.terminal
	}
	code := Run(context.Background(), args, env)
	return result{code, out.String(), errb.String()}
}

const googleBlock = `Your backup codes:
1. 7755 3311    6. 6789 0123
2. 2345 6789    7. 7890 1234
3. 3456 7890    8. 8901 2345
4. 4567 8901    9. 9012 3456
5. 5678 9012    10. 0123 4567
`

// sentinel is a code that must never reach stderr.
const sentinel = "7755 3311"

func noCodeOnStderr(t *testing.T, r result) {
	t.Helper()
	if strings.Contains(r.stderr, sentinel) || strings.Contains(r.stderr, "77553311") {
		t.Errorf("stderr shows a code: %q", r.stderr)
	}
}

func TestBackupCodesLifecycle(t *testing.T) {
	h := withVault(t)
	h.run("add", annURI).assert(t, 0, "", "")
	h.run("backup-codes", "acme").assert(t, 0, "No backup codes", "")

	steps := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"dry run", googleBlock, []string{"add", "--dry-run"}, 0, "Dry run", ""},
		{"still empty", "", nil, 0, "No backup codes", ""},
		{"add", googleBlock, []string{"add"}, 0, "Found 10 backup codes", ""},
		{"list", "", []string{"list"}, 0, "10 backup codes left", ""},
		{"add the same again", googleBlock, []string{"add"}, 1, "", "code 1 of the paste is already stored"},
		{"use", "", []string{"use", "77553311"}, 0, "7755 3311\n", "9 left"},
		{"use again", "", []string{"use", sentinel}, 1, "", "already used on 22 Nov 2026 09:00"},
		{"use unknown", "", []string{"use", "1111-0000"}, 1, "", "not one of this account's backup codes"},
		{"undo", "", []string{"undo", sentinel}, 0, "10 left", ""},
		{"use next", "", []string{"use"}, 0, "7755 3311\n", ""},
		{"replace", "11112222\n33334444\nABCD-EFGH-IJKL-MNOP-QRST-UVWX", []string{"add", "--replace"}, 0, "2 backup codes left", ""},
		{"list shows history", "", []string{"list"}, 0, "replaced 2026-11-22", "Only 2 backup codes left"},
		{"discard", "", []string{"discard"}, 0, "Discarded 10 old codes", ""},
		{"nothing in the paste", "Your backup codes:\n", []string{"add"}, 1, "", "no backup or recovery code found"},
		{"duplicate in the paste", "55556666\n5555 6666", []string{"add"}, 1, "", "code 2 of the paste repeats code 1"},
		{"unknown action", "", []string{"frob"}, 2, "", `unknown action "frob"`},
		{"undo without code", "", []string{"undo"}, 2, "", "needs the CODE"},
		{"print without --out", "", []string{"print"}, 2, "", "--out"},
	}
	for _, s := range steps {
		r := h.runStdin(s.stdin, append([]string{"backup-codes", "acme"}, s.args...)...)
		if r.code != s.code || !strings.Contains(r.stdout, s.stdout) || !strings.Contains(r.stderr, s.stderr) {
			t.Fatalf("%s: exit %d, stdout %q, stderr %q", s.name, r.code, r.stdout, r.stderr)
		}
		noCodeOnStderr(t, r)
	}

	r := h.run("backup-codes", "acme", "list", "--json")
	var out backupListJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if out.Account != "Acme: ann" || out.Left != 2 || !out.Low || out.RecoveryCode != "ABCD-EFGH-IJKL-MNOP-QRST-UVWX" || len(out.Codes) != 2 {
		t.Errorf("json %+v", out)
	}
	h.run("list").assert(t, 0, "2 left", "")
}

func TestBackupCodesInteractiveAdd(t *testing.T) {
	tests := []struct {
		name    string
		answers []string
		code    int
		left    string
	}{
		{"confirmed", []string{"Backup codes:", "", "11112222", "33334444", "", "y"}, 0, "2 backup codes left"},
		{"declined", []string{"11112222", "", "n"}, 1, "No backup codes"},
		{"end of input", []string{"11112222"}, 1, "No backup codes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := withVault(t)
			h.run("add", annURI).assert(t, 0, "", "")
			h.terminal = &fakeTerminal{answers: tt.answers}
			r := h.run("backup-codes", "acme", "add")
			if r.code != tt.code {
				t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
			}
			h.terminal = nil
			h.run("backup-codes", "acme").assert(t, 0, tt.left, "")
		})
	}
}

func TestBackupCodesPrint(t *testing.T) {
	h := withVault(t)
	h.run("add", annURI).assert(t, 0, "", "")
	h.run("add", hotpURI).assert(t, 0, "", "")
	h.runStdin(googleBlock, "backup-codes", "acme", "add").assert(t, 0, "", "")
	dir := t.TempDir()
	existing := filepath.Join(dir, "all.pdf")
	os.WriteFile(existing, []byte("old"), 0o644)

	tests := []struct {
		name   string
		args   []string
		file   string
		stderr string
	}{
		{"one account", []string{"backup-codes", "acme", "print", "--out", filepath.Join(dir, "acme.pdf")}, "acme.pdf", "holds your backup codes"},
		{"all, over a readable file", []string{"backup-codes", "--all", "print", "--out", existing}, "all.pdf", "holds your backup codes"},
		{"with QR codes", []string{"backup-codes", "acme", "print", "--qr", "--out", filepath.Join(dir, "qr.pdf")}, "qr.pdf", "secret keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.run(tt.args...).assert(t, 0, "Wrote the break-glass sheet", tt.stderr)
			p := filepath.Join(dir, tt.file)
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("mode %v", st.Mode().Perm())
			}
			data, _ := os.ReadFile(p)
			if !bytes.HasPrefix(data, []byte("%PDF-")) {
				t.Errorf("not a PDF: %q", data[:min(len(data), 10)])
			}
		})
	}
	h.run("backup-codes", "--all", "list").assert(t, 2, "", "--all goes with print")
	h.run("backup-codes", "acme", "print", "--out", filepath.Join(dir, "missing", "x.pdf")).assert(t, 1, "", "missing/x.pdf")
	r := h.run("backup-codes", "acme", "print", "--out", "-")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "%PDF-") {
		t.Errorf("stdout: exit %d %q", r.code, r.stdout[:min(len(r.stdout), 10)])
	}
}
