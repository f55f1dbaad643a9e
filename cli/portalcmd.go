package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/app/clock"
	"github.com/latchkey/latchkey/app/companion"
	"github.com/latchkey/latchkey/app/otpauth"
	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/vault"
)

// portalActions are the actions of 'latchkey portal'.
var portalActions = []subcommand{
	{name: "link", args: "QUERY URL [--email E]", flags: []string{"email", "yes"},
		summary: "bind the account to the portal at URL (https://, or\n" +
			"http:// on this computer); --email E is the account's\n" +
			"address there (default: its name, when an address)"},
	{name: "unlink", args: "QUERY", flags: []string{"yes"},
		summary: "remove the binding (and any recovery request)"},
	{name: "show", args: "[QUERY] [--json]", flags: []string{"json"},
		summary: "the linked accounts, or the one QUERY names"},
	{name: "trust", args: "URL [--fingerprint F]", flags: []string{"fingerprint"},
		summary: "read the portal's certificate and, once confirmed, trust\n" +
			"it although no CA vouches for it (self-signed, private\n" +
			"CA); --fingerprint SHA256:... confirms without a terminal"},
	{name: "untrust", args: "URL", summary: "forget that decision"},
}

// portalHelp is the help of 'latchkey portal' after its actions.
const portalHelp = "Replacing a binding or unlinking an account with a pending recovery\n" +
	"request asks first on a terminal; --yes answers for scripts. trust asks\n" +
	"too, or takes the fingerprint the portal's admin gave with --fingerprint.\n" +
	"A portal's page may also offer a latchkey://link: 'latchkey open LINK'.\n" +
	"--json (show) prints [{id, issuer, name, portal, email, tenant, user_id,\n" +
	"linked_at, linked_by, certificate, recovery}] (recovery: queued, sent,\n" +
	"expired, failed, or \"\")."

// portalClientOptions is what portal clients start from; tests add a TLS
// configuration or shorter timeouts.
var portalClientOptions = func() lksync.Options { return lksync.Options{} }

type portalFlags struct {
	email, fingerprint string
	json, yes          bool
}

func runPortal(ctx context.Context, r *runner, args []string) error {
	fs := r.flags("portal")
	var f portalFlags
	fs.StringVar(&f.email, "email", "", "link: the account's e-mail address `E` on the portal")
	fs.StringVar(&f.fingerprint, "fingerprint", "", "trust: the SHA-256 fingerprint `F` to expect")
	fs.BoolVar(&f.json, "json", false, "show: print JSON")
	fs.BoolVar(&f.yes, "yes", false, "link, unlink: do not ask for confirmation")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usagef("portal needs an action: link, unlink, show, trust or untrust")
	}
	action, params := rest[0], rest[1:]
	want := map[string][2]int{"link": {2, 2}, "unlink": {1, 1}, "show": {0, 1}, "trust": {1, 1}, "untrust": {1, 1}}
	n, ok := want[action]
	switch {
	case !ok:
		return usagef("portal: unknown action %q (link, unlink, show, trust or untrust)", action)
	case action == "link" && len(params) != 2:
		return usagef("portal link needs a QUERY and the portal's URL")
	case len(params) < n[0] || len(params) > n[1]:
		return usagef("portal %s takes %s", action, map[string]string{
			"unlink": "one QUERY", "show": "at most one QUERY", "trust": "the portal's URL", "untrust": "the portal's URL",
		}[action])
	case f.email != "" && action != "link", f.fingerprint != "" && action != "trust", f.json && action != "show",
		f.yes && action != "link" && action != "unlink":
		return usagef("portal %s: --email is for link, --fingerprint for trust, --json for show, --yes for link and unlink", action)
	}
	v, err := r.openVault()
	if err != nil {
		return err
	}
	c := r.companion(v)
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, companion.PortalBudget)
	defer cancel()
	switch action {
	case "link":
		return r.portalLink(c, v, params[0], params[1], f)
	case "unlink":
		return r.portalUnlink(c, v, params[0], f.yes)
	case "show":
		return r.portalShow(v, params, f.json)
	case "trust":
		return r.portalTrust(ctx, c, params[0], f)
	}
	return r.portalUntrust(c, params[0])
}

