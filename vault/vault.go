package vault

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/gofrs/flock"
)

// maxFileSize bounds what is read of a vault file; 100,000 accounts with
// backup codes fit in a tenth of it.
const maxFileSize = 256 << 20

// Options are how a vault is unlocked and saved.
type Options struct {
	// Keyring holds identities; nil means no keyring is used this run.
	Keyring Keyring
	// Passphrase is called when the keyring cannot unlock the vault. When nil
	// such an unlock fails with ErrPassphraseRequired.
	Passphrase func() (string, error)
	// WorkFactor is the scrypt work factor (log2) for passphrases set from
	// now on; 0 means age's default of 18, about a second. Tests lower it.
	WorkFactor int
	// LockTimeout bounds the wait for another writer; 0 means 10 s.
	LockTimeout time.Duration
	// Now is the clock for timestamps; nil means time.Now.
	Now func() time.Time
	// StateDir keeps, outside the vault directory, the newest generation
	// this device has seen of each vault (see seen.go); empty means
	// DefaultStateDir().
	StateDir string
}

func (o *Options) keyring() Keyring {
	if o.Keyring == nil {
		return NoKeyring{}
	}
	return o.Keyring
}

func (o *Options) now() time.Time {
	if o.Now == nil {
		return time.Now().UTC()
	}
	return o.Now().UTC()
}

// How an open vault was unlocked.
const (
	ByKeyring    = "keyring"
	ByPassphrase = "passphrase"
)

// Vault is an unlocked vault. Its methods are safe for concurrent use; other
// processes may use the same directory at the same time (see Update).
type Vault struct {
	dir  string
	opts Options

	mu         sync.Mutex
	meta       meta
	identity   *age.X25519Identity
	unlockedBy string
	keyringErr error        // why the keyring did not unlock, if it did not
	repaired   []PermRepair // loose modes found (and repaired) on open
	seen       uint64       // the newest generation this device has seen
	seenOnFile uint64       // … as the mark outside the vault holds it
	seenErr    error        // why the mark could not be read or kept
	doc        *Document    // as last read or written: the base of merges
	stat       os.FileInfo  // of vault.age when doc was read or written
}

// CreateOptions choose how a new vault unlocks.
type CreateOptions struct {
	Options
	// Passphrase protects identity.age; empty means no passphrase file,
	// allowed only when the keyring takes the identity.
	Passphrase string
	// UseKeyring stores the identity in the OS keyring. When the keyring
	// fails and a passphrase is set, the vault is created without it; see
	// Status().KeyringErr.
	UseKeyring bool
}

// Create makes a new, empty vault in dir.
func Create(dir string, co CreateOptions) (*Vault, error) {
	for _, name := range []string{MetaFile, VaultFile, IdentityFile} {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			return nil, fmt.Errorf("creating a vault in %s: %w", dir, ErrExists)
		}
	}
	if co.Passphrase == "" && !co.UseKeyring {
		return nil, fmt.Errorf("creating a vault: %w: without the OS keyring the passphrase is the only key", ErrPassphraseRequired)
	}
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("creating the vault directory: %w", err)
	}
	_ = os.Chmod(dir, dirPerm) // an existing directory may be wider; best effort on Windows
	identity, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, fmt.Errorf("creating the vault's identity: %w", err)
	}
	v := &Vault{dir: dir, opts: co.Options, identity: identity, meta: meta{VaultID: newID()}}
	if co.UseKeyring {
		if err := v.storeInKeyring(); err != nil {
			if co.Passphrase == "" {
				return nil, fmt.Errorf("creating a vault: %w", err)
			}
			v.keyringErr = err
		} else {
			v.meta.Keyring = true
			v.unlockedBy = ByKeyring
		}
	}
	if co.Passphrase != "" {
		data, err := v.encryptIdentity(co.Passphrase)
		if err != nil {
			return nil, err
		}
		if err := writeAtomic(v.path(IdentityFile), bytesWriter(data)); err != nil {
			return nil, fmt.Errorf("creating a vault: writing %s: %w", IdentityFile, err)
		}
		v.meta.IdentitySHA256 = []string{digest(data)}
		if v.unlockedBy == "" {
			v.unlockedBy = ByPassphrase
		}
	}
	now := v.opts.now()
	doc := &Document{Schema: Schema, MinReader: Schema, VaultID: v.meta.VaultID, Accounts: []Account{}}
	v.doc = &Document{Generation: 0}
	if err := v.write(doc, now); err != nil {
		return nil, fmt.Errorf("creating a vault: %w", err)
	}
	// meta.json last: its presence is what makes the directory a vault.
	if err := writeMeta(v.path(MetaFile), v.meta); err != nil {
		return nil, fmt.Errorf("creating a vault: writing %s: %w", MetaFile, err)
	}
	return v, nil
}

