package companion

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/companion/companiontest"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/vault"
)

func TestPollStates(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// setup brings the portal (and the vault) to the state; it returns
		// after the request was sent.
		setup   func(w *world)
		state   vault.RecoveryState
		checked bool
		portal  string // PortalStatus stored
		link    bool   // a link is kept in the vault
		polls   int    // GET status calls by the companion's two polls
		err     string // in Polled.Err
	}{
		{"pending", func(w *world) { w.request() }, vault.RecoverySent, true, api.RecoveryPending, false, 2, ""},
		{"denied", func(w *world) {
			w.request()
			if _, err := w.admin.Deny(ctx, w.ownerToken, w.pendingID(), "call me"); err != nil {
				w.t.Fatal(err)
			}
		}, StateDenied, true, api.RecoveryDenied, false, 1, ""},
		{"approved: the link is delivered once", func(w *world) { w.approve(w.request()) },
			StateLinkDelivered, true, api.RecoveryLinkIssued, true, 1, ""},
		{"the link went to another poller: e-mail only", func(w *world) {
			w.approve(w.request())
			st, err := w.admin.PollRecovery(ctx, w.account().Portal.Recovery.PollToken)
			if err != nil || st.Link == nil {
				w.t.Fatalf("%v %v", st, err)
			}
		}, StateLinkEmailed, true, api.RecoveryLinkIssued, false, 2, ""},
		{"link used from the e-mail: completed", func(w *world) {
			w.approve(w.requestByMail())
			if _, err := w.admin.RedeemLink(ctx, w.mailedLink(), userPassword); err != nil {
				w.t.Fatal(err)
			}
		}, StateCompleted, true, api.RecoveryCompleted, false, 1, ""},
		{"lapsed at the portal", func(w *world) { w.request(); w.clk.Add(25 * time.Hour) },
			StateExpired, true, api.RecoveryExpired, false, 1, ""},
		{"forgotten by the portal (404)", func(w *world) {
			w.request()
			if err := w.v.Update(func(d *vault.Document) error {
				a, _ := d.Account("a1")
				a.Portal.Recovery.PollToken = "lkp_UNKNOWNTOKEN0123456789abcdefghijklmnopq"
				return nil
			}); err != nil {
				w.t.Fatal(err)
			}
		}, StateExpired, true, api.RecoveryExpired, false, 1, ""},
		{"portal unavailable: nothing changes", func(w *world) {
			w.request()
			w.p.Fail(http.MethodGet, api.PathRecoveryStatus, companiontest.Unavailable, companiontest.Unavailable)
		}, vault.RecoverySent, false, "", false, 2, "portal answered 503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			tt.setup(w)
			before := w.p.Hits(http.MethodGet, api.PathRecoveryStatus)
			res, err := w.c.Poll(ctx, "a1")
			if err != nil {
				t.Fatal(err)
			}
			if res.State != tt.state || res.Checked != tt.checked || (res.Err == nil) != (tt.err == "") ||
				(res.Err != nil && !strings.Contains(res.Err.Error(), tt.err)) {
				t.Fatalf("poll: state %s checked %v err %v; want %s %v %q", res.State, res.Checked, res.Err, tt.state, tt.checked, tt.err)
			}
			if res.NewLink != tt.link {
				t.Errorf("new link %v, want %v", res.NewLink, tt.link)
			}
			// A restart loses nothing: the answer (and the link) are in the vault.
			stored := reopen(t, w.v, w.vopts).Document().Accounts[0].Portal.Recovery
			if stored.PortalStatus != tt.portal || (stored.Link != "") != tt.link {
				t.Fatalf("stored %v (portal status %q), want %q, link %v", stored, stored.PortalStatus, tt.portal, tt.link)
			}
			if tt.link && (stored.LinkExpiresAt.IsZero() || !stored.LinkExpiresAt.After(w.clk.Now())) {
				t.Errorf("link expiry %v", stored.LinkExpiresAt)
			}
			// Polling again asks the portal only while it can say more,
			// and never loses a delivered link.
			again, err := w.c.Poll(ctx, "a1")
			if err != nil || again.State != tt.state || (again.Request.Link != "") != tt.link {
				t.Fatalf("second poll: %+v %v", again, err)
			}
			if got := w.p.Hits(http.MethodGet, api.PathRecoveryStatus) - before; got != tt.polls {
				t.Errorf("the portal was polled %d times, want %d", got, tt.polls)
			}
			for _, p := range []Polled{res, again} {
				noSecrets(t, "poll result", fmt.Sprintf("%v %+v %v %#v", p.Request, p.Request, p.Err, p.Request), *stored)
			}
		})
	}
}

func TestPollAllSkipsWhatCannotChange(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	queued := account("q1", "Other", "bob@other.example", &vault.Portal{URL: "https://" + downAddress(t), Email: "bob@other.example"})
	if err := w.v.Update(func(d *vault.Document) error { d.Accounts = append(d.Accounts, queued); return nil }); err != nil {
		t.Fatal(err)
	}
	if out, err := w.c.RequestRecovery(ctx, "q1", RequestOptions{}); err != nil || out.Queued == nil {
		t.Fatalf("queue: %+v %v", out, err)
	}
	w.request()
	all, err := w.c.PollAll(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("%+v %v", all, err)
	}
	if all[0].Account.ID != "a1" || !all[0].Checked || all[1].Account.ID != "q1" || all[1].Checked || all[1].Err != nil ||
		all[1].State != vault.RecoveryQueued {
		t.Errorf("poll all: %+v", all)
	}
}

// The portal filed the request but its answer was lost: the request is
// queued, and sending it again names the same request (the token chosen
// by the app), so the admins see it once and the phrase is the one the
// portal made the first time.
func TestRequestAnswerLostIsNotFiledTwice(t *testing.T) {
	w := newWorld(t)
	// Every attempt of the first try loses its answer (the client retries
	// such a POST itself, since it names its request): it is queued.
	lost := []companiontest.Fault{companiontest.LoseAnswer, companiontest.LoseAnswer, companiontest.LoseAnswer}
	w.p.Fail("POST", api.PathRecoveryRequests, lost...)
	out, err := w.c.RequestRecovery(context.Background(), "a1", RequestOptions{Message: "lost my phone"})
	if err != nil || out.Queued == nil {
		t.Fatalf("request: %+v %v, want queued", out, err)
	}
	if _, err := w.c.Flush(context.Background(), FlushOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	r := w.account().Portal.Recovery
	if r == nil || r.State != vault.RecoverySent || r.Phrase == "" {
		t.Fatalf("after the resend: %+v", r)
	}
	q, err := w.admin.ListRecoveryRequests(context.Background(), w.ownerToken, api.RecoveryPending)
	if err != nil || len(q) != 1 {
		t.Fatalf("the admins' queue holds %d requests (%v), want 1", len(q), err)
	}
	if q[0].Phrase != r.Phrase {
		t.Error("the app shows another phrase than the admins see")
	}
	if hits := w.p.Hits("POST", api.PathRecoveryRequests); hits != len(lost)+1 {
		t.Errorf("%d POSTs, want %d: %d lost, then the resend", hits, len(lost)+1, len(lost))
	}
}