func (r *runner) companion(v *vault.Vault) *companion.Companion {
	return companion.New(v, companion.Options{Client: portalClientOptions(), Now: r.env.Now})
}

func (r *runner) portalLink(c *companion.Companion, v *vault.Vault, query, portalURL string, f portalFlags) error {
	a, err := findOne(v.Accounts(), query)
	if err != nil {
		return err
	}
	email := f.email
	if email == "" {
		if _, err := companion.CheckEmail(a.Name); err != nil {
			return usagef("portal link: %s is not named by an e-mail address: give the address on the portal with --email", label(a))
		}
		email = a.Name
	}
	canon, err := checkPortalURL(portalURL)
	if err != nil {
		return err
	}
	if a.Portal != nil && a.Portal.URL != "" && !strings.EqualFold(a.Portal.URL, canon) {
		what := fmt.Sprintf("%s is linked to %s now", label(a), a.Portal.URL)
		if a.Portal.Recovery != nil {
			what += ", with a recovery request that would be dropped"
		}
		if err := r.confirmChange(what, fmt.Sprintf("Link it to %s instead? [y/N] ", canon), f.yes); err != nil {
			return err
		}
	}
	saved, err := c.Link(a.ID, canon, email, vault.LinkedByHand)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.env.Stdout, "Linked %s to %s as %s.\n", label(saved), saved.Portal.URL, saved.Portal.Email)
	r.trustHint(v, saved.Portal.URL)
	return nil
}

// checkPortalURL reads a portal URL given on the command line.
func checkPortalURL(s string) (string, error) {
	return otpauth.ParsePortalURL(strings.TrimSpace(s))
}

// trustHint tells, once, that a self-signed portal needs a trust decision:
// the binding is saved either way.
func (r *runner) trustHint(v *vault.Vault, portalURL string) {
	if !strings.HasPrefix(portalURL, "https://") {
		return
	}
	if _, ok := companion.TrustFor(v.Settings(), portalURL); ok {
		return
	}
	fmt.Fprintf(r.env.Stdout, "If the portal's certificate is self-signed or from a private CA, trust it with: latchkey portal trust %s\n", portalURL)
}

func (r *runner) portalUnlink(c *companion.Companion, v *vault.Vault, query string, yes bool) error {
	a, err := findOne(v.Accounts(), query)
	if err != nil {
		return err
	}
	if a.Portal == nil || a.Portal.URL == "" {
		return fmt.Errorf("%s is not linked to a portal", label(a))
	}
	if rr := a.Portal.Recovery; rr != nil && companion.State(*rr, r.env.Now()) != companion.StateExpired && rr.State != vault.RecoveryFailed {
		what := fmt.Sprintf("%s has a %s recovery request at %s", label(a), rr.State, a.Portal.URL)
		if err := r.confirmChange(what, "Unlink it and drop the request? [y/N] ", yes); err != nil {
			return err
		}
	}
	was, err := c.Unlink(a.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.env.Stdout, "Unlinked %s from %s.\n", label(was), was.Portal.URL)
	return nil
}

// confirmChange asks before a change that drops something: on a terminal
// (default no), or --yes; without either it refuses, as a usage error.
func (r *runner) confirmChange(what, prompt string, yes bool) error {
	if yes {
		return nil
	}
	if r.env.Terminal == nil {
		return usagef("%s; confirm with --yes (there is no terminal to ask on)", what)
	}
	fmt.Fprintln(r.env.Stdout, what+".")
	if !r.ask(prompt) {
		return errors.New("not confirmed: nothing changed")
	}
	return nil
}

// ask asks a yes/no question on the terminal, no being the default.
func (r *runner) ask(prompt string) bool {
	ans, err := r.env.Terminal.ReadLine(prompt)
	a := strings.ToLower(strings.TrimSpace(ans))
	return err == nil && (a == "y" || a == "yes")
}