// Open unlocks the vault in dir: with the identity from the keyring when the
// vault uses one and it answers, otherwise with the passphrase.
func Open(dir string, opts Options) (*Vault, error) {
	v, err := unlocked(dir, opts)
	if err != nil {
		return nil, err
	}
	doc, st, err := v.read(VaultFile)
	if err != nil {
		return nil, v.withGoodGenerations(err)
	}
	if err := v.checkRollback(doc); err != nil {
		return nil, err
	}
	v.doc, v.stat = doc, st
	v.noteSeen(doc.Generation)
	return v, nil
}

// checkRollback refuses a document older than the newest generation this
// device has seen. A document migrated from schema 1 has no generation to
// compare, and is let through.
func (v *Vault) checkRollback(doc *Document) error {
	v.loadSeen()
	if doc.upgraded || doc.Generation >= v.seen {
		return nil
	}
	return &RollbackError{File: v.path(VaultFile), Generation: doc.Generation, Seen: v.seen, Newer: v.newerGenerations(doc.Generation)}
}

// newerGenerations lists the kept generations that open and are newer than
// gen, newest first.
func (v *Vault) newerGenerations(gen uint64) []int {
	type kept struct {
		n   int
		gen uint64
	}
	var newer []kept
	for _, g := range generations(v.dir) {
		if d, _, err := v.read(g.Name); err == nil && d.Generation > gen {
			newer = append(newer, kept{g.N, d.Generation})
		}
	}
	slices.SortStableFunc(newer, func(a, b kept) int { return cmp.Compare(b.gen, a.gen) })
	var ns []int
	for _, k := range newer {
		ns = append(ns, k.n)
	}
	return ns
}

// unlocked reads the metadata of the vault in dir and unlocks its identity;
// no document is read yet.
func unlocked(dir string, opts Options) (*Vault, error) {
	m, err := readMeta(filepath.Join(dir, MetaFile))
	if err != nil {
		return nil, err
	}
	// Only once meta.json proved this is a vault: a mistyped --home must
	// not have its modes changed. Before unlocking: that needs no key.
	v := &Vault{dir: dir, opts: opts, meta: m, repaired: repairPermissions(dir)}
	if err := v.unlock(); err != nil {
		return nil, err
	}
	return v, nil
}

func (v *Vault) path(name string) string { return filepath.Join(v.dir, name) }

func newID() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b)
}

// NewAccountID returns a fresh random account id.
func NewAccountID() string { return newID() }

func (v *Vault) unlock() error {
	if v.meta.Keyring {
		id, err := v.identityFromKeyring()
		if err == nil {
			v.identity, v.unlockedBy = id, ByKeyring
			return nil
		}
		v.keyringErr = err
		if !v.meta.hasPassphrase() {
			return fmt.Errorf("unlocking %s: %w", v.dir, err)
		}
	}
	if !v.meta.hasPassphrase() {
		return fmt.Errorf("unlocking %s: %w: the vault keeps its key in the OS keyring only, and the keyring is not in use", v.dir, ErrKeyringUnavailable)
	}
	data, err := v.readIdentityFile()
	if err != nil {
		return err
	}
	if v.opts.Passphrase == nil {
		if v.keyringErr != nil {
			return fmt.Errorf("%w (%w)", ErrPassphraseRequired, v.keyringErr)
		}
		return ErrPassphraseRequired
	}
	pass, err := v.opts.Passphrase()
	if err != nil {
		return fmt.Errorf("reading the passphrase: %w", err)
	}
	id, err := decryptIdentity(v.path(IdentityFile), data, pass)
	if err != nil {
		return err
	}
	v.identity, v.unlockedBy = id, ByPassphrase
	return nil
}

