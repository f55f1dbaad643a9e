package portal

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/auth/phrase"
	"github.com/latchkey/latchkey/portal/auth/ratelimit"
	"github.com/latchkey/latchkey/portal/store"
)

// Audit action and rate-limit scopes of recovery requests.
const (
	auditRecoveryRequested = "recovery.requested"
	limitRecoveryAccount   = "recovery-account"
	limitRecoveryKnown     = "recovery-account-known"
	limitRecoveryProven    = "recovery-account-proven"
	limitRecoveryAddress   = "recovery-addr"
)

// postRecoveryRequest serves POST /v1/recovery-requests, unauthenticated:
// "I lost my authenticator" for the account with an e-mail address.
//
// A request may carry the account's password. Only then can the link of
// the approved request go to the app that asked (a recovery link replaces
// the second factor only); without it the link goes by e-mail to the
// account's stored address, so whoever files a request in another's name
// never receives its link, whoever approves it. A wrong password is
// answered like a wrong sign-in, from the same limits (signin_limits.go),
// since the answer tells whether the password is right.
//
// Without a password the answer never tells whether the account exists
// (OWASP Forgot Password Cheat Sheet: "return a consistent message for both
// existent and non-existent accounts", "ensure that responses return in a
// consistent amount of time"). Both paths do the same work in the same
// order: two shared rate-limit hits, a phrase and a poll token from
// crypto/rand, one user look-up, one request row (UserID 0 when nobody
// matched, which the admins' queue shows as unmatched), one audit entry,
// and a 202 with the same shape. The limits are keyed by the normalised
// address, not the account, so they trigger identically for known and
// unknown addresses; a request from an address the account signed in from
// before, or one that proved the password, spends a budget of the
// account's own that strangers cannot touch.
func (h *Handler) postRecoveryRequest(w http.ResponseWriter, r *http.Request) {
	var in api.RecoveryRequestCreate
	if !decodeJSON(w, r, &in) {
		return
	}
	email, message, rerr := validateRecoveryRequest(in)
	if rerr != nil {
		writeError(w, rerr.status, rerr.code, rerr.message)
		return
	}
	ctx := r.Context()
	addr, addrSubject := sourceAddress(r)

	token := auth.NewToken()
	if in.PollToken != "" {
		t, err := auth.ParseToken(in.PollToken)
		if err != nil {
			writeError(w, http.StatusBadRequest, api.CodeInvalid, `member "poll_token" is not a 43-character base64url token`)
			return
		}
		token = t
		// A resend of a request the portal already has: the same ticket,
		// no second request, no second hit on the limits.
		if h.answerResend(w, r, token, email) {
			return
		}
	}

	if !h.allowRecovery(ctx, w, h.opts.RecoveryPerAddress, ratelimit.Key(limitRecoveryAddress, addrSubject)) {
		return
	}
	u, proven, ok := h.recoveryRequester(w, r, email, in.Password)
	if !ok {
		return
	}

	words := phrase.New()
	req, err := h.opts.Store.CreateRecoveryRequest(ctx, store.NewRecoveryRequest{
		UserID:             u.ID,
		Email:              email,
		Message:            message,
		Phrase:             words,
		RequesterTokenHash: store.TokenHash(token.Hash()),
		SourceAddr:         addr,
		PasswordProven:     proven,
	})
	if errors.Is(err, store.ErrConflict) && in.PollToken != "" && h.answerResend(w, r, token, email) {
		return // a concurrent resend with the same token won the insert
	}
	if err != nil {
		h.storeFailed(w, r, "recovery request: create", err)
		return
	}
	// Details name the request only: the e-mail address and the message
	// are in the request row (for the admins), the phrase is shown to
	// them there, and the poll token is nowhere but in this answer.
	details, _ := json.Marshal(struct {
		RequestID      int64 `json:"request_id"`
		PasswordProven bool  `json:"password_proven"`
	}{req.ID, req.PasswordProven})
	if _, err := h.opts.Store.AppendAudit(ctx, store.AuditEntry{
		Action:       auditRecoveryRequested,
		TargetUserID: u.ID,
		TenantID:     req.TenantID,
		SourceAddr:   addr,
		Details:      details,
	}); err != nil {
		// Every request must be audited; without its entry the requester
		// gets no ticket, so the request can never be polled.
		h.log.LogAttrs(ctx, slog.LevelError, "recovery request created but not audited",
			slog.String("id", RequestID(ctx)), slog.Int64("request", req.ID))
		h.storeFailed(w, r, "recovery request: audit", err)
		return
	}
	writeJSON(w, http.StatusAccepted, api.RecoveryRequestCreated{Request: api.RecoveryTicket{
		Phrase:    words,
		PollToken: token.Encode(),
		ExpiresAt: req.CreatedAt.Add(h.opts.RecoveryRequestTTL).UTC(),
		LinkTo:    linkTo(req),
	}})
}

