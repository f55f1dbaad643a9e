package importer

import (
	"bytes"
	"context"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/latchkey/latchkey/vault"
)

// andOTP backups (andOTP/andOTP, archived 2022) come in three forms:
const (
	// FormatAndOTP is the plain JSON array (otp_accounts.json).
	FormatAndOTP Format = "andotp"
	// FormatAndOTPEncrypted is otp_accounts.json.aes: a 4-byte big-endian
	// PBKDF2 iteration count, a 12-byte salt, a 12-byte IV, then AES-GCM
	// ciphertext and tag, under PBKDF2-HMAC-SHA1(password, salt, 256 bits).
	FormatAndOTPEncrypted Format = "andotp-encrypted"
	// FormatAndOTPOld is the encrypted backup of older andOTP releases: a
	// 12-byte IV, then AES-GCM ciphertext and tag, under SHA-256(password).
	// It has no recognisable feature: Detect never names it, and Read tries
	// it on binary input that no format claims (readHeaderless).
	FormatAndOTPOld Format = "andotp-old"
)

func init() {
	register(reader{name: FormatAndOTP, priority: 120, detect: isAndOTP,
		read: func(_ context.Context, _ *Importer, res *Result, data []byte, _ Options) error {
			return readAndOTPJSON(res, data)
		}})
	register(reader{name: FormatAndOTPEncrypted, priority: 300, detect: isAndOTPEncrypted,
		read: func(ctx context.Context, _ *Importer, res *Result, data []byte, opts Options) error {
			return readAndOTPEncrypted(ctx, res, data, opts)
		}})
	register(reader{name: FormatAndOTPOld, priority: 310, detect: func([]byte) bool { return false },
		read: func(ctx context.Context, _ *Importer, res *Result, data []byte, opts Options) error {
			return readAndOTPOld(ctx, res, data, opts)
		}})
}

const (
	andotpIterLen = 4
	andotpSaltLen = 12
	andotpIVLen   = 12
	andotpTagLen  = 16
	andotpKeyLen  = 32
	// andOTP draws the iteration count from 140,000–160,000. Detection
	// claims only files in that range: the format has no magic, and a
	// wider range would claim other binaries (a TrueType font starts with
	// what reads as 65,536). --format andotp-encrypted reads any count up
	// to MaxPBKDF2Iterations.
	andotpMinIterations = 140_000
	andotpMaxIterations = 160_000
)

// andotpPBKDF2 derives the key; the fuzz test swaps in a cheap stand-in.
var andotpPBKDF2 = func(password string, salt []byte, iterations int) ([]byte, error) {
	return pbkdf2.Key(sha1.New, password, salt, iterations, andotpKeyLen)
}

// isAndOTP: an array whose first element has andOTP's "secret" and
// "label" (andOTP itself refuses entries without a label).
func isAndOTP(data []byte) bool {
	s, ok := peekJSONShape(data)
	return ok && s.array && hasKeys(s.keys, "secret", "label")
}

// isAndOTPEncrypted: an iteration count in andOTP's range, room for salt,
// IV, tag and the smallest JSON array, and no text (a ciphertext of any
// length is almost never valid UTF-8; a text file always is).
func isAndOTPEncrypted(data []byte) bool {
	if len(data) < andotpIterLen+andotpSaltLen+andotpIVLen+andotpTagLen+2 {
		return false
	}
	iter := binary.BigEndian.Uint32(data)
	return iter >= andotpMinIterations && iter <= andotpMaxIterations && !utf8.Valid(data)
}

type andotpEntry struct {
	Secret    string   `json:"secret"`
	Issuer    *string  `json:"issuer"`
	Label     string   `json:"label"`
	Digits    int      `json:"digits"`
	Type      string   `json:"type"`
	Algorithm string   `json:"algorithm"`
	Period    int      `json:"period"`
	Counter   *int64   `json:"counter"`
	Tags      []string `json:"tags"`
}

func readAndOTPJSON(res *Result, data []byte) error {
	var entries []json.RawMessage
	if err := decodeExport("andOTP backup", data, &entries); err != nil {
		return err
	}
	for i, raw := range entries {
		if res.full() {
			break // the import is refused: read no further
		}
		var e andotpEntry
		if problem := unmarshalExportEntry(raw, &e); problem != "" {
			skipEntry(res, i, "", "", problem)
			continue
		}
		andotpAdd(res, i, e)
	}
	return nil
}

func readAndOTPEncrypted(ctx context.Context, res *Result, data []byte, opts Options) error {
	if len(data) < andotpIterLen+andotpSaltLen+andotpIVLen+andotpTagLen {
		return damagedFilef("andOTP encrypted backup is %d bytes, too short for its header and tag", len(data))
	}
	iterations := int(binary.BigEndian.Uint32(data))
	if err := checkPBKDF2(iterations); err != nil {
		if errors.Is(err, ErrTooCostly) {
			return fmt.Errorf("andOTP encrypted backup: %w; andOTP writes %d to %d",
				err, andotpMinIterations, andotpMaxIterations)
		}
		return fmt.Errorf("andOTP encrypted backup: %w", err)
	}
	salt := data[andotpIterLen : andotpIterLen+andotpSaltLen]
	sealed := data[andotpIterLen+andotpSaltLen:]
	password, err := opts.password()
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	key, err := andotpPBKDF2(password, salt, iterations)
	if err != nil {
		return fmt.Errorf("andOTP key derivation: %w", err)
	}
	return andotpOpen(res, key, sealed)
}

