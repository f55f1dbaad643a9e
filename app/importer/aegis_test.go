package importer

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/app/aegis"
	"github.com/latchkey/latchkey/vault"
)

// Fixtures follow docs/vault.md of beemdevelopment/Aegis: fields in the
// order the app writes them, optional fields absent where older versions
// leave them out.

const (
	aegisGroupWork     = "6f5e4d3c-2b1a-4c0d-9e8f-7a6b5c4d3e2f"
	aegisGroupPersonal = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)

type aegisTestEntry struct {
	Type     string        `json:"type"`
	UUID     string        `json:"uuid"`
	Name     string        `json:"name"`
	Issuer   string        `json:"issuer"`
	Note     *string       `json:"note,omitempty"`
	Favorite *bool         `json:"favorite,omitempty"`
	Icon     *string       `json:"icon"`
	IconMime string        `json:"icon_mime,omitempty"`
	Info     aegisTestInfo `json:"info"`
	Groups   *[]string     `json:"groups,omitempty"`
	Group    *string       `json:"group,omitempty"`
}

type aegisTestInfo struct {
	Secret  string `json:"secret"`
	Algo    string `json:"algo"`
	Digits  int    `json:"digits"`
	Period  int    `json:"period,omitempty"`
	Counter *int64 `json:"counter,omitempty"`
	Pin     string `json:"pin,omitempty"`
}

type aegisTestContent struct {
	Version        int              `json:"version"`
	Entries        []aegisTestEntry `json:"entries"`
	Groups         []aegis.Group    `json:"groups,omitempty"`
	IconsOptimized *bool            `json:"icons_optimized,omitempty"`
}

func ptr[T any](v T) *T { return &v }

