package app

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/importer"
	"github.com/latchkey/latchkey/vault"
)

func acct(issuer, name, secret string) vault.Account {
	return vault.Account{Issuer: issuer, Name: name, Secret: secret, Type: vault.TOTP, Algorithm: vault.SHA1, Digits: 6, Period: 30}
}

func entries(accounts ...vault.Account) []importer.Entry {
	out := make([]importer.Entry, len(accounts))
	for i, a := range accounts {
		out[i] = importer.Entry{Source: "src" + string(rune('1'+i)), Account: a}
	}
	return out
}

func TestPlanAdd(t *testing.T) {
	used := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old := acct("Acme", "ann", "AAAAAAAA")
	old.ID, old.Group, old.Note, old.Favourite = "old-id", "Acme tenant", "desk phone", true
	old.BackupCodes = []vault.BackupCode{{Code: "111"}, {Code: "222", UsedAt: &used}}
	old.RecoveryCode = "RECOVERY"
	other := acct("Other", "bob", "BBBBBBBB")
	other.ID = "other-id"
	existing := []vault.Account{old, other}

	tests := []struct {
		name    string
		found   []vault.Account
		replace bool
		want    []Action
	}{
		{"new", []vault.Account{acct("New", "x", "CCCCCCCC")}, false, []Action{ActionAdd}},
		{"same secret", []vault.Account{acct("Renamed", "y", "BBBBBBBB")}, false, []Action{ActionSkip}},
		{"twice in one import", []vault.Account{acct("N", "x", "CCCCCCCC"), acct("N2", "x", "CCCCCCCC")}, false, []Action{ActionAdd, ActionSkip}},
		{"reconfigured asks", []vault.Account{acct("ACME", " Ann ", "DDDDDDDD")}, false, []Action{ActionAsk}},
		{"reconfigured replaces", []vault.Account{acct("Acme", "ann", "DDDDDDDD")}, true, []Action{ActionReplace}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := PlanAdd(existing, entries(tt.found...), tt.replace)
			var got []Action
			for _, it := range plan.Items {
				got = append(got, it.Action)
				if it.Action != ActionAdd && it.Reason == "" {
					t.Errorf("%s without a reason", it.Action)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("actions %v, want %v", got, tt.want)
			}
		})
	}
}

func TestApplyReplaceCarriesOver(t *testing.T) {
	used := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old := acct("Acme", "ann", "AAAAAAAA")
	old.ID, old.Group, old.Note, old.Favourite, old.Icon = "old-id", "Acme tenant", "desk phone", true, "shield"
	old.BackupCodes = []vault.BackupCode{{Code: "111"}, {Code: "222", UsedAt: &used}}
	old.RecoveryCode = "RECOVERY"
	old.Created = used
	doc := &vault.Document{Accounts: []vault.Account{old}}

	fresh := acct("Acme", "ann", "DDDDDDDD")
	fresh.Digits = 8
	plan := PlanAdd(doc.Accounts, entries(fresh, acct("New", "n", "EEEEEEEE")), true)
	plan.Apply(doc)

	if len(doc.Accounts) != 2 {
		t.Fatalf("%d accounts after apply", len(doc.Accounts))
	}
	got := doc.Accounts[0]
	if got.ID != "old-id" || got.Secret != "DDDDDDDD" || got.Digits != 8 || !got.Created.Equal(used) {
		t.Errorf("replacement lost identity or took old OTP data: %+v", got)
	}
	if got.Group != "Acme tenant" || got.Note != "desk phone" || !got.Favourite || got.Icon != "shield" {
		t.Errorf("user data not kept: %+v", got)
	}
	if len(got.BackupCodes) != 2 || !got.BackupCodes[0].FromPreviousSetup || got.BackupCodes[1].UsedAt == nil {
		t.Errorf("backup codes not carried over as previous setup: %+v", got.BackupCodes)
	}
	if got.RecoveryCode != "RECOVERY" || !got.RecoveryFromPreviousSetup {
		t.Errorf("recovery code not carried over: %q %v", got.RecoveryCode, got.RecoveryFromPreviousSetup)
	}
	if doc.Accounts[1].Issuer != "New" || doc.Accounts[1].ID != "" {
		t.Errorf("added account: %+v", doc.Accounts[1])
	}
}

func TestApplyLeavesAskAndSkip(t *testing.T) {
	doc := &vault.Document{Accounts: []vault.Account{acct("Acme", "ann", "AAAAAAAA")}}
	plan := PlanAdd(doc.Accounts, entries(acct("Acme", "ann", "DDDDDDDD"), acct("X", "y", "AAAAAAAA")), false)
	plan.Apply(doc)
	if len(doc.Accounts) != 1 || doc.Accounts[0].Secret != "AAAAAAAA" {
		t.Fatalf("ask/skip changed the vault: %+v", doc.Accounts)
	}
	if n := plan.Counts(); n[ActionAsk] != 1 || n[ActionSkip] != 1 {
		t.Errorf("counts %v", n)
	}
}

