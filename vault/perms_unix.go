//go:build !windows

package vault

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// repairMode sets path to want when group or others have any permission on
// it and this user owns it. found is false when there was nothing to repair
// (or nothing there: a missing file, a link, a pipe, which the vault refuses
// to use anyway). Files are changed through a descriptor opened without
// following links, so a link swapped in meanwhile is not followed either.
func repairMode(path string, want fs.FileMode, dir bool) (r PermRepair, found bool) {
	var f *os.File
	var err error
	if dir {
		f, err = os.OpenFile(path, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	} else {
		f, err = openFile(path)
	}
	if err != nil {
		return PermRepair{}, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Mode().Perm()&0o077 == 0 {
		return PermRepair{}, false
	}
	r = PermRepair{File: path, Was: st.Mode().Perm(), Now: st.Mode().Perm()}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		r.Err = fmt.Errorf("it belongs to user %d, not to you (user %d)", sys.Uid, os.Geteuid())
		return r, true
	}
	if err := f.Chmod(want); err != nil {
		r.Err = err
		return r, true
	}
	r.Now = want
	return r, true
}
