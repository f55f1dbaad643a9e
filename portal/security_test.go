package portal

// The attacker's suite: one test per finding of the adversarial review
// (see SECURITY.md), each written from the rule it checks, not from the
// code, and named after the finding. `make security` runs them alone.
//
// The rules:
//   - A recovery link replaces the second factor only: redeeming it needs
//     the account's password, so nobody who lacks the password gets a
//     session from a link, however they came by it.
//   - The requesting app receives a link only for a request that proved the
//     account's password when it was filed; every other link goes to the
//     account's stored e-mail address only.
//   - Nobody who may decide a request receives its link, on any route:
//     approve, forward then approve, or an e-mailed link; the reseller rule
//     ("a reseller cannot reset MFA for its customers") holds on each.
//   - Strangers are slowed, never able to lock the real user out.
//   - A replayed sign-in challenge spends no factor.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/store"
)

// attackerFiles files a request in victim's name with a poll token the
// attacker chose, as the review did; password may be "".
func (e *rlEnv) attackerFiles(t *testing.T, victim, password string) (api.RecoveryTicket, int64) {
	t.Helper()
	w := callAPI(t, e.h, "POST", api.PathRecoveryRequests, "", api.RecoveryRequestCreate{
		Email: victim, Message: "locked out, please help", PollToken: api.NewPollToken(), Password: password})
	if w.Code != http.StatusAccepted {
		t.Fatalf("filing in the victim's name: %d %s", w.Code, w.Body)
	}
	var out api.RecoveryRequestCreated
	decodeAnswer(t, w, &out)
	return out.Request, e.requestID(t, out.Request)
}

// noSessionFromLink checks that whoever holds token without the victim's
// password gets no session from it, and that it stays unused.
func (e *rlEnv) noSessionFromLink(t *testing.T, token string, guesses ...string) {
	t.Helper()
	for _, pw := range append([]string{""}, guesses...) {
		w := callAPI(t, e.h, "POST", api.PathRecoveryLinkRedeem, "", api.RecoveryLinkRedeem{Token: token, Password: pw})
		if w.Code != http.StatusUnauthorized {
			t.Errorf("redeeming the link with password %q: %d %s, want 401", pw, w.Code, w.Body)
		}
	}
	if l := e.linkRow(t, token); !l.UsedAt.IsZero() {
		t.Error("a redemption without the password spent the link")
	}
}

// TestSecurityApproverTakeoverSameTenant: an admin files a request in a
// user's name with a poll token of their own, approves it with the phrase
// they read in the queue, and polls for the link. The link must not come
// to them, and the link (had they got it) gives no session without the
// user's password.
func TestSecurityApproverTakeoverSameTenant(t *testing.T) {
	e := newRLEnv(t, nil)
	admin := e.user(t, e.reseller, "mallory", store.RoleAdmin)
	victim := e.user(t, e.reseller, "ada", store.RoleTechnician)

	// A guess at the password is refused like a wrong sign-in.
	w := callAPI(t, e.h, "POST", api.PathRecoveryRequests, "", api.RecoveryRequestCreate{Email: victim.Email, Password: "mallory's guess"})
	rlWantStatus(t, "request with a wrong password", w, http.StatusUnauthorized)

	tk, id := e.attackerFiles(t, victim.Email, "")
	if tk.LinkTo != api.LinkToEmail {
		t.Errorf("a request without the password sends its link to %q", tk.LinkTo)
	}
	it, ok := rlItem(e.queue(t, admin.session, "pending"), id)
	if !ok {
		t.Fatal("the request is not in the admin's queue")
	}
	rlWantStatus(t, "approve", e.approve(t, admin.session, id, it.Phrase), http.StatusOK)
	if got := e.poll(t, tk.PollToken); got.Link != nil {
		t.Fatal("the approver received the link of a request filed without the password")
	}
	// The link went to the victim's mailbox only.
	token := e.mailedLink(t, victim.Email)
	if len(e.out.To(admin.Email)) != 0 {
		t.Error("the approver was mailed something about the victim's link")
	}
	e.noSessionFromLink(t, token, "mallory's guess", rlPassword+" ")
}

