package exporter_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/scrypt"

	"github.com/latchkey/latchkey/app/exporter"
	"github.com/latchkey/latchkey/app/importer"
	"github.com/latchkey/latchkey/vault"
)

const aegisPassword = "correct horse battery"

// The Aegis file as docs/vault.md describes it, decoded strictly so that a
// misspelt member fails the test.
type aegisFile struct {
	Version int             `json:"version"`
	Header  aegisHeader     `json:"header"`
	DB      json.RawMessage `json:"db"`
}

type aegisHeader struct {
	Slots  []aegisSlot  `json:"slots"`
	Params *aegisParams `json:"params"`
}

type aegisParams struct{ Nonce, Tag string }

type aegisSlot struct {
	Type      int         `json:"type"`
	UUID      string      `json:"uuid"`
	Key       string      `json:"key"`
	KeyParams aegisParams `json:"key_params"`
	N, R, P   int
	Salt      string `json:"salt"`
	Repaired  bool   `json:"repaired"`
}

type aegisDB struct {
	Version int          `json:"version"`
	Entries []aegisEntry `json:"entries"`
	Groups  []aegisGroup `json:"groups"`
}

type aegisEntry struct {
	Type     string   `json:"type"`
	UUID     string   `json:"uuid"`
	Name     string   `json:"name"`
	Issuer   string   `json:"issuer"`
	Note     string   `json:"note"`
	Favorite bool     `json:"favorite"`
	Icon     *string  `json:"icon"`
	IconMime *string  `json:"icon_mime"`
	IconHash *string  `json:"icon_hash"`
	Info     aegisOTP `json:"info"`
	Groups   []string `json:"groups"`
}

type aegisOTP struct {
	Secret  string  `json:"secret"`
	Algo    string  `json:"algo"`
	Digits  int     `json:"digits"`
	Period  *int    `json:"period"`
	Counter *uint64 `json:"counter"`
}

type aegisGroup struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func strictJSON(t *testing.T, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("not the documented structure: %v\n%s", err, data)
	}
}

func TestAegisPlainStructure(t *testing.T) {
	data, err := exporter.Aegis(fullAccounts())
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]map[string]any
	json.Unmarshal(data, &raw)
	if h := raw["header"]; len(h) != 2 || h["slots"] != nil || h["params"] != nil {
		t.Fatalf("header %v, want slots and params null", h)
	}
	var f aegisFile
	strictJSON(t, data, &f)
	if f.Version != 1 {
		t.Errorf("version %d", f.Version)
	}
	var db aegisDB
	strictJSON(t, f.DB, &db)
	checkAegisDB(t, db, fullAccounts())
}

// checkAegisDB compares the db with the accounts field by field.
func checkAegisDB(t *testing.T, db aegisDB, accounts []vault.Account) {
	t.Helper()
	if db.Version != 3 || len(db.Entries) != len(accounts) {
		t.Fatalf("db version %d with %d entries", db.Version, len(db.Entries))
	}
	groups := map[string]string{}
	var names []string
	for _, g := range db.Groups {
		if !uuidV4.MatchString(g.UUID) || groups[g.UUID] != "" {
			t.Errorf("group uuid %q", g.UUID)
		}
		groups[g.UUID] = g.Name
		names = append(names, g.Name)
	}
	if !slices.Equal(names, []string{"Acme", "Personal"}) {
		t.Errorf("groups %v, want Acme and Personal once each", names)
	}
	seen := map[string]bool{}
	for i, e := range db.Entries {
		a := accounts[i]
		if !uuidV4.MatchString(e.UUID) || seen[e.UUID] {
			t.Errorf("entry %d uuid %q", i, e.UUID)
		}
		seen[e.UUID] = true
		checkAegisEntry(t, e, a, groups)
	}
}

