package importer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

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
	// KeyFile is the content of a key file (KeePass databases), or nil.
	KeyFile []byte
}

// password asks for the password of an encrypted input.
func (o Options) password() (string, error) {
	if o.Password == nil {
		return "", ErrPasswordRequired
	}
	p, err := o.Password()
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
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
	// Warnings say what was changed to make the account safe to show:
	// control and bidirectional characters taken out of its texts
	// (otpauth.Removed). The account is imported all the same.
	Warnings []string
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

	// budget is what the import may still keep while this input is read;
	// nil (a Result built by hand) has no limit.
	budget *budget
}

// budget counts what one Read keeps against what its Importer allows
// (MaxEntries, MaxImportBytes), so that a hostile input is refused when it
// passes a limit instead of after it was read whole.
type budget struct {
	accounts, bytes int // left for this input
	maxAccounts     int
	maxBytes        int
	before          bool // earlier inputs of the import kept some
	err             error
}

// full reports that the input passed a limit: readers stop reading.
func (r *Result) full() bool { return r.budget != nil && r.budget.err != nil }

// room is how many more accounts the input may hold.
func (r *Result) room() int {
	if r.budget == nil {
		return math.MaxInt
	}
	return r.budget.accounts
}

// count takes one account of size bytes from the budget; false means the
// input passed a limit (and r.budget.err says which).
func (r *Result) count(size int) bool {
	b := r.budget
	if b == nil {
		return true
	}
	if b.err != nil {
		return false
	}
	b.accounts--
	b.bytes -= size
	switch {
	case b.accounts < 0:
		b.tooManyAccounts()
	case b.bytes < 0:
		b.err = tooLarge(fmt.Sprintf("its accounts hold more than %s%s (icons and notes, mostly); Latchkey keeps at most %s from one import: import them in parts",
			sizeText(b.maxBytes), b.together(), sizeText(b.maxBytes)))
	}
	return b.err == nil
}

// expect checks, before they are decoded, that n more accounts would fit;
// false means they would not (and r.budget.err says so).
func (r *Result) expect(n int) bool {
	if r.full() {
		return false
	}
	if n > r.room() {
		r.budget.tooManyAccounts()
		return false
	}
	return true
}

func (b *budget) tooManyAccounts() {
	b.err = tooLarge(fmt.Sprintf("more than %d accounts%s; Latchkey imports at most %d at once: import them in parts",
		b.maxAccounts, b.together(), b.maxAccounts))
}

func (b *budget) together() string {
	if b.before {
		return " together with the inputs before it"
	}
	return ""
}

// add normalises a and records it, or records why it was skipped. earlier
// is what an earlier step (otpauth.ParseReporting) removed from its texts.
func (r *Result) add(source string, a vault.Account, earlier ...otpauth.Removed) {
	removed, err := otpauth.NormalizeReporting(&a)
	if err != nil {
		r.skipAccount(source, err.Error())
		return
	}
	r.entry(source, a, append(earlier, removed...))
}

// entry records a normalised account, within the budget, with a warning
// for each text normalising changed.
func (r *Result) entry(source string, a vault.Account, removed []otpauth.Removed) {
	source = printable(source)
	if !r.count(accountSize(&a) + len(source)) {
		return
	}
	var warnings []string
	for _, rm := range removed {
		warnings = append(warnings, rm.String())
	}
	r.Entries = append(r.Entries, Entry{Source: source, Account: a, Warnings: warnings})
}

// skipAccount records an account the input holds that cannot be imported:
// it counts as an account against the budget.
func (r *Result) skipAccount(source, reason string) {
	if r.count(len(source) + len(reason)) {
		r.skip(source, reason)
	}
}

// skip records a problem that is not an account (a line without a link, a
// QR code that is no otpauth link); each input has few of those.
func (r *Result) skip(source, reason string) {
	r.Skipped = append(r.Skipped, Skipped{Source: printable(source), Reason: printable(reason)})
}

