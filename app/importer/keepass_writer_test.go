package importer

import (
	"bytes"
	"compress/gzip"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20"
	"golang.org/x/crypto/salsa20"
	//lint:ignore SA1019 the tests write Twofish databases, as KeePassXC can
	"golang.org/x/crypto/twofish"
)

// A small KDBX writer, from keepass.info's "KDBX 4" and "KDBX 3.1"
// descriptions, so that the tests read databases made here. It writes
// what KeePass and KeePassXC write, and can be told to write more (costs,
// versions) for the refusals.

// kpField is one <String> of an entry.
type kpField struct {
	key, value string
	protected  bool
}

// kpEntry is an entry with its fields and its history's entries.
type kpEntry struct {
	fields  []kpField
	history [][]kpField
}

// kpGroup is a group with its entries and subgroups.
type kpGroup struct {
	name    string
	uuid    [16]byte
	entries []kpEntry
	groups  []kpGroup
}

// kpDB says how to write a database.
type kpDB struct {
	major, minor uint16
	kdf          string // "aes", "argon2d", "argon2id"
	cipher       string // "aes", "chacha20", "twofish"
	gzip         bool
	password     *string
	keyFileKey   []byte // the key file's 32-byte key
	blockSize    int    // bytes per content block
	// costs, when set, override the cheap defaults of the tests.
	aesRounds                   uint64
	argonIter, argonMem         uint64
	argonLanes                  uint32
	recycleBin                  [16]byte
	root                        kpGroup
	attachment                  []byte // KDBX 4: an inner-header binary; 3.1: a protected Meta binary
	corruptXML, corruptInnerHdr bool
	skipKDF                     bool // costs too high to run
}

func kpStr(s string) *string { return &s }

// kpLE writes little-endian integers.
func kpLE(v any) []byte {
	var b bytes.Buffer
	_ = binary.Write(&b, binary.LittleEndian, v)
	return b.Bytes()
}

// kpSeed is deterministic "random" bytes.
func kpSeed(tag string, n int) []byte {
	var out []byte
	for i := 0; len(out) < n; i++ {
		s := sha256.Sum256([]byte(fmt.Sprintf("%s-%d", tag, i)))
		out = append(out, s[:]...)
	}
	return out[:n]
}

