package importer

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"strings"
	"testing"
)

func TestLimits(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"scrypt aegis", checkScrypt(1<<15, 8, 1), nil},
		{"scrypt 2^40", checkScrypt(1<<40, 8, 1), ErrTooCostly},
		{"scrypt memory", checkScrypt(1<<21, 32, 1), ErrTooCostly},
		{"pbkdf2 100k", checkPBKDF2(100_000), nil},
		{"pbkdf2 2^31", checkPBKDF2(1 << 31), ErrTooCostly},
		{"argon2 64MiB", checkArgon2(3, 64<<10, 4), nil},
		{"argon2 64GiB", checkArgon2(3, 64<<20, 4), ErrTooCostly},
		{"deep JSON", decodeJSON([]byte(strings.Repeat("[", 100)+strings.Repeat("]", 100)), new(any)), ErrTooDeep},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) && !(tt.want == nil && tt.err == nil) {
			t.Errorf("%s: %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	if checkScrypt(1000, 8, 1) == nil || checkPBKDF2(0) == nil || checkArgon2(0, 1, 1) == nil {
		t.Error("invalid parameters accepted")
	}
	if err := decodeJSON([]byte(`{"a":"[[[[{{{{"} {}`), new(any)); err == nil {
		t.Error("trailing data accepted")
	}
	if err := decodeJSON([]byte(`{"a":"[[[[{{{{\"}"}`), new(any)); err != nil {
		t.Errorf("brackets in strings counted as nesting: %v", err)
	}
}

func TestOpenGCM(t *testing.T) {
	key := make([]byte, 32)
	nonce := make([]byte, 12)
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	sealed := gcm.Seal(nil, nonce, []byte("secret"), nil)
	if got, err := openGCM(key, nonce, sealed, nil); err != nil || string(got) != "secret" {
		t.Fatalf("openGCM = %q, %v", got, err)
	}
	sealed[0] ^= 1
	if _, err := openGCM(key, nonce, sealed, nil); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("tampered: %v", err)
	}
}
