package importer

import (
	"bytes"
	"context"
	"encoding/json"
)

// FormatSteamAccounts is the account file of Steam's own mobile app in its
// current form (Aegis reads it from the app's files folder, as does
// steamguard-cli): one JSON object whose "accounts" member maps each
// account's SteamID to what Steam returned when the authenticator was added,
// the fields of a single-account .maFile (shared_secret, account_name,
// revocation_code and the rest, steamguard.go).
const FormatSteamAccounts Format = "steam-accounts"

func init() {
	register(reader{name: FormatSteamAccounts, priority: 255, detect: isSteamAccounts,
		read: func(_ context.Context, _ *Importer, res *Result, data []byte, _ Options) error {
			return readSteamAccounts(res, data)
		}})
}

// isSteamAccounts: an object whose "accounts" member is an object whose
// first member is an object with shared_secret. (LastPass's "accounts" is
// a list.)
func isSteamAccounts(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if len(data) > peekLimit {
		data = data[:peekLimit]
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if tok != "accounts" {
			if peekValue(dec, "", nil) != nil {
				return false
			}
			continue
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return false
		}
		if _, err := dec.Token(); err != nil { // the first SteamID
			return false
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return false
		}
		keys := map[string]bool{}
		peekObject(dec, keys, nil)
		return keys["shared_secret"]
	}
	return false
}

func readSteamAccounts(res *Result, data []byte) error {
	const what = "Steam account file"
	var file struct {
		Accounts json.RawMessage `json:"accounts"`
	}
	if err := decodeExport(what, data, &file); err != nil {
		return err
	}
	if len(file.Accounts) == 0 || file.Accounts[0] != '{' {
		return damagedFilef("%s: its accounts are not an object of SteamIDs", what)
	}
	// Walk the object in file order: a map would lose it.
	dec := json.NewDecoder(bytes.NewReader(file.Accounts))
	if _, err := dec.Token(); err != nil {
		return damagedFile(what, err)
	}
	for i := 0; dec.More(); i++ {
		if res.full() {
			break
		}
		tok, err := dec.Token()
		if err != nil {
			return damagedFile(what, err)
		}
		id, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return damagedFile(what, err)
		}
		var f maFile
		if problem := unmarshalExportEntry(raw, &f); problem != "" {
			skipEntry(res, i, "Steam", id, problem)
			continue
		}
		if f.SharedSecret == nil {
			skipEntry(res, i, "Steam", f.AccountName, "the account has no shared_secret")
			continue
		}
		a, err := f.account()
		if err != nil {
			skipEntry(res, i, "Steam", f.AccountName, err.Error())
			continue
		}
		if a.Name == "" {
			a.Name = id
		}
		addExportEntry(res, i, a)
	}
	return nil
}