// recoveryRequester finds the account a new request is for, checks the
// password when one came, and spends the request's per-account budget. It
// reports whether the password was proven, or answers and reports !ok.
func (h *Handler) recoveryRequester(w http.ResponseWriter, r *http.Request, email, password string) (u store.User, proven, ok bool) {
	ctx := r.Context()
	if password != "" {
		a, fe := h.admitPassword(ctx, r, email)
		if fe == nil && !h.checkPassword(ctx, a, password) {
			addr, _ := sourceAddress(r)
			h.auditFailure(ctx, a.user, addr, "recovery_request", "wrong_password")
			fe = errWrongPassword
		}
		if fe != nil {
			writeFlowError(w, fe)
			return store.User{}, false, false
		}
		if !h.allowRecovery(ctx, w, h.opts.RecoveryPerAccount, ratelimit.Key(limitRecoveryProven, strconv.FormatInt(a.user.ID, 10))) {
			return store.User{}, false, false
		}
		// A password an admin chose proves nothing about who asks: the
		// admin knows it. Such a request's link goes by e-mail.
		return a.user, !a.user.PasswordSetByAdmin, true
	}
	found, err := h.opts.Store.GetUserByEmail(ctx, email)
	switch {
	case err == nil:
		u = found
	case errors.Is(err, store.ErrNotFound):
		// Nobody: the request is stored all the same, with no user.
	default:
		h.storeFailed(w, r, "recovery request: user look-up", err)
		return store.User{}, false, false
	}
	scope, subject := limitRecoveryAccount, store.NormalizeEmail(email)
	if u.ID != 0 {
		addr, _ := sourceAddress(r)
		known, err := h.opts.Store.IsKnownAddress(ctx, u.ID, addr)
		if err != nil {
			h.storeFailed(w, r, "recovery request: known address", err)
			return store.User{}, false, false
		}
		if known {
			scope, subject = limitRecoveryKnown, strconv.FormatInt(u.ID, 10)
		}
	}
	if !h.allowRecovery(ctx, w, h.opts.RecoveryPerAccount, ratelimit.Key(scope, subject)) {
		return store.User{}, false, false
	}
	return u, false, true
}

// linkTo says where req's link goes.
func linkTo(req store.RecoveryRequest) string {
	if req.PasswordProven {
		return api.LinkToApp
	}
	return api.LinkToEmail
}

// answerResend answers a POST whose client-chosen poll token names an
// existing request: with that request's ticket when the address is the
// same (the client resends after a lost answer), 409 when it is not (the
// token is the holder's secret, so this tells nobody anything new). It
// reports whether it answered.
func (h *Handler) answerResend(w http.ResponseWriter, r *http.Request, token auth.Token, email string) bool {
	req, err := h.opts.Store.GetRecoveryRequestByToken(r.Context(), store.TokenHash(token.Hash()))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false
	case err != nil:
		h.storeFailed(w, r, "recovery request: resend look-up", err)
		return true
	case store.NormalizeEmail(req.Email) != store.NormalizeEmail(email):
		writeError(w, http.StatusConflict, api.CodeConflict, `member "poll_token" belongs to another request; choose a new one`)
		return true
	}
	writeJSON(w, http.StatusAccepted, api.RecoveryRequestCreated{Request: api.RecoveryTicket{
		Phrase:    req.Phrase,
		PollToken: token.Encode(),
		ExpiresAt: h.recoveryExpiry(req),
		LinkTo:    linkTo(req),
	}})
	return true
}