func checkAegisEntry(t *testing.T, e aegisEntry, a vault.Account, groups map[string]string) {
	t.Helper()
	if e.Type != string(a.Type) || e.Name != a.Name || e.Issuer != a.Issuer || e.Note != a.Note || e.Favorite != a.Favourite {
		t.Errorf("%s: entry %+v", a.Name, e)
	}
	if e.Info.Secret != a.Secret || e.Info.Algo != string(a.Algorithm) || e.Info.Digits != a.Digits {
		t.Errorf("%s: info %+v", a.Name, e.Info)
	}
	switch {
	case a.Type == vault.HOTP && (e.Info.Counter == nil || *e.Info.Counter != a.Counter || e.Info.Period != nil):
		t.Errorf("%s: HOTP info %+v", a.Name, e.Info)
	case a.Type != vault.HOTP && (e.Info.Period == nil || *e.Info.Period != a.Period || e.Info.Counter != nil):
		t.Errorf("%s: TOTP info %+v", a.Name, e.Info)
	}
	var names []string
	for _, id := range e.Groups {
		names = append(names, groups[id])
	}
	if want := []string{a.Group}; (a.Group == "" && len(names) != 0) || (a.Group != "" && !slices.Equal(names, want)) {
		t.Errorf("%s: groups %v, want %q", a.Name, names, a.Group)
	}
	checkAegisIcon(t, e, a)
}

func checkAegisIcon(t *testing.T, e aegisEntry, a vault.Account) {
	t.Helper()
	var want []byte
	var mime string
	switch {
	case strings.HasPrefix(a.Icon, "data:image/png;base64,"):
		want, mime = pngIcon, "image/png"
	case strings.HasPrefix(a.Icon, "data:image/svg+xml,"):
		want, mime = []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), "image/svg+xml"
	}
	if want == nil {
		if e.Icon != nil || e.IconMime != nil || e.IconHash != nil {
			t.Errorf("%s: icon %v, want null", a.Name, e.Icon)
		}
		return
	}
	if e.Icon == nil || e.IconMime == nil || e.IconHash == nil {
		t.Fatalf("%s: no icon", a.Name)
	}
	got, err := base64.StdEncoding.DecodeString(*e.Icon)
	sum := sha256.Sum256(append([]byte(mime), want...))
	if err != nil || string(got) != string(want) || *e.IconMime != mime || *e.IconHash != hex.EncodeToString(sum[:]) {
		t.Errorf("%s: icon %q (%v), mime %q, hash %q", a.Name, got, err, *e.IconMime, *e.IconHash)
	}
}

func TestAegisEncryptedStructure(t *testing.T) {
	data, err := exporter.AegisEncrypted(fullAccounts(), aegisPassword)
	if err != nil {
		t.Fatal(err)
	}
	assertNoSentinel(t, "encrypted vault", string(data))
	var f aegisFile
	strictJSON(t, data, &f)
	if f.Version != 1 || len(f.Header.Slots) != 1 || f.Header.Params == nil {
		t.Fatalf("header %+v", f.Header)
	}
	s := f.Header.Slots[0]
	hexLen := map[string]int{"key": 32, "key nonce": 12, "key tag": 16, "salt": 32, "db nonce": 12, "db tag": 16}
	for what, s := range map[string]string{"key": s.Key, "key nonce": s.KeyParams.Nonce, "key tag": s.KeyParams.Tag,
		"salt": s.Salt, "db nonce": f.Header.Params.Nonce, "db tag": f.Header.Params.Tag} {
		if b, err := hex.DecodeString(s); err != nil || len(b) != hexLen[what] || s != strings.ToLower(s) {
			t.Errorf("%s %q: want %d bytes in lower-case hex", what, s, hexLen[what])
		}
	}
	if s.Type != 1 || !uuidV4.MatchString(s.UUID) || s.N != 1<<15 || s.R != 8 || s.P != 1 || !s.Repaired {
		t.Errorf("slot %+v", s)
	}
	db, err := decryptAegis(f, aegisPassword)
	if err != nil {
		t.Fatal(err)
	}
	var content aegisDB
	strictJSON(t, db, &content)
	checkAegisDB(t, content, fullAccounts())
	if _, err := decryptAegis(f, "wrong password"); err == nil {
		t.Error("a wrong password decrypted the vault")
	}
}

// decryptAegis follows docs/vault.md: scrypt → slot key → master key → db.
func decryptAegis(f aegisFile, password string) ([]byte, error) {
	s := f.Header.Slots[0]
	salt, _ := hex.DecodeString(s.Salt)
	key, err := scrypt.Key([]byte(password), salt, s.N, s.R, s.P, 32)
	if err != nil {
		return nil, err
	}
	wrapped, _ := hex.DecodeString(s.Key)
	master, err := openAegis(key, s.KeyParams, wrapped)
	if err != nil {
		return nil, err
	}
	var b64 string
	if err := json.Unmarshal(f.DB, &b64); err != nil {
		return nil, err
	}
	ct, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, err
	}
	return openAegis(master, *f.Header.Params, ct)
}

