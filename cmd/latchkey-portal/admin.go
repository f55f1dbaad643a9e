package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
)

// minOwnerPassword: until the owner enrols an authenticator, the password
// is their only factor, so NIST SP 800-63B-4's single-factor minimum.
const minOwnerPassword = auth.MinPasswordRunesSingleFactor

// errOwnerExists refuses a second bootstrap.
var errOwnerExists = errors.New("refusing: the install already has an owner")

// adminCreate bootstraps the install: one tenant (2FA required) and its
// owner. It refuses once any owner exists in the install: from then on,
// tenants and users are created in the portal by signed-in, authorised
// people, with an actor in the audit log. A command that can mint owners
// for any tenant from a shell would step around the authorisation rules
// (resellers' boundaries, "only an owner recovers an owner").
func adminCreate(ctx context.Context, args []string, e env) error {
	var c config
	var tenant, email, name, passwordFile string
	f := newFlags("admin create", e)
	c.storeFlags(f)
	c.keyringFlags(f)
	f.fs.StringVar(&tenant, "tenant", "", "name of the tenant to create (required)")
	f.fs.StringVar(&email, "email", "", "the owner's e-mail address (required)")
	f.fs.StringVar(&name, "name", "", "the owner's name (required)")
	f.fs.StringVar(&passwordFile, "password-file", "", "read the owner's password from this file's first line instead of the terminal")
	if err := f.parse(args); err != nil {
		return usageErr(err)
	}
	if err := c.validateCommon(); err != nil {
		return usageErr(err)
	}
	tenant, name, email = strings.TrimSpace(tenant), strings.TrimSpace(name), strings.TrimSpace(email)
	if err := checkOwnerInput(tenant, email, name); err != nil {
		return usageErr(err)
	}
	// The keyring is not used to create the owner, but an install without
	// one cannot serve; refusing here catches that before anything is written.
	if _, ok, err := c.loadKeyring(); err != nil {
		return usageErr(err)
	} else if !ok {
		return usageErr(fmt.Errorf("no secrets keyring: set $%s or --keyring-file (make one with `latchkey-portal keygen`) before creating the owner, and give `serve` the same one", envKeyring))
	}

	spec, _ := parseDB(c.db)
	st, _, err := openStore(ctx, spec)
	if err != nil {
		return err
	}
	defer st.Close()

	owners, err := st.ListUsers(ctx, store.UserFilter{Role: store.RoleOwner})
	if err != nil {
		return fmt.Errorf("looking for owners: %w", err)
	}
	if len(owners) > 0 {
		return fmt.Errorf("%w (user %d in tenant %d). `admin create` only bootstraps the first one; further tenants and owners are created by signing in to the portal, where each action is authorised and audited",
			errOwnerExists, owners[0].ID, owners[0].TenantID)
	}
	if _, err := st.GetUserByEmail(ctx, email); err == nil {
		return fmt.Errorf("refusing: a user with that e-mail address already exists")
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("looking the e-mail address up: %w", err)
	}

	// Asked only now, so nobody types a password for a refused bootstrap.
	password, err := readNewPassword(e, passwordFile)
	if err != nil {
		return err
	}
	if err := auth.CheckNewPassword(password.Reveal(), minOwnerPassword); err != nil {
		return usageErr(fmt.Errorf("password: %w", err))
	}

	params := auth.PasswordOptions{}
	if e.fastHash {
		params.Params = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	}
	hasher, err := auth.NewPasswordHasher(params)
	if err != nil {
		return err
	}
	hash, err := hasher.Hash(ctx, password.Reveal())
	if err != nil {
		return fmt.Errorf("hashing the password: %w", err)
	}

	// The store has no transaction spanning both inserts; the checks above
	// make the second one fail only on a concurrent bootstrap or an outage.
	tn, err := st.CreateTenant(ctx, store.NewTenant{Name: tenant, Policy: store.TenantPolicy{Require2FA: true}})
	if err != nil {
		return fmt.Errorf("creating the tenant: %w", err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{TenantID: tn.ID, Email: email, Name: name, Role: store.RoleOwner, PasswordHash: hash})
	if err != nil {
		return fmt.Errorf("tenant %d was created but its owner was not: %w", tn.ID, err)
	}
	details, _ := json.Marshal(map[string]string{"via": "latchkey-portal admin create", "role": string(store.RoleOwner)})
	if _, err := st.AppendAudit(ctx, store.AuditEntry{Action: "owner.bootstrapped", TargetUserID: u.ID, TenantID: tn.ID, SourceAddr: "cli", Details: details}); err != nil {
		return fmt.Errorf("owner %d created, but the audit entry failed: %w", u.ID, err)
	}
	fmt.Fprintf(e.stdout, "Created tenant %d %q (2FA required) and its owner, user %d <%s>.\n"+
		"Sign in to the portal as %s to confirm the address and enrol an authenticator.\n",
		tn.ID, tn.Name, u.ID, u.Email, u.Email)
	return nil
}

func checkOwnerInput(tenant, email, name string) error {
	switch {
	case tenant == "":
		return errors.New("--tenant is required")
	case email == "":
		return errors.New("--email is required")
	case name == "":
		return errors.New("--name is required")
	case utf8.RuneCountInString(tenant) > 200 || utf8.RuneCountInString(name) > 200:
		return errors.New("--tenant and --name take at most 200 characters")
	case !utf8.ValidString(tenant+name+email) || strings.ContainsFunc(tenant+name+email, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return errors.New("--tenant, --name and --email must be text without control characters")
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 {
		return fmt.Errorf("--email %q is not a plain e-mail address (user@example.com)", email)
	}
	return nil
}

// readNewPassword reads the password from passwordFile (its first line) or,
// without one, twice from the terminal without echo.
func readNewPassword(e env, passwordFile string) (auth.Secret, error) {
	if passwordFile != "" {
		b, err := os.ReadFile(passwordFile)
		if err != nil {
			return "", usageErr(fmt.Errorf("--password-file: %w", err))
		}
		line, _, _ := bytes.Cut(b, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			return "", usageErr(fmt.Errorf("--password-file %s: the first line is empty", passwordFile))
		}
		return auth.Secret(line), nil
	}
	read := e.readPassword
	if read == nil {
		tty, ok := e.stdin.(*os.File)
		if !ok || !term.IsTerminal(int(tty.Fd())) {
			return "", usageErr(errors.New("no terminal to read the password from: run it in a terminal or give --password-file"))
		}
		read = func(prompt string) (string, error) {
			fmt.Fprint(e.stderr, prompt)
			b, err := term.ReadPassword(int(tty.Fd()))
			fmt.Fprintln(e.stderr)
			return string(b), err
		}
	}
	fmt.Fprintf(e.stderr, "The owner's password: at least %d characters; a passphrase of several words is easiest.\n", minOwnerPassword)
	first, err := read("Password: ")
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	second, err := read("Again: ")
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	if first != second {
		return "", usageErr(errors.New("the two passwords differ"))
	}
	return auth.Secret(first), nil
}
