package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/portal/store"
)

// --- TOTP factors ----------------------------------------------------------

const factorCols = "id, user_id, secret_key_id, secret_ciphertext, created_at, enrolled_at, disabled_at, last_step, last_used_at"

func scanFactor(sc scanner) (store.TOTPFactor, error) {
	var f store.TOTPFactor
	err := sc.Scan(&f.ID, &f.UserID, &f.Secret.KeyID, &f.Secret.Ciphertext, tsv{&f.CreatedAt}, tsv{&f.EnrolledAt},
		tsv{&f.DisabledAt}, &f.LastStep, tsv{&f.LastUsedAt})
	return f, err
}

// BeginTOTPEnrolment stores a pending factor and disables the user's other
// pending (unconfirmed) factors.
func (s *DB) BeginTOTPEnrolment(ctx context.Context, userID int64, secret store.EncryptedSecret) (store.TOTPFactor, error) {
	op := fmt.Sprintf("begin totp enrolment for user %d", userID)
	if secret.KeyID == "" || len(secret.Ciphertext) == 0 {
		return store.TOTPFactor{}, failf(op, store.ErrInvalid, "empty encrypted secret or key id")
	}
	var f store.TOTPFactor
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		now := s.t(s.clock())
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE totp_factors SET disabled_at = ?
			WHERE user_id = ? AND enrolled_at IS NULL AND disabled_at IS NULL`), now, userID); err != nil {
			return s.fail(op, err)
		}
		var err error
		f, err = scanFactor(tx.QueryRowContext(ctx, s.q(`INSERT INTO totp_factors (user_id, secret_key_id, secret_ciphertext, created_at)
			VALUES (?, ?, ?, ?) RETURNING `+factorCols), userID, secret.KeyID, secret.Ciphertext, now))
		return s.fail(op, err)
	})
	return f, err
}

// ConfirmTOTPEnrolment activates a pending factor with the step of the code
// that confirmed it, disabling any previously active factor.
func (s *DB) ConfirmTOTPEnrolment(ctx context.Context, factorID, step int64) (store.TOTPFactor, error) {
	op := fmt.Sprintf("confirm totp factor %d", factorID)
	if step <= 0 {
		return store.TOTPFactor{}, failf(op, store.ErrInvalid, "non-positive step")
	}
	var f store.TOTPFactor
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		cur, err := scanFactor(tx.QueryRowContext(ctx, s.q("SELECT "+factorCols+" FROM totp_factors WHERE id = ?"), factorID))
		if err != nil {
			return s.fail(op, err)
		}
		switch {
		case !cur.DisabledAt.IsZero():
			return failf(op, store.ErrRevoked, "factor disabled")
		case !cur.EnrolledAt.IsZero():
			return failf(op, store.ErrConflict, "factor already confirmed")
		}
		now := s.t(s.clock())
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE totp_factors SET disabled_at = ?
			WHERE user_id = ? AND id <> ? AND enrolled_at IS NOT NULL AND disabled_at IS NULL`), now, cur.UserID, factorID); err != nil {
			return s.fail(op, err)
		}
		f, err = scanFactor(tx.QueryRowContext(ctx, s.q(`UPDATE totp_factors SET enrolled_at = ?, last_step = ?, last_used_at = ?
			WHERE id = ? AND enrolled_at IS NULL AND disabled_at IS NULL RETURNING `+factorCols), now, step, now, factorID))
		if errors.Is(err, sql.ErrNoRows) {
			return failf(op, store.ErrConflict, "factor changed concurrently")
		}
		return s.fail(op, err)
	})
	return f, err
}

// GetTOTPFactor returns a factor by ID, in any state.
func (s *DB) GetTOTPFactor(ctx context.Context, factorID int64) (store.TOTPFactor, error) {
	f, err := scanFactor(s.r.QueryRowContext(ctx, s.q("SELECT "+factorCols+" FROM totp_factors WHERE id = ?"), factorID))
	return f, s.fail(fmt.Sprintf("get totp factor %d", factorID), err)
}

// ActiveTOTPFactor returns the user's confirmed, enabled factor.
func (s *DB) ActiveTOTPFactor(ctx context.Context, userID int64) (store.TOTPFactor, error) {
	f, err := scanFactor(s.r.QueryRowContext(ctx, s.q("SELECT "+factorCols+
		" FROM totp_factors WHERE user_id = ? AND enrolled_at IS NOT NULL AND disabled_at IS NULL"), userID))
	return f, s.fail(fmt.Sprintf("active totp factor of user %d", userID), err)
}

