package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/app/backupcodes"
	"github.com/latchkey/latchkey/app/breakglass"
	"github.com/latchkey/latchkey/vault"
)

// backupCodesActions are the actions of 'latchkey backup-codes QUERY'.
var backupCodesActions = []subcommand{
	{name: "list", flags: []string{"json"},
		summary: "the codes, used or not, and the recovery code (default)"},
	{name: "add", flags: []string{"replace", "dry-run"},
		summary: "read the block the portal shows from stdin, show what was\n" +
			"found and save it; --replace retires the current set\n" +
			"(kept as history), --dry-run saves nothing"},
	{name: "use", args: "[CODE]", summary: "mark CODE (or the next unused code) used and print it"},
	{name: "undo", args: "CODE", summary: "mark a used code unused again"},
	{name: "discard", summary: "forget retired codes and codes from a previous setup"},
	{name: "print", flags: []string{"out", "all", "qr"},
		summary: "write the break-glass sheet (PDF) to --out FILE (\"-\": stdout);\n" +
			"--all for every account, --qr adds the QR codes (secret!)"},
}

// backupCodesHelp is the help of 'latchkey backup-codes' after its actions.
const backupCodesHelp = "--json (list) prints {account, left, low, recovery_code, codes: [{code,\n" +
	"used_at, retired_at, from_previous_setup}]}."

type backupFlags struct {
	json, replace, dryRun, all, qr bool
	out                            string
}

func runBackupCodes(ctx context.Context, r *runner, args []string) error {
	fs := r.flags("backup-codes")
	var f backupFlags
	fs.BoolVar(&f.json, "json", false, "list: print JSON")
	fs.BoolVar(&f.replace, "replace", false, "add: replace the current set, keeping it as history")
	fs.BoolVar(&f.dryRun, "dry-run", false, "add: show what was found, save nothing")
	fs.BoolVar(&f.all, "all", false, "print: every account")
	fs.BoolVar(&f.qr, "qr", false, "print: include the accounts' QR codes, which hold their secrets")
	fs.StringVar(&f.out, "out", "", "print: the PDF `FILE` to write (\"-\": standard output)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if f.all {
		return r.backupPrintAll(rest, f)
	}
	if len(rest) == 0 {
		return usagef("backup-codes needs a QUERY naming one account")
	}
	query, action, params := rest[0], "list", rest[1:]
	if len(params) > 0 {
		action, params = params[0], params[1:]
	}
	if err := checkBackupArgs(action, params); err != nil {
		return err
	}
	v, err := r.openVault()
	if err != nil {
		return err
	}
	a, err := findOne(v.Accounts(), query)
	if err != nil {
		return err
	}
	switch action {
	case "list":
		return r.backupList(a, f.json)
	case "add":
		return r.backupAdd(v, a, f)
	case "use":
		return r.backupUse(v, a, strings.Join(params, " "))
	case "undo":
		return r.backupUndo(v, a, strings.Join(params, " "))
	case "discard":
		return r.backupDiscard(v, a)
	}
	return r.backupPrint([]vault.Account{a}, f)
}

func checkBackupArgs(action string, params []string) error {
	switch action {
	case "list", "add", "discard", "print":
		if len(params) > 0 {
			return usagef("backup-codes %s takes no argument, got %q", action, params[0])
		}
	case "use":
	case "undo":
		if len(params) == 0 {
			return usagef("backup-codes undo needs the CODE to mark unused")
		}
	default:
		return usagef("backup-codes: unknown action %q (list, add, use, undo, discard or print)", action)
	}
	return nil
}

type backupCodeJSON struct {
	Code              string     `json:"code"`
	UsedAt            *time.Time `json:"used_at"`
	RetiredAt         *time.Time `json:"retired_at"`
	FromPreviousSetup bool       `json:"from_previous_setup"`
}

type backupListJSON struct {
	Account      string           `json:"account"`
	Left         int              `json:"left"`
	Low          bool             `json:"low"`
	RecoveryCode string           `json:"recovery_code"`
	Codes        []backupCodeJSON `json:"codes"`
}