// TestSecurityPlatformAdminTakeoverDirectChild: the platform tenant's
// admin is the reseller of its direct children, and may not reset their
// MFA. Filing a request in such a user's name, forwarding it to platform
// support (itself) and approving it there must not get around that.
func TestSecurityPlatformAdminTakeoverDirectChild(t *testing.T) {
	e := newRLEnv(t, nil)
	pat := e.user(t, e.platform, "pat", store.RoleAdmin)
	victim := e.user(t, e.reseller, "rob", store.RoleTechnician)

	// The direct route is refused.
	w := callAPI(t, e.h, "POST", "/v1/admin/users/"+strconv.FormatInt(victim.ID, 10)+"/reset-2fa", pat.session, nil)
	rlWantStatus(t, "direct reset", w, http.StatusForbidden)

	tk, id := e.attackerFiles(t, victim.Email, "")
	w = callAPI(t, e.h, "POST", api.PathForwardRecovery(id), pat.session, nil)
	rlWantStatus(t, "platform support forwarding to itself", w, http.StatusForbidden)
	w = e.approve(t, pat.session, id, e.phraseOf(t, id))
	if w.Code == http.StatusOK {
		t.Fatal("platform support approved a customer's pending request as its reseller")
	}
	if got := e.poll(t, tk.PollToken); got.Link != nil {
		t.Fatal("the platform admin received the link")
	}

	// Forwarded by the customer's own technician, platform support decides;
	// the link still goes to the victim's mailbox, not to whoever filed.
	tech := e.user(t, e.reseller, "tess", store.RoleTechnician)
	rlWantStatus(t, "forward by the tenant's technician", callAPI(t, e.h, "POST", api.PathForwardRecovery(id), tech.session, nil), http.StatusOK)
	rlWantStatus(t, "support approves", e.approve(t, pat.session, id, e.phraseOf(t, id)), http.StatusOK)
	if got := e.poll(t, tk.PollToken); got.Link != nil {
		t.Fatal("the filer of an unproven forwarded request received the link")
	}
	e.noSessionFromLink(t, e.mailedLink(t, victim.Email), "guess")
}

// TestSecurityForwarderCannotApprove: whoever forwarded a request does not
// also approve it, whatever tenant they are in now.
func TestSecurityForwarderCannotApprove(t *testing.T) {
	e := newRLEnv(t, nil)
	pat := e.user(t, e.platform, "pat", store.RoleAdmin)
	other := e.user(t, e.platform, "pia", store.RoleAdmin)
	victim := e.user(t, e.customer, "cat", store.RoleTechnician)
	_, id := e.attackerFiles(t, victim.Email, "")
	// Forwarded on pat's word (as when pat was the customer's reseller).
	if _, err := e.st.TransitionRecoveryRequest(context.Background(), id, store.RequestPending, store.RequestForwarded, pat.ID); err != nil {
		t.Fatal(err)
	}
	rlWantStatus(t, "the forwarder approves", e.approve(t, pat.session, id, e.phraseOf(t, id)), http.StatusForbidden)
	rlWantStatus(t, "another support admin approves", e.approve(t, other.session, id, e.phraseOf(t, id)), http.StatusOK)
}