func tinyPNG(t testing.TB) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mustJSON(t testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// aegisV3Content is a version 3 content with every kind of entry.
func aegisV3Content(t testing.TB) []byte {
	icon := base64.StdEncoding.EncodeToString(tinyPNG(t))
	return mustJSON(t, aegisTestContent{Version: 3, IconsOptimized: ptr(true),
		Groups: []aegis.Group{{UUID: aegisGroupWork, Name: "Work"}, {UUID: aegisGroupPersonal, Name: "Personal"}},
		Entries: []aegisTestEntry{
			{Type: "totp", UUID: "e0", Name: "ann@acme.example", Issuer: "Acme RMM", Note: ptr("Tenant 42"),
				Favorite: ptr(true), Icon: &icon, IconMime: "image/png",
				Info:   aegisTestInfo{Secret: sentinelSecret, Algo: "SHA1", Digits: 6, Period: 30},
				Groups: &[]string{aegisGroupWork}},
			{Type: "totp", UUID: "e1", Name: "Zoë 🔐 用户", Issuer: "", Note: ptr(""), Favorite: ptr(false),
				Info:   aegisTestInfo{Secret: sentinelSecret2, Algo: "SHA512", Digits: 8, Period: 60},
				Groups: &[]string{}},
			{Type: "hotp", UUID: "e2", Name: "bob", Issuer: "Vendor", Note: ptr(""), Favorite: ptr(false),
				Info:   aegisTestInfo{Secret: "GEZDGNBVGY3TQOJQ", Algo: "SHA256", Digits: 6, Counter: ptr[int64](42)},
				Groups: &[]string{aegisGroupPersonal, aegisGroupWork}},
			{Type: "steam", UUID: "e3", Name: "gamer", Issuer: "Steam", Note: ptr(""), Favorite: ptr(false),
				Icon: ptr(base64.StdEncoding.EncodeToString([]byte{0xff, 0xd8, 0xff, 0xe0})),
				Info: aegisTestInfo{Secret: "JBSWY3DPEHPK3PXP", Algo: "SHA1", Digits: 5, Period: 30},
				// A group that was deleted: Aegis drops the reference.
				Groups: &[]string{"99999999-0000-4000-8000-000000000000"}},
			{Type: "motp", UUID: "e4", Name: "carol", Issuer: "Legacy VPN",
				Info: aegisTestInfo{Secret: "JBSWY3DPEHPK3PXP", Algo: "MD5", Digits: 6, Period: 10, Pin: "1234"}},
			{Type: "yandex", UUID: "e5", Name: "dave", Issuer: "Yandex",
				Info: aegisTestInfo{Secret: "JBSWY3DPEHPK3PXP", Algo: "SHA256", Digits: 8, Period: 30, Pin: "5678"}},
			{Type: "totp", UUID: "e6", Name: "eve", Issuer: "Broken",
				Info: aegisTestInfo{Secret: sentinelBadSecret, Algo: "SHA1", Digits: 6, Period: 30}},
		}})
}

// aegisV3Want is what aegisV3Content imports as.
func aegisV3Want(t testing.TB) []exportAccount {
	return []exportAccount{
		{Issuer: "Acme RMM", Name: "ann@acme.example", Type: vault.TOTP, Algorithm: vault.SHA1, Digits: 6,
			Period: 30, Secret: sentinelSecret, Group: "Work", Note: "Tenant 42", Favourite: true,
			Icon: "data:image/png;base64," + base64.StdEncoding.EncodeToString(tinyPNG(t))},
		{Name: "Zoë 🔐 用户", Type: vault.TOTP, Algorithm: vault.SHA512, Digits: 8, Period: 60, Secret: sentinelSecret2},
		{Issuer: "Vendor", Name: "bob", Type: vault.HOTP, Algorithm: vault.SHA256, Digits: 6, Period: 30, Counter: 42,
			Secret: "GEZDGNBVGY3TQOJQ", Group: "Work, Personal"},
		{Issuer: "Steam", Name: "gamer", Type: vault.Steam, Algorithm: vault.SHA1, Digits: 5, Period: 30,
			Secret: "JBSWY3DPEHPK3PXP", Icon: "data:image/jpeg;base64,/9j/4A=="},
	}
}

var aegisV3Skipped = [][2]string{
	{"backup.file entry 5 (Legacy VPN:carol)", "mOTP entries are not supported"},
	{"backup.file entry 6 (Yandex:dave)", "Yandex entries are not supported"},
	{"backup.file entry 7 (Broken:eve)", "secret"},
}

// aegisFixture wraps content as a plain vault.
func aegisFixture(t testing.TB, content []byte) []byte {
	return []byte(`{"version":1,"header":{"slots":null,"params":null},"db":` + string(content) + "}")
}

// aegisSlotSpec describes one key slot of an encrypted fixture.
type aegisSlotSpec struct {
	typ      int
	n, r     int
	repaired bool
	// legacy derives the key from the zero-padded password bytes of
	// Aegis issue #95.
	legacy bool
}

var aegisTestSlot = aegisSlotSpec{typ: aegis.PasswordSlot, n: 1 << 10, r: 8, repaired: true}

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// sealGCM encrypts as Aegis does, returning ciphertext and tag apart.
func sealGCM(t testing.TB, key, nonce, plain []byte) (ciphertext, tag []byte) {
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	sealed := gcm.Seal(nil, nonce, plain, nil)
	return sealed[:len(sealed)-16], sealed[len(sealed)-16:]
}

type aegisTestParams struct {
	Nonce string `json:"nonce"`
	Tag   string `json:"tag"`
}

type aegisTestSlotJSON struct {
	Type      int             `json:"type"`
	UUID      string          `json:"uuid"`
	Key       string          `json:"key"`
	KeyParams aegisTestParams `json:"key_params"`
	N         int             `json:"n,omitempty"`
	R         int             `json:"r,omitempty"`
	P         int             `json:"p,omitempty"`
	Salt      string          `json:"salt,omitempty"`
	Repaired  *bool           `json:"repaired,omitempty"`
	IsBackup  *bool           `json:"is_backup,omitempty"`
}

type aegisTestFile struct {
	Version int `json:"version"`
	Header  struct {
		Slots  []aegisTestSlotJSON `json:"slots"`
		Params *aegisTestParams    `json:"params"`
	} `json:"header"`
	DB string `json:"db"`
}

func aegisTestParamsOf(nonce, tag []byte) aegisTestParams {
	return aegisTestParams{Nonce: hex.EncodeToString(nonce), Tag: hex.EncodeToString(tag)}
}

// aegisEncrypt builds an encrypted vault of content with the given slots,
// using the real algorithms with a low scrypt cost.
func aegisEncrypt(t testing.TB, content []byte, password string, slots ...aegisSlotSpec) []byte {
	master := randomBytes(t, 32)
	f := aegisTestFile{Version: 1}
	for i, s := range slots {
		f.Header.Slots = append(f.Header.Slots, aegisSlotOf(t, master, password, i, s))
	}
	nonce := randomBytes(t, 12)
	ct, tag := sealGCM(t, master, nonce, content)
	f.Header.Params = ptr(aegisTestParamsOf(nonce, tag))
	f.DB = base64.StdEncoding.EncodeToString(ct)
	return mustJSON(t, f)
}

func aegisSlotOf(t testing.TB, master []byte, password string, i int, s aegisSlotSpec) aegisTestSlotJSON {
	slot := aegisTestSlotJSON{Type: s.typ, UUID: "slot-" + string(rune('a'+i))}
	wrapKey := randomBytes(t, 32)
	if s.typ == aegis.PasswordSlot {
		salt := randomBytes(t, 32)
		pw := []byte(password)
		if s.legacy {
			pw = aegisLegacyBytes(password)
		}
		// Costs beyond the limits get no real key: the reader must refuse
		// them before deriving anything.
		if checkScrypt(s.n, s.r, 1) == nil {
			var err error
			if wrapKey, err = aegisScrypt(pw, salt, s.n, s.r, 1, 32); err != nil {
				t.Fatal(err)
			}
		}
		slot.N, slot.R, slot.P, slot.Salt = s.n, s.r, 1, hex.EncodeToString(salt)
		slot.Repaired, slot.IsBackup = ptr(s.repaired), ptr(false)
	}
	nonce := randomBytes(t, 12)
	ct, tag := sealGCM(t, wrapKey, nonce, master)
	slot.Key, slot.KeyParams = hex.EncodeToString(ct), aegisTestParamsOf(nonce, tag)
	return slot
}

func TestAegisPlain(t *testing.T) {
	v1 := mustJSON(t, aegisTestContent{Version: 1, Entries: []aegisTestEntry{
		{Type: "totp", UUID: "a", Name: "ann", Issuer: "Old", Group: ptr("Legacy"),
			Info: aegisTestInfo{Secret: "JBSWY3DPEHPK3PXP", Algo: "SHA1", Digits: 6, Period: 30}},
	}})
	v2 := mustJSON(t, aegisTestContent{Version: 2, Entries: []aegisTestEntry{
		{Type: "hotp", UUID: "b", Name: "bob", Issuer: "Two", Note: ptr("n"), Favorite: ptr(true),
			Info: aegisTestInfo{Secret: "jbswy3dpehpk3pxp", Algo: "SHA1", Digits: 7, Counter: ptr[int64](0)}},
	}})
	tests := []struct {
		name    string
		content []byte
		want    []exportAccount
		skipped [][2]string
	}{
		{"version 3", aegisV3Content(t), aegisV3Want(t), aegisV3Skipped},
		{"version 1 group string", v1, []exportAccount{{Issuer: "Old", Name: "ann", Type: vault.TOTP,
			Algorithm: vault.SHA1, Digits: 6, Period: 30, Secret: "JBSWY3DPEHPK3PXP", Group: "Legacy"}}, nil},
		{"version 2", v2, []exportAccount{{Issuer: "Two", Name: "bob", Type: vault.HOTP, Algorithm: vault.SHA1,
			Digits: 7, Period: 30, Secret: "JBSWY3DPEHPK3PXP", Note: "n", Favourite: true}}, nil},
		{"malformed entry", []byte(`{"version":3,"entries":[{"type":"totp","name":"x","issuer":"y","info":{"secret":12,"digits":6}},` +
			`{"type":"hotp","name":"n","issuer":"i","info":{"secret":"JBSWY3DPEHPK3PXP","algo":"SHA1","digits":6,"counter":-1}}]}`),
			nil, [][2]string{{"backup.file entry 1", "info.secret field has the wrong type"},
				{"backup.file entry 2 (i:n)", "counter is negative"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _, err := readExport(t, aegisFixture(t, tt.content), "", "")
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != FormatAegis {
				t.Fatalf("format %q", res.Format)
			}
			checkAccounts(t, res, tt.want)
			checkSkipped(t, res, tt.skipped)
			checkNoSecrets(t, res, err)
		})
	}
}

func TestAegisEncrypted(t *testing.T) {
	content := aegisV3Content(t)
	biometric := aegisSlotSpec{typ: 2}
	legacy := aegisSlotSpec{typ: aegis.PasswordSlot, n: 1 << 10, r: 8, legacy: true}
	long := "a password of more than ten characters"
	tests := []struct {
		name      string
		file      []byte
		password  string
		wantErr   error
		wantCalls int
	}{
		{"right password", aegisEncrypt(t, content, sentinelPassword, aegisTestSlot), sentinelPassword, nil, 1},
		{"biometric slot first", aegisEncrypt(t, content, sentinelPassword, biometric, aegisTestSlot), sentinelPassword, nil, 1},
		{"unrepaired slot from padded password bytes", aegisEncrypt(t, content, long, legacy), long, nil, 1},
		{"wrong password", aegisEncrypt(t, content, sentinelPassword, aegisTestSlot), "not it", ErrWrongPassword, 1},
		{"no password", aegisEncrypt(t, content, sentinelPassword, aegisTestSlot), "", ErrPasswordRequired, 0},
		{"scrypt N=2^40", aegisEncrypt(t, content, sentinelPassword, aegisTestSlot, aegisSlotSpec{typ: 1, n: 1 << 40, r: 8}),
			sentinelPassword, ErrTooCostly, 0},
		{"scrypt memory", aegisEncrypt(t, content, sentinelPassword, aegisSlotSpec{typ: 1, n: 1 << 21, r: 32}),
			sentinelPassword, ErrTooCostly, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, calls, err := readExport(t, tt.file, "", tt.password)
			checkNoSecrets(t, res, err)
			if calls != tt.wantCalls {
				t.Errorf("password asked %d times, want %d", calls, tt.wantCalls)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || errors.Is(err, ErrDamagedFile) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkAccounts(t, res, aegisV3Want(t))
			checkSkipped(t, res, aegisV3Skipped)
		})
	}
}

// aegisEdit decodes an encrypted fixture, lets edit change it, and encodes
// it again.
func aegisEdit(t *testing.T, file []byte, edit func(f map[string]any, h map[string]any, slot map[string]any)) []byte {
	var f map[string]any
	if err := json.Unmarshal(file, &f); err != nil {
		t.Fatal(err)
	}
	h := f["header"].(map[string]any)
	slot := h["slots"].([]any)[0].(map[string]any)
	edit(f, h, slot)
	return mustJSON(t, f)
}

func TestAegisDamaged(t *testing.T) {
	plain := aegisFixture(t, aegisV3Content(t))
	enc := aegisEncrypt(t, aegisV3Content(t), sentinelPassword, aegisTestSlot)
	tests := []struct {
		name      string
		file      []byte
		wantCalls int
		want      string
	}{
		{"truncated plain", plain[:len(plain)*2/3], 0, "ends early"},
		{"truncated encrypted", enc[:len(enc)-40], 0, "ends early"},
		{"content altered", aegisEdit(t, enc, func(f, _, _ map[string]any) {
			db, _ := base64.StdEncoding.DecodeString(f["db"].(string))
			db[3] ^= 1
			f["db"] = base64.StdEncoding.EncodeToString(db)
		}), 1, "does not match its authentication tag"},
		{"db not base64", aegisEdit(t, enc, func(f, _, _ map[string]any) { f["db"] = "%%%" }), 0, "not valid base64"},
		{"db a number", aegisEdit(t, enc, func(f, _, _ map[string]any) { f["db"] = 7 }), 0, "neither an object"},
		{"no db", aegisEdit(t, enc, func(f, _, _ map[string]any) { delete(f, "db") }), 0, "has no db"},
		{"no params", aegisEdit(t, enc, func(_, h, _ map[string]any) { h["params"] = nil }), 0, "no params"},
		{"short nonce", aegisEdit(t, enc, func(_, h, _ map[string]any) {
			h["params"].(map[string]any)["nonce"] = "0011"
		}), 0, "nonce is not 12 bytes"},
		{"no slots", aegisEdit(t, enc, func(_, h, _ map[string]any) { h["slots"] = []any{} }), 0, "no key slots"},
		{"slot key not hex", aegisEdit(t, enc, func(_, _, s map[string]any) { s["key"] = "zz" }), 0, "wrapped key"},
		{"slot salt not hex", aegisEdit(t, enc, func(_, _, s map[string]any) { s["salt"] = "xyz" }), 0, "salt"},
		{"slot tag short", aegisEdit(t, enc, func(_, _, s map[string]any) {
			s["key_params"].(map[string]any)["tag"] = "00"
		}), 0, "tag is not 16 bytes"},
		{"slot header is a string", aegisEdit(t, enc, func(f, _, _ map[string]any) { f["header"] = "x" }), 0, "header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if Detect(tt.file) != FormatAegis {
				t.Fatalf("not detected as Aegis")
			}
			res, calls, err := readExport(t, tt.file, "", sentinelPassword)
			checkNoSecrets(t, res, err)
			if !errors.Is(err, ErrDamagedFile) || errors.Is(err, ErrWrongPassword) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want damaged with %q", err, tt.want)
			}
			if calls != tt.wantCalls {
				t.Errorf("password asked %d times, want %d", calls, tt.wantCalls)
			}
		})
	}
}

