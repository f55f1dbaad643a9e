package companion

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/companion/companiontest"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/vault"
)

// checkRecovered checks the account after a completed recovery: the new
// secret in place of old's, everything the user kept about it kept, the
// request gone, the new codes current and the old ones retired history.
func checkRecovered(t *testing.T, w *world, old vault.Account, res Completed, codesLost bool) vault.Account {
	t.Helper()
	a := reopen(t, w.v, w.vopts).Document().Accounts[0]
	if a.ID != old.ID || a.Issuer != old.Issuer || a.Name != old.Name || a.Group != old.Group || a.Note != old.Note || !a.Favourite {
		t.Errorf("the account's own fields changed: %+v", a)
	}
	if a.Secret == old.Secret || a.Secret != res.Account.Secret || a.Type != vault.TOTP {
		t.Error("the secret was not replaced by the new one")
	}
	if a.Portal == nil || a.Portal.URL != old.Portal.URL || a.Portal.Email != old.Portal.Email ||
		a.Portal.LinkedBy != old.Portal.LinkedBy || a.Portal.Recovery != nil {
		t.Errorf("binding after recovery: %+v", a.Portal)
	}
	var history []string
	for _, c := range a.BackupCodes {
		if c.FromPreviousSetup {
			if c.RetiredAt == nil && !codesLost {
				t.Errorf("old code %d not retired", len(history))
			}
			history = append(history, c.Code)
		}
	}
	if codesLost {
		if res.BackupCodes != 0 || a.RecoveryCode != oldRecovery || !a.RecoveryFromPreviousSetup || !slices.Equal(history, []string{oldBackup}) {
			t.Errorf("codes lost: %d new, recovery %v/%v, history %d", res.BackupCodes, a.RecoveryCode == oldRecovery, a.RecoveryFromPreviousSetup, len(history))
		}
		return a
	}
	if res.BackupCodes != 10 || !res.RecoveryCode || a.BackupCodesLeft() != 10 || len(a.BackupCodes) != 12 {
		t.Errorf("new codes: %d reported, %d left of %d", res.BackupCodes, a.BackupCodesLeft(), len(a.BackupCodes))
	}
	if a.RecoveryCode == "" || a.RecoveryCode == oldRecovery || a.RecoveryFromPreviousSetup {
		t.Error("the new recovery code is not the current one")
	}
	if !slices.Equal(history, []string{oldBackup, oldRecovery}) {
		t.Errorf("the old codes are not kept as history from the previous setup (%d kept)", len(history))
	}
	return a
}

func TestCompleteRecovery(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.linkReady()
	old := w.account()
	res, err := w.c.CompleteRecovery(ctx, "a1", CompleteOptions{Password: userPassword})
	if err != nil || res.CodesLost || res.CodesErr != nil || res.SavedErr != nil {
		t.Fatalf("complete: %+v %v", res, err)
	}
	a := checkRecovered(t, w, old, res, false)
	if !w.signsIn(a.Secret) {
		t.Error("the portal refuses the new secret")
	}
	if w.signsIn(old.Secret) {
		t.Error("the portal still takes the lost secret")
	}
	if n := w.p.Hits(http.MethodPost, api.PathEnrolmentSaved); n != 1 {
		t.Errorf("saved was sent %d times", n)
	}
	// Nothing is left to complete.
	if _, err := w.c.CompleteRecovery(ctx, "a1", CompleteOptions{Password: userPassword}); !errors.Is(err, ErrNoLink) {
		t.Errorf("completing twice: %v", err)
	}
}

// failingVault refuses the saves fail picks, as a full disk would.
type failingVault struct {
	*vault.Vault
	fail func(before, after *vault.Document) bool
}

func (f failingVault) Update(fn func(*vault.Document) error) error {
	return f.Vault.Update(func(d *vault.Document) error {
		before := d.Clone()
		if err := fn(d); err != nil {
			return err
		}
		if f.fail(before, d) {
			return errors.New("no space left on device (injected)")
		}
		return nil
	})
}

