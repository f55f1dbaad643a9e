package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/latchkey/latchkey/app/companion"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/vault"
)

// recoverActions are the actions of 'latchkey recover'.
var recoverActions = []subcommand{
	{name: "request", args: "QUERY [--message M] [--new] [--password-file F|--no-password]",
		flags: []string{"message", "new", "password-file", "no-password", "json"},
		summary: "send the request (the account must be linked: see 'latchkey portal') and\n" +
			"print the verification phrase to compare when the admin contacts you;\n" +
			"--message M adds a note. It asks for the account's portal password: with\n" +
			"it the approved link comes to this app; without it (--no-password, no\n" +
			"terminal, or Enter) the link goes to the account's mailbox only. When the\n" +
			"portal cannot be reached the request is queued in the vault (without the\n" +
			"password, so its link goes by e-mail); --new replaces a pending request"},
	{name: "request", args: "--flush [QUERY]", flags: []string{"flush", "json"},
		summary: "send the queued requests now (QUERY: only that one); exit status 1\n" +
			"while any is left unsent"},
	{name: "status", args: "[QUERY] [--offline] [--json]", flags: []string{"offline", "json"},
		summary: "ask the portal where the requests stand and show them: queued, sent,\n" +
			"forwarded, approved, link_delivered, link_emailed, link_expired, denied,\n" +
			"expired, completed, enrolling, enrolment_lapsed or failed, with the\n" +
			"phrase to read to the admin. The link the portal hands over (once) is\n" +
			"kept in the vault. --offline shows what the vault holds"},
	{name: "complete", args: "QUERY [--link URL] [--password-file F] [--json]",
		flags: []string{"link", "password-file", "json"},
		summary: "use the link: set up a new authenticator at the portal, put its secret\n" +
			"in place of the lost one and store the new backup codes and recovery code\n" +
			"(the old ones are kept, marked from the previous setup). --link URL takes\n" +
			"the link from the e-mail instead ('-': read it from stdin). The link\n" +
			"replaces the second factor only: it asks for the portal password (or\n" +
			"--password-file F). Run it again if it stops: it resumes"},
}

// recoverHelp is the help of 'latchkey recover' after its actions.
const recoverHelp = "--json prints {id, issuer, name, portal, email, state, phrase, requested_at,\n" +
	"sent_at, expires_at, attempts, next_attempt_at, last_error, portal_status,\n" +
	"checked_at, link_expires_at, check_error} (status and --flush: a list of\n" +
	"them); complete prints {id, issuer, name, portal, backup_codes,\n" +
	"recovery_code, codes_lost, portal_told, warning}. The poll token and the\n" +
	"link are never printed."

type recoverFlags struct {
	message, link, passwordFile             string
	fresh, flush, json, offline, noPassword bool
}

func runRecover(ctx context.Context, r *runner, args []string) error {
	fs := r.flags("recover")
	var f recoverFlags
	fs.StringVar(&f.message, "message", "", "request: a note `M` for the admin")
	fs.BoolVar(&f.fresh, "new", false, "request: replace a pending request")
	fs.BoolVar(&f.flush, "flush", false, "request: send the queued requests now")
	fs.BoolVar(&f.offline, "offline", false, "status: show what the vault holds without asking the portal")
	fs.StringVar(&f.link, "link", "", "complete: the recovery link `URL` from the e-mail ('-': read it from stdin)")
	fs.StringVar(&f.passwordFile, "password-file", "", "request, complete: read the portal password from `F`")
	fs.BoolVar(&f.noPassword, "no-password", false, "request: send it without the password (the link then goes by e-mail)")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usagef("recover needs an action: request, status or complete")
	}
	action, params := rest[0], rest[1:]
	if err := checkRecoverArgs(action, params, f); err != nil {
		return err
	}
	if f.link == "-" {
		if f.link, err = readLinkLine(r.env.Stdin); err != nil {
			return err
		}
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
	ctx, cancel := context.WithTimeout(ctx, companion.PortalBudget)
	defer cancel()
	switch {
	case action == "status":
		return r.recoverStatus(ctx, c, a, f)
	case action == "complete":
		return r.recoverComplete(ctx, c, *a, params[0], f)
	case f.flush:
		return r.recoverFlush(ctx, c, a, f.json)
	}
	return r.recoverRequest(ctx, c, *a, params[0], f)
}

