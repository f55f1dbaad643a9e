package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/latchkey/latchkey/app/companion"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/vault"
)

// adminHelp is the help of 'latchkey admin' after its actions.
const adminHelp = "USER is a user id or e-mail address; REQUEST a request id. With sessions to\n" +
	"several portals, --portal URL picks one. Refusals print the portal's reason.\n" +
	"--json prints the portal's answer: users {tenant_id, read_only, total,\n" +
	"users, next_offset}; requests [{id, status, email, message, phrase, ...}];\n" +
	"approve, deny and forward {request, link}; link {user_id, expires_at,\n" +
	"emailed, for_app}; reset, ip and lock the user; tenants [{id, name,\n" +
	"relation, policy, ...}]; audit {entries, next_before}; login {portal,\n" +
	"account, email, name, role, tenant, expires_at}; logout [{portal, account}]."

// adminAction is one action of 'latchkey admin': its form and help, what
// it checks before anything is sent, and what it does.
type adminAction struct {
	subcommand
	// check refuses, as a usage error, flag values the portal would
	// refuse; nil when the operands and the flags taken say it all.
	check func(f adminFlags) error
	// run does it. Only login and logout (signIn) run without a session.
	run    func(ctx context.Context, x *adminCall) error
	signIn bool
}

// adminActions are the admin actions, in the order of their help.
var adminActions = []adminAction{
	{subcommand: subcommand{name: "login", args: "QUERY", flags: []string{"password-file", "json"},
		summary: "sign in to the portal of QUERY, your own account in the\n" +
			"vault: asks for the portal password (or --password-file F)\n" +
			"and uses the account's code. The session is kept in the\n" +
			"vault until it expires"},
		signIn: true, run: func(ctx context.Context, x *adminCall) error {
			return x.r.adminLogin(ctx, x.c, x.v, x.params[0], x.f)
		}},
	{subcommand: subcommand{name: "logout", flags: []string{"portal", "json"},
		summary: "end the session (all of them, or --portal URL's)"},
		signIn: true, run: func(ctx context.Context, x *adminCall) error {
			return x.r.adminLogout(ctx, x.c, x.f)
		}},
	{subcommand: subcommand{name: "users", flags: []string{"q", "role", "status", "tenant", "portal", "json"},
		summary: "the team directory: --q TEXT, --role R, --status\n" +
			"enrolled|not_enrolled|recovery_pending|locked, --tenant ID"},
		check: checkAdminUsers, run: adminUsers},
	{subcommand: subcommand{name: "requests", flags: []string{"status", "portal", "json"},
		summary: "the recovery queue, with the phrase each requester reads\n" +
			"out: --status pending|approved|denied|forwarded|\n" +
			"link_issued|completed|expired"},
		check: checkAdminRequests, run: adminRequests},
	{subcommand: subcommand{name: "approve", args: "REQUEST --phrase P", flags: []string{"phrase", "portal", "json"},
		summary: "approve with the phrase P as the requester read it:\n" +
			"a one-time link goes to their e-mail and app"},
		check: checkAdminApprove, run: adminApprove},
	{subcommand: subcommand{name: "deny", args: "REQUEST", flags: []string{"reason", "portal", "json"},
		summary: "refuse it (--reason R is e-mailed to the requester)"},
		run: adminDeny},
	{subcommand: subcommand{name: "forward", args: "REQUEST", flags: []string{"portal", "json"},
		summary: "send it on to platform support"},
		run: adminForward},
	{subcommand: subcommand{name: "link", args: "USER", flags: []string{"portal", "json"},
		summary: "e-mail USER a one-time recovery link"},
		run: adminLink},
	{subcommand: subcommand{name: "reset", args: "USER", flags: []string{"yes", "portal", "json"},
		summary: "reset USER's 2FA (asks first; --yes for scripts)"},
		run: adminReset},
	{subcommand: subcommand{name: "ip", args: "USER on|off", flags: []string{"portal", "json"},
		summary: "new-network sign-in confirmation by e-mail"},
		run: adminIP},
	{subcommand: subcommand{name: "lock", args: "USER on|off", flags: []string{"portal", "json"},
		summary: "lock (ending their sessions) or unlock USER"},
		run: adminLock},
	{subcommand: subcommand{name: "tenants", flags: []string{"portal", "json"},
		summary: "your tenant and its customer tenants"},
		run: adminTenants},
	{subcommand: subcommand{name: "audit", flags: []string{"user", "action", "limit", "portal", "json"},
		summary: "the audit log: --user ID, --action A, --limit N"},
		check: checkAdminAudit, run: adminAudit},
}

