package portal

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth/phrase"
	"github.com/latchkey/latchkey/portal/mail"
	"github.com/latchkey/latchkey/portal/policy"
	"github.com/latchkey/latchkey/portal/store"
)

// The admins' recovery queue: who sees which request, and the decisions on
// it (approve with the phrase, deny, forward to platform support).
//
// Who sees what follows portal/policy: a tenant's own requests; a
// reseller's customers' requests (view and forward only); for platform
// support (owners and admins of Options.PlatformTenantID), requests
// forwarded to it from any tenant. A request whose address matched no
// account has no tenant to show it to, so it is platform support's too (it
// can only be denied there); on a portal without a platform tenant nobody
// sees it and it lapses. The requester is never told either way.

// Audit actions of the recovery loop. Details name requests and links by
// id only: never a token, a phrase or the requester's message.
const (
	auditRecoveryApproved       = "recovery.approved"
	auditRecoveryDenied         = "recovery.denied"
	auditRecoveryForwarded      = "recovery.forwarded"
	auditRecoveryPhraseMismatch = "recovery.phrase_mismatch"
	auditRecoveryExpired        = "recovery.expired"
	auditLinkIssued             = "link.issued"
	auditLinkDelivered          = "link.delivered"
	auditLinkOpened             = "link.opened"
	auditLinkUsed               = "link.used"
	auditLinkExpired            = "link.expired"
	auditLinkRefused            = "link.refused"
	auditLinkRevoked            = "link.revoked"
)

// PhraseAttemptsPerRequest bounds the approvals tried on one request per
// SignInWindow, so the phrase cannot be guessed by a run of attempts; the
// one that matches counts too, and ends the request's approvals anyway.
const PhraseAttemptsPerRequest = 5

// limitPhraseAttempts is the rate-limit scope of approvals per request.
const limitPhraseAttempts = "recovery-phrase"

// recoveryQueueLimit bounds one queue answer (newest first): older
// requests have long expired.
const recoveryQueueLimit = 200

// recoveryNotFound is the one answer for a request id that does not exist
// and for one the caller may not see.
const recoveryNotFound = "no such recovery request"

// recoveryView is a request with the account it matched (zero when none)
// and that account's tenant.
type recoveryView struct {
	req    store.RecoveryRequest
	user   store.User
	tenant store.Tenant
}

func (v recoveryView) matched() bool { return v.req.UserID != 0 }

// recoveryTarget is the request as the policy sees it. An unmatched request
// belongs to the platform tenant's queue (with PlatformTenantID 0, to no
// tenant: hidden from everyone).
func (h *Handler) recoveryTarget(v recoveryView) policy.Target {
	if !v.matched() {
		return policy.Target{TenantID: h.opts.PlatformTenantID}
	}
	return policy.Target{
		UserID: v.user.ID, Role: v.user.Role, TenantID: v.tenant.ID, TenantParentID: v.tenant.ParentID,
		Forwarded: v.req.Status == store.RequestForwarded,
	}
}

// recoveryLookup caches the users and tenants of a queue answer.
type recoveryLookup struct {
	h       *Handler
	users   map[int64]store.User
	tenants map[int64]store.Tenant
}

func (h *Handler) newRecoveryLookup() *recoveryLookup {
	return &recoveryLookup{h: h, users: map[int64]store.User{}, tenants: map[int64]store.Tenant{}}
}

func (l *recoveryLookup) tenant(ctx context.Context, id int64) (store.Tenant, error) {
	if t, ok := l.tenants[id]; ok {
		return t, nil
	}
	t, err := l.h.opts.Store.GetTenant(ctx, id)
	if err != nil {
		return store.Tenant{}, fmt.Errorf("tenant %d: %w", id, err)
	}
	l.tenants[id] = t
	return t, nil
}

func (l *recoveryLookup) view(ctx context.Context, req store.RecoveryRequest) (recoveryView, error) {
	v := recoveryView{req: req}
	if req.UserID == 0 {
		return v, nil
	}
	u, ok := l.users[req.UserID]
	if !ok {
		var err error
		if u, err = l.h.opts.Store.GetUser(ctx, req.UserID); err != nil {
			return v, fmt.Errorf("user %d of recovery request %d: %w", req.UserID, req.ID, err)
		}
		l.users[u.ID] = u
	}
	t, err := l.tenant(ctx, u.TenantID)
	if err != nil {
		return v, err
	}
	v.user, v.tenant = u, t
	return v, nil
}

