// Package instance keeps one desktop app per vault: the first one listens on
// a local socket, and a second launch asks it to show its window (or to open
// an otpauth link, for `latchkey open`) and exits.
//
// The protocol is one line each way: "raise" or "open URI", answered "ok".
//
// The channel is a unix socket. Where the system has none (Wine, Windows
// before 10 1803), the app listens on loopback TCP instead and writes the
// port and a random 256-bit token to a rendezvous file next to the socket's
// path (0600, in the user's own temporary directory); a later launch reads
// it and must send the token first, so other local users and web pages
// cannot talk to the app.
package instance

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const (
	raise = "raise"
	open  = "open "
)

// MaxLink bounds a link passed between instances; otpauth links are far
// shorter, migration links of ten accounts a few kilobytes.
const MaxLink = 64 << 10

// Request is what a later launch asks of the running app.
type Request struct {
	// Link is the otpauth or otpauth-migration link to open; empty means
	// just show the window.
	Link string
}

// SocketPath is the socket of the app using the vault in home. It lives in
// the temporary directory, named by a digest of home: unix socket paths are
// limited to about 100 bytes, which a vault path may exceed.
func SocketPath(home string) string {
	sum := sha256.Sum256([]byte(home))
	return filepath.Join(os.TempDir(), "latchkey-"+hex.EncodeToString(sum[:8])+".sock")
}

// Raise asks a running app to show its window. It reports whether one
// answered.
func Raise(path string) bool { return send(path, raise) }

// Running reports whether an app is listening, without asking it anything.
func Running(path string) bool {
	c, err := dial(path)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// Open asks a running app to open a link (it shows it and asks before
// adding anything). It reports whether one answered.
func Open(path, link string) bool {
	if link == "" || len(link) > MaxLink || strings.ContainsAny(link, "\r\n") {
		return false
	}
	return send(path, open+link)
}

func send(path, line string) bool {
	c, err := dial(path)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := fmt.Fprintln(c, line); err != nil {
		return false
	}
	reply, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && reply == "ok\n"
}

// Listener receives raise requests from later launches.
type Listener struct {
	ln    net.Listener
	path  string
	token string // TCP fallback only: what a client must send first
}

// Listen claims the socket at path; onRequest runs (on the listener's
// goroutine) for each later launch. A socket left by a crashed app is
// replaced; one still answering is an error.
func Listen(path string, onRequest func(Request)) (*Listener, error) {
	if Raise(path) {
		return nil, errors.New("another Latchkey is running for this vault")
	}
	os.Remove(path) // stale, from an app that died
	os.Remove(rendezvousPath(path))
	l := &Listener{path: path}
	ln, err := listenUnix(path)
	if err == nil {
		os.Chmod(path, 0o600)
		l.ln = ln
	} else if l.ln, l.token, err = listenTCP(path); err != nil {
		return nil, fmt.Errorf("single-instance channel %s: %w", path, err)
	}
	go l.serve(onRequest)
	return l, nil
}

func (l *Listener) serve(onRequest func(Request)) {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return // closed
		}
		if req, ok := readRequest(c, l.token); ok {
			onRequest(req)
			fmt.Fprintln(c, "ok")
		}
		c.Close()
	}
}

func readRequest(c net.Conn, token string) (Request, bool) {
	c.SetDeadline(time.Now().Add(2 * time.Second))
	rd := bufio.NewReader(io.LimitReader(c, int64(MaxLink+len(open)+len(token)+4)))
	if token != "" {
		got, err := rd.ReadString('\n')
		if err != nil || subtle.ConstantTimeCompare([]byte(strings.TrimSuffix(got, "\n")), []byte(token)) != 1 {
			return Request{}, false
		}
	}
	line, err := rd.ReadString('\n')
	if err != nil {
		return Request{}, false
	}
	line = strings.TrimSuffix(line, "\n")
	switch {
	case line == raise:
		return Request{}, true
	case strings.HasPrefix(line, open) && len(line) > len(open):
		return Request{Link: line[len(open):]}, true
	}
	return Request{}, false
}

// Close stops listening and removes the socket or rendezvous file.
func (l *Listener) Close() error {
	err := l.ln.Close()
	os.Remove(l.path)
	os.Remove(rendezvousPath(l.path))
	return err
}