func (v *Vault) identityFromKeyring() (*age.X25519Identity, error) {
	s, err := v.opts.keyring().Get(v.meta.VaultID)
	if err != nil {
		return nil, err
	}
	id, err := age.ParseX25519Identity(s)
	if err != nil {
		return nil, fmt.Errorf("%w: the entry is not an age identity", ErrKeyringEntryMissing)
	}
	return id, nil
}

func (v *Vault) storeInKeyring() error {
	kr := v.opts.keyring()
	if err := kr.Set(v.meta.VaultID, v.identity.String()); err != nil {
		return err
	}
	// Some backends accept a write they cannot read back (a locked
	// collection on some desktops): check before relying on it.
	got, err := kr.Get(v.meta.VaultID)
	if err != nil {
		return err
	}
	if got != v.identity.String() {
		return &KeyringError{Op: "verify", Err: errors.New("the stored key reads back differently")}
	}
	return nil
}

func (v *Vault) readIdentityFile() ([]byte, error) {
	p := v.path(IdentityFile)
	data, err := readLimited(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &CorruptError{File: p, Err: errors.New("missing, but meta.json says a passphrase is set")}
		}
		if errors.As(err, new(*FileTypeError)) {
			return nil, err
		}
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	if !v.meta.acceptsIdentity(data) {
		return nil, &CorruptError{File: p, Err: errors.New("checksum does not match meta.json")}
	}
	return data, nil
}

// maxScryptWorkFactor bounds the cost a file can ask of us on decrypt.
const maxScryptWorkFactor = 22

func decryptIdentity(name string, data []byte, pass string) (*age.X25519Identity, error) {
	sid, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, fmt.Errorf("passphrase: %w", err)
	}
	sid.SetMaxWorkFactor(maxScryptWorkFactor)
	r, err := age.Decrypt(bytes.NewReader(data), sid)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, ErrWrongPassphrase
		}
		return nil, &CorruptError{File: name, Err: err}
	}
	plain, err := io.ReadAll(io.LimitReader(r, 64<<10))
	if err != nil {
		return nil, &CorruptError{File: name, Err: err}
	}
	ids, err := age.ParseIdentities(bytes.NewReader(plain))
	if err != nil || len(ids) != 1 {
		return nil, &CorruptError{File: name, Err: errors.New("does not hold one age identity")}
	}
	id, ok := ids[0].(*age.X25519Identity)
	if !ok {
		return nil, &CorruptError{File: name, Err: errors.New("does not hold an X25519 identity")}
	}
	return id, nil
}

// encryptIdentity returns identity.age's bytes: an age identity file (so
// `age -d identity.age > id.txt; age -d -i id.txt vault.age` works),
// encrypted with the passphrase.
func (v *Vault) encryptIdentity(pass string) ([]byte, error) {
	r, err := age.NewScryptRecipient(pass)
	if err != nil {
		return nil, fmt.Errorf("passphrase: %w", err)
	}
	if v.opts.WorkFactor > 0 {
		r.SetWorkFactor(v.opts.WorkFactor)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "# Latchkey vault %s identity; public key: %s\n%s\n",
		v.meta.VaultID, v.identity.Recipient(), v.identity)
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func readLimited(path string) ([]byte, error) { return readFile(path, maxFileSize) }

// read decrypts and parses a vault file of the directory.
func (v *Vault) read(name string) (*Document, os.FileInfo, error) {
	p := v.path(name)
	f, err := openFile(p)
	if errors.Is(err, fs.ErrNotExist) && name == VaultFile {
		return nil, nil, &CorruptError{File: p, Err: errors.New("missing")}
	}
	var fe *FileTypeError
	if errors.As(err, &fe) {
		return nil, nil, err
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", p, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", p, err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize))
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", p, err)
	}
	r, err := age.Decrypt(bytes.NewReader(data), v.identity)
	if err != nil {
		return nil, nil, &CorruptError{File: p, Err: err}
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, &CorruptError{File: p, Err: err}
	}
	doc, err := decodeDocument(p, plain)
	if err != nil {
		return nil, nil, err
	}
	if doc.VaultID != v.meta.VaultID {
		return nil, nil, &CorruptError{File: p, Err: fmt.Errorf("belongs to vault %s, not %s", doc.VaultID, v.meta.VaultID)}
	}
	return doc, st, nil
}