// portalJSON is one element of `portal show --json`.
type portalJSON struct {
	ID          string     `json:"id"`
	Issuer      string     `json:"issuer"`
	Name        string     `json:"name"`
	Portal      string     `json:"portal"`
	Email       string     `json:"email"`
	Tenant      string     `json:"tenant"`
	UserID      string     `json:"user_id"`
	LinkedAt    *time.Time `json:"linked_at"`
	LinkedBy    string     `json:"linked_by"`
	Certificate string     `json:"certificate"`
	Recovery    string     `json:"recovery"`
}

func (r *runner) portalShow(v *vault.Vault, params []string, asJSON bool) error {
	doc := v.Document()
	var accounts []vault.Account
	if len(params) == 1 {
		a, err := findOne(doc.Accounts, params[0])
		if err != nil {
			return err
		}
		if a.Portal == nil || a.Portal.URL == "" {
			return fmt.Errorf("%s is not linked to a portal: link it with 'latchkey portal link QUERY URL'", label(a))
		}
		accounts = []vault.Account{a}
	} else {
		for _, a := range doc.Accounts {
			if a.Portal != nil && a.Portal.URL != "" {
				accounts = append(accounts, a)
			}
		}
		app.SortAccounts(accounts)
	}
	now := r.env.Now()
	out := make([]portalJSON, 0, len(accounts))
	for _, a := range accounts {
		p := a.Portal
		e := portalJSON{ID: a.ID, Issuer: a.Issuer, Name: a.Name, Portal: p.URL, Email: p.Email,
			Tenant: p.Tenant, UserID: p.UserID, LinkedBy: p.LinkedBy}
		if !p.LinkedAt.IsZero() {
			at := p.LinkedAt.UTC()
			e.LinkedAt = &at
		}
		if t, ok := companion.TrustFor(doc.Settings, p.URL); ok {
			e.Certificate = t.SHA256
		}
		if p.Recovery != nil {
			e.Recovery = string(companion.State(*p.Recovery, now))
		}
		out = append(out, e)
	}
	if asJSON {
		return writeJSON(r, out)
	}
	w := r.env.Stdout
	if len(out) == 0 {
		fmt.Fprintln(w, "No account is linked to a portal. Link one with 'latchkey portal link QUERY URL'.")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ISSUER\tACCOUNT\tPORTAL\tE-MAIL\tCERTIFICATE\tRECOVERY")
	for _, e := range out {
		cert := "system CAs"
		if e.Certificate != "" {
			cert = "trusted " + shortFingerprint(e.Certificate)
		} else if !strings.HasPrefix(e.Portal, "https://") {
			cert = "none (loopback http)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", orDash(e.Issuer), orDash(e.Name), e.Portal, orDash(e.Email), cert, orDash(e.Recovery))
	}
	return tw.Flush()
}

// shortFingerprint abbreviates a stored fingerprint for a table column.
func shortFingerprint(s string) string {
	const n = len("SHA256:") + 16
	if len(s) <= n {
		return sanitizeLine(s)
	}
	return sanitizeLine(s[:n]) + "…"
}

func (r *runner) portalTrust(ctx context.Context, c *companion.Companion, portalURL string, f portalFlags) error {
	if f.fingerprint != "" {
		// A malformed fingerprint is a usage error, found before connecting.
		if _, err := lksync.ParseFingerprint(f.fingerprint); err != nil {
			return usagef("portal trust --fingerprint: %v", err)
		}
	}
	ci, err := c.Inspect(ctx, portalURL)
	if err != nil {
		return err
	}
	printCertificate(r, ci)
	switch {
	case ci.Verified:
		fmt.Fprintf(r.env.Stdout, "This system already trusts the certificate of %s: there is nothing to pin.\n", ci.Origin)
		return nil
	case !ci.Pinnable():
		_, err := c.Trust(ci) // explains why it cannot be trusted
		return err
	case f.fingerprint != "":
		if err := companion.ConfirmFingerprint(ci, f.fingerprint); err != nil {
			return err
		}
	case r.env.Terminal == nil:
		return usagef("portal trust: compare the fingerprint above with the portal's admin, then confirm with --fingerprint %s (there is no terminal to ask on)", ci.Fingerprint)
	default:
		if !r.ask(fmt.Sprintf("Trust this certificate for %s? Compare the fingerprint with the portal's admin first. [y/N] ", ci.Origin)) {
			return errors.New("not confirmed: nothing was trusted")
		}
	}
	t, err := c.Trust(ci)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.env.Stdout, "Trusted %s for %s. A different certificate will be refused until you trust it again.\n", t.SHA256, t.Origin)
	return nil
}

