package otpauth

import (
	"fmt"
	"strings"
	"unicode"
)

// Characters that change how a text displays without being part of it are
// taken out of an account's issuer, name, group and note (Normalize), so
// that no import, link or typed entry can put them in the vault: a
// bidirectional override (U+202E) makes "Acme\u202Emoc.elgoog" read as
// something else, a control character or line separator can break a line
// or drive a terminal. The set is the portal's (portal/: control
// characters and the bidirectional controls) plus the line and paragraph
// separators. The rest of a label is kept: removing the characters loses
// nothing the user reads, while refusing the account would lose its
// secret, often the only copy (see ARCHITECTURE.md, "Hostile input").

// UnsafeRune reports whether r is removed from one-line texts: a control
// character (C0, DEL, C1), a Unicode bidirectional control (U+061C,
// U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) or a line or paragraph
// separator (U+2028, U+2029).
func UnsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) ||
		unicode.In(r, unicode.Zl, unicode.Zp)
}

// CleanText returns s without the characters UnsafeRune reports, white
// space among them (tab, newline, the separators) becoming a space so that
// words stay apart, and the characters it removed, each once, in order.
func CleanText(s string) (string, []rune) {
	return clean(s, UnsafeRune)
}

// CleanNote is CleanText for a note, which may span lines: newlines and
// tabs stay, and a Windows line end becomes a newline without a report.
func CleanNote(s string) (string, []rune) {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return clean(s, func(r rune) bool { return r != '\n' && r != '\t' && UnsafeRune(r) })
}

func clean(s string, unsafe func(rune) bool) (string, []rune) {
	if strings.IndexFunc(s, unsafe) < 0 {
		return s, nil
	}
	var removed []rune
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if !unsafe(r) {
			b.WriteRune(r)
			continue
		}
		if !strings.ContainsRune(string(removed), r) {
			removed = append(removed, r)
		}
		if unicode.IsSpace(r) {
			b.WriteByte(' ')
		}
	}
	return b.String(), removed
}

// Removed says which characters Normalize took out of a field of an
// account. It never holds the secret: only the issuer, name, group and
// note are cleaned.
type Removed struct {
	Field string // "issuer", "name", "group" or "note"
	Runes []rune
}

// String is the warning shown to the user, naming the characters by code
// point ("U+202E"), never quoting the text.
func (r Removed) String() string {
	codes := make([]string, len(r.Runes))
	for i, c := range r.Runes {
		codes[i] = fmt.Sprintf("%U", c)
	}
	what := "an invisible control character that could make it read as something else"
	if len(codes) > 1 {
		what = "invisible control characters that could make it read as something else"
	}
	return fmt.Sprintf("removed %s from the %s: %s", strings.Join(codes, ", "), r.Field, what)
}