func (r *runner) backupList(a vault.Account, asJSON bool) error {
	if asJSON {
		out := backupListJSON{Account: strings.Trim(label(a), `"`), Left: a.BackupCodesLeft(),
			Low: backupcodes.Summarize(a).Low, RecoveryCode: a.RecoveryCode, Codes: []backupCodeJSON{}}
		for _, c := range a.BackupCodes {
			out.Codes = append(out.Codes, backupCodeJSON{c.Code, c.UsedAt, c.RetiredAt, c.FromPreviousSetup})
		}
		return writeJSON(r, out)
	}
	w := r.env.Stdout
	if len(a.BackupCodes) == 0 && a.RecoveryCode == "" {
		fmt.Fprintf(w, "No backup codes for %s. Add them with: latchkey backup-codes QUERY add < codes.txt\n", label(a))
		return nil
	}
	fmt.Fprintf(w, "%s: %d backup codes left.\n", label(a), a.BackupCodesLeft())
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	for _, c := range a.BackupCodes {
		fmt.Fprintf(tw, "  %s\t%s\n", c.Code, codeState(c))
	}
	tw.Flush()
	if a.RecoveryCode != "" {
		note := ""
		if a.RecoveryFromPreviousSetup {
			note = "   (from a previous setup: may no longer work)"
		}
		fmt.Fprintf(w, "Recovery code: %s%s\n", a.RecoveryCode, note)
	}
	r.lowWarning(a)
	return nil
}

func codeState(c vault.BackupCode) string {
	var s string
	switch {
	case c.RetiredAt != nil:
		s = "replaced " + c.RetiredAt.Format("2006-01-02")
	case c.UsedAt != nil:
		s = "used " + c.UsedAt.Format("2006-01-02 15:04")
	default:
		s = "unused"
	}
	if c.FromPreviousSetup {
		s += " (previous setup)"
	}
	return s
}

func (r *runner) lowWarning(a vault.Account) {
	if w := backupcodes.Warning(a); w != "" {
		fmt.Fprintln(r.env.Stderr, "latchkey: "+w)
	}
}

// maxPaste is read from stdin at most, one more byte telling it was more.
const maxPaste = backupcodes.MaxPaste

func (r *runner) backupAdd(v *vault.Vault, a vault.Account, f backupFlags) error {
	text, err := r.readPaste()
	if err != nil {
		return err
	}
	found, err := backupcodes.Parse(text)
	if err != nil {
		return fmt.Errorf("backup codes for %s: %w", label(a), err)
	}
	r.showFound(found)
	if f.dryRun {
		fmt.Fprintln(r.env.Stdout, "Dry run: nothing saved.")
		return nil
	}
	if !r.confirm(fmt.Sprintf("Save them for %s? [Y/n] ", label(a))) {
		return errors.New("nothing saved")
	}
	change := func(acc vault.Account) (vault.Account, error) { return backupcodes.Add(acc, found) }
	if f.replace {
		now := r.env.Now()
		change = func(acc vault.Account) (vault.Account, error) { return backupcodes.Replace(acc, found, now) }
	}
	saved, err := app.UpdateAccount(v, a, change)
	if err != nil {
		return fmt.Errorf("backup codes for %s: %w", label(a), err)
	}
	fmt.Fprintf(r.env.Stdout, "Saved. %s now has %d backup codes left.\n", label(saved), saved.BackupCodesLeft())
	return nil
}

// readPaste reads the block: on a terminal line by line until an empty line
// after the codes; otherwise all of stdin.
func (r *runner) readPaste() (string, error) {
	if r.env.Terminal != nil {
		return r.readPasteInteractive()
	}
	data, err := io.ReadAll(io.LimitReader(r.env.Stdin, maxPaste+1))
	if err != nil {
		return "", fmt.Errorf("reading the codes from stdin: %w", err)
	}
	if len(data) > maxPaste {
		return "", fmt.Errorf("stdin: more than %d KB, too large for a block of backup codes", maxPaste>>10)
	}
	return string(data), nil
}

func (r *runner) readPasteInteractive() (string, error) {
	fmt.Fprintln(r.env.Stderr, "Paste the codes the portal shows, then press Enter on an empty line:")
	var b strings.Builder
	for b.Len() <= maxPaste {
		line, err := r.env.Terminal.ReadLine("")
		if err != nil {
			break // end of input: what was pasted so far counts
		}
		if strings.TrimSpace(line) == "" {
			if _, perr := backupcodes.Parse(b.String()); !errors.Is(perr, backupcodes.ErrNothingFound) {
				break
			}
			continue // a blank line under a header: the codes are still to come
		}
		b.WriteString(line + "\n")
	}
	return b.String(), nil
}

