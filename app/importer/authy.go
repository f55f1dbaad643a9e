package importer

import (
	"context"
	"crypto/sha1"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/latchkey/latchkey/vault"
)

// Authy for Android keeps its tokens in shared preferences (under
// /data/data/com.authy.authy/shared_prefs/):
//
//   - com.authy.storage.tokens.authenticator.xml: a <string> named
//     "com.authy.storage.tokens.authenticator.key" holding a JSON list of
//     the third-party tokens, {"accountType","digits","name",
//     "originalName","originalIssuer",...} with either "decryptedSecret"
//     (base32, older releases) or "encryptedSecret" and "salt": the base32
//     text under AES-256-CBC with a zero IV and PKCS#7 padding, keyed by
//     PBKDF2-HMAC-SHA1(backup password, salt as UTF-8 text, 1,000
//     iterations, 256 bits), one salt per token.
//   - com.authy.storage.tokens.authy.xml: the same list under
//     "com.authy.storage.tokens.authy.key", of Authy's own tokens (Twilio,
//     Authy-protected sites): a hex "secretSeed", codes of 7 digits every
//     10 seconds, named by "name" alone.
//
// Every token is TOTP with HMAC-SHA1. The password asked for is the
// backups password set in Authy; the iteration count is a constant of the
// format, not read from the file.
const FormatAuthy Format = "authy"

const (
	authyTokensKey   = "com.authy.storage.tokens.authenticator.key"
	authyOwnKey      = "com.authy.storage.tokens.authy.key"
	authyIterations  = 1000
	authyKeyLen      = 32
	authyOwnPeriod   = 10
	authyDefaultSize = 6
)

func init() {
	register(reader{name: FormatAuthy, priority: 246, detect: isAuthy,
		read: func(ctx context.Context, _ *Importer, res *Result, data []byte, opts Options) error {
			return readAuthy(ctx, res, data, opts)
		}})
}

func isAuthy(data []byte) bool {
	return isAndroidPrefs(data) && (prefsHasString(data, authyTokensKey) || prefsHasString(data, authyOwnKey))
}

type authyToken struct {
	AccountType     string `json:"accountType"`
	Digits          int    `json:"digits"`
	Name            string `json:"name"`
	OriginalName    string `json:"originalName"`
	OriginalIssuer  string `json:"originalIssuer"`
	DecryptedSecret string `json:"decryptedSecret"`
	EncryptedSecret string `json:"encryptedSecret"`
	Salt            string `json:"salt"`
	SecretSeed      string `json:"secretSeed"`
}

func readAuthy(ctx context.Context, res *Result, data []byte, opts Options) error {
	const what = "Authy token store"
	prefs, err := readAndroidPrefs(what, data)
	if err != nil {
		return err
	}
	var raws []json.RawMessage
	found := false
	for _, key := range []string{authyTokensKey, authyOwnKey} {
		v, ok := prefsValue(prefs, key)
		if !ok {
			continue
		}
		found = true
		var list []json.RawMessage
		if err := decodeExport(what+" "+key, []byte(v), &list); err != nil {
			return err
		}
		raws = append(raws, list...)
	}
	if !found {
		return damagedFilef("%s has no %s string", what, authyTokensKey)
	}
	if !res.expect(len(raws)) {
		return nil
	}
	tokens := make([]authyToken, len(raws))
	problems := make([]string, len(raws))
	encrypted := 0
	for i, raw := range raws {
		problems[i] = unmarshalExportEntry(raw, &tokens[i])
		if problems[i] == "" && tokens[i].encrypted() {
			encrypted++
		}
	}
	var password string
	if encrypted > 0 {
		if password, err = opts.password(); err != nil {
			return err
		}
	}
	// Every secret is opened before any is kept: CBC has no integrity
	// check, so a password is wrong when it opens none of them (a secret
	// that does not come out as base32 text), and a token it alone does not
	// open is damaged.
	accounts := make([]vault.Account, len(tokens))
	errs := make([]error, len(tokens))
	opened := 0
	for i, t := range tokens {
		if problems[i] != "" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		accounts[i], errs[i] = t.account(password)
		if errs[i] == nil && t.encrypted() {
			opened++
		}
	}
	if encrypted > 0 && opened == 0 {
		return fmt.Errorf("%w (or the file is damaged: Authy's encryption cannot tell which)", ErrWrongPassword)
	}
	for i := range tokens {
		if res.full() {
			break
		}
		a, err := accounts[i], errs[i]
		switch {
		case problems[i] != "":
			skipEntry(res, i, "", "", problems[i])
		case errors.Is(err, ErrWrongPassword):
			skipEntry(res, i, a.Issuer, a.Name, "its secret does not decrypt with the password that opened the others (damaged?)")
		case err != nil:
			skipEntry(res, i, a.Issuer, a.Name, err.Error())
		default:
			addExportEntry(res, i, a)
		}
	}
	return nil
}

