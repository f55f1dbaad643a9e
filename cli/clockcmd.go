package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/app/clock"
	"github.com/latchkey/latchkey/vault"
)

// clockHelp is the help of 'latchkey clock' after its summary.
const clockHelp = "Asks the NTP servers, then the HTTPS hosts (Date header), named in the\n" +
	"vault's settings, or public defaults. The verdict is scaled to the\n" +
	"shortest period of the vault's accounts: for 30 s, under 10 s ok,\n" +
	"to 30 s info, to 60 s warn, beyond error. Offline is \"unverified\",\n" +
	"not a failure: the exit status is 0 whatever the verdict.\n" +
	"--json prints {status, message, hint, offset_seconds, uncertainty_seconds,\n" +
	"rtt_seconds, source, source_kind, measured_at, samples, period_seconds,\n" +
	"fix, failed}; offset_seconds is what to add to the system clock\n" +
	"(negative: the clock is fast).\n" +
	"--account QUERY checks the clock for that account: its portal's clock\n" +
	"first when it is linked to one, the verdict scaled to its period."

// clockBase is the configuration the clock command starts from before the
// vault's settings apply; tests point it at loopback fakes.
var clockBase = clock.DefaultConfig

// clockBudget bounds a whole check: a few sources that time out must not
// hang a terminal.
var clockBudget = 20 * time.Second

// clockJSON is the output of `clock --json`.
type clockJSON struct {
	Status      clock.Status `json:"status"`
	Message     string       `json:"message"`
	Hint        string       `json:"hint,omitempty"`
	Offset      *float64     `json:"offset_seconds"`
	Uncertainty *float64     `json:"uncertainty_seconds"`
	RTT         *float64     `json:"rtt_seconds"`
	Source      string       `json:"source"`
	SourceKind  clock.Kind   `json:"source_kind"`
	MeasuredAt  *time.Time   `json:"measured_at"`
	Samples     int          `json:"samples"`
	Period      float64      `json:"period_seconds"`
	Fix         []string     `json:"fix"`
	Failed      []failedJSON `json:"failed"`
}

type failedJSON struct {
	Source string `json:"source"`
	Error  string `json:"error"`
}

func runClock(ctx context.Context, r *runner, args []string) error {
	fs := r.flags("clock")
	asJSON := fs.Bool("json", false, "print JSON")
	account := fs.String("account", "", "check for the account `QUERY` names (its portal first)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("clock takes no arguments, got %q", rest[0])
	}
	var cfg clock.Config
	var period time.Duration
	if *account != "" {
		var done func()
		if cfg, period, done, err = r.accountClockSetup(*account); err != nil {
			return err
		}
		defer done()
	} else {
		cfg, period = r.clockSetup()
	}
	ctx, cancel := context.WithTimeout(ctx, clockBudget)
	defer cancel()
	res := clock.Check(ctx, cfg, period)
	if *asJSON {
		return writeJSON(r, toClockJSON(res))
	}
	printClock(r, res)
	return nil
}

// clockSetup takes the sources and the period from the vault when there is
// one that opens; otherwise (no vault, or locked with no way to ask) the
// defaults, since a clock check needs no secret.
func (r *runner) clockSetup() (clock.Config, time.Duration) {
	base := clockBase()
	dir, err := r.homeDir()
	if err != nil {
		return base, clock.DefaultPeriod
	}
	if _, err := vault.Inspect(dir); err != nil {
		return base, clock.DefaultPeriod
	}
	v, err := vault.Open(dir, r.options())
	if err != nil {
		if !errors.Is(err, vault.ErrPassphraseRequired) {
			fmt.Fprintf(r.env.Stderr, "latchkey: note: %v; using the default time sources\n", r.unlockError(dir, err))
		}
		return base, clock.DefaultPeriod
	}
	doc := v.Document()
	return clock.ConfigFromSettings(base, doc.Settings), clock.ShortestPeriod(doc.Accounts)
}

func toClockJSON(res clock.Result) clockJSON {
	out := clockJSON{
		Status: res.Status, Message: res.Message, Hint: res.Hint,
		Source: res.Source, SourceKind: res.Kind, Samples: res.Samples,
		Period: res.Period.Seconds(), Fix: res.Steps, Failed: []failedJSON{},
	}
	if out.Fix == nil {
		out.Fix = []string{}
	}
	if res.Verified {
		off, unc, rtt, at := res.Offset.Seconds(), res.Uncertainty.Seconds(), res.RTT.Seconds(), res.At.UTC()
		out.Offset, out.Uncertainty, out.RTT, out.MeasuredAt = &off, &unc, &rtt, &at
	}
	for _, f := range res.Failed {
		out.Failed = append(out.Failed, failedJSON{Source: f.Source, Error: f.String()})
	}
	return out
}

func printClock(r *runner, res clock.Result) {
	w := r.env.Stdout
	fmt.Fprintln(w, res.Message)
	if res.Verified {
		fmt.Fprintf(w, "Offset:  %+.3f s (± %.3f s), %s\n", res.Offset.Seconds(), res.Uncertainty.Seconds(), clock.Describe(res.Offset))
		fmt.Fprintf(w, "Source:  %s (%d samples) at %s\n", res.Source, res.Samples, res.At.Format("2006-01-02 15:04:05 MST"))
		fmt.Fprintf(w, "Verdict: %s (scaled to a %s period)\n", res.Status, clock.Amount(res.Period))
	}
	if res.Hint != "" {
		fmt.Fprintln(w, res.Hint)
	}
	if len(res.Steps) > 0 {
		fmt.Fprintln(w, "\nTo fix it:")
		for _, s := range res.Steps {
			fmt.Fprintln(w, "  - "+s)
		}
	}
	if !res.Verified {
		for _, f := range res.Failed {
			fmt.Fprintln(w, "  "+f.String())
		}
	}
}
