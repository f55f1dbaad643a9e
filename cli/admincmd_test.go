package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/companion/companiontest"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/store"
	lksync "github.com/latchkey/latchkey/sync"
)

// harnessNow is the clock of harness.run; the test portals share it, so
// the codes the CLI computes are checked at the same instant.
var harnessNow = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

const (
	olgaPassword = "olga portal password 42"
	annPassword  = "ann portal password 17"
)

// team is a real portal with an owner (olga) and a user (ann), both with
// an authenticator.
type team struct {
	p                  *companiontest.Portal
	olga, ann          store.User
	olgaSecret, annSec string
	olgaToken          string // a session made in the store, for set-up calls
	client             *lksync.Client
}

func newTeam(t *testing.T) *team {
	t.Helper()
	quickPortalClients(t, false)
	tm := &team{p: companiontest.Start(t, func() time.Time { return harnessNow })}
	tn := tm.p.Tenant(t, "Acme")
	tm.olga = tm.p.User(t, tn.ID, "olga@acme.example", store.RoleOwner, olgaPassword)
	tm.ann = tm.p.User(t, tn.ID, "ann@acme.example", store.RoleReadOnly, annPassword)
	tm.olgaSecret, tm.annSec = tm.p.Enrol(t, tm.olga), tm.p.Enrol(t, tm.ann)
	tm.olgaToken = tm.p.Session(t, tm.olga)
	var err error
	if tm.client, err = lksync.New(tm.p.URL, portalClientOptions()); err != nil {
		t.Fatal(err)
	}
	return tm
}

// vaultOf is a vault holding u's authenticator, added from the portal's
// enrolment URI (so it is linked).
func (tm *team) vaultOf(t *testing.T, u store.User, secret string) *harness {
	t.Helper()
	h := withVault(t)
	h.run("add", tm.p.URI(t, u, secret)).assert(t, 0, "Added Test Portal: "+u.Email+".", "")
	return h
}

// login signs h's account QUERY in with the password typed on the terminal.
func login(t *testing.T, h *harness, query, password string) result {
	t.Helper()
	h.terminal = &fakeTerminal{answers: []string{password}}
	defer func() { h.terminal = nil }()
	return h.run("admin", "login", query)
}

// noSessionToken fails when output shows a session token kept in h's vault.
func noSessionToken(t *testing.T, h *harness, r result) {
	t.Helper()
	for _, a := range h.document().Accounts {
		if a.Portal != nil && a.Portal.SessionToken != "" && strings.Contains(r.stdout+r.stderr, a.Portal.SessionToken) {
			t.Errorf("output shows the session token:\n%s%s", r.stdout, r.stderr)
		}
	}
}

func TestAdminLogin(t *testing.T) {
	tm := newTeam(t)
	h := tm.vaultOf(t, tm.olga, tm.olgaSecret)
	h.run("admin", "users").assert(t, 1, "", "not signed in to a portal: sign in with 'latchkey admin login QUERY'")
	h.run("admin", "login", "olga").assert(t, 2, "", "no terminal to ask for the portal password: use --password-file F")
	h.run("admin", "login", "olga", "--password-file", writeFile(t, "not it\n")).assert(t, 1, "", "the portal refused the e-mail address or the password: check the password")
	if strings.Contains(h.run("admin", "login", "olga", "--password-file", writeFile(t, "not it\n")).stderr, "not it") {
		t.Error("an error shows the password")
	}

	r := login(t, h, "olga", olgaPassword)
	r.assert(t, 0, "Signed in to "+tm.p.URL+" as olga@acme.example <olga@acme.example>, owner of Acme, until 2026-11-22 21:00 UTC.", "")
	noSessionToken(t, h, r)
	// The first sign-in spent this period's code; the next one's is used.
	r = h.run("admin", "login", "olga", "--password-file", writeFile(t, olgaPassword+"\n"), "--json")
	r.assert(t, 0, `"role": "owner"`, "")
	noSessionToken(t, h, r)
	var got adminLoginJSON
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.Portal != tm.p.URL || got.Email != tm.olga.Email || got.Tenant != "Acme" {
		t.Fatalf("login --json: %+v %v", got, err)
	}

	// The session ends at the portal: the CLI says so and forgets it.
	if _, err := tm.p.Store.RevokeUserSessions(context.Background(), tm.olga.ID); err != nil {
		t.Fatal(err)
	}
	h.run("admin", "tenants").assert(t, 1, "", "the portal session has ended at "+tm.p.URL+": sign in again with 'latchkey admin login 'Test Portal: olga@acme.example''")
	h.run("admin", "tenants").assert(t, 1, "", "not signed in")

	// Both codes of this period are spent by now.
	h.run("admin", "login", "olga", "--password-file", writeFile(t, olgaPassword+"\n")).assert(t, 1, "",
		"the portal refused the account's codes: wait for the next code, and check this computer's clock")
}

