package importer

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/aes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"
	"time"
)

const authPlusAccountsText = "otpauth://totp/Acme%20RMM:ann@acme.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme%20RMM&algorithm=SHA512&digits=8&period=60\n" +
	"otpauth://hotp/Vendor:bob?secret=MFRGGZDFMZTWQ2LK&issuer=Vendor&counter=5&digits=7&algorithm=SHA256\n" +
	"\n" +
	"otpauth://totp/lonely?secret=JBSWY3DPEHPK3PXP\n" +
	"not a link\n"

var authPlusWant = []string{
	"Acme RMM|ann@acme.example|totp|GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ|SHA512|8|60|0|g=|n=|f=false|i=|r=",
	"Vendor|bob|hotp|MFRGGZDFMZTWQ2LK|SHA256|7|30|5|g=|n=|f=false|i=|r=",
	"|lonely|totp|JBSWY3DPEHPK3PXP|SHA1|6|30|0|g=|n=|f=false|i=|r=",
}

// authPlusSeal says how a test zip seals Accounts.txt.
type authPlusSeal int

const (
	authPlusPlain authPlusSeal = iota
	authPlusPKWare
	authPlusAE1 // AE-1: CRC kept
	authPlusAE2 // AE-2: CRC zero
	// authPlusPKWareStreamed is traditional encryption written as a stream:
	// sizes in a data descriptor, the header's check byte from the time.
	authPlusPKWareStreamed
)

// authPlusZip writes the export as a zip holding Accounts.txt, deflated and
// sealed as enc says, the way zip4j (Authenticator Plus) writes it.
func authPlusZip(t testing.TB, name, text, password string, enc authPlusSeal) []byte {
	t.Helper()
	var deflated bytes.Buffer
	fw, _ := flate.NewWriter(&deflated, flate.DefaultCompression)
	fw.Write([]byte(text))
	fw.Close()
	crc := crc32.ChecksumIEEE([]byte(text))
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc, UncompressedSize64: uint64(len(text))}
	body := deflated.Bytes()
	switch enc {
	case authPlusPKWare, authPlusPKWareStreamed:
		h.Flags |= 1
		header := make([]byte, 12)
		rand.Read(header)
		header[11] = byte(crc >> 24)
		if enc == authPlusPKWareStreamed {
			h.Flags |= 8
			h.Modified = time.Date(2024, 1, 2, 13, 45, 30, 0, time.UTC)
			dos := uint16(13<<11 | 45<<5 | 30/2)
			//lint:ignore SA1019 the check byte is the MS-DOS time zip4j writes, which CreateRaw does not derive
			h.ModifiedTime = dos
			header[11] = byte(dos >> 8) // the MS-DOS time's high byte
		}
		body = authPlusPKWareSeal(password, append(header, body...))
	case authPlusAE1, authPlusAE2:
		h.Flags |= 1
		h.Method = zipAESMethod
		version := uint16(1)
		if enc == authPlusAE2 {
			version, h.CRC32 = 2, 0
		}
		extra := make([]byte, 11)
		binary.LittleEndian.PutUint16(extra, zipAESExtraID)
		binary.LittleEndian.PutUint16(extra[2:], 7)
		binary.LittleEndian.PutUint16(extra[4:], version)
		copy(extra[6:], "AE")
		extra[8] = 3 // AES-256
		binary.LittleEndian.PutUint16(extra[9:], zip.Deflate)
		h.Extra = extra
		body = authPlusAESSeal(t, password, body)
	}
	h.CompressedSize64 = uint64(len(body))
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	w, err := zw.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(body)
	zw.Close()
	return out.Bytes()
}

func authPlusPKWareSeal(password string, plain []byte) []byte {
	k := zipCryptoKeys{0x12345678, 0x23456789, 0x34567890}
	for i := 0; i < len(password); i++ {
		k.update(password[i])
	}
	out := make([]byte, len(plain))
	for i, p := range plain {
		out[i] = p ^ k.stream()
		k.update(p)
	}
	return out
}

