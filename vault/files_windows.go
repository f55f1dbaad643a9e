//go:build windows

package vault

import (
	"os"
	"syscall"
)

// openNoFollow opens path read-only without following a symbolic link or
// other reparse point at it (FILE_FLAG_OPEN_REPARSE_POINT: the link itself
// is opened, and openFile refuses it as not a regular file). Other writers
// may rename over the file while it is open (FILE_SHARE_DELETE). Windows
// keeps named pipes out of the file system, so there is none to wait on.
func openNoFollow(path string) (*os.File, error) {
	p, err := syscall.UTF16PtrFromString(path)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	h, err := syscall.CreateFile(p, syscall.GENERIC_READ,
		syscall.FILE_SHARE_READ|syscall.FILE_SHARE_WRITE|syscall.FILE_SHARE_DELETE,
		nil, syscall.OPEN_EXISTING, syscall.FILE_ATTRIBUTE_NORMAL|syscall.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(h), path), nil
}

// lockFileFlags: Windows has no O_NOFOLLOW; lock checks the name with Lstat
// before and the open handle after taking the lock.
const lockFileFlags = os.O_CREATE | os.O_RDONLY
