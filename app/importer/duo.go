package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/latchkey/latchkey/vault"
)

// Duo Mobile keeps its accounts in files/duokit/accounts.json inside the
// app's private storage (readable on a rooted Android phone or from an
// unencrypted device backup): a JSON array of accounts, each with a name
// and, for passcode accounts, an otpGenerator holding a base32 otpSecret
// and, for HOTP, a counter. Duo Mobile has no export of its own; its "Duo
// Restore" backup is encrypted and kept in the user's Google Drive or
// iCloud, where only Duo Mobile can restore it.
const FormatDuo Format = "duo"

func init() {
	register(reader{name: FormatDuo, priority: 250, detect: isDuo,
		read: func(_ context.Context, _ *Importer, res *Result, data []byte, _ Options) error {
			return readDuo(res, data)
		}})
}

func isDuo(data []byte) bool {
	shape, ok := peekJSONShape(data)
	return ok && shape.array && shape.keys["otpGenerator"]
}

type duoAccount struct {
	Name         string `json:"name"`
	OTPGenerator *struct {
		OTPSecret string `json:"otpSecret"`
		Counter   *int64 `json:"counter"`
	} `json:"otpGenerator"`
}

func readDuo(res *Result, data []byte) error {
	var list []json.RawMessage
	if err := decodeExport("Duo Mobile accounts file", data, &list); err != nil {
		return err
	}
	for i, raw := range list {
		if res.full() {
			break // the import is refused: read no further
		}
		var d duoAccount
		if problem := unmarshalExportEntry(raw, &d); problem != "" {
			skipEntry(res, i, "", "", problem)
			continue
		}
		a, err := d.account()
		if err != nil {
			skipEntry(res, i, "", d.Name, err.Error())
			continue
		}
		res.add(entrySource(res, i), a)
	}
	return nil
}

// account names the account after Duo's single name field, split like an
// otpauth label when it reads "Issuer:account".
func (d duoAccount) account() (vault.Account, error) {
	var a vault.Account
	if d.OTPGenerator == nil {
		return a, fmt.Errorf("the account has no passcode key (Duo Push only)")
	}
	if issuer, name, ok := strings.Cut(d.Name, ":"); ok && strings.TrimSpace(issuer) != "" {
		a.Issuer, a.Name = issuer, name
	} else {
		a.Name = d.Name
	}
	a.Type, a.Secret = vault.TOTP, d.OTPGenerator.OTPSecret
	if c := d.OTPGenerator.Counter; c != nil {
		if *c < 0 {
			return a, fmt.Errorf("HOTP counter %d is negative", *c)
		}
		a.Type, a.Counter = vault.HOTP, uint64(*c)
	}
	return a, nil
}
