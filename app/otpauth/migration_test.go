package otpauth

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/latchkey/latchkey/vault"
)

// handMade is a MigrationPayload assembled byte by byte from the schema:
//
//	0a 2a                       field 1 (otp_parameters), 42 bytes:
//	  0a 0a 48656c6c6f21deadbeef  1 secret "Hello!\xde\xad\xbe\xef" (base32 JBSWY3DPEHPK3PXP)
//	  12 0d "Example:alice"       2 name
//	  1a 07 "Example"             3 issuer
//	  20 01  28 01  30 02         4 algorithm SHA1, 5 digits SIX, 6 type TOTP
//	10 01  18 01  20 00         2 version 1, 3 batch_size 1, 4 batch_index 0
//	28 87 ad 4b                 5 batch_id 1234567 (varint)
const handMade = "CioKCkhlbGxvId6tvu8SDUV4YW1wbGU6YWxpY2UaB0V4YW1wbGUgASgBMAIQARgBIAAoh61L"

var helloKey = []byte("Hello!\xde\xad\xbe\xef")

type entry struct {
	num protowire.Number
	v   any // []byte, string or uint64
}

// message builds a protobuf message with protowire.Append*.
func message(fields ...entry) []byte {
	var b []byte
	for _, f := range fields {
		switch v := f.v.(type) {
		case []byte:
			b = protowire.AppendTag(b, f.num, protowire.BytesType)
			b = protowire.AppendBytes(b, v)
		case string:
			b = protowire.AppendTag(b, f.num, protowire.BytesType)
			b = protowire.AppendString(b, v)
		case uint64:
			b = protowire.AppendTag(b, f.num, protowire.VarintType)
			b = protowire.AppendVarint(b, v)
		}
	}
	return b
}

func link(payload []byte) string {
	return "otpauth-migration://offline?data=" + url.QueryEscape(base64.StdEncoding.EncodeToString(payload))
}

