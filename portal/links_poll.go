package portal

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
)

// getRecoveryStatus serves GET /v1/recovery-requests/status to the
// requesting app, whose bearer token is the request's poll token. It
// answers the request's state and, on the first poll after an admin
// approved, the link: taken from its sealed copy and cleared in one atomic
// store step, so it is handed out once. An unknown, forged or truncated
// token gets the same 404 as a missing request.
func (h *Handler) getRecoveryStatus(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	scheme, raw, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="latchkey-portal"`)
		writeError(w, http.StatusUnauthorized, api.CodeUnauthenticated,
			"send the recovery request's poll token as a bearer token")
		return
	}
	hash, err := auth.HashEncodedToken(strings.TrimSpace(raw))
	if err != nil {
		writeError(w, http.StatusNotFound, api.CodeNotFound, recoveryNotFound)
		return
	}
	req, err := h.opts.Store.GetRecoveryRequestByToken(ctx, store.TokenHash(hash))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, api.CodeNotFound, recoveryNotFound)
		return
	}
	if err == nil {
		req, err = h.refreshRecovery(ctx, req)
	}
	if err != nil {
		h.storeFailed(w, r, "recovery status", err)
		return
	}
	out := api.RecoveryStatus{Status: string(req.Status), ExpiresAt: h.recoveryExpiry(req), LinkTo: linkTo(req)}
	// PasswordProven is checked again here, not only when sealing: a
	// request that did not prove the password never hands its link out.
	if req.Status == store.RequestLinkIssued && req.DeliveryPending && req.PasswordProven {
		link, err := h.takeLinkDelivery(r, req)
		if err != nil {
			h.storeFailed(w, r, "recovery status: link delivery", err)
			return
		}
		out.Link = link
	}
	writeJSON(w, http.StatusOK, out)
}

// takeLinkDelivery takes the sealed link of req (nil when another poll
// took it first, or when the link can no longer be used: the app is then
// told the state only, and the e-mail is the way on).
func (h *Handler) takeLinkDelivery(r *http.Request, req store.RecoveryRequest) (*api.DeliveredLink, error) {
	ctx := r.Context()
	sealed, err := h.opts.Store.TakeRecoveryLinkDelivery(ctx, req.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("taking the link of request %d: %w", req.ID, err)
	}
	plain, err := h.opts.Keyring.Open(linkDeliveryPurpose, strconv.FormatInt(req.ID, 10),
		auth.Sealed{KeyID: sealed.KeyID, Ciphertext: sealed.Ciphertext})
	var tok auth.Token
	if err == nil {
		tok, err = auth.ParseToken(string(plain))
	}
	if err != nil {
		// A key removed from the keyring, or a tampered row: the app
		// cannot have this link, the e-mailed copy still works.
		h.log.LogAttrs(ctx, slog.LevelError, "sealed recovery link unreadable",
			slog.String("id", RequestID(ctx)), slog.Int64("request", req.ID), slog.String("err", auth.Redact(err.Error())))
		return nil, nil
	}
	l, err := h.opts.Store.GetRecoveryLink(ctx, store.TokenHash(tok.Hash()))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("the link of request %d: %w", req.ID, err)
	}
	if linkState(l, h.now()) != nil {
		return nil, nil
	}
	if err := h.linkAudit(r, auditLinkDelivered, l, req.TenantID, nil); err != nil {
		// The token is already out of the store: withholding it now
		// would lose it for good, and nothing is granted until it is used.
		h.log.LogAttrs(ctx, slog.LevelWarn, "recovery link delivered unaudited",
			slog.String("id", RequestID(ctx)), slog.Int64("request", req.ID))
	}
	return &api.DeliveredLink{Token: tok.Encode(), ExpiresAt: l.ExpiresAt.UTC()}, nil
}
