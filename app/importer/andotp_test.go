package importer

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/vault"
)

// Fixtures follow Entry.toJSON and BackupHelper of andOTP: fields in the
// order the app writes them (secret, issuer, label, digits, type,
// algorithm, thumbnail, last_used, used_frequency, period or counter,
// tags), period absent for Steam, issuer absent in old backups.

type andotpTestEntry struct {
	Secret        string   `json:"secret"`
	Issuer        *string  `json:"issuer,omitempty"`
	Label         string   `json:"label"`
	Digits        int      `json:"digits"`
	Type          string   `json:"type,omitempty"`
	Algorithm     string   `json:"algorithm"`
	Thumbnail     string   `json:"thumbnail,omitempty"`
	LastUsed      int64    `json:"last_used"`
	UsedFrequency int      `json:"used_frequency"`
	Period        int      `json:"period,omitempty"`
	Counter       *int64   `json:"counter,omitempty"`
	Tags          []string `json:"tags"`
}

func andotpEntries() []andotpTestEntry {
	return []andotpTestEntry{
		// Scanned from a QR code: the label keeps the link's "Issuer:".
		{Secret: sentinelSecret, Issuer: ptr("Acme RMM"), Label: "Acme RMM:ann@acme.example", Digits: 6, Type: "TOTP",
			Algorithm: "SHA1", Thumbnail: "Default", LastUsed: 1732266000000, UsedFrequency: 3, Period: 30, Tags: []string{"Work"}},
		{Secret: sentinelSecret2, Issuer: ptr(""), Label: "Zoë 🔐 用户", Digits: 8, Type: "TOTP", Algorithm: "SHA512",
			Thumbnail: "Default", Period: 60, Tags: []string{}},
		{Secret: "GEZDGNBVGY3TQOJQ", Issuer: ptr("Vendor"), Label: "bob", Digits: 6, Type: "HOTP", Algorithm: "SHA256",
			Thumbnail: "Default", Counter: ptr[int64](42), Tags: []string{"Work", "Clients"}},
		{Secret: "JBSWY3DPEHPK3PXP", Issuer: ptr("Steam"), Label: "gamer", Digits: 5, Type: "STEAM", Algorithm: "SHA1",
			Thumbnail: "Steam", Tags: []string{}},
		// Old backups: no issuer, no type; both names in the label.
		{Secret: "JBSWY3DPEHPK3PXP", Label: "Legacy:carol", Digits: 6, Algorithm: "SHA1", Period: 30},
		{Secret: "JBSWY3DPEHPK3PXP", Label: "Ancient - dave", Digits: 6, Algorithm: "SHA1", Period: 30},
		{Secret: sentinelBadSecret, Issuer: ptr("Broken"), Label: "eve", Digits: 6, Type: "TOTP", Algorithm: "SHA1", Period: 30},
		{Secret: "JBSWY3DPEHPK3PXP", Issuer: ptr("NoCounter"), Label: "fay", Digits: 6, Type: "HOTP", Algorithm: "SHA1"},
		{Secret: "JBSWY3DPEHPK3PXP", Issuer: ptr("Odd"), Label: "gus", Digits: 6, Type: "MOTP", Algorithm: "SHA1"},
	}
}

func andotpWant() []exportAccount {
	return []exportAccount{
		{Issuer: "Acme RMM", Name: "ann@acme.example", Type: vault.TOTP, Algorithm: vault.SHA1, Digits: 6, Period: 30,
			Secret: sentinelSecret, Group: "Work"},
		{Name: "Zoë 🔐 用户", Type: vault.TOTP, Algorithm: vault.SHA512, Digits: 8, Period: 60, Secret: sentinelSecret2},
		{Issuer: "Vendor", Name: "bob", Type: vault.HOTP, Algorithm: vault.SHA256, Digits: 6, Period: 30, Counter: 42,
			Secret: "GEZDGNBVGY3TQOJQ", Group: "Work, Clients"},
		{Issuer: "Steam", Name: "gamer", Type: vault.Steam, Algorithm: vault.SHA1, Digits: 5, Period: 30,
			Secret: "JBSWY3DPEHPK3PXP"},
		{Issuer: "Legacy", Name: "carol", Type: vault.TOTP, Algorithm: vault.SHA1, Digits: 6, Period: 30,
			Secret: "JBSWY3DPEHPK3PXP"},
		{Issuer: "Ancient", Name: "dave", Type: vault.TOTP, Algorithm: vault.SHA1, Digits: 6, Period: 30,
			Secret: "JBSWY3DPEHPK3PXP"},
	}
}

var andotpSkipped = [][2]string{
	{"backup.file entry 7 (Broken:eve)", "secret"},
	{"backup.file entry 8 (NoCounter:fay)", "no counter"},
	{"backup.file entry 9 (Odd:gus)", `type "MOTP" is not supported`},
}

func andotpFixture(t testing.TB) []byte { return mustJSON(t, andotpEntries()) }

// andotpEncrypt writes the .json.aes form with the real algorithms.
func andotpEncrypt(t testing.TB, plain []byte, password string, iterations uint32) []byte {
	salt := randomBytes(t, andotpSaltLen)
	key, err := andotpPBKDF2(password, salt, int(iterations))
	if err != nil {
		t.Fatal(err)
	}
	out := binary.BigEndian.AppendUint32(nil, iterations)
	out = append(out, salt...)
	return append(out, andotpSeal(t, key, plain)...)
}

