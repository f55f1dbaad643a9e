package cli

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
	{name: "backup-codes", args: "QUERY [list|add|use [CODE]|undo CODE|discard|print]", run: runBackupCodes, details: backupCodesHelp,
		summary: "keep an account's backup codes and recovery code (works offline)"},
	{name: "clock", args: "[--account QUERY] [--json]", run: runClock, details: clockHelp,
		summary: "measure how far the computer's clock is off, and judge it"},
	{name: "vault", args: "status|passwd|keyring on|off|restore N", run: runVault, details: vaultHelp,
		summary: "show or change how the vault is stored and unlocked"},

	{name: "portal", args: "link QUERY URL [--email E]|unlink QUERY|show [QUERY] [--json]|trust URL [--fingerprint F]|untrust URL", run: runPortal, details: portalHelp,
		summary: "link accounts to their team portal, and trust a portal's certificate"},
	{name: "recover", args: "request QUERY [--message M] [--new] [--password-file F|--no-password]|request --flush [QUERY]|status [QUERY] [--offline] [--json]|complete QUERY [--link URL] [--password-file F] [--json]", run: runRecover, details: recoverHelp,
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
	{name: "locked-out", run: runLockedOut,
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