// encrypted reports whether the token's secret needs the password.
func (t authyToken) encrypted() bool {
	return t.SecretSeed == "" && t.DecryptedSecret == "" && t.EncryptedSecret != ""
}

// account is the token as a vault account; password opens an encrypted
// secret.
func (t authyToken) account(password string) (vault.Account, error) {
	a := vault.Account{Type: vault.TOTP, Algorithm: vault.SHA1, Digits: t.Digits, Period: 30}
	if a.Digits == 0 {
		a.Digits = authyDefaultSize
	}
	if t.SecretSeed != "" {
		// Authy's own tokens: the name is the service.
		a.Issuer, a.Period = t.Name, authyOwnPeriod
		key, err := hex.DecodeString(strings.TrimSpace(t.SecretSeed))
		if err != nil || len(key) == 0 {
			return a, errors.New("its secretSeed is not hex")
		}
		a.Secret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key)
		return a, nil
	}
	a.Issuer, a.Name = t.label()
	switch {
	case t.DecryptedSecret != "":
		a.Secret = t.DecryptedSecret
	case t.EncryptedSecret != "":
		secret, err := authyDecrypt(password, t.Salt, t.EncryptedSecret)
		if err != nil {
			return a, err
		}
		a.Secret = secret
	default:
		return a, errors.New("the token has no secret")
	}
	return a, nil
}

// label splits Authy's names into issuer and account name: the issuer is
// originalIssuer when the token came with one, else the part of
// originalName before its colon, else the part of name before " - ", else
// the account type ("authenticator" becomes "Authenticator"); the name is
// the display name without that issuer prefix.
func (t authyToken) label() (issuer, name string) {
	name, sep := t.Name, ""
	switch {
	case t.OriginalIssuer != "":
		issuer = t.OriginalIssuer
	case strings.Contains(t.OriginalName, ":"):
		issuer, _, _ = strings.Cut(t.OriginalName, ":")
		sep = ":"
	case strings.Contains(t.Name, " - "):
		issuer, _, _ = strings.Cut(t.Name, " - ")
		sep = " - "
	default:
		issuer = authyCapitalize(t.AccountType)
	}
	if issuer != "" {
		name = strings.Replace(name, issuer+sep, "", 1)
	}
	name = strings.TrimPrefix(name, ": ")
	return issuer, strings.TrimSpace(name)
}

func authyCapitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// authyDecrypt opens one encrypted secret; ErrWrongPassword when it does
// not come out as base32 text.
func authyDecrypt(password, salt, encrypted string) (string, error) {
	ct, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encrypted))
	if err != nil || len(ct) == 0 || len(ct)%16 != 0 {
		return "", errors.New("its encryptedSecret is not whole AES blocks in base64")
	}
	if salt == "" {
		return "", errors.New("its encrypted secret has no salt")
	}
	key, err := pbkdf2KeyChecked(sha1.New, password, []byte(salt), authyIterations, authyKeyLen)
	if err != nil {
		return "", err
	}
	plain, ok := decryptCBC(key, make([]byte, 16), ct)
	if !ok || !authyIsBase32(plain) {
		return "", ErrWrongPassword
	}
	return string(plain), nil
}

// authyIsBase32 reports whether b is a base32 secret as apps write it:
// letters, digits 2–7, spaces and padding.
func authyIsBase32(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '2' && c <= '7', c == '=', c == ' ':
		default:
			return false
		}
	}
	return true
}
