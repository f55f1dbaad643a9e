package importer

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// maFileFixture is an SDA maFile as SDA writes it (Newtonsoft, compact):
// what Steam returned when the authenticator was added, plus a session.
func maFileFixture(sharedSecret string) []byte {
	return []byte(`{"shared_secret":"` + sharedSecret + `","serial_number":"1234567890123456789","revocation_code":"R12345",` +
		`"uri":"otpauth://totp/Steam:gaben?secret=` + fxSentinel + `&issuer=Steam","server_time":1700000000,"account_name":"gaben",` +
		`"token_gid":"2a3b4c5d6e7f8091","identity_secret":"aWRlbnRpdHktc2VjcmV0LWJ5dGVz","secret_1":"c2VjcmV0LW9uZQ==","status":1,` +
		`"device_id":"android:0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0","fully_enrolled":true,` +
		`"Session":{"SessionID":"abc","SteamLogin":null,"SteamLoginSecure":"x","WebCookie":null,"OAuthToken":"y","SteamID":76561197960287930}}`)
}

func TestMaFile(t *testing.T) {
	data := maFileFixture(base64.StdEncoding.EncodeToString(fxSentinelBytes))
	res := fxMustRead(t, "76561197960287930.maFile", data, FormatSteamMaFile, Options{})
	fxCompare(t, "entries", fxSummary(res), []string{
		"Steam|gaben|steam|" + fxSentinel + "|SHA1|5|30|0|g=|n=|f=false|i=|r=R12345",
	})
	if len(res.Skipped) != 0 {
		t.Errorf("skipped: %q", fxSkipped(res))
	}
	fxValid(t, res)
}

func TestMaFileProblems(t *testing.T) {
	encrypted := make([]byte, 1200)
	rand.Read(encrypted)
	tests := []struct {
		name    string
		data    []byte
		format  Format
		want    error
		skipped string
	}{
		{"secret not base64", maFileFixture("not*base64"), FormatSteamMaFile, nil, "shared_secret is not base64"},
		{"truncated", maFileFixture("c2VjcmV0")[:200], FormatSteamMaFile, ErrDamagedFile, ""},
		{"encrypted", []byte(base64.StdEncoding.EncodeToString(encrypted) + "\n"), FormatSteamMaFileEncrypted, ErrEncryptedMaFile, ""},
		{"manifest", []byte(`{"encrypted":true,"first_run":false,"entries":[{"encryption_iv":"AAAAAAAAAAAAAAAAAAAAAA==","encryption_salt":"AAAAAAAAAAA=","filename":"76561197960287930.maFile","steamid":76561197960287930}],"periodic_checking":false}`), FormatSteamMaFile, nil, "manifest.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := fxRead(t, "file", tt.data, tt.format, Options{})
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Read = %v, want %v", err, tt.want)
			}
			if tt.skipped != "" && (len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, tt.skipped)) {
				t.Errorf("skipped %q, want one with %q", fxSkipped(res), tt.skipped)
			}
		})
	}
	_, err := New().Read(context.Background(), "x.maFile", []byte(`{"shared_secret":null,"account_name":"a"}`), "", Options{})
	if !errors.Is(err, ErrDamagedFile) {
		t.Errorf("null shared_secret: %v", err)
	}
}

func TestMaFileDetect(t *testing.T) {
	long := strings.Repeat("JBSWY3DPEHPK3PXP", 4)
	tests := []struct {
		data string
		want Format
	}{
		{`{"shared_secret":"c2VjcmV0","account_name":"a"}`, FormatSteamMaFile},
		{long, ""}, // a bare base32 secret is no encrypted maFile
		{strings.Repeat("QUFB", 96) + "\n", FormatSteamMaFileEncrypted},
		{strings.Repeat("QUFB", 96) + "=", ""}, // not base64
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.data)); got != tt.want {
			t.Errorf("Detect(%.50q) = %q, want %q", tt.data, got, tt.want)
		}
	}
}

func FuzzMaFile(f *testing.F) {
	f.Add(maFileFixture("c2VjcmV0LWtleQ=="))
	f.Add([]byte(`{"encrypted":false,"entries":[{"filename":"a.maFile"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []Format{FormatSteamMaFile, FormatSteamMaFileEncrypted} {
			res, err := New().Read(context.Background(), "fuzz", data, format, Options{})
			fxFuzzCheck(t, res, err)
		}
	})
}