// adminSubcommands are the admin actions as the help shows them.
func adminSubcommands() []subcommand {
	out := make([]subcommand, len(adminActions))
	for i, a := range adminActions {
		out[i] = a.subcommand
	}
	return out
}

// findAdminAction is the admin action called name, or nil.
func findAdminAction(name string) *adminAction {
	for i := range adminActions {
		if adminActions[i].name == name {
			return &adminActions[i]
		}
	}
	return nil
}

// adminFlags are the flags of every admin action; each action takes some.
type adminFlags struct {
	portal, passwordFile, phrase, reason string
	q, role, status, action              string
	tenant, user                         int64
	limit                                int
	json, yes                            bool
	set                                  map[string]bool
}

// adminCall is one run of an admin action.
type adminCall struct {
	r      *runner
	v      *vault.Vault
	c      *companion.Companion
	a      *companion.Admin // the session; nil for login and logout
	params []string         // the operands after the action's name
	f      adminFlags
}

func runAdmin(ctx context.Context, r *runner, args []string) error {
	fs := r.flags("admin")
	f := adminFlags{set: map[string]bool{}}
	fs.StringVar(&f.portal, "portal", "", "the portal to act on, by its `URL` (with sessions to several)")
	fs.StringVar(&f.passwordFile, "password-file", "", "login: read the portal password from file `F`")
	fs.StringVar(&f.phrase, "phrase", "", "approve: the phrase `P` the requester read out")
	fs.StringVar(&f.reason, "reason", "", "deny: the reason `R`, e-mailed to the requester")
	fs.StringVar(&f.q, "q", "", "users: `TEXT` in a name or e-mail address")
	fs.StringVar(&f.role, "role", "", "users: the role `R`: owner, admin, technician or read_only")
	fs.StringVar(&f.status, "status", "", "users: their 2FA `STATUS`; requests: the request's")
	fs.Int64Var(&f.tenant, "tenant", 0, "users: a customer tenant's `ID`")
	fs.Int64Var(&f.user, "user", 0, "audit: the entries about the user `ID`")
	fs.StringVar(&f.action, "action", "", "audit: the entries of the action `A`")
	fs.IntVar(&f.limit, "limit", 0, "audit: at most `N` entries")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	fs.BoolVar(&f.yes, "yes", false, "reset: do not ask for confirmation")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	if len(rest) == 0 {
		return usagef("admin needs an action: %s", subcommandNames(adminSubcommands()))
	}
	act, params := findAdminAction(rest[0]), rest[1:]
	if err := checkAdminArgs(rest[0], act, params, f); err != nil {
		return err
	}
	v, err := r.openVault()
	if err != nil {
		return err
	}
	c := r.companion(v)
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, companion.PortalBudget)
	defer cancel()
	x := &adminCall{r: r, v: v, c: c, params: params, f: f}
	if act.signIn {
		return act.run(ctx, x)
	}
	if x.a, err = c.Admin(f.portal); err != nil {
		return adminSessionError(err)
	}
	if err := act.run(ctx, x); err != nil {
		return explainAdmin(x.a, err)
	}
	return nil
}

