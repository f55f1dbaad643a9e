package lockedout_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/clock"
	"github.com/latchkey/latchkey/app/lockedout"
	"github.com/latchkey/latchkey/vault"
)

var (
	now     = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	march   = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	october = time.Date(2026, 10, 5, 12, 0, 0, 0, time.UTC)
)

const sentinelCode = "55667788"

func acct(id string, created time.Time) vault.Account {
	return vault.Account{ID: id, Issuer: "Acme RMM", Name: "ann@acme.example", Type: vault.TOTP, Created: created}
}

func states(g lockedout.Guide) []lockedout.State {
	var out []lockedout.State
	for _, s := range g.Steps {
		out = append(out, s.State)
	}
	return out
}

func TestBuild(t *testing.T) {
	current := acct("new", october)
	current.BackupCodes = []vault.BackupCode{{Code: sentinelCode}, {Code: "11223344", UsedAt: &march}}
	current.RecoveryCode = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX"
	current.Portal = &vault.Portal{URL: "https://portal.acme.example", Tenant: "acme"}
	old := acct("old", march)
	other := vault.Account{ID: "x", Issuer: "Other", Name: "ann@acme.example", Created: march}
	bare := vault.Account{ID: "bare", Name: "solo", Created: march}
	slow := &clock.Result{Measurement: clock.Measurement{Verified: true, Offset: 47 * time.Second, Source: "ntp pool.ntp.org"},
		Verdict: clock.Verdict{Status: clock.StatusWarn, Message: "Your clock is 47 s slow: codes may be rejected."}, Steps: clock.FixSteps("linux")}
	offline := &clock.Result{Verdict: clock.Verdict{Status: clock.StatusUnverified, Message: "Clock not verified: offline."}}

	A, F, U, N := lockedout.Attention, lockedout.Fine, lockedout.Unknown, lockedout.Unavailable
	tests := []struct {
		name   string
		in     lockedout.Input
		states []lockedout.State
		lines  []string // in the steps
		admin  []string // in the admin message
	}{
		{"newest entry, slow clock", lockedout.Input{Account: current, All: []vault.Account{old, current, other}, Clock: slow, Now: now},
			[]lockedout.State{A, A, A, A, A},
			[]string{"47 s slow", "timedatectl", "added on 5 October 2026", "older entry", "added on 1 March 2026", "1 backup code left", "https://portal.acme.example"},
			[]string{"Service: Acme RMM", "Account: ann@acme.example", "Portal:  https://portal.acme.example", "Tenant:  acme", "2026-11-22 09:00 UTC", "47 s slow against ntp pool.ntp.org", "1 backup code,"}},
		{"stale entry, offline", lockedout.Input{Account: old, All: []vault.Account{old, current}, Clock: offline, Now: now},
			[]lockedout.State{U, A, N, N, A},
			[]string{"Clock not verified: offline.", "newer entry", "No backup codes", "No recovery code"},
			[]string{"no backup codes"}},
		{"no clock check, nothing stored", lockedout.Input{Account: bare, All: []vault.Account{bare}, Now: now},
			[]lockedout.State{U, F, N, N, A},
			[]string{"Not checked", "your IT admin"},
			[]string{"Service: (none)", "Account: solo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := lockedout.Build(tt.in)
			if got := states(g); !slices.Equal(got, tt.states) {
				t.Errorf("states %v, want %v", got, tt.states)
			}
			var all strings.Builder
			for i, s := range g.Steps {
				if s.Number != i+1 || s.Title == "" || len(s.Lines) == 0 {
					t.Errorf("step %+v", s)
				}
				all.WriteString(strings.Join(s.Lines, "\n"))
			}
			for _, w := range tt.lines {
				if !strings.Contains(all.String(), w) {
					t.Errorf("steps lack %q:\n%s", w, all.String())
				}
			}
			for _, w := range tt.admin {
				if !strings.Contains(g.AdminMessage, w) {
					t.Errorf("admin message lacks %q:\n%s", w, g.AdminMessage)
				}
			}
			if strings.Contains(all.String()+g.AdminMessage, sentinelCode) || strings.Contains(all.String()+g.AdminMessage, "ABCD-EFGH") {
				t.Error("the guide shows a code")
			}
		})
	}
}

func TestGeneric(t *testing.T) {
	steps := lockedout.Generic()
	if len(steps) != 5 || steps[0].Kind != lockedout.StepClock || steps[4].Kind != lockedout.StepAdmin {
		t.Fatalf("steps %+v", steps)
	}
}
