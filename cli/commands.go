package cli

import (
	"context"
	"slices"
	"strings"
)

// commands are the CLI's commands, in the order 'latchkey help' lists
// them: the design's CLI contract first, then the team portal's, then
// opening a link in the desktop app and the version. Each command's longer
// help is beside its code.
var commands = []*command{
	{name: "init", args: "[--no-keyring]", run: runInit, details: initHelp,
		summary: "create a vault (asks for a passphrase)"},
	{name: "add", args: "[--replace] [--dry-run] [--json] - | URI", run: runAdd, details: addHelp,
		summary: "add the accounts of an otpauth:// or otpauth-migration:// link"},
	{name: "scan", args: "[--json] [--screen] IMAGE...", run: runScan, details: scanHelp,
		summary: "print the text of every QR code found in the images; stores nothing"},
	{name: "import", args: "[--format F] [--password-file P] [--screen] [--replace] [--dry-run] [--json] FILE...", run: runImport, details: importHelp,
		summary: "import accounts from QR images, link lists and other apps' exports"},
	{name: "list", args: "[--json]", run: runList, details: listHelp,
		summary: "list the accounts (never their secrets)"},
	{name: "code", args: "[--at TIME] [--advance] QUERY", run: runCode, details: codeHelp,
		summary: "print the current code of the one account QUERY names"},
	{name: "export", args: "--format F [--out FILE] [--password-file P] [--force] [--skip-unsupported]", run: runExport, details: exportHelp,
		summary: "write the accounts for another app, or a backup"},
	{name: "backup-codes", args: "QUERY [list|add|use [CODE]|undo CODE|discard|print]", before: "QUERY", subs: backupCodesActions,
		run: runBackupCodes, details: backupCodesHelp,
		summary: "keep an account's backup codes and recovery code (works offline)"},
	{name: "clock", args: "[--account QUERY] [--json]", run: runClock, details: clockHelp,
		summary: "measure how far the computer's clock is off, and judge it"},
	{name: "vault", subs: vaultActions, run: runVault,
		summary: "show or change how the vault is stored and unlocked"},

	{name: "portal", subs: portalActions, run: runPortal, details: portalHelp,
		summary: "link accounts to their team portal, and trust a portal's certificate"},
	{name: "recover", subs: recoverActions, run: runRecover, details: recoverHelp,
		summary: "ask the admins of an account's portal for a recovery link, and use it"},
	{name: "admin", subs: adminSubcommands(), run: runAdmin, details: adminHelp,
		summary: "manage a team portal as its admin, from the terminal"},

	{name: "open", args: "[--yes] [URI]", run: runOpen, details: openHelp,
		summary: "open an otpauth:// or otpauth-migration:// link in the desktop app"},
	{name: "version", run: runVersion,
		summary: "print the version, the commit and the Go release it was built with (also --version)"},
}

// topics are the pages of 'latchkey help TOPIC' that are not commands.
var topics = []*helpTopic{
	{name: "locked-out", args: "[--no-clock] [QUERY]", run: runLockedOut,
		summary: "what to do when a portal refuses your codes; with QUERY, for that account (offline but the clock check)"},
}

// findCommand is the command called name, or nil.
func findCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// findTopic is the help topic called name, or nil.
func findTopic(name string) *helpTopic {
	for _, t := range topics {
		if t.name == name {
			return t
		}
	}
	return nil
}

// command is one command of the CLI; commands (commands.go) lists them all.
type command struct {
	name string
	// args is the synopsis of the arguments; when empty, that of the
	// command's actions, joined by "|".
	args    string
	summary string // what it does, in one line for the list of commands
	// subs are its actions, shown in its help after the summary.
	subs []subcommand
	// before names the operands before the action's name: "QUERY" in
	// 'backup-codes QUERY list'.
	before  string
	details string // the rest of its help
	run     func(ctx context.Context, c *runner, args []string) error
}

// synopsis is the command's arguments as its usage line shows them.
func (c *command) synopsis() string {
	if c.args != "" || len(c.subs) == 0 {
		return c.args
	}
	forms := make([]string, len(c.subs))
	for i, s := range c.subs {
		forms[i] = s.form()
	}
	return strings.Join(forms, "|")
}

// subcommand is one action of a command: "vault passwd", "admin approve".
type subcommand struct {
	name string
	// args are its operands, then any flag it cannot do without, as the
	// command's synopsis shows them: "REQUEST --phrase P".
	args string
	// summary says what it does, in lines of at most 60 characters.
	summary string
	// flags are the command's flags it takes, the global ones aside.
	flags []string
}

// form is the subcommand as the synopsis shows it: "approve REQUEST --phrase P".
func (s subcommand) form() string {
	return strings.TrimSpace(s.name + " " + s.args)
}

// subcommandNames lists the actions' names for a sentence: "a, b or c".
func subcommandNames(subs []subcommand) string {
	var names []string
	for _, s := range subs {
		if !slices.Contains(names, s.name) {
			names = append(names, s.name)
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// operands are the names of the operands in args: "USER on|off" has two.
func (s subcommand) operands() []string {
	var out []string
	for _, w := range strings.Fields(s.args) {
		if strings.HasPrefix(w, "-") || strings.HasPrefix(w, "[") {
			break
		}
		out = append(out, w)
	}
	return out
}

// helpTopic is a `latchkey help TOPIC` page that is not a command.
type helpTopic struct {
	name, args, summary string
	run                 func(ctx context.Context, r *runner, args []string) error
}
