package importer

import (
	"context"
	"crypto/sha256"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/vault"
)

// Sentinels: values that must never appear in an error, a skip reason or a
// source. The secrets are valid base32 (so they import) except the bad one,
// which has 1s and 0s (so it is skipped, and its reason must not quote it).
const (
	sentinelSecret    = "SENTINELSECRETAB"
	sentinelSecret2   = "QWERTYSENTINELZZ"
	sentinelBadSecret = "SENTINEL1SECRET0"
	sentinelPassword  = "correct horse sentinel"
)

// exportAccount is what a test expects of an imported account.
type exportAccount struct {
	Issuer, Name string
	Type         vault.Type
	Algorithm    vault.Algorithm
	Digits       int
	Period       int
	Counter      uint64
	Secret       string
	Group, Note  string
	Favourite    bool
	Icon         string
}

func projectAccount(a vault.Account) exportAccount {
	return exportAccount{a.Issuer, a.Name, a.Type, a.Algorithm, a.Digits, a.Period, a.Counter,
		a.Secret, a.Group, a.Note, a.Favourite, a.Icon}
}

// readExport reads data as format ("" detects) with password ("" means no
// password is available). calls counts the times the password was asked.
func readExport(t *testing.T, data []byte, format Format, password string) (res *Result, calls int, err error) {
	t.Helper()
	var opts Options
	if password != "" {
		opts.Password = func() (string, error) { calls++; return password, nil }
	}
	res, err = New().Read(context.Background(), "backup.file", data, format, opts)
	return res, calls, err
}

// checkAccounts compares the imported accounts with want, in order.
func checkAccounts(t *testing.T, res *Result, want []exportAccount) {
	t.Helper()
	if len(res.Entries) != len(want) {
		t.Fatalf("%d entries, want %d; skipped %+v", len(res.Entries), len(want), res.Skipped)
	}
	for i, e := range res.Entries {
		if got := projectAccount(e.Account); got != want[i] {
			t.Errorf("entry %d (%s):\n got %+v\nwant %+v", i, e.Source, got, want[i])
		}
		if err := codes.Validate(e.Account); err != nil {
			t.Errorf("entry %d does not generate codes: %v", i, err)
		}
	}
}

// checkSkipped compares skip sources and reason fragments, in order.
func checkSkipped(t *testing.T, res *Result, want [][2]string) {
	t.Helper()
	if len(res.Skipped) != len(want) {
		t.Fatalf("skipped %+v, want %d", res.Skipped, len(want))
	}
	for i, s := range res.Skipped {
		if s.Source != want[i][0] || !strings.Contains(s.Reason, want[i][1]) {
			t.Errorf("skipped %d = %+v, want source %q and a reason with %q", i, s, want[i][0], want[i][1])
		}
	}
}

// checkNoSecrets fails when a sentinel shows in err or in what was skipped.
func checkNoSecrets(t *testing.T, res *Result, err error) {
	t.Helper()
	for _, text := range messagesOf(res, err) {
		for _, secret := range []string{sentinelSecret, sentinelSecret2, sentinelBadSecret, sentinelPassword} {
			if strings.Contains(strings.ToUpper(text), strings.ToUpper(secret)) {
				t.Errorf("a secret leaked into %q", text)
			}
		}
	}
}

