package importer

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/latchkey/latchkey/vault"
)

// FormatLastPass is LastPass Authenticator's export (Settings > Transfer
// accounts > Export accounts to file, version 3): a JSON object with the
// phone's pairing (deviceId, deviceSecret, localDeviceId, deviceName), a
// list of accounts and a list of folders. Each account is TOTP:
// issuerName and userName as the user edited them (originalIssuerName and
// originalUserName as scanned), secret (base32), algorithm, digits,
// timeStep, isFavorite and folderData {folderId, position}; each folder is
// {id, name, isOpened}. The deviceSecret pairs the phone with LastPass and
// is not read.
const FormatLastPass Format = "lastpass"

func init() {
	register(reader{name: FormatLastPass, priority: 265, detect: isLastPass,
		read: func(_ context.Context, _ *Importer, res *Result, data []byte, _ Options) error {
			return readLastPass(res, data)
		}})
}

// isLastPass: "accounts" beside the phone's pairing, or a list whose first
// item has LastPass's keys.
func isLastPass(data []byte) bool {
	s, ok := peekJSONShape(data)
	if !ok || s.array || !s.keys["accounts"] {
		return false
	}
	if hasKeys(s.keys, "deviceId", "localDeviceId") {
		return true
	}
	first := s.firstKeys["accounts"]
	return first["secret"] && first["timeStep"] && (first["issuerName"] || first["originalIssuerName"])
}

type lastpassAccount struct {
	IssuerName         string `json:"issuerName"`
	OriginalIssuerName string `json:"originalIssuerName"`
	UserName           string `json:"userName"`
	OriginalUserName   string `json:"originalUserName"`
	Secret             string `json:"secret"`
	Algorithm          string `json:"algorithm"`
	Digits             int    `json:"digits"`
	TimeStep           int    `json:"timeStep"`
	IsFavorite         bool   `json:"isFavorite"`
	FolderData         *struct {
		FolderID json.Number `json:"folderId"`
	} `json:"folderData"`
}

type lastpassFolder struct {
	ID   json.Number `json:"id"`
	Name string      `json:"name"`
}

func readLastPass(res *Result, data []byte) error {
	const what = "LastPass Authenticator export"
	var file struct {
		Accounts []json.RawMessage `json:"accounts"`
		Folders  []json.RawMessage `json:"folders"`
	}
	if err := decodeExport(what, data, &file); err != nil {
		return err
	}
	folders := map[string]string{}
	for _, raw := range file.Folders {
		var f lastpassFolder
		if json.Unmarshal(raw, &f) == nil && f.ID != "" {
			folders[f.ID.String()] = strings.TrimSpace(f.Name)
		}
	}
	for i, raw := range file.Accounts {
		if res.full() {
			break
		}
		var e lastpassAccount
		if problem := unmarshalExportEntry(raw, &e); problem != "" {
			skipEntry(res, i, "", "", problem)
			continue
		}
		a := vault.Account{
			Type:   vault.TOTP,
			Issuer: lastpassFirst(e.IssuerName, e.OriginalIssuerName),
			Name:   lastpassFirst(e.UserName, e.OriginalUserName),
			Secret: e.Secret, Algorithm: vault.Algorithm(strings.ToUpper(strings.TrimSpace(e.Algorithm))),
			Digits: e.Digits, Period: e.TimeStep, Favourite: e.IsFavorite,
		}
		if e.FolderData != nil {
			// A folder the export does not list leaves the account
			// ungrouped: the secret matters more than the folder.
			a.Group = folders[e.FolderData.FolderID.String()]
		}
		addExportEntry(res, i, a)
	}
	return nil
}

// lastpassFirst is the first of texts with more than white space, trimmed.
func lastpassFirst(texts ...string) string {
	for _, t := range texts {
		if t = strings.TrimSpace(t); t != "" {
			return t
		}
	}
	return ""
}
