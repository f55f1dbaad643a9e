package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/app/companion/companiontest"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/vault"
)

var mailedLink = regexp.MustCompile(`https?://\S+/recover/link\?token=\S+`)

// noRecoverySecrets fails when output shows the poll token, a link or
// the enrolment's secrets.
func noRecoverySecrets(t *testing.T, h *harness, r result) {
	t.Helper()
	out := r.stdout + r.stderr
	if strings.Contains(out, "token=") {
		t.Errorf("output shows a link:\n%s", out)
	}
	for _, a := range h.document().Accounts {
		if a.Portal == nil || a.Portal.Recovery == nil {
			continue
		}
		rr := a.Portal.Recovery
		for _, s := range []string{rr.PollToken, rr.Link, rr.EnrolSession, rr.EnrolURI} {
			if s != "" && strings.Contains(out, s) {
				t.Errorf("output shows a secret of the recovery:\n%s", out)
			}
		}
	}
}

func (h *harness) recoveryOf(query string) vault.RecoveryRequest {
	h.t.Helper()
	a, err := findOne(h.document().Accounts, query)
	if err != nil || a.Portal == nil || a.Portal.Recovery == nil {
		h.t.Fatalf("no request for %s: %v", query, err)
	}
	return *a.Portal.Recovery
}

// signsIn reports whether the portal takes ann's password with the code the
// vault of h shows for the next period (this one's may be spent).
func (tm *team) signsIn(t *testing.T, h *harness) bool {
	t.Helper()
	a, err := findOne(h.document().Accounts, "ann")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ans, err := tm.client.SignIn(ctx, api.SignInRequest{Email: tm.ann.Email, Password: annPassword})
	if err != nil {
		t.Fatal(err)
	}
	code, err := codes.Next(a, harnessNow)
	if err != nil {
		t.Fatal(err)
	}
	ans, err = tm.client.SecondFactor(ctx, api.SecondFactorRequest{Challenge: ans.Challenge, Method: api.MethodTOTP, Code: code})
	return err == nil && ans.State == api.StateSignedIn
}

func TestRecoverStatusAndComplete(t *testing.T) {
	ctx := context.Background()
	tm := newTeam(t)
	h := tm.vaultOf(t, tm.ann, tm.annSec)
	h.runIn("11111-22222\n33333-44444\n", "backup-codes", "ann", "add").assert(t, 0, "Saved.", "")
	old := h.document().Accounts[0]
	pw := writeFile(t, annPassword+"\n")

	r := h.run("recover", "request", "ann", "--password-file", pw)
	r.assert(t, 0, "Verification phrase:", "")
	if !strings.Contains(r.stdout, "Once approved, the one-time link comes to this app.") {
		t.Errorf("request does not say where the link goes:\n%s", r.stdout)
	}
	phrase := h.recoveryOf("ann").Phrase

	r = h.run("recover", "status", "ann")
	r.assert(t, 0, `"Test Portal: ann@acme.example": sent`, "")
	for _, want := range []string{"Phrase:     " + phrase, "Checked:    2026-11-22 09:00 UTC", "Next:       wait for an admin to call you"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, r.stdout)
		}
	}
	noRecoverySecrets(t, h, r)

	q, err := tm.client.ListRecoveryRequests(ctx, tm.olgaToken, api.RecoveryPending)
	if err != nil || len(q) != 1 {
		t.Fatalf("queue %v %v", q, err)
	}
	if _, err := tm.client.Approve(ctx, tm.olgaToken, q[0].ID, phrase); err != nil {
		t.Fatal(err)
	}
	r = h.run("recover", "status", "--json")
	noRecoverySecrets(t, h, r)
	var st []recoveryJSON
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || len(st) != 1 || st[0].State != "link_delivered" ||
		st[0].PortalStatus != "link_issued" || st[0].LinkExpiresAt == nil || st[0].CheckError != "" {
		t.Fatalf("status --json: %v %s", err, r.stdout)
	}
	// The link came once and stays in the vault.
	r = h.run("recover", "status", "ann")
	r.assert(t, 0, "link_delivered", "")
	if !strings.Contains(r.stdout, "finish with: latchkey recover complete 'Test Portal:ann@acme.example'") {
		t.Errorf("status does not say how to finish:\n%s", r.stdout)
	}
	noRecoverySecrets(t, h, r)
	if tm.p.Hits(http.MethodGet, api.PathRecoveryStatus) != 2 {
		t.Errorf("polled %d times", tm.p.Hits(http.MethodGet, api.PathRecoveryStatus))
	}

	r = h.run("recover", "complete", "ann", "--json", "--password-file", pw)
	r.assert(t, 0, "", "")
	noRecoverySecrets(t, h, r)
	var done completeJSON
	if err := json.Unmarshal([]byte(r.stdout), &done); err != nil || done.BackupCodes != 10 || !done.RecoveryCode || done.CodesLost || !done.PortalTold || done.Warning != "" {
		t.Fatalf("complete --json: %v %s", err, r.stdout)
	}
	a := h.document().Accounts[0]
	if a.ID != old.ID || a.Secret == old.Secret || a.Portal.Recovery != nil || a.BackupCodesLeft() != 10 {
		t.Fatalf("after complete: same id %v, new secret %v, request %v, %d codes left", a.ID == old.ID, a.Secret != old.Secret, a.Portal.Recovery, a.BackupCodesLeft())
	}
	if !tm.signsIn(t, h) {
		t.Error("the portal refuses the vault's new code")
	}
	h.run("recover", "status", "ann").assert(t, 0, `No recovery request for "Test Portal: ann@acme.example".`, "")
	h.run("recover", "complete", "ann", "--password-file", pw).assert(t, 1, "", "no recovery link has reached this vault yet: there is no recovery request: see 'latchkey recover status ann', or give the link from the e-mail with --link")
	r = h.run("backup-codes", "ann", "list")
	if r.code != 0 || strings.Count(r.stdout, "(previous setup)") != 2 || strings.Count(r.stdout, "unused") != 10 {
		t.Errorf("backup-codes list does not show the old codes as from the previous setup:\n%s%s", r.stdout, r.stderr)
	}
}

