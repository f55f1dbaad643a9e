package importer

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
)

// Raivo's archive is encrypted the way ZIP tools do it, and read by
// readSealedZipEntry (authplus.go), which knows both schemes, with the
// standard library only:
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
	// The same reader as Authenticator Plus's export (authplus.go): either
	// zip encryption, the entry's checksum, and at most one input's size.
	plain, err := readSealedZipEntry(ctx, f, opts)
	if err != nil {
		return err
	}
	return readRaivo(res, plain)
}

// raivoZipDamaged reports a failure reading the archive as damage, unless
// it was a limit.
func raivoZipDamaged(err error) error {
	if errors.Is(err, ErrTooLarge) {
		return fmt.Errorf("the Raivo OTP archive: %w", err)
	}
	return damagedFile("Raivo OTP archive", err)
}
