package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/latchkey/latchkey/portal/store"
)

// --- recovery requests -----------------------------------------------------

// requestCols never selects the sealed delivery itself: only
// TakeRecoveryLinkDelivery reads it, in the statement that clears it.
const requestCols = "id, user_id, tenant_id, email, message, phrase, requester_token_hash, status, source_addr, created_at, decided_at, decided_by, updated_at, " +
	"delivery_ciphertext IS NOT NULL, delivered_at, password_proven, forwarded_by"

func scanRequest(sc scanner) (store.RecoveryRequest, error) {
	var r store.RecoveryRequest
	var st string
	err := sc.Scan(&r.ID, idv{&r.UserID}, idv{&r.TenantID}, &r.Email, &r.Message, &r.Phrase, hv{&r.RequesterTokenHash}, &st,
		&r.SourceAddr, tsv{&r.CreatedAt}, tsv{&r.DecidedAt}, idv{&r.DecidedBy}, tsv{&r.UpdatedAt}, &r.DeliveryPending, tsv{&r.DeliveredAt},
		&r.PasswordProven, idv{&r.ForwardedBy})
	r.Status = store.RequestStatus(st)
	return r, err
}

// clearDelivery is the SET clause that drops a request's sealed link.
const clearDelivery = "delivery_key_id = NULL, delivery_ciphertext = NULL"

// openStatuses are the states ExpireRecoveryRequests moves to expired.
const openStatuses = "('pending','approved','forwarded','link_issued')"

// transitions lists the allowed status changes (defence in depth: the HTTP
// layer decides who may make them).
var transitions = map[store.RequestStatus][]store.RequestStatus{
	store.RequestPending:    {store.RequestApproved, store.RequestDenied, store.RequestForwarded, store.RequestExpired},
	store.RequestForwarded:  {store.RequestApproved, store.RequestDenied, store.RequestExpired},
	store.RequestApproved:   {store.RequestLinkIssued, store.RequestDenied, store.RequestExpired},
	store.RequestLinkIssued: {store.RequestCompleted, store.RequestExpired},
}

func decision(st store.RequestStatus) bool {
	return st == store.RequestApproved || st == store.RequestDenied || st == store.RequestForwarded
}

// final reports the states after which nothing is delivered to the app.
func final(st store.RequestStatus) bool {
	return st == store.RequestDenied || st == store.RequestCompleted || st == store.RequestExpired
}

// CreateRecoveryRequest records a pending request. With UserID set the
// tenant is the user's; with UserID 0 the email matched no account.
func (s *DB) CreateRecoveryRequest(ctx context.Context, in store.NewRecoveryRequest) (store.RecoveryRequest, error) {
	const op = "create recovery request"
	if in.Phrase == "" || strings.TrimSpace(in.Email) == "" {
		return store.RecoveryRequest{}, failf(op, store.ErrInvalid, "empty email or phrase")
	}
	now := s.t(s.clock())
	r, err := scanRequest(s.w.QueryRowContext(ctx, s.q(`INSERT INTO recovery_requests
		(user_id, tenant_id, email, message, phrase, requester_token_hash, status, source_addr, created_at, updated_at, password_proven)
		VALUES (?, (SELECT tenant_id FROM users WHERE id = ?), ?, ?, ?, ?, 'pending', ?, ?, ?, ?) RETURNING `+requestCols),
		id(in.UserID), in.UserID, strings.TrimSpace(in.Email), in.Message, in.Phrase, in.RequesterTokenHash[:], in.SourceAddr, now, now,
		in.PasswordProven && in.UserID != 0))
	return r, s.fail(op, err)
}

// GetRecoveryRequest returns a request by ID.
func (s *DB) GetRecoveryRequest(ctx context.Context, reqID int64) (store.RecoveryRequest, error) {
	r, err := scanRequest(s.r.QueryRowContext(ctx, s.q("SELECT "+requestCols+" FROM recovery_requests WHERE id = ?"), reqID))
	return r, s.fail(fmt.Sprintf("get recovery request %d", reqID), err)
}

// GetRecoveryRequestByToken returns the request the requesting app polls.
func (s *DB) GetRecoveryRequestByToken(ctx context.Context, h store.TokenHash) (store.RecoveryRequest, error) {
	r, err := scanRequest(s.r.QueryRowContext(ctx, s.q("SELECT "+requestCols+" FROM recovery_requests WHERE requester_token_hash = ?"), h[:]))
	return r, s.fail("get recovery request by token", err)
}

