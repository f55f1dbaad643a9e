package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/vault"
)

// Helpers shared by the JSON exports of other authenticator apps (Aegis,
// 2FAS, andOTP).

// ErrDamagedFile is returned for an export whose structure is broken:
// truncated, not the JSON it claims to be, or with fields that cannot be
// what the app wrote. It is never returned for a wrong password.
var ErrDamagedFile = errors.New("the file is damaged")

// damagedFile wraps the problem found in an export, keeping both
// ErrDamagedFile and the cause (ErrTooDeep, say) matchable.
func damagedFile(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrDamagedFile, what, err)
}

// damagedFilef reports a structural problem described in words.
func damagedFilef(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrDamagedFile, fmt.Sprintf(format, args...))
}

// peekLimit bounds what detection reads: every format here names itself
// in its first keys, and an export of thousands of entries with icons must
// not be parsed once per detector.
const peekLimit = 64 << 10

// jsonShape is what detection learns from the start of a JSON document.
type jsonShape struct {
	// array is set when the document is an array; keys are then those of
	// its first element.
	array bool
	keys  map[string]bool
	// firstKeys holds, for an object document, the keys of the first
	// object inside each array-valued member ("services": [{...}]).
	firstKeys map[string]map[string]bool
}

// peekJSONShape reads the top of a JSON document as far as it is well
// formed. A truncated export is still recognised, so that reading it
// reports the damage instead of "not a format Latchkey imports".
func peekJSONShape(data []byte) (jsonShape, bool) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if len(data) > peekLimit {
		data = data[:peekLimit]
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return jsonShape{}, false
	}
	switch tok {
	case json.Delim('{'):
		s := jsonShape{keys: map[string]bool{}, firstKeys: map[string]map[string]bool{}}
		peekObject(dec, s.keys, s.firstKeys)
		return s, true
	case json.Delim('['):
		s := jsonShape{array: true, keys: map[string]bool{}}
		if tok, err := dec.Token(); err == nil && tok == json.Delim('{') {
			peekObject(dec, s.keys, nil)
		}
		return s, true
	}
	return jsonShape{}, false
}

// peekObject records the keys of the object whose '{' was just read,
// stopping quietly at the first error. With first set, it also records the
// keys of the first object of each array-valued member.
func peekObject(dec *json.Decoder, keys map[string]bool, first map[string]map[string]bool) {
	for {
		tok, err := dec.Token()
		if err != nil || tok == json.Delim('}') {
			return
		}
		key, ok := tok.(string)
		if !ok {
			return
		}
		keys[key] = true
		if err := peekValue(dec, key, first); err != nil {
			return
		}
	}
}

// peekValue skips one value, looking into the first element of an array
// when first asks for it.
func peekValue(dec *json.Decoder, key string, first map[string]map[string]bool) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	depth := 1
	if d == '[' && first != nil && dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if tok == json.Delim('{') {
			first[key] = map[string]bool{}
			peekObject(dec, first[key], nil)
		} else if d, ok := tok.(json.Delim); ok && (d == '[' || d == '{') {
			depth++
		}
	}
	return skipTokens(dec, depth)
}

// skipTokens reads tokens until depth open delimiters are closed.
func skipTokens(dec *json.Decoder, depth int) error {
	for depth > 0 {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// hasKeys reports whether every key is in m.
func hasKeys(m map[string]bool, keys ...string) bool {
	for _, k := range keys {
		if !m[k] {
			return false
		}
	}
	return true
}

// decodeExport decodes a whole export, reporting any failure as damage.
func decodeExport(what string, data []byte, v any) error {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if len(bytes.TrimSpace(data)) == 0 {
		return damagedFilef("%s: the file is empty", what)
	}
	if err := decodeJSON(data, v); err != nil {
		if errors.Is(err, ErrTooLarge) {
			return fmt.Errorf("%s: %w", what, err) // not damage: too much of it
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return damagedFile(what, errors.New("it ends early (truncated?)"))
		}
		return damagedFile(what, err)
	}
	return nil
}

// unmarshalExportEntry decodes one entry of an export. The problem it
// returns names the field at fault but never quotes a value: the standard
// library's type errors may quote a number, and a secret can be one.
func unmarshalExportEntry(raw json.RawMessage, v any) string {
	err := json.Unmarshal(raw, v)
	if err == nil {
		return ""
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return fmt.Sprintf("the entry's %s field has the wrong type", typeErr.Field)
	}
	return "the entry is not a JSON object of the expected shape"
}

// entrySource names entry i (0-based) of an export in messages.
func entrySource(res *Result, i int) string {
	return fmt.Sprintf("%s entry %d", res.Name, i+1)
}

// addExportEntry normalises entry i's account and records it, or records
// why it was skipped under the entry's label.
func addExportEntry(res *Result, i int, a vault.Account) {
	removed, err := otpauth.NormalizeReporting(&a)
	if err != nil {
		skipEntry(res, i, a.Issuer, a.Name, err.Error())
		return
	}
	res.entry(entrySource(res, i), a, removed)
}

// skipEntry records why entry i yields no account, naming it by its label
// when it has one so that the user can find it in the other app.
func skipEntry(res *Result, i int, issuer, name, reason string) {
	source := entrySource(res, i)
	if label := otpauth.Label(strings.TrimSpace(issuer), strings.TrimSpace(name)); label != "" {
		source += " (" + shorten(label) + ")"
	}
	res.skipAccount(source, reason)
}

// shorten keeps a label from a hostile file from flooding a message.
func shorten(s string) string {
	const max = 64
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}

// groupSeparator joins the names when an entry is in several groups (Aegis
// groups, andOTP tags): a vault account has one group, and the joined name
// keeps every membership visible and searchable.
const groupSeparator = ", "

// joinGroupNames joins non-empty, distinct names in order.
func joinGroupNames(names []string) string {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, n)
	}
	return strings.Join(out, groupSeparator)
}

// steamDefaults drops what a Steam entry says about digits and hash: Steam
// Guard codes are always five characters from HMAC-SHA1, and apps store
// different values there (andOTP and 2FAS write 5 or 6, some write SHA1 or
// nothing), none of which changes the code Steam expects.
func steamDefaults(a *vault.Account) {
	if a.Type == vault.Steam {
		a.Digits = 0
		a.Algorithm = vault.SHA1
	}
}
