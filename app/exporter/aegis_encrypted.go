package exporter

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/crypto/scrypt"

	"github.com/latchkey/latchkey/app/aegis"
	"github.com/latchkey/latchkey/vault"
)

// AegisEncrypted writes accounts as an Aegis vault encrypted with password.
func AegisEncrypted(accounts []vault.Account, password string) ([]byte, error) {
	if password == "" {
		return nil, errors.New("aegis vault: the password is empty")
	}
	content, err := aegisContent(accounts)
	if err != nil {
		return nil, err
	}
	plain, err := json.Marshal(content)
	if err != nil {
		return nil, fmt.Errorf("aegis vault: %w", err)
	}
	masterKey, err := randomBytes(aegis.KeySize)
	if err != nil {
		return nil, err
	}
	slot, err := passwordSlot(masterKey, password)
	if err != nil {
		return nil, err
	}
	ct, params, err := sealGCM(masterKey, plain)
	if err != nil {
		return nil, err
	}
	db, err := json.Marshal(base64.StdEncoding.EncodeToString(ct))
	if err != nil {
		return nil, fmt.Errorf("aegis vault: %w", err)
	}
	return marshalAegis(aegis.File{
		Version: aegis.FileVersion,
		Header:  aegis.Header{Slots: []aegis.Slot{slot}, Params: &params},
		DB:      db,
	})
}

// passwordSlot wraps the master key with a key derived from password.
func passwordSlot(masterKey []byte, password string) (aegis.Slot, error) {
	salt, err := randomBytes(32)
	if err != nil {
		return aegis.Slot{}, err
	}
	key, err := scrypt.Key([]byte(password), salt, aegis.ScryptN, aegis.ScryptR, aegis.ScryptP, aegis.KeySize)
	if err != nil {
		return aegis.Slot{}, fmt.Errorf("aegis vault: deriving the key: %w", err)
	}
	wrapped, params, err := sealGCM(key, masterKey)
	if err != nil {
		return aegis.Slot{}, err
	}
	id, err := newUUID()
	if err != nil {
		return aegis.Slot{}, err
	}
	return aegis.Slot{
		Type: aegis.PasswordSlot, UUID: id, Key: hex.EncodeToString(wrapped), KeyParams: &params,
		N: aegis.ScryptN, R: aegis.ScryptR, P: aegis.ScryptP, Salt: hex.EncodeToString(salt),
		Repaired: true,
	}, nil
}

// sealGCM encrypts with AES-256-GCM under a random 96-bit nonce and returns
// the ciphertext and the tag apart, as Aegis stores them.
func sealGCM(key, plain []byte) ([]byte, aegis.Params, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, aegis.Params{}, fmt.Errorf("aegis vault: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, aegis.Params{}, fmt.Errorf("aegis vault: %w", err)
	}
	nonce, err := randomBytes(gcm.NonceSize())
	if err != nil {
		return nil, aegis.Params{}, err
	}
	sealed := gcm.Seal(nil, nonce, plain, nil)
	ct, tag := sealed[:len(sealed)-aegis.TagSize], sealed[len(sealed)-aegis.TagSize:]
	return ct, aegis.Params{Nonce: hex.EncodeToString(nonce), Tag: hex.EncodeToString(tag)}, nil
}

func randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("drawing random bytes: %w", err)
	}
	return b, nil
}
