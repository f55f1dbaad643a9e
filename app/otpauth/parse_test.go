package otpauth

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/vault"
)

// sentinel is a valid base32 secret that no error message may contain.
const sentinel = "SENTINELSECRETXYZ234567ABCDEFGHQ"

// rfcSecret is RFC 6238's SHA1 seed "12345678901234567890" in base32.
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func acct(typ vault.Type, issuer, name string) vault.Account {
	a := vault.Account{Type: typ, Issuer: issuer, Name: name, Secret: sentinel, Algorithm: vault.SHA1, Digits: 6, Period: 30}
	if typ == vault.Steam {
		a.Digits = 5
	}
	return a
}

func with(a vault.Account, edit func(*vault.Account)) vault.Account {
	edit(&a)
	return a
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		uri  string
		want vault.Account
	}{
		{"canonical", "otpauth://totp/Example:alice@example.com?secret=" + sentinel + "&issuer=Example",
			acct(vault.TOTP, "Example", "alice@example.com")},
		{"lower-case secret", "otpauth://totp/Example:alice?secret=" + strings.ToLower(sentinel) + "&issuer=Example",
			acct(vault.TOTP, "Example", "alice")},
		{"padding", "otpauth://totp/x?secret=MFRGGZDF", with(acct(vault.TOTP, "", "x"), func(a *vault.Account) { a.Secret = "MFRGGZDF" })},
		{"padding %3D", "otpauth://totp/x?secret=MFRGGZA%3D", with(acct(vault.TOTP, "", "x"), func(a *vault.Account) { a.Secret = "MFRGGZA" })},
		{"literal padding", "otpauth://totp/x?secret=MFRGGZA=", with(acct(vault.TOTP, "", "x"), func(a *vault.Account) { a.Secret = "MFRGGZA" })},
		{"spaces in secret", "otpauth://totp/x?secret=SENT%20INEL+SECR%20ETXY-Z234-567A-BCDE-FGHQ", acct(vault.TOTP, "", "x")},
		{"plus in params", "otpauth://totp/Big%20Co:bob?secret=" + sentinel + "&issuer=Big+Co", acct(vault.TOTP, "Big Co", "bob")},
		{"plus in form-encoded label", "otpauth://totp/Big+Co:bob+smith?secret=" + sentinel, acct(vault.TOTP, "Big Co", "bob smith")},
		{"plus-addressed e-mail", "otpauth://totp/Big%20Co:alice+2fa@example.com?secret=" + sentinel + "&issuer=Big%20Co",
			acct(vault.TOTP, "Big Co", "alice+2fa@example.com")},
		{"%2B in label", "otpauth://totp/alice%2B2fa%40example.com?secret=" + sentinel, acct(vault.TOTP, "", "alice+2fa@example.com")},
		{"no issuer", "otpauth://totp/alice?secret=" + sentinel, acct(vault.TOTP, "", "alice")},
		{"no label", "otpauth://totp?secret=" + sentinel, acct(vault.TOTP, "", "")},
		{"empty label", "otpauth://totp/?secret=" + sentinel + "&issuer=Ex", acct(vault.TOTP, "Ex", "")},
		{"issuer only in label", "otpauth://totp/Example:alice?secret=" + sentinel, acct(vault.TOTP, "Example", "alice")},
		{"issuer only in param", "otpauth://totp/alice?secret=" + sentinel + "&issuer=Example", acct(vault.TOTP, "Example", "alice")},
		{"issuers disagree", "otpauth://totp/Old%20Name:alice?secret=" + sentinel + "&issuer=New%20Name",
			acct(vault.TOTP, "New Name", "alice")},
		{"encoded colon", "otpauth://totp/Example%3Aalice?secret=" + sentinel, acct(vault.TOTP, "Example", "alice")},
		{"trimmed", "otpauth://totp/%20Example%20:%20%20alice%20?secret=" + sentinel + "&issuer=%20Example%20", acct(vault.TOTP, "Example", "alice")},
		{"colon in issuer", "otpauth://totp/a:b:c?secret=" + sentinel + "&issuer=a%3Ab", acct(vault.TOTP, "a:b", "c")},
		{"colon in name", "otpauth://totp/Ex:a:b?secret=" + sentinel + "&issuer=Ex", acct(vault.TOTP, "Ex", "a:b")},
		{"unicode", "otpauth://totp/M%C3%BCller%20AG:j%C3%BCrgen?secret=" + sentinel, acct(vault.TOTP, "Müller AG", "jürgen")},
		{"SHA-256", "otpauth://totp/x?secret=" + sentinel + "&algorithm=SHA-256", with(acct(vault.TOTP, "", "x"), func(a *vault.Account) { a.Algorithm = vault.SHA256 })},
		{"sha512", "otpauth://totp/x?secret=" + sentinel + "&algorithm=sha512", with(acct(vault.TOTP, "", "x"), func(a *vault.Account) { a.Algorithm = vault.SHA512 })},
		{"HmacSHA256", "otpauth://totp/x?secret=" + sentinel + "&algorithm=HmacSHA256", with(acct(vault.TOTP, "", "x"), func(a *vault.Account) { a.Algorithm = vault.SHA256 })},
		{"HMAC-SHA-1", "otpauth://totp/x?secret=" + sentinel + "&algorithm=HMAC-SHA-1", acct(vault.TOTP, "", "x")},
		{"empty algorithm", "otpauth://totp/x?secret=" + sentinel + "&algorithm=", acct(vault.TOTP, "", "x")},
		{"8 digits, period 60", "otpauth://totp/x?secret=" + sentinel + "&digits=8&period=60",
			with(acct(vault.TOTP, "", "x"), func(a *vault.Account) { a.Digits, a.Period = 8, 60 })},
		{"7 digits", "otpauth://totp/x?secret=" + sentinel + "&digits=7", with(acct(vault.TOTP, "", "x"), func(a *vault.Account) { a.Digits = 7 })},
		{"upper-case type and keys", "OTPAUTH://TOTP/x?SECRET=" + sentinel + "&Digits=8", with(acct(vault.TOTP, "", "x"), func(a *vault.Account) { a.Digits = 8 })},
		{"FreeOTP image and color ignored", "otpauth://totp/Ex:x?secret=" + sentinel + "&issuer=Ex&image=https%3A%2F%2Fexample.com%2Flogo.png&color=FF0000",
			acct(vault.TOTP, "Ex", "x")},
		{"fragment ignored", "otpauth://totp/x?secret=" + sentinel + "#frag", acct(vault.TOTP, "", "x")},
		{"surrounding whitespace", "  otpauth://totp/x?secret=" + sentinel + "\n", acct(vault.TOTP, "", "x")},
		{"repeated same value", "otpauth://totp/x?secret=" + sentinel + "&secret=" + sentinel, acct(vault.TOTP, "", "x")},
		{"counter ignored for totp", "otpauth://totp/x?secret=" + sentinel + "&counter=abc", acct(vault.TOTP, "", "x")},
		{"hotp", "otpauth://hotp/Ex:x?secret=" + sentinel + "&issuer=Ex&counter=42", with(acct(vault.HOTP, "Ex", "x"), func(a *vault.Account) { a.Counter = 42 })},
		{"hotp without counter", "otpauth://hotp/x?secret=" + sentinel, acct(vault.HOTP, "", "x")},
		{"hotp ignores period", "otpauth://hotp/x?secret=" + sentinel + "&counter=18446744073709551615&period=60",
			with(acct(vault.HOTP, "", "x"), func(a *vault.Account) { a.Counter = 1<<64 - 1 })},
		{"steam encoder", "otpauth://totp/Steam:gamer?secret=" + sentinel + "&issuer=Steam&encoder=steam", acct(vault.Steam, "Steam", "gamer")},
		{"steam encoder with digits", "otpauth://totp/Steam:gamer?secret=" + sentinel + "&issuer=Steam&digits=5&encoder=Steam", acct(vault.Steam, "Steam", "gamer")},
		{"steam issuer and 5 digits", "otpauth://totp/Steam:gamer?secret=" + sentinel + "&digits=5", acct(vault.Steam, "Steam", "gamer")},
		{"steam issuer, 6 digits", "otpauth://totp/Steam:gamer?secret=" + sentinel, acct(vault.TOTP, "Steam", "gamer")},
		{"aegis steam type", "otpauth://steam/Steam:gamer?secret=" + sentinel + "&issuer=Steam&digits=5", acct(vault.Steam, "Steam", "gamer")},
		{"steam uri", "steam://" + sentinel, acct(vault.Steam, "Steam", "")},
		{"steam uri lower case", "steam://" + strings.ToLower(sentinel) + "/", acct(vault.Steam, "Steam", "")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.uri)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	base := "otpauth://totp/Ex:alice?secret=" + sentinel
	tests := []struct {
		name, uri, phrase string
	}{
		{"empty", "  ", "empty"},
		{"other scheme", "https://example.com/?secret=" + sentinel, `scheme "https" is not otpauth`},
		{"no scheme", sentinel, "does not start with otpauth://"},
		{"migration", "otpauth-migration://offline?data=" + sentinel, "otpauth-migration"},
		{"unknown type", "otpauth://motp/x?secret=" + sentinel, `type "motp" is not supported`},
		{"no type", "otpauth:///x?secret=" + sentinel, "no type"},
		{"no secret", "otpauth://totp/Ex:alice?issuer=Ex", "no secret"},
		{"empty secret", "otpauth://totp/Ex:alice?secret=%20&issuer=Ex", "no secret"},
		{"invalid base32", "otpauth://totp/x?secret=" + sentinel[:20] + "0189" + sentinel[24:], "not valid base32"},
		{"impossible length", base + "A", "not a possible length"},
		{"bad percent in secret", "otpauth://totp/x?secret=" + sentinel + "%G1", `parameter "secret" is not valid percent-encoding`},
		{"zero period", base + "&period=0", "period 0 is not a positive"},
		{"negative period", base + "&period=-30", "period -30 is not a positive"},
		{"non-numeric period", base + "&period=thirty", `period "thirty" is not a whole number`},
		{"huge period", base + "&period=99999999999999999999", "not a whole number"},
		{"period over a day", base + "&period=86401", "period must be 1 to 86400"},
		{"zero digits", base + "&digits=0", "digits 0 is out of range"},
		{"5 digits", base + "&digits=5", "6 to 8 digits, not 5"},
		{"9 digits", base + "&digits=9", "6 to 8 digits, not 9"},
		{"10 digits hotp", "otpauth://hotp/x?secret=" + sentinel + "&digits=10", "hotp codes must have 6 to 8 digits, not 10"},
		{"non-numeric digits", base + "&digits=six", `digits "six" is not a number`},
		{"steam with 6 digits", base + "&encoder=steam&digits=6", "steam codes have 5 characters, not 6"},
		{"hotp steam", "otpauth://hotp/x?secret=" + sentinel + "&encoder=steam", "need a totp URI"},
		{"unknown encoder", base + "&encoder=yubico", `encoder "yubico" is not supported`},
		{"unknown algorithm", base + "&algorithm=SHA3-256", `algorithm "SHA3-256" is not supported`},
		{"md5", base + "&algorithm=MD5", "MD5 is not supported"},
		{"negative counter", "otpauth://hotp/x?secret=" + sentinel + "&counter=-1", `counter "-1" is not a whole number`},
		{"counter overflow", "otpauth://hotp/x?secret=" + sentinel + "&counter=18446744073709551616", "counter"},
		{"conflicting secrets", base + "&secret=MFRGGZDF", `"secret" is given twice`},
		{"raw control character", "otpauth://totp/Ex:al\x07ice?secret=" + sentinel, "control character at byte 20"},
		{"encoded control character", "otpauth://totp/Ex:al%07ice?secret=" + sentinel, "name contains the control character U+0007"},
		{"encoded newline in issuer", base + "&issuer=Ex%0AEvil", "issuer contains the control character U+000A"},
		{"C1 control", "otpauth://totp/Ex:al%C2%85ice?secret=" + sentinel, "U+0085"},
		{"invalid UTF-8", "otpauth://totp/Ex:al%FFice?secret=" + sentinel, "name is not valid UTF-8"},
		{"bad label escape", "otpauth://totp/Ex:al%zzice?secret=" + sentinel, "label is not valid percent-encoding"},
		{"long name", "otpauth://totp/" + strings.Repeat("n", MaxTextLength+1) + "?secret=" + sentinel, "name is longer than 1024 bytes"},
		{"too long", base + "&x=" + strings.Repeat("a", MaxURILength), "the limit is 65536"},
		{"empty steam", "steam://", "no secret"},
		{"bad steam secret", "steam://" + sentinel + "1", "not valid base32"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Parse(tc.uri)
			if err == nil {
				t.Fatalf("Parse accepted it: %+v", a)
			}
			if !errors.Is(err, ErrInvalidURI) {
				t.Errorf("error %v does not wrap ErrInvalidURI", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.phrase) {
				t.Errorf("error %q does not mention %q", msg, tc.phrase)
			}
			if strings.Contains(strings.ToUpper(msg), sentinel[:12]) || strings.Count(msg, "\n") > 0 {
				t.Errorf("error %q contains the secret or a line break", msg)
			}
			if !reflect.DeepEqual(a, vault.Account{}) {
				t.Errorf("Parse returned a partial account on error")
			}
		})
	}
}

