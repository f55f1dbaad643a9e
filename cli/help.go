package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// helpRequest is parse's answer to -h or --help among a command's flags:
// the command's flags, and the operands around the request, which may
// name one of its actions. The command returns it unread; dispatch prints
// the help.
type helpRequest struct {
	fs   *flag.FlagSet
	args []string
}

func (*helpRequest) Error() string { return "help requested" }

// isHelpFlag reports whether arg asks for help the way the flag package
// understands it.
func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "--h", "-help", "--help":
		return true
	}
	return false
}

// runCommand runs cmd, or prints its help when its flags ask for it.
func (r *runner) runCommand(ctx context.Context, cmd *command, args []string) error {
	err := cmd.run(ctx, r, args)
	var h *helpRequest
	if !errors.As(err, &h) {
		return err
	}
	sub := ""
	if i := len(strings.Fields(cmd.before)); i < len(h.args) {
		sub = h.args[i]
	}
	r.commandHelp(cmd, sub, h.fs)
	return nil
}

// runTopic shows a help topic, or its own help when its flags ask for it.
func (r *runner) runTopic(ctx context.Context, t *helpTopic, args []string) error {
	err := t.run(ctx, r, args)
	var h *helpRequest
	if errors.As(err, &h) {
		r.topicHelp(t, h.fs)
		return nil
	}
	return err
}

// help is 'latchkey help [COMMAND [ACTION]]'.
func (r *runner) help(ctx context.Context, args []string) error {
	args = slices.DeleteFunc(slices.Clone(args), isHelpFlag)
	if len(args) == 0 {
		r.overview()
		return nil
	}
	cmd := findCommand(args[0])
	if cmd == nil {
		return usagef("no help on %q", args[0])
	}
	// A command's flags are declared where it parses them: every command
	// parses its flags before it does anything, so --help returns them.
	var h *helpRequest
	if err := cmd.run(ctx, r, []string{"--help"}); !errors.As(err, &h) {
		return fmt.Errorf("%s did not answer --help: %v", cmd.name, err)
	}
	sub := ""
	if len(args) > 1 {
		sub = args[1]
	}
	r.commandHelp(cmd, sub, h.fs)
	return nil
}

// overview is 'latchkey help': every command and topic, and the global
// options.
func (r *runner) overview() {
	w := r.env.Stdout
	fmt.Fprintln(w, "usage: latchkey [--home DIR] [--passphrase-file F] [--no-keyring] COMMAND [ARGS]")
	fmt.Fprintln(w, "       latchkey              (no command: start the desktop app)")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands {
		writeEntry(w, c.name+" "+c.synopsis(), c.summary)
	}
	if len(topics) > 0 {
		fmt.Fprintln(w, "\nhelp topics (latchkey help TOPIC):")
		for _, t := range topics {
			writeEntry(w, t.name, t.summary)
		}
	}
	fmt.Fprintln(w, "\nglobal options, before or after the command:")
	g, _ := r.globalFlags()
	writeOptions(w, g, func(string) bool { return true })
	fmt.Fprintln(w, "\n'latchkey help COMMAND [ACTION]' or 'latchkey COMMAND [ACTION] --help' explains one.")
}

// commandHelp prints the help of cmd or, when sub names one of its
// actions, of that action; fs holds cmd's flags.
func (r *runner) commandHelp(cmd *command, sub string, fs *flag.FlagSet) {
	w := r.env.Stdout
	var forms []subcommand
	for _, s := range cmd.subs {
		if s.name == sub {
			forms = append(forms, s)
		}
	}
	if len(forms) == 0 {
		fmt.Fprintf(w, "usage: latchkey %s\n\n%s\n", strings.TrimSpace(cmd.name+" "+cmd.synopsis()), cmd.summary)
		if len(cmd.subs) > 0 {
			fmt.Fprintln(w)
			writeSubcommands(w, cmd.subs)
		}
		if cmd.details != "" {
			fmt.Fprintf(w, "\n%s\n", cmd.details)
		}
		r.writeCommandOptions(w, fs, func(string) bool { return true })
		return
	}
	prefix := strings.TrimSpace("latchkey " + cmd.name + " " + cmd.before)
	var takes []string
	for i, s := range forms {
		lead := "usage:"
		if i > 0 {
			lead = "      "
		}
		fmt.Fprintf(w, "%s %s %s\n", lead, prefix, s.form())
		takes = append(takes, s.flags...)
	}
	fmt.Fprintln(w)
	if len(forms) == 1 {
		fmt.Fprintln(w, forms[0].summary)
	} else {
		writeSubcommands(w, forms)
	}
	r.writeCommandOptions(w, fs, func(name string) bool { return slices.Contains(takes, name) })
	fmt.Fprintf(w, "\nThe other actions, and more: latchkey help %s\n", cmd.name)
}