// ListRecoveryRequests returns requests, newest first.
func (s *DB) ListRecoveryRequests(ctx context.Context, f store.RequestFilter) ([]store.RecoveryRequest, error) {
	const op = "list recovery requests"
	var where []string
	var args []any
	if f.TenantID != 0 {
		where, args = append(where, "tenant_id = ?"), append(args, f.TenantID)
	}
	if len(f.TenantIDs) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(f.TenantIDs)), ", ")
		where = append(where, "tenant_id IN ("+marks+")")
		for _, t := range f.TenantIDs {
			args = append(args, t)
		}
	}
	if f.UserID != 0 {
		where, args = append(where, "user_id = ?"), append(args, f.UserID)
	}
	if f.Unmatched {
		where = append(where, "user_id IS NULL")
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	query := "SELECT " + requestCols + " FROM recovery_requests" + whereAll(where) + " ORDER BY id DESC LIMIT ?"
	return queryAll(ctx, s, s.r, op, query, append(args, limit(f.Limit)), scanRequest)
}

func limit(n int) int {
	if n <= 0 || n > 1000 {
		return 100
	}
	return n
}

// TransitionRecoveryRequest is a compare-and-swap on the status.
func (s *DB) TransitionRecoveryRequest(ctx context.Context, reqID int64, from, to store.RequestStatus, decidedBy int64) (store.RecoveryRequest, error) {
	op := fmt.Sprintf("recovery request %d %s -> %s", reqID, from, to)
	allowed := false
	for _, t := range transitions[from] {
		allowed = allowed || t == to
	}
	if !allowed {
		return store.RecoveryRequest{}, failf(op, store.ErrInvalid, "transition not allowed")
	}
	now := s.t(s.clock())
	query := "UPDATE recovery_requests SET status = ?, updated_at = ?"
	args := []any{string(to), now}
	if decision(to) {
		if decidedBy == 0 {
			return store.RecoveryRequest{}, failf(op, store.ErrInvalid, "decision without a decider")
		}
		query += ", decided_at = ?, decided_by = ?"
		args = append(args, now, decidedBy)
		if to == store.RequestForwarded {
			query += ", forwarded_by = ?"
			args = append(args, decidedBy)
		}
	}
	if final(to) {
		query += ", " + clearDelivery
	}
	args = append(args, reqID, string(from))
	r, err := scanRequest(s.w.QueryRowContext(ctx, s.q(query+" WHERE id = ? AND status = ? RETURNING "+requestCols), args...))
	if errors.Is(err, sql.ErrNoRows) {
		var n int
		if err := s.w.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM recovery_requests WHERE id = ?"), reqID).Scan(&n); err != nil {
			return store.RecoveryRequest{}, s.fail(op, err)
		}
		if n == 0 {
			return store.RecoveryRequest{}, fmt.Errorf("store: %s: %w", op, store.ErrNotFound)
		}
		return store.RecoveryRequest{}, failf(op, store.ErrConflict, "request is no longer %s", from)
	}
	return r, s.fail(op, err)
}

// ExpireRecoveryRequests moves open requests created before cutoff to expired.
func (s *DB) ExpireRecoveryRequests(ctx context.Context, cutoff time.Time) ([]int64, error) {
	const op = "expire recovery requests"
	return queryAll(ctx, s, s.w, op, `UPDATE recovery_requests SET status = 'expired', updated_at = ?, `+clearDelivery+`
		WHERE status IN `+openStatuses+` AND created_at < ? RETURNING id`, []any{s.t(s.clock()), s.t(cutoff)},
		func(sc scanner) (int64, error) {
			var id int64
			err := sc.Scan(&id)
			return id, err
		})
}

// --- recovery links --------------------------------------------------------

// LapseRecoveryLinks marks unused, unrevoked links past their expiry, once.
func (s *DB) LapseRecoveryLinks(ctx context.Context, now time.Time) ([]store.RecoveryLink, error) {
	return queryAll(ctx, s, s.w, "lapse recovery links", `UPDATE recovery_links SET lapsed_at = ?
		WHERE used_at IS NULL AND revoked_at IS NULL AND lapsed_at IS NULL AND expires_at <= ?
		RETURNING `+linkCols, []any{s.t(s.clock()), s.t(now)}, scanLink)
}

const linkCols = "id, user_id, request_id, purpose, token_hash, issued_by, created_at, expires_at, used_at, revoked_at, lapsed_at"

