package app

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/vault"
)

func testVault(t *testing.T, accounts ...vault.Account) *vault.Vault {
	t.Helper()
	v, err := vault.Create(t.TempDir(), vault.CreateOptions{
		Options: vault.Options{Keyring: vault.NewMemoryKeyring(), WorkFactor: 10}, UseKeyring: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Update(func(d *vault.Document) error { d.Accounts = append(d.Accounts, accounts...); return nil }); err != nil {
		t.Fatal(err)
	}
	return v
}

func stored(t *testing.T, v *vault.Vault, id string) vault.Account {
	t.Helper()
	a, ok := v.Document().Account(id)
	if !ok {
		t.Fatalf("account %s is not in the vault", id)
	}
	return *a
}

func TestUpdateAccount(t *testing.T) {
	a := acct("Acme", "ann", "AAAAAAAA")
	a.ID = "a1"
	v := testVault(t, a)
	got, err := UpdateAccount(v, a, func(acc vault.Account) (vault.Account, error) { acc.Note = "desk phone"; return acc, nil })
	if err != nil {
		t.Fatal(err)
	}
	if got.Note != "desk phone" || stored(t, v, "a1").Note != "desk phone" {
		t.Errorf("returned note %q, stored %q", got.Note, stored(t, v, "a1").Note)
	}

	refused := errors.New("refused")
	_, err = UpdateAccount(v, a, func(acc vault.Account) (vault.Account, error) { acc.Note = "half done"; return acc, refused })
	if !errors.Is(err, refused) || stored(t, v, "a1").Note != "desk phone" {
		t.Errorf("a failed change: error %v, stored note %q", err, stored(t, v, "a1").Note)
	}
}

// An account deleted since it was read is named in one wording, whoever
// asks (the window, the CLI).
func TestUpdateAccountDeleted(t *testing.T) {
	a := acct("Acme", "ann", "AAAAAAAA")
	a.ID = "a1"
	v := testVault(t, a)
	if err := v.Update(func(d *vault.Document) error { d.Accounts = nil; return nil }); err != nil {
		t.Fatal(err)
	}
	called := false
	_, err := UpdateAccount(v, a, func(acc vault.Account) (vault.Account, error) { called = true; return acc, nil })
	if !errors.Is(err, ErrAccountDeleted) || called {
		t.Fatalf("error %v (change called: %v), want ErrAccountDeleted", err, called)
	}
	if want := `"Acme: ann" was deleted meanwhile`; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestAdvanceCounter(t *testing.T) {
	h := acct("Vendor", "bob", "BBBBBBBB")
	h.Type, h.Counter = vault.HOTP, 41
	if got, err := AdvanceCounter(h); err != nil || got.Counter != 42 {
		t.Errorf("HOTP: counter %d, error %v; want 42", got.Counter, err)
	}
	for _, typ := range []vault.Type{vault.TOTP, vault.Steam} {
		a := acct("Acme", "ann", "AAAAAAAA")
		a.Type = typ
		got, err := AdvanceCounter(a)
		if err == nil || got.Counter != 0 || !strings.Contains(err.Error(), "only HOTP counters advance") {
			t.Errorf("%s: counter %d, error %v; want it refused", typ, got.Counter, err)
		}
	}
	h.Counter = math.MaxUint64
	if _, err := AdvanceCounter(h); !errors.Is(err, codes.ErrCounterOverflow) {
		t.Errorf("at the maximum: error %v, want ErrCounterOverflow", err)
	}
}

// The type is checked on the account as stored: one replaced by a TOTP
// account since a menu showed it as HOTP does not advance.
func TestAdvanceCounterChecksStoredType(t *testing.T) {
	h := acct("Vendor", "bob", "BBBBBBBB")
	h.ID, h.Type = "h1", vault.HOTP
	v := testVault(t, h)
	if err := v.Update(func(d *vault.Document) error { d.Accounts[0].Type = vault.TOTP; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := UpdateAccount(v, h, AdvanceCounter); err == nil {
		t.Fatal("a TOTP account's counter advanced")
	}
	if c := stored(t, v, "h1").Counter; c != 0 {
		t.Errorf("stored counter %d, want 0", c)
	}
}