// checkAdminArgs refuses, before the vault is opened, an action called
// name (act, nil when there is none) with the wrong operands or flags.
func checkAdminArgs(name string, act *adminAction, params []string, f adminFlags) error {
	if act == nil {
		return usagef("admin: unknown action %q (see 'latchkey help admin')", name)
	}
	operands := act.operands()
	if len(params) != len(operands) {
		if len(operands) == 0 {
			return usagef("admin %s takes no operands, got %q", name, params[0])
		}
		return usagef("admin %s needs %s", name, strings.Join(operands, " "))
	}
	if f.set["portal"] && name == "login" {
		return usagef("admin login signs in to the portal QUERY's account is linked to; --portal is for the other actions")
	}
	for fl := range f.set {
		if !isGlobalFlag(fl) && !slices.Contains(act.flags, fl) {
			return usagef("admin %s does not take --%s", name, fl)
		}
	}
	if act.check != nil {
		if err := act.check(f); err != nil {
			return err
		}
	}
	for i, operand := range operands {
		switch operand {
		case "on|off":
			if params[i] != "on" && params[i] != "off" {
				return usagef("admin %s USER takes on or off, not %q", name, params[i])
			}
		case "REQUEST":
			if id, err := strconv.ParseInt(params[i], 10, 64); err != nil || id <= 0 {
				return usagef("admin %s: REQUEST must be a request id (a positive number, see 'latchkey admin requests'), not %q", name, params[i])
			}
		}
	}
	return nil
}

func checkAdminApprove(f adminFlags) error {
	if strings.TrimSpace(f.phrase) == "" {
		return usagef("admin approve needs --phrase \"...\": the words the requester read out")
	}
	return nil
}

func checkAdminUsers(f adminFlags) error {
	if f.role != "" && !slices.Contains([]string{api.AdminRoleOwner, api.AdminRoleAdmin, api.AdminRoleTechnician, api.AdminRoleReadOnly}, f.role) {
		return usagef("admin users --role must be owner, admin, technician or read_only, not %q", f.role)
	}
	if f.status != "" && !slices.Contains([]string{api.AdminStatusEnrolled, api.AdminStatusNotEnrolled, api.AdminStatusRecoveryPending, api.AdminStatusLocked}, f.status) {
		return usagef("admin users --status must be enrolled, not_enrolled, recovery_pending or locked, not %q", f.status)
	}
	return nil
}

func checkAdminRequests(f adminFlags) error {
	if f.status != "" && !slices.Contains(api.RecoveryStates, f.status) {
		return usagef("admin requests --status must be one of %s, not %q", strings.Join(api.RecoveryStates, ", "), f.status)
	}
	return nil
}

func checkAdminAudit(f adminFlags) error {
	if f.limit < 0 || f.limit > api.MaxAdminPageSize {
		return usagef("admin audit --limit must be 1 to %d", api.MaxAdminPageSize)
	}
	return nil
}

