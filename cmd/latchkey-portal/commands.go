package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
	"github.com/latchkey/latchkey/portal/store/postgres"
	"github.com/latchkey/latchkey/portal/store/sqlite"
)

const usage = `latchkey-portal: Latchkey's reference team portal

usage:
  latchkey-portal serve        [flags]   run the HTTP API (runs migrations first)
  latchkey-portal migrate      [flags]   apply the store's migrations and print the schema version
  latchkey-portal admin create [flags]   bootstrap the first owner and their tenant
  latchkey-portal admin recover [flags]  break glass: a one-time recovery link for an owner, on the host
  latchkey-portal keygen       [--id ID] print a new secrets-keyring entry

Every flag can be set in the environment as LATCHKEY_PORTAL_<FLAG>; the
secrets keyring comes from $LATCHKEY_PORTAL_KEYRING or --keyring-file.
Run a command with -h for its flags.
`

// run executes one command line and returns the exit code.
func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitUsage
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = serve(ctx, rest, e)
	case "migrate":
		err = migrate(ctx, rest, e)
	case "admin":
		switch {
		case len(rest) > 0 && rest[0] == "create":
			err = adminCreate(ctx, rest[1:], e)
		case len(rest) > 0 && rest[0] == "recover":
			err = adminRecover(ctx, rest[1:], e)
		default:
			fmt.Fprintln(e.stderr, "latchkey-portal admin: the admin commands are `admin create` and `admin recover`")
			return exitUsage
		}
	case "keygen":
		err = keygen(rest, e)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(e.stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(e.stderr, "latchkey-portal: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "latchkey-portal %s: %v\n", commandName(args), ue.err)
		return exitUsage
	default:
		fmt.Fprintf(e.stderr, "latchkey-portal %s: %v\n", commandName(args), err)
		return exitError
	}
}

func commandName(args []string) string {
	if args[0] == "admin" && len(args) > 1 {
		return "admin " + args[1]
	}
	return args[0]
}

// usageError is a configuration or flag error (exit code 2).
type usageError struct{ err error }

func (u *usageError) Error() string { return u.err.Error() }
func (u *usageError) Unwrap() error { return u.err }

func usageErr(err error) error {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return &usageError{err}
}

// openStore opens the configured store and applies its migrations.
func openStore(ctx context.Context, spec dbSpec) (store.Store, int, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var st store.Store
	var err error
	switch spec.kind {
	case "sqlite":
		st, err = sqlite.Open(ctx, spec.path, store.Options{})
	case "postgres":
		st, err = postgres.Open(ctx, spec.dsn, store.Options{})
	default:
		return nil, 0, fmt.Errorf("unknown store %q", spec.kind)
	}
	if err != nil {
		return nil, 0, errors.New(auth.Redact(err.Error()))
	}
	if err := st.Migrate(ctx); err != nil {
		_ = st.Close()
		return nil, 0, fmt.Errorf("migrating %s: %s", spec, auth.Redact(err.Error()))
	}
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		_ = st.Close()
		return nil, 0, fmt.Errorf("reading the schema version of %s: %s", spec, auth.Redact(err.Error()))
	}
	return st, v, nil
}

func migrate(ctx context.Context, args []string, e env) error {
	var c config
	f := newFlags("migrate", e)
	c.storeFlags(f)
	if err := f.parse(args); err != nil {
		return usageErr(err)
	}
	if err := c.validateCommon(); err != nil {
		return usageErr(err)
	}
	spec, _ := parseDB(c.db)
	st, v, err := openStore(ctx, spec)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(e.stdout, "%s: schema version %d\n", spec, v)
	return nil
}

func keygen(args []string, e env) error {
	f := newFlags("keygen", e)
	var id string
	f.fs.StringVar(&id, "id", "key1", "the key's id (1 to 32 of A-Z a-z 0-9 _ -); give each new key a new id")
	if err := f.parse(args); err != nil {
		return usageErr(err)
	}
	entry, err := auth.GenerateKey(id)
	if err != nil {
		return usageErr(err)
	}
	fmt.Fprintln(e.stdout, entry)
	fmt.Fprintf(e.stderr, "Keep this secret and back it up: TOTP secrets and code hashes cannot be read without it.\n"+
		"Put it in $%s or a file named by --keyring-file (mode 0600). To rotate, put a new entry first: id:key,old-id:old-key.\n", envKeyring)
	return nil
}