func TestAegisRefusals(t *testing.T) {
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"biometric only", aegisEncrypt(t, aegisV3Content(t), sentinelPassword, aegisSlotSpec{typ: 2}), "biometrics"},
		{"newer file version", []byte(`{"version":2,"header":{"slots":null,"params":null},"db":{"version":3,"entries":[]}}`),
			"format version 2"},
		{"newer content version", aegisFixture(t, []byte(`{"version":4,"entries":[]}`)), "content version 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, calls, err := readExport(t, tt.file, "", sentinelPassword)
			if err == nil || !strings.Contains(err.Error(), tt.want) || calls != 0 {
				t.Fatalf("err = %v (password asked %d times), want %q", err, calls, tt.want)
			}
		})
	}
}

func TestAegisLegacyBytes(t *testing.T) {
	tests := []struct {
		password string
		want     int // buffer length
	}{
		{"123456789", 9},   // 9 × 1.1 = 9.9
		{"0123456789", 11}, // 11: one zero byte of padding
		{"ééééé", 11},      // 5 units → 5, then 2·5+1 for 10 bytes
		{"🔐🔐", 9},          // 4 units → 4, then 9 for 8 bytes
	}
	for _, tt := range tests {
		got := aegisLegacyBytes(tt.password)
		if len(got) != tt.want || !bytes.HasPrefix(got, []byte(tt.password)) {
			t.Errorf("aegisLegacyBytes(%q) = %d bytes %x, want %d", tt.password, len(got), got, tt.want)
		}
	}
}

