package vault

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

const (
	dirPerm = 0o700
	// tempPrefix marks the files of saves in progress; a save that was killed
	// leaves one behind, and the next save removes it.
	tempPrefix = ".tmp-"
)

// writeAtomic replaces path with the bytes write produces, durably: a temp
// file in the same directory is written, synced and renamed over path, then
// the directory is synced. A crash at any point leaves either the old or the
// new file at path, never a mix; a failure leaves path untouched.
func writeAtomic(path string, write func(io.Writer) error) error {
	tmp, err := writeTemp(path, write)
	if err != nil {
		return err
	}
	if err := commitTemp(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// writeTemp writes and syncs a temp file beside path and returns its name.
// Splitting this from commitTemp lets a save fail on a full disk before it
// has touched anything.
func writeTemp(path string, write func(io.Writer) error) (tmp string, err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// os.CreateTemp creates the file 0600.
	f, err := os.CreateTemp(dir, tempPrefix+base+"-*")
	if err != nil {
		return "", classifyWriteError(err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = write(testHookWriter(f)); err != nil {
		return "", classifyWriteError(err)
	}
	if err = f.Sync(); err != nil {
		return "", classifyWriteError(err)
	}
	if err = f.Close(); err != nil {
		return "", classifyWriteError(err)
	}
	return f.Name(), nil
}

// commitTemp renames tmp over path and syncs the directory.
func commitTemp(tmp, path string) error {
	if err := renameReplace(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// copyDurably copies src to dst through writeAtomic, for keeping a previous
// generation when hard links are not available.
func copyDurably(src, dst string) error {
	in, err := openFile(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeAtomic(dst, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

// linkOrCopy makes dst hold the content of src without ever leaving src
// missing: renaming the current vault away and the new one in would open a
// window in which no vault.age exists.
func linkOrCopy(src, dst string) error {
	tmp := dst + ".link"
	os.Remove(tmp)
	if err := os.Link(src, tmp); err == nil {
		if err := renameReplace(tmp, dst); err == nil {
			return nil
		}
		os.Remove(tmp)
	}
	return copyDurably(src, dst)
}

// removeStaleTemps deletes the leftovers of killed saves.
func removeStaleTemps(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) || strings.HasSuffix(e.Name(), ".link") {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func classifyWriteError(err error) error {
	if errors.Is(err, syscall.ENOSPC) || isDiskFull(err) {
		return fmt.Errorf("%w: %w", ErrDiskFull, err)
	}
	return err
}

// testHookWriter lets tests make writes fail (a full disk) part-way.
var testHookWriter = func(w io.Writer) io.Writer { return w }
