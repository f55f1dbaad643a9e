package vault

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every failure the vault reports matches one of these (or
// is a *CorruptError, *VersionError, *FileTypeError or *RollbackError) with errors.Is / errors.As, so callers
// can explain it to the user without parsing strings.
var (
	// ErrNotFound: there is no vault in the directory.
	ErrNotFound = errors.New("no vault here")
	// ErrExists: Create found a vault already in the directory.
	ErrExists = errors.New("a vault already exists here")
	// ErrWrongPassphrase: the passphrase does not open identity.age.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrPassphraseRequired: the vault needs a passphrase and none was given.
	ErrPassphraseRequired = errors.New("a passphrase is required")
	// ErrNoPassphrase: the operation needs a passphrase set on the vault
	// (turning the keyring off would otherwise leave no way in).
	ErrNoPassphrase = errors.New("the vault has no passphrase")
	// ErrKeyringUnavailable: the OS keyring could not be used (no Secret
	// Service, locked collection, timeout, …).
	ErrKeyringUnavailable = errors.New("OS keyring unavailable")
	// ErrKeyringEntryMissing: the keyring works but holds no key for this vault.
	ErrKeyringEntryMissing = errors.New("OS keyring holds no key for this vault")
	// ErrConflict: a save was made from a stale copy and the same data was
	// changed differently on disk; nothing was written.
	ErrConflict = errors.New("the vault was changed elsewhere")
	// ErrLocked: another process held the write lock for too long.
	ErrLocked = errors.New("the vault is busy: another Latchkey is saving")
	// ErrDiskFull: the save ran out of space; the vault on disk is unchanged.
	ErrDiskFull = errors.New("disk full")
	// ErrCorrupt matches every *CorruptError.
	ErrCorrupt = errors.New("vault file damaged")
	// ErrNewerVersion matches every *VersionError.
	ErrNewerVersion = errors.New("vault written by a newer Latchkey")
	// ErrNotAFile matches every *FileTypeError.
	ErrNotAFile = errors.New("not a regular file")
	// ErrRollback matches every *RollbackError.
	ErrRollback = errors.New("vault file older than one already seen")
)

// CorruptError reports a file that fails authentication or parsing: a
// tampered, truncated or otherwise damaged vault file. Nothing is written
// while a file is damaged.
type CorruptError struct {
	File string // path of the damaged file
	Err  error  // what age or the parser said
	// Good lists the generations (1 = newest previous) that open correctly,
	// newest first; empty when none does or the file is not the document.
	Good []int
}

func (e *CorruptError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s is damaged or was tampered with (%v)", e.File, e.Err)
	if len(e.Good) > 0 {
		fmt.Fprintf(&b, "; generation %d is intact and can be restored", e.Good[0])
	}
	return b.String()
}

func (e *CorruptError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }

// VersionError reports a document that this release may not read or write.
type VersionError struct {
	File      string
	Need      int // the oldest schema able to read it
	Supported int // this release's schema
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("%s needs Latchkey schema %d or later (this release has %d): update Latchkey; the file was not changed",
		e.File, e.Need, e.Supported)
}

func (e *VersionError) Is(target error) bool { return target == ErrNewerVersion }

// RollbackError reports a vault.age older than a generation this device has
// already read or written: an older copy was put in its place (by hand, by
// a sync tool or a backup put back, or by someone with access to the vault's
// files). Nothing is written while it is there; Restore takes a newer kept
// generation back, or (generation 0) keeps this one on purpose.
type RollbackError struct {
	File       string // path of vault.age
	Generation uint64 // the generation it holds
	Seen       uint64 // the newest generation this device has seen
	// Newer lists the kept generations (GenerationInfo.N) that are newer
	// than the file, newest first.
	Newer []int
}

func (e *RollbackError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s holds generation %d, older than generation %d, which this device has already seen: an older copy was put in its place; nothing was written",
		e.File, e.Generation, e.Seen)
	if len(e.Newer) > 0 {
		fmt.Fprintf(&b, "; kept generation %d is newer and can be restored", e.Newer[0])
	} else {
		b.WriteString("; no newer generation is kept")
	}
	return b.String()
}

func (e *RollbackError) Is(target error) bool { return target == ErrRollback }

// ConflictError names the data a stale save and the disk changed differently.
type ConflictError struct {
	What []string // e.g. `account "GitHub: ann"`, "settings"
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%v: %s changed both here and in another window; reload and try again", ErrConflict, strings.Join(e.What, ", "))
}

func (e *ConflictError) Is(target error) bool { return target == ErrConflict }