// adminLoginJSON is `admin login --json`.
type adminLoginJSON struct {
	Portal    string    `json:"portal"`
	Account   string    `json:"account"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Tenant    string    `json:"tenant"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (r *runner) adminLogin(ctx context.Context, c *companion.Companion, v *vault.Vault, query string, f adminFlags) error {
	a, err := findOne(v.Accounts(), query)
	if err != nil {
		return err
	}
	if a.Portal == nil || a.Portal.URL == "" {
		return fmt.Errorf("%s is not linked to a portal: link it with 'latchkey portal link %s URL'", label(a), shellQuote(query))
	}
	password, err := r.portalPassword(a, f.passwordFile, "admin login")
	if err != nil {
		return err
	}
	got, err := c.SignIn(ctx, a.ID, password)
	if err != nil {
		return explainLogin(a, query, err)
	}
	s, who := got.Session, got.Who
	if f.json {
		return writeJSON(r, adminLoginJSON{Portal: s.Portal, Account: s.AccountID, Email: s.Email, Name: who.User.Name,
			Role: who.User.Role, Tenant: who.Tenant.Name, ExpiresAt: s.ExpiresAt.UTC()})
	}
	w := r.env.Stdout
	if got.WhoErr != nil {
		fmt.Fprintf(w, "Signed in to %s as %s until %s.\n", s.Portal, s.Email, s.ExpiresAt.UTC().Format("2006-01-02 15:04 MST"))
	} else {
		fmt.Fprintf(w, "Signed in to %s as %s <%s>, %s of %s, until %s.\n", s.Portal, sanitizeLine(who.User.Name), s.Email,
			who.User.Role, sanitizeLine(who.Tenant.Name), s.ExpiresAt.UTC().Format("2006-01-02 15:04 MST"))
	}
	fmt.Fprintln(w, "The session is kept in the vault; 'latchkey admin logout' ends it.")
	return nil
}

// portalPassword reads the portal password of a from file or the
// terminal, for the command cmd ("admin login").
func (r *runner) portalPassword(a vault.Account, file, cmd string) (string, error) {
	if file != "" {
		p, err := readPassphraseFile(file)
		if err != nil {
			return "", usagef("%s --password-file: %v", cmd, err)
		}
		return p, nil
	}
	if r.env.Terminal == nil {
		return "", usagef("%s: no terminal to ask for the portal password: use --password-file F", cmd)
	}
	p, err := r.env.Terminal.ReadPassword(fmt.Sprintf("Password for %s at %s: ", a.Portal.Email, a.Portal.URL))
	if err != nil {
		return "", fmt.Errorf("reading the portal password: %w", err)
	}
	if p == "" {
		return "", errors.New("no password given: nothing was sent")
	}
	return p, nil
}

// explainLogin adds what to do to a failed sign-in, in one sentence.
func explainLogin(a vault.Account, query string, err error) error {
	q := shellQuote(query)
	switch {
	case errors.Is(err, companion.ErrVerifyAddress):
		return fmt.Errorf("%w: open the link in that e-mail and confirm, then run 'latchkey admin login %s' again", err, q)
	case errors.Is(err, companion.ErrVerifyEmail):
		return fmt.Errorf("%w: open the link in that e-mail, then set up your authenticator at %s in the browser", err, a.Portal.URL)
	case errors.Is(err, companion.ErrEnrolFirst):
		return fmt.Errorf("%w: set it up at %s in the browser first and add it to the vault", err, a.Portal.URL)
	case errors.Is(err, companion.ErrWrongPassword):
		return fmt.Errorf("%w: check the password and try again", err)
	case errors.Is(err, companion.ErrNoEmail):
		return fmt.Errorf("%w: set it with 'latchkey portal link %s URL --email ADDRESS'", err, q)
	}
	return err
}

// adminLogoutJSON is one element of `admin logout --json`.
type adminLogoutJSON struct {
	Portal  string `json:"portal"`
	Account string `json:"account"`
}

func (r *runner) adminLogout(ctx context.Context, c *companion.Companion, f adminFlags) error {
	gone, err := c.SignOut(ctx, f.portal)
	if err != nil {
		return err
	}
	if f.json {
		out := make([]adminLogoutJSON, 0, len(gone))
		for _, s := range gone {
			out = append(out, adminLogoutJSON{Portal: s.Portal, Account: s.AccountID})
		}
		return writeJSON(r, out)
	}
	if len(gone) == 0 {
		fmt.Fprintln(r.env.Stdout, "Not signed in to a portal.")
		return nil
	}
	for _, s := range gone {
		fmt.Fprintf(r.env.Stdout, "Signed out of %s (%s).\n", s.Portal, s.Email)
	}
	return nil
}

// adminSessionError explains a missing session.
func adminSessionError(err error) error {
	switch {
	case errors.Is(err, companion.ErrSeveralSessions):
		return usagef("%v: pick one with --portal URL", err)
	case errors.Is(err, companion.ErrNotSignedIn):
		return fmt.Errorf("%w: sign in with 'latchkey admin login QUERY' (QUERY: your own account in the vault)", err)
	}
	return err
}

// explainAdmin turns the portal's refusals into one sentence with what to
// do.
func explainAdmin(a *companion.Admin, err error) error {
	if errors.Is(err, companion.ErrSessionEnded) {
		q := a.Session().AccountID
		if name := a.Session().Label; name != "" {
			q = name
		}
		return fmt.Errorf("%w: sign in again with 'latchkey admin login %s'", err, shellQuote(q))
	}
	f := companion.Classify(err)
	if f.Kind != companion.Refused {
		return err
	}
	switch f.API.Status {
	case http.StatusForbidden:
		return fmt.Errorf("the portal refused: %s", f.API.Message)
	case http.StatusNotFound:
		return fmt.Errorf("the portal says: %s (or it is not yours to see)", f.API.Message)
	case http.StatusConflict, http.StatusUnprocessableEntity, http.StatusBadRequest:
		return fmt.Errorf("the portal refused: %s", f.API.Message)
	}
	return err
}

func adminUsers(ctx context.Context, x *adminCall) error {
	l, err := x.a.Users(ctx, api.AdminUserQuery{Query: x.f.q, Role: x.f.role, Status: x.f.status, TenantID: x.f.tenant})
	if err != nil {
		return err
	}
	return x.out(l, func(w io.Writer) { printUsers(w, l) })
}

func adminRequests(ctx context.Context, x *adminCall) error {
	q, err := x.a.Requests(ctx, x.f.status)
	if err != nil {
		return err
	}
	if q == nil {
		q = []api.RecoveryQueueItem{}
	}
	return x.out(q, func(w io.Writer) { printRequests(w, q) })
}

func adminApprove(ctx context.Context, x *adminCall) error {
	d, err := x.a.Approve(ctx, x.request(), x.f.phrase)
	return x.decided("approve", d, err)
}

func adminDeny(ctx context.Context, x *adminCall) error {
	d, err := x.a.Deny(ctx, x.request(), x.f.reason)
	return x.decided("deny", d, err)
}

func adminForward(ctx context.Context, x *adminCall) error {
	d, err := x.a.Forward(ctx, x.request())
	return x.decided("forward", d, err)
}

func adminTenants(ctx context.Context, x *adminCall) error {
	ts, err := x.a.Tenants(ctx)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []api.AdminTenant{}
	}
	return x.out(ts, func(w io.Writer) { printTenants(w, ts) })
}

