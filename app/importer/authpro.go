package importer

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/latchkey/latchkey/vault"
)

// Authenticator Pro (now Stratum) backups: plain JSON, or that JSON
// encrypted behind a 16-byte header. Two encryptions exist, told apart by
// the case of the header:
//
//	"AUTHENTICATORPRO" salt(16) nonce(12) AES-256-GCM(ciphertext‖tag16)
//	                   key = Argon2id(password, salt, t=3, m=64 MiB, p=4)
//	"AuthenticatorPro" salt(20) iv(16) AES-256-CBC-PKCS7(ciphertext)
//	                   key = PBKDF2-HMAC-SHA1(password, salt, 64000)
//
// The parameters are constants of the app, not stored in the file.
const (
	FormatAuthPro          Format = "authpro"
	FormatAuthProEncrypted Format = "authpro-encrypted"
)

const (
	authProStrongHeader = "AUTHENTICATORPRO"
	authProLegacyHeader = "AuthenticatorPro"
	authProStrongSalt   = 16
	authProStrongNonce  = 12
	authProGCMTag       = 16
	authProLegacySalt   = 20
	authProLegacyIV     = 16
	authProLegacyRounds = 64000
	authProKeyLen       = 32
)

// authProArgon2 is the app's fixed Argon2id cost.
var authProArgon2 = argon2Cost{time: 3, memoryKiB: 64 << 10, threads: 4}

func init() {
	register(reader{name: FormatAuthProEncrypted, priority: 100, detect: isAuthProEncrypted, read: readAuthProEncrypted})
	register(reader{name: FormatAuthPro, priority: 200, detect: isAuthPro,
		read: func(_ context.Context, _ *Importer, res *Result, data []byte, _ Options) error {
			return readAuthProJSON(res, data)
		}})
}

func isAuthPro(data []byte) bool {
	shape, ok := peekJSONShape(data)
	return ok && !shape.array && shape.keys["Authenticators"]
}

func isAuthProEncrypted(data []byte) bool {
	return bytes.HasPrefix(data, []byte(authProStrongHeader)) || bytes.HasPrefix(data, []byte(authProLegacyHeader))
}

// Authenticator types and hash algorithms, as the app numbers them.
const (
	authProHOTP   = 1
	authProTOTP   = 2
	authProMOTP   = 3
	authProSteam  = 4
	authProYandex = 5
)

var authProAlgorithms = map[int]vault.Algorithm{0: vault.SHA1, 1: vault.SHA256, 2: vault.SHA512}

type authProBackup struct {
	Authenticators          []json.RawMessage `json:"Authenticators"`
	Categories              []authProCategory `json:"Categories"`
	AuthenticatorCategories []authProBinding  `json:"AuthenticatorCategories"`
	CustomIcons             []authProIcon     `json:"CustomIcons"`
}

type authProAuthenticator struct {
	Type      int     `json:"Type"`
	Icon      *string `json:"Icon"`
	Issuer    *string `json:"Issuer"`
	Username  *string `json:"Username"`
	Secret    *string `json:"Secret"`
	Algorithm int     `json:"Algorithm"`
	Digits    int     `json:"Digits"`
	Period    int     `json:"Period"`
	Counter   int64   `json:"Counter"`
}

type authProCategory struct {
	ID   string `json:"Id"`
	Name string `json:"Name"`
}

// authProBinding puts an authenticator, known by its secret, in a category.
type authProBinding struct {
	CategoryID          string `json:"CategoryId"`
	AuthenticatorSecret string `json:"AuthenticatorSecret"`
}

type authProIcon struct {
	ID   string `json:"Id"`
	Data string `json:"Data"`
}

func readAuthProJSON(res *Result, data []byte) error {
	var b authProBackup
	if err := decodeExport("Authenticator Pro backup", data, &b); err != nil {
		return err
	}
	if b.Authenticators == nil {
		return damagedFilef("the Authenticator Pro backup has no Authenticators list")
	}
	groups := b.groups()
	icons := b.icons()
	for i, raw := range b.Authenticators {
		if res.full() {
			break // the import is refused: read no further
		}
		var e authProAuthenticator
		if problem := unmarshalExportEntry(raw, &e); problem != "" {
			skipEntry(res, i, "", "", problem)
			continue
		}
		a, err := e.account()
		if err != nil {
			skipEntry(res, i, a.Issuer, a.Name, err.Error())
			continue
		}
		a.Group = groups[deref(e.Secret)]
		a.Icon = resolveAuthProIcon(deref(e.Icon), icons)
		res.add(entrySource(res, i), a)
	}
	return nil
}

// groups maps an authenticator's secret (the app's key for it) to the names
// of its categories, joined: the vault keeps one group per account.
func (b *authProBackup) groups() map[string]string {
	names := map[string]string{}
	for _, c := range b.Categories {
		names[c.ID] = c.Name
	}
	member := map[string][]string{}
	for _, bind := range b.AuthenticatorCategories {
		if name, ok := names[bind.CategoryID]; ok {
			member[bind.AuthenticatorSecret] = append(member[bind.AuthenticatorSecret], name)
		}
	}
	out := make(map[string]string, len(member))
	for secret, list := range member {
		out[secret] = joinGroupNames(list)
	}
	return out
}

// icons decodes the custom icons, keyed by id; unusable ones are left out.
func (b *authProBackup) icons() map[string]string {
	out := map[string]string{}
	for _, ic := range b.CustomIcons {
		img, err := base64.StdEncoding.DecodeString(ic.Data)
		if err != nil {
			continue
		}
		if uri := iconDataURI(img); uri != "" {
			out[ic.ID] = uri
		}
	}
	return out
}