func scanLink(sc scanner) (store.RecoveryLink, error) {
	var l store.RecoveryLink
	var p string
	err := sc.Scan(&l.ID, &l.UserID, idv{&l.RequestID}, &p, hv{&l.TokenHash}, idv{&l.IssuedBy}, tsv{&l.CreatedAt},
		tsv{&l.ExpiresAt}, tsv{&l.UsedAt}, tsv{&l.RevokedAt}, tsv{&l.LapsedAt})
	l.Purpose = store.LinkPurpose(p)
	return l, err
}

// IssueRecoveryLink revokes older unused links of the user and purpose and
// inserts the new one, in one transaction; a linked request becomes link_issued.
func (s *DB) IssueRecoveryLink(ctx context.Context, in store.NewRecoveryLink) (store.RecoveryLink, error) {
	op := fmt.Sprintf("issue recovery link for user %d", in.UserID)
	now := s.clock()
	hasDelivery := len(in.Delivery.Ciphertext) > 0 || in.Delivery.KeyID != ""
	switch {
	case in.Purpose != store.LinkReenrol2FA:
		return store.RecoveryLink{}, failf(op, store.ErrInvalid, "unknown purpose")
	case !in.ExpiresAt.After(now):
		return store.RecoveryLink{}, failf(op, store.ErrInvalid, "expiry not in the future")
	case hasDelivery && in.RequestID == 0:
		return store.RecoveryLink{}, failf(op, store.ErrInvalid, "a delivery for the app needs a request")
	case hasDelivery && (len(in.Delivery.Ciphertext) == 0 || in.Delivery.KeyID == ""):
		return store.RecoveryLink{}, failf(op, store.ErrInvalid, "a delivery needs both a key id and a ciphertext")
	}
	var l store.RecoveryLink
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		if in.RequestID != 0 {
			var keyID, ciphertext any
			if hasDelivery {
				keyID, ciphertext = in.Delivery.KeyID, in.Delivery.Ciphertext
			}
			// A re-issued link replaces the one waiting for the app (which
			// is revoked below) and has not been delivered yet.
			res, err := tx.ExecContext(ctx, s.q(`UPDATE recovery_requests SET status = 'link_issued', updated_at = ?,
				delivery_key_id = ?, delivery_ciphertext = ?, delivered_at = NULL
				WHERE id = ? AND user_id = ? AND status IN ('approved','link_issued')`), s.t(now), keyID, ciphertext, in.RequestID, in.UserID)
			if err != nil {
				return s.fail(op, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return s.fail(op, err)
			} else if n == 0 {
				return failf(op, store.ErrConflict, "request %d is not approved for this user", in.RequestID)
			}
		}
		if _, err := s.revokeLinks(ctx, tx, op, now, in.UserID, in.Purpose, in.RequestID); err != nil {
			return err
		}
		var err error
		l, err = scanLink(tx.QueryRowContext(ctx, s.q(`INSERT INTO recovery_links (user_id, request_id, purpose, token_hash, issued_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING `+linkCols),
			in.UserID, id(in.RequestID), string(in.Purpose), in.TokenHash[:], id(in.IssuedBy), s.t(now), s.t(in.ExpiresAt)))
		return s.fail(op, err)
	})
	return l, err
}

