package importer

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/vault"
)

// TOTP Authenticator (Binary Boxes, com.authenticator.authservice2) has two
// forms, one list of tokens:
const (
	// FormatTOTPAuthenticatorXML is its internal store,
	// shared_prefs/TOTP_Authenticator_Preferences.xml: a <string> named
	// STATIC_TOTP_CODES_LIST holding a JSON list of {"issuer","name",
	// "key","base":16|32|64,"digits","period",...}, digits and period
	// written as strings. Every token is TOTP with HMAC-SHA1.
	FormatTOTPAuthenticatorXML Format = "totp-authenticator-xml"
	// FormatTOTPAuthenticator is its backup file (.encrypt): base64 text of
	// AES-256-CBC with a zero IV and PKCS#7 padding, keyed by the SHA-256
	// of the backup password, of a JSON object whose first member's name
	// is that JSON list as text. A backup made without a password uses the
	// app's built-in one, "TotpAuthenticator", tried before asking. The
	// key derivation is one hash, nothing to cap. Such a backup is
	// recognised from its content only when it has the built-in password:
	// under the user's own it is base64 of AES-CBC like an encrypted Steam
	// maFile, and is read with --format totp-authenticator.
	FormatTOTPAuthenticator Format = "totp-authenticator"
)

const (
	totpAuthListKey         = "STATIC_TOTP_CODES_LIST"
	totpAuthBuiltinPassword = "TotpAuthenticator"
	// totpAuthMaxDetect bounds what detection decodes: a backup of
	// thousands of tokens is some hundreds of kilobytes.
	totpAuthMaxDetect = 8 << 20
)

func init() {
	register(reader{name: FormatTOTPAuthenticatorXML, priority: 247, detect: isTOTPAuthXML,
		read: func(_ context.Context, _ *Importer, res *Result, data []byte, _ Options) error {
			return readTOTPAuthXML(res, data)
		}})
	register(reader{name: FormatTOTPAuthenticator, priority: 295, detect: isTOTPAuthBackup,
		read: func(ctx context.Context, _ *Importer, res *Result, data []byte, opts Options) error {
			return readTOTPAuthBackup(ctx, res, data, opts)
		}})
}

func isTOTPAuthXML(data []byte) bool {
	return isAndroidPrefs(data) && prefsHasString(data, totpAuthListKey)
}

// totpAuthCiphertext is the decoded backup, or nil when data is not base64
// of whole AES blocks.
func totpAuthCiphertext(data []byte) []byte {
	text := bytes.TrimSpace(data)
	if len(text) < 44 || len(text) > MaxInputBytes || len(text)%4 != 0 {
		return nil
	}
	// Scanned before anything is decoded or copied: detection sees every
	// input, text files of megabytes among them.
	for i, c := range text {
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' ||
			c == '=' && i >= len(text)-2
		if !ok {
			return nil
		}
	}
	ct, err := base64.StdEncoding.DecodeString(string(text))
	if err != nil || len(ct) < 2*aes.BlockSize || len(ct)%aes.BlockSize != 0 {
		return nil
	}
	return ct
}

func isTOTPAuthBackup(data []byte) bool {
	if len(data) > totpAuthMaxDetect {
		return false // far beyond any real backup; --format still reads it
	}
	ct := totpAuthCiphertext(data)
	if ct == nil {
		return false
	}
	// The first block under the built-in password: `{"[{\"` starts the
	// object whose member name is the list.
	key := sha256.Sum256([]byte(totpAuthBuiltinPassword))
	block, _ := aes.NewCipher(key[:])
	first := make([]byte, aes.BlockSize)
	cipher.NewCBCDecrypter(block, make([]byte, aes.BlockSize)).CryptBlocks(first, ct[:aes.BlockSize])
	return bytes.HasPrefix(first, []byte(`{"[`))
}

func readTOTPAuthXML(res *Result, data []byte) error {
	const what = "TOTP Authenticator preferences"
	prefs, err := readAndroidPrefs(what, data)
	if err != nil {
		return err
	}
	list, ok := prefsValue(prefs, totpAuthListKey)
	if !ok {
		return damagedFilef("%s have no %s string", what, totpAuthListKey)
	}
	return readTOTPAuthList(res, what, []byte(list))
}

