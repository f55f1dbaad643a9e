package importer

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// authProFixture is a backup as Authenticator Pro writes it (Newtonsoft,
// compact, members in declaration order, nulls written): the usual, the
// unusual but valid, and entries that must be skipped.
func authProFixture(t testing.TB) []byte {
	icon := base64.StdEncoding.EncodeToString(fxPNG(t))
	return []byte(`{"Authenticators":[` +
		`{"Type":2,"Icon":"google","Issuer":"Google","Username":"ann@example.com","Secret":"JBSWY3DPEHPK3PXP","Pin":null,"Algorithm":0,"Digits":6,"Period":30,"Counter":0,"CopyCount":3,"Ranking":0},` +
		`{"Type":2,"Icon":"@1a2b3c4d","Issuer":"Acme RMM","Username":"Zoë Ångström","Secret":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ","Pin":null,"Algorithm":2,"Digits":8,"Period":60,"Counter":0,"CopyCount":0,"Ranking":1},` +
		`{"Type":1,"Icon":null,"Issuer":"Vendor","Username":null,"Secret":"MFRGGZDFMZTWQ2LK","Pin":null,"Algorithm":1,"Digits":6,"Period":30,"Counter":42,"CopyCount":0,"Ranking":2},` +
		`{"Type":4,"Icon":"steam","Issuer":"Steam","Username":"gaben","Secret":"ONSWG4TFOQ","Pin":null,"Algorithm":0,"Digits":5,"Period":30,"Counter":0,"CopyCount":0,"Ranking":3},` +
		`{"Type":3,"Icon":null,"Issuer":"Old VPN","Username":"bob","Secret":"` + fxSentinel + `","Pin":"1234","Algorithm":0,"Digits":6,"Period":10,"Counter":0,"CopyCount":0,"Ranking":4},` +
		`{"Type":2,"Icon":null,"Issuer":"Odd","Username":"x","Secret":"` + fxSentinel + `","Pin":null,"Algorithm":9,"Digits":6,"Period":30,"Counter":0,"CopyCount":0,"Ranking":5},` +
		`{"Type":2,"Icon":null,"Issuer":"Broken","Username":"y","Secret":"` + fxSentinel + `!!","Pin":null,"Algorithm":0,"Digits":6,"Period":30,"Counter":0,"CopyCount":0,"Ranking":6},` +
		`{"Type":"TOTP","Secret":"` + fxSentinel + `"}` +
		`],"Categories":[{"Id":"a8323a2a","Name":"Work","Ranking":0},{"Id":"0b1c2d3e","Name":"Clients","Ranking":1}],` +
		`"AuthenticatorCategories":[{"CategoryId":"a8323a2a","AuthenticatorSecret":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ","Ranking":0},` +
		`{"CategoryId":"0b1c2d3e","AuthenticatorSecret":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ","Ranking":0},` +
		`{"CategoryId":"a8323a2a","AuthenticatorSecret":"MFRGGZDFMZTWQ2LK","Ranking":1}],` +
		`"CustomIcons":[{"Id":"1a2b3c4d","Data":"` + icon + `"}]}`)
}

var authProWant = []string{
	"Google|ann@example.com|totp|JBSWY3DPEHPK3PXP|SHA1|6|30|0|g=|n=|f=false|i=google|r=",
	"Acme RMM|Zoë Ångström|totp|GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ|SHA512|8|60|0|g=Work, Clients|n=|f=false|i=data:image/png;base64|r=",
	"Vendor||hotp|MFRGGZDFMZTWQ2LK|SHA256|6|30|42|g=Work|n=|f=false|i=|r=",
	"Steam|gaben|steam|ONSWG4TFOQ|SHA1|5|30|0|g=|n=|f=false|i=steam|r=",
}

func checkAuthPro(t *testing.T, res *Result) {
	t.Helper()
	fxCompare(t, "entries", fxSummary(res), authProWant)
	fxWantSkipped(t, res, map[string]string{
		"backup entry 5 (Old VPN:bob)": "mOTP",
		"backup entry 6 (Odd:x)":       "algorithm number 9",
		"backup entry 7":               "secret",
		"backup entry 8":               "Type",
	})
	fxValid(t, res)
}

