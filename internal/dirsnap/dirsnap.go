// Package dirsnap records what is in a directory (names, modes, sizes,
// modification times and bytes of every entry) so tests can prove that an
// operation wrote nothing there. It does not follow links.
package dirsnap

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// entry is what an operation could change about one entry.
type entry struct {
	mode  fs.FileMode
	size  int64
	mtime time.Time
	data  []byte // regular files only
}

// Snapshot is a directory's entries at one moment.
type Snapshot map[string]entry

// Take records every entry of dir, hidden and lock files included.
func Take(t testing.TB, dir string) Snapshot {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := Snapshot{}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		st, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		en := entry{mode: st.Mode(), size: st.Size(), mtime: st.ModTime()}
		if st.Mode().IsRegular() {
			if en.data, err = os.ReadFile(p); err != nil {
				t.Fatal(err)
			}
		}
		s[e.Name()] = en
	}
	return s
}

// AssertSame fails t for every entry of dir that appeared, disappeared or
// changed since before was taken.
func AssertSame(t testing.TB, dir string, before Snapshot) {
	t.Helper()
	assertSame(t, dir, before, false)
}

// AssertSameButModes is AssertSame for an operation allowed to change
// permissions and nothing else.
func AssertSameButModes(t testing.TB, dir string, before Snapshot) {
	t.Helper()
	assertSame(t, dir, before, true)
}

func assertSame(t testing.TB, dir string, before Snapshot, ignoreModes bool) {
	t.Helper()
	after := Take(t, dir)
	for name, b := range before {
		a, ok := after[name]
		switch {
		case !ok:
			t.Errorf("%s disappeared", name)
		case (a.mode != b.mode && !ignoreModes) || a.size != b.size || !a.mtime.Equal(b.mtime) || !bytes.Equal(a.data, b.data):
			t.Errorf("%s changed: mode %v→%v, size %d→%d, mtime %v→%v", name, b.mode, a.mode, b.size, a.size, b.mtime, a.mtime)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s appeared", name)
		}
	}
}
