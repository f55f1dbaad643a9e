package portal

import (
	"strings"
	"testing"
)

// Sign-in, recovery requests and new users check the "email" member alike.
func TestCheckEmail(t *testing.T) {
	long := strings.Repeat("a", 250) + "@x.io" // 255 bytes
	tests := []struct {
		in, want, problem string
	}{
		{"ann@msp.example", "ann@msp.example", ""},
		{"  ann@msp.example\n", "ann@msp.example", ""},
		{"zoë@例え.jp", "zoë@例え.jp", ""},
		{"", "", `member "email" is required`},
		{"   ", "", `member "email" is required`},
		{long, "", `member "email" is longer than 254 bytes`},
		{"ann", "", `member "email" is not an e-mail address`},
		{"@msp.example", "", `member "email" is not an e-mail address`},
		{"ann@", "", `member "email" is not an e-mail address`},
		{"ann@b@msp.example", "", `member "email" is not an e-mail address`},
		{"ann smith@msp.example", "", `member "email" is not an e-mail address`},
		{"ann\u202e@msp.example", "", `member "email" is not an e-mail address`},
		{"ann\x00@msp.example", "", `member "email" is not an e-mail address`},
		{"ann\xff@msp.example", "", `member "email" is not an e-mail address`},
	}
	for _, tt := range tests {
		got, problem := checkEmail(tt.in)
		if got != tt.want || problem != tt.problem {
			t.Errorf("checkEmail(%q) = %q, %q; want %q, %q", tt.in, got, problem, tt.want, tt.problem)
		}
		if problem != "" && strings.Contains(problem, strings.TrimSpace(tt.in)) && strings.TrimSpace(tt.in) != "" {
			t.Errorf("the problem %q quotes the value", problem)
		}
	}
}
