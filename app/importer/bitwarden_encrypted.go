package importer

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Bitwarden's password-protected encrypted JSON export (FormatBitwarden,
// detected by isBitwardenJSON): an object with "encrypted": true and
// "passwordProtected": true, the export password's KDF settings (kdfType
// 0 PBKDF2-SHA256 with kdfIterations, 1 Argon2id with kdfIterations,
// kdfMemory in MiB and kdfParallelism), a salt (a base64 text whose UTF-8
// bytes are the salt as Bitwarden uses it), and two EncStrings of type 2
// ("2.iv|ciphertext|mac", each part base64): encKeyValidation_DO_NOT_EDIT,
// a random UUID that tells a wrong password from a damaged file, and data,
// the unencrypted JSON export.
//
// The password and salt give a 32-byte key (for Argon2id the salt is first
// hashed with SHA-256); HKDF-Expand-SHA256 of it with the infos "enc" and
// "mac" gives the AES-256-CBC key and the HMAC-SHA256 key; the MAC covers
// iv || ciphertext.

const (
	bitwardenKDFPBKDF2   = 0
	bitwardenKDFArgon2id = 1
	bitwardenKeyLen      = 32
)

// bitwardenSealed is what a password-protected export adds to the object.
type bitwardenSealed struct {
	Salt           string `json:"salt"`
	KDFType        *int   `json:"kdfType"`
	KDFIterations  int    `json:"kdfIterations"`
	KDFMemory      *int   `json:"kdfMemory"`
	KDFParallelism *int   `json:"kdfParallelism"`
	Validation     string `json:"encKeyValidation_DO_NOT_EDIT"`
	Data           string `json:"data"`
}

// bitwardenEncString is a parsed type-2 EncString.
type bitwardenEncString struct{ iv, ct, mac []byte }

func parseBitwardenEncString(field, s string) (bitwardenEncString, error) {
	body, ok := strings.CutPrefix(strings.TrimSpace(s), "2.")
	parts := strings.Split(body, "|")
	if !ok || len(parts) != 3 {
		return bitwardenEncString{}, damagedFilef("the Bitwarden export's %s is not an EncString of type 2 (\"2.iv|data|mac\")", field)
	}
	var dec [3][]byte
	for i, p := range parts {
		b, err := base64.StdEncoding.DecodeString(p)
		if err != nil {
			return bitwardenEncString{}, damagedFilef("the Bitwarden export's %s holds invalid base64", field)
		}
		dec[i] = b
	}
	e := bitwardenEncString{iv: dec[0], ct: dec[1], mac: dec[2]}
	if len(e.iv) != 16 || len(e.mac) != sha256.Size || len(e.ct) == 0 || len(e.ct)%16 != 0 {
		return bitwardenEncString{}, damagedFilef("the Bitwarden export's %s has parts of the wrong length", field)
	}
	return e, nil
}

// open checks the MAC and decrypts; ok is false when the MAC is wrong.
func (e bitwardenEncString) open(encKey, macKey []byte) (plain []byte, macOK, padOK bool) {
	m := hmac.New(sha256.New, macKey)
	m.Write(e.iv)
	m.Write(e.ct)
	if !hmac.Equal(m.Sum(nil), e.mac) {
		return nil, false, false
	}
	plain, padOK = decryptCBC(encKey, e.iv, e.ct)
	return plain, true, padOK
}