// secretChanges picks the save that replaces a1's secret.
func secretChanges(before, after *vault.Document) bool {
	b, _ := before.Account("a1")
	a, ok := after.Account("a1")
	return ok && a.Secret != b.Secret
}

func TestCompleteRecoveryFailurePoints(t *testing.T) {
	ctx := context.Background()
	const (
		redeem  = api.PathRecoveryLinkRedeem
		begin   = api.PathEnrolment
		confirm = api.PathEnrolmentConfirm
	)
	tests := []struct {
		name   string
		path   string
		fault  companiontest.Fault
		vault  func(before, after *vault.Document) bool // a save that fails, instead of a fault
		later  time.Duration                            // the clock moves on before running again
		err    string
		errIs  error
		state  vault.RecoveryState // after the failure
		link   bool                // the link is still kept
		pend   bool                // a new secret is kept pending
		rerun  error               // the second run's error
		lost   bool                // the second run completes without the new codes
		begins int                 // enrolments begun in all
	}{
		{name: "redeem unavailable", path: redeem, fault: companiontest.Unavailable, err: "portal answered 503",
			state: StateLinkDelivered, link: true, begins: 1},
		{name: "redeem answer lost", path: redeem, fault: companiontest.LoseAnswer, err: "redeeming the recovery link",
			state: StateLinkDelivered, link: true, rerun: ErrLinkUnusable},
		{name: "begin unavailable", path: begin, fault: companiontest.Unavailable, err: "setting up the new authenticator",
			state: vault.RecoveryEnrolling, begins: 2},
		{name: "begin unavailable, session lapsed meanwhile", path: begin, fault: companiontest.Unavailable, later: 31 * time.Minute,
			err: "portal answered 503", state: vault.RecoveryEnrolling, rerun: ErrEnrolmentLapsed, begins: 1},
		{name: "begin answer lost", path: begin, fault: companiontest.LoseAnswer, err: "setting up the new authenticator",
			state: vault.RecoveryEnrolling, begins: 2},
		{name: "confirm unavailable", path: confirm, fault: companiontest.Unavailable, err: "confirming the new authenticator",
			state: vault.RecoveryEnrolling, pend: true, begins: 1},
		{name: "confirm refused", path: confirm, fault: companiontest.Refuse, errIs: ErrCodeRefused,
			state: vault.RecoveryEnrolling, pend: true, begins: 1},
		{name: "confirm answer lost", path: confirm, fault: companiontest.LoseAnswer, err: "confirming the new authenticator",
			state: vault.RecoveryEnrolling, pend: true, lost: true, begins: 1},
		{name: "vault full when the new secret is stored", vault: secretChanges, err: "the vault could not save it",
			state: vault.RecoveryEnrolling, pend: true, lost: true, begins: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.linkReady()
			old := w.account()
			c := w.c
			if tt.vault != nil {
				c = New(failingVault{Vault: w.v, fail: tt.vault}, w.options())
			} else {
				w.p.Fail(http.MethodPost, tt.path, tt.fault)
			}
			_, err := c.CompleteRecovery(ctx, "a1", CompleteOptions{Password: userPassword})
			if err == nil || (tt.err != "" && !strings.Contains(err.Error(), tt.err)) || (tt.errIs != nil && !errors.Is(err, tt.errIs)) {
				t.Fatalf("error %v, want %q %v", err, tt.err, tt.errIs)
			}
			if !strings.Contains(err.Error(), `"Test Portal: ann@acme.example"`) {
				t.Errorf("the error does not name the account: %v", err)
			}
			// The vault still works: it holds the old secret, and what the
			// next run needs.
			after := reopen(t, w.v, w.vopts).Document().Accounts[0]
			r := after.Portal.Recovery
			if after.Secret != old.Secret || r == nil {
				t.Fatalf("after the failure: secret kept %v, request %v", after.Secret == old.Secret, r)
			}
			if got := State(*r, w.clk.Now()); got != tt.state || (r.Link != "") != tt.link || (r.EnrolURI != "") != tt.pend {
				t.Fatalf("after the failure: %s, link %v, pending %v; want %s %v %v", got, r.Link != "", r.EnrolURI != "", tt.state, tt.link, tt.pend)
			}
			noSecrets(t, "error", err.Error(), *r)
			pending := r.EnrolURI

			w.clk.Add(tt.later)
			res, err := w.c.CompleteRecovery(ctx, "a1", CompleteOptions{Password: userPassword})
			if tt.rerun != nil {
				if !errors.Is(err, tt.rerun) {
					t.Fatalf("second run: %v, want %v", err, tt.rerun)
				}
				if a := w.account(); a.Secret != old.Secret || a.Portal.Recovery == nil || a.Portal.Recovery.Link != "" {
					t.Errorf("after the second run: secret kept %v, request %v", a.Secret == old.Secret, a.Portal.Recovery)
				}
				return
			}
			if err != nil || res.CodesLost != tt.lost {
				t.Fatalf("second run: %+v %v", res, err)
			}
			a := checkRecovered(t, w, old, res, tt.lost)
			if pending != "" {
				fresh, _ := pendingAccount(a, pending, "")
				if fresh.Secret != a.Secret {
					t.Error("the second run did not keep the pending secret")
				}
			}
			if n := w.p.Hits(http.MethodPost, begin); n != tt.begins {
				t.Errorf("%d enrolments begun, want %d", n, tt.begins)
			}
			w.clk.Add(30 * time.Second) // the confirmation spent this period's code
			if !w.signsIn(a.Secret) {
				t.Error("the portal refuses the new secret")
			}
		})
	}
}

