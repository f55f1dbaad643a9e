package otpauth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/vault"
)

// MaxBatchSize bounds the number of QR codes a migration link may say its
// export has. Google Authenticator puts about ten accounts in each code, so
// a thousand codes would be ten thousand accounts: more than any real
// export, and more than one import takes (app/importer's MaxEntries).
const MaxBatchSize = 1000

// ErrInvalidMigration is wrapped by every error DecodeMigration returns for
// a link it cannot read at all.
var ErrInvalidMigration = errors.New("invalid otpauth-migration link")

// Batch is one decoded migration link. Google Authenticator splits large
// exports into several QR codes that share BatchID and have BatchIndex 0 to
// BatchSize-1.
type Batch struct {
	Accounts []vault.Account
	// Cleaned holds, by index in Accounts, what Normalize removed from
	// an account's texts (see Removed); nil when nothing was.
	Cleaned    map[int][]Removed
	Skipped    []Skip
	Version    int
	BatchSize  int
	BatchIndex int
	BatchID    int
}

// Skip is an entry of a batch that could not be imported. Index is its
// position in the link (0-based); Issuer and Name are set when the entry got
// that far, so the UI can say which account was left out.
type Skip struct {
	Index  int
	Issuer string
	Name   string
	Reason string
}

func migrationErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidMigration, fmt.Sprintf(format, args...))
}

// DecodeMigration reads an otpauth-migration://offline?data=... link.
// Entries that cannot become accounts are listed in Batch.Skipped; an error
// means the link as a whole is unreadable. Accounts are normalised with
// NormalizeReporting (an export cannot be retyped), what it removed in
// Batch.Cleaned.
func DecodeMigration(uri string) (Batch, error) {
	data, err := migrationData(uri)
	if err != nil {
		return Batch{}, err
	}
	payload, err := decodeBase64(data)
	if err != nil {
		return Batch{}, err
	}
	return decodePayload(payload)
}

// migrationData returns the percent-decoded data parameter, keeping any "+"
// (form decoding would turn it into a space).
func migrationData(uri string) (string, error) {
	s, problem := precheck(uri)
	if problem != "" {
		return "", migrationErr("%s", problem)
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !strings.EqualFold(scheme, "otpauth-migration") {
		return "", migrationErr("it does not start with otpauth-migration://")
	}
	rest, _, _ = strings.Cut(rest, "#")
	_, rawQuery, _ := strings.Cut(rest, "?")
	var data string
	var err error
	found := false
	for _, part := range strings.Split(rawQuery, "&") {
		k, v, _ := strings.Cut(part, "=")
		if !strings.EqualFold(k, "data") {
			continue
		}
		if found {
			return "", migrationErr("it has more than one data parameter")
		}
		found = true
		if data, err = url.PathUnescape(v); err != nil {
			return "", migrationErr("its data parameter is not valid percent-encoding")
		}
	}
	if !found || data == "" {
		return "", migrationErr("it has no data parameter")
	}
	return data, nil
}

// decodeBase64 accepts standard or URL-safe base64, padded or not, with "+"
// turned into spaces by a form decoder and line breaks from copy and paste.
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-':
			return '+'
		case '_':
			return '/'
		case '\n', '\r', '\t', '=':
			return -1
		}
		return r
	}, s)
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, migrationErr("its data is not valid base64")
	}
	return b, nil
}

// decodePayload reads the MigrationPayload message:
//
//	1 otp_parameters (repeated message)  2 version  3 batch_size
//	4 batch_index  5 batch_id            (int32 varints)
func decodePayload(b []byte) (Batch, error) {
	var batch Batch
	var entries [][]byte
	err := eachField(b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		if num == 1 {
			v, n, err := consumeBytes(num, typ, b)
			entries = append(entries, v)
			return n, err
		}
		return batch.header(num, typ, b)
	})
	if err != nil {
		return Batch{}, migrationErr("payload is corrupt: %v", err)
	}
	if len(entries) == 0 {
		return Batch{}, migrationErr("it contains no accounts")
	}
	if batch.BatchSize > MaxBatchSize {
		return Batch{}, migrationErr("it says it is one of %d QR codes; no export has more than %d", batch.BatchSize, MaxBatchSize)
	}
	for i, e := range entries {
		a, removed, skip := decodeEntry(e)
		if skip != nil {
			skip.Index = i
			batch.Skipped = append(batch.Skipped, *skip)
			continue
		}
		if removed != nil {
			if batch.Cleaned == nil {
				batch.Cleaned = map[int][]Removed{}
			}
			batch.Cleaned[len(batch.Accounts)] = removed
		}
		batch.Accounts = append(batch.Accounts, a)
	}
	return batch, nil
}

// header reads fields 2 to 5 of the payload and skips unknown ones.
func (batch *Batch) header(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
	var dst *int
	switch num {
	case 2:
		dst = &batch.Version
	case 3:
		dst = &batch.BatchSize
	case 4:
		dst = &batch.BatchIndex
	case 5:
		dst = &batch.BatchID
	default:
		return skipField(num, typ, b)
	}
	v, n, err := consumeVarint(num, typ, b)
	*dst = int(int32(v)) // int32 on the wire; negative values are sign-extended
	return n, err
}

