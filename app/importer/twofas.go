package importer

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/latchkey/latchkey/vault"
)

// Format2FAS is a 2FAS Authenticator backup (.2fas), plain or encrypted,
// schema versions 1 to 4, as the Android and iOS apps write it.
const Format2FAS Format = "2fas"

func init() {
	register(reader{name: Format2FAS, priority: 110, detect: is2FAS,
		read: func(ctx context.Context, _ *Importer, res *Result, data []byte, opts Options) error {
			return read2FAS(ctx, res, data, opts)
		}})
}

// Schema versions: 1 and 2 name a brand per service ("type"), with groups
// optional; 3 and 4 replace the brand with serviceTypeID and an icon
// collection and add otp.source and otp.link (whose secret 4 may hide).
// None of that moves the OTP fields, which every version keeps in "secret"
// and "otp"; the link is never read, the secret field is.
const (
	twofasMinSchema = 1
	twofasMaxSchema = 4
	// The apps derive the key with PBKDF2-HMAC-SHA256, a fixed 10,000
	// iterations and 256 bits (BackupKeyGeneratorPbkdf in 2fas-android).
	twofasIterations = 10_000
	twofasKeyLen     = 32
	twofasMaxSalt    = 4096
)

// twofasPBKDF2 derives the key; the fuzz test swaps in a cheap stand-in.
var twofasPBKDF2 = func(password string, salt []byte) ([]byte, error) {
	return pbkdf2.Key(sha256.New, password, salt, twofasIterations, twofasKeyLen)
}

// is2FAS: the schema version and services (plain or encrypted), or — for a
// backup cut short before the later keys — a first service with 2FAS's
// "secret" and "otp".
func is2FAS(data []byte) bool {
	s, ok := peekJSONShape(data)
	if !ok || s.array {
		return false
	}
	if s.keys["schemaVersion"] && (s.keys["services"] || s.keys["servicesEncrypted"]) {
		return true
	}
	return hasKeys(s.firstKeys["services"], "secret", "otp")
}

type twofasFile struct {
	SchemaVersion     *int              `json:"schemaVersion"`
	Services          []json.RawMessage `json:"services"`
	ServicesEncrypted string            `json:"servicesEncrypted"`
	Reference         string            `json:"reference"`
	Groups            []twofasGroup     `json:"groups"`
}

type twofasGroup struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type twofasService struct {
	Name    string    `json:"name"`
	Secret  string    `json:"secret"`
	OTP     twofasOTP `json:"otp"`
	GroupID *string   `json:"groupId"`
}

type twofasOTP struct {
	Label     string `json:"label"`
	Account   string `json:"account"`
	Issuer    string `json:"issuer"`
	Digits    int    `json:"digits"`
	Period    int    `json:"period"`
	Algorithm string `json:"algorithm"`
	Counter   int64  `json:"counter"`
	TokenType string `json:"tokenType"`
}

func read2FAS(ctx context.Context, res *Result, data []byte, opts Options) error {
	var f twofasFile
	if err := decodeExport("2FAS backup", data, &f); err != nil {
		return err
	}
	if err := f.checkSchema(); err != nil {
		return err
	}
	services := f.Services
	if f.ServicesEncrypted != "" {
		var err error
		if services, err = twofasDecrypt(ctx, f, opts); err != nil {
			return err
		}
	}
	for i, raw := range services {
		if res.full() {
			break // the import is refused: read no further
		}
		var s twofasService
		if problem := unmarshalExportEntry(raw, &s); problem != "" {
			skipEntry(res, i, "", "", problem)
			continue
		}
		twofasAdd(res, i, s, f.Groups)
	}
	return nil
}

// checkSchema refuses versions Latchkey does not know: a newer schema may
// move the OTP fields, and guessing would import wrong codes.
func (f twofasFile) checkSchema() error {
	if f.SchemaVersion == nil {
		return damagedFilef("2FAS backup has no schemaVersion")
	}
	if v := *f.SchemaVersion; v < twofasMinSchema || v > twofasMaxSchema {
		return fmt.Errorf("2FAS backup schema version %d is not one Latchkey reads (%d to %d)", v, twofasMinSchema, twofasMaxSchema)
	}
	return nil
}

// twofasSealed is one "base64(ciphertext+tag):base64(salt):base64(iv)".
type twofasSealed struct {
	data, salt, iv []byte
}