func TestDecodeMigrationHandMade(t *testing.T) {
	built := message(
		entry{1, message(entry{1, helloKey}, entry{2, "Example:alice"}, entry{3, "Example"},
			entry{4, uint64(1)}, entry{5, uint64(1)}, entry{6, uint64(2)})},
		entry{2, uint64(1)}, entry{3, uint64(1)}, entry{4, uint64(0)}, entry{5, uint64(1234567)},
	)
	raw, _ := base64.StdEncoding.DecodeString(handMade)
	if !bytes.Equal(built, raw) {
		t.Fatalf("protowire bytes %x differ from the hand-made %x", built, raw)
	}
	got, err := DecodeMigration("otpauth-migration://offline?data=" + url.QueryEscape(handMade))
	if err != nil {
		t.Fatal(err)
	}
	want := Batch{
		Accounts: []vault.Account{{Type: vault.TOTP, Issuer: "Example", Name: "alice", Secret: "JBSWY3DPEHPK3PXP",
			Algorithm: vault.SHA1, Digits: 6, Period: 30}},
		Version: 1, BatchSize: 1, BatchIndex: 0, BatchID: 1234567,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// TestDecodeMigrationData accepts the data parameter however it was mangled.
func TestDecodeMigrationData(t *testing.T) {
	raw, _ := base64.StdEncoding.DecodeString(handMade)
	// A payload whose base64 has "+" and "/" in it: batch_id bytes chosen so.
	payload := append(raw[:len(raw):len(raw)], message(entry{7, []byte{0xfb, 0xff, 0xbf}})...)
	std := base64.StdEncoding.EncodeToString(payload)
	if !strings.ContainsAny(std, "+/") {
		t.Fatalf("test payload %q has no + or /", std)
	}
	for name, data := range map[string]string{
		"escaped":       url.QueryEscape(std),
		"raw":           std,
		"plus as space": strings.ReplaceAll(std, "+", " "),
		"plus as %20":   strings.ReplaceAll(std, "+", "%20"),
		"URL-safe":      base64.URLEncoding.EncodeToString(payload),
		"URL-safe raw":  base64.RawURLEncoding.EncodeToString(payload),
		"unpadded":      base64.RawStdEncoding.EncodeToString(payload),
		"line breaks":   std[:10] + "%0A" + std[10:],
	} {
		t.Run(name, func(t *testing.T) {
			b, err := DecodeMigration("otpauth-migration://offline?foo=bar&data=" + data + "#x")
			if err != nil || len(b.Accounts) != 1 || b.Accounts[0].Secret != "JBSWY3DPEHPK3PXP" {
				t.Errorf("got %+v, %v", b, err)
			}
		})
	}
}

func TestDecodeMigrationEntries(t *testing.T) {
	secret := []byte("0123456789")
	const secret32 = "GAYTEMZUGU3DOOBZ"
	totp := func(issuer, name string) vault.Account {
		return vault.Account{Type: vault.TOTP, Issuer: issuer, Name: name, Secret: secret32, Algorithm: vault.SHA1, Digits: 6, Period: 30}
	}
	tests := []struct {
		name   string
		fields []entry
		want   *vault.Account
		reason string
	}{
		{"all unspecified", []entry{{1, secret}}, &vault.Account{Type: vault.TOTP, Secret: secret32, Algorithm: vault.SHA1, Digits: 6, Period: 30}, ""},
		{"name without issuer", []entry{{1, secret}, {2, "alice"}}, ptr(totp("", "alice")), ""},
		{"label in name", []entry{{1, secret}, {2, "Ex:alice"}}, ptr(totp("Ex", "alice")), ""},
		{"label and issuer", []entry{{1, secret}, {2, "Ex:alice"}, {3, "Ex"}}, ptr(totp("Ex", "alice")), ""},
		{"issuers disagree", []entry{{1, secret}, {2, "Old:alice"}, {3, "New"}}, ptr(totp("New", "alice")), ""},
		{"plain name with issuer", []entry{{1, secret}, {2, "alice"}, {3, "Ex"}}, ptr(totp("Ex", "alice")), ""},
		{"SHA1", []entry{{1, secret}, {4, uint64(1)}}, ptr(totp("", "")), ""},
		{"SHA256", []entry{{1, secret}, {4, uint64(2)}}, ptr(with(totp("", ""), func(a *vault.Account) { a.Algorithm = vault.SHA256 })), ""},
		{"SHA512", []entry{{1, secret}, {4, uint64(3)}}, ptr(with(totp("", ""), func(a *vault.Account) { a.Algorithm = vault.SHA512 })), ""},
		{"MD5", []entry{{1, secret}, {2, "Ex:alice"}, {4, uint64(4)}}, nil, "MD5"},
		{"algorithm 5", []entry{{1, secret}, {4, uint64(5)}}, nil, "algorithm has the unknown value 5"},
		{"six", []entry{{1, secret}, {5, uint64(1)}}, ptr(totp("", "")), ""},
		{"eight", []entry{{1, secret}, {5, uint64(2)}}, ptr(with(totp("", ""), func(a *vault.Account) { a.Digits = 8 })), ""},
		{"digits 3", []entry{{1, secret}, {5, uint64(3)}}, nil, "digit count has the unknown value 3"},
		{"digits as a count", []entry{{1, secret}, {5, uint64(6)}}, nil, "digit count has the unknown value 6"},
		{"TOTP ignores counter", []entry{{1, secret}, {6, uint64(2)}, {7, uint64(9)}}, ptr(totp("", "")), ""},
		{"HOTP", []entry{{1, secret}, {6, uint64(1)}, {7, uint64(9)}}, ptr(with(totp("", ""), func(a *vault.Account) { a.Type, a.Counter = vault.HOTP, 9 })), ""},
		{"HOTP no counter", []entry{{1, secret}, {6, uint64(1)}}, ptr(with(totp("", ""), func(a *vault.Account) { a.Type = vault.HOTP })), ""},
		{"HOTP negative counter", []entry{{1, secret}, {6, uint64(1)}, {7, uint64(1 << 63)}}, nil, "is negative"},
		{"type 3", []entry{{1, secret}, {6, uint64(3)}}, nil, "type has the unknown value 3"},
		{"no secret", []entry{{2, "Ex:alice"}}, nil, "no secret"},
		{"empty secret", []entry{{1, []byte{}}, {2, "alice"}}, nil, "no secret"},
		{"control character", []entry{{1, secret}, {2, "a\x00b"}}, ptr(totp("", "ab")), ""},
		{"unknown field", []entry{{1, secret}, {9, uint64(1)}, {10, "x"}}, ptr(totp("", "")), ""},
		{"wrong wire type", []entry{{1, secret}, {2, uint64(1)}}, nil, "field 2 has wire type 0, not bytes"},
		{"enum as bytes", []entry{{1, secret}, {4, "x"}}, nil, "field 4 has wire type 2, not varint"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			other := message(entry{1, helloKey}, entry{2, "ok"})
			b, err := DecodeMigration(link(message(entry{1, other}, entry{1, message(tc.fields...)}, entry{3, uint64(2)})))
			if err != nil {
				t.Fatal(err)
			}
			if b.BatchSize != 2 || len(b.Accounts) == 0 || b.Accounts[0].Name != "ok" {
				t.Fatalf("the good entry is missing: %+v", b)
			}
			if tc.want != nil {
				if len(b.Accounts) != 2 || !reflect.DeepEqual(b.Accounts[1], *tc.want) || len(b.Skipped) != 0 {
					t.Errorf("got %+v\nwant %+v", b, *tc.want)
				}
				return
			}
			if len(b.Skipped) != 1 || b.Skipped[0].Index != 1 || !strings.Contains(b.Skipped[0].Reason, tc.reason) {
				t.Errorf("got %+v; want entry 1 skipped for %q", b, tc.reason)
			}
			if strings.Contains(b.Skipped[0].Reason, "GAYTEMZU") || strings.Contains(b.Skipped[0].Reason, "0123456789") {
				t.Errorf("reason contains the secret")
			}
		})
	}
	b, _ := DecodeMigration(link(message(entry{1, message(entry{1, secret}, entry{2, "Ex:alice"}, entry{4, uint64(4)})})))
	if len(b.Skipped) != 1 || b.Skipped[0].Issuer != "Ex" || b.Skipped[0].Name != "alice" {
		t.Errorf("a skipped entry should name its account: %+v", b.Skipped)
	}
}

func ptr(a vault.Account) *vault.Account { return &a }

func TestDecodeMigrationHeader(t *testing.T) {
	e := message(entry{1, helloKey})
	neg := uint64(0xffffffffffffff85) // int32 -123 sign-extended, as protobuf writes it
	b, err := DecodeMigration(link(message(entry{1, e}, entry{2, uint64(1)}, entry{3, uint64(3)}, entry{4, uint64(2)}, entry{5, neg}, entry{6, "future"})))
	if err != nil {
		t.Fatal(err)
	}
	if b.Version != 1 || b.BatchSize != 3 || b.BatchIndex != 2 || b.BatchID != -123 {
		t.Errorf("header %+v", b)
	}
}

func TestDecodeMigrationRejects(t *testing.T) {
	good := message(entry{1, message(entry{1, helloKey})})
	tests := []struct{ name, uri, phrase string }{
		{"other scheme", "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP", "does not start with otpauth-migration://"},
		{"no data", "otpauth-migration://offline?x=1", "no data parameter"},
		{"empty data", "otpauth-migration://offline?data=", "no data parameter"},
		{"two data", link(good) + "&data=AAAA", "more than one data parameter"},
		{"bad escape", "otpauth-migration://offline?data=%zz", "not valid percent-encoding"},
		{"bad base64", "otpauth-migration://offline?data=!!!!", "not valid base64"},
		{"impossible base64 length", "otpauth-migration://offline?data=AAAAA", "not valid base64"},
		{"no entries", link(message(entry{2, uint64(1)})), "contains no accounts"},
		{"empty payload", "otpauth-migration://offline?data=AA", "payload is corrupt"},
		{"truncated", link(good[:len(good)-3]), "payload is corrupt"},
		{"entries as varint", link(message(entry{1, uint64(5)})), "field 1 has wire type 0, not bytes"},
		{"version as bytes", link(append(good, message(entry{2, "1"})...)), "field 2 has wire type 2, not varint"},
		{"control character", "otpauth-migration://offline?data=A\x01", "control character"},
		{"too long", "otpauth-migration://offline?data=" + strings.Repeat("A", MaxURILength), "the limit is 65536"},
		{"more parts than any export", link(append(good, message(entry{3, uint64(MaxBatchSize + 1)})...)), "one of 1001 QR codes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := DecodeMigration(tc.uri)
			if !errors.Is(err, ErrInvalidMigration) || !strings.Contains(err.Error(), tc.phrase) {
				t.Fatalf("got %+v, %v; want an error mentioning %q", b, err, tc.phrase)
			}
			if strings.Contains(err.Error(), "JBSWY3DP") {
				t.Errorf("error contains the secret")
			}
		})
	}
}