func adminAudit(ctx context.Context, x *adminCall) error {
	p, err := x.a.Audit(ctx, api.AdminAuditQuery{UserID: x.f.user, Action: x.f.action, Limit: x.f.limit})
	if err != nil {
		return err
	}
	if p.Entries == nil {
		p.Entries = []api.AdminAuditEntry{}
	}
	return x.out(p, func(w io.Writer) { printAudit(w, p) })
}

func adminLink(ctx context.Context, x *adminCall) error {
	id, err := x.user(ctx)
	if err != nil {
		return err
	}
	l, err := x.a.IssueLink(ctx, id)
	if err != nil {
		return err
	}
	return x.out(l, func(w io.Writer) {
		fmt.Fprintf(w, "A one-time recovery link was e-mailed to user %d; it works until %s.\n", l.UserID, l.ExpiresAt.UTC().Format("2006-01-02 15:04 MST"))
	})
}

func adminReset(ctx context.Context, x *adminCall) error {
	id, err := x.user(ctx)
	if err != nil {
		return err
	}
	if err := x.r.confirmChange(fmt.Sprintf("Resetting the 2FA of user %s removes their authenticator, backup codes and recovery code", x.params[0]),
		"Reset it? [y/N] ", x.f.yes); err != nil {
		return err
	}
	u, err := x.a.Reset2FA(ctx, id)
	if err != nil {
		return err
	}
	return x.out(u, func(w io.Writer) {
		fmt.Fprintf(w, "Reset the 2FA of %s: they set up a new authenticator at their next sign-in, and were told by e-mail.\n", sanitizeLine(u.Email))
	})
}

