package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/latchkey/latchkey/app/companion"
	portalsync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/vault"
)

func init() {
	register(&command{
		name: "recover", args: "request QUERY [--message M] [--new]|request --flush [QUERY]|status [QUERY] [--json]",
		summary: "ask the admins of an account's portal for a recovery link\n\n" +
			"  request QUERY   send the request (the account must be linked: see\n" +
			"                  'latchkey portal') and print the verification phrase to\n" +
			"                  compare when the admin contacts you; --message M adds a\n" +
			"                  note. When the portal cannot be reached the request is\n" +
			"                  queued in the vault; --new replaces a pending request\n" +
			"  request --flush send the queued requests now (QUERY: only that one);\n" +
			"                  exit status 1 while any is left unsent\n" +
			"  status [QUERY]  the stored requests: state (queued, sent, expired,\n" +
			"                  failed), phrase, expiry, attempts\n" +
			"--json prints {id, issuer, name, portal, email, state, phrase, requested_at,\n" +
			"sent_at, expires_at, attempts, next_attempt_at, last_error} (status and\n" +
			"--flush: a list of them). The poll token is never printed.",
		run: runRecover,
	})
}

type recoverFlags struct {
	message            string
	fresh, flush, json bool
}

func runRecover(ctx context.Context, r *runner, args []string) error {
	fs := r.flags("recover")
	var f recoverFlags
	fs.StringVar(&f.message, "message", "", "request: a note for the admin")
	fs.BoolVar(&f.fresh, "new", false, "request: replace a pending request")
	fs.BoolVar(&f.flush, "flush", false, "request: send the queued requests now")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usagef("recover needs an action: request or status")
	}
	action, params := rest[0], rest[1:]
	if err := checkRecoverArgs(action, params, f); err != nil {
		return err
	}
	v, err := r.openVault()
	if err != nil {
		return err
	}
	var a *vault.Account
	if len(params) == 1 {
		found, err := findOne(v.Accounts(), params[0])
		if err != nil {
			return err
		}
		a = &found
	}
	c := r.companion(v)
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, portalBudget)
	defer cancel()
	switch {
	case action == "status":
		return r.recoverStatus(c, a, f.json)
	case f.flush:
		return r.recoverFlush(ctx, c, a, f.json)
	}
	return r.recoverRequest(ctx, c, *a, params[0], f)
}

func checkRecoverArgs(action string, params []string, f recoverFlags) error {
	switch action {
	case "request":
		switch {
		case f.flush && (f.message != "" || f.fresh):
			return usagef("recover request --flush sends what is queued; --message and --new are for a new request")
		case len(params) > 1:
			return usagef("recover request takes one QUERY (quote it if it has spaces)")
		case len(params) == 0 && !f.flush:
			return usagef("recover request needs a QUERY naming the account (or --flush)")
		}
	case "status":
		if f.message != "" || f.fresh || f.flush {
			return usagef("recover status takes only --json")
		}
		if len(params) > 1 {
			return usagef("recover status takes at most one QUERY")
		}
	default:
		return usagef("recover: unknown action %q (request or status)", action)
	}
	return nil
}

