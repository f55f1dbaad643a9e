// Package cli is Latchkey's command-line interface: the commands of the
// design's CLI contract, parsed and printed here, carried out by app and
// vault. Scripts rely on its output formats and exit codes: 0 success, 1 a
// runtime failure, 2 a usage error, with one sentence on stderr.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/vault"
)

// Exit statuses.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// Env is everything a command touches outside the vault directory, so tests
// can run commands in-process.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Terminal reads passphrases without echo; nil when stdin is not one.
	Terminal Terminal
	// Keyring is the OS keyring.
	Keyring vault.Keyring
	// WorkFactor is the scrypt work factor for new passphrases (0: age's default).
	WorkFactor int
	Now        func() time.Time
	// OpenLink hands a link to the desktop app (main wires it): to the
	// running one, or by starting it. nil where there is no GUI.
	OpenLink func(ctx context.Context, link string) error
}

// Terminal is an interactive terminal.
type Terminal interface {
	ReadPassword(prompt string) (string, error)
	ReadLine(prompt string) (string, error)
}

// SystemEnv is the Env of a real process.
func SystemEnv() Env {
	return Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Getenv:   os.Getenv,
		Terminal: stdinTerminal(),
		Keyring:  vault.SystemKeyring{},
		Now:      time.Now,
	}
}

// usageError is a mistake in how the command was called (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// Run runs one command line (without the program name) and returns the
// exit status.
func Run(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	r := &runner{env: env}
	err := r.dispatch(ctx, args)
	switch {
	case err == nil:
		return ExitOK
	case isUsage(err):
		fmt.Fprintf(env.Stderr, "latchkey: %v (see 'latchkey help')\n", err)
		return ExitUsage
	default:
		fmt.Fprintf(env.Stderr, "latchkey: %s\n", explain(err))
		return ExitFailure
	}
}

func isUsage(err error) bool {
	var u *usageError
	return errors.As(err, &u) || errors.Is(err, flag.ErrHelp)
}

func (r *runner) dispatch(ctx context.Context, args []string) error {
	// Global options may come before the command name too.
	g, showVersion := r.globalFlags()
	rest, err := parseUntilCommand(g, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		r.overview()
		return nil
	case err != nil:
		return usagef("%v", err)
	}
	if *showVersion {
		return r.printVersion()
	}
	if len(rest) == 0 {
		return usagef("no command given")
	}
	name := rest[0]
	if name == "help" {
		if len(rest) > 1 {
			if t := findTopic(rest[1]); t != nil {
				return r.runTopic(ctx, t, rest[2:])
			}
		}
		return r.help(ctx, rest[1:])
	}
	cmd := findCommand(name)
	if cmd == nil {
		return usagef("unknown command %q", name)
	}
	r.cmd = cmd
	return r.runCommand(ctx, cmd, rest[1:])
}

// runner carries the global options through one command.
type runner struct {
	env Env
	cmd *command

	home           string
	passphraseFile string
	noKeyring      bool
}

// isGlobalFlag reports whether name is one of the options every command
// takes (runner.flags).
func isGlobalFlag(name string) bool {
	return name == "home" || name == "passphrase-file" || name == "no-keyring"
}

// flags returns a flag set with the global options registered.
func (r *runner) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&r.home, "home", r.home, "use the vault in `DIR` (env LATCHKEY_HOME)")
	fs.StringVar(&r.passphraseFile, "passphrase-file", r.passphraseFile, "read the passphrase from the first line of `F` (env LATCHKEY_PASSPHRASE_FILE)")
	fs.BoolVar(&r.noKeyring, "no-keyring", r.noKeyring, "do not use the OS keyring (env LATCHKEY_KEYRING=off)")
	return fs
}

// parse parses a command's flags, which may come before, between or after
// its arguments; "--" ends the flags. -h or --help anywhere among them
// makes it a *helpRequest with the flags and the operands, whatever else
// they hold after it.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	help := false
	for {
		err := fs.Parse(args)
		switch {
		case errors.Is(err, flag.ErrHelp):
			help = true
		case err != nil && help:
			return nil, &helpRequest{fs: fs, args: positional}
		case err != nil:
			return nil, usagef("%s: %v", fs.Name(), err)
		}
		rest := fs.Args()
		consumed := len(args) - len(rest)
		switch {
		case err == nil && consumed > 0 && args[consumed-1] == "--":
			positional = append(positional, rest...)
		case len(rest) == 0:
		case err != nil: // stopped at -h: go on after it
			args = rest
			continue
		default:
			positional = append(positional, rest[0])
			args = rest[1:]
			continue
		}
		if help {
			return nil, &helpRequest{fs: fs, args: positional}
		}
		return positional, nil
	}
}

