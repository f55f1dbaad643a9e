package importer

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

// The old andOTP backup has no header, so these read it the way the CLI
// and the window do, without a format: Read tries it when nothing else
// claims binary input.
func TestAndOTPOldDetected(t *testing.T) {
	plain := andotpFixture(t)
	old := andotpEncryptOld(t, plain, sentinelPassword)
	if got := Detect(old); got != "" {
		t.Fatalf("Detect = %q: an old andOTP backup has nothing to detect", got)
	}
	res, calls, err := readExport(t, old, "", sentinelPassword)
	checkNoSecrets(t, res, err)
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != FormatAndOTPOld || calls != 1 {
		t.Errorf("format %q, password asked %d times; want %q, once", res.Format, calls, FormatAndOTPOld)
	}
	checkAccounts(t, res, andotpWant())
	checkSkipped(t, res, andotpSkipped)
}

func TestAndOTPOldDetectedErrors(t *testing.T) {
	plain := andotpFixture(t)
	old := andotpEncryptOld(t, plain, sentinelPassword)
	noise := make([]byte, 300)
	rand.Read(noise)
	noise[0] = 0xff // never UTF-8
	tests := []struct {
		name     string
		data     []byte
		password string
		want     []error
		calls    int
	}{
		{"wrong password", old, "not it", []error{ErrWrongPassword, ErrUnknownFormat}, 1},
		{"no password", old, "", []error{ErrPasswordRequired, ErrUnknownFormat}, 0},
		{"other binary, password", noise, "pw", []error{ErrWrongPassword, ErrUnknownFormat}, 1},
		// Decrypts but is no andOTP backup: damage, not a wrong password.
		{"decrypts to something else", andotpEncryptOld(t, []byte(`{"x":1}`), sentinelPassword), sentinelPassword, []error{ErrDamagedFile}, 1},
		// Kinds of file people pick by mistake are never asked a password.
		{"zip", append([]byte("PK\x03\x04"), noise...), "pw", []error{ErrUnknownFormat}, 0},
		{"pdf", append([]byte("%PDF-1.7\n"), noise...), "pw", []error{ErrUnknownFormat}, 0},
		{"too short", noise[:andotpIVLen+andotpTagLen+1], "pw", []error{ErrUnknownFormat}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, calls, err := readExport(t, tt.data, "", tt.password)
			checkNoSecrets(t, res, err)
			if err == nil {
				t.Fatal("read without error")
			}
			for _, want := range tt.want {
				if !errors.Is(err, want) {
					t.Errorf("err = %v, want it to match %v", err, want)
				}
			}
			if !strings.HasPrefix(err.Error(), "import backup.file: ") || strings.Count(err.Error(), "import backup.file") != 1 {
				t.Errorf("err = %q: want it to name the input once", err)
			}
			if calls != tt.calls {
				t.Errorf("password asked %d times, want %d", calls, tt.calls)
			}
		})
	}
	if _, err := New().Read(t.Context(), "noise.bin", noise, "", Options{}); errors.Is(err, ErrWrongPassword) {
		t.Errorf("without a password: %v", err)
	}
}