// TestSecurityUnprovenRequestNeverHandsLinkToApp: the app receives the
// link only when its request proved the password; a request filed without
// it is answered by e-mail only, on every poll.
func TestSecurityUnprovenRequestNeverHandsLinkToApp(t *testing.T) {
	for _, tc := range []struct {
		name   string
		proven bool
	}{
		{"without the password", false},
		{"with the password", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newRLEnv(t, nil)
			admin := e.user(t, e.reseller, "grace", store.RoleAdmin)
			ada := e.user(t, e.reseller, "ada", store.RoleTechnician)
			tk := e.requestUnproven(t, ada.Email)
			if tc.proven {
				tk = e.request(t, ada.Email)
			}
			rlWantStatus(t, "approve", e.approve(t, admin.session, e.requestID(t, tk), tk.Phrase), http.StatusOK)
			var got *api.DeliveredLink
			for range 3 {
				if st := e.poll(t, tk.PollToken); st.Link != nil {
					got = st.Link
				}
			}
			mails := e.out.To(ada.Email)
			mailHasLink := len(mails) > 0 && rlLinkInMail.MatchString(mails[len(mails)-1].Text)
			switch {
			case tc.proven && (got == nil || mailHasLink):
				t.Errorf("proven: app link %v, link in the mail %v; want the app's only", got != nil, mailHasLink)
			case !tc.proven && (got != nil || !mailHasLink):
				t.Errorf("unproven: app link %v, link in the mail %v; want the mail's only", got != nil, mailHasLink)
			}
		})
	}
}

// TestSecurityLinkNeedsPassword: redeeming a link, by the API or the
// browser page, needs the account's password; a wrong one spends nothing,
// and a run of them withdraws the link.
func TestSecurityLinkNeedsPassword(t *testing.T) {
	e := newRLEnv(t, nil)
	admin := e.user(t, e.reseller, "grace", store.RoleAdmin)
	ada := e.user(t, e.reseller, "ada", store.RoleTechnician)
	issue := func() string {
		t.Helper()
		rlWantStatus(t, "direct link", callAPI(t, e.h, "POST", api.PathUserRecoveryLink(ada.ID), admin.session, nil), http.StatusOK)
		return e.mailedLink(t, ada.Email)
	}

	// The browser page: the form without the right password spends nothing.
	token := issue()
	for _, pw := range []string{"", "wrong password"} {
		req := httptest.NewRequest("POST", PathRecoverLink, strings.NewReader("token="+token+"&password="+pw))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://portal.example.com")
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, req)
		if w.Code != http.StatusUnauthorized || w.Header().Get("Set-Cookie") != "" {
			t.Errorf("page with password %q: %d, cookie %q", pw, w.Code, w.Header().Get("Set-Cookie"))
		}
	}
	e.noSessionFromLink(t, token, "wrong password")

	// More than MaxLinkPasswordAttempts wrong ones withdraw it, even for
	// the right password afterwards.
	for i := 0; i < api.MaxLinkPasswordAttempts; i++ {
		callAPI(t, e.h, "POST", api.PathRecoveryLinkRedeem, "", api.RecoveryLinkRedeem{Token: token, Password: fmt.Sprint("guess ", i)})
	}
	w := callAPI(t, e.h, "POST", api.PathRecoveryLinkRedeem, "", api.RecoveryLinkRedeem{Token: token, Password: rlPassword})
	rlWantStatus(t, "the right password after a run of guesses", w, http.StatusGone)

	// A fresh link with the right password works, once.
	token = issue()
	w = callAPI(t, e.h, "POST", api.PathRecoveryLinkRedeem, "", api.RecoveryLinkRedeem{Token: token, Password: rlPassword})
	rlWantStatus(t, "the right password", w, http.StatusOK)
}

