package auth

import "crypto/rand"

// randomBytes returns n bytes from crypto/rand. Since Go 1.24 rand.Read
// never returns an error (the runtime aborts if the system source fails), so
// there is no error to pass on.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// randomIndex returns a uniform integer in [0, n) for 0 < n ≤ 1<<16, by
// rejection sampling over two random bytes (no modulo bias).
func randomIndex(n int) int {
	limit := (1 << 16) / n * n
	for {
		b := randomBytes(2)
		v := int(b[0])<<8 | int(b[1])
		if v < limit {
			return v % n
		}
	}
}
