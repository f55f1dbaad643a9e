package importer

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20"
	//lint:ignore SA1019 KDBX 3.1 protects values with one Salsa20 stream across the document: only this package can run it block by block
	"golang.org/x/crypto/salsa20/salsa"
	//lint:ignore SA1019 KeePassXC still offers Twofish, and databases saved with it must open
	"golang.org/x/crypto/twofish"
)

// The keys and ciphers of a KDBX database (keepass.info, "KDBX 4" and
// "KDBX 3.1").

// kdbxUUID decodes a UUID written as hex, for the constants below.
func kdbxUUID(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 16 {
		panic("bad UUID " + s)
	}
	return b
}

var (
	kdbxCipherAES      = kdbxUUID("31c1f2e6bf714350be5805216afc5aff")
	kdbxCipherChaCha20 = kdbxUUID("d6038a2b8b6f4cb5a524339a31dbb59a")
	kdbxCipherTwofish  = kdbxUUID("ad68f29f576f4bb9a36ad47af965346c")

	kdbxKDFUUIDAES      = kdbxUUID("c9d9f39a628a4460bf740d08c18a4fea")
	kdbxKDFUUIDArgon2d  = kdbxUUID("ef636ddf8c29444b91f7a9a403e30a0c")
	kdbxKDFUUIDArgon2id = kdbxUUID("9e298b1956db4773b23dfc3ec6f0a1e6")
)

// KDF kinds, as messages name them.
const (
	kdbxKDFAES      = "AES-KDF"
	kdbxKDFArgon2d  = "Argon2d"
	kdbxKDFArgon2id = "Argon2id"
)

// Inner random stream IDs (protected values in the XML).
const (
	kdbxStreamSalsa20  = 2
	kdbxStreamChaCha20 = 3
)

// kdbxSalsaNonce is the fixed nonce of the Salsa20 inner stream.
var kdbxSalsaNonce = []byte{0xE8, 0x30, 0x09, 0x4B, 0x97, 0x20, 0x5D, 0x2A}

// kdbxKDF is a key derivation and its parameters.
type kdbxKDF struct {
	kind string
	// AES-KDF
	seed   []byte
	rounds uint64
	// Argon2
	salt, secret, data   []byte
	iterations, memory   uint64 // memory in bytes, as the file says
	parallelism, version uint32
}

// parseKDBXKDF reads KDBX 4's KDF parameters (a variant dictionary).
func parseKDBXKDF(p []byte) (kdbxKDF, error) {
	d, err := parseVariantDict(p)
	if err != nil {
		return kdbxKDF{}, err
	}
	u64 := func(k string) (uint64, bool) {
		v, ok := d[k]
		switch {
		case ok && len(v) == 8:
			return binary.LittleEndian.Uint64(v), true
		case ok && len(v) == 4:
			return uint64(binary.LittleEndian.Uint32(v)), true
		}
		return 0, false
	}
	bad := func(what string) error {
		return damagedFilef("the KeePass database's key derivation parameters have no valid %s", what)
	}
	uuid := d["$UUID"]
	var k kdbxKDF
	switch {
	case bytes.Equal(uuid, kdbxKDFUUIDAES):
		k.kind, k.seed = kdbxKDFAES, d["S"]
		var ok bool
		if k.rounds, ok = u64("R"); !ok {
			return k, bad("rounds")
		}
		if len(k.seed) != 32 {
			return k, bad("seed")
		}
		return k, nil
	case bytes.Equal(uuid, kdbxKDFUUIDArgon2d):
		k.kind = kdbxKDFArgon2d
	case bytes.Equal(uuid, kdbxKDFUUIDArgon2id):
		k.kind = kdbxKDFArgon2id
	default:
		return k, fmt.Errorf("the KeePass database uses a key derivation Latchkey does not know (AES-KDF, Argon2d and Argon2id)")
	}
	k.salt, k.secret, k.data = d["S"], d["K"], d["A"]
	var ok bool
	if k.iterations, ok = u64("I"); !ok {
		return k, bad("Argon2 iterations")
	}
	if k.memory, ok = u64("M"); !ok {
		return k, bad("Argon2 memory")
	}
	p64, ok := u64("P")
	if !ok {
		return k, bad("Argon2 parallelism")
	}
	v64, ok := u64("V")
	if !ok {
		return k, bad("Argon2 version")
	}
	k.parallelism, k.version = uint32(min(p64, 1<<24)), uint32(min(v64, 1<<24))
	if len(k.salt) < 8 {
		return k, bad("Argon2 salt")
	}
	return k, nil
}