func readAndOTPOld(ctx context.Context, res *Result, data []byte, opts Options) error {
	if len(data) < andotpIVLen+andotpTagLen {
		return damagedFilef("andOTP encrypted backup is %d bytes, too short for its IV and tag", len(data))
	}
	password, err := opts.password()
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	key := sha256.Sum256([]byte(password))
	return andotpOpen(res, key[:], data)
}

// andotpOpen decrypts IV-prefixed AES-GCM and reads the JSON inside.
func andotpOpen(res *Result, key, sealed []byte) error {
	plain, err := openGCM(key, sealed[:andotpIVLen], sealed[andotpIVLen:], nil)
	if err != nil {
		// The tag is the only check: it cannot tell a wrong password from
		// a damaged or truncated file.
		return fmt.Errorf("%w (or the file is damaged: andOTP backups cannot tell the two apart)", err)
	}
	return readAndOTPJSON(res, plain)
}

func andotpAdd(res *Result, i int, e andotpEntry) {
	issuer, name := andotpLabel(e)
	typ, problem := andotpType(e)
	if problem != "" {
		skipEntry(res, i, issuer, name, problem)
		return
	}
	a := vault.Account{
		Issuer: issuer, Name: name, Type: typ, Secret: e.Secret,
		Algorithm: vault.Algorithm(e.Algorithm), Digits: e.Digits, Period: e.Period,
		Group: joinGroupNames(e.Tags),
	}
	if e.Counter != nil {
		a.Counter = uint64(*e.Counter)
	}
	steamDefaults(&a)
	addExportEntry(res, i, a)
}

func andotpType(e andotpEntry) (vault.Type, string) {
	switch strings.ToUpper(strings.TrimSpace(e.Type)) {
	case "", "TOTP":
		return vault.TOTP, ""
	case "STEAM":
		return vault.Steam, ""
	case "HOTP":
		// andOTP itself refuses an HOTP entry without a counter.
		if e.Counter == nil {
			return "", "the HOTP entry has no counter"
		}
		if *e.Counter < 0 {
			return "", "the HOTP counter is negative"
		}
		return vault.HOTP, ""
	}
	return "", fmt.Sprintf("the entry type %s is not supported (TOTP, HOTP, STEAM)", quoteShort(e.Type))
}

// andotpLabel splits the label. Entries scanned from a QR code keep the
// link's whole label ("Issuer:name") next to the issuer; entries without an
// issuer (older versions, links without one) may hold both in the label,
// as "Issuer:name" or, in the oldest versions, "Issuer - name".
func andotpLabel(e andotpEntry) (issuer, name string) {
	name = strings.TrimSpace(e.Label)
	if e.Issuer != nil && strings.TrimSpace(*e.Issuer) != "" {
		issuer = strings.TrimSpace(*e.Issuer)
		if prefix, rest, ok := strings.Cut(name, ":"); ok && strings.EqualFold(strings.TrimSpace(prefix), issuer) {
			name = strings.TrimSpace(rest)
		}
		return issuer, name
	}
	for _, sep := range []string{":", " - "} {
		if prefix, rest, ok := strings.Cut(name, sep); ok {
			return strings.TrimSpace(prefix), strings.TrimSpace(rest)
		}
	}
	return "", name
}

// readHeaderless is Read's last resort for input no format claims: binary
// input long enough to be an old andOTP backup, which has no header, is
// opened with the password when one can be asked for (decrypting with
// SHA-256 of it costs next to nothing). ok is false for input that cannot
// be one, which Read reports as unknown. Otherwise the error says both
// what it may be and what failed: without a password, unknown format and
// ErrPasswordRequired (so that the window asks for one); with a password
// that does not open it, unknown format and ErrWrongPassword, since AES-GCM
// cannot tell a wrong password from a file of another kind.
func (im *Importer) readHeaderless(ctx context.Context, name string, data []byte, opts Options) (*Result, bool, error) {
	if !maybeAndOTPOld(data) {
		return nil, false, nil
	}
	unknown := fmt.Errorf("%w (Latchkey reads %s)", ErrUnknownFormat, formatList())
	if opts.Password == nil {
		return nil, true, fmt.Errorf("import %s: %w, unless it is an old andOTP backup (which has no header): then %w",
			name, unknown, ErrPasswordRequired)
	}
	res, err := im.Read(ctx, name, data, FormatAndOTPOld, opts)
	if errors.Is(err, ErrWrongPassword) {
		return nil, true, fmt.Errorf("import %s: %w, or an old andOTP backup (which has no header) and %w",
			name, unknown, ErrWrongPassword)
	}
	return res, true, err
}

// maybeAndOTPOld: room for the IV, the tag and the smallest JSON array,
// not text (a ciphertext is almost never valid UTF-8), and none of the
// file kinds people pick by mistake (archives, documents, databases,
// programs), which would otherwise be asked a password they do not have.
func maybeAndOTPOld(data []byte) bool {
	if len(data) < andotpIVLen+andotpTagLen+2 || utf8.Valid(data) {
		return false
	}
	// Magics of three bytes or more only: a random IV starts with a
	// two-byte one ("MZ", "BM") once in 32,768 backups.
	for _, magic := range []string{"PK\x03\x04", "%PDF", "SQLite format 3\x00", "\x1f\x8b\x08", "\x7fELF",
		"RIFF", "\xff\xd8\xff", "\x89PNG", "GIF8", "7z\xbc\xaf", "Rar!", "\xd0\xcf\x11\xe0", "\xca\xfe\xba\xbe"} {
		if bytes.HasPrefix(data, []byte(magic)) {
			return false
		}
	}
	return true
}