func checkRecoverArgs(action string, params []string, f recoverFlags) error {
	if f.link != "" && action != "complete" {
		return usagef("recover %s: --link is for complete", action)
	}
	if f.offline && action != "status" {
		return usagef("recover %s: --offline is for status", action)
	}
	if f.noPassword && (action != "request" || f.flush) {
		return usagef("recover %s: --no-password is for a new request", action)
	}
	if f.passwordFile != "" && (f.noPassword || f.flush || action == "status") {
		return usagef("recover %s: --password-file is for a new request or complete, without --no-password", action)
	}
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
			return usagef("recover status takes only --offline and --json")
		}
		if len(params) > 1 {
			return usagef("recover status takes at most one QUERY")
		}
	case "complete":
		switch {
		case f.message != "" || f.fresh || f.flush:
			return usagef("recover complete takes only --link and --json")
		case len(params) != 1:
			return usagef("recover complete needs one QUERY naming the account (quote it if it has spaces)")
		}
	default:
		return usagef("recover: unknown action %q (request, status or complete)", action)
	}
	return nil
}

// readLinkLine reads a pasted link from the first line of in, so it need
// not appear on the command line (and in the shell's history).
func readLinkLine(in io.Reader) (string, error) {
	if in == nil {
		return "", usagef("recover complete --link -: nothing to read the link from")
	}
	line, err := bufio.NewReader(io.LimitReader(in, companion.MaxLinkLength+1)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the link from stdin: %w", err)
	}
	if line = strings.TrimSpace(line); line == "" {
		return "", usagef("recover complete --link -: stdin held no link")
	}
	return line, nil
}

// recoveryJSON is the JSON of one stored request. The poll token and the
// link are not in it: they are secrets between the vault and the portal.
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
	PortalStatus  string     `json:"portal_status"`
	CheckedAt     *time.Time `json:"checked_at"`
	LinkExpiresAt *time.Time `json:"link_expires_at"`
	CheckError    string     `json:"check_error"`
}