// expireRecoveryRequests moves every open request older than
// RecoveryRequestTTL to expired and audits each. The store's UPDATE …
// RETURNING hands each id to exactly one caller, so concurrent sweeps on
// several nodes audit each expiry once.
func (h *Handler) expireRecoveryRequests(ctx context.Context) error {
	ids, err := h.opts.Store.ExpireRecoveryRequests(ctx, h.now().Add(-h.opts.RecoveryRequestTTL))
	if err != nil {
		return fmt.Errorf("expiring recovery requests: %w", err)
	}
	for _, id := range ids {
		e := store.AuditEntry{Action: auditRecoveryExpired, Details: recoveryDetails(map[string]any{"request_id": id})}
		if req, err := h.opts.Store.GetRecoveryRequest(ctx, id); err == nil {
			e.TargetUserID, e.TenantID = req.UserID, req.TenantID
		}
		// The expiry stands without its entry (nothing was granted);
		// audit logs the failure.
		_ = h.audit(ctx, e)
	}
	return nil
}

// recoveryExpiry is when req lapses unless decided.
func (h *Handler) recoveryExpiry(req store.RecoveryRequest) time.Time {
	return req.CreatedAt.Add(h.opts.RecoveryRequestTTL).UTC()
}

// refreshRecovery sweeps expired requests when req is open but past its
// time, and returns req as it now is.
func (h *Handler) refreshRecovery(ctx context.Context, req store.RecoveryRequest) (store.RecoveryRequest, error) {
	switch req.Status {
	case store.RequestPending, store.RequestApproved, store.RequestForwarded, store.RequestLinkIssued:
	default:
		return req, nil
	}
	if !h.now().After(h.recoveryExpiry(req)) {
		return req, nil
	}
	if err := h.expireRecoveryRequests(ctx); err != nil {
		return req, err
	}
	return h.opts.Store.GetRecoveryRequest(ctx, req.ID)
}

// recoveryDetails encodes audit details (ids, states and times only).
func recoveryDetails(m map[string]any) json.RawMessage {
	b, err := json.Marshal(m)
	if err != nil {
		return json.RawMessage("{}")
	}
	return b
}

// recoveryAudit appends an entry about v by the principal.
func (h *Handler) recoveryAudit(r *http.Request, p principal, action string, v recoveryView, details map[string]any) error {
	addr, _ := sourceAddress(r)
	details["request_id"] = v.req.ID
	return h.audit(r.Context(), store.AuditEntry{
		ActorID: p.User.ID, Action: action, TargetUserID: v.req.UserID, TenantID: cmp.Or(v.tenant.ID, v.req.TenantID),
		SourceAddr: addr, Details: recoveryDetails(details),
	})
}

// recoveryActions are the decisions actor may take on v now.
func (h *Handler) recoveryActions(a policy.Actor, v recoveryView) []string {
	out := []string{}
	t := h.recoveryTarget(v)
	undecided := v.req.Status == store.RequestPending || v.req.Status == store.RequestForwarded || v.req.Status == store.RequestApproved
	if undecided && policy.Check(a, policy.DecideRequest, t) == nil {
		if v.matched() && !v.user.Locked {
			out = append(out, api.RecoveryActionApprove)
		}
		out = append(out, api.RecoveryActionDeny)
	}
	if h.forwardRefusal(a, v) == nil && policy.Check(a, policy.ForwardRequest, t) == nil {
		out = append(out, api.RecoveryActionForward)
	}
	return out
}

// forwardRefusal is why a cannot forward v (nil: it can, as far as the
// request goes; the policy still has its say).
func (h *Handler) forwardRefusal(a policy.Actor, v recoveryView) *requestError {
	refuse := func(status int, code, msg string) *requestError {
		return &requestError{status: status, code: code, message: msg}
	}
	switch {
	case !v.matched():
		return refuse(http.StatusUnprocessableEntity, api.CodeInvalid, "this request matched no account; it can only be denied")
	case v.user.ID == a.UserID:
		return refuse(http.StatusForbidden, api.CodeForbidden, "nobody may forward their own recovery request; ask another admin")
	case a.Platform:
		// Platform support decides what is forwarded to it: forwarding a
		// request itself would let it approve, as support, what it may
		// not decide as the customer's reseller.
		return refuse(http.StatusForbidden, api.CodeForbidden, "platform support decides forwarded requests; it cannot forward one to itself")
	case h.opts.PlatformTenantID == 0:
		return refuse(http.StatusUnprocessableEntity, api.CodeInvalid, "this portal has no platform support to forward requests to")
	case v.tenant.ID == h.opts.PlatformTenantID:
		return refuse(http.StatusUnprocessableEntity, api.CodeInvalid, "requests of the platform tenant are decided by its own admins")
	case v.req.Status != store.RequestPending:
		return refuse(http.StatusConflict, api.CodeConflict,
			"only a pending request can be forwarded; this one is "+strings.ReplaceAll(string(v.req.Status), "_", " "))
	}
	return nil
}

