package importer

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// authyEncrypt seals a base32 secret as Authy does: AES-256-CBC, zero IV,
// PKCS#7, under PBKDF2-HMAC-SHA1(password, salt text, 1000, 32 bytes).
func authyEncrypt(t testing.TB, password, salt, secret string) string {
	t.Helper()
	key, err := pbkdf2.Key(sha1.New, password, []byte(salt), 1000, 32)
	if err != nil {
		t.Fatal(err)
	}
	pad := aes.BlockSize - len(secret)%aes.BlockSize
	plain := append([]byte(secret), bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, _ := aes.NewCipher(key)
	cipher.NewCBCEncrypter(block, make([]byte, 16)).CryptBlocks(plain, plain)
	return base64.StdEncoding.EncodeToString(plain)
}

// authyPlainFixture is com.authy.storage.tokens.authenticator.xml as older
// Authy releases write it: decrypted secrets, the names Authy derives.
func authyPlainFixture() []byte {
	return fxPrefs(authyTokensKey, `[`+
		`{"accountType":"authenticator","decryptedSecret":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ","digits":8,"logo":"acme","name":"Acme RMM: ann@acme.example","originalIssuer":"Acme RMM","originalName":"Acme RMM:ann@acme.example","timestamp":1608377908,"upload_state":"uploaded","hidden":false,"id":"1","isNew":false},`+
		`{"accountType":"authenticator","decryptedSecret":"MFRGGZDFMZTWQ2LK","digits":6,"name":"Vendor: bob","originalName":"Vendor:bob","id":"2"},`+
		`{"accountType":"github","decryptedSecret":"jbsw y3dp ehpk 3pxp","digits":7,"name":"Forge - carol","id":"3"},`+
		`{"accountType":"dropbox","decryptedSecret":"JBSWY3DPEHPK3PXQ","digits":6,"name":"dave@example.org","id":"4"},`+
		`{"accountType":"authenticator","digits":6,"name":"Nothing","id":"5"},`+
		`{"accountType":"authenticator","decryptedSecret":"`+fxSentinel+`","digits":"six","name":"Typed","id":"6"}`+
		`]`)
}

func TestAuthyPlain(t *testing.T) {
	res := fxMustRead(t, "com.authy.storage.tokens.authenticator.xml", authyPlainFixture(), FormatAuthy, Options{})
	fxCompare(t, "entries", fxSummary(res), []string{
		"Acme RMM|ann@acme.example|totp|GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ|SHA1|8|30|0|g=|n=|f=false|i=|r=",
		"Vendor|bob|totp|MFRGGZDFMZTWQ2LK|SHA1|6|30|0|g=|n=|f=false|i=|r=",
		"Forge|carol|totp|JBSWY3DPEHPK3PXP|SHA1|7|30|0|g=|n=|f=false|i=|r=",
		"Dropbox|dave@example.org|totp|JBSWY3DPEHPK3PXQ|SHA1|6|30|0|g=|n=|f=false|i=|r=",
	})
	fxWantSkipped(t, res, map[string]string{
		"com.authy.storage.tokens.authenticator.xml entry 5 (Authenticator:Nothing)": "no secret",
		"com.authy.storage.tokens.authenticator.xml entry 6":                         "digits field has the wrong type",
	})
	fxValid(t, res)
}

// TestAuthyOwnTokens reads com.authy.storage.tokens.authy.xml: Authy's own
// tokens, hex seeds, 7 digits every 10 seconds.
func TestAuthyOwnTokens(t *testing.T) {
	data := fxPrefs(authyOwnKey, `[{"digits":7,"name":"Twilio","secretSeed":"31323334353637383930313233343536","id":"9"}]`)
	res := fxMustRead(t, "com.authy.storage.tokens.authy.xml", data, FormatAuthy, Options{})
	fxCompare(t, "entries", fxSummary(res), []string{
		"Twilio||totp|GEZDGNBVGY3TQOJQGEZDGNBVGY|SHA1|7|10|0|g=|n=|f=false|i=|r=",
	})
}

func authyEncryptedFixture(t testing.TB, password string) []byte {
	return fxPrefs(authyTokensKey, `[`+
		`{"accountType":"authenticator","digits":6,"encryptedSecret":"`+authyEncrypt(t, password, "z01fjH2vyzYks49nxaOTp8M39eMOjxT4", "JBSWY3DPEHPK3PXP")+`","originalIssuer":"Deno","originalName":"Deno:mason","salt":"z01fjH2vyzYks49nxaOTp8M39eMOjxT4","name":"Deno: mason"},`+
		`{"accountType":"authenticator","digits":8,"encryptedSecret":"`+authyEncrypt(t, password, "AVqSXXFR6WGdRyXutRhS", fxSentinel)+`","originalName":"SPDX:james","salt":"AVqSXXFR6WGdRyXutRhS","name":"SPDX: james"},`+
		`{"accountType":"authenticator","digits":6,"encryptedSecret":"`+authyEncrypt(t, "other", "s", "MFRGGZDFMZTWQ2LK")+`","salt":"s","name":"Odd - one"}`+
		`]`)
}

func TestAuthyEncrypted(t *testing.T) {
	const password = "correct horse"
	pw := &fxPassword{pw: password}
	res := fxMustRead(t, "authy.xml", authyEncryptedFixture(t, password), FormatAuthy, pw.options())
	fxCompare(t, "entries", fxSummary(res), []string{
		"Deno|mason|totp|JBSWY3DPEHPK3PXP|SHA1|6|30|0|g=|n=|f=false|i=|r=",
		"SPDX|james|totp|" + fxSentinel + "|SHA1|8|30|0|g=|n=|f=false|i=|r=",
	})
	fxWantSkipped(t, res, map[string]string{"authy.xml entry 3 (Odd:one)": "does not decrypt"})
	if pw.calls != 1 {
		t.Errorf("password asked %d times, want once", pw.calls)
	}
}

func TestAuthyEncryptedErrors(t *testing.T) {
	data := authyEncryptedFixture(t, "right")
	for _, tt := range []struct {
		name string
		data []byte
		opts Options
		want error
		text string
	}{
		{"wrong password", data, (&fxPassword{pw: "wrong"}).options(), ErrWrongPassword, "authy.xml"},
		{"no password", data, Options{}, ErrPasswordRequired, "authy.xml"},
		{"damaged list", fxPrefs(authyTokensKey, `[{"name":`), Options{}, ErrDamagedFile, "truncated"},
		{"no tokens", []byte(`<?xml version='1.0' encoding='utf-8' standalone='yes' ?><map><string name="` + authyOwnKey + `x">[]</string></map>`), Options{}, ErrDamagedFile, "no " + authyTokensKey},
		{"cut XML", data[:len(data)/3], Options{}, ErrDamagedFile, "not valid XML"},
	} {
		res, err := New().Read(t.Context(), "authy.xml", tt.data, FormatAuthy, tt.opts)
		fxNoLeak(t, res, err)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("%s: Read = %v, want %v with %q", tt.name, err, tt.want, tt.text)
		}
	}
}

func TestAuthyDetect(t *testing.T) {
	for _, tt := range []struct {
		data []byte
		want Format
	}{
		{authyPlainFixture(), FormatAuthy},
		{fxPrefs(authyOwnKey, "[]"), FormatAuthy},
		{fxPrefs("com.authy.other", "[]"), ""},
	} {
		if got := Detect(tt.data); got != tt.want {
			t.Errorf("Detect(%.80q) = %q, want %q", tt.data, got, tt.want)
		}
	}
}
