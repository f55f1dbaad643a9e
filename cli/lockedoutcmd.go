package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/latchkey/latchkey/app/clock"
	"github.com/latchkey/latchkey/app/lockedout"
)

func runLockedOut(ctx context.Context, r *runner, args []string) error {
	fs := r.flags("help locked-out")
	noClock := fs.Bool("no-clock", false, "skip the clock check (no network at all)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch len(rest) {
	case 0:
		printGenericGuide(r)
		return nil
	case 1:
	default:
		return usagef("help locked-out takes one QUERY (quote it if it has spaces)")
	}
	v, err := r.openVault()
	if err != nil {
		return err
	}
	doc := v.Document()
	a, err := findOne(doc.Accounts, rest[0])
	if err != nil {
		return err
	}
	var res *clock.Result
	if !*noClock {
		cctx, cancel := context.WithTimeout(ctx, clockBudget)
		defer cancel()
		c := clock.Check(cctx, clock.ConfigFromSettings(clockBase(), doc.Settings), clock.ShortestPeriod(doc.Accounts))
		res = &c
	}
	g := lockedout.Build(lockedout.Input{Account: a, All: doc.Accounts, Clock: res, Now: r.env.Now()})
	printGuide(r, g)
	return nil
}

func printGenericGuide(r *runner) {
	w := r.env.Stdout
	fmt.Fprintln(w, "Locked out? Try these steps in order (works offline).")
	printSteps(r, lockedout.Generic(), false)
	fmt.Fprintln(w, "\nFor one account: latchkey help locked-out QUERY")
}

func printGuide(r *runner, g lockedout.Guide) {
	w := r.env.Stdout
	fmt.Fprintf(w, "Locked out of %s? Try these steps in order.\n", g.Label)
	printSteps(r, g.Steps, true)
	fmt.Fprintln(w, "\nMessage for your admin (copy it):")
	fmt.Fprintln(w, strings.Repeat("-", 60))
	fmt.Fprint(w, g.AdminMessage)
	fmt.Fprintln(w, strings.Repeat("-", 60))
}

var stateMarks = map[lockedout.State]string{
	lockedout.Fine:        "[ok]",
	lockedout.Attention:   "[!]",
	lockedout.Unknown:     "[?]",
	lockedout.Unavailable: "[-]",
}

// printSteps prints the steps, with a mark of their state when they were
// filled in for an account.
func printSteps(r *runner, steps []lockedout.Step, marks bool) {
	w := r.env.Stdout
	for _, s := range steps {
		title := s.Title
		if marks {
			title += " " + stateMarks[s.State]
		}
		fmt.Fprintf(w, "\n%d. %s\n", s.Number, title)
		for _, l := range s.Lines {
			fmt.Fprintln(w, "   "+l)
		}
	}
}