func TestCompleteRecoverySavedFails(t *testing.T) {
	w := newWorld(t)
	w.linkReady()
	old := w.account()
	w.p.Fail(http.MethodPost, api.PathEnrolmentSaved, companiontest.Unavailable)
	res, err := w.c.CompleteRecovery(context.Background(), "a1", CompleteOptions{Password: userPassword})
	if err != nil || res.SavedErr == nil {
		t.Fatalf("%+v %v", res, err)
	}
	checkRecovered(t, w, old, res, false)
}

func TestCompleteRecoveryWithPastedLink(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	old := w.account()
	// No request: an admin had a link e-mailed directly.
	if _, err := w.admin.IssueLink(ctx, w.ownerToken, w.user.ID); err != nil {
		t.Fatal(err)
	}
	link := w.mailedLink()

	other := strings.Replace(link, "127.0.0.1", "localhost", 1)
	if _, err := w.c.CompleteRecovery(ctx, "a1", CompleteOptions{Link: other, Password: userPassword}); !errors.Is(err, ErrLinkElsewhere) {
		t.Fatalf("a link from elsewhere: %v", err)
	}
	if _, err := w.c.CompleteRecovery(ctx, "a1", CompleteOptions{Password: userPassword}); !errors.Is(err, ErrNoLink) {
		t.Fatalf("no link: %v", err)
	}
	if _, err := w.c.CompleteRecovery(ctx, "a1", CompleteOptions{Link: "https://x.example/recover/link?tok=1", Password: userPassword}); err == nil || !strings.Contains(err.Error(), "has no token") {
		t.Fatalf("a link without a token: %v", err)
	}
	if w.p.Hits(http.MethodPost, api.PathRecoveryLinkRedeem) != 0 {
		t.Fatal("a refused link reached the portal")
	}
	res, err := w.c.CompleteRecovery(ctx, "a1", CompleteOptions{Link: "  " + link + "\n", Password: userPassword})
	if err != nil {
		t.Fatal(err)
	}
	a := checkRecovered(t, w, old, res, false)
	if !w.signsIn(a.Secret) {
		t.Error("the portal refuses the new secret")
	}
	// The link works once.
	if _, err := w.c.CompleteRecovery(ctx, "a1", CompleteOptions{Link: link, Password: userPassword}); !errors.Is(err, ErrLinkUnusable) {
		t.Errorf("a used link: %v", err)
	}
	if a := w.account(); a.Portal.Recovery != nil {
		t.Errorf("a refused pasted link left a request: %v", a.Portal.Recovery)
	}
	noSecrets(t, "result", fmt.Sprintf("%v %+v", res.Account.Portal, res), vault.RecoveryRequest{Link: link})
}
