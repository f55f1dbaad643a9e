package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"

	"github.com/latchkey/latchkey/portal/store"
)

// --- tenants ---------------------------------------------------------------

const tenantCols = "id, parent_id, name, require_2fa, allow_email_codes, sso_enforced, ip_allow_list, created_at"

func scanTenant(sc scanner) (store.Tenant, error) {
	var t store.Tenant
	var ips string
	err := sc.Scan(&t.ID, idv{&t.ParentID}, &t.Name, &t.Policy.Require2FA, &t.Policy.AllowEmailCodes,
		&t.Policy.SSOEnforced, &ips, tsv{&t.CreatedAt})
	if err != nil {
		return t, err
	}
	var raw []string
	if err := json.Unmarshal([]byte(ips), &raw); err != nil {
		return t, fmt.Errorf("decoding ip_allow_list: %w", err)
	}
	for _, r := range raw {
		p, err := netip.ParsePrefix(r)
		if err != nil {
			return t, fmt.Errorf("decoding an ip_allow_list entry: %w", err)
		}
		t.Policy.IPAllowList = append(t.Policy.IPAllowList, p)
	}
	return t, nil
}

func encodeAllowList(ps []netip.Prefix) (string, error) {
	raw := make([]string, 0, len(ps))
	for _, p := range ps {
		if !p.IsValid() {
			return "", fmt.Errorf("invalid prefix in ip allow list: %w", store.ErrInvalid)
		}
		raw = append(raw, p.Masked().String())
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return "", fmt.Errorf("encoding the ip allow list: %w", err)
	}
	return string(b), nil
}

// CreateTenant inserts a tenant; ParentID must exist (ErrNotFound otherwise).
func (s *DB) CreateTenant(ctx context.Context, in store.NewTenant) (store.Tenant, error) {
	const op = "create tenant"
	if strings.TrimSpace(in.Name) == "" {
		return store.Tenant{}, failf(op, store.ErrInvalid, "empty name")
	}
	ips, err := encodeAllowList(in.Policy.IPAllowList)
	if err != nil {
		return store.Tenant{}, fmt.Errorf("store: %s: %w", op, err)
	}
	row := s.w.QueryRowContext(ctx, s.q(`INSERT INTO tenants (parent_id, name, require_2fa, allow_email_codes, sso_enforced, ip_allow_list, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING `+tenantCols),
		id(in.ParentID), in.Name, in.Policy.Require2FA, in.Policy.AllowEmailCodes, in.Policy.SSOEnforced, ips, s.t(s.clock()))
	t, err := scanTenant(row)
	return t, s.fail(op, err)
}

// GetTenant returns a tenant by ID.
func (s *DB) GetTenant(ctx context.Context, tenantID int64) (store.Tenant, error) {
	t, err := scanTenant(s.r.QueryRowContext(ctx, s.q("SELECT "+tenantCols+" FROM tenants WHERE id = ?"), tenantID))
	return t, s.fail(fmt.Sprintf("get tenant %d", tenantID), err)
}

func (s *DB) listTenants(ctx context.Context, op, where string, args ...any) ([]store.Tenant, error) {
	return queryAll(ctx, s, s.r, op, "SELECT "+tenantCols+" FROM tenants "+where+" ORDER BY id", args,
		func(sc scanner) (store.Tenant, error) { return scanTenant(sc) })
}

// ListTenants returns every tenant, oldest first.
func (s *DB) ListTenants(ctx context.Context) ([]store.Tenant, error) {
	return s.listTenants(ctx, "list tenants", "")
}

// ListChildTenants returns the direct children of a reseller tenant.
func (s *DB) ListChildTenants(ctx context.Context, parentID int64) ([]store.Tenant, error) {
	return s.listTenants(ctx, fmt.Sprintf("list children of tenant %d", parentID), "WHERE parent_id = ?", parentID)
}