// allowRecovery counts one hit of key against limit per RecoveryWindow in
// the shared store. Over the limit it answers 429 with Retry-After; on a
// store error it answers 503 (the limiter fails closed). Either way it
// reports false.
func (h *Handler) allowRecovery(ctx context.Context, w http.ResponseWriter, limit int64, key string) bool {
	win := ratelimit.Window{Counter: h.opts.Store, Limit: limit, Window: h.opts.RecoveryWindow}
	ok, retry, err := win.Allow(ctx, key)
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelError, "recovery request: rate limit unavailable",
			slog.String("id", RequestID(ctx)), slog.String("err", auth.Redact(err.Error())))
		writeError(w, http.StatusServiceUnavailable, api.CodeUnavailable, "the portal cannot reach its store")
		return false
	}
	if !ok {
		secs := int64((retry + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
		writeError(w, http.StatusTooManyRequests, api.CodeRateLimited,
			"too many recovery requests; try again later")
		return false
	}
	return true
}

// storeFailed logs a store error (redacted, with the request id) and
// answers 500. Store errors never quote caller values other than ids.
func (h *Handler) storeFailed(w http.ResponseWriter, r *http.Request, what string, err error) {
	ctx := r.Context()
	h.log.LogAttrs(ctx, slog.LevelError, what,
		slog.String("id", RequestID(ctx)), slog.String("err", auth.Redact(err.Error())))
	writeError(w, http.StatusInternalServerError, api.CodeInternal,
		"internal error; quote request "+RequestID(ctx)+" to the portal's administrator")
}

// validateRecoveryRequest checks and normalises the body: the e-mail address
// trimmed, at most MaxRecoveryEmailBytes, one '@' between a non-empty local
// part and domain, no spaces or control characters; the message trimmed,
// CRLF folded to LF, at most MaxRecoveryMessageRunes characters, no control
// characters but LF and tab, and no bidirectional overrides (the admin reads
// it; U+202E could make it say something else). Messages name the member,
// never its value.
func validateRecoveryRequest(in api.RecoveryRequestCreate) (email, message string, _ *requestError) {
	email, problem := checkEmail(in.Email)
	if problem != "" {
		return "", "", badRequest(api.CodeInvalid, "%s", problem)
	}
	message = strings.TrimSpace(strings.ReplaceAll(in.Message, "\r\n", "\n"))
	if !utf8.ValidString(message) {
		return "", "", badRequest(api.CodeInvalid, `member "message" is not valid UTF-8`)
	}
	if n := utf8.RuneCountInString(message); n > api.MaxRecoveryMessageRunes {
		return "", "", badRequest(api.CodeInvalid, `member "message" is longer than %d characters`, api.MaxRecoveryMessageRunes)
	}
	for i, c := range []rune(message) {
		if (unicode.IsControl(c) && c != '\n' && c != '\t') || isBidiControl(c) {
			return "", "", badRequest(api.CodeInvalid, `member "message" has a control character at character %d`, i+1)
		}
	}
	return email, message, nil
}

// isBidiControl reports the Unicode bidirectional embedding, override and
// isolate controls (U+202A–U+202E, U+2066–U+2069), and the marks.
func isBidiControl(c rune) bool {
	return c >= 0x202A && c <= 0x202E || c >= 0x2066 && c <= 0x2069 || c == 0x200E || c == 0x200F || c == 0x061C
}

// sourceAddress is the client's address as stored (no port, IPv4-mapped
// IPv6 unmapped) and the subject of its rate limit: the address itself for
// IPv4, its /64 for IPv6, since one host commonly holds a whole /64. The
// middleware decides the address once per request (clientAddress), taking
// X-Forwarded-For into account only from Options.TrustedProxies.
func sourceAddress(r *http.Request) (addr, subject string) {
	ip, ok := r.Context().Value(clientAddrKey).(netip.Addr)
	if !ok {
		ip, ok = peerAddress(r)
	}
	if !ok {
		host := r.RemoteAddr
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		return clip(host, 64), clip(host, 64)
	}
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return ip.String(), p.String()
	}
	return ip.String(), ip.String()
}
