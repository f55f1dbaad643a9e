package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/vault"
)

// initHelp is the help of 'latchkey init' after its summary.
const initHelp = "The vault's key is kept in the OS keyring and, under the passphrase, in\n" +
	"identity.age. With --no-keyring the passphrase is asked at every unlock.\n" +
	"--new-passphrase-file F reads the passphrase from F instead of asking."

// vaultActions are the actions of 'latchkey vault'.
var vaultActions = []subcommand{
	{name: "status", summary: "where the vault is, how it unlocks, generations kept, accounts"},
	{name: "passwd", flags: []string{"new-passphrase-file"},
		summary: "set or change the passphrase (--new-passphrase-file F)"},
	{name: "keyring", args: "on|off",
		summary: "on: keep the key in the OS keyring; off: always ask for\n" +
			"the passphrase, and remove the keyring entry"},
	{name: "restore", args: "N",
		summary: "make kept generation N the current vault: 1 to 3 are the\n" +
			"previous saves (1 = newest), 4 on the last save of each of\n" +
			"the seven latest earlier days (see status); 0 keeps the\n" +
			"current vault.age although it is older than one this\n" +
			"computer has seen (after restoring a backup on purpose)"},
}

func runInit(_ context.Context, r *runner, args []string) error {
	fs := r.flags("init")
	newFile := fs.String("new-passphrase-file", "", "read the new passphrase from `F`")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("init takes no arguments, got %q", rest[0])
	}
	dir, err := r.homeDir()
	if err != nil {
		return err
	}
	if _, err := vault.Inspect(dir); err == nil {
		return fmt.Errorf("a vault already exists in %s", dir)
	}
	file := *newFile
	if file == "" {
		file = r.passphrasePath()
	}
	pass, err := r.newPassphrase(file, "New vault passphrase")
	if errors.Is(err, errNoTerminal) {
		return usagef("init: no terminal to ask for a passphrase: use --passphrase-file")
	}
	if err != nil {
		return err
	}
	if err := app.CheckPassphrase(pass); err != nil {
		return err
	}
	useKeyring := !r.noKeyring && !app.KeyringOff(r.env.Getenv)
	v, err := vault.Create(dir, vault.CreateOptions{
		Options:    r.options(),
		Passphrase: pass,
		UseKeyring: useKeyring,
	})
	if err != nil {
		return err
	}
	st := v.Status()
	fmt.Fprintf(r.env.Stdout, "Created a vault in %s.\n", dir)
	switch {
	case st.Keyring:
		fmt.Fprintln(r.env.Stdout, "Its key is in the OS keyring; the passphrase opens it where the keyring cannot.")
	case useKeyring:
		fmt.Fprintf(r.env.Stdout, "The OS keyring is not available (%v): the vault opens with the passphrase.\n", st.KeyringErr)
	default:
		fmt.Fprintln(r.env.Stdout, "The vault opens with the passphrase only.")
	}
	return nil
}

func runVault(ctx context.Context, r *runner, args []string) error {
	fs := r.flags("vault")
	newFile := fs.String("new-passphrase-file", "", "passwd: read the new passphrase from `F`")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usagef("vault needs one of status, passwd, keyring on|off, restore N")
	}
	switch sub, subargs := rest[0], rest[1:]; sub {
	case "status":
		if len(subargs) > 0 {
			return usagef("vault status takes no arguments")
		}
		return r.vaultStatus()
	case "passwd":
		if len(subargs) > 0 {
			return usagef("vault passwd takes no arguments")
		}
		return r.vaultPasswd(*newFile)
	case "keyring":
		if len(subargs) != 1 || (subargs[0] != "on" && subargs[0] != "off") {
			return usagef("vault keyring needs on or off")
		}
		return r.vaultKeyring(subargs[0] == "on")
	case "restore":
		if len(subargs) != 1 {
			return usagef("vault restore needs a generation number")
		}
		n, err := strconv.Atoi(subargs[0])
		if err != nil {
			return usagef("vault restore: %q is not a generation number", subargs[0])
		}
		return r.vaultRestore(n)
	default:
		return usagef("unknown vault command %q", sub)
	}
}