// UpdateTenantPolicy replaces a tenant's 2FA policy.
func (s *DB) UpdateTenantPolicy(ctx context.Context, tenantID int64, p store.TenantPolicy) error {
	op := fmt.Sprintf("update policy of tenant %d", tenantID)
	ips, err := encodeAllowList(p.IPAllowList)
	if err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE tenants SET require_2fa = ?, allow_email_codes = ?, sso_enforced = ?, ip_allow_list = ? WHERE id = ?`),
		p.Require2FA, p.AllowEmailCodes, p.SSOEnforced, ips, tenantID)
	return s.mustAffect(op, res, err)
}

// mustAffect turns "0 rows affected" into ErrNotFound.
func (s *DB) mustAffect(op string, res sql.Result, err error) error {
	if err != nil {
		return s.fail(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return fmt.Errorf("store: %s: %w", op, store.ErrNotFound)
	}
	return nil
}

// --- users -----------------------------------------------------------------

const userCols = "id, tenant_id, email, name, role, password_hash, email_verified_at, skip_ip_verification, locked, password_set_by_admin, created_at, updated_at"

func scanUser(sc scanner, extra ...any) (store.User, error) {
	var u store.User
	var role string
	dest := append([]any{&u.ID, &u.TenantID, &u.Email, &u.Name, &role, &u.PasswordHash, tsv{&u.EmailVerifiedAt},
		&u.SkipIPVerification, &u.Locked, &u.PasswordSetByAdmin, tsv{&u.CreatedAt}, tsv{&u.UpdatedAt}}, extra...)
	err := sc.Scan(dest...)
	u.Role = store.Role(role)
	return u, err
}

func validEmail(e string) bool {
	e = store.NormalizeEmail(e)
	at := strings.IndexByte(e, '@')
	return at > 0 && at < len(e)-1 && !strings.ContainsAny(e, " \t\r\n")
}

// CreateUser inserts a user. The email must be unique across the install
// by NormalizeEmail, and must not look like another account's by
// EmailSkeleton (ErrConflict); the tenant must exist (ErrNotFound).
func (s *DB) CreateUser(ctx context.Context, in store.NewUser) (store.User, error) {
	const op = "create user"
	switch {
	case !validEmail(in.Email):
		return store.User{}, failf(op, store.ErrInvalid, "malformed email")
	case !in.Role.Valid():
		return store.User{}, failf(op, store.ErrInvalid, "unknown role")
	}
	now := s.t(s.clock())
	// email_skeleton is unique: an address that looks like another
	// account's is a conflict like the same address.
	row := s.w.QueryRowContext(ctx, s.q(`INSERT INTO users (tenant_id, email, email_norm, email_skeleton, name, role, password_hash, password_set_by_admin, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+userCols),
		in.TenantID, strings.TrimSpace(in.Email), store.NormalizeEmail(in.Email), store.EmailSkeleton(in.Email), in.Name, string(in.Role), in.PasswordHash,
		in.PasswordSetByAdmin && in.PasswordHash != "", now, now)
	u, err := scanUser(row)
	return u, s.fail(op, err)
}

// GetUser returns a user by ID.
func (s *DB) GetUser(ctx context.Context, userID int64) (store.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, s.q("SELECT "+userCols+" FROM users WHERE id = ?"), userID))
	return u, s.fail(fmt.Sprintf("get user %d", userID), err)
}

// GetUserByEmail looks a user up by normalised email.
func (s *DB) GetUserByEmail(ctx context.Context, email string) (store.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, s.q("SELECT "+userCols+" FROM users WHERE email_norm = ?"), store.NormalizeEmail(email)))
	return u, s.fail("get user by email", err)
}

// UpdateUser applies the non-nil fields of in.
func (s *DB) UpdateUser(ctx context.Context, userID int64, in store.UserUpdate) (store.User, error) {
	op := fmt.Sprintf("update user %d", userID)
	now := s.clock()
	sets := []string{"updated_at = ?"}
	args := []any{s.t(now)}
	if in.Name != nil {
		sets, args = append(sets, "name = ?"), append(args, *in.Name)
	}
	if in.Role != nil {
		if !in.Role.Valid() {
			return store.User{}, failf(op, store.ErrInvalid, "unknown role")
		}
		sets, args = append(sets, "role = ?"), append(args, string(*in.Role))
	}
	if in.PasswordHash != nil {
		sets, args = append(sets, "password_hash = ?"), append(args, *in.PasswordHash)
	}
	if in.SkipIPVerification != nil {
		sets, args = append(sets, "skip_ip_verification = ?"), append(args, *in.SkipIPVerification)
	}
	if in.PasswordSetByAdmin != nil {
		sets, args = append(sets, "password_set_by_admin = ?"), append(args, *in.PasswordSetByAdmin)
	}
	if in.Locked != nil {
		sets, args = append(sets, "locked = ?"), append(args, *in.Locked)
	}
	if in.EmailVerified != nil {
		var v any
		if *in.EmailVerified {
			v = s.t(now)
		}
		sets, args = append(sets, "email_verified_at = ?"), append(args, v)
	}
	args = append(args, userID)
	u, err := scanUser(s.w.QueryRowContext(ctx, s.q("UPDATE users SET "+strings.Join(sets, ", ")+" WHERE id = ? RETURNING "+userCols), args...))
	return u, s.fail(op, err)
}

const (
	existsActiveFactor = "EXISTS (SELECT 1 FROM totp_factors f WHERE f.user_id = u.id AND f.enrolled_at IS NOT NULL AND f.disabled_at IS NULL)"
	existsOpenRequest  = "EXISTS (SELECT 1 FROM recovery_requests r WHERE r.user_id = u.id AND r.status IN ('pending','approved','forwarded','link_issued'))"
)

