package exporter

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/latchkey/latchkey/vault"
)

// aegisFile is the top level of an Aegis vault file.
type aegisFile struct {
	Version int         `json:"version"`
	Header  aegisHeader `json:"header"`
	// DB is an aegisDB for a plain vault, the base64 ciphertext otherwise.
	DB any `json:"db"`
}

// aegisHeader has null slots and params in a plain vault.
type aegisHeader struct {
	Slots  []aegisSlot  `json:"slots"`
	Params *aegisParams `json:"params"`
}

type aegisParams struct {
	Nonce string `json:"nonce"`
	Tag   string `json:"tag"`
}

type aegisSlot struct {
	Type      int         `json:"type"`
	UUID      string      `json:"uuid"`
	Key       string      `json:"key"`
	KeyParams aegisParams `json:"key_params"`
	N         int         `json:"n"`
	R         int         `json:"r"`
	P         int         `json:"p"`
	Salt      string      `json:"salt"`
	Repaired  bool        `json:"repaired"`
}

type aegisDB struct {
	Version int          `json:"version"`
	Entries []aegisEntry `json:"entries"`
	Groups  []aegisGroup `json:"groups"`
}

type aegisEntry struct {
	Type     string    `json:"type"`
	UUID     string    `json:"uuid"`
	Name     string    `json:"name"`
	Issuer   string    `json:"issuer"`
	Note     string    `json:"note"`
	Favorite bool      `json:"favorite"`
	Icon     *string   `json:"icon"`
	IconMime *string   `json:"icon_mime"`
	IconHash *string   `json:"icon_hash"`
	Info     aegisInfo `json:"info"`
	Groups   []string  `json:"groups"`
}

type aegisInfo struct {
	Secret  string  `json:"secret"`
	Algo    string  `json:"algo"`
	Digits  int     `json:"digits"`
	Period  int     `json:"period,omitempty"`
	Counter *uint64 `json:"counter,omitempty"`
}

type aegisGroup struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

// Aegis format constants (docs/vault.md).
const (
	aegisVersion   = 1
	aegisDBVersion = 3
	aegisSlotPass  = 1
)

// Aegis writes accounts as a plain Aegis vault.
func Aegis(accounts []vault.Account) ([]byte, error) {
	db, err := aegisDatabase(accounts)
	if err != nil {
		return nil, err
	}
	return marshalAegis(aegisFile{Version: aegisVersion, DB: db})
}

// aegisDatabase builds the db object: the entries and one group per
// distinct vault group, in order of first use.
func aegisDatabase(accounts []vault.Account) (*aegisDB, error) {
	norm, err := normalized(accounts)
	if err != nil {
		return nil, err
	}
	db := &aegisDB{Version: aegisDBVersion, Entries: []aegisEntry{}, Groups: []aegisGroup{}}
	groupIDs := map[string]string{}
	for _, a := range norm {
		e, err := aegisEntryOf(a)
		if err != nil {
			return nil, err
		}
		if a.Group != "" {
			id, ok := groupIDs[a.Group]
			if !ok {
				if id, err = newUUID(); err != nil {
					return nil, err
				}
				groupIDs[a.Group] = id
				db.Groups = append(db.Groups, aegisGroup{UUID: id, Name: a.Group})
			}
			e.Groups = []string{id}
		}
		db.Entries = append(db.Entries, e)
	}
	return db, nil
}

func aegisEntryOf(a vault.Account) (aegisEntry, error) {
	id, err := newUUID()
	if err != nil {
		return aegisEntry{}, err
	}
	e := aegisEntry{
		Type: string(a.Type), UUID: id, Name: a.Name, Issuer: a.Issuer,
		Note: a.Note, Favorite: a.Favourite, Groups: []string{},
		Info: aegisInfo{Secret: a.Secret, Algo: string(a.Algorithm), Digits: a.Digits},
	}
	if a.Type == vault.HOTP {
		c := a.Counter
		e.Info.Counter = &c
	} else {
		e.Info.Period = a.Period
	}
	if data, mime, ok := iconData(a.Icon); ok {
		icon := base64.StdEncoding.EncodeToString(data)
		sum := sha256.Sum256(append([]byte(mime), data...))
		hash := hex.EncodeToString(sum[:])
		e.Icon, e.IconMime, e.IconHash = &icon, &mime, &hash
	}
	return e, nil
}

// aegisMIME maps the image types Aegis accepts (its IconType) to their
// canonical names.
var aegisMIME = map[string]string{
	"image/png": "image/png", "image/jpeg": "image/jpeg", "image/jpg": "image/jpeg",
	"image/svg+xml": "image/svg+xml",
}

// iconData decodes a data: URI icon of a type Aegis shows. Built-in icon
// names and other image types have no Aegis form and are left out.
func iconData(icon string) ([]byte, string, bool) {
	rest, ok := strings.CutPrefix(icon, "data:")
	if !ok {
		return nil, "", false
	}
	meta, payload, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, "", false
	}
	params := strings.Split(meta, ";")
	mime, ok := aegisMIME[strings.ToLower(strings.TrimSpace(params[0]))]
	if !ok {
		return nil, "", false
	}
	var data []byte
	var err error
	if strings.EqualFold(params[len(params)-1], "base64") {
		data, err = base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
	} else {
		var s string
		s, err = url.PathUnescape(payload)
		data = []byte(s)
	}
	if err != nil || len(data) == 0 {
		return nil, "", false
	}
	return data, mime, true
}

// newUUID returns a random (version 4) UUID, as Aegis gives entries, groups
// and slots.
func newUUID() (string, error) {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		return "", fmt.Errorf("random uuid: %w", err)
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// marshalAegis indents with four spaces, as Aegis's own exports do.
func marshalAegis(f aegisFile) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("aegis vault: %w", err)
	}
	return buf.Bytes(), nil
}
