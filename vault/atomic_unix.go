//go:build !windows

package vault

import (
	"os"
)

func renameReplace(from, to string) error { return os.Rename(from, to) }

// syncDir makes a rename durable: without it the new directory entry may
// not survive a power cut even though the file's data did.
func syncDir(dir string) error {
	if dir == "" {
		dir = "."
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func isDiskFull(error) bool { return false }