// topicHelp prints the help of a help topic; fs holds its flags.
func (r *runner) topicHelp(t *helpTopic, fs *flag.FlagSet) {
	w := r.env.Stdout
	fmt.Fprintf(w, "usage: latchkey help %s\n\n%s\n", strings.TrimSpace(t.name+" "+t.args), t.summary)
	r.writeCommandOptions(w, fs, func(string) bool { return true })
}

// writeCommandOptions lists the flags of fs that show says to, then names
// the global ones.
func (r *runner) writeCommandOptions(w io.Writer, fs *flag.FlagSet, show func(string) bool) {
	var listed bool
	fs.VisitAll(func(fl *flag.Flag) { listed = listed || !isGlobalFlag(fl.Name) && show(fl.Name) })
	if listed {
		fmt.Fprintln(w, "\noptions:")
		writeOptions(w, fs, func(name string) bool { return !isGlobalFlag(name) && show(name) })
	}
	fmt.Fprintln(w, "\nglobal options: --home DIR, --passphrase-file F, --no-keyring (see 'latchkey help')")
}

// globalFlags are the options of the command line before the command,
// and whether --version is given.
func (r *runner) globalFlags() (*flag.FlagSet, *bool) {
	g := r.flags("latchkey")
	return g, g.Bool("version", false, "print the version and exit")
}

// writeOptions lists the flags of fs that show says to, each with its value
// (the word in back quotes in its usage) and what it does.
func writeOptions(w io.Writer, fs *flag.FlagSet, show func(string) bool) {
	var rows [][2]string
	fs.VisitAll(func(fl *flag.Flag) {
		if !show(fl.Name) {
			return
		}
		value, usage := flag.UnquoteUsage(fl)
		rows = append(rows, [2]string{strings.TrimSpace("--" + fl.Name + " " + value), usage})
	})
	col := 0
	for _, row := range rows {
		if n := len(row[0]); n <= 24 {
			col = max(col, n)
		}
	}
	for _, row := range rows {
		writeColumns(w, col+1, row[0], row[1])
	}
}

// writeSubcommands prints a command's actions: each one's form, then what
// it does in a column beside the forms; a form too long for the column
// takes a line of its own.
func writeSubcommands(w io.Writer, subs []subcommand) {
	const widest = 18
	col := 0
	for _, s := range subs {
		if n := len(s.form()); n <= widest {
			col = max(col, n)
		}
	}
	for _, s := range subs {
		lines := strings.Split(s.summary, "\n")
		if form := s.form(); len(form) > col {
			fmt.Fprintf(w, "  %s\n", form)
		} else {
			fmt.Fprintf(w, "  %-*s  %s\n", col, form, lines[0])
			lines = lines[1:]
		}
		for _, l := range lines {
			fmt.Fprintf(w, "  %-*s  %s\n", col, "", l)
		}
	}
}

// writeEntry prints a synopsis and its summary in two columns, or on two
// lines when the synopsis is too long for its column.
func writeEntry(w io.Writer, synopsis, summary string) {
	writeColumns(w, 40, synopsis, summary)
}

// writeColumns prints left and right in two columns, the first col wide,
// or on two lines when left is wider.
func writeColumns(w io.Writer, col int, left, right string) {
	if len(left) <= col {
		fmt.Fprintf(w, "  %-*s %s\n", col, left, right)
		return
	}
	fmt.Fprintf(w, "  %s\n  %-*s %s\n", left, col, "", right)
}
