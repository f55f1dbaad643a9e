package importer

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// totpAuthList is the token list TOTP Authenticator writes, digits and
// period as strings, with the fields the app keeps for its screens.
func totpAuthList() string {
	return `[` +
		`{"accountHeaderLabel":"","allowNotifications":false,"base":16,"digits":"8","fileName":"","iconLabel":"","isFavorite":false,"issuer":"Acme RMM","key":"` + strings.ToUpper(hex.EncodeToString(b32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"))) + `","name":"ann@acme.example","period":"60","source":0,"totpCode":"","widgetId":0},` +
		`{"base":32,"digits":"6","issuer":"Vendor","key":"mfrg gzdf mztw q2lk","name":"bob","period":"30"},` +
		`{"base":64,"digits":7,"issuer":"","key":"` + base64.StdEncoding.EncodeToString(b32("JBSWY3DPEHPK3PXP")) + `","name":"lonely","period":20},` +
		`{"base":16,"digits":"6","issuer":"Hex","key":"` + hex.EncodeToString(fxSentinelBytes) + `zz","name":"bad","period":"30"},` +
		`{"base":10,"digits":"6","issuer":"Ten","key":"` + fxSentinel + `","name":"ten","period":"30"},` +
		`{"base":16,"digits":"many","issuer":"Words","key":"00","name":"w","period":"30"}` +
		`]`
}

var totpAuthWant = []string{
	"Acme RMM|ann@acme.example|totp|GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ|SHA1|8|60|0|g=|n=|f=false|i=|r=",
	"Vendor|bob|totp|MFRGGZDFMZTWQ2LK|SHA1|6|30|0|g=|n=|f=false|i=|r=",
	"|lonely|totp|JBSWY3DPEHPK3PXP|SHA1|7|20|0|g=|n=|f=false|i=|r=",
}

func totpAuthSkips(name string) map[string]string {
	return map[string]string{
		name + " entry 4 (Hex:bad)": "not base 16",
		name + " entry 5 (Ten:ten)": "base 10 is not supported",
		name + " entry 6 (Words:w)": "digits is not a number",
	}
}

func TestTOTPAuthenticatorXML(t *testing.T) {
	data := fxPrefs("SORT_ACCOUNT_BY", "CUSTOM", totpAuthListKey, totpAuthList())
	res := fxMustRead(t, "TOTP_Authenticator_Preferences.xml", data, FormatTOTPAuthenticatorXML, Options{})
	fxCompare(t, "entries", fxSummary(res), totpAuthWant)
	fxWantSkipped(t, res, totpAuthSkips("TOTP_Authenticator_Preferences.xml"))
	fxValid(t, res)
}

// totpAuthBackup writes a backup as the app does: the list as the name of
// a JSON object's one member, AES-256-CBC under SHA-256(password) with a
// zero IV, in base64.
func totpAuthBackup(password, list string) []byte {
	plain := []byte(`{` + strconv.Quote(list) + `:"2024-01-02 03:04:05"}`)
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	plain = append(plain, bytes.Repeat([]byte{byte(pad)}, pad)...)
	key := sha256.Sum256([]byte(password))
	block, _ := aes.NewCipher(key[:])
	cipher.NewCBCEncrypter(block, make([]byte, 16)).CryptBlocks(plain, plain)
	return []byte(base64.StdEncoding.EncodeToString(plain))
}

func TestTOTPAuthenticatorBackup(t *testing.T) {
	t.Run("built-in password", func(t *testing.T) {
		pw := &fxPassword{pw: "unused"}
		res := fxMustRead(t, "backup.encrypt", totpAuthBackup("TotpAuthenticator", totpAuthList()), FormatTOTPAuthenticator, pw.options())
		fxCompare(t, "entries", fxSummary(res), totpAuthWant)
		fxWantSkipped(t, res, totpAuthSkips("backup.encrypt"))
		if pw.calls != 0 {
			t.Errorf("asked for a password %d times, want none", pw.calls)
		}
	})
	t.Run("own password", func(t *testing.T) {
		pw := &fxPassword{pw: "Testtest1"}
		data := totpAuthBackup("Testtest1", totpAuthList())
		// Indistinguishable from an encrypted Steam maFile: only --format
		// tells.
		res, err := New().Read(t.Context(), "backup.encrypt", data, FormatTOTPAuthenticator, pw.options())
		fxNoLeak(t, res, err)
		if err != nil {
			t.Fatal(err)
		}
		fxCompare(t, "entries", fxSummary(res), totpAuthWant)
		if pw.calls != 1 {
			t.Errorf("asked for a password %d times, want once", pw.calls)
		}
	})
}

func TestTOTPAuthenticatorErrors(t *testing.T) {
	enc := totpAuthBackup("right", totpAuthList())
	for _, tt := range []struct {
		name   string
		data   []byte
		format Format
		opts   Options
		want   error
	}{
		{"wrong password", enc, FormatTOTPAuthenticator, (&fxPassword{pw: "wrong"}).options(), ErrWrongPassword},
		{"no password", enc, FormatTOTPAuthenticator, Options{}, ErrPasswordRequired},
		{"not base64", []byte("not base64 at all!"), FormatTOTPAuthenticator, Options{}, ErrDamagedFile},
		{"no members", totpAuthBackupRaw("TotpAuthenticator", `{}`), FormatTOTPAuthenticator, Options{}, ErrDamagedFile},
		{"bad list", totpAuthBackup("TotpAuthenticator", `[{`), FormatTOTPAuthenticator, Options{}, ErrDamagedFile},
		{"no list", fxPrefs("SORT_ACCOUNT_BY", "CUSTOM"), FormatTOTPAuthenticatorXML, Options{}, ErrDamagedFile},
	} {
		res, err := New().Read(t.Context(), "backup.encrypt", tt.data, tt.format, tt.opts)
		fxNoLeak(t, res, err)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), "backup.encrypt") {
			t.Errorf("%s: Read = %v, want %v naming the file", tt.name, err, tt.want)
		}
	}
}

// totpAuthBackupRaw encrypts plain as it is.
func totpAuthBackupRaw(password, plain string) []byte {
	p := []byte(plain)
	pad := aes.BlockSize - len(p)%aes.BlockSize
	p = append(p, bytes.Repeat([]byte{byte(pad)}, pad)...)
	p = append(p, bytes.Repeat([]byte{16}, 16)...) // two blocks at least
	key := sha256.Sum256([]byte(password))
	block, _ := aes.NewCipher(key[:])
	cipher.NewCBCEncrypter(block, make([]byte, 16)).CryptBlocks(p, p)
	return []byte(base64.StdEncoding.EncodeToString(p))
}

func TestTOTPAuthenticatorDetect(t *testing.T) {
	long := totpAuthBackup("own", totpAuthList())
	for _, tt := range []struct {
		name string
		data []byte
		want Format
	}{
		{"xml", fxPrefs(totpAuthListKey, "[]"), FormatTOTPAuthenticatorXML},
		{"built-in", totpAuthBackup("TotpAuthenticator", totpAuthList()), FormatTOTPAuthenticator},
		{"own password", long, FormatSteamMaFileEncrypted},
		{"base32 text", []byte("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DP"), ""},
	} {
		if got := Detect(tt.data); got != tt.want {
			t.Errorf("%s: Detect = %q, want %q", tt.name, got, tt.want)
		}
	}
}