// parseUntilCommand parses global flags up to the command name.
func parseUntilCommand(fs *flag.FlagSet, args []string) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return fs.Args(), nil
}

func (r *runner) homeDir() (string, error) {
	return app.Home(r.home, r.env.Getenv)
}

// keyring is the OS keyring unless switched off for this run.
func (r *runner) keyring() vault.Keyring {
	if r.noKeyring || app.KeyringOff(r.env.Getenv) || r.env.Keyring == nil {
		return vault.NoKeyring{}
	}
	return r.env.Keyring
}

func (r *runner) options() vault.Options {
	return vault.Options{
		Keyring:    r.keyring(),
		Passphrase: r.passphraseSource(),
		WorkFactor: r.env.WorkFactor,
		Now:        r.env.Now,
	}
}

// openVault unlocks the vault for a command.
func (r *runner) openVault() (*vault.Vault, error) {
	dir, err := r.homeDir()
	if err != nil {
		return nil, err
	}
	v, err := vault.Open(dir, r.options())
	if err != nil {
		return nil, r.unlockError(dir, err)
	}
	r.reportRepairs(v.Status())
	return v, nil
}

// reportRepairs prints, in one line on stderr, the loose permissions the
// vault found and narrowed on open.
func (r *runner) reportRepairs(st vault.Status) {
	if len(st.Permissions) == 0 {
		return
	}
	fmt.Fprintf(r.env.Stderr, "latchkey: other users could reach the vault in %s: %s\n", st.Dir, describeRepairs(st))
}

// describeRepairs lists the repairs of st in one phrase, e.g. "tightened
// the directory 0777→0700, vault.age 0666→0600".
func describeRepairs(st vault.Status) string {
	var done, failed []string
	for _, p := range st.Permissions {
		name, err := filepath.Rel(st.Dir, p.File)
		if err != nil || name == "." {
			name = "the directory"
		}
		if p.Err != nil {
			failed = append(failed, fmt.Sprintf("%s %04o (%v)", name, p.Was, p.Err))
		} else {
			done = append(done, fmt.Sprintf("%s %04o→%04o", name, p.Was, p.Now))
		}
	}
	var parts []string
	if len(done) > 0 {
		parts = append(parts, "tightened "+strings.Join(done, ", "))
	}
	if len(failed) > 0 {
		parts = append(parts, "could not tighten "+strings.Join(failed, ", "))
	}
	return strings.Join(parts, "; ")
}

func (r *runner) unlockError(dir string, err error) error {
	switch {
	case errors.Is(err, vault.ErrNotFound):
		return fmt.Errorf("no vault in %s: create one with 'latchkey init'", dir)
	case errors.Is(err, vault.ErrWrongPassphrase) && r.passphrasePath() != "":
		return fmt.Errorf("wrong passphrase in %s for the vault in %s", r.passphrasePath(), dir)
	case errors.Is(err, vault.ErrWrongPassphrase):
		return fmt.Errorf("wrong passphrase for the vault in %s", dir)
	case errors.Is(err, vault.ErrPassphraseRequired):
		return fmt.Errorf("the vault in %s needs its passphrase and there is no terminal to ask on: use --passphrase-file or LATCHKEY_PASSPHRASE_FILE (%w)", dir, err)
	}
	return err
}

// explain turns an error into the sentence printed on stderr.
func explain(err error) string {
	var ce *vault.CorruptError
	if errors.As(err, &ce) && len(ce.Good) > 0 {
		return fmt.Sprintf("%v: run 'latchkey vault restore %d'", err, ce.Good[0])
	}
	var re *vault.RollbackError
	if errors.As(err, &re) {
		keep := "or, if you put the older copy there on purpose, 'latchkey vault restore 0' to keep it"
		if len(re.Newer) > 0 {
			return fmt.Sprintf("%v: run 'latchkey vault restore %d' to go back to it, %s", err, re.Newer[0], keep)
		}
		return fmt.Sprintf("%v: if you put it there on purpose, run 'latchkey vault restore 0' to keep it", err)
	}
	return err.Error()
}
