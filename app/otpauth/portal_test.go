package otpauth

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/vault"
)

func enrolment(portal string) string {
	return "otpauth://totp/Acme%20RMM:ann@acme.example?secret=" + sentinel + "&issuer=Acme%20RMM&portal=" + url.QueryEscape(portal)
}

func TestParsePortalParameter(t *testing.T) {
	tests := []struct {
		name string
		uri  string
		want *vault.Portal
	}{
		{"no portal", "otpauth://totp/Acme:ann@acme.example?secret=" + sentinel, nil},
		{"https", enrolment("https://portal.acme.example"),
			&vault.Portal{URL: "https://portal.acme.example", Email: "ann@acme.example", LinkedBy: vault.LinkedByEnrolment}},
		{"canonical form", enrolment("HTTPS://Portal.Acme.Example:443/base/"),
			&vault.Portal{URL: "https://portal.acme.example/base", Email: "ann@acme.example", LinkedBy: vault.LinkedByEnrolment}},
		{"unescaped value", "otpauth://totp/Acme:ann@acme.example?secret=" + sentinel + "&portal=https://p.example:8443/t/acme",
			&vault.Portal{URL: "https://p.example:8443/t/acme", Email: "ann@acme.example", LinkedBy: vault.LinkedByEnrolment}},
		{"loopback http", enrolment("http://127.0.0.1:8080"),
			&vault.Portal{URL: "http://127.0.0.1:8080", Email: "ann@acme.example", LinkedBy: vault.LinkedByEnrolment}},
		{"localhost http", enrolment("http://localhost:8080"),
			&vault.Portal{URL: "http://localhost:8080", Email: "ann@acme.example", LinkedBy: vault.LinkedByEnrolment}},
		{"IPv6 loopback", enrolment("http://[::1]:8080"),
			&vault.Portal{URL: "http://[::1]:8080", Email: "ann@acme.example", LinkedBy: vault.LinkedByEnrolment}},
		{"name is not an address", "otpauth://totp/Acme:ann?secret=" + sentinel + "&portal=https%3A%2F%2Fp.example",
			&vault.Portal{URL: "https://p.example", LinkedBy: vault.LinkedByEnrolment}},
		{"repeated alike", enrolment("https://p.example") + "&portal=https%3A%2F%2Fp.example",
			&vault.Portal{URL: "https://p.example", Email: "ann@acme.example", LinkedBy: vault.LinkedByEnrolment}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Parse(tt.uri)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a.Portal, tt.want) {
				t.Errorf("portal %+v, want %+v", a.Portal, tt.want)
			}
		})
	}
}

func TestParsePortalParameterRejects(t *testing.T) {
	huge := "https://p.example/" + strings.Repeat("a", MaxPortalURLLength)
	tests := []struct {
		name, portal, problem string
	}{
		{"javascript", "javascript:alert(document.cookie)", `scheme "javascript"`},
		{"file", "file:///etc/passwd", `scheme "file"`},
		{"data", "data:text/html,<script>", `scheme "data"`},
		{"ftp", "ftp://p.example", `scheme "ftp"`},
		{"http to another host", "http://portal.acme.example", "plain http:// for portal.acme.example"},
		{"http to a private address", "http://10.0.0.5", "plain http:// for 10.0.0.5"},
		{"userinfo", "https://admin:hunter2@p.example", "credentials"},
		{"user only", "https://admin@p.example", "credentials"},
		{"query", "https://p.example/?next=https://evil.example", "query"},
		{"empty query", "https://p.example/?", "query"},
		{"fragment", "https://p.example/#x", "fragment"},
		{"huge", huge, "bytes long; the limit is 2048"},
		{"empty", "", "is empty"},
		{"relative", "/login", "not an absolute URL"},
		{"no host", "https:///path", "no host"},
		{"opaque", "https:p.example", "no host"},
		{"control character", "https://p.example/\x1b[2J", "control character"},
		{"space", "https://p.example/a b", "control character or space"},
		{"look-alike host", "https://pаypal.example", "non-ASCII"},
		{"underscore host", "https://p_x.example", "'_'"},
		{"bad port", "https://p.example:99999", "port"},
		{"zone", "http://[fe80::1%25eth0]:80", "IPv6 zone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(enrolment(tt.portal))
			if !errors.Is(err, ErrInvalidURI) || !strings.Contains(err.Error(), `parameter "portal"`) || !strings.Contains(err.Error(), tt.problem) {
				t.Fatalf("Parse: %v, want an invalid-URI error about the portal saying %q", err, tt.problem)
			}
			if strings.Contains(err.Error(), sentinel) || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q shows a secret", err)
			}
			_, err = ParsePortalURL(tt.portal)
			if err == nil || !strings.HasPrefix(err.Error(), "portal URL \"") || !strings.Contains(err.Error(), tt.problem) {
				t.Errorf("ParsePortalURL: %v", err)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("ParsePortalURL: %q shows the password", err)
			}
		})
	}
	if _, err := Parse(enrolment("https://a.example") + "&portal=https%3A%2F%2Fb.example"); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("two portals: %v", err)
	}
}