// recoveryItem is v on the wire, for actor.
func (h *Handler) recoveryItem(a policy.Actor, v recoveryView) api.RecoveryQueueItem {
	it := api.RecoveryQueueItem{
		ID: v.req.ID, Status: string(v.req.Status), Email: v.req.Email, Message: v.req.Message, Phrase: v.req.Phrase,
		SourceAddr: v.req.SourceAddr, CreatedAt: v.req.CreatedAt.UTC(), UpdatedAt: v.req.UpdatedAt.UTC(),
		ExpiresAt: h.recoveryExpiry(v.req), DecidedBy: v.req.DecidedBy, Matched: v.matched(),
		Actions: h.recoveryActions(a, v),
	}
	if !v.req.DecidedAt.IsZero() {
		t := v.req.DecidedAt.UTC()
		it.DecidedAt = &t
	}
	if !v.req.DeliveredAt.IsZero() {
		t := v.req.DeliveredAt.UTC()
		it.DeliveredAt = &t
	}
	if v.matched() {
		it.User = &api.RecoveryQueueUser{ID: v.user.ID, Name: v.user.Name, Email: v.user.Email, Role: string(v.user.Role)}
		it.TenantID, it.TenantName = v.tenant.ID, v.tenant.Name
	}
	return it
}

// getRecoveryQueue serves GET /v1/admin/recovery-requests[?status=…]: the
// requests the caller may see, newest first.
func (h *Handler) getRecoveryQueue(w http.ResponseWriter, r *http.Request, p principal) {
	ctx := r.Context()
	var status store.RequestStatus
	if q := r.URL.Query(); q.Has("status") {
		s := q.Get("status")
		if !slices.Contains(api.RecoveryStates, s) {
			writeError(w, http.StatusBadRequest, api.CodeInvalid,
				"query parameter \"status\" must be one of "+strings.Join(api.RecoveryStates, ", "))
			return
		}
		status = store.RequestStatus(s)
	}
	a := h.actor(p)
	if err := policy.Check(a, policy.ViewRequests, policy.Target{TenantID: p.Tenant.ID}); err != nil {
		h.recoveryRefused(w, err, false)
		return
	}
	if err := h.expireRecoveryRequests(ctx); err != nil {
		h.storeFailed(w, r, "recovery queue: expiry", err)
		return
	}
	reqs, err := h.recoveryCandidates(ctx, a, p.Tenant.ID, status)
	if err != nil {
		h.storeFailed(w, r, "recovery queue: list", err)
		return
	}
	look := h.newRecoveryLookup()
	out := api.RecoveryQueue{Requests: []api.RecoveryQueueItem{}}
	for _, req := range reqs {
		v, err := look.view(ctx, req)
		if err != nil {
			h.storeFailed(w, r, "recovery queue: look-up", err)
			return
		}
		if policy.Check(a, policy.ViewRequests, h.recoveryTarget(v)) != nil {
			continue
		}
		out.Requests = append(out.Requests, h.recoveryItem(a, v))
	}
	writeJSON(w, http.StatusOK, out)
}

// recoveryCandidates gathers the requests a may possibly see: its own
// tenant's and its customers', and for platform support the forwarded and
// unmatched ones. The policy then checks each.
func (h *Handler) recoveryCandidates(ctx context.Context, a policy.Actor, tenantID int64, status store.RequestStatus) ([]store.RecoveryRequest, error) {
	tenants := []int64{tenantID}
	children, err := h.opts.Store.ListChildTenants(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("child tenants of %d: %w", tenantID, err)
	}
	for _, c := range children {
		tenants = append(tenants, c.ID)
	}
	filters := []store.RequestFilter{{TenantIDs: tenants, Status: status, Limit: recoveryQueueLimit}}
	if a.Platform {
		if status == "" || status == store.RequestForwarded {
			filters = append(filters, store.RequestFilter{Status: store.RequestForwarded, Limit: recoveryQueueLimit})
		}
		filters = append(filters, store.RequestFilter{Unmatched: true, Status: status, Limit: recoveryQueueLimit})
	}
	var all []store.RecoveryRequest
	for _, f := range filters {
		l, err := h.opts.Store.ListRecoveryRequests(ctx, f)
		if err != nil {
			return nil, err
		}
		all = append(all, l...)
	}
	slices.SortFunc(all, func(x, y store.RecoveryRequest) int { return cmp.Compare(y.ID, x.ID) })
	all = slices.CompactFunc(all, func(x, y store.RecoveryRequest) bool { return x.ID == y.ID })
	if len(all) > recoveryQueueLimit {
		all = all[:recoveryQueueLimit]
	}
	return all, nil
}

