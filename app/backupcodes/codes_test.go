package backupcodes_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/backupcodes"
	"github.com/latchkey/latchkey/vault"
)

var (
	t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	t1 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
)

func account(codes ...string) vault.Account {
	a := vault.Account{ID: "a1", Issuer: "Acme RMM", Name: "ann"}
	for _, c := range codes {
		a.BackupCodes = append(a.BackupCodes, vault.BackupCode{Code: c})
	}
	return a
}

func mustParse(t *testing.T, block string) backupcodes.Found {
	t.Helper()
	f, err := backupcodes.Parse(block)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestAdd(t *testing.T) {
	tests := []struct {
		name     string
		before   vault.Account
		block    string
		codes    []string
		recovery string
		err      error
	}{
		{"to an empty account", account(), "1111 2222\n3333 4444", []string{"1111 2222", "3333 4444"}, "", nil},
		{"appends", account("11112222"), "33334444", []string{"11112222", "33334444"}, "", nil},
		{"recovery only", account("11112222"), "ABCD-EFGH-IJKL-MNOP-QRST-UVWX", []string{"11112222"}, "ABCD-EFGH-IJKL-MNOP-QRST-UVWX", nil},
		{"refuses a stored code, grouped differently", account("11112222"), "33334444\n1111 2222", nil, "", backupcodes.ErrDuplicate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.before.Clone()
			after, err := backupcodes.Add(tt.before, mustParse(t, tt.block))
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if err != nil {
				if !slices.Equal(codesOf(tt.before), codesOf(before)) {
					t.Error("a refused add changed the account")
				}
				if !strings.Contains(err.Error(), "code 2 of the paste") {
					t.Errorf("error %q does not name the position", err)
				}
				return
			}
			if !slices.Equal(codesOf(after), tt.codes) || after.RecoveryCode != tt.recovery {
				t.Errorf("codes %q recovery %q", codesOf(after), after.RecoveryCode)
			}
			if len(tt.before.BackupCodes) != len(before.BackupCodes) {
				t.Error("Add changed its argument")
			}
		})
	}
}

func codesOf(a vault.Account) []string {
	var out []string
	for _, c := range a.BackupCodes {
		out = append(out, c.Code)
	}
	return out
}

func TestReplaceKeepsHistoryUntilDiscard(t *testing.T) {
	a := account("11112222", "33334444")
	a, _, err := backupcodes.Use(a, "1111-2222", t0)
	if err != nil {
		t.Fatal(err)
	}
	a.RecoveryCode, a.RecoveryFromPreviousSetup = "OLDOLDOLDOLDOLDOLD", true
	a, err = backupcodes.Replace(a, mustParse(t, "55556666\n77778888\nNEWR-ECOV-ERYC-ODE0-0000-0000"), t1)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.BackupCodesLeft(); got != 2 {
		t.Errorf("left %d, want the 2 new codes", got)
	}
	if a.RecoveryCode != "NEWR-ECOV-ERYC-ODE0-0000-0000" || a.RecoveryFromPreviousSetup {
		t.Errorf("recovery %q previous %v", a.RecoveryCode, a.RecoveryFromPreviousSetup)
	}
	for _, c := range a.BackupCodes[:2] {
		if c.RetiredAt == nil || !c.RetiredAt.Equal(t1) {
			t.Errorf("old code not retired: %+v", c)
		}
	}
	if a.BackupCodes[0].UsedAt == nil {
		t.Error("the old set's history lost its use")
	}
	if _, _, err := backupcodes.Use(a, "33334444", t1); !errors.Is(err, backupcodes.ErrRetired) {
		t.Errorf("using a retired code: %v", err)
	}
	if _, err := backupcodes.Replace(a, mustParse(t, "55556666\n77778888"), t1); !errors.Is(err, backupcodes.ErrDuplicate) {
		t.Errorf("replacing with the current set: %v", err)
	}
	s := backupcodes.Summarize(a)
	if s != (backupcodes.Summary{Left: 2, Retired: 2, HasRecovery: true, Low: true}) {
		t.Errorf("summary %+v", s)
	}

	a.BackupCodes = append(a.BackupCodes, vault.BackupCode{Code: "99990000", FromPreviousSetup: true})
	a = backupcodes.Discard(a)
	if !slices.Equal(codesOf(a), []string{"55556666", "77778888"}) {
		t.Errorf("after discard: %q", codesOf(a))
	}
}

func TestUseAndUndo(t *testing.T) {
	const sentinel = "9b3e1-4a7c2"
	a := account(sentinel, "0f6d8-b21e9", "c4a90-7e3d1")
	tests := []struct {
		name string
		code string
		want string
		err  error
	}{
		{"exact", sentinel, sentinel, nil},
		{"without dash, upper case", "0F6D8B21E9", "0f6d8-b21e9", nil},
		{"again", sentinel, "", backupcodes.ErrUsed},
		{"unknown", "12345678", "", backupcodes.ErrUnknownCode},
		{"next unused", "", "c4a90-7e3d1", nil},
		{"none left", "", "", backupcodes.ErrNoneLeft},
	}
	for _, tt := range tests {
		next, got, err := backupcodes.Use(a, tt.code, t1)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Fatalf("%s: %q %v, want %q %v", tt.name, got, err, tt.want, tt.err)
		}
		if err != nil && strings.Contains(err.Error(), "9b3e1") {
			t.Errorf("%s: error shows the code: %v", tt.name, err)
		}
		a = next
	}
	if a.BackupCodesLeft() != 0 || backupcodes.Warning(a) == "" {
		t.Errorf("left %d, warning %q", a.BackupCodesLeft(), backupcodes.Warning(a))
	}
	a, err := backupcodes.Undo(a, "9B3E1 4A7C2")
	if err != nil || a.BackupCodesLeft() != 1 || a.BackupCodes[0].UsedAt != nil {
		t.Fatalf("undo: %v, left %d", err, a.BackupCodesLeft())
	}
	if _, err := backupcodes.Undo(a, sentinel); !errors.Is(err, backupcodes.ErrNotUsed) {
		t.Errorf("undo of an unused code: %v", err)
	}
	if _, err := backupcodes.Undo(a, "nope"); !errors.Is(err, backupcodes.ErrUnknownCode) {
		t.Errorf("undo of an unknown code: %v", err)
	}
}

func TestLowWarning(t *testing.T) {
	tests := []struct {
		total, used int
		low         bool
		warning     string
	}{
		{0, 0, false, ""},
		{10, 7, false, ""},
		{10, 8, true, "Only 2 backup codes left"},
		{10, 9, true, "Only 1 backup code left"},
		{10, 10, true, "No backup codes left"},
		{2, 0, true, "Only 2 backup codes left"},
	}
	for _, tt := range tests {
		a := account()
		for i := 0; i < tt.total; i++ {
			a.BackupCodes = append(a.BackupCodes, vault.BackupCode{Code: strings.Repeat(string(rune('0'+i)), 8)})
		}
		for i := 0; i < tt.used; i++ {
			a.BackupCodes[i].UsedAt = &t0
		}
		if s := backupcodes.Summarize(a); s.Low != tt.low || s.Left != tt.total-tt.used || s.Used != tt.used {
			t.Errorf("%d of %d used: %+v", tt.used, tt.total, s)
		}
		if w := backupcodes.Warning(a); !strings.HasPrefix(w, tt.warning) || (tt.warning == "") != (w == "") {
			t.Errorf("%d of %d used: warning %q", tt.used, tt.total, w)
		}
	}
}
