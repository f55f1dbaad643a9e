package instance

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestRaise(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	if Raise(path) {
		t.Fatal("raised with nobody listening")
	}
	raised := make(chan struct{}, 1)
	l, err := Listen(path, func() { raised <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !Raise(path) {
		t.Fatal("second launch not answered")
	}
	select {
	case <-raised:
	case <-time.After(5 * time.Second):
		t.Fatal("onRaise not called")
	}
	if _, err := Listen(path, func() {}); err == nil {
		t.Error("two listeners on one vault")
	}
}

func TestStaleSocketReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // the file stays, as after a crash
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	l, err := Listen(path, func() {})
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	l.Close()
}

func TestSocketPathShort(t *testing.T) {
	p := SocketPath("/" + string(make([]byte, 300)))
	if len(p) > 100 {
		t.Errorf("socket path of %d bytes", len(p))
	}
}