func TestRecoverCompleteWithPastedLink(t *testing.T) {
	ctx := context.Background()
	tm := newTeam(t)
	h := tm.vaultOf(t, tm.ann, tm.annSec)
	if _, err := tm.client.IssueLink(ctx, tm.olgaToken, tm.ann.ID); err != nil {
		t.Fatal(err)
	}
	m, _ := tm.p.Outbox.Last(tm.ann.Email, "recovery link")
	link := mailedLink.FindString(m.Text)
	if link == "" {
		t.Fatal("no link in the e-mail")
	}
	// Read from stdin, so the link is in no command line.
	pw := writeFile(t, annPassword+"\n")
	h.runIn(link+"\n", "recover", "complete", "ann", "--link", "-").assert(t, 2, "", "recover complete: no terminal to ask for the portal password: use --password-file F")
	r := h.run("recover", "complete", "ann", "--link", link, "--password-file", writeFile(t, "not it\n"))
	r.assert(t, 1, "", "the portal refused the e-mail address or the password; the link is still unused")
	r = h.runIn(link+"\n", "recover", "complete", "ann", "--link", "-", "--password-file", pw)
	r.assert(t, 0, `Recovered "Test Portal: ann@acme.example": a new authenticator is set up at `+tm.p.URL, "")
	if !strings.Contains(r.stdout, "Saved 10 new backup codes and a new recovery code") || strings.Contains(r.stdout, "token=") {
		t.Errorf("complete:\n%s", r.stdout)
	}
	if !tm.signsIn(t, h) {
		t.Error("the portal refuses the vault's new code")
	}
	r = h.run("recover", "complete", "ann", "--link", link, "--password-file", pw)
	r.assert(t, 1, "", "the recovery link no longer works (A recovery link works once, and this one has been used. If that was not you, tell your admin now.): ask for a new link with 'latchkey recover request ann --new'")
	if strings.Contains(r.stderr, "token=") {
		t.Error("the error shows the link")
	}
}

func TestRecoverCompleteResumes(t *testing.T) {
	tm := newTeam(t)
	h := tm.vaultOf(t, tm.ann, tm.annSec)
	old := h.document().Accounts[0]
	pw := writeFile(t, annPassword+"\n")
	h.run("recover", "request", "ann", "--password-file", pw).assert(t, 0, "", "")
	ctx := context.Background()
	q, _ := tm.client.ListRecoveryRequests(ctx, tm.olgaToken, api.RecoveryPending)
	if _, err := tm.client.Approve(ctx, tm.olgaToken, q[0].ID, h.recoveryOf("ann").Phrase); err != nil {
		t.Fatal(err)
	}
	tm.p.Fail(http.MethodPost, api.PathEnrolmentConfirm, companiontest.Unavailable)
	r := h.run("recover", "complete", "ann", "--password-file", pw)
	r.assert(t, 1, "", "confirming the new authenticator of \"Test Portal: ann@acme.example\": portal answered 503")
	if !strings.Contains(r.stderr, "the vault still holds what is needed: run 'latchkey recover complete ann' again") {
		t.Errorf("the error does not say what to do: %s", r.stderr)
	}
	noRecoverySecrets(t, h, r)
	if a := h.document().Accounts[0]; a.Secret != old.Secret || a.Portal.Recovery.EnrolURI == "" {
		t.Fatal("after the failure the vault lost the old secret or the pending one")
	}
	h.run("recover", "status", "ann").assert(t, 0, "enrolling", "")
	h.run("recover", "complete", "ann").assert(t, 0, "Recovered", "")
	if !tm.signsIn(t, h) {
		t.Error("the portal refuses the vault's new code")
	}
}