// phraseOf reads request id's phrase from the store (what every admin who
// can see the request reads in the queue).
func (e *rlEnv) phraseOf(t *testing.T, id int64) string {
	t.Helper()
	r, err := e.st.GetRecoveryRequest(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r.Phrase
}

// TestSecurityPhraseAttemptsLimited: approvals with wrong phrases are
// bounded per request; past the limit even the right phrase waits.
func TestSecurityPhraseAttemptsLimited(t *testing.T) {
	e := newRLEnv(t, nil)
	admin := e.user(t, e.reseller, "grace", store.RoleAdmin)
	ada := e.user(t, e.reseller, "ada", store.RoleTechnician)
	tk := e.request(t, ada.Email)
	id := e.requestID(t, tk)
	for i := 0; i < PhraseAttemptsPerRequest; i++ {
		rlWantStatus(t, "wrong phrase", e.approve(t, admin.session, id, fmt.Sprintf("wrong words number %d", i)), http.StatusUnprocessableEntity)
	}
	rlWantStatus(t, "the right phrase after the limit", e.approve(t, admin.session, id, tk.Phrase), http.StatusTooManyRequests)
	e.clock.Add(SignInWindow)
	rlWantStatus(t, "the right phrase later", e.approve(t, admin.session, id, tk.Phrase), http.StatusOK)
}

// strangerAddrs are 50 loopback addresses other than the user's.
func strangerAddrs() []string {
	out := make([]string, 50)
	for i := range out {
		out[i] = "127.0.0." + strconv.Itoa(i+2)
	}
	return out
}

// TestSecurityStrangersCannotLockOutSignIn: 1,000 wrong passwords from 50
// other addresses; the real user, from the address they signed in from
// before, still signs in. The strangers were slowed, with waits that grow.
func TestSecurityStrangersCannotLockOutSignIn(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{}, nil)
	u := e.user("victim@example.com") // signed in from homeAddr before
	var refused int
	var longest time.Duration
	for i := range 1000 {
		addr := strangerAddrs()[i%50]
		w := e.password(u.Email, fmt.Sprint("guess ", i), addr)
		switch w.Code {
		case http.StatusUnauthorized:
		case http.StatusTooManyRequests:
			refused++
			if s, err := strconv.Atoi(w.Header().Get("Retry-After")); err == nil {
				longest = max(longest, time.Duration(s)*time.Second)
			}
		default:
			t.Fatalf("attempt %d: %d %s", i, w.Code, shown(w))
		}
		if i%100 == 99 {
			e.clock.Add(10 * time.Minute) // a patient botnet
		}
	}
	if refused == 0 {
		t.Error("1,000 wrong passwords were never slowed")
	}
	if longest <= SignInWindow {
		t.Errorf("the longest wait was %v: the delays do not grow past the first tier", longest)
	}
	a := e.answer(e.password(u.Email, testPassword, homeAddr), http.StatusOK)
	if a.State != api.StateSecondFactor {
		t.Fatalf("the real user's sign-in: %v", a)
	}
	// A new address is a stranger's: it waits with them.
	if w := e.password(u.Email, testPassword, otherAddr); w.Code != http.StatusTooManyRequests {
		t.Errorf("from a new address during the attack: %d", w.Code)
	}
}

