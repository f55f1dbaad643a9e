package importer

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// protonFixture is an export as Proton Authenticator writes it (serde,
// compact, members in struct order; steam:// holds standard base64).
func protonFixture() []byte {
	steamKey := base64.StdEncoding.EncodeToString([]byte("steam-key-bytes!")) // has '+'-free padding
	return []byte(`{"version":1,"entries":[` +
		`{"id":"a1","content":{"uri":"otpauth://totp/Acme%20RMM:ann%40acme.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme%20RMM&algorithm=SHA512&digits=8&period=60","entry_type":"Totp","name":"ann@acme.example"},"note":"ask IT"},` +
		`{"id":"a2","content":{"uri":"otpauth://totp/Z%C3%B6e?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30","entry_type":"Totp","name":"Zöe"},"note":null},` +
		`{"id":"a3","content":{"uri":"steam://` + steamKey + `","entry_type":"Steam","name":"gaben"},"note":"main account"},` +
		`{"id":"a4","content":{"uri":"otpauth://totp/Broken:b?secret=` + fxSentinel + `&period=0x","entry_type":"Totp","name":"b"},"note":null},` +
		`{"id":"a5","content":{"uri":"yaotp://x?secret=` + fxSentinel + `","entry_type":"Yandex","name":"y"},"note":null},` +
		`{"id":"a6","content":{"uri":"steam://not base64 ` + fxSentinel + `","entry_type":"Steam","name":"s"},"note":null},` +
		`{"id":"a7","content":"` + fxSentinel + `"}` +
		`]}`)
}

var protonWant = []string{
	"Acme RMM|ann@acme.example|totp|GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ|SHA512|8|60|0|g=|n=ask IT|f=false|i=|r=",
	"|Zöe|totp|JBSWY3DPEHPK3PXP|SHA1|6|30|0|g=|n=|f=false|i=|r=",
	"Steam|gaben|steam|ON2GKYLNFVVWK6JNMJ4XIZLTEE|SHA1|5|30|0|g=|n=main account|f=false|i=|r=",
}

func checkProton(t *testing.T, res *Result) {
	t.Helper()
	fxCompare(t, "entries", fxSummary(res), protonWant)
	fxWantSkipped(t, res, map[string]string{
		"export.json entry 4 (b)": "period",
		"export.json entry 5 (y)": `entry type "Yandex"`,
		"export.json entry 6 (s)": "base64",
		"export.json entry 7":     "content",
	})
	fxValid(t, res)
}

func TestProtonPlain(t *testing.T) {
	checkProton(t, fxMustRead(t, "export.json", protonFixture(), FormatProton, Options{}))
}

// sealProton encrypts as Proton Authenticator's password export does.
func sealProton(t testing.TB, plain []byte, password string) []byte {
	salt, nonce := make([]byte, protonSaltLen), make([]byte, protonNonceLen)
	rand.Read(salt)
	rand.Read(nonce)
	key, err := argon2idKeyChecked(password, salt, protonArgon2, protonKeyLen)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	content := gcm.Seal(append([]byte{}, nonce...), nonce, plain, []byte(protonAdditional))
	// The struct keeps the app's member order: version, salt, content.
	out, _ := json.Marshal(protonEncrypted{
		Version: 1, Salt: base64.StdEncoding.EncodeToString(salt), Content: base64.StdEncoding.EncodeToString(content),
	})
	return out
}

func TestProtonEncrypted(t *testing.T) {
	const password = "correct horse battery staple"
	sealed := sealProton(t, protonFixture(), password)
	var env map[string]any
	json.Unmarshal(sealed, &env)
	with := func(k string, v any) []byte {
		m := map[string]any{}
		for kk, vv := range env {
			m[kk] = vv
		}
		m[k] = v
		b, _ := json.Marshal(m)
		return b
	}
	content := env["content"].(string)
	tests := []struct {
		name     string
		data     []byte
		password *fxPassword
		want     error
	}{
		{"right password", sealed, &fxPassword{pw: password}, nil},
		{"wrong password", sealed, &fxPassword{pw: "hunter2"}, ErrWrongPassword},
		{"no password", sealed, nil, ErrPasswordRequired},
		{"content cut short", with("content", content[:20]), &fxPassword{pw: password}, ErrDamagedFile},
		{"salt not base64", with("salt", "%%%"), &fxPassword{pw: password}, ErrDamagedFile},
		{"salt too short", with("salt", "c2FsdA=="), &fxPassword{pw: password}, ErrDamagedFile},
		{"file cut short", sealed[:len(sealed)-10], &fxPassword{pw: password}, ErrDamagedFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{}
			if tt.password != nil {
				opts = tt.password.options()
			}
			res, err := fxRead(t, "export.json", tt.data, FormatProtonEncrypted, opts)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Read = %v, want %v", err, tt.want)
			}
			if tt.want == ErrDamagedFile && tt.password.calls != 0 {
				t.Error("asked for a password for a damaged file")
			}
			if err == nil {
				checkProton(t, res)
			}
		})
	}
}

func TestProtonVersions(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		format Format
	}{
		{"plain v2", `{"version":2,"entries":[{"id":"a","content":{"uri":"x"}}]}`, FormatProton},
		{"encrypted v2", `{"version":2,"salt":"AAAAAAAAAAAAAAAAAAAAAA==","content":"AAAA"}`, FormatProtonEncrypted},
	}
	for _, tt := range tests {
		_, err := fxRead(t, "export.json", []byte(tt.data), tt.format, (&fxPassword{pw: "x"}).options())
		if err == nil || !strings.Contains(err.Error(), "version 2") {
			t.Errorf("%s: Read = %v, want an unsupported version", tt.name, err)
		}
	}
}

func TestProtonDetect(t *testing.T) {
	tests := []struct {
		data string
		want Format
	}{
		{`{"version":1,"entries":[{"id":"a","content":{"uri":"otpauth://totp/x?secret=JBSWY3DP","entry_type":"Totp"},"note":null}]}`, FormatProton},
		{`{"version":1,"salt":"AAAA","content":"AAAA"}`, FormatProtonEncrypted},
		{`{"version":1,"salt":"AAAA","content":"AAAA","kdf":"x"}`, ""},
		// Aegis keeps "entries" too, under "db", with no "content".
		{`{"version":1,"entries":[{"uri":"otpauth://totp/x?secret=JBSWY3DP"}]}`, FormatURIs},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.data)); got != tt.want {
			t.Errorf("Detect(%.50q) = %q, want %q", tt.data, got, tt.want)
		}
	}
}

func FuzzProton(f *testing.F) {
	f.Add(protonFixture())
	f.Add([]byte(`{"version":1,"salt":"AAAAAAAAAAAAAAAAAAAAAA==","content":"AAAA"}`))
	f.Add([]byte(`{"version":1,"entries":[{"content":{"uri":"steam://","entry_type":"Steam"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []Format{FormatProton, FormatProtonEncrypted} {
			// No password: the envelope checks run, Argon2 does not.
			res, err := New().Read(context.Background(), "fuzz", data, format, Options{})
			fxFuzzCheck(t, res, err)
		}
	})
}

func BenchmarkProtonKDF(b *testing.B) {
	salt := make([]byte, protonSaltLen)
	for b.Loop() {
		if _, err := argon2idKeyChecked("pw", salt, protonArgon2, protonKeyLen); err != nil {
			b.Fatal(err)
		}
	}
}
