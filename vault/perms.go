package vault

import (
	"fmt"
	"io/fs"
	"path/filepath"
)

// Modes of the vault directory and its files. Anything more lets other
// users of the computer read identity.age (and try passphrases offline) or,
// through the directory, replace or remove the vault's files.
const filePerm = 0o600

// PermRepair is a vault file, or the vault directory, whose mode let other
// users in, as found on open and repaired where the user owns it.
type PermRepair struct {
	File string      // path of the file or directory
	Was  fs.FileMode // the permission bits found
	Now  fs.FileMode // the permission bits now; Was when not repaired
	Err  error       // why it was not repaired (another user owns it, …)
}

func (p PermRepair) String() string {
	if p.Err != nil {
		return fmt.Sprintf("%s has mode %04o, open to other users, and was not repaired: %v", p.File, p.Was, p.Err)
	}
	return fmt.Sprintf("%s had mode %04o, now %04o", p.File, p.Was, p.Now)
}

// vaultFiles lists the names of dir the vault owns, for repairs.
func vaultFiles(dir string) []string {
	names := []string{MetaFile, IdentityFile, VaultFile, LockFile}
	for n := 1; n <= Generations; n++ {
		names = append(names, generationName(n))
	}
	names = append(names, dailies(dir)...)
	paths := make([]string, len(names))
	for i, n := range names {
		paths[i] = filepath.Join(dir, n)
	}
	return paths
}

// repairPermissions narrows the vault directory to 0700 and its files to
// 0600 when other users have any access to them, where this user owns them
// (repairMode, per platform), and reports what it found.
func repairPermissions(dir string) []PermRepair {
	var out []PermRepair
	if r, found := repairMode(dir, dirPerm, true); found {
		out = append(out, r)
	}
	for _, p := range vaultFiles(dir) {
		if r, found := repairMode(p, filePerm, false); found {
			out = append(out, r)
		}
	}
	return out
}