// bitwardenKDF checks the file's KDF settings against the limits before
// anything is derived, and returns the derivation to run.
func (s bitwardenSealed) kdf() (func(password string) ([]byte, error), error) {
	if s.KDFType == nil {
		return nil, damagedFilef("the password-protected Bitwarden export has no kdfType")
	}
	if s.Salt == "" {
		return nil, damagedFilef("the password-protected Bitwarden export has no salt")
	}
	salt := []byte(s.Salt)
	switch *s.KDFType {
	case bitwardenKDFPBKDF2:
		if s.KDFIterations <= 0 {
			return nil, fmt.Errorf("invalid PBKDF2 iteration count %d", s.KDFIterations)
		}
		if s.KDFIterations > bitwardenMaxPBKDF2Iterations {
			return nil, fmt.Errorf("%w: PBKDF2 with %d iterations (Bitwarden allows at most %d)", ErrTooCostly, s.KDFIterations, bitwardenMaxPBKDF2Iterations)
		}
		return func(pw string) ([]byte, error) {
			key, err := pbkdf2Key(sha256.New, pw, salt, s.KDFIterations, bitwardenKeyLen)
			if err != nil {
				return nil, fmt.Errorf("PBKDF2: %w", err)
			}
			return key, nil
		}, nil
	case bitwardenKDFArgon2id:
		if s.KDFMemory == nil || s.KDFParallelism == nil {
			return nil, damagedFilef("the Bitwarden export uses Argon2id but has no kdfMemory or kdfParallelism")
		}
		memMiB, time, threads := *s.KDFMemory, s.KDFIterations, *s.KDFParallelism
		switch {
		case memMiB <= 0 || time <= 0 || threads <= 0:
			return nil, fmt.Errorf("invalid Argon2 parameters t=%d m=%d MiB p=%d", time, memMiB, threads)
		case memMiB > bitwardenMaxArgon2MiB || time > bitwardenMaxArgon2Time || threads > bitwardenMaxArgon2Threads:
			// Checked in MiB first: the KiB product must not overflow.
			return nil, fmt.Errorf("%w: Argon2 t=%d m=%d MiB p=%d (Bitwarden allows at most t=%d, %d MiB, p=%d)",
				ErrTooCostly, time, memMiB, threads, bitwardenMaxArgon2Time, bitwardenMaxArgon2MiB, bitwardenMaxArgon2Threads)
		}
		saltHash := sha256.Sum256(salt)
		return func(pw string) ([]byte, error) {
			return argon2IDKey([]byte(pw), saltHash[:], uint32(time), uint32(memMiB)<<10, uint8(threads), bitwardenKeyLen), nil
		}, nil
	}
	return nil, fmt.Errorf("unsupported Bitwarden export key derivation %d (Latchkey reads 0, PBKDF2, and 1, Argon2id)", *s.KDFType)
}

// Bitwarden's own bounds on the KDF of an account, and so of a
// password-protected export (its web vault's settings): PBKDF2 from 600,000
// (the default) to 2,000,000 iterations; Argon2id up to 10 iterations,
// 1 GiB and 16 lanes (the default 3, 64 MiB, 4). A file may name no more,
// so a user who raised the cost to Bitwarden's maximum still imports, and a
// hostile file costs at most that: about 1.5 s of PBKDF2 or 10 passes over
// 1 GiB, checked before the password is asked for.
const (
	bitwardenMaxPBKDF2Iterations = 2_000_000
	bitwardenMaxArgon2MiB        = 1024
	bitwardenMaxArgon2Time       = 10
	bitwardenMaxArgon2Threads    = 16
)

// openBitwarden decrypts a password-protected export into the unencrypted
// JSON export it holds.
func openBitwarden(ctx context.Context, s bitwardenSealed, opts Options) ([]byte, error) {
	derive, err := s.kdf()
	if err != nil {
		return nil, err
	}
	validation, err := parseBitwardenEncString("encKeyValidation_DO_NOT_EDIT", s.Validation)
	if err != nil {
		return nil, err
	}
	data, err := parseBitwardenEncString("data", s.Data)
	if err != nil {
		return nil, err
	}
	password, err := opts.password()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	key, err := derive(password)
	if err != nil {
		return nil, err
	}
	encKey, err1 := hkdf.Expand(sha256.New, key, "enc", bitwardenKeyLen)
	macKey, err2 := hkdf.Expand(sha256.New, key, "mac", bitwardenKeyLen)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("stretching the Bitwarden key: %w", err)
	}
	if _, macOK, _ := validation.open(encKey, macKey); !macOK {
		return nil, ErrWrongPassword
	}
	plain, macOK, padOK := data.open(encKey, macKey)
	if !macOK {
		return nil, damagedFilef("the Bitwarden export's data does not match its MAC, though the password is right")
	}
	if !padOK {
		return nil, damagedFilef("the Bitwarden export's data is padded wrongly")
	}
	return plain, nil
}