func exportable() []vault.Account {
	accounts := []vault.Account{
		acct(vault.TOTP, "Example", "alice@example.com"),
		acct(vault.TOTP, "", "no issuer"),
		acct(vault.TOTP, "", "a:b"),
		acct(vault.TOTP, "a:b", "c"),
		with(acct(vault.TOTP, "Ex", "eight"), func(a *vault.Account) { a.Digits, a.Algorithm = 8, vault.SHA512 }),
		with(acct(vault.HOTP, "Ex", "counter"), func(a *vault.Account) { a.Counter, a.Algorithm = 1<<62, vault.SHA256 }),
		with(acct(vault.HOTP, "", "zero"), func(a *vault.Account) { a.Secret = "JBSWY3DPEHPK3PXP" }),
	}
	return accounts
}

func TestMigrationRoundTrip(t *testing.T) {
	in := exportable()
	for _, perQR := range []int{1, 2, 3, 7, 10} {
		uris, err := EncodeMigration(in, perQR)
		if err != nil {
			t.Fatal(err)
		}
		if want := (len(in) + perQR - 1) / perQR; len(uris) != want {
			t.Fatalf("perQR %d: %d links, want %d", perQR, len(uris), want)
		}
		var out []vault.Account
		var id int
		for i, u := range uris {
			if !strings.HasPrefix(u, "otpauth-migration://offline?data=") || strings.ContainsAny(u[33:], "+/= ") {
				t.Errorf("link %q is not escaped", u)
			}
			b, err := DecodeMigration(u)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				id = b.BatchID
			}
			if b.Version != 1 || b.BatchSize != len(uris) || b.BatchIndex != i || b.BatchID != id || id < 0 || len(b.Skipped) > 0 {
				t.Errorf("link %d header %+v", i, b)
			}
			out = append(out, b.Accounts...)
		}
		if !reflect.DeepEqual(out, in) {
			t.Errorf("perQR %d:\ngot  %+v\nwant %+v", perQR, out, in)
		}
	}
}

