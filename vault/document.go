package vault

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Schema is the document schema this release writes. MinReader in a document
// is the oldest schema that may read and rewrite it; a newer release that only
// adds members leaves MinReader alone, so older releases keep working (and
// keep those members, see extra.go).
const Schema = 2

// Document is the decrypted content of vault.age.
type Document struct {
	Schema    int    `json:"schema"`
	MinReader int    `json:"min_reader"`
	VaultID   string `json:"vault_id"`
	// Generation counts saves; it detects saves made from a stale copy.
	Generation uint64    `json:"generation"`
	Saved      time.Time `json:"saved"`
	Accounts   []Account `json:"accounts"`
	Settings   Settings  `json:"settings"`

	extra extra
	// upgraded marks a document migrated from an older schema on read: the
	// file on disk still has the old layout, so even an update that changes
	// nothing in the document is worth writing.
	upgraded bool
}

// Settings are the preferences that travel with the vault. Window geometry
// and theme live in the UI's preferences instead, since those may be plain.
type Settings struct {
	// ClipboardClearSeconds: how long a copied code stays on the clipboard;
	// 0 means the default.
	ClipboardClearSeconds int `json:"clipboard_clear_seconds,omitempty"`
	// AutoLockSeconds: idle time before the window locks; 0 means the default.
	AutoLockSeconds int `json:"auto_lock_seconds,omitempty"`
	// NTPServers and TimeHosts are the clock-check sources (NTP servers,
	// HTTPS hosts whose Date header is read); empty means the defaults.
	NTPServers []string `json:"ntp_servers,omitempty"`
	TimeHosts  []string `json:"time_hosts,omitempty"`
	// UseCorrectedTime generates codes from the system time plus the
	// measured clock offset (opt-in, shown on screen while in use).
	UseCorrectedTime bool `json:"use_corrected_time,omitempty"`
	// PortalTrust holds the certificates the user chose to trust for
	// portals the system's CAs do not vouch for, one per origin.
	PortalTrust []PortalTrust `json:"portal_trust,omitempty"`

	extra extra
}

type (
	documentJSON Document
	settingsJSON Settings
)

// MarshalJSON implements json.Marshaler, keeping unknown members.
func (d Document) MarshalJSON() ([]byte, error) {
	if d.Accounts == nil {
		d.Accounts = []Account{}
	}
	return marshalWithExtra((*documentJSON)(&d), d.extra)
}

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members of the
// document and of everything in it.
func (d *Document) UnmarshalJSON(data []byte) error {
	var v documentJSON
	// Almost every document has no unknown member: a strict decode proves
	// that in one pass. Only otherwise is the JSON walked a second time.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err == nil {
		*d = Document(v)
		return nil
	}
	v = documentJSON{}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*d = Document(v)
	return d.collectExtras(data)
}