// kdbxWrites says what KeePassXC writes, after a refusal.
const kdbxWrites = "KeePassXC writes Argon2 with 64 MiB and the iterations that take about a second (a few to a few tens), or AES-KDF with some millions of rounds"

// check refuses costs beyond the limits, before anything is derived.
func (k kdbxKDF) check() error {
	switch k.kind {
	case kdbxKDFAES:
		if k.rounds == 0 {
			return damagedFilef("the KeePass database asks for 0 AES-KDF rounds")
		}
		if k.rounds > MaxKDBXAESRounds {
			return fmt.Errorf("%w: AES-KDF with %d rounds (at most %d); %s", ErrTooCostly, k.rounds, MaxKDBXAESRounds, kdbxWrites)
		}
		return nil
	}
	if k.version != 0x10 && k.version != argon2Version {
		return fmt.Errorf("the KeePass database uses Argon2 version %#x, which Latchkey does not read (0x13)", k.version)
	}
	if k.version == 0x10 {
		return fmt.Errorf("the KeePass database uses Argon2 version 1.0, which Latchkey does not read (1.3): change its encryption settings in KeePassXC and save it again")
	}
	kib := k.memory / 1024
	if k.iterations == 0 || kib < 8 || k.parallelism == 0 {
		return damagedFilef("the KeePass database's Argon2 parameters are invalid (t=%d, %d KiB, p=%d)", k.iterations, kib, k.parallelism)
	}
	if k.iterations > MaxKDBXArgon2Iterations || kib > MaxArgon2MemoryKiB || k.parallelism > MaxKDBXArgon2Lanes ||
		kib*k.iterations > MaxKDBXArgon2Work {
		return fmt.Errorf("%w: %s with %d iterations, %d MiB and %d lanes (at most %d iterations, %d MiB, %d lanes, %d MiB·iterations); %s",
			ErrTooCostly, k.kind, k.iterations, kib>>10, k.parallelism,
			MaxKDBXArgon2Iterations, MaxArgon2MemoryKiB>>10, MaxKDBXArgon2Lanes, MaxKDBXArgon2Work>>10, kdbxWrites)
	}
	return nil
}

// kdbxAESKDFKey, kdbxArgon2IDKey and kdbxArgon2DKey derive the keys; the
// tests count the calls, and the fuzz test swaps in cheap stand-ins.
var (
	kdbxAESKDFKey   = kdbxAESKDF
	kdbxArgon2DKey  = argon2Key
	kdbxArgon2IDKey = func(p argon2Params) []byte {
		if len(p.secret) > 0 || len(p.data) > 0 {
			return argon2Key(p) // x/crypto takes neither
		}
		return argon2IDKey(p.password, p.salt, p.time, p.memory, uint8(p.lanes), p.keyLen)
	}
)

// transform derives the 32-byte transformed key from the composite key.
// check must have passed.
func (k kdbxKDF) transform(ctx context.Context, composite []byte) ([]byte, error) {
	if k.kind == kdbxKDFAES {
		return kdbxAESKDFKey(ctx, composite, k.seed, k.rounds)
	}
	p := argon2Params{typ: argon2TypeD, password: composite, salt: k.salt, secret: k.secret, data: k.data,
		time: uint32(k.iterations), memory: uint32(k.memory / 1024), lanes: k.parallelism, keyLen: 32}
	if k.kind == kdbxKDFArgon2id {
		p.typ = argon2TypeID
		return kdbxArgon2IDKey(p), nil
	}
	return kdbxArgon2DKey(p), nil
}

