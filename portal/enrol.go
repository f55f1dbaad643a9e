package portal

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
)

// Enrolment of a new authenticator, with a full session or the enrol-only
// session a forced enrolment or a recovery link grants:
//
//  1. begin: the portal draws a TOTP secret, stores it sealed as a pending
//     factor, and shows it as an otpauth:// URI and QR code;
//  2. confirm: the first code from the app activates the factor (disabling
//     the previous one) and the portal issues new backup codes and a new
//     recovery code, shown this once;
//  3. saved: the user says the codes are kept; a new full session replaces
//     the caller's, so an enrol-only session becomes a full one only after
//     the codes were seen.
const (
	// EnrolmentTTL is how long a begun enrolment may be confirmed.
	EnrolmentTTL = 15 * time.Minute
	// EnrolmentsPerUser bounds begun enrolments per user per SignInWindow.
	EnrolmentsPerUser = 10

	limitEnrolments = "enrol-begin"

	auditFactorEnrolled = "factor.enrolled"

	// otpauthPortalParam is the extra otpauth parameter naming the portal's
	// base URL, so the desktop app can link the account to its portal.
	// Authenticator apps ignore parameters they do not know.
	otpauthPortalParam = "portal"
)

// pendingEnrolment is a begun enrolment as the API and the page show it.
type pendingEnrolment struct {
	FactorID  int64
	Secret    string
	URI       string
	ExpiresAt time.Time
}

func (e pendingEnrolment) wire() api.Enrolment {
	return api.Enrolment{FactorID: e.FactorID, Secret: e.Secret, OTPAuthURI: e.URI, ExpiresAt: e.ExpiresAt.UTC()}
}

// newCodes are the codes a confirmed enrolment issues.
type newCodes struct {
	Backup   []string
	Recovery string
}

// postEnrolment serves POST /v1/enrolment. It takes no body, or an
// EnrolmentBegin (the current password, which a full session replacing an
// active authenticator must give).
func (h *Handler) postEnrolment(w http.ResponseWriter, r *http.Request, p principal) {
	var in api.EnrolmentBegin
	if r.ContentLength != 0 {
		if !decodeJSON(w, r, &in) {
			return
		}
	}
	e, fe := h.beginEnrolment(r.Context(), r, p, in.CurrentPassword)
	if fe != nil {
		writeFlowError(w, fe)
		return
	}
	writeJSON(w, http.StatusCreated, e.wire())
}

// postEnrolmentConfirm serves POST /v1/enrolment/confirm.
func (h *Handler) postEnrolmentConfirm(w http.ResponseWriter, r *http.Request, p principal) {
	var in api.EnrolmentConfirm
	if !decodeJSON(w, r, &in) {
		return
	}
	codes, fe := h.confirmEnrolment(r.Context(), r, p, in.FactorID, in.Code)
	if fe != nil {
		writeFlowError(w, fe)
		return
	}
	writeJSON(w, http.StatusOK, api.EnrolmentCodes{BackupCodes: codes.Backup, RecoveryCode: codes.Recovery})
}

// postEnrolmentSaved serves POST /v1/enrolment/saved. It takes no body (or
// an empty JSON object).
func (h *Handler) postEnrolmentSaved(w http.ResponseWriter, r *http.Request, p principal) {
	if r.ContentLength != 0 {
		var in struct{}
		if !decodeJSON(w, r, &in) {
			return
		}
	}
	g, fe := h.finishEnrolment(r.Context(), r, p)
	if fe != nil {
		writeFlowError(w, fe)
		return
	}
	writeJSON(w, http.StatusOK, signInResult{State: api.StateSignedIn, Session: &g}.wire())
}

// beginEnrolment draws and stores a pending authenticator for p's user.
// Beginning again replaces a pending one (the store disables it). A full
// session of a user with an active authenticator must prove password
// first (replacementAllowed).
func (h *Handler) beginEnrolment(ctx context.Context, r *http.Request, p principal, password string) (pendingEnrolment, *flowError) {
	if fe := h.replacementAllowed(ctx, r, p, password); fe != nil {
		return pendingEnrolment{}, fe
	}
	uid := strconv.FormatInt(p.User.ID, 10)
	if fe := h.limit(ctx, limitEnrolments, uid, EnrolmentsPerUser, "too many enrolments begun; try again later"); fe != nil {
		return pendingEnrolment{}, fe
	}
	secret := auth.NewTOTPSecret()
	uri, err := h.enrolmentURI(p.User, secret)
	if err != nil {
		return pendingEnrolment{}, h.internal(ctx, "enrolment: URI", err)
	}
	sealed, err := h.opts.Keyring.Seal(auth.PurposeTOTPSecret, uid, []byte(secret))
	if err != nil {
		return pendingEnrolment{}, h.internal(ctx, "enrolment: sealing the secret", err)
	}
	f, err := h.opts.Store.BeginTOTPEnrolment(ctx, p.User.ID, store.EncryptedSecret{KeyID: sealed.KeyID, Ciphertext: sealed.Ciphertext})
	if err != nil {
		return pendingEnrolment{}, h.internal(ctx, "enrolment: store", err)
	}
	return pendingEnrolment{FactorID: f.ID, Secret: secret, URI: uri, ExpiresAt: f.CreatedAt.Add(EnrolmentTTL)}, nil
}