func TestEncodeMigrationRefuses(t *testing.T) {
	in := append(exportable(),
		acct(vault.Steam, "Steam", "gamer"),
		with(acct(vault.TOTP, "Ex", "slow"), func(a *vault.Account) { a.Period = 60 }),
		with(acct(vault.TOTP, "Ex", "seven"), func(a *vault.Account) { a.Digits = 7 }),
		with(acct(vault.HOTP, "Ex", "big"), func(a *vault.Account) { a.Counter = 1 << 63 }),
		with(acct(vault.TOTP, "Ex", "broken"), func(a *vault.Account) { a.Secret = "!" }),
	)
	uris, err := EncodeMigration(in, 10)
	var ee *ExportError
	if !errors.As(err, &ee) || uris != nil {
		t.Fatalf("got %v, %v; want an *ExportError", uris, err)
	}
	var idx []int
	for _, s := range ee.Skipped {
		idx = append(idx, s.Index)
	}
	if !reflect.DeepEqual(idx, []int{7, 8, 9, 10, 11}) {
		t.Errorf("skipped %v", ee.Skipped)
	}
	msg := err.Error()
	for _, p := range []string{"5 accounts cannot be exported", `"Steam:gamer" (no Steam codes`, "not 60", "not 7", "counter is too large", "not valid base32"} {
		if !strings.Contains(msg, p) {
			t.Errorf("error %q does not mention %q", msg, p)
		}
	}
	if strings.Contains(msg, sentinel[:12]) {
		t.Errorf("error contains the secret")
	}
	if _, err := EncodeMigration(exportable(), 0); err == nil {
		t.Error("perQR 0 accepted")
	}
	if _, err := EncodeMigration(nil, 10); err == nil {
		t.Error("no accounts accepted")
	}
}

func FuzzDecodeMigration(f *testing.F) {
	raw, _ := base64.StdEncoding.DecodeString(handMade)
	f.Add(raw)
	f.Add(message(entry{1, message(entry{1, helloKey}, entry{6, uint64(1)}, entry{7, uint64(3)})}, entry{5, uint64(1 << 40)}))
	f.Add(message(entry{1, message(entry{1, helloKey}, entry{4, uint64(4)})}, entry{1, []byte{0x0a}}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, payload []byte) {
		uri := link(payload)
		b, err := DecodeMigration(uri)
		if err != nil {
			if !errors.Is(err, ErrInvalidMigration) {
				t.Fatalf("error %v does not wrap ErrInvalidMigration", err)
			}
			return
		}
		for _, a := range b.Accounts {
			n := a
			if err := Normalize(&n); err != nil || !reflect.DeepEqual(n, a) {
				t.Fatalf("decoded account is not normalised: %+v, %v", a, err)
			}
			if CanExportMigration(a) == nil {
				uris, err := EncodeMigration([]vault.Account{a}, 1)
				if err != nil {
					t.Fatal(err)
				}
				back, err := DecodeMigration(uris[0])
				if err != nil || len(back.Accounts) != 1 || !reflect.DeepEqual(back.Accounts[0], a) {
					t.Fatalf("re-encoding %+v gave %+v, %v", a, back, err)
				}
			}
		}
		for _, s := range b.Skipped {
			if s.Reason == "" || s.Index < 0 {
				t.Fatalf("bad skip %+v", s)
			}
		}
	})
}