// accountSize estimates the memory an imported account keeps: its texts,
// icon and codes, and the rest of the struct.
func accountSize(a *vault.Account) int {
	n := 512 + len(a.Issuer) + len(a.Name) + len(a.Secret) + len(a.Group) + len(a.Note) + len(a.Icon) + len(a.RecoveryCode)
	for _, c := range a.BackupCodes {
		n += 64 + len(c.Code)
	}
	if p := a.Portal; p != nil {
		n += 256 + len(p.URL) + len(p.Tenant) + len(p.UserID) + len(p.Email) + len(p.SessionToken)
	}
	return n
}

// tooLarge is an error for input beyond a size limit; it matches
// ErrTooLarge and says which limit in its own words.
type tooLarge string

func (e tooLarge) Error() string        { return string(e) }
func (e tooLarge) Is(target error) bool { return target == ErrTooLarge }

// sizeText is n bytes in MiB, for messages.
func sizeText(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// printable drops the characters otpauth.UnsafeRune reports: sources and
// reasons quote labels and file names, and a hostile export must not put
// a newline, a terminal escape or a bidirectional override into what the
// user reads.
func printable(s string) string {
	clean, _ := otpauth.CleanText(s)
	return clean
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
	// accounts and bytes are what earlier inputs kept; maxBytes is
	// MaxImportBytes (tests lower it).
	accounts, bytes int
	maxBytes        int
}

// newResult starts the Result of one input, with what is left of the
// import's budget.
func (im *Importer) newResult(name string, format Format) *Result {
	return &Result{Name: name, Format: format, budget: &budget{
		accounts: MaxEntries - im.accounts, bytes: im.maxBytes - im.bytes,
		maxAccounts: MaxEntries, maxBytes: im.maxBytes,
		before: im.accounts > 0,
	}}
}

// finish checks the input stayed within the budget and charges the import
// with what it kept.
func (im *Importer) finish(res *Result) error {
	b := res.budget
	res.budget = nil
	if b == nil {
		return nil
	}
	if b.err != nil {
		return b.err
	}
	im.accounts = MaxEntries - b.accounts
	im.bytes = im.maxBytes - b.bytes
	return nil
}

// New returns an Importer.
func New() *Importer { return &Importer{batches: map[int]*batchState{}, maxBytes: MaxImportBytes} }

// Read parses one input. name names it in messages. format may be empty
// (detect from the content) or one of Formats(). Errors mean the input as a
// whole could not be read (unknown format, damaged file, wrong password);
// problems with single entries are in Result.Skipped.
func (im *Importer) Read(ctx context.Context, name string, data []byte, format Format, opts Options) (*Result, error) {
	if len(data) > MaxInputBytes {
		return nil, fmt.Errorf("import %s: %w", name, tooLarge(fmt.Sprintf(
			"larger than %s; Latchkey reads at most %s of one input", sizeText(MaxInputBytes), sizeText(MaxInputBytes))))
	}
	if format == "" {
		format = Detect(data)
		if format == "" {
			if res, ok, err := im.readHeaderless(ctx, name, data, opts); ok {
				return res, err
			}
			return nil, fmt.Errorf("import %s: %w (Latchkey reads %s)", name, ErrUnknownFormat, formatList())
		}
	}
	i := slices.IndexFunc(readers, func(r reader) bool { return r.name == format })
	if i < 0 {
		return nil, fmt.Errorf("import %s: %w: %q (known: %s)", name, ErrUnknownFormat, format, formatList())
	}
	res := im.newResult(name, format)
	err := readers[i].read(ctx, im, res, data, opts)
	if res.full() {
		err = res.budget.err // why the reader stopped
	}
	if err == nil {
		err = im.finish(res)
	}
	if err != nil {
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
	a, removed, err := otpauth.ParseReporting(link)
	if err != nil {
		res.skipAccount(source, err.Error())
		return
	}
	res.entry(source, a, removed)
}
