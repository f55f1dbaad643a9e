package portal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/mail"
	"github.com/latchkey/latchkey/portal/store"
)

// E-mailed verification links: confirming the account's e-mail address
// before a forced enrolment, and confirming a sign-in from an address the
// account has not used. Each carries a 256-bit auth.Token of which the
// store keeps the SHA-256; the link opens a page that only shows a Confirm
// button (mail scanners follow links with GET), and the POST behind it
// consumes the token in one atomic update.
//
// Confirming the e-mail address also remembers the sign-in address that
// asked for it: the mailbox owner has just confirmed a sign-in from that
// address, which is what a new-address confirmation asks, so the first
// sign-in of a new user needs one e-mail, not two.
const (
	// VerifyEmailTTL is how long an e-mail-address confirmation link works.
	VerifyEmailTTL = 2 * time.Hour
	// VerifyAddressTTL is how long a new-address confirmation link works.
	VerifyAddressTTL = 30 * time.Minute
	// VerifyLinksPerAddress bounds link confirmations per source address per
	// SignInWindow (the tokens cannot be guessed; this sheds load).
	VerifyLinksPerAddress = 30

	limitVerifyLinks = "verify-link-addr"

	auditEmailVerified   = "email.verified"
	auditAddressVerified = "address.verified"

	pathVerifyEmail   = "/verify-email"
	pathVerifyAddress = "/verify-address"
)

// sendVerifyEmail e-mails u a link confirming their address, for a
// sign-in from addr.
func (h *Handler) sendVerifyEmail(ctx context.Context, u store.User, addr string) *flowError {
	return h.sendLink(ctx, u, addr, store.PurposeVerifyEmail, VerifyEmailTTL, pathVerifyEmail, func(link string) mail.Message {
		return mail.Message{
			To:      u.Email,
			Subject: h.opts.Issuer + ": confirm your e-mail address",
			Text: fmt.Sprintf("Hello %s,\n\n"+
				"Someone signing in to %s as you, from the network address %s, must confirm\n"+
				"this e-mail address before setting up two-factor authentication.\n\n"+
				"If that is you, open this link within 2 hours and press Confirm:\n\n%s\n\n"+
				"If it is not you, do not open the link: someone knows your password.\n"+
				"Tell your admin.\n\n— %s\n", u.Name, h.opts.Issuer, addr, link, h.opts.Issuer),
		}
	})
}

// sendVerifyAddress e-mails u a link confirming a sign-in from addr.
func (h *Handler) sendVerifyAddress(ctx context.Context, u store.User, addr string) *flowError {
	return h.sendLink(ctx, u, addr, store.PurposeVerifyAddress, VerifyAddressTTL, pathVerifyAddress, func(link string) mail.Message {
		return mail.Message{
			To:      u.Email,
			Subject: h.opts.Issuer + ": confirm a sign-in from a new network",
			Text: fmt.Sprintf("Hello %s,\n\n"+
				"Your account just signed in to %s from the network address %s,\n"+
				"which it has not used before. The sign-in waits for your confirmation.\n\n"+
				"If that is you, open this link within 30 minutes and press Confirm:\n\n%s\n\n"+
				"If it is not you, do not open the link: someone knows your password and\n"+
				"second factor. Tell your admin.\n\n— %s\n", u.Name, h.opts.Issuer, addr, link, h.opts.Issuer),
		}
	})
}

// mailSignInCode is the e-mail carrying a one-time sign-in code.
func mailSignInCode(issuer string, u store.User, addr, code string) mail.Message {
	return mail.Message{
		To:      u.Email,
		Subject: issuer + ": your sign-in code",
		Text: fmt.Sprintf("Hello %s,\n\nYour sign-in code is:\n\n    %s\n\n"+
			"It works once, within %d minutes, for the sign-in from %s.\n"+
			"If you are not signing in, someone knows your password: tell your admin.\n\n— %s\n",
			u.Name, code, int(EmailCodeTTL/time.Minute), addr, issuer),
	}
}

// sendLink stores a new token of purpose (revoking u's older ones of that
// purpose) and e-mails the link to path built from the configured base
// URL.
func (h *Handler) sendLink(ctx context.Context, u store.User, addr string, purpose store.EmailPurpose, ttl time.Duration, path string, msg func(link string) mail.Message) *flowError {
	tok := auth.NewToken()
	if _, err := h.opts.Store.CreateEmailToken(ctx, store.NewEmailToken{
		UserID: u.ID, Purpose: purpose, TokenHash: store.TokenHash(tok.Hash()), SourceAddr: addr, ExpiresAt: h.now().Add(ttl),
	}); err != nil {
		return h.internal(ctx, "e-mail link: store", err)
	}
	if err := h.sendMail(ctx, msg(h.absURL(path, url.Values{"token": {tok.Encode()}}))); err != nil {
		return mailFailed
	}
	return nil
}

