package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"
)

// Security is how the SMTP connection is protected.
type Security string

// Security modes. STARTTLS is the default; None is allowed only for a
// loopback relay (a local MTA), since the messages carry live tokens.
const (
	StartTLS Security = "starttls"
	TLS      Security = "tls" // implicit TLS, usually port 465
	None     Security = "none"
)

// SMTP sends through a mail server. Username "" skips authentication.
type SMTP struct {
	Addr     string // host:port
	From     string // the envelope and header sender
	Username string
	Password string
	Security Security
	// TLSConfig overrides the TLS settings (tests, private CAs). ServerName
	// defaults to Addr's host.
	TLSConfig *tls.Config
	// Now stamps the Date header; nil: time.Now.
	Now func() time.Time
}

var _ Mailer = (*SMTP)(nil)

// Check validates the configuration once, at start-up.
func (s *SMTP) Check() error {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil || host == "" {
		return fmt.Errorf("smtp: address %q is not host:port", s.Addr)
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		return fmt.Errorf("smtp: sender %q is not an e-mail address", s.From)
	}
	switch s.security() {
	case StartTLS, TLS:
	case None:
		if !isLoopback(host) {
			return fmt.Errorf("smtp: security none is allowed only for a loopback relay, not %s: use starttls or tls", host)
		}
		if s.Username != "" {
			return errors.New("smtp: refusing to send a password without TLS")
		}
	default:
		return fmt.Errorf("smtp: security %q is not starttls, tls or none", s.Security)
	}
	return nil
}

func (s *SMTP) security() Security {
	if s.Security == "" {
		return StartTLS
	}
	return s.Security
}

// Send delivers m. The error names the server, never the message body.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if err := m.Check(); err != nil {
		return err
	}
	if err := s.Check(); err != nil {
		return err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	data, err := compose(s.From, m, now())
	if err != nil {
		return err
	}
	if err := s.deliver(ctx, m.To, data); err != nil {
		return fmt.Errorf("smtp %s: %w", s.Addr, err)
	}
	return nil
}

func (s *SMTP) deliver(ctx context.Context, to string, data []byte) error {
	host, _, _ := net.SplitHostPort(s.Addr)
	tc := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if s.TLSConfig != nil {
		tc = s.TLSConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = host
		}
	}
	d := net.Dialer{}
	var conn net.Conn
	var err error
	if s.security() == TLS {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: tc}).DialContext(ctx, "tcp", s.Addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", s.Addr)
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	// The whole conversation shares the context's deadline.
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	if s.security() == StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("the server does not offer STARTTLS")
		}
		if err := c.StartTLS(tc); err != nil {
			return err
		}
	}
	if s.Username != "" {
		// net/smtp's PlainAuth refuses to send the password without TLS
		// (except to localhost), which Check already guarantees.
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return fmt.Errorf("authentication: %w", err)
		}
	}
	from, _ := mail.ParseAddress(s.From)
	if err := c.Mail(from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("recipient refused: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// compose renders the message: UTF-8 plain text, quoted-printable, with
// the subject encoded per RFC 2047.
func compose(sender string, m Message, now time.Time) ([]byte, error) {
	from, err := mail.ParseAddress(sender)
	if err != nil {
		return nil, fmt.Errorf("mail: sender %q is not an e-mail address", sender)
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("mail: recipient at %s is not an e-mail address", redactAddr(m.To))
	}
	var id [12]byte
	_, _ = rand.Read(id[:])
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]

	var b bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", from.String())
	hdr("To", to.String())
	hdr("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	hdr("Date", now.Format(time.RFC1123Z))
	hdr("Message-ID", "<"+hex.EncodeToString(id[:])+"@"+domain+">")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	hdr("Content-Transfer-Encoding", "quoted-printable")
	// Automated notices: ask mail systems not to auto-reply.
	hdr("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	body := strings.ReplaceAll(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\n", "\r\n")
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
