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
	raised := make(chan Request, 2)
	l, err := Listen(path, func(r Request) { raised <- r })
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !Raise(path) {
		t.Fatal("second launch not answered")
	}
	select {
	case r := <-raised:
		if r.Link != "" {
			t.Errorf("raise carried a link %q", r.Link)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("onRequest not called")
	}
	const link = "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP"
	if !Open(path, link) {
		t.Fatal("open not answered")
	}
	if r := <-raised; r.Link != link {
		t.Errorf("opened %q", r.Link)
	}
	if Open(path, "otpauth://x\nraise") || Open(path, "") {
		t.Error("a link with a newline or an empty link was sent")
	}
	if _, err := Listen(path, func(Request) {}); err == nil {
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
	l, err := Listen(path, func(Request) {})
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