func authPlusAESSeal(t testing.TB, password string, plain []byte) []byte {
	salt := make([]byte, 16)
	rand.Read(salt)
	keys, err := pbkdf2.Key(sha1.New, password, salt, 1000, 66)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(keys[:32])
	ct := make([]byte, len(plain))
	var ctr, ks [16]byte
	for off := 0; off < len(plain); off += 16 {
		binary.LittleEndian.PutUint64(ctr[:8], uint64(off/16+1))
		block.Encrypt(ks[:], ctr[:])
		end := min(off+16, len(plain))
		subtle.XORBytes(ct[off:end], plain[off:end], ks[:end-off])
	}
	mac := hmac.New(sha1.New, keys[32:64])
	mac.Write(ct)
	out := append(append(salt, keys[64:66]...), ct...)
	return append(out, mac.Sum(nil)[:10]...)
}

func TestAuthenticatorPlus(t *testing.T) {
	for _, tt := range []struct {
		name string
		file string
		enc  authPlusSeal
	}{
		{"traditional", "Accounts.txt", authPlusPKWare},
		{"traditional, streamed", "Accounts.txt", authPlusPKWareStreamed},
		{"AES AE-1", "Accounts.txt", authPlusAE1},
		{"AES AE-2 in a folder", "export/Accounts.txt", authPlusAE2},
		{"not encrypted", "Accounts.txt", authPlusPlain},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pw := &fxPassword{pw: "master pw"}
			data := authPlusZip(t, tt.file, authPlusAccountsText, "master pw", tt.enc)
			res := fxMustRead(t, "authplus.zip", data, FormatAuthenticatorPlus, pw.options())
			fxCompare(t, "entries", fxSummary(res), authPlusWant)
			fxWantSkipped(t, res, map[string]string{"authplus.zip line 5": "no otpauth link"})
			fxValid(t, res)
			if want := map[bool]int{true: 0, false: 1}[tt.enc == authPlusPlain]; pw.calls != want {
				t.Errorf("password asked %d times, want %d", pw.calls, want)
			}
		})
	}
}

func TestAuthenticatorPlusErrors(t *testing.T) {
	aes := authPlusZip(t, "Accounts.txt", authPlusAccountsText, "right", authPlusAE2)
	tampered := bytes.Clone(aes)
	tampered[bytes.Index(tampered, []byte("Accounts.txt"))+len("Accounts.txt")+11+16+2+3] ^= 1 // in the ciphertext, after the extra field, salt and check
	for _, tt := range []struct {
		name string
		data []byte
		opts Options
		want error
	}{
		{"wrong password, AES", aes, (&fxPassword{pw: "wrong"}).options(), ErrWrongPassword},
		{"wrong password, traditional", authPlusZip(t, "Accounts.txt", authPlusAccountsText, "right", authPlusPKWare), (&fxPassword{pw: "wrong"}).options(), ErrWrongPassword},
		{"no password", aes, Options{}, ErrPasswordRequired},
		{"tampered", tampered, (&fxPassword{pw: "right"}).options(), ErrDamagedFile},
		{"no Accounts.txt", authPlusZip(t, "Other.txt", "x", "right", authPlusAE2), Options{}, ErrDamagedFile},
		{"cut", aes[:len(aes)/2], Options{}, ErrDamagedFile},
	} {
		res, err := New().Read(t.Context(), "authplus.zip", tt.data, FormatAuthenticatorPlus, tt.opts)
		fxNoLeak(t, res, err)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), "authplus.zip") {
			t.Errorf("%s: Read = %v, want %v naming the file", tt.name, err, tt.want)
		}
	}
}

func TestAuthenticatorPlusDetect(t *testing.T) {
	if got := Detect(authPlusZip(t, "Other.txt", "x", "pw", authPlusAE2)); got == FormatAuthenticatorPlus {
		t.Errorf("a zip without Accounts.txt was detected as %q", got)
	}
}
