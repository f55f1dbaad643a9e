package importer

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/vault"
)

// Bitwarden exports (the password manager and Bitwarden Authenticator):
// JSON with items[].login.totp, or CSV with a login_totp column. The TOTP
// field holds an otpauth:// URI, a steam:// URI (base32 secret) or a bare
// base32 secret. Password-protected encrypted exports are decrypted with
// the export password (bitwarden_encrypted.go); account-restricted ones
// need the Bitwarden account's key, which only Bitwarden has, and are
// refused.
const (
	FormatBitwarden    Format = "bitwarden"
	FormatBitwardenCSV Format = "bitwarden-csv"
)

// ErrBitwardenEncrypted is returned for an account-restricted encrypted
// Bitwarden export, which only the Bitwarden account's key opens.
var ErrBitwardenEncrypted = errors.New("this Bitwarden export is encrypted with the Bitwarden account's key, which Latchkey cannot read: export again from Bitwarden as \"password protected\" (or unencrypted JSON or CSV) and import that file")

func init() {
	register(reader{name: FormatBitwarden, priority: 210, detect: isBitwardenJSON,
		read: func(ctx context.Context, _ *Importer, res *Result, data []byte, opts Options) error {
			return readBitwardenJSON(ctx, res, data, opts)
		}})
	register(reader{name: FormatBitwardenCSV, priority: 220, detect: isBitwardenCSV,
		read: func(_ context.Context, _ *Importer, res *Result, data []byte, _ Options) error {
			return readBitwardenCSV(res, data)
		}})
}

func isBitwardenJSON(data []byte) bool {
	shape, ok := peekJSONShape(data)
	return ok && !shape.array && shape.keys["encrypted"] &&
		(shape.keys["items"] || shape.keys["encKeyValidation_DO_NOT_EDIT"])
}

// isBitwardenCSV looks at the header line only.
func isBitwardenCSV(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	head, _, _ := bytes.Cut(data[:min(len(data), 4096)], []byte("\n"))
	cols, err := csv.NewReader(bytes.NewReader(head)).Read()
	return err == nil && containsAll(cols, "name", "login_totp")
}

func containsAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, s := range list {
			if strings.TrimSpace(s) == w {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// bitwardenItem is what an item contributes to an account, from either
// export.
type bitwardenItem struct {
	name, username, totp, notes, folder string
	favourite                           bool
}

type bitwardenJSON struct {
	Encrypted         bool `json:"encrypted"`
	PasswordProtected bool `json:"passwordProtected"`
	bitwardenSealed
	Folders []bitwardenNamed `json:"folders"`
	// Collections are in organisation exports, whose items have no folder.
	Collections []bitwardenNamed  `json:"collections"`
	Items       []json.RawMessage `json:"items"`
}

type bitwardenNamed struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type bitwardenJSONItem struct {
	FolderID      *string  `json:"folderId"`
	Name          string   `json:"name"`
	Notes         *string  `json:"notes"`
	Favorite      bool     `json:"favorite"`
	CollectionIDs []string `json:"collectionIds"`
	Login         *struct {
		Username *string `json:"username"`
		TOTP     *string `json:"totp"`
	} `json:"login"`
}

func namesByID(list []bitwardenNamed) map[string]string {
	m := make(map[string]string, len(list))
	for _, n := range list {
		m[n.ID] = n.Name
	}
	return m
}

// group is the item's folder, or else the names of its collections.
func (it bitwardenJSONItem) group(folders, collections map[string]string) string {
	if it.FolderID != nil && folders[*it.FolderID] != "" {
		return folders[*it.FolderID]
	}
	var names []string
	for _, id := range it.CollectionIDs {
		names = append(names, collections[id])
	}
	return joinGroupNames(names)
}

func readBitwardenJSON(ctx context.Context, res *Result, data []byte, opts Options) error {
	var exp bitwardenJSON
	if err := decodeExport("Bitwarden export", data, &exp); err != nil {
		return err
	}
	if exp.Encrypted && exp.PasswordProtected {
		plain, err := openBitwarden(ctx, exp.bitwardenSealed, opts)
		if err != nil {
			return err
		}
		exp = bitwardenJSON{}
		if err := decodeExport("decrypted Bitwarden export", plain, &exp); err != nil {
			return err
		}
		if exp.Encrypted {
			return damagedFilef("the decrypted Bitwarden export says it is encrypted again")
		}
	}
	if exp.Encrypted {
		return ErrBitwardenEncrypted
	}
	folders, collections := namesByID(exp.Folders), namesByID(exp.Collections)
	var tally bitwardenTally
	for i, raw := range exp.Items {
		if res.full() {
			break // the import is refused: read no further
		}
		var it bitwardenJSONItem
		if problem := unmarshalExportEntry(raw, &it); problem != "" {
			skipEntry(res, i, "", "", problem)
			continue
		}
		item := bitwardenItem{name: it.Name, notes: deref(it.Notes), favourite: it.Favorite,
			folder: it.group(folders, collections)}
		if it.Login != nil {
			item.username, item.totp = deref(it.Login.Username), deref(it.Login.TOTP)
		}
		tally.add(res, i, item)
	}
	tally.report(res)
	return nil
}

func readBitwardenCSV(res *Result, data []byte) error {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return damagedFilef("Bitwarden CSV export: no header line")
	}
	col := bitwardenColumns(header)
	if _, ok := col["login_totp"]; !ok {
		return damagedFilef("Bitwarden CSV export: no login_totp column")
	}
	var tally bitwardenTally
	for i := 0; !res.full(); i++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return damagedFilef("Bitwarden CSV export: %s", csvProblem(err))
		}
		get := func(name string) string { return csvField(col, rec, name) }
		folder := get("folder")
		if folder == "" {
			folder = get("collections") // organisation exports
		}
		tally.add(res, i, bitwardenItem{
			name: get("name"), username: get("login_username"), totp: get("login_totp"),
			notes: get("notes"), folder: folder, favourite: get("favorite") == "1",
		})
	}
	tally.report(res)
	return nil
}

