package auth_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/app/backupcodes"
	"github.com/latchkey/latchkey/portal/auth"
)

func TestNewBackupCodes(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$`)
	for round := 0; round < 50; round++ {
		cs := auth.NewBackupCodes()
		if len(cs) != auth.BackupCodeCount {
			t.Fatalf("%d codes", len(cs))
		}
		seen := map[string]bool{}
		for _, c := range cs {
			if !shape.MatchString(c) || !strings.ContainsAny(c, "0123456789") || strings.Trim(c, "0123456789-") == "" {
				t.Fatalf("code %q has the wrong shape", c)
			}
			canon, err := auth.CanonicalBackupCode(c)
			if err != nil || canon != strings.ReplaceAll(c, "-", "") {
				t.Fatalf("CanonicalBackupCode(%q) = %q, %v", c, canon, err)
			}
			if seen[canon] {
				t.Fatal("duplicate code in a set")
			}
			seen[canon] = true
		}
	}
}

func TestNewRecoveryCode(t *testing.T) {
	shape := regexp.MustCompile(`^([0-9A-HJKMNP-TV-Z]{4}-){5}[0-9A-HJKMNP-TV-Z]{4}$`)
	for i := 0; i < 50; i++ {
		c := auth.NewRecoveryCode()
		if !shape.MatchString(c) || !strings.ContainsAny(c, "0123456789") {
			t.Fatalf("recovery code %q has the wrong shape", c)
		}
		if canon, err := auth.CanonicalRecoveryCode(strings.ToLower(c)); err != nil || len(canon) != 24 {
			t.Fatalf("CanonicalRecoveryCode = %q, %v", canon, err)
		}
	}
}

// TestDesktopReadsPortalCodes: the block the portal shows, pasted into the
// desktop app, is read back as ten backup codes and one recovery code, and
// both sides canonicalise a code the same way.
func TestDesktopReadsPortalCodes(t *testing.T) {
	for i := 0; i < 50; i++ {
		cs := auth.NewBackupCodes()
		rc := auth.NewRecoveryCode()
		var b strings.Builder
		b.WriteString("Your backup codes:\n")
		for n, c := range cs {
			b.WriteString(string(rune('1'+n%9)) + ". " + c + "\n")
		}
		b.WriteString("\nRecovery code: " + rc + "\n")
		f, err := backupcodes.Parse(b.String())
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Codes) != auth.BackupCodeCount || f.Recovery != rc {
			t.Fatalf("desktop read %d codes and recovery %q from\n%s", len(f.Codes), f.Recovery, b.String())
		}
		for n, c := range f.Codes {
			ours, _ := auth.CanonicalBackupCode(cs[n])
			if backupcodes.Canonical(c) != ours {
				t.Fatalf("desktop canonical %q, portal %q", backupcodes.Canonical(c), ours)
			}
		}
	}
}

func TestCanonicalCode(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
		err  error
	}{
		{"ABCDE-12345", 10, "ABCDE12345", nil},
		{"abcde-12345", 10, "ABCDE12345", nil},
		{" abcde 12345 ", 10, "ABCDE12345", nil},
		{"ABCDE12345", 10, "ABCDE12345", nil},
		{"abcde.12345", 10, "ABCDE12345", nil},
		{"OOOOO-IIIII", 10, "0000011111", nil},
		{"lllll-ooooo", 10, "1111100000", nil},
		{"ABCDE-1234", 10, "", auth.ErrCodeFormat},
		{"ABCDE-123456", 10, "", auth.ErrCodeFormat},
		{"ABCDU-12345", 10, "", auth.ErrCodeFormat}, // U is not in the alphabet
		{"ABCDE/12345", 10, "", auth.ErrCodeFormat},
		{"ABCDÉ-12345", 10, "", auth.ErrCodeFormat},
		{"", 10, "", auth.ErrCodeFormat},
		{strings.Repeat("A", 200), 10, "", auth.ErrCodeFormat},
	}
	for _, tt := range tests {
		got, err := auth.CanonicalCode(tt.in, tt.n)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("CanonicalCode(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
		if err != nil && tt.in != "" && strings.Contains(err.Error(), tt.in) {
			t.Errorf("error quotes the input: %v", err)
		}
	}
}

func TestEmailCode(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9]{4} [0-9]{4}$`)
	var counts [10]int
	for i := 0; i < 2000; i++ {
		c := auth.NewEmailCode()
		if !shape.MatchString(c) {
			t.Fatalf("e-mail code %q", c)
		}
		for _, d := range strings.ReplaceAll(c, " ", "") {
			counts[d-'0']++
		}
	}
	for d, n := range counts { // 1,600 expected each; 6σ ≈ 230
		if n < 1300 || n > 1900 {
			t.Errorf("digit %d appeared %d times in 16,000", d, n)
		}
	}
	tests := []struct {
		in, want string
		err      error
	}{
		{"1234 5678", "12345678", nil},
		{"12345678", "12345678", nil},
		{"1234-5678", "12345678", nil},
		{" 1234  5678 ", "12345678", nil},
		{"1234 567", "", auth.ErrCodeFormat},
		{"1234 56789", "", auth.ErrCodeFormat},
		{"1234 567o", "", auth.ErrCodeFormat},
		{"", "", auth.ErrCodeFormat},
	}
	for _, tt := range tests {
		got, err := auth.CanonicalEmailCode(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("CanonicalEmailCode(%q) = %q, %v", tt.in, got, err)
		}
	}
}

func BenchmarkNewBackupCodes(b *testing.B) {
	for b.Loop() {
		auth.NewBackupCodes()
	}
}
