package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/portal/store"
)

// --- sessions --------------------------------------------------------------

// sessionCols: last_used_at is NULL only for sessions created before a
// binary that wrote it; they count as unused since they began.
const sessionCols = "id, user_id, token_hash, scope, source_addr, created_at, expires_at, revoked_at, COALESCE(last_used_at, created_at)"

func scanSession(sc scanner) (store.Session, error) {
	var x store.Session
	var sc2 string
	err := sc.Scan(&x.ID, &x.UserID, hv{&x.TokenHash}, &sc2, &x.SourceAddr, tsv{&x.CreatedAt}, tsv{&x.ExpiresAt}, tsv{&x.RevokedAt}, tsv{&x.LastUsedAt})
	x.Scope = store.SessionScope(sc2)
	return x, err
}

// CreateSession stores a session by token digest.
func (s *DB) CreateSession(ctx context.Context, in store.NewSession) (store.Session, error) {
	op := fmt.Sprintf("create session for user %d", in.UserID)
	now := s.clock()
	switch {
	case in.Scope != store.ScopeFull && in.Scope != store.ScopeEnrol:
		return store.Session{}, failf(op, store.ErrInvalid, "unknown scope")
	case !in.ExpiresAt.After(now):
		return store.Session{}, failf(op, store.ErrInvalid, "expiry not in the future")
	}
	x, err := scanSession(s.w.QueryRowContext(ctx, s.q(`INSERT INTO sessions (user_id, token_hash, scope, source_addr, created_at, expires_at, last_used_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING `+sessionCols), in.UserID, in.TokenHash[:], string(in.Scope), in.SourceAddr, s.t(now), s.t(in.ExpiresAt), s.t(now)))
	return x, s.fail(op, err)
}

// GetSession returns a live session.
func (s *DB) GetSession(ctx context.Context, h store.TokenHash) (store.Session, error) {
	const op = "get session"
	x, err := scanSession(s.r.QueryRowContext(ctx, s.q("SELECT "+sessionCols+" FROM sessions WHERE token_hash = ?"), h[:]))
	if err != nil {
		return store.Session{}, s.fail(op, err)
	}
	switch {
	case !x.RevokedAt.IsZero():
		return store.Session{}, fmt.Errorf("store: %s: %w", op, store.ErrRevoked)
	case !x.ExpiresAt.After(s.clock()):
		return store.Session{}, fmt.Errorf("store: %s: %w", op, store.ErrExpired)
	}
	return x, nil
}

// RevokeSession revokes one session (idempotent).
func (s *DB) RevokeSession(ctx context.Context, h store.TokenHash) error {
	const op = "revoke session"
	n, err := s.execCount(ctx, op, "UPDATE sessions SET revoked_at = COALESCE(revoked_at, ?) WHERE token_hash = ?", s.t(s.clock()), h[:])
	if err == nil && n == 0 {
		return fmt.Errorf("store: %s: %w", op, store.ErrNotFound)
	}
	return err
}

// TouchSession moves the session's last use forward to at; it never moves
// it back, and leaves revoked and unknown sessions alone.
func (s *DB) TouchSession(ctx context.Context, h store.TokenHash, at time.Time) error {
	_, err := s.w.ExecContext(ctx, s.q(`UPDATE sessions SET last_used_at = ?
		WHERE token_hash = ? AND revoked_at IS NULL AND (last_used_at IS NULL OR last_used_at < ?)`), s.t(at), h[:], s.t(at))
	return s.fail("touch session", err)
}

// RevokeUserSessions revokes every live session of the user.
func (s *DB) RevokeUserSessions(ctx context.Context, userID int64) (int64, error) {
	return s.execCount(ctx, fmt.Sprintf("revoke sessions of user %d", userID),
		"UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", s.t(s.clock()), userID)
}

// RevokeOtherSessions revokes every live session of the user except keepID.
func (s *DB) RevokeOtherSessions(ctx context.Context, userID, keepID int64) (int64, error) {
	return s.execCount(ctx, fmt.Sprintf("revoke other sessions of user %d", userID),
		"UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND id <> ? AND revoked_at IS NULL", s.t(s.clock()), userID, keepID)
}

