package vault

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// FileTypeError reports a name of the vault directory that holds something
// other than a regular file: a named pipe (reading it would wait forever), a
// symbolic link (it could point anywhere), a directory, a device or a
// socket. Latchkey neither reads nor follows it, and saves nothing while it
// is there.
type FileTypeError struct {
	File string // path of the name in the vault directory
	Kind string // what it is, e.g. "a named pipe"
}

func (e *FileTypeError) Error() string {
	return fmt.Sprintf("%s is %s, not a file: Latchkey neither reads nor follows it; remove it, or put the real file back", e.File, e.Kind)
}

func (e *FileTypeError) Is(target error) bool { return target == ErrNotAFile }

// describeKind names what a non-regular entry is, for FileTypeError.
func describeKind(path string, mode fs.FileMode) string {
	switch {
	case mode&fs.ModeSymlink != 0:
		if to, err := os.Readlink(path); err == nil {
			return fmt.Sprintf("a symbolic link (to %s)", to)
		}
		return "a symbolic link"
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	case mode&fs.ModeDevice != 0:
		return "a device"
	case mode.IsDir():
		return "a directory"
	}
	return "not a regular file (" + mode.Type().String() + ")"
}

// checkFile reports a FileTypeError when path exists and is not a regular
// file; a missing path is fine. It does not follow a link at path.
func checkFile(path string) error {
	st, err := os.Lstat(path)
	if err != nil || st.Mode().IsRegular() {
		return nil
	}
	return &FileTypeError{File: path, Kind: describeKind(path, st.Mode())}
}

// notAFile turns an error of opening path into a FileTypeError when what
// is at path is not a regular file (a link refused by O_NOFOLLOW, a socket).
func notAFile(path string, err error) error {
	if ferr := checkFile(path); ferr != nil {
		return ferr
	}
	return err
}

// openFile opens a file of the vault directory for reading. It never follows
// a symbolic link at path, never waits on a named pipe, and refuses anything
// but a regular file with a FileTypeError.
func openFile(path string) (*os.File, error) {
	f, err := openNoFollow(path)
	if err != nil {
		return nil, notAFile(path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, &FileTypeError{File: path, Kind: describeKind(path, st.Mode())}
	}
	return f, nil
}

// readFile reads at most limit bytes of a file of the vault directory
// through openFile.
func readFile(path string, limit int64) ([]byte, error) {
	f, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}
