package cli

import (
	"path/filepath"
	"testing"
)

// TestImportKeyFile: --key-file is read before any input, and a missing
// one is named. (Databases opened with key files are tested in
// app/importer.)
func TestImportKeyFile(t *testing.T) {
	h := withVault(t)
	missing := filepath.Join(t.TempDir(), "db.keyx")
	links := writeFile(t, "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP\n")
	h.run("import", links, "--key-file", missing).assert(t, 1, "", "key file "+missing+": no such file or directory")
	h.run("import", links, "--key-file", writeFile(t, "any file\n")).assert(t, 0, "Added A: b.", "")
}
