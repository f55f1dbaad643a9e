package importer

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// The outer header of a KDBX file (keepass.info, "KDBX 4" and "KDBX 3.1"):
// two signatures, a version, then type-length-value fields up to the end
// field. KDBX 3.1 lengths are 16 bits, KDBX 4 lengths 32 bits.

const (
	kdbxSig1     = 0x9AA2D903
	kdbxSig2     = 0xB54BFB67 // KeePass 2.x (KDBX)
	kdbxSig2Old  = 0xB54BFB65 // KeePass 1.x (.kdb)
	kdbxMajor3   = 3
	kdbxMajor4   = 4
	kdbxMaxMinor = 1
)

// KDBX header field IDs.
const (
	kdbxEnd                 = 0
	kdbxCipherID            = 2
	kdbxCompression         = 3
	kdbxMasterSeed          = 4
	kdbxTransformSeed       = 5 // 3.1
	kdbxTransformRounds     = 6 // 3.1
	kdbxEncryptionIV        = 7
	kdbxProtectedStreamKey  = 8  // 3.1
	kdbxStreamStartBytes    = 9  // 3.1
	kdbxInnerRandomStreamID = 10 // 3.1
	kdbxKdfParameters       = 11 // 4
)

// kdbxHeader is what the outer header says, with raw, the bytes the
// header hash and HMAC cover.
type kdbxHeader struct {
	major, minor    uint16
	cipher          []byte
	gzip            bool
	masterSeed, iv  []byte
	kdf             kdbxKDF
	streamKey       []byte // 3.1: the inner random stream's key
	streamStart     []byte // 3.1: the first bytes of the decrypted payload
	innerStream     uint32 // 3.1
	raw             []byte
	rest            []byte // what follows the header
	transformSeed   []byte
	transformRounds uint64
}

// kdbxVersion reads the signatures and version; ok is false for data that
// is no KeePass database.
func kdbxVersion(data []byte) (major, minor uint16, ok bool) {
	if len(data) < 12 || binary.LittleEndian.Uint32(data) != kdbxSig1 {
		return 0, 0, false
	}
	switch binary.LittleEndian.Uint32(data[4:]) {
	case kdbxSig2:
	case kdbxSig2Old:
		return 1, 0, true
	default:
		return 0, 0, false
	}
	v := binary.LittleEndian.Uint32(data[8:])
	return uint16(v >> 16), uint16(v), true
}

// parseKDBXHeader reads the outer header of a 3.x or 4.x database.
func parseKDBXHeader(data []byte) (*kdbxHeader, error) {
	major, minor, ok := kdbxVersion(data)
	switch {
	case !ok:
		return nil, damagedFilef("not a KeePass database")
	case major == 1:
		return nil, fmt.Errorf("KeePass 1 databases (.kdb) are not supported: open the file in KeePassXC or KeePass 2 and save it as a .kdbx database")
	case major != kdbxMajor3 && (major != kdbxMajor4 || minor > kdbxMaxMinor):
		return nil, fmt.Errorf("the KeePass database version %d.%d is not one Latchkey reads (3.1, 4.0 and 4.1)", major, minor)
	}
	h := &kdbxHeader{major: major, minor: minor, innerStream: 0}
	p := data[12:]
	lenSize := 2
	if major == kdbxMajor4 {
		lenSize = 4
	}
	for {
		if len(p) < 1+lenSize {
			return nil, damagedFilef("the KeePass database header ends early (truncated?)")
		}
		id := p[0]
		var n int
		if lenSize == 2 {
			n = int(binary.LittleEndian.Uint16(p[1:]))
		} else {
			n64 := binary.LittleEndian.Uint32(p[1:])
			if uint64(n64) > uint64(len(p)) {
				return nil, damagedFilef("the KeePass database header ends early (truncated?)")
			}
			n = int(n64)
		}
		p = p[1+lenSize:]
		if n > len(p) {
			return nil, damagedFilef("the KeePass database header ends early (truncated?)")
		}
		value := p[:n]
		p = p[n:]
		if id == kdbxEnd {
			break
		}
		if err := h.field(id, value); err != nil {
			return nil, err
		}
	}
	h.raw = data[:len(data)-len(p)]
	h.rest = p
	return h, h.check()
}