func openAegis(key []byte, p aegisParams, ct []byte) ([]byte, error) {
	nonce, _ := hex.DecodeString(p.Nonce)
	tag, _ := hex.DecodeString(p.Tag)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(nonce) != gcm.NonceSize() {
		return nil, errors.New("bad nonce")
	}
	return gcm.Open(nil, nonce, append(append([]byte(nil), ct...), tag...), nil)
}

func TestAegisEncryptedRefusesEmptyPassword(t *testing.T) {
	if _, err := exporter.AegisEncrypted(fullAccounts(), ""); err == nil {
		t.Fatal("empty password accepted")
	}
}

// pythonDecrypt is an independent reader of encrypted Aegis vaults, written
// from docs/vault.md with Python's hashlib and the cryptography package.
const pythonDecrypt = `
import base64, hashlib, json, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
v = json.load(open(sys.argv[1]))
pw = sys.argv[2].encode("utf-8")
def gcm(key, params, ct):
    return AESGCM(key).decrypt(bytes.fromhex(params["nonce"]), ct + bytes.fromhex(params["tag"]), None)
for s in v["header"]["slots"]:
    if s["type"] != 1:
        continue
    k = hashlib.scrypt(pw, salt=bytes.fromhex(s["salt"]), n=s["n"], r=s["r"], p=s["p"], dklen=32, maxmem=2**27)
    master = gcm(k, s["key_params"], bytes.fromhex(s["key"]))
    db = json.loads(gcm(master, v["header"]["params"], base64.b64decode(v["db"])))
    print(json.dumps([[e["issuer"], e["name"], e["info"]["secret"]] for e in db["entries"]]))
`

func TestAegisEncryptedWithPython(t *testing.T) {
	if err := exec.Command("python3", "-c", "import cryptography").Run(); err != nil {
		t.Skip("python3 with the cryptography package is not installed")
	}
	data, err := exporter.AegisEncrypted(fullAccounts(), "pässword ünicode")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "aegis.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("python3", "-c", pythonDecrypt, path, "pässword ünicode").Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var got [][3]string
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(fullAccounts()) {
		t.Fatalf("python read %d entries (%v)", len(got), err)
	}
	for i, a := range fullAccounts() {
		if got[i] != [3]string{a.Issuer, a.Name, a.Secret} {
			t.Errorf("entry %d: %q", i, got[i][:2])
		}
	}
}

// TestAegisThroughImporter round-trips through app/importer's Aegis
// reader, when that reader is part of the build.
func TestAegisThroughImporter(t *testing.T) {
	if !slices.Contains(importer.Formats(), "aegis") {
		t.Skip("app/importer has no aegis reader in this build")
	}
	plain, err := exporter.Aegis(fullAccounts())
	if err != nil {
		t.Fatal(err)
	}
	enc, err := exporter.AegisEncrypted(fullAccounts(), aegisPassword)
	if err != nil {
		t.Fatal(err)
	}
	opts := importer.Options{Password: func() (string, error) { return aegisPassword, nil }}
	for name, data := range map[string][]byte{"plain": plain, "encrypted": enc} {
		res, err := importer.New().Read(context.Background(), name, data, "", opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.Format != "aegis" || len(res.Entries) != len(fullAccounts()) {
			t.Fatalf("%s: format %q, %d entries, skipped %v", name, res.Format, len(res.Entries), res.Skipped)
		}
		for i, e := range res.Entries {
			a := fullAccounts()[i]
			if otpFields(e.Account) != otpFields(a) || e.Account.Note != a.Note || e.Account.Favourite != a.Favourite || e.Account.Group != a.Group {
				t.Errorf("%s entry %d: %s note %q fav %v group %q", name, i, otpFields(e.Account), e.Account.Note, e.Account.Favourite, e.Account.Group)
			}
			if (a.Icon != "" && !strings.HasPrefix(a.Icon, "builtin:")) != (e.Account.Icon != "") {
				t.Errorf("%s entry %d: icon %.30q", name, i, e.Account.Icon)
			}
		}
	}
}