// write builds the database file.
func (db kpDB) write(t testing.TB) []byte {
	t.Helper()
	if db.blockSize == 0 {
		db.blockSize = 1 << 20
	}
	if db.aesRounds == 0 {
		db.aesRounds = 7
	}
	if db.argonIter == 0 {
		db.argonIter = 2
	}
	if db.argonMem == 0 {
		db.argonMem = 1 << 20
	}
	if db.argonLanes == 0 {
		db.argonLanes = 2
	}
	masterSeed, iv := kpSeed("master", 32), kpSeed("iv", 16)
	if db.cipher == "chacha20" {
		iv = iv[:12]
	}
	kdfSeed := kpSeed("kdf", 32)
	streamKey := kpSeed("stream", 32)
	if db.major == 4 {
		streamKey = kpSeed("stream", 64)
	}
	// The composite key, then the transformed key.
	h := sha256.New()
	if db.password != nil {
		p := sha256.Sum256([]byte(*db.password))
		h.Write(p[:])
	}
	h.Write(db.keyFileKey)
	composite := h.Sum(nil)
	var transformed []byte
	switch {
	case db.skipKDF: // the reader refuses the costs: any key will do
		transformed = make([]byte, 32)
	case db.kdf == "aes":
		blk, _ := aes.NewCipher(kdfSeed)
		k := bytes.Clone(composite)
		for range db.aesRounds {
			blk.Encrypt(k[:16], k[:16])
			blk.Encrypt(k[16:], k[16:])
		}
		s := sha256.Sum256(k)
		transformed = s[:]
	case db.kdf == "argon2id":
		transformed = argon2.IDKey(composite, kdfSeed, uint32(db.argonIter), uint32(db.argonMem/1024), uint8(db.argonLanes), 32)
	case db.kdf == "argon2d":
		transformed = argon2Key(argon2Params{typ: argon2TypeD, password: composite, salt: kdfSeed,
			time: uint32(db.argonIter), memory: uint32(db.argonMem / 1024), lanes: db.argonLanes, keyLen: 32})
	default:
		t.Fatalf("unknown KDF %q", db.kdf)
	}
	ck := sha256.Sum256(append(bytes.Clone(masterSeed), transformed...))
	hmacBase := sha512.Sum512(append(append(bytes.Clone(masterSeed), transformed...), 1))

	// The header.
	var hdr bytes.Buffer
	hdr.Write(kpLE(uint32(kdbxSig1)))
	hdr.Write(kpLE(uint32(kdbxSig2)))
	hdr.Write(kpLE(uint32(db.major)<<16 | uint32(db.minor)))
	field := func(id byte, v []byte) {
		hdr.WriteByte(id)
		if db.major == 4 {
			hdr.Write(kpLE(uint32(len(v))))
		} else {
			hdr.Write(kpLE(uint16(len(v))))
		}
		hdr.Write(v)
	}
	cipherID := map[string][]byte{"aes": kdbxCipherAES, "chacha20": kdbxCipherChaCha20, "twofish": kdbxCipherTwofish}[db.cipher]
	field(kdbxCipherID, cipherID)
	compression := uint32(0)
	if db.gzip {
		compression = 1
	}
	field(kdbxCompression, kpLE(compression))
	field(kdbxMasterSeed, masterSeed)
	streamStart := kpSeed("start", 32)
	if db.major == 3 {
		if db.kdf != "aes" {
			t.Fatal("KDBX 3.1 has AES-KDF only")
		}
		field(kdbxTransformSeed, kdfSeed)
		field(kdbxTransformRounds, kpLE(db.aesRounds))
		field(kdbxEncryptionIV, iv)
		field(kdbxProtectedStreamKey, streamKey)
		field(kdbxStreamStartBytes, streamStart)
		field(kdbxInnerRandomStreamID, kpLE(uint32(kdbxStreamSalsa20)))
	} else {
		field(kdbxEncryptionIV, iv)
		field(kdbxKdfParameters, db.kdfParams(kdfSeed))
	}
	field(kdbxEnd, []byte("\r\n\r\n"))
	header := hdr.Bytes()

	// The inner random stream's key stream, generated whole.
	ks := make([]byte, 1<<16)
	if db.major == 3 {
		k := sha256.Sum256(streamKey)
		salsa20.XORKeyStream(ks, ks, kdbxSalsaNonce, &k)
	} else {
		k := sha512.Sum512(streamKey)
		c, _ := chacha20.NewUnauthenticatedCipher(k[:32], k[32:44])
		c.XORKeyStream(ks, ks)
	}
	var inner bytes.Buffer
	if db.major == 4 {
		ih := func(id byte, v []byte) {
			inner.WriteByte(id)
			inner.Write(kpLE(uint32(len(v))))
			inner.Write(v)
		}
		ih(1, kpLE(uint32(kdbxStreamChaCha20)))
		ih(2, streamKey)
		if db.attachment != nil {
			ih(3, append([]byte{1}, db.attachment...))
		}
		if !db.corruptInnerHdr {
			ih(0, nil)
		}
	}
	inner.WriteString(db.xml(ks))
	content := inner.Bytes()
	if db.gzip {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(content)
		zw.Close()
		content = z.Bytes()
	}

	var out bytes.Buffer
	out.Write(header)
	if db.major == 3 {
		// Hashed blocks, behind the stream start bytes, then encrypted.
		var plain bytes.Buffer
		plain.Write(streamStart)
		i := uint32(0)
		for off := 0; off < len(content); off += db.blockSize {
			blk := content[off:min(off+db.blockSize, len(content))]
			sum := sha256.Sum256(blk)
			plain.Write(kpLE(i))
			plain.Write(sum[:])
			plain.Write(kpLE(uint32(len(blk))))
			plain.Write(blk)
			i++
		}
		plain.Write(kpLE(i))
		plain.Write(make([]byte, 32))
		plain.Write(kpLE(uint32(0)))
		out.Write(kpEncrypt(t, db.cipher, ck[:], iv, plain.Bytes()))
		return out.Bytes()
	}
	// KDBX 4: the header's hash and HMAC, then HMAC blocks of the
	// encrypted content.
	blockKey := func(i uint64) []byte {
		k := sha512.Sum512(append(kpLE(i), hmacBase[:]...))
		return k[:]
	}
	sum := sha256.Sum256(header)
	out.Write(sum[:])
	m := hmac.New(sha256.New, blockKey(^uint64(0)))
	m.Write(header)
	out.Write(m.Sum(nil))
	enc := kpEncrypt(t, db.cipher, ck[:], iv, content)
	i := uint64(0)
	writeBlock := func(blk []byte) {
		m := hmac.New(sha256.New, blockKey(i))
		m.Write(kpLE(i))
		m.Write(kpLE(uint32(len(blk))))
		m.Write(blk)
		out.Write(m.Sum(nil))
		out.Write(kpLE(uint32(len(blk))))
		out.Write(blk)
		i++
	}
	for off := 0; off < len(enc); off += db.blockSize {
		writeBlock(enc[off:min(off+db.blockSize, len(enc))])
	}
	writeBlock(nil)
	return out.Bytes()
}

