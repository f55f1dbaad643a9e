package vault

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Every single-byte change and every truncation of the two encrypted files
// must be reported as damage of that file, and nothing may be written.
func TestEveryFlipAndTruncationDetected(t *testing.T) {
	v, kr := newTestVault(t)
	mustUpdate(t, v, func(d *Document) { d.Accounts = makeAccounts(2) })
	dir := v.Dir()

	tests := []struct {
		file string
		opts Options
	}{
		{VaultFile, Options{Keyring: kr}},
		{IdentityFile, Options{Passphrase: passphrase(testPass)}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			orig, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer os.WriteFile(path, orig, 0o600)
			check := func(what string, data []byte) {
				if err := os.WriteFile(path, data, 0o600); err != nil {
					t.Fatal(err)
				}
				before := snapshot(t, dir)
				_, err := Open(dir, tt.opts)
				var ce *CorruptError
				if !errors.As(err, &ce) || ce.File != path {
					t.Fatalf("%s: Open = %v, want damage of %s", what, err, tt.file)
				}
				if tt.file == VaultFile && len(ce.Good) == 0 {
					t.Fatalf("%s: no intact generation offered", what)
				}
				assertUnchanged(t, dir, before)
			}
			flipped := make([]byte, len(orig))
			for i := range orig {
				copy(flipped, orig)
				flipped[i] ^= 0x01
				check("flip of byte "+itoa(i), flipped)
				flipped[i] = orig[i] ^ 0x80
				check("high flip of byte "+itoa(i), flipped)
			}
			for n := 0; n < len(orig); n++ {
				check("truncation to "+itoa(n), orig[:n])
			}
			t.Logf("%s: %d flips and %d truncations detected", tt.file, 2*len(orig), len(orig))
		})
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
