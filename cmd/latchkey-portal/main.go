// Command latchkey-portal is Latchkey's reference team portal: the server
// behind recovery links, team accounts and admin 2FA resets (issue 7).
//
// Usage:
//
//	latchkey-portal serve        [flags]   run the HTTP API (migrates first)
//	latchkey-portal migrate      [flags]   apply the store's migrations, print the schema version
//	latchkey-portal admin create [flags]   bootstrap the first owner and their tenant
//	latchkey-portal keygen       [--id ID] print a new secrets-keyring entry
//
// Every flag has an environment variable LATCHKEY_PORTAL_<FLAG> (upper
// case, dashes as underscores); a flag given on the command line wins. The
// secrets keyring is read from LATCHKEY_PORTAL_KEYRING or the file named by
// --keyring-file, never from a flag's value, which other local users could
// read in the process list. Run a subcommand with -h for its flags.
//
// It builds with CGO_ENABLED=0 and imports nothing from the desktop app's
// ui/ or Fyne.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// A second signal after the first kills at once (stop restores the
	// default behaviour as soon as the context ends).
	go func() { <-ctx.Done(); stop() }()
	code := run(ctx, os.Args[1:], env{
		getenv: os.Getenv,
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
	})
	stop()
	os.Exit(code)
}

// env is what a run sees of the process, so tests can supply their own.
type env struct {
	getenv         func(string) string
	stdin          io.Reader // a terminal (*os.File) for password prompts
	stdout, stderr io.Writer
	// readPassword, when set, replaces the terminal prompt (tests).
	readPassword func(prompt string) (string, error)
	// fastHash makes admin create hash with cheap Argon2 parameters (tests).
	fastHash bool
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // bad flags or configuration
)
