package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/vault"
)

// Format names an input format.
type Format string

// The formats Read detects.
const (
	FormatImage Format = "image" // PNG, JPEG or GIF with QR codes
	FormatURIs  Format = "uris"  // text with otpauth://, otpauth-migration:// or steam:// links
)

// Formats lists the formats Read knows, for messages.
var Formats = []Format{FormatImage, FormatURIs}

// ErrUnknownFormat is returned for input that is no known format.
var ErrUnknownFormat = errors.New("not a format Latchkey imports")

// Entry is one account found in an input.
type Entry struct {
	// Source says where: "codes.txt line 3", "qr.png code 1".
	Source string
	// Account is normalised (otpauth.Normalize); ID and times are unset.
	Account vault.Account
}

// Skipped is something in an input that yields no account, and why.
type Skipped struct {
	Source string
	Reason string
}

// Result is what one input held.
type Result struct {
	Name    string
	Format  Format
	Entries []Entry
	Skipped []Skipped
}

// Importer reads inputs. One Importer spans the inputs of one import, so a
// Google migration batch spread over several images is tracked as a whole.
type Importer struct {
	batches map[int]*batchState
}

// New returns an Importer.
func New() *Importer { return &Importer{batches: map[int]*batchState{}} }

// Read parses one input. name names it in messages. format may be empty
// (detect) or one of Formats. Errors mean the input as a whole could not be
// read (not an image, unknown format); problems with single entries are in
// Result.Skipped.
func (im *Importer) Read(ctx context.Context, name string, data []byte, format Format) (*Result, error) {
	if format == "" {
		format = Detect(data)
	}
	res := &Result{Name: name, Format: format}
	var err error
	switch format {
	case FormatImage:
		err = im.readImage(ctx, res, data)
	case FormatURIs:
		err = im.readText(res, data)
	case "":
		err = fmt.Errorf("%w (it is neither a QR image nor a list of otpauth links)", ErrUnknownFormat)
	default:
		err = fmt.Errorf("%w: %q (known: %s)", ErrUnknownFormat, format, formatList())
	}
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	return res, nil
}

func formatList() string {
	s := make([]string, len(Formats))
	for i, f := range Formats {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// Detect names the format of data, or "" when it is none Latchkey reads.
func Detect(data []byte) Format {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")),
		bytes.HasPrefix(data, []byte("\xff\xd8\xff")),
		bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return FormatImage
	case utf8.Valid(data) && hasLink(string(data)):
		return FormatURIs
	}
	return ""
}

var schemes = []string{"otpauth://", "otpauth-migration://", "steam://"}

func hasLink(s string) bool {
	lower := strings.ToLower(s)
	return slices.ContainsFunc(schemes, func(p string) bool { return strings.Contains(lower, p) })
}

// addLink parses one link into entries of res.
func (im *Importer) addLink(res *Result, source, link string) {
	if strings.HasPrefix(strings.ToLower(link), "otpauth-migration:") {
		im.addMigration(res, source, link)
		return
	}
	a, err := otpauth.Parse(link)
	if err != nil {
		res.Skipped = append(res.Skipped, Skipped{Source: source, Reason: err.Error()})
		return
	}
	res.Entries = append(res.Entries, Entry{Source: source, Account: a})
}