// --- rate limits -----------------------------------------------------------

// HitRateLimit increments the counter of key's current fixed window.
func (s *DB) HitRateLimit(ctx context.Context, key string, window time.Duration) (int64, error) {
	const op = "hit rate limit"
	if key == "" || window <= 0 {
		return 0, failf(op, store.ErrInvalid, "empty key or non-positive window")
	}
	now := s.clock()
	start := time.UnixMicro(now.UnixMicro() - now.UnixMicro()%window.Microseconds()).UTC()
	var n int64
	err := s.w.QueryRowContext(ctx, s.q(`INSERT INTO rate_limits (key, window_start, window_end, count) VALUES (?, ?, ?, 1)
		ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1 RETURNING count`),
		key, s.t(start), s.t(start.Add(window))).Scan(&n)
	return n, s.fail(op, err)
}

// --- audit -----------------------------------------------------------------

const auditCols = "id, at, actor_id, action, target_user_id, tenant_id, source_addr, details"

func scanAudit(sc scanner) (store.AuditEntry, error) {
	var e store.AuditEntry
	var details []byte
	err := sc.Scan(&e.ID, tsv{&e.At}, idv{&e.ActorID}, &e.Action, idv{&e.TargetUserID}, idv{&e.TenantID}, &e.SourceAddr, &details)
	e.Details = json.RawMessage(details)
	return e, err
}

// AppendAudit appends an entry; At is the store's clock.
func (s *DB) AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	op := fmt.Sprintf("append audit %q", e.Action)
	if e.Action == "" {
		return store.AuditEntry{}, failf("append audit", store.ErrInvalid, "empty action")
	}
	details := []byte(e.Details)
	if len(details) == 0 {
		details = []byte("{}")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(details, &obj); err != nil || obj == nil {
		return store.AuditEntry{}, failf(op, store.ErrInvalid, "details are not a JSON object")
	}
	out, err := scanAudit(s.w.QueryRowContext(ctx, s.q(`INSERT INTO audit_log (at, actor_id, action, target_user_id, tenant_id, source_addr, details)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING `+auditCols),
		s.t(s.clock()), id(e.ActorID), e.Action, id(e.TargetUserID), id(e.TenantID), e.SourceAddr, string(details)))
	return out, s.fail(op, err)
}

// ListAudit returns entries newest first.
func (s *DB) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	const op = "list audit"
	var where []string
	var args []any
	add := func(cond string, v any) { where, args = append(where, cond), append(args, v) }
	if f.TenantID != 0 {
		add("tenant_id = ?", f.TenantID)
	}
	if f.TargetUserID != 0 {
		add("target_user_id = ?", f.TargetUserID)
	}
	if f.ActorID != 0 {
		add("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if !f.Since.IsZero() {
		add("at >= ?", s.t(f.Since))
	}
	if f.BeforeID != 0 {
		add("id < ?", f.BeforeID)
	}
	query := "SELECT " + auditCols + " FROM audit_log" + whereAll(where) + " ORDER BY id DESC LIMIT ?"
	return queryAll(ctx, s, s.r, op, query, append(args, limit(f.Limit)), scanAudit)
}

// --- housekeeping ----------------------------------------------------------

// PruneExpired deletes dead sessions, e-mail tokens and rate-limit windows.
func (s *DB) PruneExpired(ctx context.Context) (int64, error) {
	var total int64
	err := s.tx(ctx, "prune expired", func(tx *sql.Tx) error {
		now := s.t(s.clock())
		for _, q := range []string{
			"DELETE FROM sessions WHERE expires_at <= ? OR revoked_at IS NOT NULL",
			"DELETE FROM email_tokens WHERE expires_at <= ? OR used_at IS NOT NULL OR revoked_at IS NOT NULL",
			"DELETE FROM rate_limits WHERE window_end <= ?",
		} {
			res, err := tx.ExecContext(ctx, s.q(q), now)
			if err != nil {
				return s.fail("prune expired", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return s.fail("prune expired", err)
			}
			total += n
		}
		return nil
	})
	return total, err
}
