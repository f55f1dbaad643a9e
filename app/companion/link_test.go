package companion

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/vault"
)

func TestParseLink(t *testing.T) {
	tests := []struct {
		name string
		link string
		want LinkRequest
	}{
		{"full", "latchkey://link?portal=https%3A%2F%2Fportal.acme.example&email=ann%40acme.example&issuer=Acme%20RMM",
			LinkRequest{Portal: "https://portal.acme.example", Email: "ann@acme.example", Issuer: "Acme RMM"}},
		{"unescaped, any order, canonicalised", "LATCHKEY://Link/?issuer=Acme+RMM&email=ann@acme.example&portal=https://Portal.Acme.Example:443/base/",
			LinkRequest{Portal: "https://portal.acme.example/base", Email: "ann@acme.example", Issuer: "Acme RMM"}},
		{"no issuer", "latchkey://link?portal=https://p.example&email=ann@acme.example",
			LinkRequest{Portal: "https://p.example", Email: "ann@acme.example"}},
		{"loopback development portal", "latchkey://link?portal=http://127.0.0.1:8080&email=a@b",
			LinkRequest{Portal: "http://127.0.0.1:8080", Email: "a@b"}},
		{"surrounding space", "  latchkey://link?portal=https://p.example&email=a@b\n", LinkRequest{Portal: "https://p.example", Email: "a@b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLink(tt.link)
			if err != nil || got != tt.want {
				t.Fatalf("ParseLink = %+v, %v; want %+v", got, err, tt.want)
			}
			if !IsLink(tt.link) {
				t.Error("IsLink is false")
			}
		})
	}
}

func TestParseLinkRejects(t *testing.T) {
	const ok = "portal=https://p.example&email=a@b"
	tests := []struct {
		name, link, problem string
	}{
		{"other scheme", "https://link?" + ok, "does not start with latchkey://"},
		{"other action", "latchkey://add?" + ok, "only latchkey://link"},
		{"opaque", "latchkey:link?" + ok, "only latchkey://link"},
		{"credentials", "latchkey://user:pw@link?" + ok, "only latchkey://link"},
		{"port", "latchkey://link:80?" + ok, "only latchkey://link"},
		{"path", "latchkey://link/x?" + ok, "takes no path"},
		{"fragment", "latchkey://link?" + ok + "#x", "fragment"},
		{"unknown parameter", "latchkey://link?" + ok + "&secret=x", `parameter "secret" is not one`},
		{"repeated parameter", "latchkey://link?" + ok + "&email=c@d", `"email" is given 2 times`},
		{"no portal", "latchkey://link?email=a@b", `no "portal"`},
		{"no email", "latchkey://link?portal=https://p.example", "e-mail address is missing"},
		{"bad email", "latchkey://link?portal=https://p.example&email=nobody", `"nobody" is not an address`},
		{"javascript portal", "latchkey://link?portal=javascript:alert(1)&email=a@b", `scheme "javascript"`},
		{"file portal", "latchkey://link?portal=file:///etc/passwd&email=a@b", `scheme "file"`},
		{"http portal elsewhere", "latchkey://link?portal=http://p.example&email=a@b", "plain http:// for p.example"},
		{"portal with credentials", "latchkey://link?portal=https://u:pw@p.example&email=a@b", "credentials"},
		{"control character", "latchkey://link?" + ok + "\x1b[2J", "control character"},
		{"encoded control in issuer", "latchkey://link?" + ok + "&issuer=A%1BB", "issuer has a control character"},
		{"bidi override in issuer", "latchkey://link?" + ok + "&issuer=A%E2%80%AEB", "issuer has a control character"},
		{"bad escape", "latchkey://link?" + ok + "&issuer=%zz", "not valid percent-encoding"},
		{"huge", "latchkey://link?" + ok + "&issuer=" + strings.Repeat("a", MaxLinkLength), "bytes long; the limit is 4096"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLink(tt.link)
			if !errors.Is(err, ErrInvalidLink) || !strings.Contains(err.Error(), tt.problem) {
				t.Fatalf("ParseLink: %v, want an invalid-link error saying %q", err, tt.problem)
			}
			if strings.Contains(err.Error(), "pw@") {
				t.Errorf("error %q shows credentials", err)
			}
		})
	}
}