// AcceptTOTPStep records step if it is greater than the last accepted step,
// in one conditional UPDATE; ErrReplay otherwise.
func (s *DB) AcceptTOTPStep(ctx context.Context, factorID, step int64) error {
	op := fmt.Sprintf("accept totp step for factor %d", factorID)
	if step <= 0 {
		return failf(op, store.ErrInvalid, "non-positive step")
	}
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE totp_factors SET last_step = ?, last_used_at = ?
		WHERE id = ? AND enrolled_at IS NOT NULL AND disabled_at IS NULL AND last_step < ?`), step, s.t(s.clock()), factorID, step)
	if err != nil {
		return s.fail(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.fail(op, err)
	} else if n == 1 {
		return nil
	}
	f, err := s.getFactorW(ctx, factorID)
	if err != nil {
		return s.fail(op, err)
	}
	switch {
	case !f.DisabledAt.IsZero():
		return failf(op, store.ErrRevoked, "factor disabled")
	case f.EnrolledAt.IsZero():
		return failf(op, store.ErrInvalid, "factor not confirmed")
	}
	return fmt.Errorf("store: %s: %w", op, store.ErrReplay)
}

// getFactorW reads through the write pool (after a write, for classification).
func (s *DB) getFactorW(ctx context.Context, factorID int64) (store.TOTPFactor, error) {
	return scanFactor(s.w.QueryRowContext(ctx, s.q("SELECT "+factorCols+" FROM totp_factors WHERE id = ?"), factorID))
}

// DisableTOTPFactors disables all the user's factors, pending or active.
func (s *DB) DisableTOTPFactors(ctx context.Context, userID int64) (int64, error) {
	return s.execCount(ctx, fmt.Sprintf("disable totp factors of user %d", userID),
		"UPDATE totp_factors SET disabled_at = ? WHERE user_id = ? AND disabled_at IS NULL", s.t(s.clock()), userID)
}

func (s *DB) execCount(ctx context.Context, op, query string, args ...any) (int64, error) {
	res, err := s.w.ExecContext(ctx, s.q(query), args...)
	if err != nil {
		return 0, s.fail(op, err)
	}
	n, err := res.RowsAffected()
	return n, s.fail(op, err)
}

// --- backup and recovery codes --------------------------------------------

// ReplaceBackupCodes deletes the user's backup codes and inserts new hashes.
func (s *DB) ReplaceBackupCodes(ctx context.Context, userID int64, hashes []string) error {
	op := fmt.Sprintf("replace backup codes of user %d", userID)
	for _, h := range hashes {
		if h == "" {
			return failf(op, store.ErrInvalid, "empty hash")
		}
	}
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM backup_codes WHERE user_id = ?"), userID); err != nil {
			return s.fail(op, err)
		}
		now := s.t(s.clock())
		for _, h := range hashes {
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO backup_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)"), userID, h, now); err != nil {
				return s.fail(op, err)
			}
		}
		return nil
	})
}

// ListBackupCodes returns the user's backup codes, used ones included.
func (s *DB) ListBackupCodes(ctx context.Context, userID int64) ([]store.BackupCode, error) {
	op := fmt.Sprintf("list backup codes of user %d", userID)
	return queryAll(ctx, s, s.r, op, "SELECT id, user_id, code_hash, created_at, used_at FROM backup_codes WHERE user_id = ? ORDER BY id",
		[]any{userID}, func(sc scanner) (store.BackupCode, error) {
			var c store.BackupCode
			err := sc.Scan(&c.ID, &c.UserID, &c.Hash, tsv{&c.CreatedAt}, tsv{&c.UsedAt})
			return c, err
		})
}

// UseBackupCode marks an unused code used in one conditional UPDATE.
func (s *DB) UseBackupCode(ctx context.Context, userID, codeID int64) error {
	op := fmt.Sprintf("use backup code %d of user %d", codeID, userID)
	n, err := s.execCount(ctx, op, "UPDATE backup_codes SET used_at = ? WHERE id = ? AND user_id = ? AND used_at IS NULL",
		s.t(s.clock()), codeID, userID)
	if err != nil || n == 1 {
		return err
	}
	var c int
	if err := s.w.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM backup_codes WHERE id = ? AND user_id = ?"), codeID, userID).Scan(&c); err != nil {
		return s.fail(op, err)
	}
	if c == 0 {
		return fmt.Errorf("store: %s: %w", op, store.ErrNotFound)
	}
	return fmt.Errorf("store: %s: %w", op, store.ErrUsed)
}

// SetRecoveryCode stores (or replaces) the user's recovery code hash.
func (s *DB) SetRecoveryCode(ctx context.Context, userID int64, hash string) error {
	op := fmt.Sprintf("set recovery code of user %d", userID)
	if hash == "" {
		return failf(op, store.ErrInvalid, "empty hash")
	}
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET code_hash = excluded.code_hash, created_at = excluded.created_at`), userID, hash, s.t(s.clock()))
	return s.fail(op, err)
}

// GetRecoveryCode returns the user's recovery code hash.
func (s *DB) GetRecoveryCode(ctx context.Context, userID int64) (store.RecoveryCode, error) {
	var c store.RecoveryCode
	err := s.r.QueryRowContext(ctx, s.q("SELECT user_id, code_hash, created_at FROM recovery_codes WHERE user_id = ?"), userID).
		Scan(&c.UserID, &c.Hash, tsv{&c.CreatedAt})
	return c, s.fail(fmt.Sprintf("get recovery code of user %d", userID), err)
}

