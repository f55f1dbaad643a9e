package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/app/importer"
	"github.com/latchkey/latchkey/app/qrscan"
	"github.com/latchkey/latchkey/vault"
)

// addHelp is the help of 'latchkey add' after its summary.
const addHelp = "'latchkey add -' reads the link from standard input: pasted on a terminal\n" +
	"(one link, not shown), or piped, one or more per line (at most 1 MiB).\n" +
	"'latchkey add URI' works too, but while it runs the link and its secret are\n" +
	"in the process list, which other users of the computer can read (ps), and\n" +
	"in the shell's history.\n\n" +
	"An account whose secret is already in the vault is skipped. One with the\n" +
	"same issuer and name but a new secret (its 2FA was set up again) is\n" +
	"replaced after asking, or at once with --replace; the old entry's group,\n" +
	"note and backup codes are kept, the codes marked as from the previous setup.\n" +
	"--dry-run shows what would happen without changing the vault."

// importHelp is the help of 'latchkey import' after its summary.
const importHelp = "The format is detected from the content; --format F forces one (see\n" +
	"'latchkey help import' for the list). Encrypted exports need their password:\n" +
	"from the first line of --password-file P, or asked on the terminal.\n" +
	"A KeePass database opened with a key file needs --key-file K as well\n" +
	"(without a password, answer the prompt with nothing).\n" +
	"FILE - reads standard input; --screen adds the QR codes on every display.\n" +
	"Every file is read before the vault changes;\n" +
	"a file that cannot be read changes nothing. Entries that cannot be\n" +
	"imported are listed with the reason, and the exit status is 1.\n" +
	"Duplicates and reconfigured accounts are handled as by 'add'."

// scanHelp is the help of 'latchkey scan' after its summary.
const scanHelp = "--json prints [{file, codes: [{text, kind}], error}], kind being otpauth,\n" +
	"otpauth-migration or other. --screen scans every display, as file \"screen\"."

type importFlags struct {
	format       string
	passwordFile string
	keyFile      string
	screen       bool
	replace      bool
	dryRun       bool
	json         bool
}

func (f *importFlags) register(r *runner, name string, withFormat bool) func([]string) ([]string, error) {
	fs := r.flags(name)
	if withFormat {
		fs.StringVar(&f.format, "format", "", "the input format `F` (default: detect)")
		fs.StringVar(&f.passwordFile, "password-file", "", "read the export's password from the first line of `P`")
		fs.StringVar(&f.keyFile, "key-file", "", "open KeePass databases with the key file `K`")
		fs.BoolVar(&f.screen, "screen", false, "also import the QR codes on every display")
	}
	fs.BoolVar(&f.replace, "replace", false, "replace reconfigured accounts without asking")
	fs.BoolVar(&f.dryRun, "dry-run", false, "show what would change, change nothing")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	return func(args []string) ([]string, error) { return parse(fs, args) }
}

func runAdd(ctx context.Context, r *runner, args []string) error {
	var f importFlags
	rest, err := f.register(r, "add", false)(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("add needs - (the link on standard input) or one URI")
	}
	name, data := "the URI argument", []byte(rest[0])
	if rest[0] == "-" {
		name = "standard input"
		if data, err = r.readLinks(); err != nil {
			return err
		}
	}
	im := importer.New()
	res, err := im.Read(ctx, name, data, importer.FormatURIs, importer.Options{})
	if err != nil {
		return err
	}
	if len(res.Entries) == 0 && len(res.Skipped) == 1 {
		return fmt.Errorf("%s: %s", res.Skipped[0].Source, res.Skipped[0].Reason)
	}
	return r.addFound(im, []*importer.Result{res}, f)
}

// maxAddInput bounds what 'add -' reads: a few thousand links ('import'
// takes files of any format, up to importer.MaxInputBytes).
const maxAddInput = 1 << 20

