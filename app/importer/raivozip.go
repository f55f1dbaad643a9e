package importer

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/aes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Raivo's archive is encrypted the way ZIP tools do it. Two schemes exist
// and both are read here, with the standard library only:
//
//   - WinZip AES (method 99, extra field 0x9901: strength and the real
//     method): a salt (8, 12 or 16 bytes for AES-128/192/256), a 2-byte
//     password check, the data in AES-CTR with a little-endian counter
//     from 1, and 10 bytes of HMAC-SHA1 over the ciphertext; the keys are
//     PBKDF2-HMAC-SHA1(password, salt, 1000 iterations), a constant of the
//     scheme, not read from the file;
//   - traditional PKWARE encryption (flag bit 0, any method): a 12-byte
//     header whose last byte checks the password, under three CRC-32
//     keys; the CRC of the plain data checks the rest.

// raivoZipMaxJSON bounds the inflated export: a deflated file expands up
// to a thousandfold, and nothing larger than an input would be read.
const raivoZipMaxJSON = MaxInputBytes

const (
	winzipAESMethod     = 99
	winzipAESExtraID    = 0x9901
	winzipAESIterations = 1000
	winzipAESAuthLen    = 10
)

func readRaivoZip(ctx context.Context, im *Importer, res *Result, data []byte, opts Options) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return raivoZipDamaged(err)
	}
	var f *zip.File
	for _, file := range zr.File {
		if file.Name == raivoJSONName {
			f = file
			break
		}
	}
	if f == nil {
		return damagedFilef("Raivo OTP archive: it holds no %s", raivoJSONName)
	}
	if f.UncompressedSize64 > raivoZipMaxJSON {
		return tooLarge(fmt.Sprintf("the Raivo OTP archive's %s is larger than %s; Latchkey reads at most that of one input",
			raivoJSONName, sizeText(raivoZipMaxJSON)))
	}
	var plain []byte
	if f.Flags&1 == 0 {
		rc, err := f.Open()
		if err != nil {
			return raivoZipDamaged(err)
		}
		plain, err = readLimited(rc, raivoZipMaxJSON)
		rc.Close()
		if err != nil {
			return raivoZipDamaged(err)
		}
	} else {
		password, err := opts.password()
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if plain, err = zipDecrypt(f, password); err != nil {
			return err
		}
	}
	return readRaivo(res, plain)
}

// zipDecrypt opens an encrypted entry with password.
func zipDecrypt(f *zip.File, password string) ([]byte, error) {
	raw, err := f.OpenRaw()
	if err != nil {
		return nil, raivoZipDamaged(err)
	}
	sealed, err := readLimited(raw, raivoZipMaxJSON+64)
	if err != nil {
		return nil, raivoZipDamaged(err)
	}
	method := f.Method
	var compressed []byte
	aesEntry := method == winzipAESMethod
	if aesEntry {
		strength, real, ok := winzipAESExtra(f.Extra)
		if !ok {
			return nil, damagedFilef("Raivo OTP archive: the AES entry has no valid AES extra field")
		}
		if compressed, err = winzipAESOpen(sealed, password, strength); err != nil {
			return nil, err
		}
		method = real
	} else if compressed, err = pkwareOpen(sealed, password, f); err != nil {
		return nil, err
	}
	var plain []byte
	switch method {
	case zip.Store:
		plain = compressed
	case zip.Deflate:
		fr := flate.NewReader(bytes.NewReader(compressed))
		plain, err = readLimited(fr, raivoZipMaxJSON)
		fr.Close()
		if err != nil {
			return nil, raivoZipDamaged(err)
		}
	default:
		return nil, damagedFilef("Raivo OTP archive: compression method %d is not one ZIP tools write for it", method)
	}
	// AE-2 entries carry no CRC (the HMAC checked them); the others do.
	if f.CRC32 != 0 || !aesEntry {
		if crc32.ChecksumIEEE(plain) != f.CRC32 {
			if aesEntry {
				return nil, damagedFilef("Raivo OTP archive: %s fails its checksum", raivoJSONName)
			}
			// The 1-byte header check passes one wrong password in 256.
			return nil, fmt.Errorf("%w (or the archive is damaged: its check cannot tell the two apart)", ErrWrongPassword)
		}
	}
	return plain, nil
}

// readLimited reads r to the end, refusing more than limit bytes.
func readLimited(r io.Reader, limit int) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(b) > limit {
		return nil, tooLarge(fmt.Sprintf("it expands beyond %s", sizeText(limit)))
	}
	return b, nil
}