// revokeLinks revokes the user's unused links of purpose ("": any) and
// drops the sealed deliveries of the user's requests other than keep (0:
// none), which carried those links. It returns the links revoked.
func (s *DB) revokeLinks(ctx context.Context, tx *sql.Tx, op string, now time.Time, userID int64, purpose store.LinkPurpose, keep int64) (int64, error) {
	query := "UPDATE recovery_links SET revoked_at = ? WHERE user_id = ? AND used_at IS NULL AND revoked_at IS NULL"
	args := []any{s.t(now), userID}
	if purpose != "" {
		query += " AND purpose = ?"
		args = append(args, string(purpose))
	}
	res, err := tx.ExecContext(ctx, s.q(query), args...)
	if err != nil {
		return 0, s.fail(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.fail(op, err)
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE recovery_requests SET `+clearDelivery+`, updated_at = ?
		WHERE user_id = ? AND id <> ? AND delivery_ciphertext IS NOT NULL`), s.t(now), userID, keep); err != nil {
		return 0, s.fail(op+": drop deliveries", err)
	}
	return n, nil
}

// TakeRecoveryLinkDelivery returns and clears the sealed link of a
// link_issued request. The clearing UPDATE is a compare-and-swap on the
// ciphertext just read, so of concurrent takers (on any node) exactly one
// changes the row; under PostgreSQL's READ COMMITTED the others re-check
// the condition after the winner commits and match nothing.
func (s *DB) TakeRecoveryLinkDelivery(ctx context.Context, requestID int64) (store.EncryptedSecret, error) {
	op := fmt.Sprintf("take the link of recovery request %d", requestID)
	var out store.EncryptedSecret
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		var keyID string
		var ciphertext []byte
		err := tx.QueryRowContext(ctx, s.q(`SELECT delivery_key_id, delivery_ciphertext FROM recovery_requests
			WHERE id = ? AND status = 'link_issued' AND delivery_ciphertext IS NOT NULL`), requestID).Scan(&keyID, &ciphertext)
		if errors.Is(err, sql.ErrNoRows) {
			return failf(op, store.ErrNotFound, "no link waiting")
		}
		if err != nil {
			return s.fail(op, err)
		}
		now := s.t(s.clock())
		res, err := tx.ExecContext(ctx, s.q(`UPDATE recovery_requests SET `+clearDelivery+`, delivered_at = ?, updated_at = ?
			WHERE id = ? AND status = 'link_issued' AND delivery_ciphertext = ?`), now, now, requestID, ciphertext)
		if err != nil {
			return s.fail(op, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return s.fail(op, err)
		} else if n == 0 {
			return failf(op, store.ErrNotFound, "another caller took the link")
		}
		out = store.EncryptedSecret{KeyID: keyID, Ciphertext: ciphertext}
		return nil
	})
	return out, err
}

// GetRecoveryLink returns a link by digest without consuming it.
func (s *DB) GetRecoveryLink(ctx context.Context, h store.TokenHash) (store.RecoveryLink, error) {
	l, err := scanLink(s.r.QueryRowContext(ctx, s.q("SELECT "+linkCols+" FROM recovery_links WHERE token_hash = ?"), h[:]))
	return l, s.fail("get recovery link", err)
}

// errNotLive: the redeeming UPDATE matched no row; the caller classifies why.
var errNotLive = errors.New("not live")

// RedeemRecoveryLink consumes a live link with one conditional
// UPDATE ... RETURNING, so exactly one concurrent redemption wins.
func (s *DB) RedeemRecoveryLink(ctx context.Context, purpose store.LinkPurpose, h store.TokenHash) (store.RecoveryLink, error) {
	const op = "redeem recovery link"
	var l store.RecoveryLink
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		now := s.t(s.clock())
		var err error
		l, err = scanLink(tx.QueryRowContext(ctx, s.q(`UPDATE recovery_links SET used_at = ?
			WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?
			RETURNING `+linkCols), now, h[:], string(purpose), now))
		if errors.Is(err, sql.ErrNoRows) {
			return errNotLive
		}
		if err != nil {
			return s.fail(op, err)
		}
		if l.RequestID != 0 {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE recovery_requests SET status = 'completed', updated_at = ?, `+clearDelivery+`
				WHERE id = ? AND status = 'link_issued'`), now, l.RequestID); err != nil {
				return s.fail(op+": complete request", err)
			}
		}
		return nil
	})
	if err == nil {
		return l, nil
	}
	if !errors.Is(err, errNotLive) {
		return store.RecoveryLink{}, err
	}
	cur, err := scanLink(s.w.QueryRowContext(ctx, s.q("SELECT "+linkCols+" FROM recovery_links WHERE token_hash = ?"), h[:]))
	if err != nil {
		return store.RecoveryLink{}, s.fail(op, err)
	}
	if cur.Purpose != purpose {
		return store.RecoveryLink{}, fmt.Errorf("store: %s: %w", op, store.ErrNotFound)
	}
	return store.RecoveryLink{}, fmt.Errorf("store: %s: %w", op, tokenState(cur.UsedAt, cur.RevokedAt, cur.ExpiresAt, s.clock()))
}

// RevokeRecoveryLinks revokes all the user's unused links and drops the
// sealed deliveries that carried them.
func (s *DB) RevokeRecoveryLinks(ctx context.Context, userID int64) (int64, error) {
	op := fmt.Sprintf("revoke recovery links of user %d", userID)
	var n int64
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		var err error
		n, err = s.revokeLinks(ctx, tx, op, s.clock(), userID, "", 0)
		return err
	})
	return n, err
}
