package cli

import (
	"bufio"

	"errors"
	"fmt"
	"github.com/latchkey/latchkey/app"
	"os"
	"strings"

	"golang.org/x/term"
)

// passphrasePath is the file named by --passphrase-file or
// LATCHKEY_PASSPHRASE_FILE.
func (r *runner) passphrasePath() string {
	if r.passphraseFile != "" {
		return r.passphraseFile
	}
	return r.env.Getenv("LATCHKEY_PASSPHRASE_FILE")
}

// passphraseSource returns how the current passphrase is obtained: from the
// passphrase file, else by asking on the terminal, else nil (never prompt
// when there is no terminal).
func (r *runner) passphraseSource() func() (string, error) {
	if p := r.passphrasePath(); p != "" {
		return func() (string, error) { return readPassphraseFile(p) }
	}
	if r.env.Terminal != nil {
		return func() (string, error) { return r.env.Terminal.ReadPassword("Vault passphrase: ") }
	}
	return nil
}

// readPassphraseFile reads the first line of a file.
var readPassphraseFile = app.ReadPassphraseFile

// newPassphrase asks for a new passphrase twice on the terminal, or reads it
// from file when one is given.
func (r *runner) newPassphrase(file, what string) (string, error) {
	if file != "" {
		return readPassphraseFile(file)
	}
	if r.env.Terminal == nil {
		return "", errNoTerminal
	}
	p1, err := r.env.Terminal.ReadPassword(what + ": ")
	if err != nil {
		return "", err
	}
	p2, err := r.env.Terminal.ReadPassword("Repeat it: ")
	if err != nil {
		return "", err
	}
	if p1 != p2 {
		return "", errors.New("the two passphrases differ; nothing was changed")
	}
	return p1, nil
}

var errNoTerminal = errors.New("no terminal to ask for a passphrase")

// ttyTerminal reads from the process's terminal.
type ttyTerminal struct {
	fd    int
	lines *bufio.Reader
}

func stdinTerminal() Terminal {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return nil
	}
	return ttyTerminal{fd: fd, lines: bufio.NewReader(os.Stdin)}
}

func (t ttyTerminal) ReadLine(prompt string) (string, error) {
	fmt.Fprint(os.Stderr, prompt)
	line, err := t.lines.ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("reading the answer: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (t ttyTerminal) ReadPassword(prompt string) (string, error) {
	fmt.Fprint(os.Stderr, prompt)
	b, err := term.ReadPassword(t.fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", fmt.Errorf("reading the passphrase: %w", err)
	}
	return string(b), nil
}
