package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/app/exporter"
	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/vault"
)

// exportHelp is the help of 'latchkey export' after its summary.
const exportHelp = "F is one of:\n" +
	"  uris             one otpauth:// URI per line\n" +
	"  aegis            an Aegis vault (plain JSON), to import in Aegis\n" +
	"  aegis-encrypted  an Aegis vault encrypted with a password\n" +
	"  migration-qr     Google Authenticator export QR codes, FILE-1.png, FILE-2.png...\n" +
	"  age              a backup of everything (backup codes too), encrypted with a\n" +
	"                   passphrase; 'latchkey import' or 'age -d' opens it\n" +
	"uris, aegis and aegis-encrypted go to standard output without --out or with\n" +
	"--out -; age needs --out FILE (or an explicit --out -); migration-qr needs\n" +
	"--out FILE, the stem of its images. Files are created readable only by you\n" +
	"and never replace an existing file unless --force is given.\n" +
	"Passwords come from the first line of --password-file P, or are asked twice\n" +
	"on the terminal. Accounts Google Authenticator cannot hold (Steam, periods\n" +
	"other than 30 s, 7 digits) stop migration-qr unless --skip-unsupported is\n" +
	"given, which leaves them out and lists them."

type exportFlags struct {
	format          exporter.Format
	out             string
	passwordFile    string
	force           bool
	skipUnsupported bool
}

// output is one file (or standard output, path "-") of an export.
type output struct {
	path string
	data []byte
}

// exportPlan is what an export writes: the outputs, how many accounts they
// hold, and the accounts left out (migration-qr --skip-unsupported).
type exportPlan struct {
	outs     []output
	exported int
	skipped  []otpauth.Skip
}

func runExport(_ context.Context, r *runner, args []string) error {
	f, err := parseExportFlags(r, args)
	if err != nil {
		return err
	}
	if !f.toStdout() && f.format != exporter.FormatMigrationQR {
		if err := checkTarget(f.out, f.force); err != nil {
			return err
		}
	}
	v, err := r.openVault()
	if err != nil {
		return err
	}
	accounts := v.Accounts()
	if len(accounts) == 0 {
		return errors.New("the vault holds no accounts: there is nothing to export")
	}
	plan, err := r.exportOutputs(f, accounts, v.Document().Settings)
	if err != nil {
		return err
	}
	for _, s := range plan.skipped {
		fmt.Fprintf(r.env.Stderr, "Left out: %s (%s).\n", display(s.Issuer, s.Name), s.Reason)
	}
	r.warnSecrets(f, len(plan.outs))
	if err := writeOutputs(r, plan.outs, f.force); err != nil {
		return err
	}
	r.exportSummary(f, plan, exporter.Lost(f.format, accounts))
	return nil
}

func parseExportFlags(r *runner, args []string) (exportFlags, error) {
	var f exportFlags
	var format string
	fs := r.flags("export")
	fs.StringVar(&format, "format", "", "the format `F`: uris, aegis, aegis-encrypted, migration-qr or age")
	fs.StringVar(&f.out, "out", "", "the `FILE` to write (- for standard output)")
	fs.StringVar(&f.passwordFile, "password-file", "", "read the export's password from the first line of `P`")
	fs.BoolVar(&f.force, "force", false, "replace existing files")
	fs.BoolVar(&f.skipUnsupported, "skip-unsupported", false, "migration-qr: leave out accounts Google Authenticator cannot hold")
	rest, err := parse(fs, args)
	if err != nil {
		return f, err
	}
	f.format = exporter.Format(format)
	return f, f.validate(rest)
}

