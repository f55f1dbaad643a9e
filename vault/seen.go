package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// The newest generation this device has seen of a vault (read or written)
// is kept outside the vault directory, in a small file of the user's state
// directory: someone who can change only the vault's files (a sync folder,
// a share, a backup put back, another account let in by loose modes) can
// put an older vault.age in place but cannot lower this mark, so Open
// notices (RollbackError). Someone who can write the user's whole home can
// lower it too; the mark is not a secret, nor signed.
//
// One file per vault id and directory, so a copy of a vault elsewhere (a
// backup opened with --home) has its own mark and is not called a rollback
// of the original: seen-<digest of both>.json, holding {"vault_id", "dir",
// "generation"}. The name is a digest because the vault id comes from
// meta.json, which whoever can write the vault directory can write too.

// DefaultStateDir is where the marks are kept when Options.StateDir is
// empty: $XDG_STATE_HOME/latchkey when set (on any system), else
// ~/.local/state/latchkey on Unix, %LocalAppData%\latchkey\state on Windows
// (not roamed: the mark is this device's), and the user config directory's
// latchkey-state on macOS (Caches may be emptied).
func DefaultStateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "latchkey"), nil
	}
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "latchkey", "state"), nil
		}
	case "darwin", "ios":
		d, err := os.UserConfigDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(d, "latchkey-state"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "state", "latchkey"), nil
}

// seenLock serialises the changes of every mark in the state directory.
const seenLock = "seen.lock"

type seenMark struct {
	VaultID    string `json:"vault_id"`
	Dir        string `json:"dir"`
	Generation uint64 `json:"generation"`
}

// seenPath is the mark file of the vault, or an error saying why none can
// be kept.
func (v *Vault) seenPath() (string, string, error) {
	state := v.opts.StateDir
	if state == "" {
		var err error
		if state, err = DefaultStateDir(); err != nil {
			return "", "", fmt.Errorf("no state directory for the rollback check: %w", err)
		}
	}
	state, dir := canonical(state), canonical(v.dir)
	if rel, err := filepath.Rel(dir, state); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", "", fmt.Errorf("the state directory %s is inside the vault directory, where a rollback would reach it too: no rollback check", state)
	}
	sum := sha256.Sum256([]byte(v.meta.VaultID + "\x00" + dir))
	return filepath.Join(state, "seen-"+hex.EncodeToString(sum[:16])+".json"), dir, nil
}

// canonical is path made absolute, through its links where it exists, so
// one directory has one mark however it is spelt.
func canonical(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real
	}
	return path
}

// loadSeen raises v.seen to the mark on file. A mark that cannot be read
// is reported in Status and ignored: the check is then as strong as what
// this process saw itself.
func (v *Vault) loadSeen() {
	path, dir, err := v.seenPath()
	if err != nil {
		v.seenErr = err
		return
	}
	gen, err := readSeen(path, v.meta.VaultID, dir)
	if err != nil {
		v.seenErr = err
		return
	}
	v.seen, v.seenOnFile = max(v.seen, gen), gen
}

func readSeen(path, vaultID, dir string) (uint64, error) {
	data, err := readFile(path, 64<<10)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", path, err)
	}
	var m seenMark
	if err := json.Unmarshal(data, &m); err != nil || m.VaultID != vaultID || m.Dir != dir {
		return 0, fmt.Errorf("%s is not this vault's mark of the newest generation seen", path)
	}
	return m.Generation, nil
}

// noteSeen records that this device has seen (read or written) generation
// gen. It never lowers the mark, also against other processes (a lock
// beside it); a failure is kept for Status and never fails the open or the
// save that saw gen.
func (v *Vault) noteSeen(gen uint64) {
	v.seen = max(v.seen, gen)
	if v.seen <= v.seenOnFile {
		return
	}
	path, dir, err := v.seenPath()
	if err == nil {
		err = raiseSeen(path, v.meta.VaultID, dir, v.seen, v.opts.lockTimeout())
	}
	if v.seenErr = err; err == nil {
		v.seenOnFile = v.seen
	}
}

func raiseSeen(path, vaultID, dir string, gen uint64, timeout time.Duration) error {
	if err := os.MkdirAll(filepath.Dir(path), dirPerm); err != nil {
		return fmt.Errorf("keeping the newest generation seen: %w", err)
	}
	lk, err := lockFile(filepath.Join(filepath.Dir(path), seenLock), timeout)
	if err != nil {
		return fmt.Errorf("keeping the newest generation seen: %w", err)
	}
	defer lk.Unlock()
	cur, err := readSeen(path, vaultID, dir)
	if err == nil && cur >= gen {
		return nil
	}
	b, err := json.Marshal(seenMark{VaultID: vaultID, Dir: dir, Generation: gen})
	if err != nil {
		return err
	}
	if err := writeAtomic(path, bytesWriter(append(b, '\n'))); err != nil {
		return fmt.Errorf("keeping the newest generation seen in %s: %w", path, err)
	}
	return nil
}