func bitwardenColumns(header []string) map[string]int {
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	return col
}

// csvProblem names the line of a CSV error without quoting the field.
func csvProblem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("line %d: %v", pe.Line, pe.Err)
	}
	return "unreadable CSV"
}

// bitwardenTally counts items without a TOTP key: a password manager
// export is mostly those, and listing each would drown the real problems.
type bitwardenTally struct{ withoutTOTP int }

func (t *bitwardenTally) add(res *Result, i int, item bitwardenItem) {
	if strings.TrimSpace(item.totp) == "" {
		t.withoutTOTP++
		return
	}
	a, removed, err := item.account()
	if err != nil {
		skipEntry(res, i, item.name, item.username, err.Error())
		return
	}
	res.add(entrySource(res, i), a, removed...)
}

func (t *bitwardenTally) report(res *Result) {
	switch t.withoutTOTP {
	case 0:
	case 1:
		res.skip(res.Name, "1 item has no TOTP key (a password, note or card only)")
	default:
		res.skip(res.Name, fmt.Sprintf("%d items have no TOTP key (passwords, notes or cards only)", t.withoutTOTP))
	}
}

// account reads the TOTP field. A URI is parsed as such, with the item's
// name and username filling an empty issuer and account name; a bare
// secret is a default TOTP named after the item. removed is what parsing
// the URI took out of its texts.
func (it bitwardenItem) account() (vault.Account, []otpauth.Removed, error) {
	totp := strings.TrimSpace(it.totp)
	var a vault.Account
	var removed []otpauth.Removed
	if strings.Contains(totp, "://") {
		var err error
		if a, removed, err = otpauth.ParseReporting(totp); err != nil {
			return a, nil, err
		}
	} else {
		a = vault.Account{Type: vault.TOTP, Secret: totp}
	}
	if a.Issuer == "" {
		a.Issuer = it.name
	}
	if a.Name == "" {
		a.Name = it.username
	}
	if a.Name == "" && it.name != a.Issuer {
		a.Name = it.name // steam://, whose issuer is always "Steam"
	}
	a.Note, a.Group, a.Favourite = it.notes, it.folder, it.favourite
	return a, removed, nil
}

// csvField is the value in record rec of the column named name (col maps
// the header's names to their index), or "" when the file has no such
// column or the record is short.
func csvField(col map[string]int, rec []string, name string) string {
	if j, ok := col[name]; ok && j < len(rec) {
		return rec[j]
	}
	return ""
}
