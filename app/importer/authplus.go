package importer

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/aes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"path"
	"strings"
)

// Authenticator Plus (Mobile Data Inc.) exports its accounts from Settings,
// Backup & Restore, Export as a password-protected zip holding
// Accounts.txt: otpauth links, one per line (the export password is the
// app's master password). The zip uses either traditional PKWARE
// encryption or WinZip AES (AE-1/AE-2: PBKDF2-HMAC-SHA1 with 1,000
// iterations, a constant of that format, AES-CTR and an HMAC-SHA1 tag);
// both are read here. The app's other file, authplus.db ("Backup to SD
// card"), is a SQLCipher database, which the pure-Go SQLite Latchkey uses
// cannot open: export instead.
const FormatAuthenticatorPlus Format = "authenticator-plus"

const (
	authPlusAccounts = "Accounts.txt"
	zipAESMethod     = 99
	zipAESExtraID    = 0x9901
	zipAESIterations = 1000
)

func init() {
	register(reader{name: FormatAuthenticatorPlus, priority: 150, detect: isAuthPlus,
		read: func(ctx context.Context, im *Importer, res *Result, data []byte, opts Options) error {
			return readAuthPlus(ctx, im, res, data, opts)
		}})
}

func isAuthPlus(data []byte) bool {
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return false
	}
	_, f := authPlusFile(data)
	return f != nil
}

