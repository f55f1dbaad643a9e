// Package mail owns how the portal sends e-mail: the Mailer interface the
// HTTP layer calls, an SMTP implementation, and Outbox, an in-memory
// mailer for tests and for development installs without a mail server.
//
// Messages carry live tokens (verification links, recovery links, sign-in
// codes). Nothing in this package logs a message body, and errors name the
// recipient's domain at most, never the body.
package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
)

// Message is one plain-text e-mail.
type Message struct {
	To      string
	Subject string
	Text    string
}

// Check refuses header injection: To and Subject must be one line without
// control characters.
func (m Message) Check() error {
	if m.To == "" || !strings.Contains(m.To, "@") {
		return errors.New("mail: no recipient address")
	}
	for _, f := range []string{m.To, m.Subject} {
		for _, c := range f {
			if unicode.IsControl(c) {
				return errors.New("mail: a control character in a header")
			}
		}
	}
	return nil
}

// String never prints the body, which may hold a token.
func (m Message) String() string {
	return fmt.Sprintf("mail.Message{to: %s, subject: %q, body: %d bytes}", redactAddr(m.To), m.Subject, len(m.Text))
}

// Mailer sends a message. Send may block on the network; callers bound it
// with ctx.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// Outbox keeps sent messages in memory.
type Outbox struct {
	mu   sync.Mutex
	msgs []Message
}

var _ Mailer = (*Outbox)(nil)

// Send records m.
func (o *Outbox) Send(_ context.Context, m Message) error {
	if err := m.Check(); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, m)
	return nil
}

// Messages returns a copy of everything sent so far, oldest first.
func (o *Outbox) Messages() []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Message(nil), o.msgs...)
}

// To returns the messages sent to addr (case-insensitive), oldest first.
func (o *Outbox) To(addr string) []Message {
	var out []Message
	for _, m := range o.Messages() {
		if strings.EqualFold(m.To, addr) {
			out = append(out, m)
		}
	}
	return out
}

// Last returns the newest message to addr whose subject contains subject.
func (o *Outbox) Last(addr, subject string) (Message, bool) {
	msgs := o.To(addr)
	for i := len(msgs) - 1; i >= 0; i-- {
		if strings.Contains(msgs[i].Subject, subject) {
			return msgs[i], true
		}
	}
	return Message{}, false
}

// redactAddr keeps the domain only: "…@example.com".
func redactAddr(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return "…" + addr[i:]
	}
	return "…"
}
