package portal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/latchkey/latchkey/portal/api"
)

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only a programming error (an unencodable type) gets here.
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// writeError answers status in the portal's error shape. message is shown
// to the client: it must name what is wrong without quoting a secret.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, api.ErrorResponse{Error: api.ErrorBody{Code: code, Message: message}})
}

// requestError is a 4xx answer for a request the handler cannot take.
type requestError struct {
	status  int
	code    string
	message string
}

func (e *requestError) Error() string { return e.message }

func badRequest(code, format string, args ...any) *requestError {
	return &requestError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

// decodeJSON reads the request body into dst strictly: the media type must
// be application/json, the body one JSON object, every member one dst
// takes, nothing after it, and the whole within the body limit. On failure
// it has answered the request (400, 413 or 415) and returns false.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) bool {
	if err := decodeJSONBody(r, dst); err != nil {
		var re *requestError
		if !errors.As(err, &re) {
			re = badRequest(api.CodeBadRequest, "the request body cannot be read")
		}
		writeError(w, re.status, re.code, re.message)
		return false
	}
	return true
}

func decodeJSONBody(r *http.Request, dst any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return &requestError{status: http.StatusUnsupportedMediaType, code: api.CodeUnsupportedMedia,
			message: "the request body must be application/json"}
	}
	// The whole body (within the limit) first: encoding/json would turn
	// invalid UTF-8, and \u escapes of lone surrogates, into U+FFFD
	// without a word, so two different byte strings would decode to one
	// value (and what a client sent would not be what is stored).
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if re := tooLarge(err); re != nil {
			return re
		}
		return badRequest(api.CodeBadRequest, "the request body cannot be read")
	}
	if i := invalidUTF8(body); i >= 0 {
		return badRequest(api.CodeBadRequest, "the request body is not valid UTF-8 (at byte %d)", i)
	}
	if i := loneSurrogateEscape(body); i >= 0 {
		return badRequest(api.CodeBadRequest, `the request body is not valid UTF-8: the \u escape at byte %d is half of a UTF-16 surrogate pair`, i)
	}
	br := bufio.NewReader(bytes.NewReader(body))
	if err := expectObject(br); err != nil {
		return err
	}
	dec := json.NewDecoder(br)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			if re := tooLarge(err); re != nil {
				return re
			}
		}
		return badRequest(api.CodeBadRequest, "malformed JSON: data after the JSON object")
	}
	return nil
}

// invalidUTF8 is the offset of the first byte of b that is not part of
// valid UTF-8 (overlong forms and encoded surrogates included), or -1.
func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// loneSurrogateEscape is the offset of the first \uXXXX escape inside a
// JSON string of b that is a UTF-16 surrogate without its other half, or
// -1. Malformed escapes are left to the decoder, which refuses them.
func loneSurrogateEscape(b []byte) int {
	hex4 := func(i int) (rune, bool) {
		if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
			return 0, false
		}
		var v rune
		for _, c := range b[i+2 : i+6] {
			switch {
			case '0' <= c && c <= '9':
				v = v<<4 | rune(c-'0')
			case 'a' <= c && c <= 'f':
				v = v<<4 | rune(c-'a'+10)
			case 'A' <= c && c <= 'F':
				v = v<<4 | rune(c-'A'+10)
			default:
				return 0, false
			}
		}
		return v, true
	}
	inString := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			inString = !inString
		case c == '\\' && inString:
			v, ok := hex4(i)
			switch {
			case !ok:
				i++ // a one-character escape (or a malformed one)
			case 0xD800 <= v && v <= 0xDBFF:
				if lo, ok := hex4(i + 6); ok && 0xDC00 <= lo && lo <= 0xDFFF {
					i += 11
					continue
				}
				return i
			case 0xDC00 <= v && v <= 0xDFFF:
				return i
			default:
				i += 5
			}
		}
	}
	return -1
}

// expectObject checks that the first non-space byte opens an object, so
// null, arrays and scalars get a clear message instead of decoding to a
// zero value.
func expectObject(br *bufio.Reader) error {
	for {
		c, err := br.ReadByte()
		if err != nil {
			if re := tooLarge(err); re != nil {
				return re
			}
			if errors.Is(err, io.EOF) {
				return badRequest(api.CodeBadRequest, "the request body is empty")
			}
			return badRequest(api.CodeBadRequest, "the request body cannot be read")
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return br.UnreadByte()
		}
		return badRequest(api.CodeBadRequest, "malformed JSON: the body must be a JSON object")
	}
}

func tooLarge(err error) *requestError {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &requestError{status: http.StatusRequestEntityTooLarge, code: api.CodeTooLarge,
			message: fmt.Sprintf("the request body is larger than %d bytes", mbe.Limit)}
	}
	return nil
}

// decodeError turns an encoding/json error into a message naming the
// position or the member, never the value.
func decodeError(err error) error {
	if re := tooLarge(err); re != nil {
		return re
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return badRequest(api.CodeBadRequest, "malformed JSON at byte %d", syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return badRequest(api.CodeBadRequest, "malformed JSON: the body ends early")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badRequest(api.CodeInvalid, "the body must be a JSON object")
		}
		return badRequest(api.CodeInvalid, "member %q must be %s", typ.Field, jsonKind(typ.Type.Kind().String()))
	}
	// encoding/json has no type for this one: `json: unknown field "x"`.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return badRequest(api.CodeUnknownField, "unknown member %s", clip(name, 66))
	}
	return badRequest(api.CodeBadRequest, "malformed JSON")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return "of another type"
}

func clip(s string, n int) string {
	if len(s) > n {
		return strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}
