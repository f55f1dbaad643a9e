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
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/scrypt"

	"github.com/latchkey/latchkey/app/aegis"
	"github.com/latchkey/latchkey/app/exporter"
	"github.com/latchkey/latchkey/app/importer"
	"github.com/latchkey/latchkey/vault"
)

const aegisPassword = "correct horse battery"

// aegisMembers are the members docs/vault.md gives each object Latchkey
// writes. They are written out here rather than taken from app/aegis, so
// that a misspelt, missing or extra member in the shared types fails the
// test; the values are then read with app/aegis's types.
var aegisMembers = map[string][]string{
	"file":      {"version", "header", "db"},
	"header":    {"slots", "params"},
	"params":    {"nonce", "tag"},
	"slot":      {"type", "uuid", "key", "key_params", "n", "r", "p", "salt", "repaired"},
	"content":   {"version", "entries", "groups"},
	"group":     {"uuid", "name"},
	"entry":     {"type", "uuid", "name", "issuer", "note", "favorite", "icon", "icon_mime", "icon_hash", "info", "groups"},
	"totp info": {"secret", "algo", "digits", "period"},
	"hotp info": {"secret", "algo", "digits", "counter"},
}

// members decodes data as the object what names, checks that its members
// are the documented ones, and returns them.
func members(t *testing.T, what string, data []byte) map[string]json.RawMessage {
	t.Helper()
	var o map[string]json.RawMessage
	if err := json.Unmarshal(data, &o); err != nil || o == nil {
		t.Fatalf("%s is not an object (%v): %s", what, err, data)
	}
	got, want := slices.Sorted(maps.Keys(o)), slices.Sorted(slices.Values(aegisMembers[what]))
	if !slices.Equal(got, want) {
		t.Errorf("%s has the members %v, want %v", what, got, want)
	}
	return o
}

func elements(t *testing.T, what string, data []byte) []json.RawMessage {
	t.Helper()
	var list []json.RawMessage
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatalf("%s is not a list (%v): %s", what, err, data)
	}
	return list
}

// checkFileMembers checks the members of a file, its header and slots.
func checkFileMembers(t *testing.T, data []byte) {
	t.Helper()
	h := members(t, "header", members(t, "file", data)["header"])
	for _, s := range elements(t, "slots", h["slots"]) {
		members(t, "params", members(t, "slot", s)["key_params"])
	}
	if string(h["params"]) != "null" {
		members(t, "params", h["params"])
	}
}

// checkContentMembers checks the members of the content, its groups and
// entries.
func checkContentMembers(t *testing.T, data []byte) {
	t.Helper()
	c := members(t, "content", data)
	for _, g := range elements(t, "groups", c["groups"]) {
		members(t, "group", g)
	}
	for _, raw := range elements(t, "entries", c["entries"]) {
		e := members(t, "entry", raw)
		info := "totp info"
		if string(e["type"]) == `"hotp"` {
			info = "hotp info"
		}
		members(t, info, e["info"])
	}
}

func decodeAegis(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
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
	checkFileMembers(t, data)
	var f aegis.File
	decodeAegis(t, data, &f)
	if f.Version != 1 {
		t.Errorf("version %d", f.Version)
	}
	checkContentMembers(t, f.DB)
	var db aegis.Content[aegis.Entry]
	decodeAegis(t, f.DB, &db)
	checkAegisDB(t, db, fullAccounts())
}

// checkAegisDB compares the db with the accounts field by field.
func checkAegisDB(t *testing.T, db aegis.Content[aegis.Entry], accounts []vault.Account) {
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

func checkAegisEntry(t *testing.T, e aegis.Entry, a vault.Account, groups map[string]string) {
	t.Helper()
	if e.Type != string(a.Type) || e.Name != a.Name || e.Issuer != a.Issuer || e.Note != a.Note || e.Favorite != a.Favourite {
		t.Errorf("%s: entry %+v", a.Name, e)
	}
	if e.Info.Secret != a.Secret || e.Info.Algo != string(a.Algorithm) || e.Info.Digits != a.Digits {
		t.Errorf("%s: info %+v", a.Name, e.Info)
	}
	switch {
	case a.Type == vault.HOTP && (e.Info.Counter == nil || uint64(*e.Info.Counter) != a.Counter || e.Info.Period != 0):
		t.Errorf("%s: HOTP info %+v", a.Name, e.Info)
	case a.Type != vault.HOTP && (e.Info.Period != a.Period || e.Info.Counter != nil):
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

func checkAegisIcon(t *testing.T, e aegis.Entry, a vault.Account) {
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
	checkFileMembers(t, data)
	var f aegis.File
	decodeAegis(t, data, &f)
	if f.Version != 1 || len(f.Header.Slots) != 1 || f.Header.Params == nil || f.Header.Slots[0].KeyParams == nil {
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
	checkContentMembers(t, db)
	var content aegis.Content[aegis.Entry]
	decodeAegis(t, db, &content)
	checkAegisDB(t, content, fullAccounts())
	if _, err := decryptAegis(f, "wrong password"); err == nil {
		t.Error("a wrong password decrypted the vault")
	}
}

// decryptAegis follows docs/vault.md: scrypt → slot key → master key → db.
func decryptAegis(f aegis.File, password string) ([]byte, error) {
	s := f.Header.Slots[0]
	salt, _ := hex.DecodeString(s.Salt)
	key, err := scrypt.Key([]byte(password), salt, s.N, s.R, s.P, 32)
	if err != nil {
		return nil, err
	}
	wrapped, _ := hex.DecodeString(s.Key)
	master, err := openAegis(key, *s.KeyParams, wrapped)
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

func openAegis(key []byte, p aegis.Params, ct []byte) ([]byte, error) {
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

// Aegis keeps an HOTP counter in a Java long: a larger one is refused
// rather than written where Aegis cannot read the file.
func TestAegisCounterBeyondLong(t *testing.T) {
	hotp := fullAccounts()[1]
	hotp.Counter = math.MaxInt64
	if _, err := exporter.Aegis([]vault.Account{hotp}); err != nil {
		t.Fatalf("counter 2^63-1: %v", err)
	}
	hotp.Counter++
	if _, err := exporter.Aegis([]vault.Account{hotp}); err == nil || !strings.Contains(err.Error(), "beyond what Aegis keeps") {
		t.Fatalf("counter 2^63: %v", err)
	}
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