// collectExtras fills the extra members of the document, its settings, its
// accounts and their backup codes and portal bindings from data.
func (d *Document) collectExtras(data []byte) error {
	var doc struct {
		all      map[string]json.RawMessage
		Settings map[string]json.RawMessage `json:"settings"`
		Accounts []struct {
			BackupCodes []map[string]json.RawMessage `json:"backup_codes"`
			Portal      map[string]json.RawMessage   `json:"portal"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal(data, &doc.all); err != nil {
		return err
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return err
	}
	d.extra = unknownMembers(doc.all, (*documentJSON)(nil))
	d.Settings.extra = unknownMembers(doc.Settings, (*settingsJSON)(nil))
	var rawAccounts []map[string]json.RawMessage
	if err := json.Unmarshal(doc.all["accounts"], &rawAccounts); err != nil && len(d.Accounts) > 0 {
		return err
	}
	for i := range d.Accounts {
		if i >= len(rawAccounts) || i >= len(doc.Accounts) {
			break
		}
		a := &d.Accounts[i]
		a.extra = unknownMembers(rawAccounts[i], (*accountJSON)(nil))
		for j, code := range doc.Accounts[i].BackupCodes {
			if j < len(a.BackupCodes) {
				a.BackupCodes[j].extra = unknownMembers(code, (*backupCodeJSON)(nil))
			}
		}
		if a.Portal != nil {
			a.Portal.extra = unknownMembers(doc.Accounts[i].Portal, (*portalJSON)(nil))
			if a.Portal.Recovery != nil {
				var raw map[string]json.RawMessage
				if err := json.Unmarshal(doc.Accounts[i].Portal["recovery"], &raw); err != nil {
					return err
				}
				a.Portal.Recovery.extra = unknownMembers(raw, (*recoveryRequestJSON)(nil))
			}
		}
	}
	if raw, ok := doc.Settings["portal_trust"]; ok {
		var trust []map[string]json.RawMessage
		if err := json.Unmarshal(raw, &trust); err != nil {
			return err
		}
		for i := range d.Settings.PortalTrust {
			if i < len(trust) {
				d.Settings.PortalTrust[i].extra = unknownMembers(trust[i], (*portalTrustJSON)(nil))
			}
		}
	}
	return nil
}

// MarshalJSON implements json.Marshaler, keeping unknown members.
func (s Settings) MarshalJSON() ([]byte, error) {
	return marshalWithExtra((*settingsJSON)(&s), s.extra)
}

// Clone returns a deep copy.
func (d *Document) Clone() *Document {
	c := *d
	c.Accounts = make([]Account, len(d.Accounts))
	for i, a := range d.Accounts {
		c.Accounts[i] = a.Clone()
	}
	c.Settings = d.Settings.Clone()
	c.extra = d.extra.clone()
	return &c
}

// Clone returns a deep copy, so an edit of one copy's lists never shows
// in another.
func (s Settings) Clone() Settings {
	s.NTPServers = cloneSlice(s.NTPServers)
	s.TimeHosts = cloneSlice(s.TimeHosts)
	if s.PortalTrust != nil {
		trust := make([]PortalTrust, len(s.PortalTrust))
		for i, t := range s.PortalTrust {
			t.extra = t.extra.clone()
			trust[i] = t
		}
		s.PortalTrust = trust
	}
	s.extra = s.extra.clone()
	return s
}

// cloneSlice copies s, keeping nil nil so a copy encodes as the original.
func cloneSlice[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append([]T(nil), s...)
}

// Account returns the account with the given id.
func (d *Document) Account(id string) (*Account, bool) {
	i := slices.IndexFunc(d.Accounts, func(a Account) bool { return a.ID == id })
	if i < 0 {
		return nil, false
	}
	return &d.Accounts[i], true
}

// decodeDocument parses the plaintext of a vault file, migrating older
// schemas, and refuses documents this release may not rewrite.
func decodeDocument(name string, data []byte) (*Document, error) {
	var d Document
	err := json.Unmarshal(data, &d)
	if err != nil || d.Schema == 0 {
		// Schema 1 spelled its version "version" and its backup codes as
		// strings, which the typed decode above may have refused.
		var head struct {
			Schema  int `json:"schema"`
			Version int `json:"version"`
		}
		if json.Unmarshal(data, &head) == nil && head.Schema == 0 && head.Version == 1 {
			return migrateFromV1(name, data)
		}
	}
	if err != nil {
		return nil, &CorruptError{File: name, Err: fmt.Errorf("not a vault document: %w", err)}
	}
	if d.Schema < 1 {
		return nil, &CorruptError{File: name, Err: fmt.Errorf("no schema version")}
	}
	if d.MinReader > Schema {
		return nil, &VersionError{File: name, Need: d.MinReader, Supported: Schema}
	}
	// A newer writer's schema number is kept as is: it tells that writer the
	// document went through an older release, which kept its members.
	return &d, nil
}

func migrateFromV1(name string, data []byte) (*Document, error) {
	migrated, err := migrateV1(data)
	if err != nil {
		return nil, &CorruptError{File: name, Err: fmt.Errorf("schema 1 document: %w", err)}
	}
	d, err := decodeDocument(name, migrated)
	if err != nil {
		return nil, err
	}
	d.upgraded = true
	return d, nil
}

// migrateV1 rewrites a schema 1 document (the pre-release layout: "version"
// and "id" at the top, backup codes as two flat string lists) as schema 2.
// Members it does not know are carried over untouched.
func migrateV1(data []byte) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	var saved time.Time
	if raw, ok := doc["saved"]; ok {
		_ = json.Unmarshal(raw, &saved) // absent or odd: used codes get a zero time
	}
	delete(doc, "version")
	doc["schema"] = json.RawMessage(fmt.Sprint(Schema))
	doc["min_reader"] = json.RawMessage(fmt.Sprint(Schema))
	if id, ok := doc["id"]; ok {
		doc["vault_id"] = id
		delete(doc, "id")
	}
	var accounts []map[string]json.RawMessage
	if raw, ok := doc["accounts"]; ok {
		if err := json.Unmarshal(raw, &accounts); err != nil {
			return nil, fmt.Errorf("accounts: %w", err)
		}
	}
	for i, a := range accounts {
		if err := migrateV1Codes(a, saved); err != nil {
			return nil, fmt.Errorf("account %d: %w", i+1, err)
		}
	}
	if accounts != nil {
		raw, err := json.Marshal(accounts)
		if err != nil {
			return nil, err
		}
		doc["accounts"] = raw
	}
	return json.Marshal(doc)
}

func migrateV1Codes(a map[string]json.RawMessage, usedAt time.Time) error {
	var unused, used []string
	if raw, ok := a["backup_codes"]; ok {
		if err := json.Unmarshal(raw, &unused); err != nil {
			return fmt.Errorf("backup_codes: %w", err)
		}
	}
	if raw, ok := a["used_backup_codes"]; ok {
		if err := json.Unmarshal(raw, &used); err != nil {
			return fmt.Errorf("used_backup_codes: %w", err)
		}
	}
	delete(a, "used_backup_codes")
	codes := make([]BackupCode, 0, len(unused)+len(used))
	for _, c := range unused {
		codes = append(codes, BackupCode{Code: c})
	}
	for _, c := range used {
		t := usedAt
		codes = append(codes, BackupCode{Code: c, UsedAt: &t})
	}
	if len(codes) == 0 {
		delete(a, "backup_codes")
		return nil
	}
	raw, err := json.Marshal(codes)
	if err != nil {
		return err
	}
	a["backup_codes"] = raw
	return nil
}