// needsPassword reports whether p must give the current password to
// begin an enrolment: a full session whose user has an active
// authenticator. Enrol-only sessions (a forced enrolment, a redeemed
// recovery link) have proven what they can, and have no factor to keep.
func (h *Handler) needsPassword(ctx context.Context, p principal) (bool, error) {
	if p.Session.Scope != store.ScopeFull {
		return false, nil
	}
	switch _, err := h.opts.Store.ActiveTOTPFactor(ctx, p.User.ID); {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// replacementAllowed refuses, changing nothing, a full session that would
// replace the user's active authenticator without the current password:
// else whoever holds a stolen session could swap the second factor for
// their own and keep the account after the session ends (OWASP MFA:
// re-authenticate before changing a factor).
func (h *Handler) replacementAllowed(ctx context.Context, r *http.Request, p principal, password string) *flowError {
	need, err := h.needsPassword(ctx, p)
	switch {
	case err != nil:
		return h.internal(ctx, "enrolment: active factor", err)
	case !need:
		return nil
	case password == "":
		return &flowError{status: http.StatusBadRequest, code: api.CodeInvalid,
			message: `member "current_password" is required to replace your authenticator`}
	}
	return h.checkCurrentPassword(ctx, r, p.User, password, "enrolment")
}

// enrolmentURI is the otpauth URI of secret for u, with the portal's base
// URL as the extra parameter "portal".
func (h *Handler) enrolmentURI(u store.User, secret string) (string, error) {
	uri, err := auth.EnrolmentURI(h.opts.Issuer, u.Email, secret)
	if err != nil {
		return "", err
	}
	return uri + "&" + otpauthPortalParam + "=" + url.QueryEscape(h.absURL("/", nil)), nil
}

// pendingFactor finds p's pending factor id and opens its secret.
func (h *Handler) pendingFactor(ctx context.Context, p principal, id int64) (store.TOTPFactor, string, *flowError) {
	gone := func(status int, msg string) (store.TOTPFactor, string, *flowError) {
		code := api.CodeInvalid
		if status == http.StatusConflict {
			code = api.CodeConflict
		}
		return store.TOTPFactor{}, "", &flowError{status: status, code: code, message: msg}
	}
	if id <= 0 {
		return gone(http.StatusBadRequest, `member "factor_id" must be the factor_id of a begun enrolment`)
	}
	f, err := h.opts.Store.GetTOTPFactor(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && f.UserID != p.User.ID) {
		return store.TOTPFactor{}, "", &flowError{status: http.StatusNotFound, code: api.CodeNotFound, message: "no such enrolment; begin again"}
	}
	if err != nil {
		return store.TOTPFactor{}, "", h.internal(ctx, "enrolment: factor", err)
	}
	switch {
	case !f.EnrolledAt.IsZero():
		return gone(http.StatusConflict, "this authenticator is already confirmed")
	case !f.DisabledAt.IsZero():
		return gone(http.StatusConflict, "a newer enrolment replaced this one; use the newest QR code")
	case !h.now().Before(f.CreatedAt.Add(EnrolmentTTL)):
		return gone(http.StatusGone, "this enrolment has expired; begin again")
	}
	secret, err := h.opts.Keyring.Open(auth.PurposeTOTPSecret, strconv.FormatInt(p.User.ID, 10), auth.Sealed{KeyID: f.Secret.KeyID, Ciphertext: f.Secret.Ciphertext})
	if err != nil {
		return store.TOTPFactor{}, "", h.internal(ctx, "enrolment: opening the secret", err)
	}
	return f, string(secret), nil
}

// confirmEnrolment activates the pending factor with its first code and
// issues new backup codes and a new recovery code.
func (h *Handler) confirmEnrolment(ctx context.Context, r *http.Request, p principal, id int64, code string) (newCodes, *flowError) {
	if strings.TrimSpace(code) == "" {
		return newCodes{}, &flowError{status: http.StatusBadRequest, code: api.CodeInvalid, message: `member "code" is required`}
	}
	f, secret, fe := h.pendingFactor(ctx, p, id)
	if fe != nil {
		return newCodes{}, fe
	}
	step, ok := auth.VerifyTOTP(secret, code, h.now(), 0)
	if !ok {
		return newCodes{}, &flowError{status: http.StatusBadRequest, code: api.CodeInvalid,
			message: "the code does not match; type the newest code the app shows, and check that the phone's clock is right"}
	}
	// The confirming step is recorded as used, so the same code cannot
	// then sign in.
	switch _, err := h.opts.Store.ConfirmTOTPEnrolment(ctx, f.ID, int64(step)); {
	case errors.Is(err, store.ErrRevoked), errors.Is(err, store.ErrConflict):
		return newCodes{}, &flowError{status: http.StatusConflict, code: api.CodeConflict,
			message: "this enrolment changed meanwhile (confirmed or replaced); begin again"}
	case err != nil:
		return newCodes{}, h.internal(ctx, "enrolment: confirm", err)
	}
	uid := strconv.FormatInt(p.User.ID, 10)
	backup := auth.NewBackupCodes()
	hashes := make([]string, 0, len(backup))
	for _, c := range backup {
		canonical, err := auth.CanonicalBackupCode(c)
		if err != nil {
			return newCodes{}, h.internal(ctx, "enrolment: backup code format", err)
		}
		hashes = append(hashes, h.opts.Keyring.CodeHash(auth.KindBackupCode, uid, canonical))
	}
	if err := h.opts.Store.ReplaceBackupCodes(ctx, p.User.ID, hashes); err != nil {
		return newCodes{}, h.internal(ctx, "enrolment: storing backup codes", err)
	}
	recovery := auth.NewRecoveryCode()
	canonical, err := auth.CanonicalRecoveryCode(recovery)
	if err != nil {
		return newCodes{}, h.internal(ctx, "enrolment: recovery code format", err)
	}
	if err := h.opts.Store.SetRecoveryCode(ctx, p.User.ID, h.opts.Keyring.CodeHash(auth.KindRecoveryCode, uid, canonical)); err != nil {
		return newCodes{}, h.internal(ctx, "enrolment: storing the recovery code", err)
	}
	addr, _ := sourceAddress(r)
	h.notify2FAChange(ctx, p.User, "A new authenticator app was set up for your account from "+addr+
		". Your previous authenticator, backup codes and recovery code no longer work.")
	// The enrolment stands without its audit entry (h.audit logs the
	// failure): undoing it would leave the user with no second factor.
	_ = h.auditUser(ctx, p.User, addr, auditFactorEnrolled, map[string]any{"factor_id": f.ID, "session_scope": p.Session.Scope})
	return newCodes{Backup: backup, Recovery: recovery}, nil
}

// finishEnrolment replaces p's session with a new full one, once an
// authenticator was confirmed during that session.
func (h *Handler) finishEnrolment(ctx context.Context, r *http.Request, p principal) (grant, *flowError) {
	f, err := h.opts.Store.ActiveTOTPFactor(ctx, p.User.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return grant{}, h.internal(ctx, "enrolment: active factor", err)
	}
	if err != nil || f.EnrolledAt.Before(p.Session.CreatedAt) {
		return grant{}, &flowError{status: http.StatusConflict, code: api.CodeConflict,
			message: "confirm a new authenticator in this session first"}
	}
	addr, _ := sourceAddress(r)
	g, fe := h.grantSession(ctx, p.User, store.ScopeFull, addr, "enrolment")
	if fe != nil {
		return grant{}, fe
	}
	if err := h.opts.Store.RevokeSession(ctx, p.Session.TokenHash); err != nil {
		// The old session lapses on its own (enrol sessions within
		// EnrolSessionTTL); the new one stands.
		h.logError(ctx, "enrolment: revoking the replaced session", err)
	}
	return g, nil
}

// qrDataURL draws text as a QR code in a PNG data: URL, which the pages'
// Content-Security-Policy allows as an image (img-src data:).
func qrDataURL(text string) (template.URL, error) {
	bm, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, 264, 264,
		map[gozxing.EncodeHintType]any{
			gozxing.EncodeHintType_ERROR_CORRECTION: "M",
			gozxing.EncodeHintType_MARGIN:           4,
		})
	if err != nil {
		return "", fmt.Errorf("drawing the QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, bm); err != nil {
		return "", fmt.Errorf("encoding the QR code: %w", err)
	}
	// Built here from our own bytes: safe for html/template's URL context.
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}

// groupSecret spaces a base32 secret in fours for typing.
func groupSecret(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}