func readTOTPAuthBackup(ctx context.Context, res *Result, data []byte, opts Options) error {
	ct := totpAuthCiphertext(data)
	if ct == nil {
		return damagedFilef("the TOTP Authenticator backup is not base64 of whole AES blocks")
	}
	list, err := openTOTPAuth(ct, totpAuthBuiltinPassword)
	if errors.Is(err, ErrWrongPassword) {
		password, perr := opts.password()
		if perr != nil {
			return perr
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		list, err = openTOTPAuth(ct, password)
	}
	if err != nil {
		return err
	}
	return readTOTPAuthList(res, "TOTP Authenticator backup", list)
}

// openTOTPAuth decrypts the backup and returns the list it holds.
func openTOTPAuth(ct []byte, password string) ([]byte, error) {
	key := sha256.Sum256([]byte(password))
	plain, ok := decryptCBC(key[:], make([]byte, aes.BlockSize), ct)
	// CBC has no integrity check: bad padding, or a result that is not a
	// JSON object, is the sign of a wrong key.
	if !ok || jsonStart(plain) != '{' {
		return nil, fmt.Errorf("%w (or the file is damaged: TOTP Authenticator's encryption cannot tell which)", ErrWrongPassword)
	}
	if err := checkDepth(plain); err != nil {
		return nil, fmt.Errorf("TOTP Authenticator backup: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(plain))
	if _, err := dec.Token(); err != nil {
		return nil, damagedFile("TOTP Authenticator backup", err)
	}
	tok, err := dec.Token()
	name, isName := tok.(string)
	if err != nil || !isName {
		return nil, damagedFilef("the TOTP Authenticator backup holds no list of tokens")
	}
	return []byte(name), nil
}

// totpAuthToken is one token; digits and period are strings in the files
// seen, numbers accepted too.
type totpAuthToken struct {
	Issuer string          `json:"issuer"`
	Name   string          `json:"name"`
	Key    string          `json:"key"`
	Base   json.RawMessage `json:"base"`
	Digits json.RawMessage `json:"digits"`
	Period json.RawMessage `json:"period"`
}

func readTOTPAuthList(res *Result, what string, data []byte) error {
	var raws []json.RawMessage
	if err := decodeExport(what+" token list", data, &raws); err != nil {
		return err
	}
	if !res.expect(len(raws)) {
		return nil
	}
	for i, raw := range raws {
		if res.full() {
			break
		}
		var t totpAuthToken
		if problem := unmarshalExportEntry(raw, &t); problem != "" {
			skipEntry(res, i, "", "", problem)
			continue
		}
		a, err := t.account()
		if err != nil {
			skipEntry(res, i, a.Issuer, a.Name, err.Error())
			continue
		}
		addExportEntry(res, i, a)
	}
	return nil
}

func (t totpAuthToken) account() (vault.Account, error) {
	a := vault.Account{Type: vault.TOTP, Algorithm: vault.SHA1, Issuer: t.Issuer, Name: t.Name, Digits: 6, Period: 30}
	var err error
	if a.Digits, err = totpAuthInt("digits", t.Digits, 6); err != nil {
		return a, err
	}
	if a.Period, err = totpAuthInt("period", t.Period, 30); err != nil {
		return a, err
	}
	base, err := totpAuthInt("base", t.Base, 16)
	if err != nil {
		return a, err
	}
	s := strings.TrimSpace(t.Key)
	if s == "" {
		return a, errors.New("the token has no secret")
	}
	var key []byte
	switch base {
	case 16:
		key, err = hex.DecodeString(s)
	case 32:
		key, err = base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(strings.ToUpper(strings.ReplaceAll(s, " ", "")), "="))
	case 64:
		key, err = base64.StdEncoding.DecodeString(s)
	default:
		return a, fmt.Errorf("secret encoding base %d is not supported (16, 32, 64)", base)
	}
	if err != nil || len(key) == 0 {
		return a, fmt.Errorf("the secret is not base %d", base)
	}
	a.Secret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key)
	return a, nil
}

// totpAuthInt reads a small number written as a JSON number or a string;
// absent or empty is def.
func totpAuthInt(field string, raw json.RawMessage, def int) (int, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" || s == `""` {
		return def, nil
	}
	if unq, err := strconv.Unquote(s); err == nil {
		s = strings.TrimSpace(unq)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1<<20 {
		return 0, fmt.Errorf("its %s is not a number", field)
	}
	return n, nil
}