// kdbxAESKDF encrypts both halves of the key rounds times with AES-256-ECB
// under seed, then hashes it.
func kdbxAESKDF(ctx context.Context, composite, seed []byte, rounds uint64) ([]byte, error) {
	block, err := aes.NewCipher(seed)
	if err != nil {
		return nil, damagedFile("the KeePass database's AES-KDF seed", err)
	}
	k := bytes.Clone(composite)
	for i := uint64(0); i < rounds; i++ {
		if i%(1<<20) == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		block.Encrypt(k[:16], k[:16])
		block.Encrypt(k[16:], k[16:])
	}
	sum := sha256.Sum256(k)
	return sum[:], nil
}

// kdbxCompositeKey hashes the key's parts: the password's SHA-256 (when the
// database has a password) and the key file's key.
func kdbxCompositeKey(password *string, keyFileKey []byte) []byte {
	h := sha256.New()
	if password != nil {
		pw := sha256.Sum256([]byte(*password))
		h.Write(pw[:])
	}
	h.Write(keyFileKey)
	return h.Sum(nil)
}

// kdbxKeys are the keys derived from the master seed and transformed key.
type kdbxKeys struct {
	cipher []byte // the payload cipher's key
	hmac   []byte // 4: the base of the block HMAC keys
}

func newKDBXKeys(masterSeed, transformed []byte) kdbxKeys {
	c := sha256.Sum256(append(bytes.Clone(masterSeed), transformed...))
	m := sha512.Sum512(append(append(bytes.Clone(masterSeed), transformed...), 1))
	return kdbxKeys{cipher: c[:], hmac: m[:]}
}

// blockHMAC is the HMAC-SHA-256 of block index over data (KDBX 4); the
// header is index 2^64-1.
func (k kdbxKeys) blockHMAC(index uint64, data ...[]byte) []byte {
	var ix [8]byte
	binary.LittleEndian.PutUint64(ix[:], index)
	key := sha512.Sum512(append(ix[:], k.hmac...))
	m := hmac.New(sha256.New, key[:])
	for _, d := range data {
		m.Write(d)
	}
	return m.Sum(nil)
}

// errKDBXPadding is a CBC payload whose padding is wrong: a wrong key or
// damage, which the caller tells apart.
var errKDBXPadding = errors.New("the payload's padding is invalid")

// kdbxDecrypt decrypts the payload with the header's cipher.
func kdbxDecrypt(h *kdbxHeader, key, payload []byte) ([]byte, error) {
	var block cipher.Block
	var err error
	switch {
	case bytes.Equal(h.cipher, kdbxCipherChaCha20):
		if len(h.iv) != chacha20.NonceSize {
			return nil, damagedFilef("the KeePass database's ChaCha20 nonce is not %d bytes", chacha20.NonceSize)
		}
		c, err := chacha20.NewUnauthenticatedCipher(key, h.iv)
		if err != nil {
			return nil, damagedFile("the KeePass database's ChaCha20 parameters", err)
		}
		out := make([]byte, len(payload))
		c.XORKeyStream(out, payload)
		return out, nil
	case bytes.Equal(h.cipher, kdbxCipherAES):
		block, err = aes.NewCipher(key)
	case bytes.Equal(h.cipher, kdbxCipherTwofish):
		block, err = twofish.NewCipher(key)
	default:
		return nil, fmt.Errorf("the KeePass database uses a cipher Latchkey does not know (AES-256, ChaCha20 and Twofish)")
	}
	if err != nil {
		return nil, fmt.Errorf("setting up the KeePass database's cipher: %w", err)
	}
	if len(h.iv) != block.BlockSize() {
		return nil, damagedFilef("the KeePass database's IV is not %d bytes", block.BlockSize())
	}
	if len(payload) == 0 || len(payload)%block.BlockSize() != 0 {
		return nil, damagedFilef("the KeePass database's encrypted content is cut short (truncated?)")
	}
	out := make([]byte, len(payload))
	cipher.NewCBCDecrypter(block, h.iv).CryptBlocks(out, payload)
	pad := int(out[len(out)-1])
	if pad == 0 || pad > block.BlockSize() || pad > len(out) {
		return out, errKDBXPadding
	}
	for _, c := range out[len(out)-pad:] {
		if int(c) != pad {
			return out, errKDBXPadding
		}
	}
	return out[:len(out)-pad], nil
}

