// Package instance keeps one desktop app per vault: the first one listens on
// a local socket, and a second launch asks it to show its window and exits.
package instance

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

const raise = "raise"

// SocketPath is the socket of the app using the vault in home. It lives in
// the temporary directory, named by a digest of home: unix socket paths are
// limited to about 100 bytes, which a vault path may exceed.
func SocketPath(home string) string {
	sum := sha256.Sum256([]byte(home))
	return filepath.Join(os.TempDir(), "latchkey-"+hex.EncodeToString(sum[:8])+".sock")
}

// Raise asks a running app to show its window. It reports whether one
// answered.
func Raise(path string) bool {
	c, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := fmt.Fprintln(c, raise); err != nil {
		return false
	}
	reply, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && reply == "ok\n"
}

// Listener receives raise requests from later launches.
type Listener struct {
	ln   net.Listener
	path string
}

// Listen claims the socket at path; onRaise runs (on the listener's
// goroutine) for each later launch. A socket left by a crashed app is
// replaced; one still answering is an error.
func Listen(path string, onRaise func()) (*Listener, error) {
	if Raise(path) {
		return nil, errors.New("another Latchkey is running for this vault")
	}
	os.Remove(path) // stale, from an app that died
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("single-instance socket %s: %w", path, err)
	}
	os.Chmod(path, 0o600)
	l := &Listener{ln: ln, path: path}
	go l.serve(onRaise)
	return l, nil
}

func (l *Listener) serve(onRaise func()) {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return // closed
		}
		c.SetDeadline(time.Now().Add(2 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err == nil && line == raise+"\n" {
			onRaise()
			fmt.Fprintln(c, "ok")
		}
		c.Close()
	}
}

// Close stops listening and removes the socket.
func (l *Listener) Close() error {
	err := l.ln.Close()
	os.Remove(l.path)
	return err
}