// withGoodGenerations adds to a *CorruptError of vault.age the previous
// generations that still open.
func (v *Vault) withGoodGenerations(err error) error {
	var ce *CorruptError
	if !errors.As(err, &ce) || filepath.Base(ce.File) != VaultFile {
		return err
	}
	for _, g := range generations(v.dir) {
		if _, _, gerr := v.read(g.Name); gerr == nil {
			ce.Good = append(ce.Good, g.N)
		}
	}
	return err
}

// Document returns a copy of the vault's document as last read or saved.
func (v *Vault) Document() *Document {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.doc.Clone()
}

// Accounts returns a copy of the accounts.
func (v *Vault) Accounts() []Account { return v.Document().Accounts }

// Settings returns a copy of the settings, without copying every account:
// the UI reads them on every tick.
func (v *Vault) Settings() Settings {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.doc.Settings.Clone()
}

// Update applies fn to a copy of the document and saves the result. If
// another process saved since this vault last read the document, the two
// changes are merged when they touch different data; otherwise Update fails
// with a *ConflictError and writes nothing. On any error the vault in memory
// and on disk is unchanged.
//
// Update gives new accounts an id, sets Created and Updated, and refuses
// duplicate ids. An update that changes nothing writes nothing: no file of
// the vault directory is touched, so no kept generation is pushed out.
func (v *Vault) Update(fn func(*Document) error) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	next := v.doc.Clone()
	if err := fn(next); err != nil {
		return err
	}
	if !v.doc.upgraded && unchanged(v.doc, next, v.meta.VaultID) {
		return nil
	}
	now := v.opts.now()
	if err := stampAccounts(v.doc, next, now); err != nil {
		return err
	}
	return v.save(next, now)
}

// Reload reads the document again from disk, dropping nothing: it is what
// the vault holds, not an in-memory edit.
func (v *Vault) Reload() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	doc, st, err := v.read(VaultFile)
	if err != nil {
		return v.withGoodGenerations(err)
	}
	if err := v.checkRollback(doc); err != nil {
		return err
	}
	v.doc, v.stat = doc, st
	v.noteSeen(doc.Generation)
	return nil
}

// unchanged reports whether saving next in place of base would change
// nothing but the stamps a save sets itself: the generation, the time saved,
// the vault id and the schema numbers write raises. Everything else counts,
// down to the order of the accounts and the time zone of a time, and the
// members a newer release wrote. The comparison is field by field
// (reflect.DeepEqual, as for the accounts' Updated stamps): equal values
// always encode the same, and a difference the encoding would not show (a
// nil list made empty) counts as a change, so a save is at worst not
// needed, never skipped when it was. (Comparing encodings instead tripled
// the time of a save of 1,000 accounts.) next is compared before accounts
// are stamped, and their stamps are set only for accounts that changed.
func unchanged(base, next *Document, vaultID string) bool {
	b, n := *base, *next // shallow copies: only top-level stamps are cleared
	for _, d := range []*Document{&b, &n} {
		d.Generation, d.Saved, d.VaultID = 0, time.Time{}, vaultID
		stampSchema(d)
		if len(d.Accounts) == 0 {
			d.Accounts = nil // Clone makes a missing list empty
		}
	}
	return reflect.DeepEqual(b, n)
}