func TestAuthProPlain(t *testing.T) {
	res := fxMustRead(t, "backup", authProFixture(t), FormatAuthPro, Options{})
	checkAuthPro(t, res)
}

// sealAuthProStrong encrypts as the app's current release does.
func sealAuthProStrong(t testing.TB, plain []byte, password string) []byte {
	salt, nonce := make([]byte, authProStrongSalt), make([]byte, authProStrongNonce)
	rand.Read(salt)
	rand.Read(nonce)
	key, err := argon2idKeyChecked(password, salt, authProArgon2, authProKeyLen)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	out := append([]byte(authProStrongHeader), salt...)
	out = append(out, nonce...)
	return gcm.Seal(out, nonce, plain, nil)
}

// sealAuthProLegacy encrypts as releases before the Argon2 change did.
func sealAuthProLegacy(t testing.TB, plain []byte, password string) []byte {
	salt, iv := make([]byte, authProLegacySalt), make([]byte, authProLegacyIV)
	rand.Read(salt)
	rand.Read(iv)
	key, err := pbkdf2KeyChecked(sha1.New, password, salt, authProLegacyRounds, authProKeyLen)
	if err != nil {
		t.Fatal(err)
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	padded := append(append([]byte{}, plain...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, _ := aes.NewCipher(key)
	ct := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, padded)
	out := append([]byte(authProLegacyHeader), salt...)
	out = append(out, iv...)
	return append(out, ct...)
}

func TestAuthProEncrypted(t *testing.T) {
	const password = "correct horse battery staple"
	plain := authProFixture(t)
	layouts := []struct {
		name string
		data []byte
	}{
		{"argon2id+gcm", sealAuthProStrong(t, plain, password)},
		{"pbkdf2+cbc", sealAuthProLegacy(t, plain, password)},
	}
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			tests := []struct {
				name     string
				data     []byte
				password *fxPassword
				want     error
				asks     int
			}{
				{"right password", l.data, &fxPassword{pw: password}, nil, 1},
				{"wrong password", l.data, &fxPassword{pw: "Tr0ub4dor&3"}, ErrWrongPassword, 1},
				{"no password", l.data, nil, ErrPasswordRequired, 0},
				{"header only", l.data[:16], &fxPassword{pw: password}, ErrDamagedFile, 0},
				{"cut in the salt", l.data[:30], &fxPassword{pw: password}, ErrDamagedFile, 0},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					opts := Options{}
					if tt.password != nil {
						opts = tt.password.options()
					}
					res, err := fxRead(t, "backup", tt.data, FormatAuthProEncrypted, opts)
					if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
						t.Fatalf("Read = %v, want %v", err, tt.want)
					}
					if err != nil && !strings.Contains(err.Error(), "backup") {
						t.Errorf("error does not name the input: %v", err)
					}
					if tt.password != nil && tt.password.calls != tt.asks {
						t.Errorf("asked for the password %d times, want %d", tt.password.calls, tt.asks)
					}
					if err == nil {
						checkAuthPro(t, res)
					}
				})
			}
		})
	}
}

func TestAuthProDamaged(t *testing.T) {
	good := authProFixture(t)
	legacy := sealAuthProLegacy(t, good, "pw")
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"truncated JSON", good[:len(good)/2], ErrDamagedFile},
		{"no authenticators", []byte(`{"Authenticators":null,"Categories":[]}`), ErrDamagedFile},
		{"authenticators not a list", []byte(`{"Authenticators":{"a":1}}`), ErrDamagedFile},
		{"legacy ciphertext not whole blocks", legacy[:len(legacy)-3], ErrDamagedFile},
		{"deep", []byte(`{"Authenticators":[` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `]}`), ErrTooDeep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New().Read(context.Background(), "backup.authpro", tt.data, "", (&fxPassword{pw: "pw"}).options())
			if !errors.Is(err, tt.want) {
				t.Fatalf("Read = %v, want %v", err, tt.want)
			}
		})
	}
}