// TestSecurityStrangersCannotLockOutRecoveryRequests: strangers filing
// requests for the user's address spend only the strangers' budget; the
// user still files with their password, or from an address they signed in
// from before.
func TestSecurityStrangersCannotLockOutRecoveryRequests(t *testing.T) {
	e := newRLEnv(t, nil)
	ada := e.user(t, e.reseller, "ada", store.RoleTechnician)
	var refused int
	for i, addr := range strangerAddrs() {
		w := callFrom(t, e.h, "POST", api.PathRecoveryRequests, "", api.RecoveryRequestCreate{Email: ada.Email, Message: fmt.Sprint("spam ", i)}, addr)
		if w.Code == http.StatusTooManyRequests {
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("50 strangers' requests were never limited")
	}
	w := callFrom(t, e.h, "POST", api.PathRecoveryRequests, "", api.RecoveryRequestCreate{Email: ada.Email, Password: rlPassword}, "198.51.100.77")
	rlWantStatus(t, "the user, with the password, from a new address", w, http.StatusAccepted)
	if err := e.st.RememberAddress(context.Background(), ada.ID, "203.0.113.50"); err != nil {
		t.Fatal(err)
	}
	w = callFrom(t, e.h, "POST", api.PathRecoveryRequests, "", api.RecoveryRequestCreate{Email: ada.Email}, "203.0.113.50")
	rlWantStatus(t, "the user, without the password, from a known address", w, http.StatusAccepted)
}

// TestSecurityReplayedChallengeSpendsNoFactor: a completed challenge sent
// again with another valid backup code, or the next TOTP code, signs
// nobody in and spends neither.
func TestSecurityReplayedChallengeSpendsNoFactor(t *testing.T) {
	e := newSigninEnv(t, store.TenantPolicy{}, nil)
	u := e.user("replay@example.com")
	ch := e.challengeFor(u, homeAddr)
	e.answer(e.factor(ch, api.MethodBackupCode, u.Backup[0], homeAddr), http.StatusOK)
	before := len(outbox(t, e.h).To(u.Email))
	e.failure(e.factor(ch, api.MethodBackupCode, u.Backup[1], homeAddr), http.StatusUnauthorized, api.CodeUnauthenticated)
	if n := len(outbox(t, e.h).To(u.Email)); n != before {
		t.Error("the replay mailed a \"backup code used\" notice")
	}
	if a := e.answer(e.factor(e.challengeFor(u, homeAddr), api.MethodBackupCode, u.Backup[1], homeAddr), http.StatusOK); a.State != api.StateSignedIn {
		t.Fatal("the replay spent the second backup code")
	}

	e.clock.Add(SignInWindow) // past the second-factor limit's window
	ch = e.challengeFor(u, homeAddr)
	e.answer(e.factor(ch, api.MethodTOTP, e.code(u.Secret), homeAddr), http.StatusOK)
	e.clock.Add(30 * time.Second)
	next := e.code(u.Secret)
	e.failure(e.factor(ch, api.MethodTOTP, next, homeAddr), http.StatusUnauthorized, api.CodeUnauthenticated)
	if a := e.answer(e.factor(e.challengeFor(u, homeAddr), api.MethodTOTP, next, homeAddr), http.StatusOK); a.State != api.StateSignedIn {
		t.Fatal("the replay took the next TOTP step")
	}
}

// TestSecurityAdminSetPasswordProvesNothing: an admin who created an
// account chose its password, so a request proving that password could be
// the admin's own: its link goes by e-mail. Once the user set a password
// of their own, proving it brings the link to the app.
func TestSecurityAdminSetPasswordProvesNothing(t *testing.T) {
	e := newRLEnv(t, nil)
	admin := e.user(t, e.reseller, "mallory", store.RoleAdmin)
	const chosen, own = "the password mallory chose", "a password only nat knows"
	w := callAPI(t, e.h, "POST", api.PathAdminUsers, admin.session, api.AdminUserCreate{
		Email: "nat@reseller.example", Name: "Nat", Role: api.AdminRoleTechnician, Password: chosen})
	rlWantStatus(t, "create", w, http.StatusCreated)
	u, err := e.st.GetUserByEmail(context.Background(), "nat@reseller.example")
	if err != nil || !u.PasswordSetByAdmin {
		t.Fatalf("the created user %+v (%v) is not marked as having an admin's password", u, err)
	}
	tk := e.requestWith(t, api.RecoveryRequestCreate{Email: u.Email, Password: chosen})
	if tk.LinkTo != api.LinkToEmail {
		t.Fatalf("a request proving the admin's password sends its link to %q", tk.LinkTo)
	}
	rlWantStatus(t, "approve", e.approve(t, admin.session, e.requestID(t, tk), tk.Phrase), http.StatusOK)
	if got := e.poll(t, tk.PollToken); got.Link != nil {
		t.Fatal("the admin's password brought the link to the app")
	}

	w = callAPI(t, e.h, "POST", api.PathAccountPassword, sessionFor(t, e.h, u, store.ScopeFull),
		api.PasswordChange{CurrentPassword: chosen, NewPassword: own})
	rlWantStatus(t, "the user's own password", w, http.StatusOK)
	if tk := e.requestWith(t, api.RecoveryRequestCreate{Email: u.Email, Password: own}); tk.LinkTo != api.LinkToApp {
		t.Errorf("a request proving the user's own password sends its link to %q", tk.LinkTo)
	}
}