// recoveryRefused answers a policy denial: 404 when hidden (unless the
// caller may see the request, in which case hiding it makes no sense), else
// 403 with the policy's reason.
func (h *Handler) recoveryRefused(w http.ResponseWriter, err error, visible bool) {
	var d *policy.Denial
	if !errors.As(err, &d) {
		d = &policy.Denial{Reason: "refused", Hide: true}
	}
	if d.Hide && !visible {
		writeError(w, http.StatusNotFound, api.CodeNotFound, recoveryNotFound)
		return
	}
	writeError(w, http.StatusForbidden, api.CodeForbidden, d.Reason)
}

// recoveryForDecision loads the {id} request for a decision: it answers
// 400 for a malformed id, 404 for an unknown or invisible request, 403 when
// the caller may see it but not do action, and reports false.
func (h *Handler) recoveryForDecision(w http.ResponseWriter, r *http.Request, p principal, action policy.Action) (recoveryView, bool) {
	ctx := r.Context()
	s := r.PathValue("id")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, api.CodeInvalid, "the recovery request id in the path must be a positive integer")
		return recoveryView{}, false
	}
	req, err := h.opts.Store.GetRecoveryRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, api.CodeNotFound, recoveryNotFound)
		return recoveryView{}, false
	}
	if err == nil {
		req, err = h.refreshRecovery(ctx, req)
	}
	if err != nil {
		h.storeFailed(w, r, "recovery decision: look-up", err)
		return recoveryView{}, false
	}
	v, err := h.newRecoveryLookup().view(ctx, req)
	if err != nil {
		h.storeFailed(w, r, "recovery decision: look-up", err)
		return recoveryView{}, false
	}
	a, t := h.actor(p), h.recoveryTarget(v)
	if err := policy.Check(a, policy.ViewRequests, t); err != nil {
		h.recoveryRefused(w, err, false)
		return recoveryView{}, false
	}
	if err := policy.Check(a, action, t); err != nil {
		h.logRecoveryRefusal(r, p, action, v)
		h.recoveryRefused(w, err, true)
		return recoveryView{}, false
	}
	return v, true
}

// logRecoveryRefusal notes a refused decision (ids only): a run of them is
// how a probing account shows.
func (h *Handler) logRecoveryRefusal(r *http.Request, p principal, action policy.Action, v recoveryView) {
	ctx := r.Context()
	h.log.LogAttrs(ctx, slog.LevelInfo, "recovery decision refused",
		slog.String("id", RequestID(ctx)), slog.Int64("actor", p.User.ID), slog.String("action", string(action)),
		slog.Int64("request", v.req.ID))
}

// recoveryStateConflict answers 409 for a request no longer open to action.
func recoveryStateConflict(w http.ResponseWriter, what string, st store.RequestStatus) {
	writeError(w, http.StatusConflict, api.CodeConflict, fmt.Sprintf("this request is %s; it cannot be %s", strings.ReplaceAll(string(st), "_", " "), what))
}

// decodeRecoveryBody decodes a body that may be absent: none at all is
// the zero value; anything present is held to decodeJSON's rules.
func decodeRecoveryBody(w http.ResponseWriter, r *http.Request, dst any) bool {
	if r.ContentLength == 0 && len(r.TransferEncoding) == 0 {
		return true
	}
	return decodeJSON(w, r, dst)
}

