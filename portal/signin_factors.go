package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
)

// The second factors. Each is checked in two steps: verify, which reads
// and changes nothing, and the spend it returns, which uses the factor up
// in one atomic store update (a TOTP step accepted once, a backup code used
// once, the recovery code replaced, an e-mailed code consumed). The sign-in
// burns its challenge between the two (secondFactorStep), so a replayed
// challenge never spends a factor.

// spendFactor uses a verified factor up for a sign-in from addr. It returns
// the new recovery code when the recovery code was spent (shown once), and
// errWrongCode when a concurrent sign-in spent the factor first.
type spendFactor func(addr string) (newRecoveryCode string, fe *flowError)

// verifyFactor checks code as method for u. errWrongCode covers every way a
// code can fail.
func (h *Handler) verifyFactor(ctx context.Context, u store.User, t store.Tenant, method, code string) (spendFactor, *flowError) {
	switch method {
	case api.MethodTOTP:
		return h.verifyTOTP(ctx, u, code)
	case api.MethodBackupCode:
		return h.verifyBackupCode(ctx, u, code)
	case api.MethodRecoveryCode:
		return h.verifyRecoveryCode(ctx, u, code)
	case api.MethodEmailCode:
		return h.verifyEmailCode(ctx, u, t, code)
	}
	return nil, &flowError{status: http.StatusBadRequest, code: api.CodeInvalid, message: `member "method" is not a second factor`}
}

func (h *Handler) verifyTOTP(ctx context.Context, u store.User, code string) (spendFactor, *flowError) {
	uid := strconv.FormatInt(u.ID, 10)
	f, err := h.opts.Store.ActiveTOTPFactor(ctx, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errWrongCode
	}
	if err != nil {
		return nil, h.internal(ctx, "second factor: active factor", err)
	}
	secret, err := h.opts.Keyring.Open(auth.PurposeTOTPSecret, uid, auth.Sealed{KeyID: f.Secret.KeyID, Ciphertext: f.Secret.Ciphertext})
	if err != nil {
		return nil, h.internal(ctx, "second factor: opening the TOTP secret of user "+uid, err)
	}
	step, ok := auth.VerifyTOTP(string(secret), code, h.now(), uint64(max(f.LastStep, 0)))
	if !ok {
		return nil, errWrongCode
	}
	return func(string) (string, *flowError) {
		// Two requests with one code race here: one wins, the other is
		// a replay.
		switch err := h.opts.Store.AcceptTOTPStep(ctx, f.ID, int64(step)); {
		case errors.Is(err, store.ErrReplay), errors.Is(err, store.ErrRevoked), errors.Is(err, store.ErrInvalid):
			return "", errWrongCode
		case err != nil:
			return "", h.internal(ctx, "second factor: accepting the TOTP step", err)
		}
		return "", nil
	}, nil
}

func (h *Handler) verifyBackupCode(ctx context.Context, u store.User, code string) (spendFactor, *flowError) {
	uid := strconv.FormatInt(u.ID, 10)
	canonical, err := auth.CanonicalBackupCode(code)
	if err != nil {
		return nil, errWrongCode
	}
	all, err := h.opts.Store.ListBackupCodes(ctx, u.ID)
	if err != nil {
		return nil, h.internal(ctx, "second factor: backup codes", err)
	}
	var unused []store.BackupCode
	var hashes []string
	for _, c := range all {
		if c.UsedAt.IsZero() {
			unused = append(unused, c)
			hashes = append(hashes, c.Hash)
		}
	}
	i, ok := h.opts.Keyring.MatchCode(auth.KindBackupCode, uid, canonical, hashes)
	if !ok {
		return nil, errWrongCode
	}
	return func(addr string) (string, *flowError) {
		switch err := h.opts.Store.UseBackupCode(ctx, u.ID, unused[i].ID); {
		case isGone(err):
			return "", errWrongCode
		case err != nil:
			return "", h.internal(ctx, "second factor: using a backup code", err)
		}
		h.auditUser(ctx, u, addr, auditBackupCodeUsed, map[string]any{"remaining": len(unused) - 1})
		h.notify2FAChange(ctx, u, fmt.Sprintf("One of your backup codes was used to sign in from %s; %d are left.", addr, len(unused)-1))
		return "", nil
	}, nil
}

func (h *Handler) verifyRecoveryCode(ctx context.Context, u store.User, code string) (spendFactor, *flowError) {
	uid := strconv.FormatInt(u.ID, 10)
	canonical, err := auth.CanonicalRecoveryCode(code)
	if err != nil {
		return nil, errWrongCode
	}
	rc, err := h.opts.Store.GetRecoveryCode(ctx, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errWrongCode
	}
	if err != nil {
		return nil, h.internal(ctx, "second factor: recovery code", err)
	}
	if _, ok := h.opts.Keyring.MatchCode(auth.KindRecoveryCode, uid, canonical, []string{rc.Hash}); !ok {
		return nil, errWrongCode
	}
	return func(addr string) (string, *flowError) {
		next := auth.NewRecoveryCode()
		nextCanonical, err := auth.CanonicalRecoveryCode(next)
		if err != nil {
			return "", h.internal(ctx, "second factor: new recovery code", err)
		}
		// Compare-and-swap: of two uses of one code, one replaces it and
		// the other finds it gone.
		switch err := h.opts.Store.ReplaceRecoveryCode(ctx, u.ID, rc.Hash, h.opts.Keyring.CodeHash(auth.KindRecoveryCode, uid, nextCanonical)); {
		case isGone(err):
			return "", errWrongCode
		case err != nil:
			return "", h.internal(ctx, "second factor: replacing the recovery code", err)
		}
		h.auditUser(ctx, u, addr, auditRecoveryCodeUsed, nil)
		h.notify2FAChange(ctx, u, "Your recovery code was used to sign in from "+addr+" and has been replaced by a new one, shown once at that sign-in.")
		return next, nil
	}, nil
}

// verifyEmailCode consumes the e-mailed code as it checks it: the store
// has no look-up that leaves a code unused. That is harmless before the
// burn: the code was minted for this sign-in, and spending it on a replay
// mails nobody and leaves the other factors untouched.
func (h *Handler) verifyEmailCode(ctx context.Context, u store.User, t store.Tenant, code string) (spendFactor, *flowError) {
	if !t.Policy.AllowEmailCodes {
		return nil, errNoEmailCodes
	}
	uid := strconv.FormatInt(u.ID, 10)
	canonical, err := auth.CanonicalEmailCode(code)
	if err != nil {
		return nil, errWrongCode
	}
	for _, d := range h.opts.Keyring.CodeDigestCandidates(auth.KindEmailCode, uid, canonical) {
		_, err := h.opts.Store.ConsumeEmailToken(ctx, store.PurposeSignInCode, store.TokenHash(d), u.ID)
		if err == nil {
			return func(string) (string, *flowError) { return "", nil }, nil
		}
		if !isGone(err) {
			return nil, h.internal(ctx, "second factor: e-mailed code", err)
		}
	}
	return nil, errWrongCode
}
