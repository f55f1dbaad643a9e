package importer

import (
	"context"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/latchkey/latchkey/vault"
)

// FreeOTP+ JSON export (Gson of the app's legacy Token class):
//
//	{"tokens":[{"issuerInt","issuerExt","issuerAlt","label","labelAlt",
//	  "type":"TOTP"|"HOTP","algo","secret":[signed bytes],"digits",
//	  "counter","period"}],"tokenOrder":["issuer:label",...]}
//
// Gson leaves null members out. The user's edits live in issuerAlt and
// labelAlt. FreeOTP's counter is that of the last code shown: its own
// otpauth export writes counter+1, the next code, which is what the vault
// keeps. FreeOTP makes Steam codes for any token whose issuerExt is "Steam".
const FormatFreeOTP Format = "freeotp"

func init() {
	register(reader{name: FormatFreeOTP, priority: 240, detect: isFreeOTP,
		read: func(_ context.Context, _ *Importer, res *Result, data []byte, _ Options) error {
			return readFreeOTP(res, data)
		}})
}

func isFreeOTP(data []byte) bool {
	shape, ok := peekJSONShape(data)
	if !ok || shape.array || !shape.keys["tokens"] {
		return false
	}
	first := shape.firstKeys["tokens"]
	return shape.keys["tokenOrder"] || first["secret"] && (first["issuerExt"] || first["algo"])
}

type freeOTPExport struct {
	Tokens []json.RawMessage `json:"tokens"`
}

type freeOTPToken struct {
	IssuerInt string  `json:"issuerInt"`
	IssuerExt string  `json:"issuerExt"`
	IssuerAlt string  `json:"issuerAlt"`
	Label     string  `json:"label"`
	LabelAlt  string  `json:"labelAlt"`
	Type      string  `json:"type"`
	Algo      string  `json:"algo"`
	Secret    []int64 `json:"secret"`
	Digits    int     `json:"digits"`
	Counter   int64   `json:"counter"`
	Period    int     `json:"period"`
	Category  string  `json:"category"`
}

func readFreeOTP(res *Result, data []byte) error {
	var exp freeOTPExport
	if err := decodeExport("FreeOTP+ export", data, &exp); err != nil {
		return err
	}
	if exp.Tokens == nil {
		return damagedFilef("the FreeOTP+ export has no tokens list")
	}
	for i, raw := range exp.Tokens {
		if res.full() {
			break // the import is refused: read no further
		}
		var t freeOTPToken
		if problem := unmarshalExportEntry(raw, &t); problem != "" {
			skipEntry(res, i, "", "", problem)
			continue
		}
		a, err := t.account()
		if err != nil {
			skipEntry(res, i, a.Issuer, a.Name, err.Error())
			continue
		}
		res.add(entrySource(res, i), a)
	}
	return nil
}

func (t freeOTPToken) account() (vault.Account, error) {
	a := vault.Account{
		Issuer:    firstNonEmpty(t.IssuerAlt, t.IssuerExt, t.IssuerInt),
		Name:      firstNonEmpty(t.LabelAlt, t.Label),
		Algorithm: vault.Algorithm(t.Algo), Digits: t.Digits, Period: t.Period,
		Group: t.Category,
	}
	secret, err := signedBytesBase32(t.Secret)
	if err != nil {
		return a, err
	}
	a.Secret = secret
	switch strings.ToUpper(t.Type) {
	case "TOTP":
		a.Type = vault.TOTP
		if t.IssuerExt == "Steam" {
			a.Type = vault.Steam
			steamDefaults(&a)
		}
	case "HOTP":
		if t.Counter < -1 || t.Counter == math.MaxInt64 {
			return a, fmt.Errorf("HOTP counter %d is out of range", t.Counter)
		}
		a.Type, a.Counter = vault.HOTP, uint64(t.Counter+1)
	default:
		return a, fmt.Errorf("token type %s is not supported (TOTP, HOTP)", quoteType(t.Type))
	}
	return a, nil
}

// signedBytesBase32 turns Java's signed bytes into a base32 secret. Values
// 128–255 are accepted too, as written by tools that convert unsigned.
func signedBytesBase32(list []int64) (string, error) {
	if len(list) == 0 {
		return "", fmt.Errorf("the token has no secret")
	}
	key := make([]byte, len(list))
	for i, v := range list {
		if v < math.MinInt8 || v > math.MaxUint8 {
			return "", fmt.Errorf("secret byte %d is out of range", i+1)
		}
		key[i] = byte(v)
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key), nil
}

func firstNonEmpty(list ...string) string {
	for _, s := range list {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