// consumeLink redeems the token of an e-mailed link of one of purposes and
// applies it: the address is confirmed (and the asking sign-in address
// remembered), or the new sign-in address is remembered.
func (h *Handler) consumeLink(ctx context.Context, r *http.Request, raw string, purposes ...store.EmailPurpose) (store.EmailPurpose, *flowError) {
	addr, subject := sourceAddress(r)
	if raw == "" {
		return "", &flowError{status: http.StatusBadRequest, code: api.CodeInvalid, message: `member "token" is required`}
	}
	if fe := h.limit(ctx, limitVerifyLinks, subject, VerifyLinksPerAddress, "too many links confirmed from your network; try again later"); fe != nil {
		return "", fe
	}
	hash, err := auth.HashEncodedToken(raw)
	if err != nil {
		// ParseToken's message says what is wrong without quoting the text.
		return "", &flowError{status: http.StatusBadRequest, code: api.CodeInvalid, message: "the link's token is malformed: " + err.Error()}
	}
	for _, p := range purposes {
		t, err := h.opts.Store.ConsumeEmailToken(ctx, p, store.TokenHash(hash), 0)
		switch {
		case errors.Is(err, store.ErrNotFound):
			continue
		case errors.Is(err, store.ErrUsed):
			return "", linkGone("this link was already used")
		case errors.Is(err, store.ErrExpired):
			return "", linkGone("this link has expired; sign in again to get a new one")
		case errors.Is(err, store.ErrRevoked):
			return "", linkGone("a newer e-mail replaced this link; use the newest one")
		case err != nil:
			return "", h.internal(ctx, "e-mail link: consume", err)
		}
		return p, h.applyLink(ctx, t, addr)
	}
	return "", &flowError{status: http.StatusNotFound, code: api.CodeNotFound, message: "this link is not valid; check that it was copied whole"}
}

func linkGone(msg string) *flowError {
	return &flowError{status: http.StatusGone, code: api.CodeInvalid, message: msg}
}

// applyLink records what a consumed token confirms. The actor is anonymous:
// whoever opened the mailbox's link, possibly on another device.
func (h *Handler) applyLink(ctx context.Context, t store.EmailToken, consumer string) *flowError {
	u, err := h.opts.Store.GetUser(ctx, t.UserID)
	if err != nil {
		return h.internal(ctx, "e-mail link: user", err)
	}
	action := auditAddressVerified
	if t.Purpose == store.PurposeVerifyEmail {
		action = auditEmailVerified
		yes := true
		if _, err := h.opts.Store.UpdateUser(ctx, u.ID, store.UserUpdate{EmailVerified: &yes}); err != nil {
			return h.internal(ctx, "e-mail link: marking the address verified", err)
		}
	}
	if t.SourceAddr != "" {
		if err := h.opts.Store.RememberAddress(ctx, u.ID, t.SourceAddr); err != nil {
			return h.internal(ctx, "e-mail link: remembering the address", err)
		}
	}
	details, _ := json.Marshal(map[string]string{"sign_in_address": t.SourceAddr})
	_ = h.audit(ctx, store.AuditEntry{Action: action, TargetUserID: u.ID, TenantID: u.TenantID, SourceAddr: consumer, Details: details})
	return nil
}

// postEmailVerification serves POST /v1/email-verifications: consume a
// verification link's token (either purpose; a 256-bit token matches at
// most one).
func (h *Handler) postEmailVerification(w http.ResponseWriter, r *http.Request) {
	var in api.EmailVerificationRequest
	if !decodeJSON(w, r, &in) {
		return
	}
	p, fe := h.consumeLink(r.Context(), r, in.Token, store.PurposeVerifyEmail, store.PurposeVerifyAddress)
	if fe != nil {
		writeFlowError(w, fe)
		return
	}
	writeJSON(w, http.StatusOK, api.EmailVerified{Purpose: string(p)})
}

// verifyPage is the data of verify_email.html and verify_address.html.
type verifyPage struct {
	Token string
}

// getVerifyPage shows the Confirm button of a link of purpose; it only
// checks the token's form, and changes nothing.
func (h *Handler) getVerifyPage(purpose store.EmailPurpose) http.HandlerFunc {
	name := pageName(purpose)
	return func(w http.ResponseWriter, r *http.Request) {
		raw := r.URL.Query().Get("token")
		if _, err := auth.ParseToken(raw); err != nil {
			h.pageMessage(w, r, http.StatusBadRequest, messagePage{Title: "This link is incomplete",
				Message: "The link's token is malformed: " + err.Error() + ". Copy the whole link from the e-mail into the address bar."})
			return
		}
		h.page(w, r, http.StatusOK, name, verifyPage{Token: raw})
	}
}

// postVerifyPage consumes a link of purpose from its Confirm button.
func (h *Handler) postVerifyPage(purpose store.EmailPurpose) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.pageForm(w, r) {
			return
		}
		_, fe := h.consumeLink(r.Context(), r, r.PostFormValue("token"), purpose)
		if fe != nil {
			if fe.status == http.StatusTooManyRequests {
				setRetryAfter(w, fe.retryAfter)
			}
			h.pageMessage(w, r, fe.status, messagePage{Title: "This link cannot be used", Message: sentence(fe.message),
				Link: pathSignIn, LinkLabel: "Sign in again"})
			return
		}
		msg := "Your sign-in from the new network is confirmed. Go back to the sign-in window and press Continue."
		if purpose == store.PurposeVerifyEmail {
			msg = "Your e-mail address is confirmed. Go back to the sign-in window and press Continue to set up your authenticator."
		}
		h.pageMessage(w, r, http.StatusOK, messagePage{Title: "Confirmed", Message: msg})
	}
}

func pageName(purpose store.EmailPurpose) string {
	if purpose == store.PurposeVerifyEmail {
		return "verify_email"
	}
	return "verify_address"
}