func TestParseErrorKinds(t *testing.T) {
	_, err := Parse("otpauth-migration://offline?data=AAAA")
	if !errors.Is(err, ErrMigrationLink) {
		t.Errorf("migration link: %v does not wrap ErrMigrationLink", err)
	}
	_, err = Parse("otpauth://totp/x?secret=" + sentinel + "&digits=9")
	var ae *codes.AccountError
	if !errors.As(err, &ae) || ae.Field != "digits" || !errors.Is(err, codes.ErrInvalidAccount) {
		t.Errorf("digits error %v should carry a *codes.AccountError for digits", err)
	}
}

// TestParsedCodes checks the parsed account produces the RFC 6238 code, so
// algorithm spellings map to the right hash and not to SHA1.
func TestParsedCodes(t *testing.T) {
	for _, tc := range []struct{ uri, want string }{
		{"otpauth://totp/x?secret=" + rfcSecret + "&digits=8", "94287082"},
		{"otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA&digits=8&algorithm=SHA-256", "46119246"},
		{"otpauth://totp/x?secret=gezdgnbvgy3tqojqgezdgnbvgy3tqojqgezdgnbvgy3tqojqgezdgnbvgy3tqojqgezdgnbvgy3tqojqgezdgnbvgy3tqojqgezdgna%3D&digits=8&algorithm=HmacSHA512", "90693936"},
	} {
		a, err := Parse(tc.uri)
		if err != nil {
			t.Fatal(err)
		}
		got, err := codes.Generate(a, unix59)
		if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", a.Algorithm, got, err, tc.want)
		}
	}
}

func TestIsLink(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"otpauth://totp/Acme:ann?secret=JBSWY3DPEHPK3PXP", true},
		{"OTPAUTH://TOTP/Acme:ann?secret=JBSWY3DPEHPK3PXP", true},
		{"otpauth-migration://offline?data=CjEKCkhlbGxv", true},
		{"Otpauth-Migration://offline?data=x", true},
		{"otpauth://", true}, // meant as one; Parse says what is wrong
		{"", false},
		{"otpauth:totp/Acme", false},
		{" otpauth://totp/Acme", false},
		{"latchkey://link?portal=https://portal.example", false},
		{"https://example.com/otpauth://totp", false},
		{"steam://JBSWY3DPEHPK3PXP", false},
	}
	for _, tt := range tests {
		if got := IsLink(tt.s); got != tt.want {
			t.Errorf("IsLink(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
