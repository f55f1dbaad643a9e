//go:build !windows

package vault

import (
	"os"
	"syscall"
)

// openNoFollow opens path read-only without following a symbolic link at
// it (O_NOFOLLOW) and without waiting for a writer if it is a named pipe
// (O_NONBLOCK). Anything but a regular file is closed again by openFile; a
// regular file is switched back to blocking reads.
func openNoFollow(path string) (*os.File, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err == nil && st.Mode&syscall.S_IFMT == syscall.S_IFREG {
		if err := syscall.SetNonblock(fd, false); err != nil {
			syscall.Close(fd)
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// lockFileFlags open the lock file without following a link at its name
// and without waiting if a named pipe was put there.
const lockFileFlags = os.O_CREATE | os.O_RDONLY | syscall.O_NOFOLLOW | syscall.O_NONBLOCK | syscall.O_CLOEXEC
