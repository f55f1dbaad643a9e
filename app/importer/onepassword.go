package importer

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// 1Password's .1pux export (1Password 8, File > Export): a zip holding
// export.attributes and export.data, JSON of accounts, each with vaults,
// each with items. An item's title and notes are in overview.title and
// details.notesPlain, its username in details.loginFields (designation
// "username"), and each one-time password is a field of details.sections
// whose value is {"totp": …}: an otpauth:// URI, or a bare base32 secret.
// Items in the trash are left out; the vault's name is the group.
const Format1Password1PUX Format = "1password-1pux"

// onePUXData is the archive member with the vaults.
const onePUXData = "export.data"

func init() {
	register(reader{name: Format1Password1PUX, priority: 20, detect: is1PUX,
		read: func(_ context.Context, _ *Importer, res *Result, data []byte, _ Options) error {
			return read1PUX(res, data)
		}})
}

// is1PUX: a zip with export.data, or (cut short, so that reading it says
// so) a zip whose first member is one of 1Password's.
func is1PUX(data []byte) bool {
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return false
	}
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err == nil {
		return find1PUXData(z) != nil
	}
	// The local header: the name's length at 26, the name at 30.
	if len(data) < 30 {
		return false
	}
	n := int(data[26]) | int(data[27])<<8
	name := string(data[30:min(len(data), 30+n)])
	return name == onePUXData || name == "export.attributes"
}

func find1PUXData(z *zip.Reader) *zip.File {
	for _, f := range z.File {
		if f.Name == onePUXData {
			return f
		}
	}
	return nil
}

type onePUXExport struct {
	Accounts []struct {
		Vaults []struct {
			Attrs struct {
				Name string `json:"name"`
			} `json:"attrs"`
			Items []json.RawMessage `json:"items"`
		} `json:"vaults"`
	} `json:"accounts"`
}

type onePUXItem struct {
	// Item is set where an exporter wraps each item ({"item": {…}}).
	Item     *onePUXItem `json:"item"`
	Trashed  bool        `json:"trashed"`
	State    string      `json:"state"`
	FavIndex int         `json:"favIndex"`
	Overview struct {
		Title string `json:"title"`
	} `json:"overview"`
	Details struct {
		NotesPlain  string `json:"notesPlain"`
		LoginFields []struct {
			Value       string `json:"value"`
			Designation string `json:"designation"`
		} `json:"loginFields"`
		Sections []struct {
			Fields []struct {
				Value struct {
					TOTP *string `json:"totp"`
				} `json:"value"`
			} `json:"fields"`
		} `json:"sections"`
	} `json:"details"`
}

func read1PUX(res *Result, data []byte) error {
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return damagedFilef("the 1Password export is not a readable zip archive")
	}
	f := find1PUXData(z)
	if f == nil {
		return damagedFilef("the 1Password export holds no %s", onePUXData)
	}
	if f.UncompressedSize64 > MaxInputBytes {
		return fmt.Errorf("%s in the 1Password export: %w", onePUXData, tooLarge(fmt.Sprintf(
			"larger than %s; Latchkey reads at most %s of one input", sizeText(MaxInputBytes), sizeText(MaxInputBytes))))
	}
	rc, err := f.Open()
	if err != nil {
		return damagedFilef("the 1Password export's %s cannot be opened (%v)", onePUXData, err)
	}
	defer rc.Close()
	// The size in the directory is the archive's word: read no more.
	inner, err := io.ReadAll(io.LimitReader(rc, MaxInputBytes+1))
	if err != nil {
		if errors.Is(err, zip.ErrChecksum) || errors.Is(err, zip.ErrFormat) || errors.Is(err, io.ErrUnexpectedEOF) {
			return damagedFilef("the 1Password export's %s is damaged (%v)", onePUXData, err)
		}
		return damagedFilef("the 1Password export's %s cannot be read (%v)", onePUXData, err)
	}
	if len(inner) > MaxInputBytes {
		return fmt.Errorf("%s in the 1Password export: %w", onePUXData, tooLarge(fmt.Sprintf(
			"larger than %s; Latchkey reads at most %s of one input", sizeText(MaxInputBytes), sizeText(MaxInputBytes))))
	}
	var exp onePUXExport
	if err := decodeExport("1Password export's "+onePUXData, inner, &exp); err != nil {
		return err
	}
	var tally bitwardenTally
	trashed, i := 0, 0
	for _, acct := range exp.Accounts {
		for _, vault := range acct.Vaults {
			for _, raw := range vault.Items {
				if res.full() {
					return nil // the import is refused: read no further
				}
				var it onePUXItem
				if problem := unmarshalExportEntry(raw, &it); problem != "" {
					skipEntry(res, i, "", "", problem)
					i++
					continue
				}
				if it.Item != nil {
					it = *it.Item
				}
				if it.Trashed || it.State == "trashed" || it.State == "deleted" {
					trashed++
					i++
					continue
				}
				item := bitwardenItem{name: it.Overview.Title, notes: it.Details.NotesPlain,
					folder: vault.Attrs.Name, favourite: it.FavIndex > 0}
				for _, lf := range it.Details.LoginFields {
					if lf.Designation == "username" {
						item.username = lf.Value
						break
					}
				}
				found := false
				for _, s := range it.Details.Sections {
					for _, fld := range s.Fields {
						if fld.Value.TOTP != nil {
							found = true
							item.totp = *fld.Value.TOTP
							tally.add(res, i, item)
						}
					}
				}
				if !found {
					tally.add(res, i, item) // counted as an item without TOTP
				}
				i++
			}
		}
	}
	tally.report(res)
	switch trashed {
	case 0:
	case 1:
		res.skip(res.Name, "1 item in 1Password's trash is left out")
	default:
		res.skip(res.Name, fmt.Sprintf("%d items in 1Password's trash are left out", trashed))
	}
	return nil
}