func TestAdminLoginStates(t *testing.T) {
	tm := newTeam(t)
	tenant := tm.olga.TenantID
	tests := []struct {
		name   string
		spec   companiontest.UserSpec
		enrol  bool
		stderr string
	}{
		{"new network", companiontest.UserSpec{NewNetwork: true}, true, "the portal e-mailed a link to confirm a sign-in from this network: open the link in that e-mail and confirm, then run 'latchkey admin login adam' again"},
		{"no authenticator", companiontest.UserSpec{}, false, "the account has no authenticator at the portal yet: set it up at " + tm.p.URL + " in the browser first"},
		{"address unconfirmed", companiontest.UserSpec{Unconfirmed: true, NewNetwork: true}, false, "confirm the account's e-mail address: open the link in that e-mail"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := tt.spec
			spec.Tenant, spec.Email, spec.Role, spec.Password = tenant, fmt.Sprintf("adam%d@acme.example", i), store.RoleAdmin, olgaPassword
			u := tm.p.NewUser(t, spec)
			secret := "JBSWY3DPEHPK3PXP"
			if tt.enrol {
				secret = tm.p.Enrol(t, u)
			}
			h := tm.vaultOf(t, u, secret)
			login(t, h, "adam", olgaPassword).assert(t, 1, "", tt.stderr)
			h.run("admin", "users").assert(t, 1, "", "not signed in")
		})
	}
}

