package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/store"
)

func testRequests(t *testing.T, e *env) {
	tn := e.tenant("T", 0)
	admin := e.user(tn.ID, store.RoleAdmin)
	u := e.user(tn.ID, store.RoleTechnician)
	rt := hash()
	r, err := e.s.CreateRecoveryRequest(e.ctx, store.NewRecoveryRequest{UserID: u.ID, Email: u.Email, Message: "lost my phone",
		Phrase: "amber otter 42", RequesterTokenHash: rt, SourceAddr: "198.51.100.7"})
	wantErr(t, "create", err, nil)
	if r.Status != store.RequestPending || r.TenantID != tn.ID || r.Phrase != "amber otter 42" || r.SourceAddr != "198.51.100.7" {
		t.Fatalf("request = %+v", r)
	}
	unknown, err := e.s.CreateRecoveryRequest(e.ctx, store.NewRecoveryRequest{Email: "ghost@example.com", Message: "hi",
		Phrase: "blue fox", RequesterTokenHash: hash()})
	wantErr(t, "create for unknown email", err, nil)
	if unknown.UserID != 0 || unknown.TenantID != 0 {
		t.Fatalf("unknown request = %+v", unknown)
	}
	if got, err := e.s.GetRecoveryRequestByToken(e.ctx, rt); err != nil || got.ID != r.ID {
		t.Fatalf("by token = %+v, %v", got, err)
	}
	_, err = e.s.CreateRecoveryRequest(e.ctx, store.NewRecoveryRequest{UserID: 999999, Email: "x@example.com", Phrase: "p", RequesterTokenHash: hash()})
	wantErr(t, "unknown user", err, store.ErrNotFound)

	for _, tc := range []struct {
		name     string
		from, to store.RequestStatus
		by       int64
		want     error
	}{
		{"self approval", store.RequestPending, store.RequestApproved, u.ID, store.ErrInvalid},
		{"no decider", store.RequestPending, store.RequestApproved, 0, store.ErrInvalid},
		{"skip to completed", store.RequestPending, store.RequestCompleted, admin.ID, store.ErrInvalid},
		{"forward", store.RequestPending, store.RequestForwarded, admin.ID, nil},
		{"stale from", store.RequestPending, store.RequestApproved, admin.ID, store.ErrConflict},
		{"approve", store.RequestForwarded, store.RequestApproved, admin.ID, nil},
	} {
		_, err := e.s.TransitionRecoveryRequest(e.ctx, r.ID, tc.from, tc.to, tc.by)
		wantErr(t, tc.name, err, tc.want)
	}
	got, _ := e.s.GetRecoveryRequest(e.ctx, r.ID)
	if got.Status != store.RequestApproved || got.DecidedBy != admin.ID || got.DecidedAt.IsZero() {
		t.Fatalf("after approve: %+v", got)
	}
	_, err = e.s.TransitionRecoveryRequest(e.ctx, 999999, store.RequestPending, store.RequestDenied, admin.ID)
	wantErr(t, "unknown request", err, store.ErrNotFound)

	list, err := e.s.ListRecoveryRequests(e.ctx, store.RequestFilter{TenantID: tn.ID})
	if err != nil || len(list) != 1 || list[0].ID != r.ID {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if l, _ := e.s.ListRecoveryRequests(e.ctx, store.RequestFilter{Status: store.RequestPending}); len(l) != 1 || l[0].ID != unknown.ID {
		t.Fatalf("pending list = %+v", l)
	}

	e.clock.Advance(25 * time.Hour)
	ids, err := e.s.ExpireRecoveryRequests(e.ctx, e.clock.Now().Add(-24*time.Hour))
	if err != nil || !sameSet(ids, []int64{r.ID, unknown.ID}) {
		t.Fatalf("expired = %v, %v", ids, err)
	}
	if ids, _ := e.s.ExpireRecoveryRequests(e.ctx, e.clock.Now()); len(ids) != 0 {
		t.Fatalf("expired again: %v", ids)
	}
}

func testLinks(t *testing.T, e *env) {
	tn := e.tenant("T", 0)
	admin := e.user(tn.ID, store.RoleAdmin)
	u := e.user(tn.ID, store.RoleTechnician)
	req, _ := e.s.CreateRecoveryRequest(e.ctx, store.NewRecoveryRequest{UserID: u.ID, Email: u.Email, Phrase: "p", RequesterTokenHash: hash()})
	exp := e.clock.Now().Add(time.Hour)

	_, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: u.ID, RequestID: req.ID, Purpose: store.LinkReenrol2FA, TokenHash: hash(), ExpiresAt: exp})
	wantErr(t, "issue for pending request", err, store.ErrConflict)
	if _, err := e.s.TransitionRecoveryRequest(e.ctx, req.ID, store.RequestPending, store.RequestApproved, admin.ID); err != nil {
		t.Fatal(err)
	}
	h1, h2 := hash(), hash()
	l1, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: u.ID, RequestID: req.ID, Purpose: store.LinkReenrol2FA, TokenHash: h1, IssuedBy: admin.ID, ExpiresAt: exp})
	wantErr(t, "issue", err, nil)
	if got, _ := e.s.GetRecoveryRequest(e.ctx, req.ID); got.Status != store.RequestLinkIssued {
		t.Fatalf("request status %s", got.Status)
	}
	l2, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: u.ID, RequestID: req.ID, Purpose: store.LinkReenrol2FA, TokenHash: h2, IssuedBy: admin.ID, ExpiresAt: exp})
	wantErr(t, "re-issue", err, nil)
	if old, _ := e.s.GetRecoveryLink(e.ctx, h1); old.RevokedAt.IsZero() || old.ID != l1.ID {
		t.Fatalf("older link not revoked: %+v", old)
	}
	if peek, _ := e.s.GetRecoveryLink(e.ctx, h2); !peek.UsedAt.IsZero() || peek.IssuedBy != admin.ID || peek.RequestID != req.ID {
		t.Fatalf("peek = %+v", peek)
	}
	_, err = e.s.RedeemRecoveryLink(e.ctx, store.LinkReenrol2FA, h1)
	wantErr(t, "redeem revoked", err, store.ErrRevoked)
	got, err := e.s.RedeemRecoveryLink(e.ctx, store.LinkReenrol2FA, h2)
	if err != nil || got.ID != l2.ID || got.UserID != u.ID || got.UsedAt.IsZero() {
		t.Fatalf("redeem = %+v, %v", got, err)
	}
	if r, _ := e.s.GetRecoveryRequest(e.ctx, req.ID); r.Status != store.RequestCompleted {
		t.Fatalf("request status after redeem %s", r.Status)
	}
	for _, tc := range []struct {
		name    string
		purpose store.LinkPurpose
		h       store.TokenHash
		want    error
	}{
		{"redeem twice", store.LinkReenrol2FA, h2, store.ErrUsed},
		{"wrong purpose", "reset_password", h2, store.ErrNotFound},
		{"unknown", store.LinkReenrol2FA, hash(), store.ErrNotFound},
	} {
		_, err := e.s.RedeemRecoveryLink(e.ctx, tc.purpose, tc.h)
		wantErr(t, tc.name, err, tc.want)
	}

	// Direct issue, expiry at exactly expires_at.
	h3 := hash()
	if _, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: u.ID, Purpose: store.LinkReenrol2FA, TokenHash: h3, IssuedBy: admin.ID,
		ExpiresAt: e.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	_, err = e.s.RedeemRecoveryLink(e.ctx, store.LinkReenrol2FA, h3)
	wantErr(t, "expired", err, store.ErrExpired)

	h4 := hash()
	if _, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: u.ID, Purpose: store.LinkReenrol2FA, TokenHash: h4, ExpiresAt: e.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.s.RevokeRecoveryLinks(e.ctx, u.ID); err != nil || n != 1 {
		t.Fatalf("RevokeRecoveryLinks = %d, %v", n, err)
	}
	_, err = e.s.RedeemRecoveryLink(e.ctx, store.LinkReenrol2FA, h4)
	wantErr(t, "redeem after revoke", err, store.ErrRevoked)

	for _, tc := range []struct {
		name string
		in   store.NewRecoveryLink
		want error
	}{
		{"past expiry", store.NewRecoveryLink{UserID: u.ID, Purpose: store.LinkReenrol2FA, TokenHash: hash(), ExpiresAt: e.clock.Now()}, store.ErrInvalid},
		{"bad purpose", store.NewRecoveryLink{UserID: u.ID, Purpose: "x", TokenHash: hash(), ExpiresAt: e.clock.Now().Add(time.Hour)}, store.ErrInvalid},
		{"unknown user", store.NewRecoveryLink{UserID: 999999, Purpose: store.LinkReenrol2FA, TokenHash: hash(), ExpiresAt: e.clock.Now().Add(time.Hour)}, store.ErrNotFound},
		{"duplicate digest", store.NewRecoveryLink{UserID: u.ID, Purpose: store.LinkReenrol2FA, TokenHash: h2, ExpiresAt: e.clock.Now().Add(time.Hour)}, store.ErrConflict},
	} {
		_, err := e.s.IssueRecoveryLink(e.ctx, tc.in)
		wantErr(t, tc.name, err, tc.want)
	}
}

