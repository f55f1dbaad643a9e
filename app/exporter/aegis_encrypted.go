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

	"github.com/latchkey/latchkey/vault"
)

// Aegis's key derivation and key sizes (docs/vault.md).
const (
	AegisScryptN = 1 << 15
	AegisScryptR = 8
	AegisScryptP = 1
	aegisKeySize = 32
	aegisTagSize = 16
)

// AegisEncrypted writes accounts as an Aegis vault encrypted with password.
func AegisEncrypted(accounts []vault.Account, password string) ([]byte, error) {
	if password == "" {
		return nil, errors.New("aegis vault: the password is empty")
	}
	db, err := aegisDatabase(accounts)
	if err != nil {
		return nil, err
	}
	plain, err := json.Marshal(db)
	if err != nil {
		return nil, fmt.Errorf("aegis vault: %w", err)
	}
	masterKey, err := randomBytes(aegisKeySize)
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
	return marshalAegis(aegisFile{
		Version: aegisVersion,
		Header:  aegisHeader{Slots: []aegisSlot{slot}, Params: &params},
		DB:      base64.StdEncoding.EncodeToString(ct),
	})
}

// passwordSlot wraps the master key with a key derived from password.
func passwordSlot(masterKey []byte, password string) (aegisSlot, error) {
	salt, err := randomBytes(32)
	if err != nil {
		return aegisSlot{}, err
	}
	key, err := scrypt.Key([]byte(password), salt, AegisScryptN, AegisScryptR, AegisScryptP, aegisKeySize)
	if err != nil {
		return aegisSlot{}, fmt.Errorf("aegis vault: deriving the key: %w", err)
	}
	wrapped, params, err := sealGCM(key, masterKey)
	if err != nil {
		return aegisSlot{}, err
	}
	id, err := newUUID()
	if err != nil {
		return aegisSlot{}, err
	}
	return aegisSlot{
		Type: aegisSlotPass, UUID: id, Key: hex.EncodeToString(wrapped), KeyParams: params,
		N: AegisScryptN, R: AegisScryptR, P: AegisScryptP, Salt: hex.EncodeToString(salt),
		Repaired: true,
	}, nil
}

// sealGCM encrypts with AES-256-GCM under a random 96-bit nonce and returns
// the ciphertext and the tag apart, as Aegis stores them.
func sealGCM(key, plain []byte) ([]byte, aegisParams, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, aegisParams{}, fmt.Errorf("aegis vault: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, aegisParams{}, fmt.Errorf("aegis vault: %w", err)
	}
	nonce, err := randomBytes(gcm.NonceSize())
	if err != nil {
		return nil, aegisParams{}, err
	}
	sealed := gcm.Seal(nil, nonce, plain, nil)
	ct, tag := sealed[:len(sealed)-aegisTagSize], sealed[len(sealed)-aegisTagSize:]
	return ct, aegisParams{Nonce: hex.EncodeToString(nonce), Tag: hex.EncodeToString(tag)}, nil
}

func randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("random bytes: %w", err)
	}
	return b, nil
}