func TestAdminCommands(t *testing.T) {
	ctx := context.Background()
	tm := newTeam(t)
	h := tm.vaultOf(t, tm.olga, tm.olgaSecret)
	login(t, h, "olga", olgaPassword).assert(t, 0, "Signed in", "")

	ticket, err := tm.client.RequestRecovery(ctx, api.RecoveryRequestCreate{Email: tm.ann.Email, Message: "lost my phone\nplease call"})
	if err != nil {
		t.Fatal(err)
	}
	r := h.run("admin", "requests")
	r.assert(t, 0, ticket.Phrase, "")
	for _, want := range []string{"ID  STATUS", "pending", "ann@acme.example (read_only)", "approve,deny", "lost my phone please call"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("requests lacks %q:\n%s", want, r.stdout)
		}
	}
	var queue []api.RecoveryQueueItem
	r = h.run("admin", "requests", "--status", "pending", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &queue); err != nil || len(queue) != 1 || queue[0].Phrase != ticket.Phrase {
		t.Fatalf("requests --json: %v %s", err, r.stdout)
	}
	id := fmt.Sprint(queue[0].ID)
	annID := fmt.Sprint(tm.ann.ID)

	tests := []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{[]string{"users"}, 0, "ann@acme.example", ""},
		{[]string{"users", "--status", "recovery_pending"}, 0, "recovery pending", ""},
		{[]string{"users", "--role", "owner", "--json"}, 0, `"email": "olga@acme.example"`, ""},
		{[]string{"users", "--q", "nobody"}, 0, "No user matches.", ""},
		{[]string{"approve", id, "--phrase", "wrong words here"}, 1, "", "the portal refused: the phrase does not match this request"},
		{[]string{"approve", id, "--phrase", strings.ToUpper(ticket.Phrase)}, 0, "Approved request " + id + " of ann@acme.example. A one-time link was e-mailed to them; it works until 2026-11-22 10:00 UTC.", ""},
		{[]string{"deny", id}, 1, "", "the portal refused:"},
		{[]string{"forward", id}, 1, "", "the portal refused:"},
		{[]string{"requests", "--status", "link_issued"}, 0, "link_issued", ""},
		{[]string{"link", "ANN@acme.example"}, 0, "A one-time recovery link was e-mailed to user " + annID + "; it works until 2026-11-22 10:00 UTC.", ""},
		{[]string{"link", "nobody@acme.example"}, 1, "", `no user with that e-mail address in the directory: "nobody@acme.example": see 'latchkey admin users'`},
		{[]string{"reset", annID}, 2, "", "confirm with --yes"},
		{[]string{"reset", fmt.Sprint(tm.olga.ID), "--yes"}, 1, "", "the portal refused: nobody may"},
		{[]string{"ip", annID, "off", "--json"}, 0, `"skip_ip_verification": true`, ""},
		{[]string{"ip", annID, "on"}, 0, "New-network confirmation for ann@acme.example is on", ""},
		{[]string{"lock", "ann@acme.example", "on"}, 0, "Locked ann@acme.example", ""},
		{[]string{"lock", annID, "off"}, 0, "Unlocked ann@acme.example.", ""},
		{[]string{"reset", annID, "--yes"}, 0, "Reset the 2FA of ann@acme.example", ""},
		{[]string{"users", "--q", "ann", "--status", "not_enrolled"}, 0, "not enrolled", ""},
		{[]string{"tenants"}, 0, "Acme", ""},
		{[]string{"tenants", "--json"}, 0, `"relation": "own"`, ""},
		{[]string{"audit", "--action", "recovery.approved"}, 0, "recovery.approved", ""},
		{[]string{"audit", "--user", annID, "--limit", "2", "--json"}, 0, `"next_before"`, ""},
		{[]string{"link", "999999"}, 1, "", "(or it is not yours to see)"},
		// Usage errors.
		{[]string{"approve", id}, 2, "", "needs --phrase"},
		{[]string{"approve", "x", "--phrase", "a"}, 2, "", "REQUEST must be a request id"},
		{[]string{"deny"}, 2, "", "admin deny needs REQUEST"},
		{[]string{"lock", annID, "maybe"}, 2, "", "takes on or off"},
		{[]string{"users", "--role", "boss"}, 2, "", "--role must be owner, admin, technician or read_only"},
		{[]string{"requests", "--status", "open"}, 2, "", "--status must be one of pending"},
		{[]string{"tenants", "--phrase", "x"}, 2, "", "admin tenants does not take --phrase"},
		{[]string{"audit", "--limit", "9999"}, 2, "", "--limit must be 1 to 500"},
		{[]string{"frobnicate"}, 2, "", `unknown action "frobnicate"`},
		{[]string{"users", "--portal", "https://other.example"}, 1, "", "not signed in to a portal https://other.example"},
		{[]string{"login", "olga", "--portal", tm.p.URL}, 2, "", "--portal is for the other actions"},
	}
	for _, tt := range tests {
		r := h.run(append([]string{"admin"}, tt.args...)...)
		if r.code != tt.code || !strings.Contains(r.stdout, tt.stdout) || !strings.Contains(r.stderr, tt.stderr) {
			t.Errorf("admin %s: exit %d, stdout %q, stderr %q; want %d %q %q", strings.Join(tt.args, " "), r.code, r.stdout, r.stderr, tt.code, tt.stdout, tt.stderr)
		}
		noSessionToken(t, h, r)
		if strings.Contains(r.stdout+r.stderr, "/recover/link?token=") {
			t.Errorf("admin %s shows a recovery link", strings.Join(tt.args, " "))
		}
	}

	// A read-only user may sign in and look, but the portal refuses the
	// changes with its reason.
	ha := tm.vaultOf(t, tm.ann, tm.p.Enrol(t, tm.ann))
	login(t, ha, "ann", annPassword).assert(t, 0, "read_only of Acme", "")
	ha.run("admin", "lock", "olga@acme.example", "on").assert(t, 1, "", "the portal refused: the read-only role cannot")

	token := ""
	for _, a := range h.document().Accounts {
		if a.Portal != nil && a.Portal.SessionToken != "" {
			token = a.Portal.SessionToken
		}
	}
	h.run("admin", "logout").assert(t, 0, "Signed out of "+tm.p.URL+" (olga@acme.example).", "")
	if _, err := tm.client.Session(ctx, token); err == nil {
		t.Error("the portal still takes the session after logout")
	}
	h.run("admin", "logout", "--json").assert(t, 0, "[]", "")
	h.run("admin", "users").assert(t, 1, "", "not signed in")
}