// stampSchema raises the schema numbers of a document about to be written
// to those of this release, keeping a newer writer's.
func stampSchema(d *Document) {
	if d.Schema < Schema {
		d.Schema = Schema
	}
	if d.MinReader == 0 {
		d.MinReader = Schema
	}
}

func stampAccounts(base, next *Document, now time.Time) error {
	old := indexAccounts(base.Accounts)
	seen := make(map[string]bool, len(next.Accounts))
	for i := range next.Accounts {
		a := &next.Accounts[i]
		if a.ID == "" {
			a.ID = newID()
		}
		if seen[a.ID] {
			return fmt.Errorf("saving the vault: two accounts have the id %s", a.ID)
		}
		seen[a.ID] = true
		prev, existed := old[a.ID]
		switch {
		case !existed:
			if a.Created.IsZero() {
				a.Created = now
			}
			a.Updated = now
		case !reflect.DeepEqual(*prev, *a):
			a.Updated = now
		}
	}
	return nil
}

func (v *Vault) lock() (*flock.Flock, error) { return lockFile(v.path(LockFile), v.opts.lockTimeout()) }

func (o *Options) lockTimeout() time.Duration {
	if o.LockTimeout <= 0 {
		return 10 * time.Second
	}
	return o.LockTimeout
}

// lockFile takes the lock file at path, waiting up to timeout for another
// holder. It never follows a link at path and never waits on a named pipe.
func lockFile(path string, timeout time.Duration) (*flock.Flock, error) {
	if err := checkFile(path); err != nil {
		return nil, err
	}
	lk := flock.New(path, flock.SetFlag(lockFileFlags))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ok, err := lk.TryLockContext(ctx, 5*time.Millisecond)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("locking %s: %w", path, notAFile(path, err))
	}
	if !ok {
		return nil, fmt.Errorf("%w (waited %v for %s)", ErrLocked, timeout, path)
	}
	// What was locked is what the name holds now, and a regular file.
	if st, err := lk.Stat(); err != nil || !st.Mode().IsRegular() {
		lk.Unlock()
		if ferr := checkFile(path); ferr != nil {
			return nil, ferr
		}
		return nil, fmt.Errorf("locking %s: it is not a regular file", path)
	}
	return lk, nil
}

// save writes next under the lock, merging with a newer document on disk.
func (v *Vault) save(next *Document, now time.Time) error {
	lk, err := v.lock()
	if err != nil {
		return err
	}
	defer lk.Unlock()
	removeStaleTemps(v.dir)

	disk, err := v.readIfChanged()
	if err != nil {
		// A damaged vault.age is never overwritten by a save: the user
		// decides (restore a generation) with the facts in front of them.
		return v.withGoodGenerations(err)
	}
	// Any other file than the one we read means another save (or a
	// restore, which may reuse a generation number): merge with it, unless
	// it is older than what this device has seen: then it was put back,
	// and writing over it would bury the newer one for good.
	if disk != nil {
		if err := v.checkRollback(disk); err != nil {
			return err
		}
		merged, err := merge(v.doc, next, disk)
		if err != nil {
			return err
		}
		next = merged
		if disk.Generation < v.doc.Generation {
			disk.Generation = v.doc.Generation
		}
		v.doc = disk // the base of the write below
	}
	return v.write(next, now)
}

// readIfChanged reads vault.age if it is not the file this vault last read
// or wrote; every save renames a new file in, so identity of the file is
// enough to tell.
func (v *Vault) readIfChanged() (*Document, error) {
	st, err := os.Lstat(v.path(VaultFile))
	if err == nil && v.stat != nil && os.SameFile(st, v.stat) && st.ModTime().Equal(v.stat.ModTime()) && st.Size() == v.stat.Size() {
		return nil, nil
	}
	doc, _, err := v.read(VaultFile)
	return doc, err
}

