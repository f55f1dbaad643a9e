package store_test

import (
	"testing"

	"github.com/latchkey/latchkey/portal/store"
)

// TestSecurityEmailNormalForms: look-ups match an address only to itself
// (ASCII case, surrounding space and the Unicode encoding of one text
// aside), never a look-alike: strings.ToLower would fold "İ" and the
// Kelvin sign onto ASCII letters. The skeleton, which only refuses new
// accounts, is where look-alikes meet.
func TestSecurityEmailNormalForms(t *testing.T) {
	const admin = "admin2@x.example"
	tests := []struct {
		name, email string
		sameAccount bool // NormalizeEmail equals admin2's: signs in as admin2
		lookAlike   bool // EmailSkeleton equals admin2's: cannot be created beside it
	}{
		{"itself", "admin2@x.example", true, true},
		{"ASCII upper case", "ADMIN2@X.Example", true, true},
		{"surrounding space", "  admin2@x.example\t", true, true},
		{"dotted capital I (U+0130)", "admİn2@x.example", false, true},
		{"dotless i (U+0131)", "admın2@x.example", false, true},
		{"Cyrillic a", "\u0430dmin2@x.example", false, true},
		{"Cyrillic e", "admin2@x.\u0435xample", false, true},
		{"Greek iota", "adm\u03B9n2@x.example", false, true},
		{"Greek epsilon", "admin2@x.\u03B5xample", false, true},
		{"fullwidth letters", "ａｄｍｉｎ２@x.example", false, true},
		{"mathematical bold a", "\U0001D41Admin2@x.example", false, true},
		{"a combining dot on the i", "admi\u0307n2@x.example", false, true},
		{"a zero-width joiner", "adm\u200Din2@x.example", false, true},
		{"a soft hyphen", "ad\u00ADmin2@x.example", false, true},
		{"another account", "admin3@x.example", false, false},
		{"an ASCII look-alike is not folded", "adrnin2@x.example", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := store.NormalizeEmail(tc.email) == store.NormalizeEmail(admin); got != tc.sameAccount {
				t.Errorf("NormalizeEmail(%q) = %q, admin2's %q: same account %v, want %v", tc.email, store.NormalizeEmail(tc.email), store.NormalizeEmail(admin), got, tc.sameAccount)
			}
			if got := store.EmailSkeleton(tc.email) == store.EmailSkeleton(admin); got != tc.lookAlike {
				t.Errorf("EmailSkeleton(%q) = %q, admin2's %q: look-alike %v, want %v", tc.email, store.EmailSkeleton(tc.email), store.EmailSkeleton(admin), got, tc.lookAlike)
			}
		})
	}
	// One text in two Unicode encodings is one address; non-ASCII case is
	// kept for look-ups (its skeleton still meets).
	if store.NormalizeEmail("E\u0301mile@x.example") != store.NormalizeEmail("\u00C9mile@x.example") {
		t.Error("composed and decomposed É are two addresses")
	}
	if store.NormalizeEmail("Émile@x.example") == store.NormalizeEmail("émile@x.example") {
		t.Error("NormalizeEmail folds non-ASCII case")
	}
	if store.EmailSkeleton("Émile@x.example") != store.EmailSkeleton("emile@x.example") {
		t.Error("the skeleton keeps the accent")
	}
	// The Kelvin sign (U+212A) is K by Unicode's canonical equivalence (NFC
	// turns it into U+004B), not by case folding: one text, one address.
	if store.NormalizeEmail("\u212Aate@x.example") != store.NormalizeEmail("Kate@x.example") {
		t.Error("the Kelvin sign and K are two addresses")
	}
	if got := store.NormalizeEmail(" Ada.Lovelace@Example.COM "); got != "ada.lovelace@example.com" {
		t.Errorf("NormalizeEmail = %q", got)
	}
}