func toRecoveryJSON(a vault.Account, req vault.RecoveryRequest, now time.Time) recoveryJSON {
	e := recoveryJSON{ID: a.ID, Issuer: a.Issuer, Name: a.Name, State: string(companion.State(req, now)),
		Phrase: req.Phrase, Attempts: req.Attempts, LastError: req.LastError,
		RequestedAt: timePtr(req.RequestedAt), SentAt: timePtr(req.SentAt), ExpiresAt: timePtr(req.ExpiresAt),
		PortalStatus: req.PortalStatus, CheckedAt: timePtr(req.CheckedAt)}
	if a.Portal != nil {
		e.Portal, e.Email = a.Portal.URL, a.Portal.Email
	}
	if req.State == vault.RecoveryQueued {
		e.NextAttemptAt = timePtr(req.NextAttemptAt)
	}
	if req.Link != "" {
		e.LinkExpiresAt = timePtr(req.LinkExpiresAt)
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
	password, err := r.requestPassword(a, f)
	if err != nil {
		return err
	}
	out, err := c.RequestRecovery(ctx, a.ID, companion.RequestOptions{Message: f.message, Replace: f.fresh, Password: password})
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

// requestPassword is the portal password for a new request: from the
// file, or asked on a terminal where Enter means none; never asked
// without a terminal, where the request goes without it.
func (r *runner) requestPassword(a vault.Account, f recoverFlags) (string, error) {
	switch {
	case f.noPassword || f.flush || a.Portal == nil:
		return "", nil
	case f.passwordFile != "":
		return r.portalPassword(a, f.passwordFile, "recover request")
	case r.env.Terminal == nil:
		return "", nil
	}
	fmt.Fprintln(r.env.Stderr, "With your portal password the approved link comes to this app; press Enter to have it e-mailed instead.")
	p, err := r.env.Terminal.ReadPassword(fmt.Sprintf("Password for %s at %s: ", a.Portal.Email, a.Portal.URL))
	if err != nil {
		return "", fmt.Errorf("reading the portal password: %w", err)
	}
	return p, nil
}

func (r *runner) printSent(a vault.Account, p *vault.Portal, req vault.RecoveryRequest) {
	w := r.env.Stdout
	fmt.Fprintf(w, "Recovery request for %s sent to %s as %s.\n", label(a), p.URL, p.Email)
	fmt.Fprintf(w, "Verification phrase: %s\n", req.Phrase)
	fmt.Fprintln(w, "Read this phrase to the admin when you talk on the phone: only an admin who hears it can approve the request.")
	if req.LinkTo == api.LinkToApp {
		fmt.Fprintln(w, "Once approved, the one-time link comes to this app.")
	} else {
		fmt.Fprintf(w, "Once approved, the one-time link goes by e-mail to %s.\n", p.Email)
	}
	fmt.Fprintf(w, "The request lapses at %s unless an admin decides it.\n", req.ExpiresAt.UTC().Format("2006-01-02 15:04 MST"))
}

// explainRecovery adds what to do to a request's error, in one sentence.
func (r *runner) explainRecovery(a vault.Account, query string, err error) error {
	switch {
	case errors.Is(err, companion.ErrNotLinked):
		return fmt.Errorf("%w: link it with 'latchkey portal link %s URL', or ask your admin directly ('latchkey help locked-out %s')", err, shellQuote(query), shellQuote(query))
	case errors.Is(err, companion.ErrNoEmail):
		return fmt.Errorf("%w: set it with 'latchkey portal link %s URL --email ADDRESS'", err, shellQuote(query))
	case errors.Is(err, companion.ErrOutstanding):
		return fmt.Errorf("%w: see 'latchkey recover status %s', or make another with --new", err, shellQuote(query))
	case errors.Is(err, companion.ErrWrongPassword):
		return fmt.Errorf("%w; nothing was sent: try again, or send it without the password (--no-password) to have the link e-mailed", err)
	}
	switch companion.Classify(err).Kind {
	case companion.PinChanged:
		return fmt.Errorf("%w; if the portal's admin confirms the new certificate, trust it with 'latchkey portal trust %s'", err, a.Portal.URL)
	case companion.CertUntrusted:
		return fmt.Errorf("%w; if the portal's certificate is self-signed or from a private CA, check it with 'latchkey portal trust %s'", err, a.Portal.URL)
	case companion.CertName, companion.CertExpired:
		return fmt.Errorf("%w; trusting it would not help: ask the portal's admin to fix its certificate", err)
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

func (r *runner) recoverStatus(ctx context.Context, c *companion.Companion, a *vault.Account, f recoverFlags) error {
	now := r.env.Now()
	var shown []companion.Polled
	for _, p := range c.Outstanding() {
		if a != nil && p.Account.ID != a.ID {
			continue
		}
		entry := companion.Polled{Account: p.Account, Request: p.Request, State: p.State}
		if !f.offline {
			var err error
			if entry, err = c.Poll(ctx, p.Account.ID); err != nil {
				return err
			}
		}
		shown = append(shown, entry)
	}
	if f.json {
		out := make([]recoveryJSON, 0, len(shown))
		for _, p := range shown {
			e := toRecoveryJSON(p.Account, p.Request, now)
			if p.Err != nil {
				e.CheckError = sanitizeLine(p.Err.Error())
			}
			out = append(out, e)
		}
		return writeJSON(r, out)
	}
	w := r.env.Stdout
	if len(shown) == 0 {
		if a != nil {
			fmt.Fprintf(w, "No recovery request for %s.\n", label(*a))
		} else {
			fmt.Fprintln(w, "No recovery request.")
		}
		return nil
	}
	for i, p := range shown {
		if i > 0 {
			fmt.Fprintln(w)
		}
		r.printStatus(p, now)
	}
	return nil
}

// printStatus shows one request for people, with what to do next.
func (r *runner) printStatus(p companion.Polled, now time.Time) {
	w := r.env.Stdout
	e := toRecoveryJSON(p.Account, p.Request, now)
	q := accountQuery(p.Account)
	fmt.Fprintf(w, "%s: %s\n", label(p.Account), e.State)
	fmt.Fprintf(w, "  Portal:     %s as %s\n", e.Portal, e.Email)
	fmt.Fprintf(w, "  Requested:  %s\n", formatTime(e.RequestedAt))
	switch p.Request.State {
	case vault.RecoverySent:
		fmt.Fprintf(w, "  Sent:       %s\n", formatTime(e.SentAt))
		fmt.Fprintf(w, "  Phrase:     %s (read it to the admin on the phone)\n", e.Phrase)
		fmt.Fprintf(w, "  Expires:    %s\n", formatTime(e.ExpiresAt))
	case vault.RecoveryQueued:
		fmt.Fprintf(w, "  Attempts:   %d, next after %s (or now: latchkey recover request --flush)\n", e.Attempts, formatTime(e.NextAttemptAt))
		fmt.Fprintf(w, "  Last error: %s\n", sanitizeLine(e.LastError))
	case vault.RecoveryFailed:
		fmt.Fprintf(w, "  Refused:    %s\n", sanitizeLine(e.LastError))
	}
	switch {
	case p.Err != nil:
		fmt.Fprintf(w, "  Checked:    not now: %s\n", sanitizeLine(p.Err.Error()))
	case e.CheckedAt != nil:
		fmt.Fprintf(w, "  Checked:    %s\n", formatTime(e.CheckedAt))
	}
	if next := nextStep(p.State, q, e); next != "" {
		fmt.Fprintf(w, "  Next:       %s\n", next)
	}
}

// nextStep is what the user does about a request in state.
func nextStep(state vault.RecoveryState, q string, e recoveryJSON) string {
	switch state {
	case vault.RecoverySent:
		return "wait for an admin to call you, and compare the phrase"
	case companion.StateForwarded:
		return "the request went on to platform support, who will contact you"
	case companion.StateApproved:
		return "approved: the link is on its way; check again with: latchkey recover status " + q
	case companion.StateLinkDelivered:
		return fmt.Sprintf("the link is in the vault until %s; finish with: latchkey recover complete %s", formatTime(e.LinkExpiresAt), q)
	case companion.StateLinkEmailed:
		return "the link went to your e-mail; finish with: latchkey recover complete " + q + " --link -  (and paste it)"
	case companion.StateLinkExpired:
		return "the link expired unused; ask again with: latchkey recover request " + q + " --new"
	case companion.StateDenied:
		return "an admin denied it; call your admin, or ask again with: latchkey recover request " + q
	case companion.StateExpired:
		return "nobody decided in time; ask again with: latchkey recover request " + q
	case companion.StateCompleted:
		return "the link was used; if that was not you, tell your admin now"
	case vault.RecoveryEnrolling:
		return "setting up the new authenticator stopped half-way; finish with: latchkey recover complete " + q
	case companion.StateEnrolmentLapsed:
		return "the link's session ended before the new authenticator was set up; ask again with: latchkey recover request " + q + " --new"
	case vault.RecoveryFailed:
		return "ask again with: latchkey recover request " + q
	}
	return ""
}

// accountQuery is a query naming exactly a, for commands shown to the user.
func accountQuery(a vault.Account) string {
	if a.Issuer == "" {
		return shellQuote(a.Name)
	}
	return shellQuote(a.Issuer + ":" + a.Name)
}

// completeJSON is the JSON of `recover complete`.
type completeJSON struct {
	ID           string `json:"id"`
	Issuer       string `json:"issuer"`
	Name         string `json:"name"`
	Portal       string `json:"portal"`
	BackupCodes  int    `json:"backup_codes"`
	RecoveryCode bool   `json:"recovery_code"`
	CodesLost    bool   `json:"codes_lost"`
	PortalTold   bool   `json:"portal_told"`
	Warning      string `json:"warning"`
}

func (r *runner) recoverComplete(ctx context.Context, c *companion.Companion, a vault.Account, query string, f recoverFlags) error {
	var password string
	if c.NeedsPassword(a, f.link != "") {
		var err error
		if password, err = r.portalPassword(a, f.passwordFile, "recover complete"); err != nil {
			return err
		}
	}
	res, err := c.CompleteRecovery(ctx, a.ID, companion.CompleteOptions{Link: f.link, Password: password})
	if err != nil {
		return r.explainComplete(a, query, err)
	}
	acc := res.Account
	var warnings []string
	switch {
	case res.CodesLost:
		warnings = append(warnings, "the portal's answer with the new backup codes and recovery code was lost: sign in to the portal and set up the authenticator again there to get new ones")
	case res.CodesErr != nil:
		warnings = append(warnings, fmt.Sprintf("the new codes could not be stored (%s): set up the authenticator again at the portal to get new ones", sanitizeLine(res.CodesErr.Error())))
	}
	if res.SavedErr != nil {
		warnings = append(warnings, fmt.Sprintf("the portal was not told the codes are saved (%s); nothing is lost, sign in as usual", sanitizeLine(res.SavedErr.Error())))
	}
	if f.json {
		return writeJSON(r, completeJSON{ID: acc.ID, Issuer: acc.Issuer, Name: acc.Name, Portal: acc.Portal.URL,
			BackupCodes: res.BackupCodes, RecoveryCode: res.RecoveryCode, CodesLost: res.CodesLost,
			PortalTold: res.SavedErr == nil, Warning: strings.Join(warnings, "; ")})
	}
	w := r.env.Stdout
	fmt.Fprintf(w, "Recovered %s: a new authenticator is set up at %s and its secret replaced the lost one in the vault.\n", label(acc), acc.Portal.URL)
	if res.BackupCodes > 0 || res.RecoveryCode {
		fmt.Fprintf(w, "Saved %s and a new recovery code; the old ones are kept, marked from the previous setup (see: latchkey backup-codes %s list).\n",
			plural(res.BackupCodes, "new backup code"), shellQuote(query))
	}
	for _, warn := range warnings {
		fmt.Fprintf(w, "Note: %s.\n", warn)
	}
	fmt.Fprintf(w, "Sign in with the code from: latchkey code %s\n", shellQuote(query))
	return nil
}

// explainComplete adds what to do to a failed completion, in one sentence.
func (r *runner) explainComplete(a vault.Account, query string, err error) error {
	q := shellQuote(query)
	switch {
	case errors.Is(err, companion.ErrNoLink):
		return fmt.Errorf("%w: see 'latchkey recover status %s', or give the link from the e-mail with --link", err, q)
	case errors.Is(err, companion.ErrLinkUnusable), errors.Is(err, companion.ErrEnrolmentLapsed):
		return fmt.Errorf("%w: ask for a new link with 'latchkey recover request %s --new'", err, q)
	case errors.Is(err, companion.ErrLinkElsewhere):
		return fmt.Errorf("%w: use the link from the e-mail of the account's own portal", err)
	case errors.Is(err, companion.ErrCodeRefused):
		return fmt.Errorf("%w; see 'latchkey clock', then run 'latchkey recover complete %s' again", err, q)
	case errors.Is(err, companion.ErrWrongPassword):
		return fmt.Errorf("%w; the link is still unused: run 'latchkey recover complete %s' again with the right password", err, q)
	case errors.Is(err, companion.ErrNotLinked), errors.Is(err, companion.ErrNoAccount):
		return r.explainRecovery(a, query, err)
	}
	if companion.Classify(err).Kind.Certificate() {
		return r.explainRecovery(a, query, err)
	}
	return fmt.Errorf("%w; the vault still holds what is needed: run 'latchkey recover complete %s' again", err, q)
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