// write encrypts next as the generation after v.doc's and makes it
// vault.age, keeping the previous ones.
func (v *Vault) write(next *Document, now time.Time) error {
	// Above anything this device has seen, so no save of ours can ever
	// look like a rollback, here or to another open copy.
	base := max(v.doc.Generation, v.seen)
	if base == math.MaxUint64 {
		return errors.New("save vault: the generation counter is exhausted")
	}
	next.Generation = base + 1
	next.Saved = now
	next.VaultID = v.meta.VaultID
	next.upgraded = false
	stampSchema(next)
	plain, err := json.Marshal(next)
	if err != nil {
		return fmt.Errorf("saving the vault: encoding it: %w", err)
	}
	tmp, err := writeTemp(v.path(VaultFile), func(w io.Writer) error {
		aw, err := age.Encrypt(w, v.identity.Recipient())
		if err != nil {
			return err
		}
		if _, err := aw.Write(plain); err != nil {
			return err
		}
		return aw.Close()
	})
	if err != nil {
		return fmt.Errorf("saving the vault: %w", err)
	}
	if err := v.rotate(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("saving the vault: keeping the previous generation: %w", err)
	}
	if err := commitTemp(tmp, v.path(VaultFile)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("saving the vault: %w", err)
	}
	st, err := os.Lstat(v.path(VaultFile))
	if err != nil {
		return fmt.Errorf("saving the vault: %w", err)
	}
	v.doc, v.stat = next, st
	v.noteSeen(next.Generation)
	return nil
}

// Status describes an open vault for `latchkey vault status`.
type Status struct {
	Dir           string
	VaultID       string
	UnlockedBy    string // ByKeyring or ByPassphrase
	Keyring       bool   // the identity is kept in the OS keyring
	KeyringErr    error  // why the keyring was not used, if it was not
	HasPassphrase bool
	Accounts      int
	Generation    uint64
	Saved         time.Time
	Generations   []GenerationInfo
	// Permissions lists the vault files (and the directory) that other
	// users had access to when the vault was opened; each was narrowed to
	// 0600 (0700) unless its Err says why not.
	Permissions []PermRepair
	// Seen is the newest generation this device has seen of the vault,
	// kept outside the vault directory to detect rollbacks; SeenErr says
	// why it could not be read or kept, when it could not.
	Seen    uint64
	SeenErr error
}

// Status reports how the vault is stored and unlocked.
func (v *Vault) Status() Status {
	v.mu.Lock()
	defer v.mu.Unlock()
	s := Status{
		Dir: v.dir, VaultID: v.meta.VaultID, UnlockedBy: v.unlockedBy,
		Keyring: v.meta.Keyring, KeyringErr: v.keyringErr, HasPassphrase: v.meta.hasPassphrase(),
		Accounts: len(v.doc.Accounts), Generation: v.doc.Generation, Saved: v.doc.Saved,
		Generations: generations(v.dir), Permissions: slices.Clone(v.repaired),
		Seen: v.seen, SeenErr: v.seenErr,
	}
	return s
}

// ChangePassphrase sets a new passphrase (or the first one). Only
// identity.age is re-encrypted; at every moment of the change the old or the
// new passphrase opens the vault.
func (v *Vault) ChangePassphrase(pass string) error {
	if pass == "" {
		return fmt.Errorf("changing the passphrase: %w", ErrPassphraseRequired)
	}
	return v.withMeta(func(m meta) error { return v.changePassphrase(m, pass) })
}

// withMeta runs fn under the write lock with meta.json as it is on disk now:
// another process may have changed it since this vault opened.
func (v *Vault) withMeta(fn func(meta) error) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	lk, err := v.lock()
	if err != nil {
		return err
	}
	defer lk.Unlock()
	m, err := readMeta(v.path(MetaFile))
	if err != nil {
		return err
	}
	v.meta = m
	return fn(m)
}

