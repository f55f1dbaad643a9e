package backupcodes

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// Limits of a paste: portals show ten to twenty codes.
const (
	MaxPaste = 64 << 10
	MaxCodes = 100
)

// Lengths, in letters and digits (separators not counted), of what the
// parser takes for a one-time code and for a recovery code. A recovery
// code is a single long code (24 characters at most portals, 25 as five
// groups of five at some); one-time codes are 6 to 12 (8 digits, 10
// characters as xxxxx-xxxxx).
const (
	minCode, maxCode         = 6, 15
	minRecovery, maxRecovery = 16, 40
)

// Errors of Parse and of the operations; match them with errors.Is.
var (
	ErrNothingFound = errors.New("no backup or recovery code found")
	ErrDuplicate    = errors.New("duplicate backup code")
	ErrTooLarge     = errors.New("too large for a block of backup codes")
)

// Found is what a paste holds, for the user to confirm before saving.
type Found struct {
	// Codes are the one-time codes, in the order pasted, as shown
	// (grouping kept, surrounding punctuation dropped).
	Codes []string
	// Recovery is the recovery code, or "".
	Recovery string
	// Ignored lists pieces with digits that are not codes (a leftover
	// group, a date): worth a look before confirming.
	Ignored []string
}

// Parse reads a pasted block: codes separated by spaces, commas,
// semicolons or new lines; numbered ("1.", "1)", "01 ") or bulleted ("-",
// "*", "•") lists; headers such as "Your backup codes:" are skipped. Google's
// "1234 5678" is one code. A single long code is the recovery code; several
// long codes are a set of long one-time codes. A code pasted twice is an
// error (ErrDuplicate), naming positions only.
func Parse(text string) (Found, error) {
	if len(text) > MaxPaste {
		return Found{}, fmt.Errorf("paste of %d KB: %w", len(text)>>10, ErrTooLarge)
	}
	var codes, long []string
	var f Found
	for _, line := range strings.FieldsFunc(text, isLineBreak) {
		for _, tok := range joinDigitGroups(tokens(stripListMarker(line))) {
			switch classify(tok) {
			case oneTime:
				codes = append(codes, tok)
			case recovery:
				long = append(long, tok)
			case noise:
				if len(tok) >= 3 && strings.ContainsFunc(tok, unicode.IsDigit) {
					f.Ignored = append(f.Ignored, tok)
				}
			}
		}
	}
	if len(long) == 1 {
		f.Recovery = long[0]
	} else {
		codes = append(codes, long...)
	}
	f.Codes = codes
	return f, f.check()
}

func (f Found) check() error {
	if len(f.Codes) == 0 && f.Recovery == "" {
		return ErrNothingFound
	}
	if len(f.Codes) > MaxCodes {
		return fmt.Errorf("%d codes in one paste, at most %d: %w", len(f.Codes), MaxCodes, ErrTooLarge)
	}
	seen := make(map[string]int, len(f.Codes))
	for i, c := range f.Codes {
		k := Canonical(c)
		if j, ok := seen[k]; ok {
			return fmt.Errorf("code %d of the paste repeats code %d: %w", i+1, j+1, ErrDuplicate)
		}
		seen[k] = i
	}
	if j, ok := seen[Canonical(f.Recovery)]; ok && f.Recovery != "" {
		return fmt.Errorf("the recovery code repeats code %d: %w", j+1, ErrDuplicate)
	}
	return nil
}

// Canonical is the form codes are compared in: letters and digits only,
// upper case. Portals accept a code with or without its spaces and dashes.
func Canonical(code string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToUpper(r)
		}
		return -1
	}, code)
}

func isLineBreak(r rune) bool { return r == '\n' || r == '\r' || r == '\u2028' }

// listMarker matches what starts a list item: a bullet, or a number
// followed by ".", ")" or ":" (or by spaces alone, at most two digits, so
// Google's "1234 5678" keeps its first group).
var listMarker = regexp.MustCompile(`^\s*(?:[-*•·–—+]|\(?\d{1,3}[.):]|\d{1,2}\s)\s*`)

func stripListMarker(line string) string { return listMarker.ReplaceAllString(line, "") }

// tokens splits a line at whitespace, commas and semicolons and trims the
// punctuation around each piece (quotes, brackets, a header's colon).
func tokens(line string) []string {
	fields := strings.FieldsFunc(line, func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == ';' || r == '|'
	})
	out := fields[:0]
	for _, f := range fields {
		f = strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// joinDigitGroups joins pairs of equal digit groups ("1234 5678"): portals
// space long numeric codes for reading.
func joinDigitGroups(toks []string) []string {
	out := make([]string, 0, len(toks))
	for i := 0; i < len(toks); i++ {
		if i+1 < len(toks) && isDigitGroup(toks[i]) && len(toks[i]) == len(toks[i+1]) && isDigitGroup(toks[i+1]) {
			out = append(out, toks[i]+" "+toks[i+1])
			i++
			continue
		}
		out = append(out, toks[i])
	}
	return out
}

func isDigitGroup(s string) bool {
	return len(s) >= 3 && len(s) <= 6 && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

type class int

const (
	noise class = iota
	oneTime
	recovery
)

// classify tells a code from the words around it. Codes are ASCII letters
// and digits in groups of at least three, joined by "-" (or one space, for
// digit pairs). A one-time code needs a digit unless it is all hex (GitHub
// prints lower-case hex as xxxxx-xxxxx), so words like "single-use" stay
// words; a recovery
// code is long enough to be no word, and in capitals when it has no digit.
func classify(tok string) class {
	groups := strings.FieldsFunc(tok, func(r rune) bool { return r == '-' || r == ' ' })
	if len(groups) == 0 || strings.Count(tok, "-")+strings.Count(tok, " ") != len(groups)-1 {
		return noise
	}
	n, digits, hex := 0, false, true
	for _, g := range groups {
		if len(groups) > 1 && len(g) < 3 {
			return noise // dates (2026-11-22) and phone numbers
		}
		for _, r := range g {
			switch {
			case r >= '0' && r <= '9':
				digits = true
			case r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F':
			case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
				hex = false
			default:
				return noise
			}
		}
		n += len(g)
	}
	switch {
	case n >= minRecovery && n <= maxRecovery && (digits || isUpper(tok)):
		return recovery
	case n >= minCode && n <= maxCode && (digits || hex && isLower(tok) && len(groups) > 1):
		return oneTime
	}
	return noise
}

func isUpper(s string) bool { return strings.ToUpper(s) == s }
func isLower(s string) bool { return strings.ToLower(s) == s }