// authPlusFile finds Accounts.txt in the zip.
func authPlusFile(data []byte) (*zip.Reader, *zip.File) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, nil
	}
	for _, f := range zr.File {
		if path.Base(strings.ReplaceAll(f.Name, `\`, "/")) == authPlusAccounts {
			return zr, f
		}
	}
	return zr, nil
}

func readAuthPlus(ctx context.Context, im *Importer, res *Result, data []byte, opts Options) error {
	zr, f := authPlusFile(data)
	switch {
	case zr == nil:
		return damagedFilef("the Authenticator Plus export is not a readable zip")
	case f == nil:
		return damagedFilef("the Authenticator Plus export has no %s", authPlusAccounts)
	}
	text, err := readSealedZipEntry(ctx, f, opts)
	if err != nil {
		return fmt.Errorf("%s in the Authenticator Plus export: %w", authPlusAccounts, err)
	}
	return im.readText(res, text)
}

// readSealedZipEntry reads one zip entry, decrypting it with the password
// when it is encrypted, and checks its integrity; at most MaxInputBytes
// come out.
func readSealedZipEntry(ctx context.Context, f *zip.File, opts Options) ([]byte, error) {
	if f.Flags&1 == 0 {
		rc, err := f.Open()
		if err != nil {
			return nil, damagedFile("the zip entry", err)
		}
		defer rc.Close()
		return readZipEntryLimited(rc)
	}
	raw, err := f.OpenRaw()
	if err != nil {
		return nil, damagedFile("the zip entry", err)
	}
	sealed, err := io.ReadAll(io.LimitReader(raw, MaxInputBytes+1))
	if err != nil {
		return nil, damagedFile("the zip entry", err)
	}
	password, err := opts.password()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	method := f.Method
	checkCRC := true
	var compressed []byte
	if method == zipAESMethod {
		var aesMethod uint16
		compressed, aesMethod, checkCRC, err = openZipAES(f, sealed, password)
		if err != nil {
			return nil, err
		}
		method = aesMethod
	} else if compressed, err = openZipCrypto(f, sealed, password); err != nil {
		return nil, err
	}
	var plain []byte
	switch method {
	case zip.Store:
		plain = compressed
	case zip.Deflate:
		if plain, err = readZipEntryLimited(flate.NewReader(bytes.NewReader(compressed))); err != nil {
			if errors.Is(err, ErrTooLarge) || f.Method == zipAESMethod {
				return nil, err // AES was authenticated: this is damage
			}
			// Traditional encryption checks one byte of the key: a wrong
			// password passes that check once in 256 tries.
			return nil, ErrWrongPassword
		}
	default:
		return nil, damagedFilef("its compression method %d is not supported (store, deflate)", method)
	}
	if checkCRC && crc32.ChecksumIEEE(plain) != f.CRC32 {
		if f.Method == zipAESMethod {
			return nil, damagedFilef("its checksum does not match")
		}
		return nil, ErrWrongPassword
	}
	return plain, nil
}

func readZipEntryLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
	if err != nil {
		return nil, damagedFile("the zip entry", err)
	}
	if len(b) > MaxInputBytes {
		return nil, tooLarge(fmt.Sprintf("it unpacks to more than %s; Latchkey reads at most that of one input", sizeText(MaxInputBytes)))
	}
	return b, nil
}

// openZipCrypto removes PKWARE's traditional encryption: three keys
// stirred by the password, a 12-byte header whose last byte must match
// the entry's checksum (or its time, when sizes follow the data).
func openZipCrypto(f *zip.File, sealed []byte, password string) ([]byte, error) {
	if len(sealed) < 12 {
		return nil, damagedFilef("its encryption header is cut short")
	}
	k := zipCryptoKeys{0x12345678, 0x23456789, 0x34567890}
	for i := 0; i < len(password); i++ {
		k.update(password[i])
	}
	out := make([]byte, len(sealed))
	for i, c := range sealed {
		p := c ^ k.stream()
		k.update(p)
		out[i] = p
	}
	check := byte(f.CRC32 >> 24)
	if f.Flags&0x8 != 0 {
		check = byte(f.ModifiedTime >> 8)
	}
	if out[11] != check {
		return nil, ErrWrongPassword
	}
	return out[12:], nil
}

type zipCryptoKeys [3]uint32

func (k *zipCryptoKeys) update(c byte) {
	k[0] = crc32.IEEETable[byte(k[0])^c] ^ (k[0] >> 8)
	k[1] = (k[1]+(k[0]&0xff))*134775813 + 1
	k[2] = crc32.IEEETable[byte(k[2])^byte(k[1]>>24)] ^ (k[2] >> 8)
}

func (k *zipCryptoKeys) stream() byte {
	t := uint16(k[2] | 2)
	return byte((uint32(t) * uint32(t^1)) >> 8)
}

// openZipAES removes WinZip's AES encryption: salt, a 2-byte password
// check, AES-CTR data (little-endian counter from 1) and 10 bytes of
// HMAC-SHA1 over it. It returns the data, the real compression method and
// whether the CRC is to be checked too (AE-1; AE-2 leaves it zero).
func openZipAES(f *zip.File, sealed []byte, password string) ([]byte, uint16, bool, error) {
	version, strength, method, ok := zipAESExtra(f.Extra)
	if !ok {
		return nil, 0, false, damagedFilef("its AES encryption has no parameters")
	}
	keyLen := map[byte]int{1: 16, 2: 24, 3: 32}[strength]
	if keyLen == 0 {
		return nil, 0, false, damagedFilef("its AES strength %d is unknown", strength)
	}
	saltLen := keyLen / 2
	if len(sealed) < saltLen+2+10 {
		return nil, 0, false, damagedFilef("its AES data is cut short")
	}
	salt, verifier := sealed[:saltLen], sealed[saltLen:saltLen+2]
	body, tag := sealed[saltLen+2:len(sealed)-10], sealed[len(sealed)-10:]
	keys, err := pbkdf2KeyChecked(sha1.New, password, salt, zipAESIterations, 2*keyLen+2)
	if err != nil {
		return nil, 0, false, err
	}
	if subtle.ConstantTimeCompare(keys[2*keyLen:], verifier) != 1 {
		return nil, 0, false, ErrWrongPassword
	}
	mac := hmac.New(sha1.New, keys[keyLen:2*keyLen])
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil)[:10], tag) {
		// The 2-byte check passes a wrong password once in 65,536 tries;
		// a right one with a bad tag is a damaged file, the likelier.
		return nil, 0, false, damagedFilef("its content does not match its authentication code")
	}
	block, _ := aes.NewCipher(keys[:keyLen])
	out := make([]byte, len(body))
	var ctr, ks [aes.BlockSize]byte
	for off := 0; off < len(body); off += aes.BlockSize {
		binary.LittleEndian.PutUint64(ctr[:8], uint64(off/aes.BlockSize+1))
		block.Encrypt(ks[:], ctr[:])
		end := min(off+aes.BlockSize, len(body))
		subtle.XORBytes(out[off:end], body[off:end], ks[:end-off])
	}
	return out, method, version == 1, nil
}

// zipAESExtra reads the 0x9901 extra field.
func zipAESExtra(extra []byte) (version uint16, strength byte, method uint16, ok bool) {
	for len(extra) >= 4 {
		id, n := binary.LittleEndian.Uint16(extra), int(binary.LittleEndian.Uint16(extra[2:]))
		extra = extra[4:]
		if n > len(extra) {
			return 0, 0, 0, false
		}
		if id == zipAESExtraID && n >= 7 && string(extra[2:4]) == "AE" {
			return binary.LittleEndian.Uint16(extra), extra[4], binary.LittleEndian.Uint16(extra[5:]), true
		}
		extra = extra[n:]
	}
	return 0, 0, 0, false
}