// validate reports the usage errors of an export command line.
func (f exportFlags) validate(rest []string) error {
	names := formatList(exporter.Formats())
	switch {
	case len(rest) > 0:
		return usagef("export takes no arguments, got %q (the file goes after --out)", rest[0])
	case f.format == "":
		return usagef("export needs --format F, one of %s", names)
	case !slices.Contains(exporter.Formats(), f.format):
		return usagef("export --format: %q is not one of %s", f.format, names)
	case f.passwordFile != "" && !f.format.Encrypted():
		return usagef("export --password-file: --format %s has no password", f.format)
	case f.skipUnsupported && f.format != exporter.FormatMigrationQR:
		return usagef("export --skip-unsupported applies to --format migration-qr only")
	case f.format == exporter.FormatMigrationQR && (f.out == "" || f.out == "-"):
		return usagef("export --format migration-qr writes PNG images: give --out FILE, the stem of FILE-1.png, FILE-2.png...")
	case f.format == exporter.FormatAge && f.out == "":
		return usagef("export --format age writes a binary file: give --out FILE (or --out - for standard output)")
	}
	return nil
}

func formatList(formats []exporter.Format) string {
	s := make([]string, len(formats))
	for i, f := range formats {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

func (f exportFlags) toStdout() bool { return f.out == "" || f.out == "-" }

// exportOutputs encodes the accounts, asking for a password if the format
// has one, and names the files to write.
func (r *runner) exportOutputs(f exportFlags, accounts []vault.Account, settings vault.Settings) (*exportPlan, error) {
	var data []byte
	var err error
	switch f.format {
	case exporter.FormatMigrationQR:
		return r.migrationOutputs(f, accounts)
	case exporter.FormatURIs:
		data, err = exporter.URIs(accounts)
	case exporter.FormatAegis:
		data, err = exporter.Aegis(accounts)
	case exporter.FormatAegisEncrypted, exporter.FormatAge:
		data, err = r.encryptedExport(f, accounts, settings)
	}
	if err != nil {
		return nil, err
	}
	path := f.out
	if f.toStdout() {
		path = "-"
	}
	return &exportPlan{outs: []output{{path: path, data: data}}, exported: len(accounts)}, nil
}

func (r *runner) encryptedExport(f exportFlags, accounts []vault.Account, settings vault.Settings) ([]byte, error) {
	pass, err := r.exportPasswordNew(f)
	if err != nil {
		return nil, err
	}
	if f.format == exporter.FormatAge {
		return exporter.AgeBackup(accounts, settings, pass, exporter.BackupOptions{Now: r.env.Now(), WorkFactor: r.env.WorkFactor})
	}
	return exporter.AegisEncrypted(accounts, pass)
}

// exportPasswordNew reads the password that will protect an export.
func (r *runner) exportPasswordNew(f exportFlags) (string, error) {
	what := "Password for the Aegis export"
	if f.format == exporter.FormatAge {
		what = "Passphrase for the backup"
	}
	pass, err := r.newPassphrase(f.passwordFile, what)
	if errors.Is(err, errNoTerminal) {
		return "", usagef("export --format %s: no terminal to ask for a password: use --password-file P", f.format)
	}
	if err != nil {
		return "", err
	}
	if err := app.CheckPassphrase(pass); err != nil {
		return "", fmt.Errorf("export password: %w", err)
	}
	return pass, nil
}

// migrationOutputs makes the QR images, refusing or (with
// --skip-unsupported) leaving out the accounts Google Authenticator cannot
// hold.
func (r *runner) migrationOutputs(f exportFlags, accounts []vault.Account) (*exportPlan, error) {
	ok, skipped := exporter.SplitMigration(accounts)
	if len(skipped) > 0 && !f.skipUnsupported {
		return nil, fmt.Errorf("%v; nothing was written: leave them out with --skip-unsupported, or move everything with --format aegis", &otpauth.ExportError{Skipped: skipped})
	}
	if len(ok) == 0 {
		return nil, fmt.Errorf("none of the %d accounts can be exported to Google Authenticator", len(accounts))
	}
	images, err := exporter.MigrationQR(ok)
	if err != nil {
		return nil, err
	}
	outs := make([]output, len(images))
	for i, img := range images {
		outs[i] = output{path: fmt.Sprintf("%s-%d.png", imageStem(f.out), i+1), data: img}
		if err := checkTarget(outs[i].path, f.force); err != nil {
			return nil, err
		}
	}
	return &exportPlan{outs: outs, exported: len(ok), skipped: skipped}, nil
}

// imageStem is --out without a .png extension: codes.png gives
// codes-1.png, codes-2.png...
func imageStem(out string) string {
	if ext := filepath.Ext(out); strings.EqualFold(ext, ".png") {
		return strings.TrimSuffix(out, ext)
	}
	return out
}

// warnSecrets says, before anything is written, that the export holds
// secrets.
func (r *runner) warnSecrets(f exportFlags, files int) {
	var msg string
	switch {
	case f.toStdout() && f.format.Encrypted():
		msg = "This output holds your 2FA secrets, encrypted with the password you chose: keep the password apart from it."
	case f.toStdout():
		msg = "This output holds your 2FA secrets: anyone who reads it can generate your codes."
	case f.format == exporter.FormatMigrationQR && files > 1:
		msg = "These images hold your 2FA secrets: anyone who sees them can generate your codes. Delete them once scanned."
	case f.format == exporter.FormatMigrationQR:
		msg = "This image holds your 2FA secrets: anyone who sees it can generate your codes. Delete it once scanned."
	case f.format.Encrypted():
		msg = "This file holds your 2FA secrets, encrypted with the password you chose: keep the password apart from the file."
	default:
		msg = "This file holds your 2FA secrets: anyone who reads it can generate your codes. Keep it private and delete it once imported."
	}
	fmt.Fprintln(r.env.Stderr, msg)
}

// exportSummary says what was written, and what the format left behind.
func (r *runner) exportSummary(f exportFlags, plan *exportPlan, lost int) {
	outs, exported := plan.outs, plan.exported
	if lost > 0 {
		fmt.Fprintf(r.env.Stderr, "Not in this export: the backup and recovery codes of %s (only --format age keeps them).\n", plural(lost, "account"))
	}
	if f.toStdout() {
		return
	}
	paths := make([]string, len(outs))
	for i, o := range outs {
		paths[i] = o.path
	}
	if f.format == exporter.FormatMigrationQR {
		fmt.Fprintf(r.env.Stdout, "Exported %s in %s: %s.\n", plural(exported, "account"), plural(len(outs), "QR code"), strings.Join(paths, ", "))
		fmt.Fprintln(r.env.Stdout, "In Google Authenticator: Transfer accounts, Import accounts, then scan every code.")
		return
	}
	fmt.Fprintf(r.env.Stdout, "Exported %s to %s (%s).\n", plural(exported, "account"), paths[0], f.format)
}

// checkTarget fails, before anything is asked or written, when path cannot
// be written: its directory is missing, or it exists and force is not set
// (an export never silently replaces a file).
func checkTarget(path string, force bool) error {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("export %s: the directory %s does not exist", path, dir)
	}
	if force {
		return nil
	}
	return refuseExisting(path)
}

// refuseExisting fails when path exists.
func refuseExisting(path string) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("export %s: the file exists; give --force to replace it", path)
	}
	return nil
}

// writeOutputs writes every output; if one fails, the files written before
// it are removed, so an export is complete or absent.
func writeOutputs(r *runner, outs []output, force bool) error {
	var written []string
	for _, o := range outs {
		if o.path == "-" {
			if _, err := r.env.Stdout.Write(o.data); err != nil {
				return fmt.Errorf("export to standard output: %w", err)
			}
			continue
		}
		if err := writeFileAtomic(o.path, o.data, force); err != nil {
			for _, p := range written {
				os.Remove(p)
			}
			return err
		}
		written = append(written, o.path)
	}
	return nil
}

// writeFileAtomic writes an export file through app.WriteSecretFile.
func writeFileAtomic(path string, data []byte, force bool) error {
	err := app.WriteSecretFile(path, data, force)
	if errors.Is(err, app.ErrFileExists) {
		return fmt.Errorf("export %s: the file exists; give --force to replace it", path)
	}
	return err
}