func TestProposeAndAccept(t *testing.T) {
	other := &vault.Portal{URL: "https://old.example", Email: "ann@acme.example",
		Recovery: &vault.RecoveryRequest{State: vault.RecoveryQueued, RequestedAt: testEpoch}}
	v, _ := testVault(t,
		account("a1", "Acme RMM", "ann@acme.example", nil),
		account("a2", "Acme PSA", "ann@acme.example", other),
		account("a3", "Beta", "bob", &vault.Portal{URL: "https://p.example", Email: "bob@beta.example"}),
	)
	c := New(v, quickOptions(t, false))
	tests := []struct {
		name     string
		req      LinkRequest
		id       string
		replaces bool
		same     bool
		err      string
	}{
		{"by name and issuer", LinkRequest{Portal: "https://p.example", Email: "ANN@acme.example", Issuer: "acme rmm"}, "a1", false, false, ""},
		{"replacing another portal", LinkRequest{Portal: "https://p.example", Email: "ann@acme.example", Issuer: "Acme PSA"}, "a2", true, false, ""},
		{"by the binding's e-mail, unchanged", LinkRequest{Portal: "https://p.example", Email: "bob@beta.example"}, "a3", false, true, ""},
		{"ambiguous", LinkRequest{Portal: "https://p.example", Email: "ann@acme.example"}, "", false, false, `2 accounts match "ann@acme.example" ("Acme PSA: ann@acme.example", "Acme RMM: ann@acme.example")`},
		{"none", LinkRequest{Portal: "https://p.example", Email: "zoe@acme.example", Issuer: "Acme RMM"}, "", false, false, `no account for "zoe@acme.example" at "Acme RMM"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := c.Propose(tt.req)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || p.Account.ID != tt.id || p.Replaces != tt.replaces || p.Unchanged != tt.same {
				t.Fatalf("proposal %+v, %v", p, err)
			}
		})
	}

	before := v.Document()
	p, err := c.Propose(LinkRequest{Portal: "https://p.example", Email: "ann@acme.example", Issuer: "Acme PSA"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(v.Document().Accounts, before.Accounts) {
		t.Fatal("Propose changed the vault")
	}
	a, err := c.Accept(p)
	if err != nil {
		t.Fatal(err)
	}
	want := vault.Portal{URL: "https://p.example", Email: "ann@acme.example", LinkedAt: testEpoch, LinkedBy: vault.LinkedByLink}
	if got, _ := v.Document().Account("a2"); !reflect.DeepEqual(*got.Portal, want) || !reflect.DeepEqual(*a.Portal, want) {
		t.Errorf("binding %+v, want %+v (the old portal's request dropped)", got.Portal, want)
	}
}

func TestLinkAndUnlink(t *testing.T) {
	sent := &vault.RecoveryRequest{State: vault.RecoverySent, Phrase: "p", PollToken: pollToken, RequestedAt: testEpoch}
	v, _ := testVault(t,
		account("a1", "Acme", "ann", nil),
		account("a2", "Beta", "bob@beta.example", &vault.Portal{URL: "https://p.example", Tenant: "t", Email: "old@beta.example", Recovery: sent}),
	)
	c := New(v, quickOptions(t, false))

	bad := []struct{ url, email, problem string }{
		{"ftp://p.example", "a@b", `scheme "ftp"`},
		{"https://p.example", "not-an-address", "is not an address"},
		{"http://p.example", "a@b", "plain http://"},
		{"https://p.example/?q", "a@b", "query"},
	}
	for _, b := range bad {
		before := v.Document()
		if _, err := c.Link("a1", b.url, b.email, vault.LinkedByHand); err == nil || !strings.Contains(err.Error(), b.problem) {
			t.Errorf("Link(%q, %q): %v, want %q", b.url, b.email, err, b.problem)
		}
		if !reflect.DeepEqual(v.Document(), before) {
			t.Errorf("Link(%q, %q) changed the vault", b.url, b.email)
		}
	}

	a, err := c.Link("a1", "https://P.example/", " ann@acme.example ", vault.LinkedByHand)
	if err != nil || a.Portal.URL != "https://p.example" || a.Portal.Email != "ann@acme.example" || a.Portal.LinkedBy != vault.LinkedByHand {
		t.Fatalf("link: %+v, %v", a.Portal, err)
	}
	// The same portal again: the address changes, the state stays.
	a, err = c.Link("a2", "https://p.example", "bob@beta.example", vault.LinkedByHand)
	if err != nil || a.Portal.Email != "bob@beta.example" || a.Portal.Tenant != "t" || a.Portal.Recovery == nil {
		t.Fatalf("relink: %+v, %v", a.Portal, err)
	}
	if _, err := c.Link("nope", "https://p.example", "a@b", vault.LinkedByHand); !errors.Is(err, ErrNoAccount) {
		t.Errorf("unknown account: %v", err)
	}

	was, err := c.Unlink("a2")
	if err != nil || was.Portal == nil || was.Portal.Recovery == nil {
		t.Fatalf("unlink: %+v, %v", was.Portal, err)
	}
	if got, _ := v.Document().Account("a2"); got.Portal != nil {
		t.Errorf("still bound: %+v", got.Portal)
	}
	if _, err := c.Unlink("a2"); !errors.Is(err, ErrNotLinked) {
		t.Errorf("unlink twice: %v", err)
	}
}