func adminIP(ctx context.Context, x *adminCall) error {
	id, err := x.user(ctx)
	if err != nil {
		return err
	}
	u, err := x.a.SetIPVerification(ctx, id, x.params[1] == "on")
	if err != nil {
		return err
	}
	return x.out(u, func(w io.Writer) {
		state := "on: sign-ins from a new network wait for an e-mailed confirmation"
		if u.SkipIPVerification {
			state = "off: sign-ins from new networks need no e-mailed confirmation"
		}
		fmt.Fprintf(w, "New-network confirmation for %s is %s.\n", sanitizeLine(u.Email), state)
	})
}

func adminLock(ctx context.Context, x *adminCall) error {
	id, err := x.user(ctx)
	if err != nil {
		return err
	}
	u, err := x.a.SetLocked(ctx, id, x.params[1] == "on")
	if err != nil {
		return err
	}
	return x.out(u, func(w io.Writer) {
		if u.Locked {
			fmt.Fprintf(w, "Locked %s: their sessions ended and sign-ins are refused until unlocked.\n", sanitizeLine(u.Email))
		} else {
			fmt.Fprintf(w, "Unlocked %s.\n", sanitizeLine(u.Email))
		}
	})
}

// request is the REQUEST operand, checked by checkAdminArgs.
func (x *adminCall) request() int64 {
	id, _ := strconv.ParseInt(x.params[0], 10, 64)
	return id
}

// user finds the USER operand, an id or e-mail address, in the directory.
func (x *adminCall) user(ctx context.Context) (int64, error) {
	id, err := x.a.FindUser(ctx, x.params[0], 0)
	if errors.Is(err, companion.ErrNoSuchUser) {
		return 0, fmt.Errorf("%w: see 'latchkey admin users'", err)
	}
	return id, err
}

// decided prints the portal's answer to approve, deny or forward.
func (x *adminCall) decided(action string, d api.RecoveryDecision, err error) error {
	if err != nil {
		return err
	}
	return x.out(d, func(w io.Writer) { printDecision(w, action, d) })
}

// out prints v as JSON with --json, else as human calls it.
func (x *adminCall) out(v any, human func(io.Writer)) error {
	return x.r.adminOut(x.f, v, human)
}

// adminOut prints v as JSON with --json, else as human calls it.
func (r *runner) adminOut(f adminFlags, v any, human func(io.Writer)) error {
	if f.json {
		return writeJSON(r, v)
	}
	human(r.env.Stdout)
	return nil
}

