package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrFileExists is returned by WriteSecretFile when path exists and
// overwrite is false.
var ErrFileExists = errors.New("the file exists")

// WriteSecretFile writes an export, a backup or a break-glass sheet: a file
// only its owner can read (0600), written to a temp file beside path,
// synced, then moved into place, so nobody ever sees a partial file. Without
// overwrite an existing path is never replaced, even one that appears while
// writing (a hard link claims the name atomically where links exist).
func WriteSecretFile(path string, data []byte, overwrite bool) (err error) {
	dir := filepath.Dir(path)
	if !overwrite {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("writing %s: %w", path, ErrFileExists)
		}
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*") // 0600
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, pathCause(err))
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if err := fill(tmp, data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := place(tmp.Name(), path, overwrite); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

func fill(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func place(tmp, path string, overwrite bool) error {
	if overwrite {
		return pathCause(os.Rename(tmp, path))
	}
	switch err := os.Link(tmp, path); {
	case errors.Is(err, fs.ErrExist):
		return ErrFileExists
	case err == nil:
		os.Remove(tmp)
		return nil
	}
	// No hard links here (some network and FAT file systems): the check
	// before writing has to do.
	return pathCause(os.Rename(tmp, path))
}

// syncDir makes the rename durable where the system allows it (Windows
// cannot open a directory).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// pathCause drops the path an *fs.PathError repeats.
func pathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
