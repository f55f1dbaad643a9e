package exporter

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strings"

	"github.com/latchkey/latchkey/app/aegis"
	"github.com/latchkey/latchkey/vault"
)

// Aegis writes accounts as a plain Aegis vault.
func Aegis(accounts []vault.Account) ([]byte, error) {
	content, err := aegisContent(accounts)
	if err != nil {
		return nil, err
	}
	db, err := encodeJSON(content, "")
	if err != nil {
		return nil, err
	}
	return marshalAegis(aegis.File{Version: aegis.FileVersion, DB: db})
}

// aegisContent builds the content (the db object): the entries and one
// group per distinct vault group, in order of first use.
func aegisContent(accounts []vault.Account) (*aegis.Content[aegis.Entry], error) {
	norm, err := normalized(accounts)
	if err != nil {
		return nil, err
	}
	db := &aegis.Content[aegis.Entry]{Version: aegis.ContentVersion, Entries: []aegis.Entry{}, Groups: []aegis.Group{}}
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
				db.Groups = append(db.Groups, aegis.Group{UUID: id, Name: a.Group})
			}
			e.Groups = []string{id}
		}
		db.Entries = append(db.Entries, e)
	}
	return db, nil
}

func aegisEntryOf(a vault.Account) (aegis.Entry, error) {
	id, err := newUUID()
	if err != nil {
		return aegis.Entry{}, err
	}
	e := aegis.Entry{
		Type: string(a.Type), UUID: id, Name: a.Name, Issuer: a.Issuer,
		Note: a.Note, Favorite: a.Favourite, Groups: []string{},
		Info: aegis.Info{Secret: a.Secret, Algo: string(a.Algorithm), Digits: a.Digits},
	}
	if a.Type == vault.HOTP {
		if a.Counter > math.MaxInt64 {
			return aegis.Entry{}, fmt.Errorf("aegis vault: the HOTP counter of %q is beyond what Aegis keeps (%d)", a.Label(), int64(math.MaxInt64))
		}
		c := int64(a.Counter)
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
		return "", fmt.Errorf("drawing a random uuid: %w", err)
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// marshalAegis indents with four spaces, as Aegis's own exports do.
func marshalAegis(f aegis.File) ([]byte, error) { return encodeJSON(f, "    ") }

// encodeJSON encodes v without escaping <, > and &, as Aegis writes, and
// indented by indent (none: "").
func encodeJSON(v any, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("aegis vault: %w", err)
	}
	return buf.Bytes(), nil
}
