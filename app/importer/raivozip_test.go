package importer

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/aes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"
)

// raivoZip writes an archive as ZIP tools do: the export and its HTML copy,
// the export encrypted as scheme says ("aes1", "aes2", "pkware" or
// "none").
func raivoZip(t testing.TB, plain []byte, password, scheme string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("raivo-otp-export.html")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("<html></html>"))
	crc := crc32.ChecksumIEEE(plain)
	fh := &zip.FileHeader{Name: raivoJSONName, CRC32: crc, UncompressedSize64: uint64(len(plain)), Flags: 1}
	var data []byte
	switch scheme {
	case "none":
		w, err := zw.Create(raivoJSONName)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(plain)
		zw.Close()
		return buf.Bytes()
	case "aes1", "aes2":
		var def bytes.Buffer
		fw, _ := flate.NewWriter(&def, flate.BestCompression)
		fw.Write(plain)
		fw.Close()
		salt := randomBytes(t, 16)
		keys, err := pbkdf2.Key(sha1.New, password, salt, 1000, 66)
		if err != nil {
			t.Fatal(err)
		}
		block, _ := aes.NewCipher(keys[:32])
		ct := def.Bytes()
		var ctr, ks [16]byte
		for off := 0; off < len(ct); off += 16 {
			binary.LittleEndian.PutUint64(ctr[:], uint64(off/16+1))
			block.Encrypt(ks[:], ctr[:])
			for i := off; i < min(off+16, len(ct)); i++ {
				ct[i] ^= ks[i-off]
			}
		}
		mac := hmac.New(sha1.New, keys[32:64])
		mac.Write(ct)
		data = append(append(append(salt, keys[64:]...), ct...), mac.Sum(nil)[:10]...)
		version := uint16(1)
		if scheme == "aes2" {
			version, fh.CRC32 = 2, 0
		}
		fh.Method = 99
		fh.Extra = binary.LittleEndian.AppendUint16(binary.LittleEndian.AppendUint16(nil, 0x9901), 7)
		fh.Extra = binary.LittleEndian.AppendUint16(fh.Extra, version)
		fh.Extra = append(fh.Extra, 'A', 'E', 3)
		fh.Extra = binary.LittleEndian.AppendUint16(fh.Extra, zip.Deflate)
	case "pkware":
		fh.Method = zip.Store
		k := zipCryptoKeys{0x12345678, 0x23456789, 0x34567890}
		for i := 0; i < len(password); i++ {
			k.update(password[i])
		}
		header := append(randomBytes(t, 11), byte(crc>>24))
		for _, p := range append(header, plain...) {
			data = append(data, p^k.stream())
			k.update(p)
		}
	}
	fh.CompressedSize64 = uint64(len(data))
	rw, err := zw.CreateRaw(fh)
	if err != nil {
		t.Fatal(err)
	}
	rw.Write(data)
	zw.Close()
	return buf.Bytes()
}

func TestRaivoZip(t *testing.T) {
	want := []string{
		"Acme|ann@acme.example|totp|" + fxSentinel + "|SHA1|6|30|0|g=|n=|f=false|i=|r=",
		"Vendor|bob|hotp|JBSWY3DPEHPK3PXP|SHA256|8|30|42|g=|n=|f=false|i=|r=",
	}
	plain := []byte(`[{"kind":"TOTP","algorithm":"SHA1","timer":"30","digits":"6","issuer":"Acme","account":"ann@acme.example","secret":"` + fxSentinel + `","counter":"0","iconType":"","iconValue":""},` +
		`{"kind":"HOTP","algorithm":"SHA256","timer":"30","digits":"8","issuer":"Vendor","account":"bob","secret":"JBSWY3DPEHPK3PXP","counter":"42","iconType":"","iconValue":""}]`)
	for _, scheme := range []string{"aes2", "aes1", "pkware", "none"} {
		t.Run(scheme, func(t *testing.T) {
			pw := &fxPassword{pw: sentinelPassword}
			res := fxMustRead(t, "raivo-otp-export.zip", raivoZip(t, plain, sentinelPassword, scheme), FormatRaivoZip, pw.options())
			fxCompare(t, "entries", fxSummary(res), want)
			if wantCalls := map[bool]int{true: 0, false: 1}[scheme == "none"]; pw.calls != wantCalls {
				t.Errorf("password asked %d times, want %d", pw.calls, wantCalls)
			}
		})
	}
}

func TestRaivoZipProblems(t *testing.T) {
	plain := raivoFixture()
	aes2 := raivoZip(t, plain, sentinelPassword, "aes2")
	tampered := bytes.Clone(aes2)
	i := bytes.Index(tampered, []byte(raivoJSONName)) + len(raivoJSONName) + 11 + 16 + 2 + 5 // inside the ciphertext
	tampered[i] ^= 1
	var other bytes.Buffer
	zw := zip.NewWriter(&other)
	w, _ := zw.Create("notes/" + raivoJSONName + ".txt")
	w.Write([]byte("x"))
	zw.Close()
	tests := []struct {
		name     string
		data     []byte
		password string
		want     error
		text     string
	}{
		{"wrong password, aes", aes2, "not it", ErrWrongPassword, ""},
		{"wrong password, pkware", raivoZip(t, plain, sentinelPassword, "pkware"), "not it", ErrWrongPassword, ""},
		{"no password", aes2, "", ErrPasswordRequired, ""},
		{"tampered", tampered, sentinelPassword, ErrDamagedFile, "authentication code"},
		{"truncated", aes2[:len(aes2)-30], sentinelPassword, ErrDamagedFile, "Raivo OTP archive"},
		{"no export inside", other.Bytes(), sentinelPassword, ErrDamagedFile, "holds no " + raivoJSONName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, calls, err := readExport(t, tt.data, "", tt.password)
			checkNoSecrets(t, res, err)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) || !strings.HasPrefix(err.Error(), "import backup.file: ") {
				t.Fatalf("err = %v, want %v with %q", err, tt.want, tt.text)
			}
			if calls > 1 {
				t.Errorf("password asked %d times", calls)
			}
		})
	}
}

// TestSecurityRaivoZipBomb: an archive claiming an export beyond
// MaxInputBytes is refused before anything is inflated or decrypted.
func TestSecurityRaivoZipBomb(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: raivoJSONName, Method: zip.Deflate, Flags: 1,
		CompressedSize64: 4, UncompressedSize64: MaxInputBytes + 1})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte{1, 2, 3, 4})
	zw.Close()
	pw := &fxPassword{pw: "pw"}
	_, err = fxRead(t, "bomb.zip", buf.Bytes(), FormatRaivoZip, pw.options())
	if !errors.Is(err, ErrTooLarge) || errors.Is(err, ErrDamagedFile) || pw.calls != 0 {
		t.Fatalf("err = %v (password asked %d times), want ErrTooLarge before the password", err, pw.calls)
	}
}
