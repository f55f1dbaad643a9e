package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/vault"
)

// Raivo OTP (iOS) exports under Settings > Export OTPs to ZIP archive: a
// ZIP encrypted with a password the app asks for, holding
// raivo-otp-export.json and an HTML copy of it. The JSON is a list of
// {"kind": "TOTP" or "HOTP", "issuer", "account", "secret" (base32),
// "algorithm", "digits", "timer", "counter", "iconType", "iconValue"},
// every value written as a string. Latchkey reads the archive
// (raivozip.go) and the JSON taken out of it.
const (
	FormatRaivo    Format = "raivo"
	FormatRaivoZip Format = "raivo-zip"
)

// raivoJSONName is the export's name inside the archive.
const raivoJSONName = "raivo-otp-export.json"

func init() {
	register(reader{name: FormatRaivo, priority: 266, detect: isRaivo,
		read: func(_ context.Context, _ *Importer, res *Result, data []byte, _ Options) error {
			return readRaivo(res, data)
		}})
	register(reader{name: FormatRaivoZip, priority: 267, detect: isRaivoZip,
		read: readRaivoZip})
}

// isRaivo: a list whose first item has Raivo's keys.
func isRaivo(data []byte) bool {
	s, ok := peekJSONShape(data)
	return ok && s.array && hasKeys(s.keys, "kind", "secret") && (s.keys["timer"] || s.keys["account"])
}

// isRaivoZip: a ZIP archive whose entries (named in clear even when the
// archive is encrypted) include the export.
func isRaivoZip(data []byte) bool {
	head := data[:min(len(data), peekLimit)]
	return bytes.HasPrefix(head, []byte("PK\x03\x04")) && bytes.Contains(head, []byte(raivoJSONName))
}

// raivoText is a value Raivo writes as a string; a number reads too.
type raivoText string

func (t *raivoText) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = raivoText(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*t = raivoText(n.String())
	return nil
}

type raivoEntry struct {
	Kind      raivoText `json:"kind"`
	Issuer    raivoText `json:"issuer"`
	Account   raivoText `json:"account"`
	Secret    raivoText `json:"secret"`
	Algorithm raivoText `json:"algorithm"`
	Digits    raivoText `json:"digits"`
	Timer     raivoText `json:"timer"`
	Counter   raivoText `json:"counter"`
}

func readRaivo(res *Result, data []byte) error {
	var entries []json.RawMessage
	if err := decodeExport("Raivo OTP export", data, &entries); err != nil {
		return err
	}
	for i, raw := range entries {
		if res.full() {
			break
		}
		var e raivoEntry
		if problem := unmarshalExportEntry(raw, &e); problem != "" {
			skipEntry(res, i, "", "", problem)
			continue
		}
		a, problem := e.account()
		if problem != "" {
			skipEntry(res, i, string(e.Issuer), string(e.Account), problem)
			continue
		}
		addExportEntry(res, i, a)
	}
	return nil
}

func (e raivoEntry) account() (vault.Account, string) {
	a := vault.Account{
		Issuer: strings.TrimSpace(string(e.Issuer)), Name: strings.TrimSpace(string(e.Account)),
		Secret:    string(e.Secret),
		Algorithm: vault.Algorithm(strings.ToUpper(strings.TrimSpace(string(e.Algorithm)))),
	}
	var ok bool
	if a.Digits, ok = raivoNumber(e.Digits); !ok {
		return a, "the entry's digits are not a number"
	}
	switch strings.ToUpper(strings.TrimSpace(string(e.Kind))) {
	case "", "TOTP":
		a.Type = vault.TOTP
		if a.Period, ok = raivoNumber(e.Timer); !ok {
			return a, "the entry's timer is not a number"
		}
	case "HOTP":
		a.Type = vault.HOTP
		c, err := strconv.ParseUint(strings.TrimSpace(string(e.Counter)), 10, 64)
		if err != nil {
			return a, "the HOTP entry's counter is not a number of 0 or more"
		}
		a.Counter = c
	default:
		return a, fmt.Sprintf("the entry kind %s is not supported (TOTP, HOTP)", quoteShort(string(e.Kind)))
	}
	return a, ""
}

// raivoNumber reads a small count Raivo writes as text; empty is 0, the
// default.
func raivoNumber(t raivoText) (int, bool) {
	s := strings.TrimSpace(string(t))
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n <= 1<<20
}