func (r *runner) showFound(f backupcodes.Found) {
	w := r.env.Stdout
	fmt.Fprintf(w, "Found %d backup codes:\n", len(f.Codes))
	for i, c := range f.Codes {
		fmt.Fprintf(w, "  %2d. %s\n", i+1, c)
	}
	if f.Recovery != "" {
		fmt.Fprintf(w, "Recovery code: %s\n", f.Recovery)
	}
	if len(f.Ignored) > 0 {
		fmt.Fprintf(w, "Ignored (not codes): %s\n", strings.Join(f.Ignored, ", "))
	}
}

// confirm asks on the terminal; without one (a script piping the codes in)
// the answer is yes.
func (r *runner) confirm(prompt string) bool {
	if r.env.Terminal == nil {
		return true
	}
	ans, err := r.env.Terminal.ReadLine(prompt)
	if err != nil {
		return false
	}
	ans = strings.ToLower(strings.TrimSpace(ans))
	return ans == "" || ans == "y" || ans == "yes"
}

func (r *runner) backupUse(v *vault.Vault, a vault.Account, code string) error {
	var used string
	saved, err := app.UpdateAccount(v, a, func(acc vault.Account) (vault.Account, error) {
		next, c, err := backupcodes.Use(acc, code, r.env.Now())
		used = c
		return next, err
	})
	if err != nil {
		return fmt.Errorf("backup code for %s: %w", label(a), err)
	}
	fmt.Fprintln(r.env.Stdout, used)
	fmt.Fprintf(r.env.Stderr, "latchkey: marked used; %d left for %s (undo: latchkey backup-codes QUERY undo CODE)\n",
		saved.BackupCodesLeft(), label(saved))
	r.lowWarning(saved)
	return nil
}

func (r *runner) backupUndo(v *vault.Vault, a vault.Account, code string) error {
	saved, err := app.UpdateAccount(v, a, func(acc vault.Account) (vault.Account, error) { return backupcodes.Undo(acc, code) })
	if err != nil {
		return fmt.Errorf("backup code for %s: %w", label(a), err)
	}
	fmt.Fprintf(r.env.Stdout, "Marked unused again; %d left for %s.\n", saved.BackupCodesLeft(), label(saved))
	return nil
}

func (r *runner) backupDiscard(v *vault.Vault, a vault.Account) error {
	before := len(a.BackupCodes)
	saved, err := app.UpdateAccount(v, a, func(acc vault.Account) (vault.Account, error) { return backupcodes.Discard(acc), nil })
	if err != nil {
		return fmt.Errorf("backup codes for %s: %w", label(a), err)
	}
	fmt.Fprintf(r.env.Stdout, "Discarded %d old codes of %s.\n", before-len(saved.BackupCodes), label(saved))
	return nil
}

func (r *runner) backupPrintAll(rest []string, f backupFlags) error {
	if len(rest) != 1 || rest[0] != "print" {
		return usagef("--all goes with print only: latchkey backup-codes --all print --out FILE")
	}
	v, err := r.openVault()
	if err != nil {
		return err
	}
	accounts := v.Accounts()
	app.SortAccounts(accounts)
	return r.backupPrint(accounts, f)
}

func (r *runner) backupPrint(accounts []vault.Account, f backupFlags) error {
	if f.out == "" {
		return usagef("backup-codes print needs --out FILE (or --out - for stdout)")
	}
	opt := breakglass.Options{Now: r.env.Now(), IncludeQR: f.qr}
	if f.out == "-" {
		return breakglass.Write(r.env.Stdout, accounts, opt)
	}
	var pdf bytes.Buffer
	if err := breakglass.Write(&pdf, accounts, opt); err != nil {
		return err
	}
	// A sheet is printed again and again: replacing the last one is the point.
	if err := app.WriteSecretFile(f.out, pdf.Bytes(), true); err != nil {
		return err
	}
	fmt.Fprintf(r.env.Stdout, "Wrote the break-glass sheet to %s.\n", f.out)
	fmt.Fprintln(r.env.Stderr, "latchkey: the sheet holds your backup codes: print it, keep the paper safe, and delete the file.")
	if f.qr {
		fmt.Fprintln(r.env.Stderr, "latchkey: it also holds QR codes with the accounts' secret keys: anyone who scans them can make your codes.")
	}
	return nil
}
