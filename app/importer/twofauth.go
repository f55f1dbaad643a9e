package importer

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/latchkey/latchkey/vault"
)

// Format2FAuth is the export of 2FAuth (the self-hosted web app, Bubka/
// 2FAuth: Accounts > select > Export, as JSON): {"app": "2fauth_v…",
// "schema": 1, "datetime", "data": [...]}. Each item of data is an
// account {"otp_type": "totp", "hotp" or "steamtotp", "service" (the
// issuer), "account", "secret" (base32), "digits", "algorithm" (lower
// case), "period", "counter", "legacy_uri", "icon", "icon_mime",
// "icon_file" (the icon image, base64)}; the export "as otpauth URIs"
// writes the same object with data a list of otpauth links. Groups are not
// exported.
const Format2FAuth Format = "2fauth"

func init() {
	register(reader{name: Format2FAuth, priority: 268, detect: is2FAuth,
		read: func(_ context.Context, im *Importer, res *Result, data []byte, _ Options) error {
			return read2FAuth(im, res, data)
		}})
}

// is2FAuth: an object whose "app" names 2FAuth; or, whatever the app
// says, data whose first item has 2FAuth's keys.
func is2FAuth(data []byte) bool {
	s, ok := peekJSONShape(data)
	if !ok || s.array || !s.keys["app"] {
		return false
	}
	if first := s.firstKeys["data"]; first["otp_type"] && first["secret"] {
		return true
	}
	return strings.HasPrefix(strings.ToLower(twofauthApp(data)), "2fauth")
}

// twofauthApp is the top-level "app" string, read as far as the start of
// the document is well formed (a truncated export is still recognised).
func twofauthApp(data []byte) string {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	dec := json.NewDecoder(bytes.NewReader(data[:min(len(data), peekLimit)]))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return ""
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return ""
		}
		if key == "app" {
			tok, _ := dec.Token()
			app, _ := tok.(string)
			return app
		}
		if peekValue(dec, "", nil) != nil {
			return ""
		}
	}
	return ""
}

type twofauthAccount struct {
	OTPType   string  `json:"otp_type"`
	Service   *string `json:"service"`
	Account   string  `json:"account"`
	Secret    string  `json:"secret"`
	Digits    *int    `json:"digits"`
	Algorithm *string `json:"algorithm"`
	Period    *int    `json:"period"`
	Counter   *int64  `json:"counter"`
	IconFile  *string `json:"icon_file"`
}

func read2FAuth(im *Importer, res *Result, data []byte) error {
	var file struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := decodeExport("2FAuth export", data, &file); err != nil {
		return err
	}
	for i, raw := range file.Data {
		if res.full() {
			break
		}
		var link string
		if json.Unmarshal(raw, &link) == nil { // the otpauth form
			im.addLink(res, entrySource(res, i), strings.TrimSpace(link))
			continue
		}
		var e twofauthAccount
		if problem := unmarshalExportEntry(raw, &e); problem != "" {
			skipEntry(res, i, "", "", problem)
			continue
		}
		a, problem := e.account()
		if problem != "" {
			skipEntry(res, i, a.Issuer, a.Name, problem)
			continue
		}
		addExportEntry(res, i, a)
	}
	return nil
}

func (e twofauthAccount) account() (vault.Account, string) {
	a := vault.Account{Name: strings.TrimSpace(e.Account), Secret: e.Secret}
	if e.Service != nil {
		a.Issuer = strings.TrimSpace(*e.Service)
	}
	if e.Digits != nil {
		a.Digits = *e.Digits
	}
	if e.Algorithm != nil {
		a.Algorithm = vault.Algorithm(strings.ToUpper(strings.TrimSpace(*e.Algorithm)))
	}
	if e.Period != nil {
		a.Period = *e.Period
	}
	switch strings.ToLower(strings.TrimSpace(e.OTPType)) {
	case "totp":
		a.Type = vault.TOTP
	case "steamtotp":
		a.Type = vault.Steam
		steamDefaults(&a)
	case "hotp":
		a.Type = vault.HOTP
		if e.Counter == nil || *e.Counter < 0 {
			return a, "the HOTP account has no counter of 0 or more"
		}
		a.Counter = uint64(*e.Counter)
	default:
		return a, fmt.Sprintf("the otp_type %s is not supported (totp, hotp, steamtotp)", quoteShort(e.OTPType))
	}
	if e.IconFile != nil && len(*e.IconFile) <= MaxIconBytes*4/3+4 {
		if img, err := base64.StdEncoding.DecodeString(strings.TrimSpace(*e.IconFile)); err == nil {
			a.Icon = iconDataURI(img)
		}
	}
	return a, ""
}