func TestAegisIcon(t *testing.T) {
	png64 := base64.StdEncoding.EncodeToString(tinyPNG(t))
	tests := []struct {
		name, icon, mime, want string
	}{
		{"png", png64, "image/png", "data:image/png;base64," + png64},
		{"svg", base64.StdEncoding.EncodeToString([]byte("<svg/>")), "image/svg+xml", "data:image/svg+xml;base64,PHN2Zy8+"},
		{"no mime is jpeg", "/9j/", "", "data:image/jpeg;base64,/9j/"},
		{"unknown mime", png64, "text/html", ""},
		{"not base64", "@@@", "image/png", ""},
		{"empty", "", "image/png", ""},
	}
	for _, tt := range tests {
		if got := aegisIcon(aegis.Entry{Icon: &tt.icon, IconMime: &tt.mime}); got != tt.want {
			t.Errorf("%s: icon = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func BenchmarkAegisPlain1000(b *testing.B) {
	entries := make([]aegisTestEntry, 1000)
	for i := range entries {
		entries[i] = aegisTestEntry{Type: "totp", UUID: "u", Name: "user", Issuer: "Issuer",
			Info: aegisTestInfo{Secret: "JBSWY3DPEHPK3PXP", Algo: "SHA1", Digits: 6, Period: 30}}
	}
	file := aegisFixture(b, mustJSON(b, aegisTestContent{Version: 3, Entries: entries}))
	b.SetBytes(int64(len(file)))
	for b.Loop() {
		res, err := New().Read(context.Background(), "b", file, "", Options{})
		if err != nil || len(res.Entries) != 1000 {
			b.Fatal(err)
		}
	}
}

func FuzzAegis(f *testing.F) {
	stubKDFs(f)
	f.Add(aegisFixture(f, aegisV3Content(f)))
	f.Add(aegisEncrypt(f, aegisV3Content(f), "pw", aegisSlotSpec{typ: 2}, aegisTestSlot))
	f.Add([]byte(`{"version":1,"header":{},"db":{"version":1,"entries":[{"type":"totp","group":"g","info":{}}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, data, FormatAegis)
	})
}
