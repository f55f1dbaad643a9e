package vault

import (
	"errors"
	"fmt"
	"sync"
	"time"

	gokeyring "github.com/zalando/go-keyring"
)

// KeyringService is the service name of Latchkey's keyring entries; the user
// of an entry is the vault id.
const KeyringService = "latchkey"

// Keyring stores one small secret per vault id. Implementations return
// errors matching ErrKeyringEntryMissing or ErrKeyringUnavailable.
type Keyring interface {
	Get(vaultID string) (string, error)
	Set(vaultID, secret string) error
	Delete(vaultID string) error
}

// DefaultKeyringTimeout bounds each OS keyring call: a locked Secret Service
// collection can wait forever on an unlock prompt nobody sees.
const DefaultKeyringTimeout = 10 * time.Second

// SystemKeyring is the OS keyring (Secret Service, macOS Keychain, Windows
// Credential Manager) through go-keyring, with a timeout on every call.
type SystemKeyring struct {
	Timeout time.Duration
}

// Get implements Keyring.
func (k SystemKeyring) Get(vaultID string) (string, error) {
	var s string
	err := k.call("read", func() (err error) {
		s, err = gokeyring.Get(KeyringService, vaultID)
		return err
	})
	return s, err
}

// Set implements Keyring.
func (k SystemKeyring) Set(vaultID, secret string) error {
	return k.call("store", func() error { return gokeyring.Set(KeyringService, vaultID, secret) })
}

// Delete implements Keyring. Deleting a missing entry is not an error.
func (k SystemKeyring) Delete(vaultID string) error {
	err := k.call("delete", func() error { return gokeyring.Delete(KeyringService, vaultID) })
	if errors.Is(err, ErrKeyringEntryMissing) {
		return nil
	}
	return err
}

// call runs fn with a timeout. On timeout the goroutine is abandoned: the
// underlying D-Bus or Keychain call cannot be cancelled, and it holds nothing
// but a prompt that will never be answered.
func (k SystemKeyring) call(op string, fn func() error) error {
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = DefaultKeyringTimeout
	}
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return classifyKeyringError(op, err)
	case <-time.After(timeout):
		return &KeyringError{Op: op, Err: fmt.Errorf("no answer within %v (is the keyring locked?)", timeout)}
	}
}

// classifyKeyringError maps go-keyring's errors onto the vault's. Headless
// Linux never reports ErrNotFound for a missing Secret Service, but a dozen
// different D-Bus errors: anything but ErrNotFound means "unavailable".
func classifyKeyringError(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gokeyring.ErrNotFound):
		return ErrKeyringEntryMissing
	default:
		return &KeyringError{Op: op, Err: err}
	}
}

// KeyringError is an OS keyring failure; it matches ErrKeyringUnavailable.
type KeyringError struct {
	Op  string
	Err error
}

func (e *KeyringError) Error() string {
	return fmt.Sprintf("%v: %s failed: %v", ErrKeyringUnavailable, e.Op, e.Err)
}

func (e *KeyringError) Unwrap() []error { return []error{ErrKeyringUnavailable, e.Err} }

// NoKeyring is used when the keyring is switched off for a run
// (--no-keyring, LATCHKEY_KEYRING=off): every call reports it unavailable.
type NoKeyring struct{}

var errKeyringOff = &KeyringError{Op: "use", Err: errors.New("switched off for this run")}

// Get implements Keyring.
func (NoKeyring) Get(string) (string, error) { return "", errKeyringOff }

// Set implements Keyring.
func (NoKeyring) Set(string, string) error { return errKeyringOff }

// Delete implements Keyring.
func (NoKeyring) Delete(string) error { return errKeyringOff }

// MemoryKeyring is an in-process keyring for tests of code built on the
// vault. Unlike go-keyring's MockInit it is local to one value.
type MemoryKeyring struct {
	mu      sync.Mutex
	entries map[string]string
	// Fail, when set, is returned (as unavailable) by every call.
	Fail error
}

// NewMemoryKeyring returns an empty in-memory keyring.
func NewMemoryKeyring() *MemoryKeyring {
	return &MemoryKeyring{entries: map[string]string{}}
}

// Get implements Keyring.
func (m *MemoryKeyring) Get(vaultID string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Fail != nil {
		return "", &KeyringError{Op: "read", Err: m.Fail}
	}
	s, ok := m.entries[vaultID]
	if !ok {
		return "", ErrKeyringEntryMissing
	}
	return s, nil
}

// Set implements Keyring.
func (m *MemoryKeyring) Set(vaultID, secret string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Fail != nil {
		return &KeyringError{Op: "store", Err: m.Fail}
	}
	m.entries[vaultID] = secret
	return nil
}

// Delete implements Keyring.
func (m *MemoryKeyring) Delete(vaultID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Fail != nil {
		return &KeyringError{Op: "delete", Err: m.Fail}
	}
	delete(m.entries, vaultID)
	return nil
}

// Len reports how many entries the keyring holds.
func (m *MemoryKeyring) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}
