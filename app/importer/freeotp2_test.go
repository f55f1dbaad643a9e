package importer

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"encoding/asn1"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// freeOTP2JavaMap serializes a HashMap<String,String> as Java's
// ObjectOutputStream does: class description, loadFactor and threshold,
// the capacity and size block, then keys and values. A value equal to an
// earlier string is written as a back-reference, as Java does for the
// same String object.
func freeOTP2JavaMap(pairs ...string) []byte {
	var b bytes.Buffer
	utf := func(s string) {
		binary.Write(&b, binary.BigEndian, uint16(len(s)))
		b.WriteString(s)
	}
	b.WriteString("\xac\xed\x00\x05\x73\x72")
	utf("java.util.HashMap")
	binary.Write(&b, binary.BigEndian, int64(362498820763181265))
	b.WriteByte(0x03)
	binary.Write(&b, binary.BigEndian, uint16(2))
	b.WriteByte('F')
	utf("loadFactor")
	b.WriteByte('I')
	utf("threshold")
	b.WriteString("\x78\x70")
	b.Write([]byte{0x3f, 0x40, 0, 0, 0, 0, 0, 12}) // 0.75, 12
	b.Write([]byte{0x77, 8, 0, 0, 0, 16})
	binary.Write(&b, binary.BigEndian, uint32(len(pairs)/2))
	seen := map[string]int{}
	next := 0x7e0002
	for _, s := range pairs {
		if h, ok := seen[s]; ok {
			b.WriteByte(0x71)
			binary.Write(&b, binary.BigEndian, uint32(h))
			continue
		}
		seen[s] = next
		next++
		b.WriteByte(0x74)
		utf(s)
	}
	b.WriteByte(0x78)
	return b.Bytes()
}

func freeOTP2Signed(b []byte) []int64 {
	out := make([]int64, len(b))
	for i, c := range b {
		out[i] = int64(int8(c))
	}
	return out
}

// freeOTP2Seal seals plain as FreeOTP's EncryptedKey: AES-GCM with a
// 12-byte nonce in DER GCM parameters, the token as additional data.
func freeOTP2Seal(key, plain []byte, token string) freeOTP2Sealed {
	nonce := make([]byte, 12)
	rand.Read(nonce)
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	params, _ := asn1.Marshal(struct {
		Nonce  []byte
		TagLen int
	}{nonce, 16})
	return freeOTP2Sealed{Cipher: freeOTP2Cipher, CipherText: freeOTP2Signed(gcm.Seal(nil, nonce, plain, []byte(token))), Parameters: freeOTP2Signed(params), Token: token}
}

type freeOTP2Item struct {
	uuid   string
	token  string // the token's JSON, without secret
	secret []byte // nil: no sealed secret member
}

// freeOTP2Fixture writes a FreeOTP 2 backup under password.
func freeOTP2Fixture(t testing.TB, password string, iterations int, items []freeOTP2Item) []byte {
	t.Helper()
	return freeOTP2FixtureClaiming(t, password, iterations, iterations, items)
}

// freeOTP2FixtureClaiming derives with iterations but writes claimed.
func freeOTP2FixtureClaiming(t testing.TB, password string, iterations, claimed int, items []freeOTP2Item) []byte {
	t.Helper()
	salt := make([]byte, 32)
	rand.Read(salt)
	passKey, err := pbkdf2.Key(sha512.New, password, salt, iterations, 32)
	if err != nil {
		t.Fatal(err)
	}
	master := make([]byte, 32)
	rand.Read(master)
	mk, _ := json.Marshal(freeOTP2Master{Algorithm: "PBKDF2withHmacSHA512", Iterations: claimed, Salt: freeOTP2Signed(salt), Key: freeOTP2Seal(passKey, master, "AES")})
	pairs := []string{freeOTP2MasterKey, string(mk)}
	var order []string
	for _, it := range items {
		order = append(order, it.uuid)
	}
	// The app's order: the first two swapped, to show it is followed.
	if len(order) > 1 {
		order[0], order[1] = order[1], order[0]
	}
	orderJSON, _ := json.Marshal(order)
	pairs = append(pairs, freeOTP2OrderKey, string(orderJSON))
	for _, it := range items {
		if it.secret != nil {
			sealed, _ := json.Marshal(freeOTP2Seal(master, it.secret, "HmacSHA1"))
			wrap, _ := json.Marshal(map[string]string{"key": string(sealed)})
			pairs = append(pairs, it.uuid, string(wrap))
		}
		if it.token != "" {
			pairs = append(pairs, it.uuid+"-token", it.token)
		}
	}
	return freeOTP2JavaMap(pairs...)
}