// andotpEncryptOld writes the old form: SHA-256 of the password as key.
func andotpEncryptOld(t testing.TB, plain []byte, password string) []byte {
	key := sha256.Sum256([]byte(password))
	return andotpSeal(t, key[:], plain)
}

func andotpSeal(t testing.TB, key, plain []byte) []byte {
	iv := randomBytes(t, andotpIVLen)
	ct, tag := sealGCM(t, key, iv, plain)
	return append(append(iv, ct...), tag...)
}

func TestAndOTP(t *testing.T) {
	plain := andotpFixture(t)
	tests := []struct {
		name     string
		file     []byte
		format   Format
		password string
		calls    int
	}{
		{"plain", plain, "", "", 0},
		{"encrypted, detected", andotpEncrypt(t, plain, sentinelPassword, 140_000), "", sentinelPassword, 1},
		{"encrypted, low iteration count named", andotpEncrypt(t, plain, sentinelPassword, 1000), FormatAndOTPEncrypted, sentinelPassword, 1},
		{"old encrypted", andotpEncryptOld(t, plain, sentinelPassword), FormatAndOTPOld, sentinelPassword, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, calls, err := readExport(t, tt.file, tt.format, tt.password)
			checkNoSecrets(t, res, err)
			if err != nil {
				t.Fatal(err)
			}
			if calls != tt.calls {
				t.Errorf("password asked %d times, want %d", calls, tt.calls)
			}
			checkAccounts(t, res, andotpWant())
			checkSkipped(t, res, andotpSkipped)
		})
	}
}

func TestAndOTPErrors(t *testing.T) {
	plain := andotpFixture(t)
	enc := andotpEncrypt(t, plain, sentinelPassword, 1000)
	tooCostly := append(binary.BigEndian.AppendUint32(nil, 1<<31), enc[4:]...)
	zeroIterations := append([]byte{0, 0, 0, 0}, enc[4:]...)
	tests := []struct {
		name     string
		file     []byte
		format   Format
		password string
		want     error
		text     string
		calls    int
	}{
		{"wrong password", enc, FormatAndOTPEncrypted, "not it", ErrWrongPassword, "cannot tell the two apart", 1},
		{"wrong password, old", andotpEncryptOld(t, plain, sentinelPassword), FormatAndOTPOld, "not it", ErrWrongPassword, "", 1},
		{"no password", enc, FormatAndOTPEncrypted, "", ErrPasswordRequired, "", 0},
		{"no password, old", andotpEncryptOld(t, plain, sentinelPassword), FormatAndOTPOld, "", ErrPasswordRequired, "", 0},
		{"2^31 iterations", tooCostly, FormatAndOTPEncrypted, sentinelPassword, ErrTooCostly, "2147483648", 0},
		{"zero iterations", zeroIterations, FormatAndOTPEncrypted, sentinelPassword, nil, "invalid PBKDF2 iteration count 0", 0},
		{"truncated header", enc[:20], FormatAndOTPEncrypted, sentinelPassword, ErrDamagedFile, "too short", 0},
		{"truncated old", enc[:20], FormatAndOTPOld, sentinelPassword, ErrDamagedFile, "too short", 0},
		{"truncated plain", plain[:len(plain)/2], "", "", ErrDamagedFile, "ends early", 0},
		{"decrypts to something else", andotpEncrypt(t, []byte(`{"not":"a list"}`), sentinelPassword, 1000),
			FormatAndOTPEncrypted, sentinelPassword, ErrDamagedFile, "andOTP backup", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, calls, err := readExport(t, tt.file, tt.format, tt.password)
			checkNoSecrets(t, res, err)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("err = %v, want %v with %q", err, tt.want, tt.text)
			}
			if calls != tt.calls {
				t.Errorf("password asked %d times, want %d", calls, tt.calls)
			}
		})
	}
}

func TestAndOTPLabel(t *testing.T) {
	tests := []struct {
		issuer               *string
		label                string
		wantIssuer, wantName string
	}{
		{ptr("Acme"), "Acme:ann", "Acme", "ann"},
		{ptr("Acme"), "acme: ann", "Acme", "ann"},
		{ptr("Acme"), "Other:ann", "Acme", "Other:ann"},
		{ptr("Acme"), "Work - VPN", "Acme", "Work - VPN"},
		{nil, "Iss:bob", "Iss", "bob"},
		{ptr(""), "Iss - bob", "Iss", "bob"},
		{nil, "plain", "", "plain"},
	}
	for _, tt := range tests {
		issuer, name := andotpLabel(andotpEntry{Issuer: tt.issuer, Label: tt.label})
		if issuer != tt.wantIssuer || name != tt.wantName {
			t.Errorf("label %q: got %q, %q; want %q, %q", tt.label, issuer, name, tt.wantIssuer, tt.wantName)
		}
	}
}

func FuzzAndOTP(f *testing.F) {
	stubKDFs(f)
	plain := andotpFixture(f)
	f.Add(plain, uint8(0))
	f.Add(andotpEncrypt(f, plain, "pw", 150_000), uint8(1))
	f.Add(andotpEncryptOld(f, plain, "pw"), uint8(2))
	formats := []Format{FormatAndOTP, FormatAndOTPEncrypted, FormatAndOTPOld}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		fuzzRead(t, data, formats[int(which)%len(formats)])
	})
}