func (v *Vault) changePassphrase(m meta, pass string) error {
	data, err := v.encryptIdentity(pass)
	if err != nil {
		return fmt.Errorf("changing the passphrase: %w", err)
	}
	// First accept both files, then swap the file, then forget the old one.
	transition := m
	transition.IdentitySHA256 = append([]string{digest(data)}, m.IdentitySHA256...)
	if err := writeMeta(v.path(MetaFile), transition); err != nil {
		return fmt.Errorf("changing the passphrase: %w", err)
	}
	if err := writeAtomic(v.path(IdentityFile), bytesWriter(data)); err != nil {
		return fmt.Errorf("changing the passphrase: writing %s: %w", IdentityFile, err)
	}
	final := m
	final.IdentitySHA256 = []string{digest(data)}
	if err := writeMeta(v.path(MetaFile), final); err != nil {
		return fmt.Errorf("changing the passphrase: %w", err)
	}
	v.meta = final
	return nil
}

// SetKeyring turns keeping the identity in the OS keyring on or off. Off
// needs a passphrase, so the vault always keeps a way in.
func (v *Vault) SetKeyring(on bool) error {
	return v.withMeta(func(m meta) error { return v.setKeyring(m, on) })
}

func (v *Vault) setKeyring(m meta, on bool) error {
	if on {
		if err := v.storeInKeyring(); err != nil {
			return fmt.Errorf("turning the keyring on: %w", err)
		}
	} else {
		if !m.hasPassphrase() {
			return fmt.Errorf("turning the keyring off: %w: set one first, or the vault could not be opened", ErrNoPassphrase)
		}
		if err := v.opts.keyring().Delete(m.VaultID); err != nil && !errors.Is(err, ErrKeyringEntryMissing) {
			return fmt.Errorf("turning the keyring off: %w", err)
		}
	}
	m.Keyring = on
	if err := writeMeta(v.path(MetaFile), m); err != nil {
		return fmt.Errorf("turning the keyring %s: %w", onOff(on), err)
	}
	v.meta = m
	if on {
		v.keyringErr = nil
	}
	return nil
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// Restore makes kept generation n (see GenerationInfo.N) the current vault;
// n = 0 keeps the current vault.age as it is, accepting it although it is
// older than a generation this device has seen (RollbackError). The damaged
// or unwanted current file is kept as generation 1, so a restore loses
// nothing. The restored document is written as a generation newer than any
// seen, so it is what every open copy and this device accept from then on.
func Restore(dir string, n int, opts Options) (*Vault, error) {
	name := VaultFile
	if n != 0 {
		var err error
		if name, err = generationFile(dir, n); err != nil {
			return nil, fmt.Errorf("restoring: %w", err)
		}
	}
	v, err := unlocked(dir, opts)
	if err != nil {
		return nil, err
	}
	doc, _, err := v.read(name)
	if err != nil {
		return nil, fmt.Errorf("restore generation %d: %w", n, err)
	}
	lk, err := v.lock()
	if err != nil {
		return nil, err
	}
	defer lk.Unlock()
	// Count on from the newest generation still readable, so the restored
	// document reads as a new save to every other open copy.
	gen := doc.Generation
	names := []string{VaultFile}
	for _, g := range generations(dir) {
		names = append(names, g.Name)
	}
	for _, name := range names {
		if d, _, err := v.read(name); err == nil && d.Generation > gen {
			gen = d.Generation
		}
	}
	v.loadSeen()
	v.doc = &Document{Generation: gen}
	if err := v.write(doc.Clone(), v.opts.now()); err != nil {
		return nil, fmt.Errorf("restore generation %d: %w", n, err)
	}
	return v, nil
}

// Dir is the vault's directory.
func (v *Vault) Dir() string { return v.dir }

func bytesWriter(data []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}
}

// Info is what can be known of a vault without unlocking it.
type Info struct {
	Dir           string
	VaultID       string
	Keyring       bool
	HasPassphrase bool
	Generations   []GenerationInfo
}

// Inspect reads a vault's plaintext metadata; it decrypts nothing.
func Inspect(dir string) (Info, error) {
	m, err := readMeta(filepath.Join(dir, MetaFile))
	if err != nil {
		return Info{}, err
	}
	return Info{Dir: dir, VaultID: m.VaultID, Keyring: m.Keyring, HasPassphrase: m.hasPassphrase(),
		Generations: generations(dir)}, nil
}
