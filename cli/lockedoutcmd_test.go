package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/clock/clocktest"
)

func TestLockedOutHelp(t *testing.T) {
	slow := clocktest.NewNTPServer(t, 47*time.Second)
	dead := clocktest.NewNTPServer(t, 0)
	dead.Set(clocktest.Silent, 0)
	tests := []struct {
		name    string
		servers []string
		vault   bool
		args    []string
		code    int
		want    []string
		not     []string
	}{
		{"no vault, no query", nil, false, nil, 0, []string{"1. Check the computer's clock", "5. Ask an admin", "help locked-out QUERY"}, []string{"[!]"}},
		{"account, clock slow", []string{slow.Addr}, true, []string{"acme"}, 0,
			[]string{"Locked out of Acme: ann?", "1. Check the computer's clock [!]", "47 s slow", "3. Sign in with a backup code [!]", "10 backup codes left",
				"Message for your admin", "Account: ann", "2026-11-22 09:00 UTC"}, []string{sentinel}},
		{"account, offline", []string{dead.Addr}, true, []string{"acme"}, 0, []string{"Clock not verified: offline.", "[?]"}, nil},
		{"account, --no-clock", []string{slow.Addr}, true, []string{"--no-clock", "acme"}, 0, []string{"Not checked"}, []string{"47 s"}},
		{"unknown account", nil, true, []string{"nobody"}, 1, nil, nil},
		{"two queries", nil, true, []string{"a", "b"}, 2, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fakeClockSources(t, tt.servers, nil)
			h := newHarness(t)
			if tt.vault {
				h = withVault(t)
				h.run("add", annURI).assert(t, 0, "", "")
				h.runStdin(googleBlock, "backup-codes", "acme", "add").assert(t, 0, "", "")
			}
			r := h.run(append([]string{"help", "locked-out"}, tt.args...)...)
			if r.code != tt.code {
				t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("lacks %q:\n%s", w, r.stdout)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(r.stdout, w) {
					t.Errorf("has %q:\n%s", w, r.stdout)
				}
			}
		})
	}
	newHarness(t).run("help").assert(t, 0, "locked-out", "")
}