func printCertificate(r *runner, ci *lksync.CertificateInfo) {
	w := r.env.Stdout
	fmt.Fprintf(w, "Certificate of %s\n", ci.Origin)
	fmt.Fprintf(w, "  Fingerprint: %s\n", ci.Fingerprint)
	fmt.Fprintf(w, "  Subject:     %s\n", sanitizeLine(ci.Subject))
	fmt.Fprintf(w, "  Issuer:      %s\n", sanitizeLine(ci.Issuer))
	fmt.Fprintf(w, "  Valid:       %s to %s\n", ci.NotBefore.UTC().Format("2006-01-02 15:04 MST"), ci.NotAfter.UTC().Format("2006-01-02 15:04 MST"))
	if len(ci.Names) > 0 {
		fmt.Fprintf(w, "  Names:       %s\n", sanitizeLine(strings.Join(ci.Names, ", ")))
	}
	if !ci.Verified && ci.VerifyError != nil {
		fmt.Fprintf(w, "  Not trusted by this system: %s\n", sanitizeLine(ci.VerifyError.Error()))
	}
}

// sanitizeLine drops control characters a server's certificate may hold,
// so they never reach the terminal.
func sanitizeLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}

func (r *runner) portalUntrust(c *companion.Companion, portalURL string) error {
	t, ok, err := c.Untrust(portalURL)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("no certificate is trusted for %s", portalURL)
	}
	fmt.Fprintf(r.env.Stdout, "Forgot the trusted certificate %s of %s.\n", t.SHA256, t.Origin)
	return nil
}

// runOpenLatchkeyLink handles `latchkey open latchkey://link?...`: it shows
// what the link would bind and binds it once confirmed (a terminal, or
// --yes). A web page can never bind an account by itself.
func runOpenLatchkeyLink(r *runner, link string, yes bool) error {
	req, err := companion.ParseLink(link)
	if err != nil {
		return err
	}
	v, err := r.openVault()
	if err != nil {
		return err
	}
	c := r.companion(v)
	defer c.Close()
	p, err := c.Propose(req)
	if err != nil {
		return err
	}
	w := r.env.Stdout
	if p.Unchanged {
		fmt.Fprintf(w, "%s is already linked to %s as %s: nothing to do.\n", label(p.Account), p.Current.URL, p.Current.Email)
		return nil
	}
	fmt.Fprintf(w, "This link asks to link %s\n  to the portal %s\n  as %s\n", label(p.Account), req.Portal, req.Email)
	if p.Replaces {
		fmt.Fprintf(w, "It is linked to %s now; that link", p.Current.URL)
		if p.Current.Recovery != nil {
			fmt.Fprint(w, " and its recovery request")
		}
		fmt.Fprintln(w, " would go.")
	}
	switch {
	case yes:
	case r.env.Terminal == nil:
		return usagef("open: a link is applied only once confirmed: run it again with --yes, or on a terminal")
	case !r.ask("Link it? [y/N] "):
		return errors.New("not confirmed: nothing changed")
	}
	saved, err := c.Accept(p)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Linked %s to %s as %s.\n", label(saved), saved.Portal.URL, saved.Portal.Email)
	r.trustHint(v, saved.Portal.URL)
	return nil
}

// accountClockSetup is the clock command's setup for one account: its
// portal first when it has one, the verdict scaled to its period.
func (r *runner) accountClockSetup(query string) (clock.Config, time.Duration, func(), error) {
	v, err := r.openVault()
	if err != nil {
		return clock.Config{}, 0, nil, err
	}
	doc := v.Document()
	a, err := findOne(doc.Accounts, query)
	if err != nil {
		return clock.Config{}, 0, nil, err
	}
	c := r.companion(v)
	cfg, err := c.ClockConfig(clock.ConfigFromSettings(clockBase(), doc.Settings), a)
	if err != nil {
		c.Close()
		return clock.Config{}, 0, nil, err
	}
	return cfg, companion.Period(a), c.Close, nil
}
