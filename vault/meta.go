package vault

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
)

// File names inside the vault directory.
const (
	MetaFile     = "meta.json"
	VaultFile    = "vault.age"
	IdentityFile = "identity.age"
	LockFile     = "vault.lock"
	metaFormat   = "latchkey-vault"
	// maxMetaSize bounds what is read of meta.json, a few hundred bytes.
	maxMetaSize = 1 << 20
)

// meta is the plaintext side of a vault: what is needed before anything can
// be decrypted. It holds no secret.
type meta struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	VaultID string `json:"vault_id"`
	// Keyring: whether the identity is kept in the OS keyring.
	Keyring bool `json:"keyring"`
	// IdentitySHA256 lists the digests identity.age may have. It tells a
	// damaged identity.age from a wrong passphrase, which age alone cannot
	// (both fail to unwrap the scrypt stanza). While a passphrase change is
	// under way it holds the new and the old digest.
	IdentitySHA256 []string `json:"identity_sha256,omitempty"`
	// Checksum covers the members above, so a damaged meta.json is reported
	// as such instead of as a damaged identity.age.
	Checksum string `json:"checksum"`
}

func (m meta) checksum() string {
	m.Checksum = ""
	b, _ := json.Marshal(m)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (m meta) hasPassphrase() bool { return len(m.IdentitySHA256) > 0 }

func (m meta) acceptsIdentity(data []byte) bool {
	sum := sha256.Sum256(data)
	return slices.Contains(m.IdentitySHA256, hex.EncodeToString(sum[:]))
}

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func readMeta(path string) (meta, error) {
	data, err := readFile(path, maxMetaSize)
	if errors.Is(err, fs.ErrNotExist) {
		return meta{}, fmt.Errorf("%w (%s missing)", ErrNotFound, path)
	}
	if err != nil {
		return meta{}, err
	}
	var m meta
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return meta{}, &CorruptError{File: path, Err: err}
	}
	if _, err := dec.Token(); err != io.EOF {
		return meta{}, &CorruptError{File: path, Err: errors.New("trailing data")}
	}
	if m.Format != metaFormat {
		return meta{}, &CorruptError{File: path, Err: fmt.Errorf("format %q is not %q", m.Format, metaFormat)}
	}
	if m.Version > 1 {
		return meta{}, &VersionError{File: path, Need: m.Version, Supported: 1}
	}
	if m.Checksum != m.checksum() {
		return meta{}, &CorruptError{File: path, Err: errors.New("checksum mismatch")}
	}
	if m.VaultID == "" {
		return meta{}, &CorruptError{File: path, Err: errors.New("no vault id")}
	}
	return m, nil
}

func writeMeta(path string, m meta) error {
	m.Format, m.Version = metaFormat, 1
	m.Checksum = m.checksum()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	return writeAtomic(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}
