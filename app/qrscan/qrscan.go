package qrscan

import (
	"context"
	"errors"
	"fmt"
	"image"
	"strings"
	"time"
)

// Kind says what a decoded text is, for routing it to an importer.
type Kind string

const (
	// KindOTPAuth is an otpauth:// key URI (TOTP, HOTP, Steam via
	// otpauth://totp/...?encoder=steam).
	KindOTPAuth Kind = "otpauth"
	// KindMigration is a Google Authenticator otpauth-migration:// export.
	KindMigration Kind = "otpauth-migration"
	// KindOther is any other text: a web link, a Wi-Fi code, plain text,
	// and also steam:// links, which are the Steam client's launch protocol
	// (steam://run/…) and carry no secret.
	KindOther Kind = "other"
)

// Code is one decoded QR symbol.
type Code struct {
	Text string // the decoded text, exactly as gozxing returns it
	Kind Kind
}

// KindOf classifies text by its URI scheme, case-insensitively.
func KindOf(text string) Kind {
	scheme, _, ok := strings.Cut(text, "://")
	if !ok {
		return KindOther
	}
	switch strings.ToLower(scheme) {
	case "otpauth":
		return KindOTPAuth
	case "otpauth-migration":
		return KindMigration
	}
	return KindOther
}

// DecodeBudget is the longest Decode works on one image when the caller's
// context has no deadline.
const DecodeBudget = 2500 * time.Millisecond

// MaxPixels is the largest image accepted (width × height).
const MaxPixels = 50_000_000

// ErrTooLarge is returned for images above MaxPixels.
var ErrTooLarge = errors.New("image too large")

// Decode returns every distinct QR code found in img, ordered top to bottom
// and left to right by position, with duplicates (same text) removed. It
// returns an empty, non-nil slice when there is none. It gives up after
// DecodeBudget unless ctx carries its own deadline; when the deadline or a
// cancellation stops it before anything is found, the error wraps ctx.Err().
func Decode(ctx context.Context, img image.Image) ([]Code, error) {
	codes, _, err := decode(ctx, img)
	return codes, err
}

// decode also reports the ladder step that found the codes, for the
// measurements in doc.go.
func decode(ctx context.Context, img image.Image) ([]Code, string, error) {
	if img == nil {
		return []Code{}, "", errors.New("decode QR: nil image")
	}
	b := img.Bounds()
	if b.Dx()*b.Dy() > MaxPixels {
		return []Code{}, "", fmt.Errorf("decoding QR codes: %dx%d: %w", b.Dx(), b.Dy(), ErrTooLarge)
	}
	if b.Dx() < minSide || b.Dy() < minSide {
		return []Code{}, "", nil
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DecodeBudget)
		defer cancel()
	}
	fs, step := newScan(ctx, luminance(img)).run()
	if len(fs) == 0 && ctx.Err() != nil {
		return []Code{}, "", fmt.Errorf("decoding QR codes: %w", ctx.Err())
	}
	order(fs)
	return toCodes(fs), step, nil
}

// minSide is the smallest width or height that can hold a QR code: version
// 1 is 21 modules, and the upscaling step handles 1-pixel modules.
const minSide = 21

func toCodes(fs []found) []Code {
	out := make([]Code, 0, len(fs))
	for _, f := range fs {
		out = append(out, Code{Text: f.text, Kind: KindOf(f.text)})
	}
	return out
}