func printUsers(w io.Writer, l api.AdminUserList) {
	if len(l.Users) == 0 {
		fmt.Fprintln(w, "No user matches.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tE-MAIL\tNAME\tROLE\t2FA\tNOTES")
	for _, u := range l.Users {
		twoFA := "enrolled"
		if !u.Enrolled {
			twoFA = "not enrolled"
		}
		var notes []string
		if u.Locked {
			notes = append(notes, "locked")
		}
		if u.RecoveryPending {
			notes = append(notes, "recovery pending")
		}
		if !u.EmailVerified {
			notes = append(notes, "e-mail unconfirmed")
		}
		if u.SkipIPVerification {
			notes = append(notes, "new-network check off")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, cell(u.Email, 60), cell(u.Name, 40), u.Role, twoFA, orDash(strings.Join(notes, ", ")))
	}
	_ = tw.Flush()
	if l.ReadOnly {
		fmt.Fprintln(w, "A customer tenant's directory: read only.")
	}
	if l.NextOffset != 0 {
		fmt.Fprintf(w, "%d of %d users shown; narrow the list with --q, --role or --status.\n", len(l.Users), l.Total)
	}
}

func printRequests(w io.Writer, q []api.RecoveryQueueItem) {
	if len(q) == 0 {
		fmt.Fprintln(w, "No recovery request.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tREQUESTED\tE-MAIL\tACCOUNT\tPHRASE\tACTIONS\tMESSAGE")
	for _, it := range q {
		account := "no match"
		if it.User != nil {
			account = fmt.Sprintf("%s (%s)", cell(it.User.Name, 40), it.User.Role)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.ID, it.Status, it.CreatedAt.UTC().Format("2006-01-02 15:04"),
			cell(it.Email, 60), account, cell(it.Phrase, 80), orDash(strings.Join(it.Actions, ",")), orDash(cell(it.Message, 40)))
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "Approve only once the requester read you the same phrase: latchkey admin approve ID --phrase \"...\"")
}

func printDecision(w io.Writer, action string, d api.RecoveryDecision) {
	who := cell(d.Request.Email, 60)
	switch action {
	case "approve":
		fmt.Fprintf(w, "Approved request %d of %s.", d.Request.ID, who)
		if l := d.Link; l != nil {
			switch {
			case l.ForApp:
				fmt.Fprint(w, " The one-time link reaches the app that asked (it proved their password) at its next check; their mailbox gets a notice")
			case l.Emailed:
				fmt.Fprint(w, " A one-time link was e-mailed to them")
			default:
				fmt.Fprint(w, " The e-mail with the one-time link could not be sent; ask them to file a new request later")
			}
			fmt.Fprintf(w, "; it works until %s.", l.ExpiresAt.UTC().Format("2006-01-02 15:04 MST"))
		}
		fmt.Fprintln(w)
	case "deny":
		fmt.Fprintf(w, "Denied request %d of %s.\n", d.Request.ID, who)
	default:
		fmt.Fprintf(w, "Forwarded request %d of %s to platform support.\n", d.Request.ID, who)
	}
}

func printTenants(w io.Writer, ts []api.AdminTenant) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tRELATION\tPARENT\t2FA REQUIRED\tE-MAIL CODES\tSSO\tALLOWED NETWORKS")
	for _, t := range ts {
		parent := "-"
		if t.ParentID != 0 {
			parent = strconv.FormatInt(t.ParentID, 10)
		}
		nets := "any"
		if len(t.Policy.IPAllowList) > 0 {
			nets = strings.Join(t.Policy.IPAllowList, " ")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, cell(t.Name, 40), t.Relation, parent,
			yesNo(t.Policy.Require2FA), yesNo(t.Policy.AllowEmailCodes), yesNo(t.Policy.SSOEnforced), cell(nets, 80))
	}
	_ = tw.Flush()
}

func printAudit(w io.Writer, p api.AdminAuditPage) {
	if len(p.Entries) == 0 {
		fmt.Fprintln(w, "No audit entry matches.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tACTOR\tACTION\tUSER\tTENANT\tSOURCE\tDETAILS")
	for _, e := range p.Entries {
		actor := "-"
		if e.ActorID != 0 {
			actor = strconv.FormatInt(e.ActorID, 10)
		}
		user := "-"
		if e.TargetUserID != 0 {
			user = strconv.FormatInt(e.TargetUserID, 10)
		}
		details := "-"
		if len(e.Details) > 0 && string(e.Details) != "{}" && string(e.Details) != "null" {
			var compact bytes.Buffer
			if err := json.Compact(&compact, e.Details); err == nil {
				details = cell(compact.String(), 100)
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", e.ID, e.At.UTC().Format("2006-01-02 15:04:05"), actor, cell(e.Action, 40),
			user, e.TenantID, cell(e.SourceAddr, 45), details)
	}
	_ = tw.Flush()
	if p.NextBefore != 0 {
		fmt.Fprintln(w, "Older entries exist; raise --limit to see more.")
	}
}

// cell makes a portal's text safe for one table cell: no control
// characters (a requester's message is untrusted), no tabs or line
// breaks, at most n characters.
func cell(s string, n int) string {
	s = sanitizeLine(strings.Join(strings.Fields(s), " "))
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