// testLinkRace: 200 concurrent redemptions of one link through two Store
// instances (two connection pools) on one database: exactly one succeeds.
func testLinkRace(t *testing.T, e *env) {
	u := e.user(e.tenant("T", 0).ID, store.RoleTechnician)
	stores := []store.Store{e.s, e.reopen()}
	for round := 0; round < 2; round++ {
		h := hash()
		if _, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: u.ID, Purpose: store.LinkReenrol2FA, TokenHash: h,
			ExpiresAt: e.clock.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		const n = 200
		wins, used := race(t, n, stores, func(st store.Store) error {
			_, err := st.RedeemRecoveryLink(e.ctx, store.LinkReenrol2FA, h)
			return err
		}, store.ErrUsed)
		if wins != 1 || used != n-1 {
			t.Fatalf("round %d: %d successes, %d used; want exactly 1 and %d", round, wins, used, n-1)
		}
	}
}

// approvedRequest creates a request of u and approves it by admin.
func (e *env) approvedRequest(u, admin store.User) store.RecoveryRequest {
	e.t.Helper()
	r, err := e.s.CreateRecoveryRequest(e.ctx, store.NewRecoveryRequest{UserID: u.ID, Email: u.Email, Phrase: "amber otter", RequesterTokenHash: hash()})
	if err != nil {
		e.t.Fatalf("CreateRecoveryRequest: %v", err)
	}
	if r, err = e.s.TransitionRecoveryRequest(e.ctx, r.ID, store.RequestPending, store.RequestApproved, admin.ID); err != nil {
		e.t.Fatalf("approve: %v", err)
	}
	return r
}

