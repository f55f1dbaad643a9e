package otpauth

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/latchkey/latchkey/vault"
)

// TestSecurityBidiControls: normalising, the one step every account passes
// before the vault, leaves no control character, Unicode bidirectional
// control or line separator in the issuer, name, group or note (a note
// keeps newlines and tabs), and keeps every other character, right-to-left
// letters and joiners included. NormalizeReporting (imports) takes each
// out and reports it; Normalize (forms, the portal) takes them out too,
// except a control character in the issuer or name, which it refuses as it
// always has. ParseReporting and DecodeMigration report like
// NormalizeReporting.
func TestSecurityBidiControls(t *testing.T) {
	unsafe := []rune{
		0x00, 0x07, 0x1b, 0x7f, 0x85, 0x9b, // C0, DEL, C1 (NEL, CSI)
		0x202a, 0x202b, 0x202c, 0x202d, 0x202e, // embeddings, pop, overrides
		0x2066, 0x2067, 0x2068, 0x2069, // isolates
		0x200e, 0x200f, 0x061c, // marks
		0x2028, 0x2029, // line and paragraph separators
	}
	kept := []string{"שלום", "مرحبا", "👩\u200d💻", "Zoë", "a\u00a0b", "用户"}
	fields := []struct {
		name string
		set  func(*vault.Account, string)
		get  func(vault.Account) string
	}{
		{"issuer", func(a *vault.Account, s string) { a.Issuer = s }, func(a vault.Account) string { return a.Issuer }},
		{"name", func(a *vault.Account, s string) { a.Name = s }, func(a vault.Account) string { return a.Name }},
		{"group", func(a *vault.Account, s string) { a.Group = s }, func(a vault.Account) string { return a.Group }},
		{"note", func(a *vault.Account, s string) { a.Note = s }, func(a vault.Account) string { return a.Note }},
	}
	for _, f := range fields {
		for _, r := range unsafe {
			t.Run(fmt.Sprintf("%s %U", f.name, r), func(t *testing.T) {
				a := acct(vault.TOTP, "Ex", "alice")
				f.set(&a, "ab"+string(r)+"cd")
				removed, err := NormalizeReporting(&a)
				if err != nil {
					t.Fatal(err)
				}
				got := f.get(a)
				if strings.ContainsRune(got, r) || !strings.HasPrefix(got, "ab") || !strings.HasSuffix(got, "cd") {
					t.Errorf("%s = %+q", f.name, got)
				}
				want := fmt.Sprintf("removed %U from the %s", r, f.name)
				if len(removed) != 1 || !strings.Contains(removed[0].String(), want) {
					t.Errorf("reported %q, want %q", removed, want)
				}
				if strings.Contains(fmt.Sprint(removed), sentinel[:12]) {
					t.Error("the report holds the secret")
				}
				again := a
				if r, err := NormalizeReporting(&again); err != nil || r != nil || !reflect.DeepEqual(again, a) {
					t.Errorf("not idempotent: %+v, %v, %v", again, r, err)
				}

				strict := acct(vault.TOTP, "Ex", "alice")
				f.set(&strict, "ab"+string(r)+"cd")
				err = Normalize(&strict)
				switch refused := unicode.IsControl(r) && (f.name == "issuer" || f.name == "name"); {
				case refused && (err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%U", r))):
					t.Errorf("Normalize: %v, want the control character refused", err)
				case !refused && err != nil:
					t.Errorf("Normalize: %v", err)
				case !refused && strings.ContainsRune(f.get(strict), r):
					t.Errorf("Normalize kept it: %+q", f.get(strict))
				}
			})
		}
		for _, s := range append(kept, "line 1\nline 2\tend") {
			if f.name != "note" && strings.ContainsAny(s, "\n\t") {
				continue
			}
			a := acct(vault.TOTP, "Ex", "alice")
			f.set(&a, s)
			if removed, err := NormalizeReporting(&a); err != nil || removed != nil || f.get(a) != s {
				t.Errorf("%s %+q: became %+q, removed %q, %v", f.name, s, f.get(a), removed, err)
			}
		}
	}

	// Through the forms a link can take.
	links := []struct{ uri, issuer, name string }{
		{"otpauth://totp/Ev%E2%80%AEil:ann?secret=" + sentinel, "Evil", "ann"},
		{"otpauth://totp/Acme:ann?secret=" + sentinel + "&issuer=" + url.QueryEscape("Ac\u2067me"), "Acme", "ann"},
		{"otpauth://totp/Acme:a\u202ann?secret=" + sentinel, "Acme", "ann"},
	}
	for _, l := range links {
		a, removed, err := ParseReporting(l.uri)
		if err != nil || a.Issuer != l.issuer || a.Name != l.name || len(removed) != 1 {
			t.Errorf("%s: %q %q, removed %q, %v", l.uri, a.Issuer, a.Name, removed, err)
		}
	}
	b, err := DecodeMigration(link(message(entry{1, message(entry{1, helloKey}, entry{2, "Ac\u202eme:ann"})})))
	if err != nil || len(b.Accounts) != 1 || b.Accounts[0].Issuer != "Acme" || len(b.Cleaned[0]) != 1 {
		t.Errorf("migration: %+v, %v", b, err)
	}
}
