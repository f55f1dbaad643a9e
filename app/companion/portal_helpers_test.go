package companion

import (
	"context"
	"regexp"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/app/companion/companiontest"
	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/store"
	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/vault"
)

const (
	userPassword  = "user password sentinel 51"
	ownerPassword = "owner password sentinel 77"
	oldRecovery   = "OLDR-ECOV-ERYC-ODE0-0000-0001"
	oldBackup     = "11111-22222"
)

// movingClock is the clock the portal and the companion share, so codes
// computed on one side are checked at the same time on the other.
type movingClock struct {
	mu gosync.Mutex
	t  time.Time
}

func (c *movingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *movingClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// world is the real portal with an owner (olga) and a user (ann) whose
// authenticator is the account "a1" of a vault.
type world struct {
	t          *testing.T
	p          *companiontest.Portal
	clk        *movingClock
	v          *vault.Vault
	vopts      vault.Options
	c          *Companion
	owner      store.User
	user       store.User
	secret     string // ann's authenticator at the portal, base32
	ownerToken string
	admin      *lksync.Client
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, clk: &movingClock{t: testEpoch}}
	w.p = companiontest.Start(t, w.clk.Now)
	tn := w.p.Tenant(t, "Acme")
	w.owner = w.p.User(t, tn.ID, "olga@acme.example", store.RoleOwner, ownerPassword)
	w.user = w.p.User(t, tn.ID, "ann@acme.example", store.RoleReadOnly, userPassword)
	w.secret = w.p.Enrol(t, w.user)
	a, err := otpauth.Parse(w.p.URI(t, w.user, w.secret))
	if err != nil {
		t.Fatal(err)
	}
	a.ID, a.Group, a.Note, a.Favourite = "a1", "Work", "desk laptop", true
	a.BackupCodes = []vault.BackupCode{{Code: oldBackup}}
	a.RecoveryCode = oldRecovery
	w.v, w.vopts = testVault(t, a)
	w.c = New(w.v, w.options())
	w.ownerToken = w.p.Session(t, w.owner)
	w.admin, err = lksync.New(w.p.URL, w.options().Client)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) options() Options {
	return Options{Client: lksync.Options{Timeout: 5 * time.Second, Backoff: time.Millisecond}, Now: w.clk.Now}
}

func (w *world) account() vault.Account {
	w.t.Helper()
	a, ok := w.v.Document().Account("a1")
	if !ok {
		w.t.Fatal("account a1 is gone")
	}
	return *a
}

// request sends ann's recovery request with her password, so its link
// comes to the app, and returns its phrase.
func (w *world) request() string {
	w.t.Helper()
	return w.requestWith(RequestOptions{Message: "lost my phone", Password: userPassword})
}

// requestByMail sends ann's recovery request without her password: its
// link goes by e-mail only.
func (w *world) requestByMail() string {
	w.t.Helper()
	return w.requestWith(RequestOptions{Message: "lost my phone"})
}

func (w *world) requestWith(opts RequestOptions) string {
	w.t.Helper()
	out, err := w.c.RequestRecovery(context.Background(), "a1", opts)
	if err != nil || out.Queued != nil {
		w.t.Fatalf("request: %v %v", err, out.Queued)
	}
	return out.Request.Phrase
}

// pendingID is the id of the newest request in the owner's queue.
func (w *world) pendingID() int64 {
	w.t.Helper()
	q, err := w.admin.ListRecoveryRequests(context.Background(), w.ownerToken, api.RecoveryPending)
	if err != nil || len(q) == 0 {
		w.t.Fatalf("queue: %v %v", q, err)
	}
	return q[0].ID
}

// approve approves the pending request with phrase.
func (w *world) approve(phrase string) {
	w.t.Helper()
	if _, err := w.admin.Approve(context.Background(), w.ownerToken, w.pendingID(), phrase); err != nil {
		w.t.Fatalf("approve: %v", err)
	}
}

// linkReady makes ann's request approved and polled: the link is in the
// vault.
func (w *world) linkReady() {
	w.t.Helper()
	w.approve(w.request())
	res, err := w.c.Poll(context.Background(), "a1")
	if err != nil || !res.NewLink || res.State != StateLinkDelivered {
		w.t.Fatalf("poll: %+v %v", res, err)
	}
}

// signsIn reports whether the portal takes ann's password with a code of
// secret (the next period's, since a confirmation may have spent the
// current one).
func (w *world) signsIn(secret string) bool {
	w.t.Helper()
	ctx := context.Background()
	ans, err := w.admin.SignIn(ctx, api.SignInRequest{Email: w.user.Email, Password: userPassword})
	if err != nil {
		w.t.Fatalf("password step: %v", err)
	}
	code, err := codes.Next(vault.Account{Type: vault.TOTP, Secret: secret, Algorithm: vault.SHA1, Digits: 6, Period: 30}, w.clk.Now())
	if err != nil {
		w.t.Fatal(err)
	}
	ans, err = w.admin.SecondFactor(ctx, api.SecondFactorRequest{Challenge: ans.Challenge, Method: api.MethodTOTP, Code: code})
	return err == nil && ans.State == api.StateSignedIn
}

var linkInMail = regexp.MustCompile(`https?://\S+/recover/link\?token=\S+`)

// mailedLink is the recovery link in ann's newest recovery e-mail.
func (w *world) mailedLink() string {
	w.t.Helper()
	link := linkInMail.FindString(w.p.Mail(w.t, w.user.Email, "recovery link").Text)
	if link == "" {
		w.t.Fatal("no link in the recovery e-mail")
	}
	return link
}

// noSecrets fails when s shows a secret of the recovery.
func noSecrets(t *testing.T, what, s string, r vault.RecoveryRequest) {
	t.Helper()
	for _, secret := range []string{r.PollToken, r.Link, r.EnrolSession, r.EnrolURI, pollToken} {
		if secret != "" && strings.Contains(s, secret) {
			t.Errorf("%s shows a secret: %s", what, s)
		}
	}
}