func TestPortalRoundTrip(t *testing.T) {
	for _, a := range []vault.Account{
		with(acct(vault.TOTP, "Acme RMM", "ann@acme.example"), func(a *vault.Account) {
			a.Portal = &vault.Portal{URL: "https://portal.acme.example:8443/t/acme", Email: "ann@acme.example", LinkedBy: vault.LinkedByEnrolment}
		}),
		with(acct(vault.HOTP, "", "ops"), func(a *vault.Account) {
			a.Portal = &vault.Portal{URL: "http://127.0.0.1:8080", LinkedBy: vault.LinkedByEnrolment}
		}),
		with(acct(vault.Steam, "Steam", "g@x.example"), func(a *vault.Account) {
			a.Portal = &vault.Portal{URL: "https://[2001:db8::1]", Email: "g@x.example", LinkedBy: vault.LinkedByEnrolment}
		}),
	} {
		if err := Normalize(&a); err != nil {
			t.Fatal(err)
		}
		uri := Format(a)
		if !strings.HasSuffix(uri, "&portal="+escape(a.Portal.URL, false)) {
			t.Errorf("Format: %s lacks the portal last", uri)
		}
		got, err := Parse(uri)
		if err != nil {
			t.Fatalf("Parse(%s): %v", uri, err)
		}
		if !reflect.DeepEqual(got.Portal, a.Portal) || !reflect.DeepEqual(uriFields(got), uriFields(a)) {
			t.Errorf("round trip through %s:\ngot  %+v %+v\nwant %+v %+v", uri, got, got.Portal, a, a.Portal)
		}
	}
	// Tenant, user id and recovery state are the vault's, not the URI's.
	a := acct(vault.TOTP, "Ex", "x@y.example")
	a.Portal = &vault.Portal{URL: "https://p.example", Tenant: "t", UserID: "u", Recovery: &vault.RecoveryRequest{PollToken: "tok"}}
	if uri := Format(a); strings.Contains(uri, "tok") || strings.Contains(uri, "tenant") || !strings.HasSuffix(uri, "&portal=https%3A%2F%2Fp.example") {
		t.Errorf("Format: %s", uri)
	}
}

func TestIsEmailAddress(t *testing.T) {
	for s, want := range map[string]bool{
		"ann@acme.example": true, "a+2fa@b": true, "ann": false, "@acme": false, "ann@": false, "a@b@c": false,
		"a b@c": false, "a@b\u202e": false, "a\x00@b": false, "": false, strings.Repeat("a", 250) + "@b.cd": false,
	} {
		if got := IsEmailAddress(s); got != want {
			t.Errorf("IsEmailAddress(%q) = %v", s, got)
		}
	}
}
