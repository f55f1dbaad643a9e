package importer

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"
)

// FuzzKeePass feeds mutated KDBX 3.1 and 4 databases to the KeePass
// reader: nothing may panic or hang, and what it reads must make codes.
// Key derivations beyond the seeds' tiny costs are replaced by a hash, so
// that fuzzing explores parsing rather than key stretching.
func FuzzKeePass(f *testing.F) {
	for _, db := range []kpDB{
		kpDefault(3, "aes", "aes"), kpDefault(3, "aes", "twofish"),
		kpDefault(4, "argon2d", "aes"), kpDefault(4, "argon2id", "chacha20"), kpDefault(4, "aes", "chacha20"),
	} {
		f.Add(db.write(f))
		db.gzip = false
		f.Add(db.write(f))
	}
	aesKDF, argonD, argonID := kdbxAESKDFKey, kdbxArgon2DKey, kdbxArgon2IDKey
	defer func() { kdbxAESKDFKey, kdbxArgon2DKey, kdbxArgon2IDKey = aesKDF, argonD, argonID }()
	stand := func(p argon2Params) []byte {
		s := sha256.Sum256(append(p.password, p.salt...))
		return s[:]
	}
	kdbxAESKDFKey = func(ctx context.Context, c, seed []byte, rounds uint64) ([]byte, error) {
		if rounds > 100 {
			return stand(argon2Params{password: c, salt: seed}), nil
		}
		return aesKDF(ctx, c, seed, rounds)
	}
	cheap := func(real func(argon2Params) []byte) func(argon2Params) []byte {
		return func(p argon2Params) []byte {
			if p.time > 2 || p.memory > 1024 || p.lanes > 4 {
				return stand(p)
			}
			return real(p)
		}
	}
	kdbxArgon2DKey, kdbxArgon2IDKey = cheap(argonD), cheap(argonID)
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		opts := Options{Password: func() (string, error) { return "correct horse", nil }}
		res, err := New().Read(ctx, "fuzz.kdbx", data, FormatKeePass, opts)
		fxFuzzCheck(t, res, err)
	})
}