// The app's parameters are constants, but the derivations refuse absurd
// ones before running: a change of constant, or a future format that reads
// them from the file, cannot make the app hang.
func TestKDFLimits(t *testing.T) {
	tests := []struct {
		name string
		run  func() error
	}{
		{"argon2 64 GiB", func() error {
			_, err := argon2idKeyChecked("pw", make([]byte, 16), argon2Cost{time: 3, memoryKiB: 64 << 20, threads: 4}, 32)
			return err
		}},
		{"argon2 1000 passes", func() error {
			_, err := argon2idKeyChecked("pw", make([]byte, 16), argon2Cost{time: 1000, memoryKiB: 64, threads: 1}, 32)
			return err
		}},
		{"pbkdf2 2^31", func() error {
			_, err := pbkdf2KeyChecked(sha1.New, "pw", make([]byte, 16), 1<<31, 32)
			return err
		}},
	}
	for _, tt := range tests {
		if err := tt.run(); !errors.Is(err, ErrTooCostly) {
			t.Errorf("%s: %v, want ErrTooCostly", tt.name, err)
		}
	}
}

func TestAuthProDetect(t *testing.T) {
	tests := []struct {
		data string
		want Format
	}{
		{`{"Authenticators":[],"Categories":[]}`, FormatAuthPro},
		{"AUTHENTICATORPRO\x01\x02", FormatAuthProEncrypted},
		{"AuthenticatorPro\x01\x02", FormatAuthProEncrypted},
		{`{"Notes":"Authenticators"}`, ""},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.data)); got != tt.want {
			t.Errorf("Detect(%.30q) = %q, want %q", tt.data, got, tt.want)
		}
	}
}

func FuzzAuthPro(f *testing.F) {
	plain := authProFixture(f)
	f.Add(plain)
	f.Add([]byte(`{"Authenticators":[{"Type":1,"Secret":"JBSWY3DP","Counter":-1}]}`))
	f.Add(sealAuthProLegacy(f, plain[:200], "pw")[:80])
	f.Add([]byte(authProStrongHeader + strings.Repeat("\x00", 60)))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []Format{FormatAuthPro, FormatAuthProEncrypted} {
			if format == FormatAuthProEncrypted && !isAuthProEncrypted(data) {
				continue
			}
			// No password: the layout checks run, the costly KDF does not.
			res, err := New().Read(context.Background(), "fuzz", data, format, Options{})
			fxFuzzCheck(t, res, err)
		}
		// The decrypted JSON is untrusted too, whatever decrypted it.
		if plain, ok := decryptCBC(make([]byte, 32), make([]byte, 16), data[:len(data)/16*16]); ok && len(data) >= 16 {
			res := &Result{Name: "fuzz"}
			err := readAuthProJSON(res, plain)
			if err != nil {
				res = nil
			}
			fxFuzzCheck(t, res, err)
		}
	})
}

func BenchmarkAuthProPlain(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"Authenticators":[`)
	for i := range 1000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"Type":2,"Icon":"google","Issuer":"Issuer %d","Username":"user%d@example.com","Secret":"JBSWY3DPEHPK3PXP","Pin":null,"Algorithm":0,"Digits":6,"Period":30,"Counter":0,"CopyCount":0,"Ranking":%d}`, i, i, i)
	}
	sb.WriteString(`],"Categories":[],"AuthenticatorCategories":[],"CustomIcons":[]}`)
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := New().Read(context.Background(), "bench", data, "", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthProKDF measures the app's fixed Argon2id cost, which is
// most of the time an encrypted backup takes to open.
func BenchmarkAuthProKDF(b *testing.B) {
	salt := make([]byte, authProStrongSalt)
	for b.Loop() {
		if _, err := argon2idKeyChecked("pw", salt, authProArgon2, authProKeyLen); err != nil {
			b.Fatal(err)
		}
	}
}