// postApproveRecovery serves POST /v1/admin/recovery-requests/{id}/approve:
// with the phrase the admin read back with the user, the request is
// approved and a one-time link issued, e-mailed to the account's address
// and sealed for the requesting app's next poll.
func (h *Handler) postApproveRecovery(w http.ResponseWriter, r *http.Request, p principal) {
	var in api.RecoveryApprove
	if !decodeJSON(w, r, &in) {
		return
	}
	if strings.TrimSpace(in.Phrase) == "" {
		writeError(w, http.StatusBadRequest, api.CodeInvalid, `member "phrase" is required: the words on the requester's screen`)
		return
	}
	v, ok := h.recoveryForDecision(w, r, p, policy.DecideRequest)
	if !ok {
		return
	}
	ctx := r.Context()
	switch {
	case !v.matched():
		writeError(w, http.StatusUnprocessableEntity, api.CodeInvalid, "this request matched no account; it can only be denied")
		return
	case v.req.Status != store.RequestPending && v.req.Status != store.RequestForwarded && v.req.Status != store.RequestApproved:
		recoveryStateConflict(w, "approved", v.req.Status)
		return
	case v.user.Locked:
		writeError(w, http.StatusConflict, api.CodeConflict, "the account is locked; unlock it before approving its recovery")
		return
	case v.req.ForwardedBy == p.User.ID:
		writeError(w, http.StatusForbidden, api.CodeForbidden, "nobody may approve a request they forwarded; another admin of platform support decides it")
		return
	}
	if fe := h.limit(ctx, limitPhraseAttempts, strconv.FormatInt(v.req.ID, 10), PhraseAttemptsPerRequest,
		"too many approvals of this request were tried; read the phrase back with the user again later"); fe != nil {
		writeFlowError(w, fe)
		return
	}
	if !phrase.Equal(v.req.Phrase, in.Phrase) {
		if err := h.recoveryAudit(r, p, auditRecoveryPhraseMismatch, v, map[string]any{}); err != nil {
			h.storeFailed(w, r, "recovery approve: audit", err)
			return
		}
		writeError(w, http.StatusUnprocessableEntity, api.CodeInvalid,
			"the phrase does not match this request; read it back with the user again, word by word")
		return
	}
	// approved already: an earlier approval stopped before its link was
	// issued (a store or audit failure), and this one finishes it.
	if v.req.Status != store.RequestApproved {
		req, err := h.opts.Store.TransitionRecoveryRequest(ctx, v.req.ID, v.req.Status, store.RequestApproved, p.User.ID)
		if errors.Is(err, store.ErrConflict) {
			writeError(w, http.StatusConflict, api.CodeConflict, "someone else decided this request a moment ago; reload the queue")
			return
		}
		if err != nil {
			h.storeFailed(w, r, "recovery approve", err)
			return
		}
		from := v.req.Status
		v.req = req
		if err := h.recoveryAudit(r, p, auditRecoveryApproved, v, map[string]any{"from": string(from)}); err != nil {
			h.storeFailed(w, r, "recovery approve: audit", err)
			return
		}
	}
	issued, err := h.issueRecoveryLink(r, p, v.user, &v.req)
	if err != nil {
		h.storeFailed(w, r, "recovery approve: issue link", err)
		return
	}
	h.answerDecision(w, r, p, v, &issued)
}

// answerDecision answers 200 with the request as it now is.
func (h *Handler) answerDecision(w http.ResponseWriter, r *http.Request, p principal, v recoveryView, link *api.IssuedLink) {
	req, err := h.opts.Store.GetRecoveryRequest(r.Context(), v.req.ID)
	if err != nil {
		h.storeFailed(w, r, "recovery decision: reload", err)
		return
	}
	v.req = req
	writeJSON(w, http.StatusOK, api.RecoveryDecision{Request: h.recoveryItem(h.actor(p), v), Link: link})
}