// readLinks reads the links of 'add -': on a terminal one line without
// echo, since it holds a secret; otherwise standard input up to
// maxAddInput.
func (r *runner) readLinks() ([]byte, error) {
	if r.env.Terminal != nil {
		link, err := r.env.Terminal.ReadPassword("otpauth:// link (not shown): ")
		if err != nil {
			return nil, fmt.Errorf("standard input: %w", err)
		}
		return []byte(link), nil
	}
	data, err := io.ReadAll(io.LimitReader(r.env.Stdin, maxAddInput+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("standard input: %w", err)
	case len(data) > maxAddInput:
		return nil, fmt.Errorf("standard input: more than %d MiB; 'latchkey add -' reads at most %d MiB (use 'latchkey import -' for a larger list)",
			maxAddInput>>20, maxAddInput>>20)
	}
	return data, nil
}

func runImport(ctx context.Context, r *runner, args []string) error {
	var f importFlags
	rest, err := f.register(r, "import", true)(args)
	if err != nil {
		return err
	}
	if len(rest) == 0 && !f.screen {
		return usagef("import needs at least one FILE (or --screen)")
	}
	format := importer.Format(f.format)
	if format != "" && !slices.Contains(importer.Formats(), format) {
		return usagef("import --format: %q is not one of %s", f.format, formatNames())
	}
	var keyFile []byte
	if f.keyFile != "" {
		if keyFile, err = readKeyFile(f.keyFile); err != nil {
			return err
		}
	}
	im := importer.New()
	var results []*importer.Result
	for _, name := range rest {
		data, err := r.readInput(name)
		if err != nil {
			return err
		}
		res, err := im.Read(ctx, name, data, format, importer.Options{Password: r.exportPassword(name, f.passwordFile), KeyFile: keyFile})
		switch {
		case errors.Is(err, importer.ErrPasswordRequired):
			return fmt.Errorf("%w: give it with --password-file P", err)
		case errors.Is(err, importer.ErrWrongPassword) && f.passwordFile != "":
			return fmt.Errorf("%w (from %s)", err, f.passwordFile)
		case err != nil:
			return err // nothing was written yet
		}
		results = append(results, res)
	}
	if f.screen {
		found, err := scanScreens(ctx)
		if err != nil {
			return err
		}
		results = append(results, im.ReadCodes("the screen", found))
	}
	return r.addFound(im, results, f)
}

// scanScreens is qrscan.ScanScreens; tests replace it, having no display.
var scanScreens = qrscan.ScanScreens

func formatNames() string {
	var names []string
	for _, f := range importer.Formats() {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}

// exportPassword is where an encrypted export's password comes from: the
// password file, else the terminal, else nowhere (nil).
func (r *runner) exportPassword(name, file string) func() (string, error) {
	switch {
	case file != "":
		return func() (string, error) { return readPassphraseFile(file) }
	case r.env.Terminal != nil:
		return func() (string, error) { return r.env.Terminal.ReadPassword("Password of " + name + ": ") }
	}
	return nil
}

// readInput reads a file, or standard input for "-", up to one byte more
// than importer.MaxInputBytes: importer.Read refuses anything larger, and
// no more of it is read.
func (r *runner) readInput(name string) ([]byte, error) {
	var rd io.Reader
	if name == "-" {
		rd = r.env.Stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", name, unwrapPath(err))
		}
		defer f.Close()
		rd = f
	}
	data, err := io.ReadAll(io.LimitReader(rd, importer.MaxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	return data, nil
}

// readKeyFile reads a KeePass key file: any file can be one, so it is
// read whole, up to importer.MaxInputBytes.
func readKeyFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", name, unwrapPath(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, importer.MaxInputBytes+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("key file %s: %w", name, err)
	case len(data) > importer.MaxInputBytes:
		return nil, fmt.Errorf("key file %s: larger than %d MiB; KeePass key files are small", name, importer.MaxInputBytes>>20)
	}
	return data, nil
}

// unwrapPath drops the path an *os.PathError repeats.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// addFound plans the found accounts against the vault, settles
// reconfigured accounts, then saves once or, with --dry-run, only reports.
func (r *runner) addFound(im *importer.Importer, results []*importer.Result, f importFlags) error {
	var entries []importer.Entry
	var skipped []importer.Skipped
	for _, res := range results {
		entries = append(entries, res.Entries...)
		skipped = append(skipped, res.Skipped...)
	}
	v, err := r.openVault()
	if err != nil {
		return err
	}
	plan := app.PlanAdd(v.Accounts(), entries, f.replace)
	if !f.dryRun {
		if err := r.settleReconfigured(plan); err != nil {
			return err
		}
		if err := v.Update(func(d *vault.Document) error { plan.Apply(d); return nil }); err != nil {
			return err
		}
	}
	batches := im.Batches()
	report := importReport{DryRun: f.dryRun, Items: []reportItem{}, Skipped: []reportSkip{}, Batches: []reportBatch{}}
	report.fill(plan, skipped, batches)
	if f.json {
		if err := writeJSON(r, report); err != nil {
			return err
		}
	} else {
		report.print(r.env.Stdout, plan.Outcome(f.dryRun))
	}
	return report.err()
}

// reportedError ends a command whose details its report printed; its
// message is the one-sentence summary for stderr.
type reportedError struct{ msg string }

func (e *reportedError) Error() string { return e.msg }

// settleReconfigured asks, on a terminal, whether to replace each account
// whose 2FA was set up again; without a terminal they stay unimported.
func (r *runner) settleReconfigured(plan *app.Plan) error {
	for i := range plan.Items {
		it := &plan.Items[i]
		if it.Action != app.ActionAsk || r.env.Terminal == nil {
			continue
		}
		ans, err := r.env.Terminal.ReadLine(fmt.Sprintf("%s: %s. Replace it? [y/N] ", it.Source, it.Reason))
		if err != nil {
			return err
		}
		if a := strings.ToLower(strings.TrimSpace(ans)); a == "y" || a == "yes" {
			it.Action = app.ActionReplace
		} else {
			it.Action = app.ActionSkip
			it.Reason = "kept the existing account, as asked"
		}
	}
	return nil
}

// screenName stands for the displays in scan's output.
const screenName = "screen"

func runScan(ctx context.Context, r *runner, args []string) error {
	fs := r.flags("scan")
	asJSON := fs.Bool("json", false, "print JSON")
	screen := fs.Bool("screen", false, "scan every display")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 && !*screen {
		return usagef("scan needs at least one IMAGE (or --screen)")
	}
	if *screen {
		rest = append(rest, screenName)
	}
	type scanCode struct {
		Text string      `json:"text"`
		Kind qrscan.Kind `json:"kind"`
	}
	type scanFile struct {
		File  string     `json:"file"`
		Codes []scanCode `json:"codes"`
		Error string     `json:"error,omitempty"`
	}
	out := make([]scanFile, 0, len(rest))
	var failed []string
	for _, name := range rest {
		sf := scanFile{File: name, Codes: []scanCode{}}
		var found []qrscan.Code
		if name == screenName && *screen {
			found, err = scanScreens(ctx)
		} else {
			found, err = qrscan.DecodeFile(ctx, name)
		}
		if err != nil {
			failed = append(failed, err.Error())
			sf.Error = err.Error()
		}
		for _, c := range found {
			sf.Codes = append(sf.Codes, scanCode{Text: c.Text, Kind: c.Kind})
			if !*asJSON {
				fmt.Fprintln(r.env.Stdout, c.Text)
			}
		}
		out = append(out, sf)
	}
	if *asJSON {
		if err := writeJSON(r, out); err != nil {
			return err
		}
	}
	switch {
	case len(failed) == 1:
		return errors.New(failed[0])
	case len(failed) > 1:
		return fmt.Errorf("%d of %d images could not be read: %s", len(failed), len(rest), strings.Join(failed, "; "))
	}
	return nil
}