func (r *runner) vaultStatus() error {
	dir, err := r.homeDir()
	if err != nil {
		return err
	}
	info, err := vault.Inspect(dir)
	if err != nil {
		return r.unlockError(dir, err)
	}
	w := r.env.Stdout
	fmt.Fprintf(w, "Vault:        %s\n", dir)
	fmt.Fprintf(w, "Vault id:     %s\n", info.VaultID)
	fmt.Fprintf(w, "OS keyring:   %s\n", onOff(info.Keyring, "on (the key is kept in the OS keyring)", "off (always asks for the passphrase)"))
	fmt.Fprintf(w, "Passphrase:   %s\n", onOff(info.HasPassphrase, "set ("+vault.IdentityFile+")", "not set"))

	v, err := vault.Open(dir, r.options())
	if err != nil {
		fmt.Fprintf(w, "Unlock:       not unlocked: %v\n", explain(r.unlockError(dir, err)))
	} else {
		st := v.Status()
		r.reportRepairs(st)
		how := st.UnlockedBy
		if st.Keyring && st.UnlockedBy != vault.ByKeyring && st.KeyringErr != nil {
			how += fmt.Sprintf(" (keyring: %v)", st.KeyringErr)
		}
		fmt.Fprintf(w, "Unlocked by:  %s\n", how)
		fmt.Fprintf(w, "Accounts:     %d\n", st.Accounts)
		fmt.Fprintf(w, "Generation:   %d, saved %s\n", st.Generation, st.Saved.Local().Format(time.DateTime))
		if len(st.Permissions) > 0 {
			fmt.Fprintf(w, "Permissions:  %s\n", describeRepairs(st))
		}
		if st.SeenErr != nil {
			fmt.Fprintf(w, "Rollback:     not fully checked: %v\n", st.SeenErr)
		} else {
			fmt.Fprintf(w, "Rollback:     checked (newest generation seen here: %d)\n", st.Seen)
		}
	}
	fmt.Fprintf(w, "Kept:         %d previous generations\n", len(info.Generations))
	writeGenerations(w, info.Generations)
	return nil // a locked vault is a state to report, not a failure
}

func writeGenerations(w io.Writer, gens []vault.GenerationInfo) {
	for _, g := range gens {
		fmt.Fprintf(w, "  %d  %-20s  %s  %d bytes\n", g.N, g.Name, g.ModTime.Local().Format(time.DateTime), g.Size)
	}
}

func onOff(b bool, on, off string) string {
	if b {
		return on
	}
	return off
}

func (r *runner) vaultPasswd(newFile string) error {
	v, err := r.openVault()
	if err != nil {
		return err
	}
	pass, err := r.newPassphrase(newFile, "New passphrase")
	if errors.Is(err, errNoTerminal) {
		return usagef("vault passwd: no terminal to ask for the new passphrase: use --new-passphrase-file")
	}
	if err != nil {
		return err
	}
	if err := app.CheckPassphrase(pass); err != nil {
		return err
	}
	if err := v.ChangePassphrase(pass); err != nil {
		return err
	}
	fmt.Fprintln(r.env.Stdout, "Passphrase changed.")
	return nil
}

func (r *runner) vaultKeyring(on bool) error {
	if on && r.keyringOff() {
		return usagef("vault keyring on: the keyring is switched off for this run (--no-keyring or LATCHKEY_KEYRING=off)")
	}
	v, err := r.openVault()
	if err != nil {
		return err
	}
	if err := v.SetKeyring(on); err != nil {
		if errors.Is(err, vault.ErrNoPassphrase) {
			return fmt.Errorf("%w: run 'latchkey vault passwd' first", err)
		}
		return err
	}
	if on {
		fmt.Fprintln(r.env.Stdout, "The vault's key is now kept in the OS keyring.")
	} else {
		fmt.Fprintln(r.env.Stdout, "The vault's key was removed from the OS keyring: the passphrase is asked at every unlock.")
	}
	return nil
}

func (r *runner) keyringOff() bool {
	_, off := r.keyring().(vault.NoKeyring)
	return off
}

func (r *runner) vaultRestore(n int) error {
	dir, err := r.homeDir()
	if err != nil {
		return err
	}
	v, err := vault.Restore(dir, n, r.options())
	if err != nil {
		return r.unlockError(dir, err)
	}
	st := v.Status()
	r.reportRepairs(st)
	if n == 0 {
		fmt.Fprintf(r.env.Stdout, "Kept %s as it is: %s, saved again as generation %d. The file as it was is also kept as %s.1.\n",
			vault.VaultFile, plural(st.Accounts, "account"), st.Generation, vault.VaultFile)
		return nil
	}
	fmt.Fprintf(r.env.Stdout, "Restored generation %d: %s. The replaced file is kept as %s.1.\n", n, plural(st.Accounts, "account"), vault.VaultFile)
	return nil
}
