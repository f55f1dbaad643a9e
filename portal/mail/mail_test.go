package mail

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeSMTP speaks just enough SMTP (RFC 5321) to accept one message and
// hands the DATA section back.
func fakeSMTP(t *testing.T, rcptCode int) (addr string, got <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		say := func(s string) { fmt.Fprintf(c, "%s\r\n", s) }
		say("220 fake ESMTP")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			cmd := strings.ToUpper(strings.TrimSpace(line))
			switch {
			case strings.HasPrefix(cmd, "EHLO"):
				say("250-fake")
				say("250 8BITMIME")
			case strings.HasPrefix(cmd, "MAIL FROM"):
				say("250 ok")
			case strings.HasPrefix(cmd, "RCPT TO"):
				say(fmt.Sprintf("%d rcpt", rcptCode))
			case cmd == "DATA":
				say("354 go on")
				var b strings.Builder
				for {
					l, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if l == ".\r\n" {
						break
					}
					b.WriteString(l)
				}
				ch <- b.String()
				say("250 queued")
			case cmd == "QUIT":
				say("221 bye")
				return
			default:
				say("502 no")
			}
		}
	}()
	return ln.Addr().String(), ch
}

func TestSMTPSend(t *testing.T) {
	addr, got := fakeSMTP(t, 250)
	s := &SMTP{Addr: addr, From: "Portal <portal@example.com>", Security: None,
		Now: func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) }}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.Send(ctx, Message{To: "alice@example.com", Subject: "Your link — é", Text: "Open https://portal.example/recover/link?token=abc\nThanks"})
	if err != nil {
		t.Fatal(err)
	}
	data := <-got
	head, body, _ := strings.Cut(data, "\r\n\r\n")
	for _, want := range []string{"From: \"Portal\" <portal@example.com>", "To: <alice@example.com>", "Subject: =?utf-8?q?", "Content-Transfer-Encoding: quoted-printable", "Date: Sun, 22 Nov 2026 10:00:00 +0000"} {
		if !strings.Contains(head, want) {
			t.Errorf("headers lack %q:\n%s", want, head)
		}
	}
	dec, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(dec), "token=abc\r\nThanks") {
		t.Errorf("body = %q", dec)
	}
}

func TestSMTPRecipientRefused(t *testing.T) {
	addr, _ := fakeSMTP(t, 550)
	s := &SMTP{Addr: addr, From: "portal@example.com", Security: None}
	err := s.Send(context.Background(), Message{To: "bob@example.com", Subject: "s", Text: "secret-body-token"})
	if err == nil || !strings.Contains(err.Error(), "recipient refused") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "secret-body-token") {
		t.Error("the error quotes the body")
	}
}

func TestSMTPCheck(t *testing.T) {
	tests := []struct {
		name string
		s    SMTP
		want string // "" = ok
	}{
		{"starttls default", SMTP{Addr: "mail.example.com:587", From: "p@example.com"}, ""},
		{"implicit tls", SMTP{Addr: "mail.example.com:465", From: "p@example.com", Security: TLS}, ""},
		{"none on loopback", SMTP{Addr: "127.0.0.1:25", From: "p@example.com", Security: None}, ""},
		{"none remote", SMTP{Addr: "mail.example.com:25", From: "p@example.com", Security: None}, "loopback"},
		{"password without tls", SMTP{Addr: "localhost:25", From: "p@example.com", Security: None, Username: "u"}, "without TLS"},
		{"no port", SMTP{Addr: "mail.example.com", From: "p@example.com"}, "host:port"},
		{"bad sender", SMTP{Addr: "mail.example.com:25", From: "nobody"}, "sender"},
		{"bad mode", SMTP{Addr: "mail.example.com:25", From: "p@example.com", Security: "ssl3"}, "starttls, tls or none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Check()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Check = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestMessageCheck(t *testing.T) {
	for _, m := range []Message{
		{To: "", Subject: "s"},
		{To: "a@example.com\r\nBcc: x@example.com", Subject: "s"},
		{To: "a@example.com", Subject: "hi\nBcc: x@example.com"},
	} {
		if err := (&Outbox{}).Send(context.Background(), m); err == nil {
			t.Errorf("%v accepted", m)
		}
	}
	m := Message{To: "a@example.com", Subject: "s", Text: "token=SECRET"}
	if s := m.String(); strings.Contains(s, "SECRET") || strings.Contains(s, "a@") {
		t.Errorf("String leaks: %s", s)
	}
}

func TestOutbox(t *testing.T) {
	o := &Outbox{}
	ctx := context.Background()
	_ = o.Send(ctx, Message{To: "A@example.com", Subject: "one", Text: "1"})
	_ = o.Send(ctx, Message{To: "b@example.com", Subject: "two", Text: "2"})
	_ = o.Send(ctx, Message{To: "a@example.com", Subject: "one again", Text: "3"})
	if n := len(o.To("a@example.com")); n != 2 {
		t.Errorf("To = %d messages", n)
	}
	if m, ok := o.Last("a@example.com", "one"); !ok || m.Text != "3" {
		t.Errorf("Last = %v %v", m, ok)
	}
	if _, ok := o.Last("c@example.com", "one"); ok {
		t.Error("Last found a message to nobody")
	}
}

func TestDir(t *testing.T) {
	dir := t.TempDir() + "/mail"
	d := &Dir{Path: dir, From: "portal@example.com"}
	if err := d.Send(context.Background(), Message{To: "a@example.com", Subject: "link", Text: "https://p.example/x?token=1"}); err != nil {
		t.Fatal(err)
	}
	if err := d.Send(context.Background(), Message{To: "a@example.com\nBcc: b@example.com", Subject: "x"}); err == nil {
		t.Fatal("header injection accepted")
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("entries = %v, %v", entries, err)
	}
	fi, _ := os.Stat(dir)
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v", fi.Mode().Perm())
	}
	info, _ := entries[0].Info()
	if info.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v", info.Mode().Perm())
	}
	b, _ := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	if !strings.Contains(string(b), "To: <a@example.com>") || !strings.HasSuffix(entries[0].Name(), ".eml") {
		t.Errorf("file %s:\n%s", entries[0].Name(), b)
	}
}
