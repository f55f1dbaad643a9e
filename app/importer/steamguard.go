package importer

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/latchkey/latchkey/vault"
)

// Steam Desktop Authenticator (SDA) keeps one .maFile per account: the JSON
// Steam returned when the authenticator was added, with shared_secret (the
// TOTP key, standard base64), account_name and revocation_code (the code
// that removes the authenticator from the account: Steam's recovery code).
//
// SDA can encrypt maFiles: the file is then base64 of AES-256-CBC, with the
// key from PBKDF2(passkey, salt, 50000) and the 8-byte salt and the IV kept
// only in SDA's manifest.json. Without the manifest there is no key, so an
// encrypted maFile is refused with the way out; manifest.json itself holds
// no keys and is reported, not failed, so a whole maFiles folder imports.
const (
	FormatSteamMaFile          Format = "steam-mafile"
	FormatSteamMaFileEncrypted Format = "steam-mafile-encrypted"
)

// ErrEncryptedMaFile is returned for an encrypted SDA maFile.
var ErrEncryptedMaFile = errors.New("this looks like an encrypted Steam Desktop Authenticator maFile, whose key is in SDA's manifest.json: " +
	"in SDA, remove the encryption (Manage Encryption, empty passkey) and import the maFile again (a TOTP Authenticator backup looks the same: import it with --format totp-authenticator)")

func init() {
	register(reader{name: FormatSteamMaFile, priority: 260, detect: isMaFile,
		read: func(_ context.Context, _ *Importer, res *Result, data []byte, _ Options) error {
			return readMaFile(res, data)
		}})
	register(reader{name: FormatSteamMaFileEncrypted, priority: 300, detect: isEncryptedMaFile,
		read: func(context.Context, *Importer, *Result, []byte, Options) error {
			return ErrEncryptedMaFile
		}})
}

func isMaFile(data []byte) bool {
	shape, ok := peekJSONShape(data)
	if !ok || shape.array {
		return false
	}
	return shape.keys["shared_secret"] || isSDAManifest(shape)
}

func isSDAManifest(shape jsonShape) bool {
	return hasKeys(shape.keys, "encrypted", "entries") && shape.firstKeys["entries"]["filename"]
}

// isEncryptedMaFile: nothing but base64 that decodes to whole AES blocks,
// and at least as many as the smallest maFile fills. Every other format
// here is JSON, binary or has links with a ':' in them.
func isEncryptedMaFile(data []byte) bool {
	const minMaFile, maxMaFile = 256, 1 << 20
	text := bytes.TrimSpace(data)
	if len(text) < minMaFile || len(text) > maxMaFile*4/3 {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(string(text))
	return err == nil && len(raw) >= minMaFile && len(raw)%16 == 0
}

type maFile struct {
	SharedSecret   *string `json:"shared_secret"`
	AccountName    string  `json:"account_name"`
	RevocationCode string  `json:"revocation_code"`
}

func readMaFile(res *Result, data []byte) error {
	if shape, ok := peekJSONShape(data); ok && isSDAManifest(shape) {
		res.skip(res.Name, "this is Steam Desktop Authenticator's manifest.json, which holds no keys: import the .maFile files next to it")
		return nil
	}
	var f maFile
	if err := decodeExport("Steam Desktop Authenticator maFile", data, &f); err != nil {
		return err
	}
	if f.SharedSecret == nil {
		return damagedFilef("the maFile has no shared_secret")
	}
	a, err := f.account()
	if err != nil {
		skipEntry(res, 0, "Steam", f.AccountName, err.Error())
		return nil
	}
	res.add(res.Name, a)
	return nil
}

func (f maFile) account() (vault.Account, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(*f.SharedSecret))
	if err != nil || len(key) == 0 {
		return vault.Account{}, errors.New("shared_secret is not base64")
	}
	return vault.Account{
		Type: vault.Steam, Issuer: "Steam", Name: f.AccountName,
		Secret:       base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key),
		RecoveryCode: strings.TrimSpace(f.RevocationCode),
	}, nil
}