func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

// ListUsers is the team directory.
func (s *DB) ListUsers(ctx context.Context, f store.UserFilter) ([]store.UserListing, error) {
	const op = "list users"
	var where []string
	var args []any
	if f.TenantID != 0 {
		where, args = append(where, "u.tenant_id = ?"), append(args, f.TenantID)
	}
	if f.NameContains != "" {
		p := likePattern(f.NameContains)
		where, args = append(where, `(lower(u.name) LIKE ? ESCAPE '\' OR u.email_norm LIKE ? ESCAPE '\')`), append(args, p, p)
	}
	if f.Role != "" {
		if !f.Role.Valid() {
			return nil, failf(op, store.ErrInvalid, "unknown role")
		}
		where, args = append(where, "u.role = ?"), append(args, string(f.Role))
	}
	switch f.Status {
	case store.StatusAny:
	case store.StatusEnrolled:
		where = append(where, existsActiveFactor)
	case store.StatusNotEnrolled:
		where = append(where, "NOT "+existsActiveFactor)
	case store.StatusRecoveryPending:
		where = append(where, existsOpenRequest)
	case store.StatusLocked:
		where = append(where, "u.locked = TRUE")
	default:
		return nil, failf(op, store.ErrInvalid, "unknown 2FA status filter")
	}
	query := "SELECT " + prefixCols("u.", userCols) + ", " + existsActiveFactor + ", " + existsOpenRequest + " FROM users u"
	query += whereAll(where) + " ORDER BY lower(u.name), u.id"
	return queryAll(ctx, s, s.r, op, query, args, func(sc scanner) (store.UserListing, error) {
		var l store.UserListing
		u, err := scanUser(sc, &l.Enrolled, &l.RecoveryPending)
		l.User = u
		return l, err
	})
}

func prefixCols(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}

// --- known addresses -------------------------------------------------------

// RememberAddress records addr as seen for the user.
func (s *DB) RememberAddress(ctx context.Context, userID int64, addr string) error {
	now := s.t(s.clock())
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO known_addresses (user_id, addr, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id, addr) DO UPDATE SET last_seen_at = excluded.last_seen_at`), userID, addr, now, now)
	return s.fail(fmt.Sprintf("remember address for user %d", userID), err)
}

// IsKnownAddress reports whether the user signed in from addr before.
func (s *DB) IsKnownAddress(ctx context.Context, userID int64, addr string) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM known_addresses WHERE user_id = ? AND addr = ?"), userID, addr).Scan(&n)
	return n > 0, s.fail(fmt.Sprintf("check address for user %d", userID), err)
}

// backfillEmails fills email_skeleton, and recomputes email_norm with the
// current NormalizeEmail, for users that have no skeleton: rows written
// before schema version 4 (whose email_norm was strings.ToLower's), or by
// a binary that did not know the column. It runs after every Migrate and
// finds nothing to do once every row has its skeleton. A value another
// row already holds is left out (an older binary let two look-alike
// addresses in; the first keeps the skeleton, and the later one keeps its
// old email_norm when the new one is taken), so it never fails on data.
func (s *DB) backfillEmails(ctx context.Context, tx *sql.Tx) error {
	const op = "migrate: e-mail skeletons"
	var pending int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM users WHERE email_skeleton IS NULL").Scan(&pending); err != nil {
		return s.fail(op, err)
	}
	if pending == 0 {
		return nil
	}
	type row struct {
		id          int64
		email, norm string
		skel        sql.NullString
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, email, email_norm, email_skeleton FROM users ORDER BY id")
	if err != nil {
		return s.fail(op, err)
	}
	var all []row
	norms := map[string]int64{}
	skels := map[string]int64{}
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.email, &r.norm, &r.skel); err != nil {
			rows.Close()
			return s.fail(op, err)
		}
		all = append(all, r)
		norms[r.norm] = r.id
		if r.skel.Valid {
			skels[r.skel.String] = r.id
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s.fail(op, err)
	}
	for _, r := range all {
		if r.skel.Valid {
			continue
		}
		n, sk := store.NormalizeEmail(r.email), store.EmailSkeleton(r.email)
		if owner, taken := norms[n]; taken && owner != r.id {
			n = r.norm
		}
		var skel any
		if _, taken := skels[sk]; !taken {
			skel, skels[sk] = sk, r.id
		}
		if n == r.norm && skel == nil {
			continue
		}
		delete(norms, r.norm)
		norms[n] = r.id
		if _, err := tx.ExecContext(ctx, s.q("UPDATE users SET email_norm = ?, email_skeleton = ? WHERE id = ?"), n, skel, r.id); err != nil {
			return s.fail(op, err)
		}
	}
	return nil
}
