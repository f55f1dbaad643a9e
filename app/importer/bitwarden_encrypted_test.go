package importer

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

// bwKDF is the key-derivation part of a password-protected export.
type bwKDF struct {
	kind, iterations, memoryMiB, parallelism int
}

// bwSeal writes a password-protected Bitwarden export of plain as the
// Bitwarden clients describe it: the salt's text is the salt, the derived
// key is stretched with HKDF-Expand into AES-CBC and HMAC keys, and both
// the validation UUID and the data are type-2 EncStrings.
func bwSeal(t testing.TB, password string, kdf bwKDF, plain string) string {
	t.Helper()
	salt := "bXkgb3duIHNhbHQgMTY="
	var key []byte
	switch kdf.kind {
	case 0:
		var err error
		if key, err = pbkdf2.Key(sha256.New, password, []byte(salt), kdf.iterations, 32); err != nil {
			t.Fatal(err)
		}
	case 1:
		h := sha256.Sum256([]byte(salt))
		key = argon2.IDKey([]byte(password), h[:], uint32(kdf.iterations), uint32(kdf.memoryMiB<<10), uint8(kdf.parallelism), 32)
	}
	encKey, _ := hkdf.Expand(sha256.New, key, "enc", 32)
	macKey, _ := hkdf.Expand(sha256.New, key, "mac", 32)
	doc := map[string]any{
		"encrypted": true, "passwordProtected": true, "salt": salt,
		"kdfType": kdf.kind, "kdfIterations": kdf.iterations,
		"kdfMemory": nil, "kdfParallelism": nil,
		"encKeyValidation_DO_NOT_EDIT": bwEncString(t, encKey, macKey, "7d3f3c4e-8b9a-4c1d-9e2f-0a1b2c3d4e5f", 1),
		"data":                         bwEncString(t, encKey, macKey, plain, 2),
	}
	if kdf.kind == 1 {
		doc["kdfMemory"], doc["kdfParallelism"] = kdf.memoryMiB, kdf.parallelism
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func bwEncString(t testing.TB, encKey, macKey []byte, plain string, ivByte byte) string {
	t.Helper()
	iv := make([]byte, 16)
	for i := range iv {
		iv[i] = ivByte + byte(i)
	}
	n := 16 - len(plain)%16
	padded := append([]byte(plain), []byte(strings.Repeat(string(rune(n)), n))...)
	block, err := aes.NewCipher(encKey)
	if err != nil {
		t.Fatal(err)
	}
	ct := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, padded)
	m := hmac.New(sha256.New, macKey)
	m.Write(iv)
	m.Write(ct)
	b64 := base64.StdEncoding.EncodeToString
	return "2." + b64(iv) + "|" + b64(ct) + "|" + b64(m.Sum(nil))
}

var (
	bwPBKDF2 = bwKDF{kind: 0, iterations: 5000}
	bwArgon2 = bwKDF{kind: 1, iterations: 2, memoryMiB: 16, parallelism: 2}
)

func TestBitwardenPasswordProtected(t *testing.T) {
	for _, tt := range []struct {
		name string
		kdf  bwKDF
	}{{"PBKDF2", bwPBKDF2}, {"Argon2id", bwArgon2}} {
		t.Run(tt.name, func(t *testing.T) {
			pw := &fxPassword{pw: "correct horse"}
			data := bwSeal(t, pw.pw, tt.kdf, bitwardenJSONFixture)
			res := fxMustRead(t, "bw-protected.json", []byte(data), FormatBitwarden, pw.options())
			if pw.calls != 1 {
				t.Errorf("asked for the password %d times, want 1", pw.calls)
			}
			fxCompare(t, "entries", fxSummary(res), bitwardenWant)
			fxWantSkipped(t, res, map[string]string{
				"bw-protected.json entry 6 (Broken:b)": "digits",
				"bw-protected.json entry 8":            "base32",
				"bw-protected.json":                    "2 items have no TOTP key",
			})
			fxValid(t, res)
		})
	}
}

func TestBitwardenPasswordProtectedErrors(t *testing.T) {
	good := bwSeal(t, "pw", bwPBKDF2, bitwardenJSONFixture)
	var doc map[string]any
	if err := json.Unmarshal([]byte(good), &doc); err != nil {
		t.Fatal(err)
	}
	with := func(changes map[string]any) string {
		m := map[string]any{}
		for k, v := range doc {
			m[k] = v
		}
		for k, v := range changes {
			m[k] = v
		}
		out, _ := json.Marshal(m)
		return string(out)
	}
	data := doc["data"].(string)
	tampered := data[:len(data)-6] + "AAAAA="
	if tampered == data {
		t.Fatal("tampering changed nothing")
	}
	tests := []struct {
		name, data, password string
		noPassword           bool
		want                 error
		kdfCalls             int
		wantText             string
	}{
		{name: "wrong password", data: good, password: "nope", want: ErrWrongPassword, kdfCalls: 1},
		{name: "no password", data: good, noPassword: true, want: ErrPasswordRequired},
		{name: "data cut short", data: with(map[string]any{"data": tampered[:len(tampered)-8]}), password: "pw", want: ErrDamagedFile, wantText: "data"},
		{name: "data not an EncString", data: with(map[string]any{"data": "1.abc"}), password: "pw", want: ErrDamagedFile, wantText: "data"},
		{name: "validation missing", data: with(map[string]any{"encKeyValidation_DO_NOT_EDIT": nil}), password: "pw", want: ErrDamagedFile, wantText: "encKeyValidation"},
		{name: "no salt", data: with(map[string]any{"salt": ""}), password: "pw", want: ErrDamagedFile, wantText: "salt"},
		{name: "PBKDF2 beyond Bitwarden's maximum", data: with(map[string]any{"kdfIterations": bitwardenMaxPBKDF2Iterations + 1}), password: "pw", want: ErrTooCostly},
		{name: "Argon2 memory beyond Bitwarden's maximum", data: with(map[string]any{"kdfType": 1, "kdfIterations": 3, "kdfMemory": 1025, "kdfParallelism": 4}), password: "pw", want: ErrTooCostly},
		{name: "Argon2 lanes beyond Bitwarden's maximum", data: with(map[string]any{"kdfType": 1, "kdfIterations": 3, "kdfMemory": 64, "kdfParallelism": 17}), password: "pw", want: ErrTooCostly},
		{name: "Argon2 memory overflowing", data: with(map[string]any{"kdfType": 1, "kdfIterations": 3, "kdfMemory": 1 << 62, "kdfParallelism": 4}), password: "pw", want: ErrTooCostly},
		{name: "Argon2 passes too costly", data: with(map[string]any{"kdfType": 1, "kdfIterations": 1000, "kdfMemory": 64, "kdfParallelism": 4}), password: "pw", want: ErrTooCostly},
		{name: "Argon2 without memory", data: with(map[string]any{"kdfType": 1}), password: "pw", want: ErrDamagedFile, wantText: "kdfMemory"},
		{name: "unknown KDF", data: with(map[string]any{"kdfType": 7}), password: "pw", wantText: "key derivation 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := countKDFs(t)
			pw := &fxPassword{pw: tt.password}
			opts := pw.options()
			if tt.noPassword {
				opts = Options{}
			}
			// The file was sealed with the real derivation, so the stand-in
			// key never opens it: only refusals are checked here (the right
			// password is TestBitwardenPasswordProtected's).
			_, err := fxRead(t, "bw.json", []byte(tt.data), FormatBitwarden, opts)
			if err == nil {
				t.Fatal("Read succeeded")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Read = %v, want %v", err, tt.want)
			}
			if tt.want != ErrWrongPassword && errors.Is(err, ErrWrongPassword) {
				t.Fatalf("Read = %v, which blames the password", err)
			}
			if !strings.Contains(err.Error(), "bw.json") || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Read = %v, want the file's name and %q", err, tt.wantText)
			}
			if tt.kdfCalls == 0 && *calls != 0 {
				t.Errorf("%d key derivations before the refusal", *calls)
			}
		})
	}
}

// TestBitwardenPasswordProtectedDamage uses the real derivation: with the
// right password, a changed data MAC is damage, not a wrong password.
func TestBitwardenPasswordProtectedDamage(t *testing.T) {
	good := bwSeal(t, "pw", bwPBKDF2, bitwardenJSONFixture)
	i := strings.Index(good, `"data": "2.`) + len(`"data": "2.`)
	bad := good[:i+3] + string(rune(good[i+3])^1) + good[i+4:]
	pw := &fxPassword{pw: "pw"}
	_, err := fxRead(t, "bw.json", []byte(bad), FormatBitwarden, pw.options())
	if !errors.Is(err, ErrDamagedFile) || errors.Is(err, ErrWrongPassword) {
		t.Fatalf("Read = %v, want damage", err)
	}
	inner := bwSeal(t, "pw", bwPBKDF2, `{"encrypted": true, "items": []}`)
	_, err = fxRead(t, "bw.json", []byte(inner), FormatBitwarden, pw.options())
	if !errors.Is(err, ErrDamagedFile) {
		t.Fatalf("Read = %v, want damage for an encrypted inner export", err)
	}
}