func freeOTP2Items() []freeOTP2Item {
	return []freeOTP2Item{
		{"1b8f0c1e-0000-4000-8000-000000000001", `{"algo":"SHA512","color":"#ff0000","digits":8,"issuerExt":"Acme RMM","issuerInt":"Acme RMM","label":"ann@acme.example","period":60,"type":"TOTP"}`, b32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")},
		{"1b8f0c1e-0000-4000-8000-000000000002", `{"algo":"SHA256","counter":9,"digits":7,"issuerExt":"Vendor","label":"bob","period":30,"type":"HOTP"}`, b32("MFRGGZDFMZTWQ2LK")},
		{"1b8f0c1e-0000-4000-8000-000000000003", `{"digits":6,"issuerExt":"Null Algo","label":"carol","period":30,"type":"TOTP"}`, b32("JBSWY3DPEHPK3PXP")},
		{"1b8f0c1e-0000-4000-8000-000000000004", `{"algo":"SHA1","digits":5,"issuerExt":"Steam","label":"gaben","period":30,"type":"TOTP"}`, []byte{0xde, 0xad, 0xbe, 0xef, 0x80, 0x7f}},
		{"1b8f0c1e-0000-4000-8000-000000000005", "", fxSentinelBytes},
		{"1b8f0c1e-0000-4000-8000-000000000006", `{"algo":"SHA1","digits":6,"issuerExt":"Odd","label":"m","period":30,"type":"MOTP"}`, fxSentinelBytes},
	}
}

const freeOTP2Iterations = 1000 // FreeOTP writes 100,000; cheaper for tests

func TestFreeOTP2Backup(t *testing.T) {
	pw := &fxPassword{pw: "correct horse"}
	data := freeOTP2Fixture(t, "correct horse", freeOTP2Iterations, freeOTP2Items())
	res := fxMustRead(t, "externalBackup.xml", data, FormatFreeOTP2, pw.options())
	fxCompare(t, "entries", fxSummary(res), []string{
		"Vendor|bob|hotp|MFRGGZDFMZTWQ2LK|SHA256|7|30|10|g=|n=|f=false|i=|r=",
		"Acme RMM|ann@acme.example|totp|GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ|SHA512|8|60|0|g=|n=|f=false|i=|r=",
		"Null Algo|carol|totp|JBSWY3DPEHPK3PXP|SHA1|6|30|0|g=|n=|f=false|i=|r=",
		"Steam|gaben|steam|32W3534AP4|SHA1|5|30|0|g=|n=|f=false|i=|r=",
	})
	fxWantSkipped(t, res, map[string]string{
		"externalBackup.xml entry 5":         "not the token",
		"externalBackup.xml entry 6 (Odd:m)": `token type "MOTP"`,
	})
	fxValid(t, res)
	if pw.calls != 1 {
		t.Errorf("password asked %d times, want once", pw.calls)
	}
}

func TestFreeOTP2BackupErrors(t *testing.T) {
	good := freeOTP2Fixture(t, "right", freeOTP2Iterations, freeOTP2Items()[:1])
	costly := freeOTP2FixtureClaiming(t, "right", 1, MaxPBKDF2Iterations+1, nil)
	for _, tt := range []struct {
		name  string
		data  []byte
		pw    *fxPassword
		want  error
		calls int
	}{
		{"wrong password", good, &fxPassword{pw: "wrong"}, ErrWrongPassword, 1},
		{"no password", good, nil, ErrPasswordRequired, 0},
		{"too costly", costly, &fxPassword{pw: "right"}, ErrTooCostly, 0},
		{"truncated", good[:len(good)/2], &fxPassword{pw: "right"}, ErrDamagedFile, 0},
		{"no master key", freeOTP2JavaMap("a", "b"), &fxPassword{pw: "right"}, ErrDamagedFile, 0},
		{"not strings", append(freeOTP2JavaMap()[:len(freeOTP2JavaMap())-5], 0, 0, 0, 1, 0x73, 0x78), &fxPassword{pw: "right"}, ErrDamagedFile, 0},
	} {
		opts := Options{}
		if tt.pw != nil {
			opts = tt.pw.options()
		}
		res, err := New().Read(t.Context(), "externalBackup.xml", tt.data, FormatFreeOTP2, opts)
		fxNoLeak(t, res, err)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), "externalBackup.xml") {
			t.Errorf("%s: Read = %v, want %v naming the file", tt.name, err, tt.want)
		}
		if tt.pw != nil && tt.pw.calls != tt.calls {
			t.Errorf("%s: password asked %d times, want %d", tt.name, tt.pw.calls, tt.calls)
		}
	}
}

func TestFreeOTP2Detect(t *testing.T) {
	if got := Detect(freeOTP2Fixture(t, "pw", 1, nil)); got != FormatFreeOTP2 {
		t.Errorf("Detect = %q, want %q", got, FormatFreeOTP2)
	}
	if got := Detect([]byte("\xac\xed\x00\x05\x73\x72\x00\x13java.util.ArrayList")); got == FormatFreeOTP2 {
		t.Errorf("an ArrayList was detected as %q", got)
	}
}

func TestModifiedUTF8(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                    "plain",
		"a\xc0\x80b":               "a\x00b",
		"\xed\xa0\xbd\xed\xb8\x80": "😀",
		"Zo\xc3\xab":               "Zoë",
	} {
		if got := modifiedUTF8([]byte(in)); got != want {
			t.Errorf("modifiedUTF8(%q) = %q, want %q", in, got, want)
		}
	}
}
