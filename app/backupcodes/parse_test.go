package backupcodes_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/app/backupcodes"
)

var googleCodes = []string{"1234 5678", "2345 6789", "3456 7890", "4567 8901", "5678 9012", "6789 0123", "7890 1234", "8901 2345", "9012 3456", "0123 4567"}

func TestParseBlocks(t *testing.T) {
	tests := []struct {
		name     string
		block    string
		codes    []string
		recovery string
		ignored  []string
	}{
		{
			name: "GitHub: xxxxx-xxxxx hex, one per line, with header",
			block: "Your recovery codes\n\n9b3e1-4a7c2\n0f6d8-b21e9\nc4a90-7e3d1\n" +
				"e8b27-1f5ac\n5d0f3-ab846\n71ce2-d9b08\n3a6f4-09ecb\nb82d5-6c17f\n" +
				"4e91a-f3d60\nd07c8-25ba4\n\nKeep your recovery codes as safe as your password.",
			codes: []string{"9b3e1-4a7c2", "0f6d8-b21e9", "c4a90-7e3d1", "e8b27-1f5ac", "5d0f3-ab846",
				"71ce2-d9b08", "3a6f4-09ecb", "b82d5-6c17f", "4e91a-f3d60", "d07c8-25ba4"},
		},
		{
			name:  "GitHub: all-letter hex pair still a code",
			block: "abcde-fabcd\nbcdef-abcde",
			codes: []string{"abcde-fabcd", "bcdef-abcde"},
		},
		{
			name: "Google: numbered, 8 digits spaced 4+4, two columns copied into one line each",
			block: "BACKUP VERIFICATION CODES\nann@acme.example\n\n1. 1234 5678    6. 6789 0123\n2. 2345 6789    7. 7890 1234\n" +
				"3. 3456 7890    8. 8901 2345\n4. 4567 8901    9. 9012 3456\n5. 5678 9012    10. 0123 4567\n\n" +
				"* You can only use each backup code once.\n* Need more backup codes? Visit g.co/2sv\n* Generated Nov 22, 2026",
			codes:   []string{"1234 5678", "6789 0123", "2345 6789", "7890 1234", "3456 7890", "8901 2345", "4567 8901", "9012 3456", "5678 9012", "0123 4567"},
			ignored: []string{"g.co/2sv", "2026"},
		},
		{
			name:  "Google: one per line, unnumbered",
			block: strings.Join(googleCodes, "\n"),
			codes: googleCodes,
		},
		{
			name:  "8 digits, comma separated on one line",
			block: "12345678, 23456789, 34567890,45678901 ,56789012",
			codes: []string{"12345678", "23456789", "34567890", "45678901", "56789012"},
		},
		{
			name:  "Okta style: 10 digits, bulleted with •",
			block: "Backup codes:\n• 4815162342\n• 1123581321\n• 3141592653\n",
			codes: []string{"4815162342", "1123581321", "3141592653"},
		},
		{
			name:     "Microsoft style: 25-character recovery code",
			block:    "Your new recovery code\nXM7QP-4R8TV-K2W9H-B6N3J-D5F8L\nWrite it down and keep it safe.",
			recovery: "XM7QP-4R8TV-K2W9H-B6N3J-D5F8L",
		},
		{
			name:     "24-character recovery code in groups of four, letters only",
			block:    "Recovery code: ABCD-EFGH-IJKL-MNOP-QRST-UVWX",
			recovery: "ABCD-EFGH-IJKL-MNOP-QRST-UVWX",
		},
		{
			name:     "24-character recovery code without dashes",
			block:    "recovery code:\n  7KQ2M9XW4TPB8NRD3HVF6JCL  \n",
			recovery: "7KQ2M9XW4TPB8NRD3HVF6JCL",
		},
		{
			name: "codes and a recovery code in one block",
			block: "Backup codes\n01 8c2f1-a9d04\n02 3be70-5f1c2\n03 d41a6-0e9b7\n\n" +
				"Recovery code (keep it apart): R3C0-VERY-C0DE-4LL0-W3D1-2345",
			codes:    []string{"8c2f1-a9d04", "3be70-5f1c2", "d41a6-0e9b7"},
			recovery: "R3C0-VERY-C0DE-4LL0-W3D1-2345",
		},
		{
			name:  "numbered with ) and dashes as bullets, alphanumeric codes",
			block: "1) k7p2x9m4\n2) w3n8q5r1\n- h6t4y2u9\n* z8c5v3b7",
			codes: []string{"k7p2x9m4", "w3n8q5r1", "h6t4y2u9", "z8c5v3b7"},
		},
		{
			name:  "quoted, semicolons, tabs and Windows line ends",
			block: "\"AB12CD34\";\t'EF56GH78'\r\n[IJ90KL12]\r\n",
			codes: []string{"AB12CD34", "EF56GH78", "IJ90KL12"},
		},
		{
			name:  "several long codes are one-time codes, not recovery codes",
			block: "AAAA-BBBB-CCCC-DDD1\nEEEE-FFFF-GGGG-HHH2",
			codes: []string{"AAAA-BBBB-CCCC-DDD1", "EEEE-FFFF-GGGG-HHH2"},
		},
		{
			name:    "dates, times and short numbers are not codes",
			block:   "Generated 2026-11-22 at 09:00 for account 42\n12345678",
			codes:   []string{"12345678"},
			ignored: []string{"2026-11-22", "09:00"},
		},
		{
			name:  "words with hyphens and long words stay words",
			block: "Single-use codes, each usable once; internationalization test\n87654321",
			codes: []string{"87654321"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := backupcodes.Parse(tt.block)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(f.Codes, tt.codes) || f.Recovery != tt.recovery {
				t.Errorf("codes %q recovery %q\nwant %q recovery %q", f.Codes, f.Recovery, tt.codes, tt.recovery)
			}
			if !slices.Equal(f.Ignored, tt.ignored) {
				t.Errorf("ignored %q, want %q", f.Ignored, tt.ignored)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	const sentinel = "77553311"
	tests := []struct {
		name  string
		block string
		want  error
		text  string
	}{
		{"nothing", "Your backup codes:\n\n(none yet)", backupcodes.ErrNothingFound, ""},
		{"empty", "", backupcodes.ErrNothingFound, ""},
		{"duplicate in paste", "12345678\n" + sentinel + "\n23456789\n7755 3311", backupcodes.ErrDuplicate, "code 4 of the paste repeats code 2"},
		{"recovery repeats a code", "AAAA-BBBB-CCCC-DDDD-" + sentinel + "\nAAAABBBBCCCCDDDD" + sentinel + "\n", backupcodes.ErrDuplicate, "repeats code 1"},
		{"too many codes", manyCodes(101), backupcodes.ErrTooLarge, "101 codes"},
		{"too large", strings.Repeat("x", backupcodes.MaxPaste+1), backupcodes.ErrTooLarge, "KB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := backupcodes.Parse(tt.block)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("error %v, want %v with %q", err, tt.want, tt.text)
			}
			if strings.Contains(err.Error(), sentinel) || strings.Contains(err.Error(), "7755") {
				t.Errorf("error shows a code: %v", err)
			}
		})
	}
}

func manyCodes(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "9%07d\n", i)
	}
	return b.String()
}

func TestCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1234 5678", "12345678"},
		{"9b3e1-4a7c2", "9B3E14A7C2"},
		{" abcd-EFGH ", "ABCDEFGH"},
	}
	for _, tt := range tests {
		if got := backupcodes.Canonical(tt.in); got != tt.want {
			t.Errorf("Canonical(%q) = %q", tt.in, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("1. 1234 5678\n2. 2345 6789")
	f.Add("9b3e1-4a7c2, 0f6d8-b21e9")
	f.Add("Recovery: ABCD-EFGH-IJKL-MNOP-QRST-UVWX")
	f.Add("• 4815162342\n- ---\n* *")
	f.Fuzz(func(t *testing.T, s string) {
		found, err := backupcodes.Parse(s)
		if err != nil {
			return
		}
		if len(found.Codes) == 0 && found.Recovery == "" {
			t.Fatal("no error, nothing found")
		}
		for _, c := range found.Codes {
			if backupcodes.Canonical(c) == "" || !strings.Contains(s, strings.Fields(c)[0]) {
				t.Fatalf("code %q not from the input", c)
			}
		}
	})
}

func BenchmarkParseGoogleBlock(b *testing.B) {
	block := "Your backup codes:\n1. 1234 5678    6. 6789 0123\n2. 2345 6789    7. 7890 1234\n" +
		"3. 3456 7890    8. 8901 2345\n4. 4567 8901    9. 9012 3456\n5. 5678 9012    10. 0123 4567\n"
	for b.Loop() {
		if _, err := backupcodes.Parse(block); err != nil {
			b.Fatal(err)
		}
	}
}