// kdbxHashedBlocks joins KDBX 3.1's hashed blocks: index, SHA-256 and
// length before each block's data, a last block of length 0.
func kdbxHashedBlocks(p []byte) ([]byte, error) {
	var out []byte
	for i := uint32(0); ; i++ {
		if len(p) < 40 {
			return nil, damagedFilef("the KeePass database's content ends early (truncated?)")
		}
		index, hash, n := binary.LittleEndian.Uint32(p), p[4:36], binary.LittleEndian.Uint32(p[36:])
		p = p[40:]
		if index != i || uint64(n) > uint64(len(p)) {
			return nil, damagedFilef("the KeePass database's content block %d is damaged", i)
		}
		if n == 0 {
			if !bytes.Equal(hash, make([]byte, 32)) {
				return nil, damagedFilef("the KeePass database's last content block is damaged")
			}
			return out, nil
		}
		data := p[:n]
		p = p[n:]
		if sum := sha256.Sum256(data); !bytes.Equal(sum[:], hash) {
			return nil, damagedFilef("the KeePass database's content block %d does not match its hash", i)
		}
		out = append(out, data...)
	}
}

// kdbxHMACBlocks joins KDBX 4's blocks, each after its HMAC and length,
// checking each HMAC; a last block of length 0.
func kdbxHMACBlocks(keys kdbxKeys, p []byte) ([]byte, error) {
	var out []byte
	for i := uint64(0); ; i++ {
		if len(p) < 36 {
			return nil, damagedFilef("the KeePass database's content ends early (truncated?)")
		}
		mac, size := p[:32], p[32:36]
		n := binary.LittleEndian.Uint32(size)
		p = p[36:]
		if n > 1<<31 || uint64(n) > uint64(len(p)) {
			return nil, damagedFilef("the KeePass database's content ends early (truncated?)")
		}
		data := p[:n]
		p = p[n:]
		var ix [8]byte
		binary.LittleEndian.PutUint64(ix[:], i)
		if !hmac.Equal(mac, keys.blockHMAC(i, ix[:], size, data)) {
			return nil, damagedFilef("the KeePass database's content block %d does not match its HMAC", i)
		}
		if n == 0 {
			return out, nil
		}
		out = append(out, data...)
	}
}

// kdbxStream is the inner random stream that protected values are XORed
// with, in document order.
type kdbxStream struct {
	chacha *chacha20.Cipher
	// Salsa20
	key     [32]byte
	counter uint64
	buf     []byte
}

func newKDBXStream(id uint32, key []byte) (*kdbxStream, error) {
	switch id {
	case kdbxStreamChaCha20:
		h := sha512.Sum512(key)
		c, err := chacha20.NewUnauthenticatedCipher(h[:32], h[32:44])
		if err != nil {
			return nil, err
		}
		return &kdbxStream{chacha: c}, nil
	case kdbxStreamSalsa20:
		return &kdbxStream{key: sha256.Sum256(key)}, nil
	}
	return nil, fmt.Errorf("the KeePass database protects its values with a stream Latchkey does not know (%d; Salsa20 and ChaCha20)", id)
}

// xor un-protects p in place.
func (s *kdbxStream) xor(p []byte) {
	if s.chacha != nil {
		s.chacha.XORKeyStream(p, p)
		return
	}
	for i := range p {
		if len(s.buf) == 0 {
			var counter [16]byte
			copy(counter[:], kdbxSalsaNonce)
			binary.LittleEndian.PutUint64(counter[8:], s.counter)
			s.counter++
			s.buf = make([]byte, 64)
			salsa.XORKeyStream(s.buf, s.buf, &counter, &s.key)
		}
		p[i] ^= s.buf[0]
		s.buf = s.buf[1:]
	}
}