// field records one header field; unknown fields are ignored, as KeePass
// does.
func (h *kdbxHeader) field(id byte, v []byte) error {
	v = bytes.Clone(v)
	switch id {
	case kdbxCipherID:
		h.cipher = v
	case kdbxCompression:
		if len(v) != 4 || binary.LittleEndian.Uint32(v) > 1 {
			return damagedFilef("the KeePass database header has an unknown compression")
		}
		h.gzip = binary.LittleEndian.Uint32(v) == 1
	case kdbxMasterSeed:
		h.masterSeed = v
	case kdbxTransformSeed:
		h.transformSeed = v
	case kdbxTransformRounds:
		if len(v) != 8 {
			return damagedFilef("the KeePass database header's AES-KDF rounds are not 8 bytes")
		}
		h.transformRounds = binary.LittleEndian.Uint64(v)
	case kdbxEncryptionIV:
		h.iv = v
	case kdbxProtectedStreamKey:
		h.streamKey = v
	case kdbxStreamStartBytes:
		h.streamStart = v
	case kdbxInnerRandomStreamID:
		if len(v) != 4 {
			return damagedFilef("the KeePass database header's inner stream ID is not 4 bytes")
		}
		h.innerStream = binary.LittleEndian.Uint32(v)
	case kdbxKdfParameters:
		if h.major != kdbxMajor4 {
			return nil
		}
		kdf, err := parseKDBXKDF(v)
		if err != nil {
			return err
		}
		h.kdf = kdf
	}
	return nil
}

// check refuses a header that lacks what decryption needs.
func (h *kdbxHeader) check() error {
	if len(h.masterSeed) != 32 {
		return damagedFilef("the KeePass database header has no 32-byte master seed")
	}
	if h.cipher == nil {
		return damagedFilef("the KeePass database header names no cipher")
	}
	if h.major == kdbxMajor3 {
		if len(h.transformSeed) != 32 {
			return damagedFilef("the KeePass database header has no 32-byte AES-KDF seed")
		}
		h.kdf = kdbxKDF{kind: kdbxKDFAES, seed: h.transformSeed, rounds: h.transformRounds}
		if len(h.streamStart) != 32 {
			return damagedFilef("the KeePass database header has no 32 stream start bytes")
		}
		if len(h.streamKey) == 0 {
			return damagedFilef("the KeePass database header has no inner stream key")
		}
	} else if h.kdf.kind == "" {
		return damagedFilef("the KeePass database header has no key derivation parameters")
	}
	return nil
}

// Variant dictionary value types (KDBX 4).
const (
	vdEnd    = 0x00
	vdUint32 = 0x04
	vdUint64 = 0x05
	vdBool   = 0x08
	vdInt32  = 0x0C
	vdInt64  = 0x0D
	vdString = 0x18
	vdBytes  = 0x42
)

// parseVariantDict reads KDBX 4's variant dictionary: a version, then
// typed key-value items up to an end byte. Values are kept raw.
func parseVariantDict(p []byte) (map[string][]byte, error) {
	bad := damagedFilef("the KeePass database's key derivation parameters are damaged")
	if len(p) < 2 || p[1] != 1 {
		return nil, bad
	}
	p = p[2:]
	out := map[string][]byte{}
	for {
		if len(p) < 1 {
			return nil, bad
		}
		typ := p[0]
		if typ == vdEnd {
			return out, nil
		}
		if len(p) < 5 {
			return nil, bad
		}
		kn := binary.LittleEndian.Uint32(p[1:])
		p = p[5:]
		if uint64(kn) > uint64(len(p)) {
			return nil, bad
		}
		key := string(p[:kn])
		p = p[kn:]
		if len(p) < 4 {
			return nil, bad
		}
		vn := binary.LittleEndian.Uint32(p)
		p = p[4:]
		if uint64(vn) > uint64(len(p)) || !utf8.ValidString(key) {
			return nil, bad
		}
		out[key] = bytes.Clone(p[:vn])
		p = p[vn:]
	}
}