// ReplaceRecoveryCode swaps the hash only if oldHash is still current.
func (s *DB) ReplaceRecoveryCode(ctx context.Context, userID int64, oldHash, newHash string) error {
	op := fmt.Sprintf("replace recovery code of user %d", userID)
	if newHash == "" || oldHash == newHash {
		return failf(op, store.ErrInvalid, "new hash empty or unchanged")
	}
	n, err := s.execCount(ctx, op, "UPDATE recovery_codes SET code_hash = ?, created_at = ? WHERE user_id = ? AND code_hash = ?",
		newHash, s.t(s.clock()), userID, oldHash)
	if err != nil || n == 1 {
		return err
	}
	var c int
	if err := s.w.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?"), userID).Scan(&c); err != nil {
		return s.fail(op, err)
	}
	if c == 0 {
		return fmt.Errorf("store: %s: %w", op, store.ErrNotFound)
	}
	return fmt.Errorf("store: %s: %w", op, store.ErrUsed)
}

// --- e-mail tokens and codes ----------------------------------------------

const emailTokenCols = "id, user_id, purpose, token_hash, source_addr, created_at, expires_at, used_at, revoked_at"

func scanEmailToken(sc scanner) (store.EmailToken, error) {
	var t store.EmailToken
	var p string
	err := sc.Scan(&t.ID, &t.UserID, &p, hv{&t.TokenHash}, &t.SourceAddr, tsv{&t.CreatedAt}, tsv{&t.ExpiresAt}, tsv{&t.UsedAt}, tsv{&t.RevokedAt})
	t.Purpose = store.EmailPurpose(p)
	return t, err
}

func validEmailPurpose(p store.EmailPurpose) bool {
	switch p {
	case store.PurposeVerifyEmail, store.PurposeSignInCode, store.PurposeVerifyAddress:
		return true
	}
	return false
}

// CreateEmailToken revokes the user's unused tokens of the same purpose and
// inserts the new one, in one transaction.
func (s *DB) CreateEmailToken(ctx context.Context, in store.NewEmailToken) (store.EmailToken, error) {
	op := fmt.Sprintf("create %s token for user %d", in.Purpose, in.UserID)
	now := s.clock()
	switch {
	case !validEmailPurpose(in.Purpose):
		return store.EmailToken{}, failf("create e-mail token", store.ErrInvalid, "unknown purpose")
	case !in.ExpiresAt.After(now):
		return store.EmailToken{}, failf(op, store.ErrInvalid, "expiry not in the future")
	}
	var t store.EmailToken
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE email_tokens SET revoked_at = ?
			WHERE user_id = ? AND purpose = ? AND used_at IS NULL AND revoked_at IS NULL`), s.t(now), in.UserID, string(in.Purpose)); err != nil {
			return s.fail(op, err)
		}
		var err error
		t, err = scanEmailToken(tx.QueryRowContext(ctx, s.q(`INSERT INTO email_tokens (user_id, purpose, token_hash, source_addr, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING `+emailTokenCols),
			in.UserID, string(in.Purpose), in.TokenHash[:], in.SourceAddr, s.t(now), s.t(in.ExpiresAt)))
		return s.fail(op, err)
	})
	return t, err
}

// ConsumeEmailToken marks a live token used in one atomic UPDATE ... RETURNING.
func (s *DB) ConsumeEmailToken(ctx context.Context, purpose store.EmailPurpose, h store.TokenHash, userID int64) (store.EmailToken, error) {
	op := fmt.Sprintf("consume %s token", purpose)
	if !validEmailPurpose(purpose) {
		return store.EmailToken{}, failf("consume e-mail token", store.ErrInvalid, "unknown purpose")
	}
	now := s.t(s.clock())
	query := `UPDATE email_tokens SET used_at = ?
		WHERE purpose = ? AND token_hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?`
	args := []any{now, string(purpose), h[:], now}
	if userID != 0 {
		query += " AND user_id = ?"
		args = append(args, userID)
	}
	t, err := scanEmailToken(s.w.QueryRowContext(ctx, s.q(query+" RETURNING "+emailTokenCols), args...))
	if err == nil {
		return t, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return t, s.fail(op, err)
	}
	cur, err := scanEmailToken(s.w.QueryRowContext(ctx, s.q("SELECT "+emailTokenCols+" FROM email_tokens WHERE purpose = ? AND token_hash = ?"), string(purpose), h[:]))
	if err != nil {
		return store.EmailToken{}, s.fail(op, err)
	}
	if userID != 0 && cur.UserID != userID {
		return store.EmailToken{}, fmt.Errorf("store: %s: %w", op, store.ErrNotFound)
	}
	return store.EmailToken{}, fmt.Errorf("store: %s: %w", op, tokenState(cur.UsedAt, cur.RevokedAt, cur.ExpiresAt, s.clock()))
}

// tokenState explains why a token that exists could not be consumed.
func tokenState(used, revoked, expires, now time.Time) error {
	switch {
	case !used.IsZero():
		return store.ErrUsed
	case !revoked.IsZero():
		return store.ErrRevoked
	case !expires.After(now):
		return store.ErrExpired
	}
	// Live again by now: it lost a race against a concurrent consumer that
	// then rolled back. Report it as used; the caller may retry.
	return store.ErrUsed
}
