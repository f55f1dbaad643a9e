package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/store"
)

func testSessions(t *testing.T, e *env) {
	u := e.user(e.tenant("T", 0).ID, store.RoleAdmin)
	h1, h2, h3 := hash(), hash(), hash()
	s1, err := e.s.CreateSession(e.ctx, store.NewSession{UserID: u.ID, TokenHash: h1, Scope: store.ScopeEnrol, SourceAddr: "192.0.2.1",
		ExpiresAt: e.clock.Now().Add(15 * time.Minute)})
	wantErr(t, "create", err, nil)
	if got, err := e.s.GetSession(e.ctx, h1); err != nil || got.ID != s1.ID || got.Scope != store.ScopeEnrol || got.SourceAddr != "192.0.2.1" {
		t.Fatalf("get = %+v, %v", got, err)
	}
	for _, h := range []store.TokenHash{h2, h3} {
		if _, err := e.s.CreateSession(e.ctx, store.NewSession{UserID: u.ID, TokenHash: h, Scope: store.ScopeFull, ExpiresAt: e.clock.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, "revoke", e.s.RevokeSession(e.ctx, h2), nil)
	wantErr(t, "revoke again", e.s.RevokeSession(e.ctx, h2), nil)
	wantErr(t, "revoke unknown", e.s.RevokeSession(e.ctx, hash()), store.ErrNotFound)
	_, err = e.s.GetSession(e.ctx, h2)
	wantErr(t, "get revoked", err, store.ErrRevoked)
	e.clock.Advance(15 * time.Minute)
	_, err = e.s.GetSession(e.ctx, h1)
	wantErr(t, "get expired", err, store.ErrExpired)
	if n, err := e.s.RevokeUserSessions(e.ctx, u.ID); err != nil || n != 2 {
		t.Fatalf("RevokeUserSessions = %d, %v", n, err)
	}
	_, err = e.s.GetSession(e.ctx, h3)
	wantErr(t, "after revoke all", err, store.ErrRevoked)
	_, err = e.s.GetSession(e.ctx, hash())
	wantErr(t, "unknown", err, store.ErrNotFound)
	_, err = e.s.CreateSession(e.ctx, store.NewSession{UserID: u.ID, TokenHash: hash(), Scope: "admin", ExpiresAt: e.clock.Now().Add(time.Hour)})
	wantErr(t, "bad scope", err, store.ErrInvalid)

	// RevokeOtherSessions keeps one session and ends the user's others
	// only: another user's session lives on.
	other := e.user(u.TenantID, store.RoleTechnician)
	var mine []store.Session
	hs := []store.TokenHash{hash(), hash(), hash()}
	for i, h := range hs {
		scope := store.ScopeFull
		if i == 2 {
			scope = store.ScopeEnrol
		}
		s, err := e.s.CreateSession(e.ctx, store.NewSession{UserID: u.ID, TokenHash: h, Scope: scope, ExpiresAt: e.clock.Now().Add(time.Hour)})
		wantErr(t, "create", err, nil)
		mine = append(mine, s)
	}
	oh := hash()
	if _, err := e.s.CreateSession(e.ctx, store.NewSession{UserID: other.ID, TokenHash: oh, Scope: store.ScopeFull, ExpiresAt: e.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.s.RevokeOtherSessions(e.ctx, u.ID, mine[0].ID); err != nil || n != 2 {
		t.Fatalf("RevokeOtherSessions = %d, %v; want 2", n, err)
	}
	if _, err := e.s.GetSession(e.ctx, hs[0]); err != nil {
		t.Fatalf("the kept session: %v", err)
	}
	for _, h := range hs[1:] {
		_, err := e.s.GetSession(e.ctx, h)
		wantErr(t, "another session of the user", err, store.ErrRevoked)
	}
	if _, err := e.s.GetSession(e.ctx, oh); err != nil {
		t.Fatalf("another user's session: %v", err)
	}
	_, err = e.s.CreateSession(e.ctx, store.NewSession{UserID: u.ID, TokenHash: h1, Scope: store.ScopeFull, ExpiresAt: e.clock.Now().Add(time.Hour)})
	wantErr(t, "duplicate digest", err, store.ErrConflict)
}

func testSessionTouch(t *testing.T, e *env) {
	u := e.user(e.tenant("T", 0).ID, store.RoleAdmin)
	h := hash()
	created, err := e.s.CreateSession(e.ctx, store.NewSession{UserID: u.ID, TokenHash: h, Scope: store.ScopeFull, ExpiresAt: e.clock.Now().Add(time.Hour)})
	wantErr(t, "create", err, nil)
	if !created.LastUsedAt.Equal(created.CreatedAt) {
		t.Fatalf("a new session's LastUsedAt = %v, want its CreatedAt %v", created.LastUsedAt, created.CreatedAt)
	}
	lastUse := func() time.Time {
		t.Helper()
		s, err := e.s.GetSession(e.ctx, h)
		wantErr(t, "get", err, nil)
		return s.LastUsedAt
	}
	for _, tc := range []struct {
		name string
		at   time.Time
		want time.Time
	}{
		{"forward", created.CreatedAt.Add(5 * time.Minute), created.CreatedAt.Add(5 * time.Minute)},
		{"not backwards", created.CreatedAt.Add(time.Minute), created.CreatedAt.Add(5 * time.Minute)},
		{"same instant", created.CreatedAt.Add(5 * time.Minute), created.CreatedAt.Add(5 * time.Minute)},
		{"forward again, microseconds", created.CreatedAt.Add(6*time.Minute + 1500*time.Nanosecond), created.CreatedAt.Add(6*time.Minute + time.Microsecond)},
	} {
		wantErr(t, "TouchSession "+tc.name, e.s.TouchSession(e.ctx, h, tc.at), nil)
		if got := lastUse(); !got.Equal(tc.want) {
			t.Fatalf("%s: LastUsedAt = %v, want %v", tc.name, got, tc.want)
		}
	}
	// Another node's store sees it.
	if s, err := e.reopen().GetSession(e.ctx, h); err != nil || !s.LastUsedAt.Equal(created.CreatedAt.Add(6*time.Minute+time.Microsecond)) {
		t.Fatalf("reopened: %+v, %v", s, err)
	}
	// Unknown and revoked sessions are left alone, without an error.
	wantErr(t, "touch unknown", e.s.TouchSession(e.ctx, hash(), e.clock.Now()), nil)
	wantErr(t, "revoke", e.s.RevokeSession(e.ctx, h), nil)
	wantErr(t, "touch revoked", e.s.TouchSession(e.ctx, h, created.CreatedAt.Add(time.Hour)), nil)
	if _, err := e.s.GetSession(e.ctx, h); !errors.Is(err, store.ErrRevoked) {
		t.Fatalf("a touch revived a revoked session: %v", err)
	}
	// A session written before last_used_at existed counts from its start.
	h2 := hash()
	if _, err := e.s.CreateSession(e.ctx, store.NewSession{UserID: u.ID, TokenHash: h2, Scope: store.ScopeFull, ExpiresAt: e.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Exec(e.ctx, "UPDATE sessions SET last_used_at = NULL"); err != nil {
		t.Fatal(err)
	}
	if s, err := e.s.GetSession(e.ctx, h2); err != nil || !s.LastUsedAt.Equal(s.CreatedAt) {
		t.Fatalf("without last_used_at: %+v, %v", s, err)
	}
}

func testRateLimits(t *testing.T, e *env) {
	other := e.reopen()
	for i, want := range []int64{1, 2, 3} {
		s := e.s
		if i == 1 {
			s = other
		}
		n, err := s.HitRateLimit(e.ctx, "recovery:ip:203.0.113.5", time.Minute)
		if err != nil || n != want {
			t.Fatalf("hit %d = %d, %v; want %d", i, n, err, want)
		}
	}
	if n, _ := e.s.HitRateLimit(e.ctx, "recovery:acct:abc", time.Minute); n != 1 {
		t.Fatalf("other key = %d", n)
	}
	e.clock.Advance(time.Minute)
	if n, _ := e.s.HitRateLimit(e.ctx, "recovery:ip:203.0.113.5", time.Minute); n != 1 {
		t.Fatalf("next window = %d", n)
	}
	_, err := e.s.HitRateLimit(e.ctx, "", time.Minute)
	wantErr(t, "empty key", err, store.ErrInvalid)
}

func testAudit(t *testing.T, e *env) {
	tn := e.tenant("T", 0)
	admin := e.user(tn.ID, store.RoleAdmin)
	u := e.user(tn.ID, store.RoleTechnician)
	var first store.AuditEntry
	for i, a := range []string{"recovery.requested", "recovery.approved", "link.issued"} {
		e.clock.Advance(time.Second)
		got, err := e.s.AppendAudit(e.ctx, store.AuditEntry{ActorID: admin.ID, Action: a, TargetUserID: u.ID, TenantID: tn.ID,
			SourceAddr: "192.0.2.9", Details: json.RawMessage(fmt.Sprintf(`{"n": %d, "via": "test"}`, i))})
		wantErr(t, "append", err, nil)
		if i == 0 {
			first = got
		}
		if !got.At.Equal(e.clock.Now()) || got.ID == 0 {
			t.Fatalf("appended = %+v", got)
		}
	}
	if _, err := e.s.AppendAudit(e.ctx, store.AuditEntry{Action: "recovery.requested"}); err != nil {
		t.Fatalf("anonymous append: %v", err)
	}
	list, err := e.s.ListAudit(e.ctx, store.AuditFilter{TenantID: tn.ID})
	if err != nil || len(list) != 3 || list[0].Action != "link.issued" || list[2].ID != first.ID {
		t.Fatalf("ListAudit = %+v, %v", list, err)
	}
	var d map[string]any
	if err := json.Unmarshal(list[2].Details, &d); err != nil || d["via"] != "test" || d["n"] != float64(0) {
		t.Fatalf("details = %s, %v", list[2].Details, err)
	}
	if l, _ := e.s.ListAudit(e.ctx, store.AuditFilter{Action: "recovery.approved", TargetUserID: u.ID}); len(l) != 1 {
		t.Fatalf("by action = %+v", l)
	}
	if l, _ := e.s.ListAudit(e.ctx, store.AuditFilter{Limit: 2}); len(l) != 2 {
		t.Fatalf("limit = %d", len(l))
	}
	if l, _ := e.s.ListAudit(e.ctx, store.AuditFilter{BeforeID: first.ID + 1}); len(l) != 1 || l[0].ID != first.ID {
		t.Fatalf("paging = %+v", l)
	}
	for _, bad := range []string{`[1]`, `not json`, `null`} {
		_, err := e.s.AppendAudit(e.ctx, store.AuditEntry{Action: "x", Details: json.RawMessage(bad)})
		wantErr(t, "bad details "+bad, err, store.ErrInvalid)
	}

	// The interface offers no way to change an entry.
	st := reflect.TypeOf((*store.Store)(nil)).Elem()
	for i := 0; i < st.NumMethod(); i++ {
		m := st.Method(i).Name
		if strings.Contains(m, "Audit") && m != "AppendAudit" && m != "ListAudit" {
			t.Errorf("Store has audit method %s", m)
		}
	}
	// The database refuses changes made behind the store's back.
	for _, q := range []string{
		"UPDATE audit_log SET action = 'forged'",
		"DELETE FROM audit_log",
	} {
		if err := e.db.Exec(e.ctx, q); err == nil {
			t.Errorf("%q succeeded on the audit log", q)
		} else if !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%q: unexpected error %v", q, err)
		}
	}
	if l, _ := e.s.ListAudit(e.ctx, store.AuditFilter{}); len(l) != 4 || l[0].Action == "forged" {
		t.Fatalf("audit changed: %+v", l)
	}
}

func testPrune(t *testing.T, e *env) {
	u := e.user(e.tenant("T", 0).ID, store.RoleAdmin)
	live := hash()
	for _, x := range []struct {
		h   store.TokenHash
		ttl time.Duration
	}{{hash(), time.Minute}, {live, time.Hour}} {
		if _, err := e.s.CreateSession(e.ctx, store.NewSession{UserID: u.ID, TokenHash: x.h, Scope: store.ScopeFull, ExpiresAt: e.clock.Now().Add(x.ttl)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.s.CreateEmailToken(e.ctx, store.NewEmailToken{UserID: u.ID, Purpose: store.PurposeSignInCode, TokenHash: hash(), ExpiresAt: e.clock.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.HitRateLimit(e.ctx, "k", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.AppendAudit(e.ctx, store.AuditEntry{Action: "kept"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Minute)
	n, err := e.s.PruneExpired(e.ctx)
	if err != nil || n != 3 {
		t.Fatalf("PruneExpired = %d, %v; want 3", n, err)
	}
	if _, err := e.s.GetSession(e.ctx, live); err != nil {
		t.Fatalf("live session pruned: %v", err)
	}
	if l, _ := e.s.ListAudit(e.ctx, store.AuditFilter{}); len(l) != 1 {
		t.Fatal("audit entry pruned")
	}
}
