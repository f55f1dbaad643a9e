package cli

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fileState is what a command could change about one file of the vault
// directory.
type fileState struct {
	mode  fs.FileMode
	size  int64
	mtime time.Time
	data  []byte
}

// dirState records every entry of dir (names, modes, sizes, mtimes, bytes),
// the lock file included.
func dirState(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	state := map[string]fileState{}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		st, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		fsx := fileState{mode: st.Mode(), size: st.Size(), mtime: st.ModTime()}
		if st.Mode().IsRegular() {
			if fsx.data, err = os.ReadFile(p); err != nil {
				t.Fatal(err)
			}
		}
		state[e.Name()] = fsx
	}
	return state
}

func assertSameDir(t *testing.T, dir string, before map[string]fileState) {
	t.Helper()
	after := dirState(t, dir)
	for name, b := range before {
		a, ok := after[name]
		switch {
		case !ok:
			t.Errorf("%s disappeared", name)
		case a.mode != b.mode || a.size != b.size || !a.mtime.Equal(b.mtime) || !bytes.Equal(a.data, b.data):
			t.Errorf("%s changed: mode %v→%v, size %d→%d, mtime %v→%v", name, b.mode, a.mode, b.size, a.size, b.mtime, a.mtime)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s appeared", name)
		}
	}
}

// A command that changes nothing in the vault must write nothing: each such
// save used to push a real generation out of vault.age.1 … .3.
func TestSecurityRejectedImportsWriteNothing(t *testing.T) {
	h := withVault(t)
	h.run("add", annURI).assert(t, 0, "Added 1 account", "")
	h.run("add", rfcURI).assert(t, 0, "Added 1 account", "")
	h.run("add", hotpURI).assert(t, 0, "Added 1 account", "")
	rejected := writeNamed(t, "rejected.txt", []byte("not a link\notpauth://totp/X?secret=\n"))
	before := dirState(t, h.home)
	for i := 0; i < 10; i++ {
		h.run("import", rejected).assert(t, 1, "Added 0 accounts", "")
	}
	assertSameDir(t, h.home, before)
}

func TestSecurityDuplicateAddsWriteNothing(t *testing.T) {
	h := withVault(t)
	h.run("add", annURI).assert(t, 0, "Added 1 account", "")
	h.run("add", rfcURI).assert(t, 0, "Added 1 account", "")
	h.run("add", hotpURI).assert(t, 0, "Added 1 account", "")
	before := dirState(t, h.home)
	for i := 0; i < 10; i++ {
		h.run("add", annURI).assert(t, 0, "skipped", "")
	}
	assertSameDir(t, h.home, before)
}