// postDenyRecovery serves POST /v1/admin/recovery-requests/{id}/deny, with
// an optional reason: the request is denied, and when it matched an
// account the account's address is told (with the reason).
func (h *Handler) postDenyRecovery(w http.ResponseWriter, r *http.Request, p principal) {
	var in api.RecoveryDeny
	if !decodeRecoveryBody(w, r, &in) {
		return
	}
	reason, rerr := checkDenyReason(in.Reason)
	if rerr != nil {
		writeError(w, rerr.status, rerr.code, rerr.message)
		return
	}
	v, ok := h.recoveryForDecision(w, r, p, policy.DecideRequest)
	if !ok {
		return
	}
	if v.req.Status != store.RequestPending && v.req.Status != store.RequestForwarded && v.req.Status != store.RequestApproved {
		recoveryStateConflict(w, "denied", v.req.Status)
		return
	}
	ctx := r.Context()
	req, err := h.opts.Store.TransitionRecoveryRequest(ctx, v.req.ID, v.req.Status, store.RequestDenied, p.User.ID)
	if errors.Is(err, store.ErrConflict) {
		writeError(w, http.StatusConflict, api.CodeConflict, "someone else decided this request a moment ago; reload the queue")
		return
	}
	if err != nil {
		h.storeFailed(w, r, "recovery deny", err)
		return
	}
	from := v.req.Status
	v.req = req
	if err := h.recoveryAudit(r, p, auditRecoveryDenied, v, map[string]any{"from": string(from), "reason": reason}); err != nil {
		h.storeFailed(w, r, "recovery deny: audit", err)
		return
	}
	if v.matched() {
		text := fmt.Sprintf("Hello %s,\n\nAn admin declined your request to recover your %s account without your authenticator.\n", v.user.Name, h.opts.Issuer)
		if reason != "" {
			text += "\nTheir reason: " + reason + "\n"
		}
		text += fmt.Sprintf("\nIf you still need help, contact your admin directly. If you did not ask for this, no action is needed.\n\n— %s\n", h.opts.Issuer)
		// The denial stands if the notice fails; sendMail logs it.
		_ = h.sendMail(ctx, mail.Message{To: v.user.Email, Subject: h.opts.Issuer + ": your recovery request was declined", Text: text})
	}
	h.answerDecision(w, r, p, v, nil)
}

// checkDenyReason trims the reason and refuses one too long or with
// control characters (it goes into an e-mail).
func checkDenyReason(s string) (string, *requestError) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if !utf8.ValidString(s) {
		return "", badRequest(api.CodeInvalid, `member "reason" is not valid UTF-8`)
	}
	if n := utf8.RuneCountInString(s); n > api.MaxDenyReasonRunes {
		return "", badRequest(api.CodeInvalid, `member "reason" is longer than %d characters`, api.MaxDenyReasonRunes)
	}
	for i, c := range []rune(s) {
		if (unicode.IsControl(c) && c != '\n' && c != '\t') || isBidiControl(c) {
			return "", badRequest(api.CodeInvalid, `member "reason" has a control character at character %d`, i+1)
		}
	}
	return s, nil
}

// postForwardRecovery serves POST /v1/admin/recovery-requests/{id}/forward:
// a reseller's admin (or a technician) sends a pending request to platform
// support, which decides it.
func (h *Handler) postForwardRecovery(w http.ResponseWriter, r *http.Request, p principal) {
	var in struct{}
	if !decodeRecoveryBody(w, r, &in) {
		return
	}
	v, ok := h.recoveryForDecision(w, r, p, policy.ForwardRequest)
	if !ok {
		return
	}
	if why := h.forwardRefusal(h.actor(p), v); why != nil {
		writeError(w, why.status, why.code, why.message)
		return
	}
	req, err := h.opts.Store.TransitionRecoveryRequest(r.Context(), v.req.ID, store.RequestPending, store.RequestForwarded, p.User.ID)
	if errors.Is(err, store.ErrConflict) {
		writeError(w, http.StatusConflict, api.CodeConflict, "someone else decided this request a moment ago; reload the queue")
		return
	}
	if err != nil {
		h.storeFailed(w, r, "recovery forward", err)
		return
	}
	v.req = req
	if err := h.recoveryAudit(r, p, auditRecoveryForwarded, v, map[string]any{}); err != nil {
		h.storeFailed(w, r, "recovery forward: audit", err)
		return
	}
	h.answerDecision(w, r, p, v, nil)
}

// MaintenanceInterval is how often Maintain should run.
const MaintenanceInterval = 5 * time.Minute

// Maintain does the portal's periodic housekeeping: it expires (and
// audits) recovery requests past their lifetime and links that lapsed
// unused, so the audit log, the queue and the
// directory's "recovery pending" stay true even when nobody polls, and
// deletes expired sessions, e-mail tokens and rate-limit windows. Safe
// on several nodes at once. Run it every MaintenanceInterval.
func (h *Handler) Maintain(ctx context.Context) error {
	if err := h.expireRecoveryRequests(ctx); err != nil {
		return err
	}
	if err := h.lapseRecoveryLinks(ctx); err != nil {
		return err
	}
	n, err := h.opts.Store.PruneExpired(ctx)
	if err != nil {
		return fmt.Errorf("pruning expired rows: %w", err)
	}
	h.log.LogAttrs(ctx, slog.LevelDebug, "maintenance", slog.Int64("pruned", n))
	return nil
}
