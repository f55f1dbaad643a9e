package portal

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/mail"
	"github.com/latchkey/latchkey/portal/store"
)

// sendMail hands m to the mailer within MailTimeout, detached from the
// request's cancellation (a client that hangs up must not stop a notice
// half-way). Failures are logged without the body and returned.
func (h *Handler) sendMail(ctx context.Context, m mail.Message) error {
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), MailTimeout)
	defer cancel()
	if err := h.opts.Mailer.Send(sendCtx, m); err != nil {
		h.log.LogAttrs(ctx, slog.LevelError, "mail not sent",
			slog.String("id", RequestID(ctx)), slog.String("subject", m.Subject), slog.String("err", auth.Redact(err.Error())))
		return fmt.Errorf("sending mail: %w", err)
	}
	return nil
}

// notify2FAChange tells u by e-mail that their 2FA changed (what is one
// sentence, e.g. "Your two-factor authentication was reset by an admin.").
// Every change to a user's 2FA sends one; a mail failure does not undo the
// change (it is in the audit log).
func (h *Handler) notify2FAChange(ctx context.Context, u store.User, what string) {
	_ = h.sendMail(ctx, mail.Message{
		To:      u.Email,
		Subject: h.opts.Issuer + ": your two-factor authentication changed",
		Text: fmt.Sprintf("Hello %s,\n\n%s\n\nIf this was not you or your admin, contact your admin now.\n\n— %s\n",
			u.Name, what, h.opts.Issuer),
	})
}

// absURL builds a link to path (with query) on the portal's public
// address. Links in e-mails are never built from the Host header, which a
// client controls.
func (h *Handler) absURL(path string, query url.Values) string {
	u := url.URL{Scheme: "http", Host: "localhost", Path: path}
	if h.opts.BaseURL != nil {
		u = *h.opts.BaseURL
		u.Path = singleSlashJoin(u.Path, path)
	}
	u.RawQuery = query.Encode()
	return u.String()
}

func singleSlashJoin(base, p string) string {
	for len(base) > 0 && base[len(base)-1] == '/' {
		base = base[:len(base)-1]
	}
	return base + p
}