func TestDetectAppExports(t *testing.T) {
	aegis := aegisFixture(t, aegisV3Content(t))
	twofas := twofasFixture(t, 4, twofasServices())
	andotp := andotpFixture(t)
	tests := []struct {
		name string
		data []byte
		want Format
	}{
		{"aegis plain", aegis, FormatAegis},
		{"aegis encrypted", aegisEncrypt(t, aegisV3Content(t), sentinelPassword, aegisTestSlot), FormatAegis},
		{"aegis truncated", aegis[:len(aegis)/2], FormatAegis},
		{"2fas plain", twofas, Format2FAS},
		{"2fas encrypted", twofasEncrypt(t, twofasFixture(t, 4, twofasServices()), sentinelPassword), Format2FAS},
		{"2fas truncated in services", twofas[:len(twofas)/3], Format2FAS},
		{"andotp plain", andotp, FormatAndOTP},
		{"andotp with BOM", append([]byte("\ufeff"), andotp...), FormatAndOTP},
		{"andotp encrypted", andotpEncrypt(t, andotp, sentinelPassword, 150_000), FormatAndOTPEncrypted},
		{"andotp encrypted, iterations outside the app's range", andotpEncrypt(t, andotp, sentinelPassword, 1000), ""},
		{"andotp old format has no signature", andotpEncryptOld(t, andotp, sentinelPassword), ""},
		{"truetype font header", append([]byte{0, 1, 0, 0, 0, 0x10, 0x80}, make([]byte, 64)...), ""},
		{"json object of another app", []byte(`{"version":1,"entries":[{"secret":"x"}]}`), ""},
		{"json array of other objects", []byte(`[{"secret":"x","name":"y"}]`), ""},
		{"services without 2FAS fields", []byte(`{"services":[{"name":"web"}]}`), ""},
		{"empty array", []byte(`[]`), ""},
	}
	for _, tt := range tests {
		if got := Detect(tt.data); got != tt.want {
			t.Errorf("%s: Detect = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestPeekJSONShape(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		array bool
		keys  string
		first string
	}{
		{"object", `{"a":1,"b":{"c":[1,2]},"d":"x"}`, false, "a b d", ""},
		{"first elements", `{"s":[{"x":1,"y":[{}]},{"z":2}],"t":[1,{"q":1}]}`, false, "s t", "x y"},
		{"truncated", `{"a":1,"b":[{"c":`, false, "a b", ""},
		{"array", `[{"k":1,"l":[]}, {"m":2}]`, true, "k l", ""},
		{"array of scalars", `[1,2]`, true, "", ""},
	}
	for _, tt := range tests {
		s, ok := peekJSONShape([]byte(tt.data))
		if !ok || s.array != tt.array || sortedKeys(s.keys) != tt.keys || sortedKeys(s.firstKeys["s"]) != tt.first {
			t.Errorf("%s: peek = %+v, %v", tt.name, s, ok)
		}
	}
	for _, bad := range []string{"", "x", `"str"`, "42"} {
		if _, ok := peekJSONShape([]byte(bad)); ok {
			t.Errorf("peek(%q) claims JSON structure", bad)
		}
	}
}

func sortedKeys(m map[string]bool) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, " ")
}

func TestJoinGroupNames(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"Work"}, "Work"},
		{[]string{" Work ", "", "Personal", "Work"}, "Work, Personal"},
	}
	for _, tt := range tests {
		if got := joinGroupNames(tt.in); got != tt.want {
			t.Errorf("joinGroupNames(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUnmarshalExportEntryQuotesNoValue(t *testing.T) {
	var e struct {
		Secret string `json:"secret"`
	}
	problem := unmarshalExportEntry([]byte(`{"secret": 234567234567}`), &e)
	if problem == "" || strings.Contains(problem, "234567") || !strings.Contains(problem, "secret") {
		t.Errorf("problem = %q, want the field named and the value absent", problem)
	}
}

// stubKDFs replaces the key derivations with a hash for the duration of a
// fuzz test: fuzzing is about parsing hostile files, and a real scrypt or
// PBKDF2 per input would cut its speed a thousandfold. The parameter
// checks still run before the stand-ins.
func stubKDFs(tb testing.TB) {
	scrypt, twofas, andotp := aegisScrypt, twofasPBKDF2, andotpPBKDF2
	tb.Cleanup(func() { aegisScrypt, twofasPBKDF2, andotpPBKDF2 = scrypt, twofas, andotp })
	aegisScrypt = func(pw, salt []byte, _, _, _, keyLen int) ([]byte, error) {
		return stubKey(string(pw), salt)[:keyLen], nil
	}
	twofasPBKDF2 = func(pw string, salt []byte) ([]byte, error) { return stubKey(pw, salt), nil }
	andotpPBKDF2 = func(pw string, salt []byte, _ int) ([]byte, error) { return stubKey(pw, salt), nil }
}

func stubKey(pw string, salt []byte) []byte {
	h := sha256.Sum256(append([]byte(pw), salt...))
	return h[:]
}

// fuzzRead reads data as format and checks what must hold for any input:
// no panic, errors that name the input, and only accounts that generate
// codes.
func fuzzRead(t *testing.T, data []byte, format Format) {
	Detect(data)
	opts := Options{Password: func() (string, error) { return "pw", nil }}
	res, err := New().Read(context.Background(), "fuzz.input", data, format, opts)
	if err != nil {
		if !strings.Contains(err.Error(), "fuzz.input") {
			t.Fatalf("error does not name the input: %v", err)
		}
		return
	}
	for _, e := range res.Entries {
		if err := codes.Validate(e.Account); err != nil {
			t.Fatalf("%s imported an account that makes no codes: %v", e.Source, err)
		}
	}
}

// messagesOf is every text an import shows the user: the error, the
// skipped entries and the sources.
func messagesOf(res *Result, err error) []string {
	var texts []string
	if err != nil {
		texts = append(texts, err.Error())
	}
	if res != nil {
		for _, s := range res.Skipped {
			texts = append(texts, s.Source, s.Reason)
		}
		for _, e := range res.Entries {
			texts = append(texts, e.Source)
		}
	}
	return texts
}
