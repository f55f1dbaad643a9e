package instance

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// listenUnix is net.Listen on a unix socket; tests replace it to take the
// fallback path on systems that have unix sockets.
var listenUnix = func(path string) (net.Listener, error) { return net.Listen("unix", path) }

// rendezvousPath names the file that holds the TCP fallback's address and
// token for the socket path.
func rendezvousPath(path string) string { return path + ".tcp" }

// listenTCP listens on a loopback port and publishes "ADDR TOKEN" in the
// rendezvous file, written privately and renamed into place so a reader
// never sees half of it.
func listenTCP(path string) (net.Listener, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	tmp, err := os.CreateTemp(filepath.Dir(path), ".latchkey-instance-*")
	if err == nil {
		_, err = fmt.Fprintf(tmp, "%s %s\n", ln.Addr().String(), token)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), rendezvousPath(path))
		}
		if err != nil {
			os.Remove(tmp.Name())
		}
	}
	if err != nil {
		ln.Close()
		return nil, "", fmt.Errorf("publishing the loopback address: %w", err)
	}
	return ln, token, nil
}

// dial reaches the running app: through the unix socket, else through the
// TCP fallback its rendezvous file names, sending the token first.
func dial(path string) (net.Conn, error) {
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		return c, nil
	}
	b, err := os.ReadFile(rendezvousPath(path))
	if err != nil {
		return nil, err
	}
	addr, token, ok := strings.Cut(strings.TrimSpace(string(b)), " ")
	host, _, _ := net.SplitHostPort(addr)
	if !ok || len(token) != 64 || host != "127.0.0.1" {
		return nil, errors.New("malformed rendezvous file")
	}
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := fmt.Fprintln(c, token); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}