// eachField calls f with the number, wire type and remaining bytes of every
// field of the message b; f returns how many value bytes it consumed.
func eachField(b []byte, f func(protowire.Number, protowire.Type, []byte) (int, error)) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		m, err := f(num, typ, b)
		if err != nil {
			return err
		}
		b = b[m:]
	}
	return nil
}

func skipField(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
	n := protowire.ConsumeFieldValue(num, typ, b)
	if n < 0 {
		return 0, fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
	}
	return n, nil
}

func consumeBytes(num protowire.Number, typ protowire.Type, b []byte) ([]byte, int, error) {
	if typ != protowire.BytesType {
		return nil, 0, fmt.Errorf("field %d has wire type %d, not bytes", num, typ)
	}
	v, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return nil, 0, fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
	}
	return v, n, nil
}

func consumeVarint(num protowire.Number, typ protowire.Type, b []byte) (uint64, int, error) {
	if typ != protowire.VarintType {
		return 0, 0, fmt.Errorf("field %d has wire type %d, not varint", num, typ)
	}
	v, n := protowire.ConsumeVarint(b)
	if n < 0 {
		return 0, 0, fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
	}
	return v, n, nil
}

// otpParams is one OtpParameters message as stored on the wire.
type otpParams struct {
	secret       []byte
	name, issuer string
	// Enums: algorithm (0 unspecified, 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5),
	// digits (0 unspecified, 1 six, 2 eight), kind (0 unspecified, 1 HOTP,
	// 2 TOTP).
	algorithm, digits, kind uint64
	counter                 int64
}

// parseParams reads the OtpParameters fields: 1 secret, 2 name, 3 issuer,
// 4 algorithm, 5 digits, 6 type, 7 counter.
func parseParams(b []byte) (otpParams, error) {
	var p otpParams
	err := eachField(b, p.field)
	if err != nil {
		return otpParams{}, fmt.Errorf("the entry is corrupt: %w", err)
	}
	return p, nil
}

func (p *otpParams) field(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
	var str *string
	var enum *uint64
	switch num {
	case 1:
		v, n, err := consumeBytes(num, typ, b)
		p.secret = v
		return n, err
	case 2:
		str = &p.name
	case 3:
		str = &p.issuer
	case 4:
		enum = &p.algorithm
	case 5:
		enum = &p.digits
	case 6:
		enum = &p.kind
	case 7:
		v, n, err := consumeVarint(num, typ, b)
		p.counter = int64(v)
		return n, err
	default:
		return skipField(num, typ, b)
	}
	if str != nil {
		v, n, err := consumeBytes(num, typ, b)
		*str = string(v)
		return n, err
	}
	v, n, err := consumeVarint(num, typ, b)
	*enum = v
	return n, err
}

// decodeEntry turns one OtpParameters message into a normalised account and
// what normalising removed from its texts, or says why it cannot.
func decodeEntry(b []byte) (vault.Account, []Removed, *Skip) {
	p, err := parseParams(b)
	if err != nil {
		return vault.Account{}, nil, &Skip{Reason: err.Error()}
	}
	a := vault.Account{Secret: b32.EncodeToString(p.secret)}
	a.Issuer, a.Name = splitLabel(p.name, strings.TrimSpace(p.issuer))
	skip := func(reason string) (vault.Account, []Removed, *Skip) {
		// The label is shown with the reason: clean it first.
		issuer, _ := CleanText(a.Issuer)
		name, _ := CleanText(a.Name)
		return vault.Account{}, nil, &Skip{Issuer: strings.TrimSpace(issuer), Name: strings.TrimSpace(name), Reason: reason}
	}
	if len(p.secret) == 0 {
		return skip("it has no secret")
	}
	if err := p.apply(&a); err != nil {
		return skip(err.Error())
	}
	removed, err := NormalizeReporting(&a)
	if err != nil {
		var ae *codes.AccountError
		if errors.As(err, &ae) {
			return skip(ae.Problem)
		}
		return skip(err.Error())
	}
	return a, removed, nil
}

// apply maps the enums (unspecified means the default) and the counter.
func (p otpParams) apply(a *vault.Account) error {
	switch p.algorithm {
	case 0, 1:
		a.Algorithm = vault.SHA1
	case 2:
		a.Algorithm = vault.SHA256
	case 3:
		a.Algorithm = vault.SHA512
	case 4:
		return errors.New("it uses MD5, which Latchkey does not support: its codes would be wrong")
	default:
		return fmt.Errorf("its algorithm has the unknown value %d", p.algorithm)
	}
	switch p.digits {
	case 0, 1:
		a.Digits = 6
	case 2:
		a.Digits = 8
	default:
		return fmt.Errorf("its digit count has the unknown value %d", p.digits)
	}
	switch p.kind {
	case 0, 2:
		a.Type = vault.TOTP
	case 1:
		a.Type = vault.HOTP
		if p.counter < 0 {
			return fmt.Errorf("its HOTP counter %d is negative", p.counter)
		}
		a.Counter = uint64(p.counter)
	default:
		return fmt.Errorf("its type has the unknown value %d", p.kind)
	}
	return nil
}