// recoveryJSON is the JSON of one stored request. The poll token is not
// in it: it is a secret between the vault and the portal.
type recoveryJSON struct {
	ID            string     `json:"id"`
	Issuer        string     `json:"issuer"`
	Name          string     `json:"name"`
	Portal        string     `json:"portal"`
	Email         string     `json:"email"`
	State         string     `json:"state"`
	Phrase        string     `json:"phrase"`
	RequestedAt   *time.Time `json:"requested_at"`
	SentAt        *time.Time `json:"sent_at"`
	ExpiresAt     *time.Time `json:"expires_at"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	LastError     string     `json:"last_error"`
}

func toRecoveryJSON(a vault.Account, req vault.RecoveryRequest, now time.Time) recoveryJSON {
	e := recoveryJSON{ID: a.ID, Issuer: a.Issuer, Name: a.Name, State: string(companion.State(req, now)),
		Phrase: req.Phrase, Attempts: req.Attempts, LastError: req.LastError,
		RequestedAt: timePtr(req.RequestedAt), SentAt: timePtr(req.SentAt), ExpiresAt: timePtr(req.ExpiresAt)}
	if a.Portal != nil {
		e.Portal, e.Email = a.Portal.URL, a.Portal.Email
	}
	if req.State == vault.RecoveryQueued {
		e.NextAttemptAt = timePtr(req.NextAttemptAt)
	}
	return e
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func (r *runner) recoverRequest(ctx context.Context, c *companion.Companion, a vault.Account, query string, f recoverFlags) error {
	out, err := c.RequestRecovery(ctx, a.ID, companion.RequestOptions{Message: f.message, Replace: f.fresh})
	if err != nil {
		if out.Request.Phrase != "" {
			// The portal took it but the vault could not keep it: the
			// phrase is all the user has, so it is shown anyway.
			fmt.Fprintf(r.env.Stdout, "Verification phrase: %s\n", out.Request.Phrase)
		}
		return r.explainRecovery(a, query, err)
	}
	if f.json {
		return writeJSON(r, toRecoveryJSON(out.Account, out.Request, r.env.Now()))
	}
	w := r.env.Stdout
	p := out.Account.Portal
	if out.Queued != nil {
		fmt.Fprintf(w, "The portal %s cannot be reached now (%s).\n", p.URL, sanitizeLine(out.Request.LastError))
		fmt.Fprintln(w, "The request is queued in the vault: it will be sent when the portal is reachable.")
		fmt.Fprintln(w, "Send it then with: latchkey recover request --flush")
		return nil
	}
	r.printSent(a, out.Account.Portal, out.Request)
	fmt.Fprintf(w, "See where it stands with: latchkey recover status %s\n", shellQuote(query))
	return nil
}

func (r *runner) printSent(a vault.Account, p *vault.Portal, req vault.RecoveryRequest) {
	w := r.env.Stdout
	fmt.Fprintf(w, "Recovery request for %s sent to %s as %s.\n", label(a), p.URL, p.Email)
	fmt.Fprintf(w, "Verification phrase: %s\n", req.Phrase)
	fmt.Fprintln(w, "An admin will contact you and say this phrase: give nothing to anyone who cannot.")
	fmt.Fprintf(w, "The request lapses at %s unless an admin decides it.\n", req.ExpiresAt.UTC().Format("2006-01-02 15:04 MST"))
}

// explainRecovery adds what to do to a request's error, in one sentence.
func (r *runner) explainRecovery(a vault.Account, query string, err error) error {
	var certErr *tls.CertificateVerificationError
	var pinErr *portalsync.PinMismatchError
	switch {
	case errors.Is(err, companion.ErrNotLinked):
		return fmt.Errorf("%w: link it with 'latchkey portal link %s URL', or ask your admin directly ('latchkey help locked-out %s')", err, shellQuote(query), shellQuote(query))
	case errors.Is(err, companion.ErrNoEmail):
		return fmt.Errorf("%w: set it with 'latchkey portal link %s URL --email ADDRESS'", err, shellQuote(query))
	case errors.Is(err, companion.ErrOutstanding):
		return fmt.Errorf("%w: see 'latchkey recover status %s', or make another with --new", err, shellQuote(query))
	case errors.As(err, &pinErr):
		return fmt.Errorf("%w; if the portal's admin confirms the new certificate, trust it with 'latchkey portal trust %s'", err, a.Portal.URL)
	case errors.As(err, &certErr):
		return fmt.Errorf("%w; if the portal's certificate is self-signed or from a private CA, check it with 'latchkey portal trust %s'", err, a.Portal.URL)
	}
	return err
}

func (r *runner) recoverFlush(ctx context.Context, c *companion.Companion, a *vault.Account, asJSON bool) error {
	opts := companion.FlushOptions{Force: true}
	if a != nil {
		opts.AccountID = a.ID
	}
	res, err := c.Flush(ctx, opts)
	if asJSON {
		out := make([]recoveryJSON, 0, len(res))
		for _, f := range res {
			out = append(out, toRecoveryJSON(f.Account, f.Request, r.env.Now()))
		}
		if jerr := writeJSON(r, out); jerr != nil {
			return jerr
		}
	} else {
		r.printFlushed(res)
	}
	if err != nil {
		return err
	}
	unsent := 0
	for _, f := range res {
		if f.Err != nil {
			unsent++
		}
	}
	if unsent > 0 {
		return fmt.Errorf("%d of %d queued recovery requests not sent; see 'latchkey recover status'", unsent, len(res))
	}
	return nil
}

func (r *runner) printFlushed(res []companion.Flushed) {
	w := r.env.Stdout
	if len(res) == 0 {
		fmt.Fprintln(w, "No queued recovery request.")
		return
	}
	for _, f := range res {
		switch f.Request.State {
		case vault.RecoverySent:
			r.printSent(f.Account, f.Account.Portal, f.Request)
		case vault.RecoveryQueued:
			fmt.Fprintf(w, "Still queued for %s: %s cannot be reached (%s).\n", label(f.Account), f.Account.Portal.URL, sanitizeLine(f.Request.LastError))
		default:
			fmt.Fprintf(w, "The portal refused the request for %s: %s\n", label(f.Account), sanitizeLine(f.Request.LastError))
		}
	}
}

func (r *runner) recoverStatus(c *companion.Companion, a *vault.Account, asJSON bool) error {
	now := r.env.Now()
	var pending []companion.Pending
	for _, p := range c.Outstanding() {
		if a == nil || p.Account.ID == a.ID {
			pending = append(pending, p)
		}
	}
	if asJSON {
		out := make([]recoveryJSON, 0, len(pending))
		for _, p := range pending {
			out = append(out, toRecoveryJSON(p.Account, p.Request, now))
		}
		return writeJSON(r, out)
	}
	w := r.env.Stdout
	if len(pending) == 0 {
		if a != nil {
			fmt.Fprintf(w, "No recovery request for %s.\n", label(*a))
		} else {
			fmt.Fprintln(w, "No recovery request.")
		}
		return nil
	}
	for i, p := range pending {
		if i > 0 {
			fmt.Fprintln(w)
		}
		e := toRecoveryJSON(p.Account, p.Request, now)
		fmt.Fprintf(w, "%s: %s\n", label(p.Account), e.State)
		fmt.Fprintf(w, "  Portal:     %s as %s\n", e.Portal, e.Email)
		fmt.Fprintf(w, "  Requested:  %s\n", formatTime(e.RequestedAt))
		switch p.Request.State {
		case vault.RecoverySent:
			fmt.Fprintf(w, "  Sent:       %s\n", formatTime(e.SentAt))
			fmt.Fprintf(w, "  Phrase:     %s\n", e.Phrase)
			fmt.Fprintf(w, "  Expires:    %s\n", formatTime(e.ExpiresAt))
		case vault.RecoveryQueued:
			fmt.Fprintf(w, "  Attempts:   %d, next after %s (or now: latchkey recover request --flush)\n", e.Attempts, formatTime(e.NextAttemptAt))
			fmt.Fprintf(w, "  Last error: %s\n", sanitizeLine(e.LastError))
		case vault.RecoveryFailed:
			fmt.Fprintf(w, "  Refused:    %s\n", sanitizeLine(e.LastError))
			fmt.Fprintln(w, "  Ask again with: latchkey recover request QUERY")
		}
	}
	return nil
}

func formatTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 MST")
}

// shellQuote quotes a query for a command line shown to the user.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
