package cli

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// helpCase is one way of asking for help and the usage line it must
// start with.
type helpCase struct {
	args  []string
	usage string
	flags []string // options the help must list
}

// helpCases asks every command, action and topic of the tables for its
// help in each way people type it, so a new one is covered without a new
// line here.
func helpCases() []helpCase {
	var cases []helpCase
	for _, c := range commands {
		usage := strings.TrimSpace("usage: latchkey " + c.name + " " + c.synopsis())
		for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {"help", c.name}, {"help", c.name, "--help"}} {
			cases = append(cases, helpCase{args: args, usage: usage})
		}
		// The operands before the action: any will do.
		before := slices.Repeat([]string{"acme"}, len(strings.Fields(c.before)))
		seen := map[string]bool{}
		for _, s := range c.subs {
			if seen[s.name] {
				continue
			}
			seen[s.name] = true
			usage := strings.Join(append(strings.Fields("usage: latchkey "+c.name+" "+c.before), s.form()), " ")
			var flags []string
			for _, other := range c.subs {
				if other.name == s.name {
					flags = append(flags, other.flags...)
				}
			}
			at := func(parts ...[]string) []string { return slices.Concat(parts...) }
			for _, args := range [][]string{
				at([]string{c.name}, before, []string{s.name, "--help"}),
				at([]string{c.name}, before, []string{s.name, "-h"}),
				at([]string{c.name, "-h"}, before, []string{s.name}), // help first, the action after it
				at([]string{c.name}, before, []string{s.name}, s.operands(), []string{"--help"}),
				{"help", c.name, s.name},
			} {
				cases = append(cases, helpCase{args: args, usage: usage, flags: flags})
			}
		}
	}
	for _, t := range topics {
		usage := strings.TrimSpace("usage: latchkey help " + t.name + " " + t.args)
		cases = append(cases, helpCase{args: []string{"help", t.name, "--help"}, usage: usage},
			helpCase{args: []string{"help", t.name, "-h"}, usage: usage})
	}
	overview := "usage: latchkey [--home DIR] [--passphrase-file F] [--no-keyring] COMMAND [ARGS]"
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"help", "--help"}, {"--home", "x", "-h"}} {
		cases = append(cases, helpCase{args: args, usage: overview})
	}
	return cases
}

// Every command and action answers -h and --help with its own help on
// standard output and exit status 0, the same page as 'latchkey help
// COMMAND [ACTION]', and touches no vault.
func TestHelpFlags(t *testing.T) {
	h := newHarness(t)
	goType := regexp.MustCompile(`(?m)^  --\S+ (string|int|int64|uint|value|duration)  `)
	pages := map[string]string{}
	for _, tc := range helpCases() {
		name := strings.Join(tc.args, " ")
		r := h.run(tc.args...)
		if r.code != ExitOK || r.stderr != "" || !strings.HasPrefix(r.stdout, tc.usage+"\n") {
			t.Errorf("latchkey %s: exit %d, stderr %q, stdout starts %q; want 0, nothing, %q",
				name, r.code, r.stderr, firstLines(r.stdout, 2), tc.usage)
			continue
		}
		for _, f := range tc.flags {
			if !strings.Contains(r.stdout, "\n  --"+f+" ") {
				t.Errorf("latchkey %s does not list --%s:\n%s", name, f, r.stdout)
			}
		}
		if m := goType.FindString(r.stdout); m != "" {
			t.Errorf("latchkey %s names a flag's value by its Go type (%q): put the word in back quotes in its usage", name, m)
		}
		if prev, ok := pages[tc.usage]; ok && prev != r.stdout {
			t.Errorf("latchkey %s differs from the other ways of asking:\n%s\nversus\n%s", name, r.stdout, prev)
		}
		pages[tc.usage] = r.stdout
	}
	if _, err := os.Stat(h.home); !os.IsNotExist(err) {
		t.Errorf("asking for help touched the vault directory: %v", err)
	}
}

// The usage line of each action is the command's synopsis in part, so
// what one help page says the other does not contradict.
func TestSubcommandsInSynopsis(t *testing.T) {
	for _, c := range commands {
		for _, s := range c.subs {
			if !strings.Contains(c.synopsis(), s.form()) {
				t.Errorf("%s %s: %q is not in the synopsis %q", c.name, s.name, s.form(), c.synopsis())
			}
			if s.summary == "" {
				t.Errorf("%s %s has no summary", c.name, s.name)
			}
		}
	}
}

// Help does not win over a mistake before it, and "--" still ends the
// flags, so '--help' can be a QUERY.
func TestHelpFlagEdges(t *testing.T) {
	h := newHarness(t)
	h.run("code", "--frob", "--help").assert(t, 2, "", "frob")
	h.run("code", "--help", "--frob").assert(t, 0, "usage: latchkey code", "")
	h.run("code", "--", "--help").assert(t, 1, "", "no vault")
	h.run("help", "frobnicate").assert(t, 2, "", `no help on "frobnicate"`)
	h.run("help", "admin", "frobnicate").assert(t, 0, "  approve REQUEST --phrase P\n", "")
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}
