package importer

import (
	"bytes"
	"encoding/hex"
	"testing"

	"golang.org/x/crypto/argon2"
)

// TestKeePassArgon2 checks the Argon2 code against RFC 9106's test
// vectors (Argon2d and Argon2id, with secret and associated data) and its
// Argon2id against x/crypto for the costs KeePass writes.
func TestKeePassArgon2(t *testing.T) {
	rfc := func(typ int) argon2Params {
		return argon2Params{typ: typ, password: bytes.Repeat([]byte{1}, 32), salt: bytes.Repeat([]byte{2}, 16),
			secret: bytes.Repeat([]byte{3}, 8), data: bytes.Repeat([]byte{4}, 12),
			time: 3, memory: 32, lanes: 4, keyLen: 32}
	}
	for _, tc := range []struct {
		name string
		p    argon2Params
		want string
	}{
		{"RFC 9106 Argon2d", rfc(argon2TypeD), "512b391b6f1162975371d3091973429" + "4f868e3be3984f3c1a13a4db9fabe4acb"},
		{"RFC 9106 Argon2id", rfc(argon2TypeID), "0d640df58d78766c08c037a34a8b53c9" + "d01ef0452d75b65eb52520e96b01e659"},
	} {
		if got := hex.EncodeToString(argon2Key(tc.p)); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.name, got, tc.want)
		}
	}
	for _, c := range []struct{ time, memory, lanes uint32 }{{1, 8, 1}, {2, 64, 1}, {3, 256, 2}, {2, 1000, 4}, {1, 4096, 3}} {
		pw, salt := []byte("password"), []byte("somesaltsomesalt")
		want := argon2.IDKey(pw, salt, c.time, c.memory, uint8(c.lanes), 32)
		got := argon2Key(argon2Params{typ: argon2TypeID, password: pw, salt: salt, time: c.time, memory: c.memory, lanes: c.lanes, keyLen: 32})
		if !bytes.Equal(got, want) {
			t.Errorf("Argon2id t=%d m=%d p=%d differs from x/crypto", c.time, c.memory, c.lanes)
		}
	}
}