// sealed is a stand-in for a caller's AEAD output: the store keeps bytes.
func sealed(n int) store.EncryptedSecret {
	return store.EncryptedSecret{KeyID: "k1", Ciphertext: []byte(fmt.Sprintf("sealed-link-%d", n))}
}

// testDelivery: the sealed link for the requesting app is kept with the
// request at issue time, taken exactly once, and dropped whenever the link
// it carries can no longer be used.
func testDelivery(t *testing.T, e *env) {
	tn := e.tenant("T", 0)
	admin := e.user(tn.ID, store.RoleAdmin)
	u := e.user(tn.ID, store.RoleTechnician)
	exp := e.clock.Now().Add(time.Hour)
	issue := func(req store.RecoveryRequest, d store.EncryptedSecret) (store.RecoveryLink, store.TokenHash) {
		t.Helper()
		h := hash()
		l, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: req.UserID, RequestID: req.ID, Purpose: store.LinkReenrol2FA,
			TokenHash: h, IssuedBy: admin.ID, ExpiresAt: exp, Delivery: d})
		if err != nil {
			t.Fatalf("issue with delivery: %v", err)
		}
		return l, h
	}
	get := func(id int64) store.RecoveryRequest {
		t.Helper()
		r, err := e.s.GetRecoveryRequest(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	// Set, taken once, cleared.
	req := e.approvedRequest(u, admin)
	if req.DeliveryPending {
		t.Fatal("a request without a link has a delivery pending")
	}
	_, err := e.s.TakeRecoveryLinkDelivery(e.ctx, req.ID)
	wantErr(t, "take before issue", err, store.ErrNotFound)
	issue(req, sealed(1))
	if r := get(req.ID); !r.DeliveryPending || !r.DeliveredAt.IsZero() || r.Status != store.RequestLinkIssued {
		t.Fatalf("after issue: %+v", r)
	}
	e.clock.Advance(time.Minute)
	got, err := e.s.TakeRecoveryLinkDelivery(e.ctx, req.ID)
	if err != nil || !reflect.DeepEqual(got, sealed(1)) {
		t.Fatalf("take = %+v, %v; want %+v", got, err, sealed(1))
	}
	r := get(req.ID)
	if r.DeliveryPending || !r.DeliveredAt.Equal(e.clock.Now()) || r.Status != store.RequestLinkIssued {
		t.Fatalf("after take: pending %v, delivered %v (want %v), status %s", r.DeliveryPending, r.DeliveredAt, e.clock.Now(), r.Status)
	}
	_, err = e.s.TakeRecoveryLinkDelivery(e.ctx, req.ID)
	wantErr(t, "second take", err, store.ErrNotFound)
	_, err = e.s.TakeRecoveryLinkDelivery(e.ctx, 999999)
	wantErr(t, "unknown request", err, store.ErrNotFound)

	// Re-issuing replaces the delivery and forgets the earlier hand-out.
	issue(req, sealed(2))
	if r := get(req.ID); !r.DeliveryPending || !r.DeliveredAt.IsZero() {
		t.Fatalf("after re-issue: %+v", r)
	}
	// A re-issue without a delivery drops the one waiting (its link is revoked).
	issue(req, store.EncryptedSecret{})
	_, err = e.s.TakeRecoveryLinkDelivery(e.ctx, req.ID)
	wantErr(t, "take after re-issue without delivery", err, store.ErrNotFound)

	// Redeeming the link e-mailed alongside drops the delivery.
	_, h := issue(req, sealed(3))
	if _, err := e.s.RedeemRecoveryLink(e.ctx, store.LinkReenrol2FA, h); err != nil {
		t.Fatal(err)
	}
	if r := get(req.ID); r.DeliveryPending || r.Status != store.RequestCompleted {
		t.Fatalf("after redeem: %+v", r)
	}
	_, err = e.s.TakeRecoveryLinkDelivery(e.ctx, req.ID)
	wantErr(t, "take after redeem", err, store.ErrNotFound)

	// A link issued directly revokes the request's link and drops its delivery.
	req2 := e.approvedRequest(u, admin)
	issue(req2, sealed(4))
	if _, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: u.ID, Purpose: store.LinkReenrol2FA, TokenHash: hash(),
		IssuedBy: admin.ID, ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.TakeRecoveryLinkDelivery(e.ctx, req2.ID)
	wantErr(t, "take after a direct link", err, store.ErrNotFound)

	// Revoking the user's links drops it.
	req3 := e.approvedRequest(u, admin)
	issue(req3, sealed(5))
	if _, err := e.s.RevokeRecoveryLinks(e.ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.TakeRecoveryLinkDelivery(e.ctx, req3.ID)
	wantErr(t, "take after revoke", err, store.ErrNotFound)

	// Expiry drops it.
	req4 := e.approvedRequest(u, admin)
	issue(req4, sealed(6))
	e.clock.Advance(2 * time.Hour)
	if ids, err := e.s.ExpireRecoveryRequests(e.ctx, e.clock.Now().Add(-time.Hour)); err != nil || !slices.Contains(ids, req4.ID) {
		t.Fatalf("expire = %v, %v", ids, err)
	}
	if r := get(req4.ID); r.DeliveryPending || r.Status != store.RequestExpired {
		t.Fatalf("after expiry: %+v", r)
	}
	_, err = e.s.TakeRecoveryLinkDelivery(e.ctx, req4.ID)
	wantErr(t, "take after expiry", err, store.ErrNotFound)

	// Another user's request is untouched by this user's links.
	v := e.user(tn.ID, store.RoleReadOnly)
	other := e.approvedRequest(v, admin)
	exp = e.clock.Now().Add(time.Hour)
	issue(other, sealed(7))
	if _, err := e.s.RevokeRecoveryLinks(e.ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if r := get(other.ID); !r.DeliveryPending {
		t.Fatal("revoking one user's links dropped another user's delivery")
	}

	for _, tc := range []struct {
		name string
		in   store.NewRecoveryLink
	}{
		{"delivery without request", store.NewRecoveryLink{UserID: u.ID, Purpose: store.LinkReenrol2FA, TokenHash: hash(), ExpiresAt: exp, Delivery: sealed(8)}},
		{"delivery without key id", store.NewRecoveryLink{UserID: v.ID, RequestID: other.ID, Purpose: store.LinkReenrol2FA, TokenHash: hash(), ExpiresAt: exp,
			Delivery: store.EncryptedSecret{Ciphertext: []byte("x")}}},
		{"delivery without ciphertext", store.NewRecoveryLink{UserID: v.ID, RequestID: other.ID, Purpose: store.LinkReenrol2FA, TokenHash: hash(), ExpiresAt: exp,
			Delivery: store.EncryptedSecret{KeyID: "k1"}}},
	} {
		_, err := e.s.IssueRecoveryLink(e.ctx, tc.in)
		wantErr(t, tc.name, err, store.ErrInvalid)
	}
	if r := get(other.ID); !r.DeliveryPending {
		t.Fatal("a refused issue changed the waiting delivery")
	}
}

// testDeliveryRace: 100 concurrent takes through two Store instances (two
// connection pools) on one database: exactly one gets the sealed link.
func testDeliveryRace(t *testing.T, e *env) {
	tn := e.tenant("T", 0)
	admin := e.user(tn.ID, store.RoleAdmin)
	u := e.user(tn.ID, store.RoleTechnician)
	stores := []store.Store{e.s, e.reopen()}
	for round := 0; round < 2; round++ {
		req := e.approvedRequest(u, admin)
		if _, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: u.ID, RequestID: req.ID, Purpose: store.LinkReenrol2FA,
			TokenHash: hash(), IssuedBy: admin.ID, ExpiresAt: e.clock.Now().Add(time.Hour), Delivery: sealed(round)}); err != nil {
			t.Fatal(err)
		}
		const n = 100
		wins, gone := race(t, n, stores, func(st store.Store) error {
			got, err := st.TakeRecoveryLinkDelivery(e.ctx, req.ID)
			if err == nil && !reflect.DeepEqual(got, sealed(round)) {
				t.Errorf("took %+v", got)
			}
			return err
		}, store.ErrNotFound)
		if wins != 1 || gone != n-1 {
			t.Fatalf("round %d: %d takes succeeded, %d found nothing; want exactly 1 and %d", round, wins, gone, n-1)
		}
	}
}

// testRequestFilters: the filters the admins' queue combines.
func testRequestFilters(t *testing.T, e *env) {
	reseller := e.tenant("Reseller", 0)
	customer := e.tenant("Customer", reseller.ID)
	stranger := e.tenant("Stranger", 0)
	mk := func(tenantID int64) store.RecoveryRequest {
		t.Helper()
		var userID int64
		email := "nobody@example.com"
		if tenantID != 0 {
			u := e.user(tenantID, store.RoleTechnician)
			userID, email = u.ID, u.Email
		}
		r, err := e.s.CreateRecoveryRequest(e.ctx, store.NewRecoveryRequest{UserID: userID, Email: email, Phrase: "p", RequesterTokenHash: hash()})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b, c, ghost := mk(reseller.ID), mk(customer.ID), mk(stranger.ID), mk(0)
	admin := e.user(stranger.ID, store.RoleAdmin)
	if _, err := e.s.TransitionRecoveryRequest(e.ctx, c.ID, store.RequestPending, store.RequestForwarded, admin.ID); err != nil {
		t.Fatal(err)
	}
	ids := func(f store.RequestFilter) []int64 {
		t.Helper()
		l, err := e.s.ListRecoveryRequests(e.ctx, f)
		if err != nil {
			t.Fatalf("list %+v: %v", f, err)
		}
		var out []int64
		for _, r := range l {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    store.RequestFilter
		want []int64
	}{
		{"own and child tenants", store.RequestFilter{TenantIDs: []int64{reseller.ID, customer.ID}}, []int64{b.ID, a.ID}},
		{"one of several", store.RequestFilter{TenantIDs: []int64{customer.ID}}, []int64{b.ID}},
		{"tenants and status", store.RequestFilter{TenantIDs: []int64{reseller.ID, stranger.ID}, Status: store.RequestForwarded}, []int64{c.ID}},
		{"unmatched", store.RequestFilter{Unmatched: true}, []int64{ghost.ID}},
		{"unmatched pending", store.RequestFilter{Unmatched: true, Status: store.RequestPending}, []int64{ghost.ID}},
		{"unmatched forwarded", store.RequestFilter{Unmatched: true, Status: store.RequestForwarded}, nil},
		{"forwarded anywhere", store.RequestFilter{Status: store.RequestForwarded}, []int64{c.ID}},
		{"limit", store.RequestFilter{Limit: 2}, []int64{ghost.ID, c.ID}},
	} {
		if got := ids(tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// testLinkLapse: a link that expires unused is reported by
// LapseRecoveryLinks exactly once; used, revoked and live links never are.
func testLinkLapse(t *testing.T, e *env) {
	tn := e.tenant("T", 0)
	u1, u2, u3 := e.user(tn.ID, store.RoleReadOnly), e.user(tn.ID, store.RoleReadOnly), e.user(tn.ID, store.RoleReadOnly)
	issue := func(userID int64, ttl time.Duration) (store.RecoveryLink, store.TokenHash) {
		t.Helper()
		h := hash()
		l, err := e.s.IssueRecoveryLink(e.ctx, store.NewRecoveryLink{UserID: userID, Purpose: store.LinkReenrol2FA, TokenHash: h, ExpiresAt: e.clock.Now().Add(ttl)})
		if err != nil {
			t.Fatal(err)
		}
		return l, h
	}
	lapsing, _ := issue(u1.ID, time.Minute)
	_, usedHash := issue(u2.ID, time.Minute)
	if _, err := e.s.RedeemRecoveryLink(e.ctx, store.LinkReenrol2FA, usedHash); err != nil {
		t.Fatal(err)
	}
	live, _ := issue(u3.ID, time.Hour)

	if got, err := e.s.LapseRecoveryLinks(e.ctx, e.clock.Now()); err != nil || len(got) != 0 {
		t.Fatalf("before expiry: %d links, %v", len(got), err)
	}
	e.clock.Advance(2 * time.Minute)
	got, err := e.s.LapseRecoveryLinks(e.ctx, e.clock.Now())
	if err != nil || len(got) != 1 || got[0].ID != lapsing.ID || got[0].LapsedAt.IsZero() || got[0].UserID != u1.ID {
		t.Fatalf("after expiry: %+v, %v", got, err)
	}
	if again, err := e.s.LapseRecoveryLinks(e.ctx, e.clock.Now()); err != nil || len(again) != 0 {
		t.Fatalf("a second sweep: %d links, %v", len(again), err)
	}
	if _, err := e.s.RevokeRecoveryLinks(e.ctx, u3.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Hour)
	if got, err := e.s.LapseRecoveryLinks(e.ctx, e.clock.Now()); err != nil || len(got) != 0 {
		t.Fatalf("the revoked link %d lapsed: %d links, %v", live.ID, len(got), err)
	}
}
