package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/vault"
)

// Format names an input format, as --format takes it.
type Format string

var (
	// ErrUnknownFormat is returned for input that is no known format.
	ErrUnknownFormat = errors.New("not a format Latchkey imports")
	// ErrPasswordRequired is returned for an encrypted export when
	// Options.Password is nil.
	ErrPasswordRequired = errors.New("the file is encrypted and needs its password")
	// ErrWrongPassword is returned when the password does not decrypt the
	// export (as opposed to a damaged file, which is reported as such).
	ErrWrongPassword = errors.New("wrong password for the file")
)

// Options are what an import may need from the user.
type Options struct {
	// Password returns the password of an encrypted export. It is called
	// only for encrypted input; nil makes such input fail with
	// ErrPasswordRequired.
	Password func() (string, error)
}

// password asks for the password of an encrypted input.
func (o Options) password() (string, error) {
	if o.Password == nil {
		return "", ErrPasswordRequired
	}
	p, err := o.Password()
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return p, nil
}

// Entry is one account found in an input.
type Entry struct {
	// Source says where: "codes.txt line 3", "qr.png code 1",
	// "backup.json entry 4".
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

// add normalises a and records it, or records why it was skipped.
func (r *Result) add(source string, a vault.Account) {
	if err := otpauth.Normalize(&a); err != nil {
		r.skip(source, err.Error())
		return
	}
	r.Entries = append(r.Entries, Entry{Source: printable(source), Account: a})
}

func (r *Result) skip(source, reason string) {
	r.Skipped = append(r.Skipped, Skipped{Source: printable(source), Reason: printable(reason)})
}

// printable drops control characters: sources and reasons quote labels
// from the file, and a hostile export must not put a newline or a terminal
// escape into the CLI's output.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// reader is one format: a cheap test of the content and the parser.
type reader struct {
	name Format
	// priority orders detection: lower first. Specific formats (JSON with
	// known keys) come before the catch-all link list.
	priority int
	detect   func(data []byte) bool
	read     func(ctx context.Context, im *Importer, res *Result, data []byte, opts Options) error
}

var readers []reader

// register adds a format; each format's file calls it from init.
func register(r reader) {
	readers = append(readers, r)
	slices.SortStableFunc(readers, func(a, b reader) int { return a.priority - b.priority })
}

// Formats lists the formats Read knows, in detection order.
func Formats() []Format {
	out := make([]Format, len(readers))
	for i, r := range readers {
		out[i] = r.name
	}
	return out
}

func formatList() string {
	var s []string
	for _, f := range Formats() {
		s = append(s, string(f))
	}
	return strings.Join(s, ", ")
}

// Detect names the format of data, or "" when it is none Latchkey reads.
func Detect(data []byte) Format {
	for _, r := range readers {
		if r.detect(data) {
			return r.name
		}
	}
	return ""
}

// Importer reads inputs. One Importer spans the inputs of one import, so a
// Google migration batch spread over several images is tracked as a whole.
type Importer struct {
	batches map[int]*batchState
}

// New returns an Importer.
func New() *Importer { return &Importer{batches: map[int]*batchState{}} }

// Read parses one input. name names it in messages. format may be empty
// (detect from the content) or one of Formats(). Errors mean the input as a
// whole could not be read (unknown format, damaged file, wrong password);
// problems with single entries are in Result.Skipped.
func (im *Importer) Read(ctx context.Context, name string, data []byte, format Format, opts Options) (*Result, error) {
	if format == "" {
		format = Detect(data)
		if format == "" {
			return nil, fmt.Errorf("import %s: %w (Latchkey reads %s)", name, ErrUnknownFormat, formatList())
		}
	}
	i := slices.IndexFunc(readers, func(r reader) bool { return r.name == format })
	if i < 0 {
		return nil, fmt.Errorf("import %s: %w: %q (known: %s)", name, ErrUnknownFormat, format, formatList())
	}
	res := &Result{Name: name, Format: format}
	if err := readers[i].read(ctx, im, res, data, opts); err != nil {
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	return res, nil
}

// addLink parses one otpauth, otpauth-migration or steam link into res.
func (im *Importer) addLink(res *Result, source, link string) {
	if strings.HasPrefix(strings.ToLower(link), "otpauth-migration:") {
		im.addMigration(res, source, link)
		return
	}
	a, err := otpauth.Parse(link)
	if err != nil {
		res.skip(source, err.Error())
		return
	}
	res.Entries = append(res.Entries, Entry{Source: source, Account: a})
}