// kdfParams is KDBX 4's variant dictionary of the KDF.
func (db kpDB) kdfParams(seed []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 1})
	item := func(typ byte, key string, v []byte) {
		b.WriteByte(typ)
		b.Write(kpLE(uint32(len(key))))
		b.WriteString(key)
		b.Write(kpLE(uint32(len(v))))
		b.Write(v)
	}
	switch db.kdf {
	case "aes":
		item(vdBytes, "$UUID", kdbxKDFUUIDAES)
		item(vdUint64, "R", kpLE(db.aesRounds))
		item(vdBytes, "S", seed)
	default:
		uuid := kdbxKDFUUIDArgon2d
		if db.kdf == "argon2id" {
			uuid = kdbxKDFUUIDArgon2id
		}
		item(vdBytes, "$UUID", uuid)
		item(vdBytes, "S", seed)
		item(vdUint32, "P", kpLE(db.argonLanes))
		item(vdUint64, "M", kpLE(db.argonMem))
		item(vdUint64, "I", kpLE(db.argonIter))
		item(vdUint32, "V", kpLE(uint32(0x13)))
	}
	b.WriteByte(vdEnd)
	return b.Bytes()
}

// kpEncrypt encrypts the payload: ChaCha20, or CBC with PKCS#7 padding.
func kpEncrypt(t testing.TB, name string, key, iv, plain []byte) []byte {
	t.Helper()
	if name == "chacha20" {
		c, err := chacha20.NewUnauthenticatedCipher(key, iv)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]byte, len(plain))
		c.XORKeyStream(out, plain)
		return out
	}
	var blk cipher.Block
	var err error
	if name == "twofish" {
		blk, err = twofish.NewCipher(key)
	} else {
		blk, err = aes.NewCipher(key)
	}
	if err != nil {
		t.Fatal(err)
	}
	pad := 16 - len(plain)%16
	plain = append(bytes.Clone(plain), bytes.Repeat([]byte{byte(pad)}, pad)...)
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(blk, iv).CryptBlocks(out, plain)
	return out
}

// xml writes the document, protecting values with the key stream ks.
func (db kpDB) xml(ks []byte) string {
	var b strings.Builder
	esc := func(s string) string {
		var e bytes.Buffer
		_ = xml.EscapeText(&e, []byte(s))
		return e.String()
	}
	protect := func(s string) string {
		p := []byte(s)
		for i := range p {
			p[i] ^= ks[0]
			ks = ks[1:]
		}
		return base64.StdEncoding.EncodeToString(p)
	}
	fields := func(fs []kpField) {
		for _, f := range fs {
			if f.protected {
				fmt.Fprintf(&b, "<String><Key>%s</Key><Value Protected=\"True\">%s</Value></String>\n", esc(f.key), protect(f.value))
			} else {
				fmt.Fprintf(&b, "<String><Key>%s</Key><Value>%s</Value></String>\n", esc(f.key), esc(f.value))
			}
		}
	}
	var group func(g kpGroup)
	group = func(g kpGroup) {
		fmt.Fprintf(&b, "<Group>\n<UUID>%s</UUID>\n<Name>%s</Name>\n<Times><LastModificationTime>2026-01-01T00:00:00Z</LastModificationTime></Times>\n",
			base64.StdEncoding.EncodeToString(g.uuid[:]), esc(g.name))
		for _, e := range g.entries {
			b.WriteString("<Entry>\n<UUID>AAAAAAAAAAAAAAAAAAAAAQ==</UUID>\n")
			fields(e.fields)
			if len(e.history) > 0 {
				b.WriteString("<History>\n")
				for _, h := range e.history {
					b.WriteString("<Entry>\n")
					fields(h)
					b.WriteString("</Entry>\n")
				}
				b.WriteString("</History>\n")
			}
			b.WriteString("</Entry>\n")
		}
		for _, sub := range g.groups {
			group(sub)
		}
		b.WriteString("</Group>\n")
	}
	b.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\n<KeePassFile>\n<Meta>\n<Generator>KeePassXC</Generator>\n")
	if db.recycleBin != ([16]byte{}) {
		fmt.Fprintf(&b, "<RecycleBinEnabled>True</RecycleBinEnabled>\n<RecycleBinUUID>%s</RecycleBinUUID>\n",
			base64.StdEncoding.EncodeToString(db.recycleBin[:]))
	}
	if db.major == 3 && db.attachment != nil {
		fmt.Fprintf(&b, "<Binaries><Binary ID=\"0\" Protected=\"True\">%s</Binary></Binaries>\n", protect(string(db.attachment)))
	}
	b.WriteString("</Meta>\n<Root>\n")
	group(db.root)
	b.WriteString("<DeletedObjects/>\n</Root>\n")
	if !db.corruptXML {
		b.WriteString("</KeePassFile>\n")
	}
	return b.String()
}