// resolveAuthProIcon resolves an icon reference: "@id" names a custom icon, other
// values name an icon of the app's built-in set.
func resolveAuthProIcon(ref string, custom map[string]string) string {
	if id, ok := strings.CutPrefix(ref, "@"); ok {
		return custom[id]
	}
	return strings.TrimSpace(ref)
}

func (e authProAuthenticator) account() (vault.Account, error) {
	a := vault.Account{Issuer: deref(e.Issuer), Name: deref(e.Username), Secret: deref(e.Secret)}
	switch e.Type {
	case authProTOTP:
		a.Type, a.Period = vault.TOTP, e.Period
	case authProHOTP:
		if e.Counter < 0 {
			return a, fmt.Errorf("HOTP counter %d is negative", e.Counter)
		}
		a.Type, a.Counter = vault.HOTP, uint64(e.Counter)
	case authProSteam:
		// The app fixes Steam at 5 characters whatever Digits says.
		a.Type, a.Period = vault.Steam, e.Period
		return a, nil
	case authProMOTP:
		return a, fmt.Errorf("mOTP (Mobile-OTP) accounts are not supported")
	case authProYandex:
		return a, fmt.Errorf("accounts of type Yandex are not supported")
	default:
		return a, fmt.Errorf("authenticator type %d is unknown", e.Type)
	}
	alg, ok := authProAlgorithms[e.Algorithm]
	if !ok {
		return a, fmt.Errorf("algorithm number %d is unknown", e.Algorithm)
	}
	a.Algorithm, a.Digits = alg, e.Digits
	return a, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func readAuthProEncrypted(ctx context.Context, _ *Importer, res *Result, data []byte, opts Options) error {
	var plain []byte
	var err error
	if bytes.HasPrefix(data, []byte(authProStrongHeader)) {
		plain, err = openAuthProStrong(ctx, data, opts)
	} else {
		plain, err = openAuthProLegacy(ctx, data, opts)
	}
	if err != nil {
		return err
	}
	return readAuthProJSON(res, plain)
}

// openAuthProStrong decrypts the Argon2id + AES-GCM layout.
func openAuthProStrong(ctx context.Context, data []byte, opts Options) ([]byte, error) {
	body := data[len(authProStrongHeader):]
	if len(body) < authProStrongSalt+authProStrongNonce+authProGCMTag {
		return nil, damagedFilef("the encrypted Authenticator Pro backup is cut short (%d bytes)", len(data))
	}
	salt := body[:authProStrongSalt]
	nonce := body[authProStrongSalt : authProStrongSalt+authProStrongNonce]
	sealed := body[authProStrongSalt+authProStrongNonce:]
	password, err := opts.password()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	key, err := argon2idKeyChecked(password, salt, authProArgon2, authProKeyLen)
	if err != nil {
		return nil, err
	}
	// GCM cannot tell a wrong key from a changed byte; a wrong password is
	// by far the likelier.
	return openGCM(key, nonce, sealed, nil)
}

// openAuthProLegacy decrypts the PBKDF2 + AES-CBC layout of older releases.
func openAuthProLegacy(ctx context.Context, data []byte, opts Options) ([]byte, error) {
	body := data[len(authProLegacyHeader):]
	ct := body[min(len(body), authProLegacySalt+authProLegacyIV):]
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, damagedFilef("the encrypted Authenticator Pro backup is cut short or padded wrongly (%d bytes)", len(data))
	}
	salt, iv := body[:authProLegacySalt], body[authProLegacySalt:authProLegacySalt+authProLegacyIV]
	password, err := opts.password()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	key, err := pbkdf2KeyChecked(sha1.New, password, salt, authProLegacyRounds, authProKeyLen)
	if err != nil {
		return nil, err
	}
	plain, ok := decryptCBC(key, iv, ct)
	// CBC has no integrity check: bad padding, or a result that is not a
	// JSON object, is the sign of a wrong key.
	if !ok || jsonStart(plain) != '{' {
		return nil, fmt.Errorf("%w (or the file is damaged: this older Authenticator Pro format cannot tell which)", ErrWrongPassword)
	}
	return plain, nil
}

// decryptCBC decrypts AES-CBC and strips PKCS#7 padding; ok is false when
// the ciphertext is not whole blocks or the padding is invalid.
func decryptCBC(key, iv, ct []byte) (plain []byte, ok bool) {
	block, err := aes.NewCipher(key)
	if err != nil || len(iv) != aes.BlockSize || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, false
	}
	plain = make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, ct)
	n := int(plain[len(plain)-1])
	if n == 0 || n > aes.BlockSize {
		return nil, false
	}
	for _, c := range plain[len(plain)-n:] {
		if int(c) != n {
			return nil, false
		}
	}
	return plain[:len(plain)-n], true
}

// MaxIconBytes bounds an embedded icon kept as a data: URI; larger images
// are dropped rather than bloating the vault.
const MaxIconBytes = 256 << 10

// iconDataURI turns raw image bytes into a data: URI, or "" when they are
// not a PNG, JPEG, GIF or WebP image of acceptable size.
func iconDataURI(img []byte) string {
	if len(img) == 0 || len(img) > MaxIconBytes {
		return ""
	}
	switch typ := http.DetectContentType(img); typ {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return "data:" + typ + ";base64," + base64.StdEncoding.EncodeToString(img)
	}
	return ""
}

// jsonStart returns the first byte of data that is not white space, or 0.
func jsonStart(data []byte) byte {
	for _, c := range data {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}