func TestAdminSeveralPortals(t *testing.T) {
	one, two := newTeam(t), newTeam(t)
	h := one.vaultOf(t, one.olga, one.olgaSecret)
	h.run("add", two.p.URI(t, two.ann, two.annSec)).assert(t, 0, "Added Test Portal: "+two.ann.Email+".", "")
	login(t, h, "olga", olgaPassword).assert(t, 0, "Signed in to "+one.p.URL, "")
	login(t, h, "ann", annPassword).assert(t, 0, "Signed in to "+two.p.URL, "")
	h.run("admin", "tenants").assert(t, 2, "", "signed in to several portals ("+one.p.URL+", "+two.p.URL+"): pick one with --portal URL")
	h.run("admin", "tenants", "--portal", one.p.URL+"/").assert(t, 0, "Acme", "")
	h.run("admin", "logout", "--portal", two.p.URL).assert(t, 0, "Signed out of "+two.p.URL, "")
	h.run("admin", "tenants").assert(t, 0, "Acme", "")
}

// runIn is harness.run with stdin.
func (h *harness) runIn(stdin string, args ...string) result {
	h.t.Helper()
	var out, errb bytes.Buffer
	env := Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Keyring: h.keyring, WorkFactor: 10,
		Getenv: func(k string) string {
			if k == "LATCHKEY_HOME" {
				return h.home
			}
			return h.env[k]
		},
		Now: func() time.Time { return harnessNow },
	}
	code := Run(context.Background(), args, env)
	return result{code, out.String(), errb.String()}
}

// The admin actions are one table: the help, the synopsis and the
// complaint about a missing action all come from it.
func TestAdminActionTable(t *testing.T) {
	h := newHarness(t)
	missing := h.run("admin")
	missing.assert(t, 2, "", "admin needs an action: login, logout, users")
	help := h.run("help", "admin")
	help.assert(t, 0, "usage: latchkey admin login QUERY|logout|users|requests|approve REQUEST --phrase P|", "")
	for _, a := range adminActions {
		if a.summary == "" || a.run == nil {
			t.Errorf("admin %s has no help or nothing to run", a.name)
		}
		if !strings.Contains(missing.stderr, a.name) {
			t.Errorf("'latchkey admin' does not name %s: %q", a.name, missing.stderr)
		}
		if !strings.Contains(help.stdout, "\n  "+a.form()) {
			t.Errorf("'latchkey help admin' does not show %q:\n%s", a.form(), help.stdout)
		}
		if a.signIn != (a.name == "login" || a.name == "logout") {
			t.Errorf("admin %s: signIn %v", a.name, a.signIn)
		}
	}
}