func parse2FASSealed(what, s string) (twofasSealed, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) != 3 {
		return twofasSealed{}, damagedFilef("2FAS %s has %d parts, not data:salt:iv", what, len(parts))
	}
	var out twofasSealed
	for i, dst := range []*[]byte{&out.data, &out.salt, &out.iv} {
		b, err := base64.StdEncoding.DecodeString(parts[i])
		if err != nil {
			return twofasSealed{}, damagedFilef("2FAS %s: part %d is not valid base64", what, i+1)
		}
		*dst = b
	}
	switch {
	case len(out.data) <= 16:
		return twofasSealed{}, damagedFilef("2FAS %s is too short to hold data and its tag", what)
	case len(out.salt) == 0 || len(out.salt) > twofasMaxSalt:
		return twofasSealed{}, damagedFilef("2FAS %s has a salt of %d bytes", what, len(out.salt))
	case len(out.iv) == 0 || len(out.iv) > 64:
		return twofasSealed{}, damagedFilef("2FAS %s has an IV of %d bytes", what, len(out.iv))
	}
	return out, nil
}

// twofasDecrypt checks the password against the encrypted reference (when
// present), then decrypts the services. Once the reference has proved the
// password, a services blob that fails to open is damage.
func twofasDecrypt(ctx context.Context, f twofasFile, opts Options) ([]json.RawMessage, error) {
	services, err := parse2FASSealed("servicesEncrypted", f.ServicesEncrypted)
	if err != nil {
		return nil, err
	}
	var reference *twofasSealed
	if f.Reference != "" {
		r, err := parse2FASSealed("reference", f.Reference)
		if err != nil {
			return nil, err
		}
		reference = &r
	}
	password, err := opts.password()
	if err != nil {
		return nil, err
	}
	keys := twofasKeys{password: password}
	verified := false
	if reference != nil {
		if _, err := keys.open(ctx, *reference); err != nil {
			return nil, err
		}
		verified = true
	}
	plain, err := keys.open(ctx, services)
	if err != nil {
		if verified && errors.Is(err, ErrWrongPassword) {
			return nil, damagedFilef("2FAS servicesEncrypted does not match its authentication tag")
		}
		return nil, err
	}
	var list []json.RawMessage
	if err := decodeExport("2FAS servicesEncrypted", plain, &list); err != nil {
		return nil, err
	}
	return list, nil
}

// twofasKeys derives a key per salt once: the apps use one salt for the
// reference and the services.
type twofasKeys struct {
	password string
	salt     []byte
	key      []byte
}

func (k *twofasKeys) open(ctx context.Context, s twofasSealed) ([]byte, error) {
	if k.key == nil || string(k.salt) != string(s.salt) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		key, err := twofasPBKDF2(k.password, s.salt)
		if err != nil {
			return nil, fmt.Errorf("2FAS key derivation: %w", err)
		}
		k.salt, k.key = s.salt, key
	}
	return openGCM(k.key, s.iv, s.data, nil)
}

// twofasAdd maps one service. The service name is what 2FAS shows, so it
// is the issuer; otp.issuer (the link's issuer) stands in when it is empty.
func twofasAdd(res *Result, i int, s twofasService, groups []twofasGroup) {
	issuer, name := twofasLabel(s)
	typ, problem := twofasType(s.OTP.TokenType)
	if problem == "" && s.OTP.Counter < 0 {
		problem = "the HOTP counter is negative"
	}
	if problem != "" {
		skipEntry(res, i, issuer, name, problem)
		return
	}
	a := vault.Account{
		Issuer: issuer, Name: name, Type: typ, Secret: s.Secret,
		Algorithm: vault.Algorithm(s.OTP.Algorithm), Digits: s.OTP.Digits,
		Period: s.OTP.Period, Counter: uint64(s.OTP.Counter),
		Group: twofasGroupName(s.GroupID, groups),
	}
	steamDefaults(&a)
	addExportEntry(res, i, a)
}

// twofasLabel picks issuer and account name; older backups may carry them
// only in otp.label ("Issuer:account").
func twofasLabel(s twofasService) (issuer, name string) {
	issuer = strings.TrimSpace(s.Name)
	if issuer == "" {
		issuer = strings.TrimSpace(s.OTP.Issuer)
	}
	name = strings.TrimSpace(s.OTP.Account)
	if name == "" && s.OTP.Label != "" {
		labelIssuer, labelName, found := strings.Cut(s.OTP.Label, ":")
		if !found {
			return issuer, strings.TrimSpace(labelIssuer)
		}
		if issuer == "" {
			issuer = strings.TrimSpace(labelIssuer)
		}
		name = strings.TrimSpace(labelName)
	}
	return issuer, name
}

func twofasType(t string) (vault.Type, string) {
	switch strings.ToUpper(strings.TrimSpace(t)) {
	case "", "TOTP":
		return vault.TOTP, ""
	case "HOTP":
		return vault.HOTP, ""
	case "STEAM":
		return vault.Steam, ""
	}
	return "", fmt.Sprintf("the token type %s is not supported (TOTP, HOTP, STEAM)", quoteShort(t))
}

func twofasGroupName(id *string, groups []twofasGroup) string {
	if id == nil || *id == "" {
		return ""
	}
	for _, g := range groups {
		if strings.EqualFold(g.ID, *id) {
			return strings.TrimSpace(g.Name)
		}
	}
	return ""
}
