package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/vault"
)

// listHelp is the help of 'latchkey list' after its summary.
const listHelp = "--json prints [{id, issuer, name, type, algorithm, digits, period, counter,\n" +
	"group, backup_codes_left}]."

// codeHelp is the help of 'latchkey code' after its summary.
const codeHelp = "QUERY matches the issuer and account name, case-insensitively; when it\n" +
	"names several accounts they are listed and nothing is printed.\n" +
	"--at TIME gives the code at TIME (RFC 3339, or Unix seconds).\n" +
	"HOTP accounts show the code of the stored counter; --advance moves the\n" +
	"counter on, saves it and prints the next code."

// listEntry is one element of `list --json`: the CLI contract's fields.
type listEntry struct {
	ID              string `json:"id"`
	Issuer          string `json:"issuer"`
	Name            string `json:"name"`
	Type            string `json:"type"`
	Algorithm       string `json:"algorithm"`
	Digits          int    `json:"digits"`
	Period          int    `json:"period"`
	Counter         uint64 `json:"counter"`
	Group           string `json:"group"`
	BackupCodesLeft int    `json:"backup_codes_left"`
}

func runList(_ context.Context, r *runner, args []string) error {
	fs := r.flags("list")
	asJSON := fs.Bool("json", false, "print JSON")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("list takes no arguments, got %q", rest[0])
	}
	v, err := r.openVault()
	if err != nil {
		return err
	}
	accounts := v.Accounts()
	app.SortAccounts(accounts)
	if *asJSON {
		out := make([]listEntry, 0, len(accounts))
		for _, a := range accounts {
			out = append(out, listEntry{
				ID: a.ID, Issuer: a.Issuer, Name: a.Name, Type: string(a.Type), Algorithm: string(a.Algorithm),
				Digits: a.Digits, Period: a.Period, Counter: a.Counter, Group: a.Group,
				BackupCodesLeft: a.BackupCodesLeft(),
			})
		}
		return writeJSON(r, out)
	}
	if len(accounts) == 0 {
		fmt.Fprintln(r.env.Stdout, "No accounts. Add one with 'latchkey add -' (then paste the link) or 'latchkey import FILE'.")
		return nil
	}
	tw := tabwriter.NewWriter(r.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ISSUER\tACCOUNT\tTYPE\tGROUP\tBACKUP CODES")
	for _, a := range accounts {
		backup := "-"
		if len(a.BackupCodes) > 0 {
			backup = fmt.Sprintf("%d left", a.BackupCodesLeft())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", orDash(a.Issuer), orDash(a.Name), a.Type, orDash(a.Group), backup)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func writeJSON(r *runner, v any) error {
	enc := json.NewEncoder(r.env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func runCode(_ context.Context, r *runner, args []string) error {
	fs := r.flags("code")
	at := fs.String("at", "", "the `TIME` of the code: RFC 3339 or Unix seconds")
	advance := fs.Bool("advance", false, "HOTP: move the counter on and print the next code")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("code needs one QUERY (quote it if it has spaces)")
	}
	t := r.env.Now()
	if *at != "" {
		if t, err = parseTime(*at); err != nil {
			return usagef("code --at: %v", err)
		}
	}
	v, err := r.openVault()
	if err != nil {
		return err
	}
	a, err := findOne(v.Accounts(), rest[0])
	if err != nil {
		return err
	}
	if *advance {
		if a, err = app.UpdateAccount(v, a, app.AdvanceCounter); err != nil {
			return err
		}
	}
	code, err := codes.Generate(a, t)
	if err != nil {
		return fmt.Errorf("code for %s: %w", label(a), err)
	}
	fmt.Fprintln(r.env.Stdout, code)
	return nil
}

// parseTime reads RFC 3339 or Unix seconds.
func parseTime(s string) (time.Time, error) {
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(secs, 0), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 (2026-11-22T09:00:00Z) nor Unix seconds", s)
	}
	return t, nil
}

// findOne resolves a query to exactly one account.
func findOne(accounts []vault.Account, query string) (vault.Account, error) {
	found := app.Find(accounts, query)
	switch len(found) {
	case 0:
		return vault.Account{}, fmt.Errorf("no account matches %q ('latchkey list' shows them all)", query)
	case 1:
		return found[0], nil
	}
	app.SortAccounts(found)
	names := make([]string, len(found))
	for i, a := range found {
		names[i] = label(a)
	}
	return vault.Account{}, fmt.Errorf("%q matches %d accounts: %s; give more of the name", query, len(found), strings.Join(names, ", "))
}

// label is the account's label in quotes, as messages name an account.
func label(a vault.Account) string { return strconv.Quote(a.Label()) }