// winzipAESExtra reads the 0x9901 field: vendor version, "AE", strength
// (1–3), the real compression method.
func winzipAESExtra(extra []byte) (strength int, method uint16, ok bool) {
	for len(extra) >= 4 {
		id, size := binary.LittleEndian.Uint16(extra), int(binary.LittleEndian.Uint16(extra[2:]))
		if len(extra) < 4+size {
			return 0, 0, false
		}
		body := extra[4 : 4+size]
		if id == winzipAESExtraID && size == 7 && body[2] == 'A' && body[3] == 'E' && body[4] >= 1 && body[4] <= 3 {
			return int(body[4]), binary.LittleEndian.Uint16(body[5:]), true
		}
		extra = extra[4+size:]
	}
	return 0, 0, false
}

// winzipAESOpen checks and decrypts WinZip AES data.
func winzipAESOpen(sealed []byte, password string, strength int) ([]byte, error) {
	keyLen := 8 * (strength + 1) // 16, 24 or 32 bytes
	saltLen := keyLen / 2
	if len(sealed) < saltLen+2+winzipAESAuthLen {
		return nil, damagedFilef("Raivo OTP archive: the encrypted entry is too short for its salt and check")
	}
	salt, check := sealed[:saltLen], sealed[saltLen:saltLen+2]
	body := sealed[saltLen+2 : len(sealed)-winzipAESAuthLen]
	tag := sealed[len(sealed)-winzipAESAuthLen:]
	keys, err := pbkdf2.Key(sha1.New, password, salt, winzipAESIterations, 2*keyLen+2)
	if err != nil {
		return nil, fmt.Errorf("deriving the Raivo OTP archive's key: %w", err)
	}
	encKey, macKey, verify := keys[:keyLen], keys[keyLen:2*keyLen], keys[2*keyLen:]
	if subtle.ConstantTimeCompare(verify, check) != 1 {
		return nil, ErrWrongPassword
	}
	mac := hmac.New(sha1.New, macKey)
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil)[:winzipAESAuthLen], tag) {
		// The 2-byte check passed: a wrong password passes it once in
		// 65,536, a damaged file always.
		return nil, damagedFilef("Raivo OTP archive: the encrypted export fails its authentication code")
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("AES key: %w", err)
	}
	plain := make([]byte, len(body))
	var counter, stream [aes.BlockSize]byte
	for off := 0; off < len(body); off += aes.BlockSize {
		// A 128-bit little-endian counter from 1.
		for i := range counter {
			if counter[i]++; counter[i] != 0 {
				break
			}
		}
		block.Encrypt(stream[:], counter[:])
		n := min(aes.BlockSize, len(body)-off)
		subtle.XORBytes(plain[off:off+n], body[off:off+n], stream[:n])
	}
	return plain, nil
}

// pkwareOpen decrypts traditional PKWARE encryption.
func pkwareOpen(sealed []byte, password string, f *zip.File) ([]byte, error) {
	const headerLen = 12
	if len(sealed) < headerLen {
		return nil, damagedFilef("Raivo OTP archive: the encrypted entry is too short for its header")
	}
	k := pkwareKeys{0x12345678, 0x23456789, 0x34567890}
	for i := 0; i < len(password); i++ {
		k.update(password[i])
	}
	plain := make([]byte, len(sealed))
	for i, c := range sealed {
		p := c ^ k.stream()
		k.update(p)
		plain[i] = p
	}
	// The header's last byte is the CRC's high byte, or with a data
	// descriptor the high byte of the modification time.
	want := byte(f.CRC32 >> 24)
	if f.Flags&0x8 != 0 {
		want = byte(f.ModifiedTime >> 8)
	}
	if plain[headerLen-1] != want {
		return nil, ErrWrongPassword
	}
	return plain[headerLen:], nil
}

type pkwareKeys [3]uint32

func (k *pkwareKeys) update(b byte) {
	k[0] = crc32.IEEETable[byte(k[0])^b] ^ (k[0] >> 8)
	k[1] = (k[1]+(k[0]&0xff))*134775813 + 1
	k[2] = crc32.IEEETable[byte(k[2])^byte(k[1]>>24)] ^ (k[2] >> 8)
}

func (k *pkwareKeys) stream() byte {
	t := uint16(k[2] | 2)
	return byte((uint32(t) * uint32(t^1)) >> 8)
}

// raivoZipDamaged reports a failure reading the archive as damage, unless
// it was a limit.
func raivoZipDamaged(err error) error {
	if errors.Is(err, ErrTooLarge) {
		return fmt.Errorf("the Raivo OTP archive: %w", err)
	}
	return damagedFile("Raivo OTP archive", err)
}
