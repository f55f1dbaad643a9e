//go:build windows

package vault

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// renameReplace retries briefly: on Windows a rename over a file that a
// reader has open fails until the reader closes it.
func renameReplace(from, to string) error {
	var err error
	for i := 0; i < 50; i++ {
		if err = os.Rename(from, to); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// syncDir is a no-op: Windows cannot open a directory for syncing, and
// NTFS journals the rename itself.
func syncDir(string) error { return nil }

// ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL.
func isDiskFull(err error) bool {
	return errors.Is(err, syscall.Errno(112)) || errors.Is(err, syscall.Errno(39))
}
