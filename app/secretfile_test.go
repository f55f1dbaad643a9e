package app

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestWriteSecretFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "export.txt")
	if err := WriteSecretFile(p, []byte("one"), false); err != nil {
		t.Fatal(err)
	}
	if err := WriteSecretFile(p, []byte("two"), false); !errors.Is(err, ErrFileExists) {
		t.Fatalf("second write without overwrite = %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "one" {
		t.Fatalf("refused write changed the file: %q", b)
	}
	os.Chmod(p, 0o644)
	if err := WriteSecretFile(p, []byte("three"), true); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	if b, _ := os.ReadFile(p); string(b) != "three" || (runtime.GOOS != "windows" && st.Mode().Perm() != 0o600) {
		t.Errorf("overwrite: %q, mode %v", b, st.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("temp files left: %d entries", len(entries))
	}
	if err := WriteSecretFile(filepath.Join(t.TempDir(), "no", "dir"), nil, true); err == nil {
		t.Error("write into a missing directory succeeded")
	}
}
