package instance

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
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

// Without unix sockets (Wine), the app listens on loopback TCP and later
// launches find it through the rendezvous file; a client without the
// token is ignored.
func TestTCPFallback(t *testing.T) {
	orig := listenUnix
	listenUnix = func(string) (net.Listener, error) { return nil, errors.New("no AF_UNIX here") }
	t.Cleanup(func() { listenUnix = orig })

	path := filepath.Join(t.TempDir(), "s.sock")
	got := make(chan Request, 2)
	l, err := Listen(path, func(r Request) { got <- r })
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(rendezvousPath(path))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("rendezvous file: %v %v", fi, err)
	}
	if !Running(path) || !Raise(path) {
		t.Fatal("not reachable through the fallback")
	}
	if r := <-got; r.Link != "" {
		t.Errorf("raise carried %q", r.Link)
	}
	const link = "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP"
	if !Open(path, link) {
		t.Fatal("open not answered")
	}
	if r := <-got; r.Link != link {
		t.Errorf("opened %q", r.Link)
	}

	// A local process that knows the port but not the token.
	b, _ := os.ReadFile(rendezvousPath(path))
	addr, _, _ := strings.Cut(string(b), " ")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(c, "raise")
	fmt.Fprintln(c, "raise")
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	reply, _ := bufio.NewReader(c).ReadString('\n')
	c.Close()
	if reply != "" {
		t.Errorf("a client without the token got %q", reply)
	}
	select {
	case r := <-got:
		t.Errorf("a client without the token was served: %+v", r)
	default:
	}

	if _, err := Listen(path, func(Request) {}); err == nil {
		t.Error("two listeners on one vault")
	}
	l.Close()
	if _, err := os.Stat(rendezvousPath(path)); !os.IsNotExist(err) {
		t.Errorf("rendezvous file left after Close: %v", err)
	}
	if Running(path) {
		t.Error("running after Close")
	}
}
