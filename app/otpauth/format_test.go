package otpauth

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/vault"
)

func TestFormat(t *testing.T) {
	s := sentinel
	tests := []struct {
		name string
		a    vault.Account
		want string
	}{
		{"defaults", acct(vault.TOTP, "Example", "alice@example.com"),
			"otpauth://totp/Example:alice@example.com?secret=" + s + "&issuer=Example"},
		{"no issuer", acct(vault.TOTP, "", "alice"), "otpauth://totp/alice?secret=" + s},
		{"no issuer, colon in name", acct(vault.TOTP, "", "a:b"), "otpauth://totp/:a:b?secret=" + s},
		{"spaces and plus", acct(vault.TOTP, "Big Co", "alice+2fa@example.com"),
			"otpauth://totp/Big%20Co:alice%2B2fa@example.com?secret=" + s + "&issuer=Big%20Co"},
		{"reserved characters", acct(vault.TOTP, "A&B/C?D#E%", "x=y"),
			"otpauth://totp/A%26B%2FC%3FD%23E%25:x%3Dy?secret=" + s + "&issuer=A%26B%2FC%3FD%23E%25"},
		{"unicode", acct(vault.TOTP, "Müller", "ü"), "otpauth://totp/M%C3%BCller:%C3%BC?secret=" + s + "&issuer=M%C3%BCller"},
		{"every parameter", with(acct(vault.TOTP, "Ex", "x"), func(a *vault.Account) { a.Algorithm, a.Digits, a.Period = vault.SHA512, 8, 60 }),
			"otpauth://totp/Ex:x?secret=" + s + "&issuer=Ex&algorithm=SHA512&digits=8&period=60"},
		{"hotp counter 0", acct(vault.HOTP, "Ex", "x"), "otpauth://hotp/Ex:x?secret=" + s + "&issuer=Ex&counter=0"},
		{"hotp", with(acct(vault.HOTP, "", "x"), func(a *vault.Account) { a.Counter, a.Digits = 12, 7 }),
			"otpauth://hotp/x?secret=" + s + "&digits=7&counter=12"},
		{"steam", acct(vault.Steam, "Steam", "gamer"),
			"otpauth://totp/Steam:gamer?secret=" + s + "&issuer=Steam&digits=5&encoder=steam"},
		{"not URI fields", with(acct(vault.TOTP, "", "x"), func(a *vault.Account) { a.Note, a.Icon = "n", "data:image/png;base64,AAAA" }),
			"otpauth://totp/x?secret=" + s},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Format(tc.a); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// uriFields keeps what a URI carries.
func uriFields(a vault.Account) vault.Account {
	return vault.Account{Type: a.Type, Issuer: a.Issuer, Name: a.Name, Secret: a.Secret,
		Algorithm: a.Algorithm, Digits: a.Digits, Period: a.Period, Counter: a.Counter}
}

func checkRoundTrip(t *testing.T, a vault.Account) {
	t.Helper()
	uri := Format(a)
	got, err := Parse(uri)
	if err != nil {
		t.Fatalf("Parse(Format(%+v)) = %v (uri %q)", a, err, uri)
	}
	if !reflect.DeepEqual(got, uriFields(a)) {
		t.Fatalf("round trip through %q:\ngot  %+v\nwant %+v", uri, got, a)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, a := range []vault.Account{
		acct(vault.TOTP, "Example", "alice@example.com"),
		acct(vault.TOTP, "", ""),
		acct(vault.TOTP, "Ex", ""),
		acct(vault.TOTP, "", "a:b"),
		acct(vault.TOTP, "", ":"),
		acct(vault.TOTP, "a:b", "c:d"),
		acct(vault.TOTP, "Ex", ":x"),
		acct(vault.TOTP, "C++", "a+b"),
		acct(vault.TOTP, "Steam", "not steam"),
		acct(vault.TOTP, "100%", "50% off & more?"),
		acct(vault.TOTP, "日本", "ユーザー"),
		with(acct(vault.HOTP, "Ex", "x"), func(a *vault.Account) { a.Counter = 1<<64 - 1; a.Algorithm = vault.SHA256 }),
		with(acct(vault.TOTP, "Ex", "x"), func(a *vault.Account) { a.Period = 1; a.Digits = 8 }),
		with(acct(vault.Steam, "", "gamer"), func(a *vault.Account) { a.Period = 60 }),
		acct(vault.Steam, "Steam", "gamer"),
	} {
		if err := Normalize(&a); err != nil {
			t.Fatalf("test account %+v: %v", a, err)
		}
		checkRoundTrip(t, a)
	}
}

// randomAccount draws a normalised account with awkward text.
func randomAccount(r *rand.Rand) vault.Account {
	pieces := []string{"", " ", ":", "+", "%", "&", "=", "?", "#", "/", "@", "a", "Z", "0", "ü", "日本", "-", "~", "%20", "+2fa", "\u00a0", "Steam", "\u200b"}
	text := func() string {
		var b strings.Builder
		for range r.IntN(6) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		return b.String()
	}
	key := make([]byte, 1+r.IntN(64))
	for i := range key {
		key[i] = byte(r.Uint32())
	}
	types := []vault.Type{vault.TOTP, vault.HOTP, vault.Steam}
	algs := []vault.Algorithm{vault.SHA1, vault.SHA256, vault.SHA512}
	a := vault.Account{
		Type: types[r.IntN(3)], Issuer: text(), Name: text(), Secret: b32.EncodeToString(key),
		Algorithm: algs[r.IntN(3)], Digits: 6 + r.IntN(3), Period: []int{30, 60, 1 + r.IntN(codes.MaxPeriod)}[r.IntN(3)],
		Counter: r.Uint64() >> r.IntN(64),
	}
	if a.Type == vault.Steam {
		a.Digits = 5
	}
	return a
}

func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for range 5000 {
		a := randomAccount(r)
		if err := Normalize(&a); err != nil {
			t.Fatalf("random account %+v: %v", a, err)
		}
		checkRoundTrip(t, a)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
		"otpauth://hotp/x?secret=jbsw+y3dp-ehpk-3pxp%3D%3D%3D&counter=5&digits=8&algorithm=sha-256",
		"otpauth://totp/Big+Co:bob?secret=JBSWY3DPEHPK3PXP&issuer=Big+Co&period=60&image=x&color=y",
		"otpauth://totp/Steam:g?secret=JBSWY3DPEHPK3PXP&issuer=Steam&digits=5&encoder=steam",
		"otpauth://steam/:a:b?secret=JBSWY3DPEHPK3PXP",
		"steam://JBSWY3DPEHPK3PXP",
		"otpauth://totp/%E6%97%A5:%C2%85?secret=A",
		"otpauth-migration://offline?data=AAAA",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		a, err := Parse(uri)
		if err != nil {
			if !strings.HasPrefix(err.Error(), ErrInvalidURI.Error()+": ") || !utf8.ValidString(err.Error()) && utf8.ValidString(uri) {
				t.Fatalf("badly formed error %q", err)
			}
			return
		}
		if err := codes.Validate(a); err != nil {
			t.Fatalf("Parse accepted an account codes rejects: %v", err)
		}
		if _, err := codes.Generate(a, unix59); err != nil {
			t.Fatalf("Generate: %v", err)
		}
		n := a
		if err := Normalize(&n); err != nil || !reflect.DeepEqual(n, a) {
			t.Fatalf("parsed account is not normalised: %+v, %v", n, err)
		}
		checkRoundTrip(t, a)
	})
}
