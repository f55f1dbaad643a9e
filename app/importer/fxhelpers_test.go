package importer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/app/codes"
)

// Test helpers of the Authenticator Pro, Bitwarden, Proton, FreeOTP+, Duo
// and Steam importers.

// fxSentinel is a valid base32 secret that no error, skip reason or source
// may ever contain; fxSentinelBytes is the key it encodes.
const fxSentinel = "KRUGKIDROVUWG2ZAMJZG653OEBTG66BA"

var fxSentinelBytes = []byte("The quick brown fox ")

// fxPassword answers a password prompt and counts the calls.
type fxPassword struct {
	pw    string
	calls int
}

func (p *fxPassword) options() Options {
	return Options{Password: func() (string, error) { p.calls++; return p.pw, nil }}
}

// fxRead reads data with format detection and checks that it was detected
// as want.
func fxRead(t *testing.T, name string, data []byte, want Format, opts Options) (*Result, error) {
	t.Helper()
	if got := Detect(data); got != want {
		t.Fatalf("Detect = %q, want %q", got, want)
	}
	res, err := New().Read(context.Background(), name, data, "", opts)
	fxNoLeak(t, res, err)
	return res, err
}

// fxMustRead is fxRead for input that must read without error.
func fxMustRead(t *testing.T, name string, data []byte, want Format, opts Options) *Result {
	t.Helper()
	res, err := fxRead(t, name, data, want, opts)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return res
}

// fxNoLeak fails when a message holds the sentinel secret, in any case.
func fxNoLeak(t *testing.T, res *Result, err error) {
	t.Helper()
	for _, s := range messagesOf(res, err) {
		if strings.Contains(strings.ToUpper(s), fxSentinel) || strings.Contains(s, string(fxSentinelBytes)) {
			t.Errorf("a message holds the secret: %q", s)
		}
	}
}

// fxSummary is one line per entry with every field an importer sets.
func fxSummary(res *Result) []string {
	var out []string
	for _, e := range res.Entries {
		a := e.Account
		icon := a.Icon
		if strings.HasPrefix(icon, "data:") {
			icon, _, _ = strings.Cut(icon, ",")
		}
		out = append(out, fmt.Sprintf("%s|%s|%s|%s|%s|%d|%d|%d|g=%s|n=%s|f=%t|i=%s|r=%s",
			a.Issuer, a.Name, a.Type, a.Secret, a.Algorithm, a.Digits, a.Period, a.Counter,
			a.Group, a.Note, a.Favourite, icon, a.RecoveryCode))
	}
	return out
}

// fxCompare compares summaries; a failure shows secrets as fingerprints,
// so that test output holds no secret either.
func fxCompare(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %s\nwant %s", what, fxMask(got), fxMask(want))
	}
}

func fxMask(lines []string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		f := strings.Split(l, "|")
		if len(f) > 3 {
			sum := sha256.Sum256([]byte(f[3]))
			f[3] = fmt.Sprintf("secret:%x", sum[:4])
		}
		out[i] = strings.Join(f, "|")
	}
	return strings.Join(out, "\n     ")
}

// fxSkipped is "source: reason" per skipped item.
func fxSkipped(res *Result) []string {
	var out []string
	for _, s := range res.Skipped {
		out = append(out, s.Source+": "+s.Reason)
	}
	return out
}

// fxWantSkipped checks the skipped items by source and a part of the reason.
func fxWantSkipped(t *testing.T, res *Result, want map[string]string) {
	t.Helper()
	if len(res.Skipped) != len(want) {
		t.Errorf("skipped %d, want %d: %q", len(res.Skipped), len(want), fxSkipped(res))
	}
	for _, s := range res.Skipped {
		part, ok := want[s.Source]
		if !ok || !strings.Contains(s.Reason, part) {
			t.Errorf("skipped %q: %q, want a reason with %q", s.Source, s.Reason, part)
		}
	}
}

// fxValid checks that every entry can generate codes, as the vault needs.
func fxValid(t *testing.T, res *Result) {
	t.Helper()
	for _, e := range res.Entries {
		if err := codes.Validate(e.Account); err != nil {
			t.Errorf("%s: %v", e.Source, err)
		}
	}
}

// fxPNG is a small real PNG, for embedded icons.
func fxPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fxFuzzCheck is what every fuzz target asserts of a read: a result or an
// error, and only entries that can generate codes. (Secrets in messages are
// checked by the table tests: in fuzzed input the sentinel may as well be
// an issuer, which messages rightly show.)
func fxFuzzCheck(t *testing.T, res *Result, err error) {
	t.Helper()
	if err != nil && res != nil {
		t.Fatalf("both a result and an error: %v", err)
	}
	if res != nil {
		fxValid(t, res)
	}
	if err != nil && errors.Is(err, ErrUnknownFormat) {
		t.Fatalf("a forced format answered unknown: %v", err)
	}
}