func TestFind(t *testing.T) {
	accounts := []vault.Account{
		acct("GitHub", "ann", "A"), acct("GitHub", "bob", "B"), acct("GitLab", "ann", "C"),
		acct("", "root", "D"), acct("Acme RMM", "tech@acme.example", "E"),
		acct("Vendor", "", "F"), acct("Vendor", "ops", "G"),
	}
	accounts[0].ID = "id-0"
	tests := []struct {
		query string
		want  []string // names
	}{
		{"github:ann", []string{"ann"}},
		{"GitHub: bob", []string{"bob"}},
		{"id-0", []string{"ann"}},
		{"github", []string{"ann", "bob"}},
		{"ann", []string{"ann", "ann"}},
		{"root", []string{"root"}},
		{"rmm", []string{"tech@acme.example"}},
		{"git", []string{"ann", "bob", "ann"}},
		// An account without a name is labelled by its issuer alone, so
		// its whole label names it (it was "Vendor: " here, and the query
		// matched both Vendor accounts).
		{"vendor", []string{""}},
		{"Vendor:", []string{""}},
		{"vendor: ops", []string{"ops"}},
		{"nothing", nil},
		{"  ", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, a := range Find(accounts, tt.query) {
			got = append(got, a.Name)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Find(%q) = %v, want %v", tt.query, got, tt.want)
		}
	}
}

func TestSortAccounts(t *testing.T) {
	a := []vault.Account{
		{Issuer: "b", Name: "1"}, {Issuer: "A", Name: "2", Group: "z"}, {Issuer: "c", Name: "3", Favourite: true},
		{Issuer: "a", Name: "4"}, {Issuer: "a", Name: "0", Group: "Y"},
	}
	SortAccounts(a)
	var got []string
	for _, x := range a {
		got = append(got, x.Name)
	}
	if want := []string{"3", "0", "2", "4", "1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

func TestHome(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	dir := t.TempDir()
	if got, _ := Home(dir, env(nil)); got != dir {
		t.Errorf("flag: %s", got)
	}
	if got, _ := Home("", env(map[string]string{HomeEnv: dir})); got != dir {
		t.Errorf("env: %s", got)
	}
	if got, err := Home("", env(nil)); err == nil && filepath.Base(got) != "latchkey" {
		t.Errorf("default: %s", got)
	}
	if got, _ := Home("rel", env(nil)); !filepath.IsAbs(got) {
		t.Errorf("relative flag not made absolute: %s", got)
	}
}

func TestCheckPassphrase(t *testing.T) {
	if err := CheckPassphrase("1234567"); !errors.Is(err, ErrWeakPassphrase) {
		t.Errorf("7 characters accepted: %v", err)
	}
	if err := CheckPassphrase("ünïcödé"); err == nil {
		t.Error("7 runes accepted")
	}
	if err := CheckPassphrase("12345678"); err != nil {
		t.Errorf("8 characters: %v", err)
	}
	if err := CheckPassphrase("secret1"); strings.Contains(err.Error(), "secret1") {
		t.Errorf("error reveals the passphrase: %v", err)
	}
}

func TestProbeKeyring(t *testing.T) {
	if err := ProbeKeyring(vault.NewMemoryKeyring()); err != nil {
		t.Errorf("working keyring: %v", err)
	}
	down := vault.NewMemoryKeyring()
	down.Fail = errors.New("no bus")
	if err := ProbeKeyring(down); !errors.Is(err, vault.ErrKeyringUnavailable) {
		t.Errorf("broken keyring: %v", err)
	}
	if err := ProbeKeyring(vault.NoKeyring{}); err == nil {
		t.Error("switched-off keyring reported working")
	}
}

func TestKeyringOff(t *testing.T) {
	tests := []struct {
		value string
		off   bool
	}{
		{"off", true}, {"OFF", true}, {"Off", true},
		{"", false}, {"on", false}, {"0", false}, {"offline", false},
	}
	for _, tt := range tests {
		getenv := func(k string) string {
			if k == KeyringEnv {
				return tt.value
			}
			return ""
		}
		if got := KeyringOff(getenv); got != tt.off {
			t.Errorf("LATCHKEY_KEYRING=%q: off %v, want %v", tt.value, got, tt.off)
		}
	}
}

func TestCodeToCopy(t *testing.T) {
	a := acct("RFC", "sha1", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
	a.Digits = 8
	// RFC 6238: 94287082 in the step ending at 60 s; 07081804 at 1111111109 s.
	code, next, err := CodeToCopy(a, time.Unix(50, 0))
	if err != nil || next || code != "94287082" {
		t.Errorf("10 s left: %q next=%v %v", code, next, err)
	}
	code, next, _ = CodeToCopy(a, time.Unix(58, 0))
	if !next || code == "94287082" {
		t.Errorf("2 s left: copied %q next=%v, want the next code", code, next)
	}
	h := acct("H", "h", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
	h.Type = vault.HOTP
	if code, next, _ := CodeToCopy(h, time.Unix(58, 0)); next || code != "755224" {
		t.Errorf("HOTP: %q next=%v", code, next)
	}
}

func TestFilter(t *testing.T) {
	accounts := []vault.Account{
		{Issuer: "Acme RMM", Name: "ann", Group: "Customer A"},
		{Issuer: "Acme PSA", Name: "bob", Note: "shared with NOC"},
		{Issuer: "GitHub", Name: "ann"},
	}
	tests := map[string]int{"": 3, "acme": 2, "ACME ann": 1, "customer": 1, "noc": 1, "ann": 2, "zzz": 0}
	for q, want := range tests {
		if got := len(Filter(accounts, q)); got != want {
			t.Errorf("Filter(%q) = %d accounts, want %d", q, got, want)
		}
	}
}

func TestManualEntry(t *testing.T) {
	const secret = "JBSWY3DPEHPK3PXP"
	tests := []struct {
		name  string
		m     ManualEntry
		field string
	}{
		{"ok", ManualEntry{Issuer: "Acme", Name: "ann", Secret: "jbsw y3dp ehpk 3pxp"}, ""},
		{"hotp", ManualEntry{Name: "x", Secret: secret, Type: vault.HOTP, Counter: "5"}, ""},
		{"no secret", ManualEntry{Name: "x"}, "secret"},
		{"no name", ManualEntry{Secret: secret}, "name"},
		{"bad base32", ManualEntry{Name: "x", Secret: "1" + secret}, "secret"},
		{"digits", ManualEntry{Name: "x", Secret: secret, Digits: "12"}, "digits"},
		{"digits text", ManualEntry{Name: "x", Secret: secret, Digits: "six"}, "digits"},
		{"period", ManualEntry{Name: "x", Secret: secret, Period: "-1"}, "period"},
		{"algorithm", ManualEntry{Name: "x", Secret: secret, Algorithm: "MD5"}, "algorithm"},
		{"counter", ManualEntry{Name: "x", Secret: secret, Type: vault.HOTP, Counter: "-1"}, "counter"},
	}
	for _, tt := range tests {
		a, err := tt.m.Account()
		var fe *FieldError
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
			t.Errorf("%s: error %v, want one for %s", tt.name, err, tt.field)
		case err != nil && strings.Contains(err.Error(), secret):
			t.Errorf("%s: message reveals the secret", tt.name)
		case tt.name == "ok" && (a.Secret != secret || a.Digits != 6 || a.Period != 30):
			t.Errorf("ok: not normalised: %+v", a)
		}
	}
}

func TestMove(t *testing.T) {
	accounts := []vault.Account{
		{ID: "f1", Issuer: "Z", Favourite: true}, {ID: "f2", Issuer: "Y", Favourite: true},
		{ID: "g1", Issuer: "A", Group: "G"}, {ID: "g2", Issuer: "B", Group: "G"},
		{ID: "u1", Issuer: "C"}, {ID: "u2", Issuer: "D"},
	}
	SortAccounts(accounts)
	order := func() string {
		var ids []string
		for _, a := range accounts {
			ids = append(ids, a.ID)
		}
		return strings.Join(ids, " ")
	}
	if got := order(); got != "f2 f1 g1 g2 u1 u2" {
		t.Fatalf("initial order %s", got)
	}
	apply := func(pos map[string]int) {
		for i := range accounts {
			if p, ok := pos[accounts[i].ID]; ok {
				accounts[i].Position = p
			}
		}
		SortAccounts(accounts)
	}
	apply(Move(accounts, "u2", -1))
	if got := order(); got != "f2 f1 g1 g2 u2 u1" {
		t.Errorf("after moving u2 up: %s", got)
	}
	if Move(accounts, "g1", -1) != nil || Move(accounts, "u1", +1) != nil {
		t.Error("moved out of its section")
	}
	apply(Move(accounts, "f2", +1))
	if got := order(); got != "f1 f2 g1 g2 u2 u1" {
		t.Errorf("after moving f2 down: %s", got)
	}
	// A new account in a moved section comes after the moved ones.
	accounts = append(accounts, vault.Account{ID: "u0", Issuer: "A"})
	SortAccounts(accounts)
	if got := order(); got != "f1 f2 g1 g2 u2 u1 u0" {
		t.Errorf("with a new account: %s", got)
	}
}

func TestPassphraseStrength(t *testing.T) {
	tests := []struct {
		p        string
		min, max int
	}{
		{"", 0, 0},
		{"short", 0, 0},
		{"password", 0, 1},
		{"qwertyuiop", 0, 1},
		{"latchkey2026", 0, 2},
		{"correct horse battery staple", 3, 4},
		{"gR8#vQ2!mZp7&Lx", 3, 4},
	}
	for _, tt := range tests {
		s := PassphraseStrength(tt.p)
		if s.Score < tt.min || s.Score > tt.max || (tt.p != "" && s.Label == "") {
			t.Errorf("PassphraseStrength(%q) = %+v, want a score in %d..%d", tt.p, s, tt.min, tt.max)
		}
	}
}
