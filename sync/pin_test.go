package sync_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	lksync "github.com/latchkey/latchkey/sync"
)

// selfSigned makes a self-signed server certificate for the names (DNS
// names or IP literals), valid from notBefore to notAfter.
func selfSigned(t *testing.T, names []string, notBefore, notAfter time.Time) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: names[0], Organization: []string{"Latchkey test portal"}},
		NotBefore:    notBefore, NotAfter: notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// timeServer answers GET /v1/time over TLS with cert (nil: httptest's
// own), counting connections and requests.
func timeServer(t *testing.T, cert *tls.Certificate) (srv *httptest.Server, conns, hits *atomic.Int32) {
	t.Helper()
	conns, hits = new(atomic.Int32), new(atomic.Int32)
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		now := api.NewTimeResponse(time.Now())
		_, _ = io.WriteString(w, `{"time":"`+now.Time.Format(time.RFC3339Nano)+`","unix_ms":`+big.NewInt(now.UnixMS).String()+`}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	if cert != nil {
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{*cert}}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, conns, hits
}

func TestPinning(t *testing.T) {
	now := time.Now()
	wrongHost := selfSigned(t, []string{"portal.example"}, now.Add(-time.Hour), now.Add(time.Hour))
	expired := selfSigned(t, []string{"127.0.0.1"}, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	other := selfSigned(t, []string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(time.Hour))
	otherPin := lksync.CertFingerprint(other.Leaf)

	tests := []struct {
		name    string
		cert    *tls.Certificate
		trustCA bool // trust the server's certificate as a root
		pin     func(srv *httptest.Server) lksync.Fingerprint
		want    string // "" for success, else a piece of the error
		check   func(t *testing.T, srv *httptest.Server, err error)
	}{
		{name: "trusted CA, no pin", trustCA: true},
		{name: "trusted CA, a stale pin is not consulted", trustCA: true,
			pin: func(*httptest.Server) lksync.Fingerprint { return otherPin }},
		{name: "self-signed without a pin", want: "certificate signed by unknown authority"},
		{name: "self-signed with its pin", pin: leafPin},
		{name: "self-signed with a wrong pin", want: "is not the trusted one",
			pin: func(*httptest.Server) lksync.Fingerprint { return otherPin },
			check: func(t *testing.T, srv *httptest.Server, err error) {
				var pe *lksync.PinMismatchError
				if !errors.As(err, &pe) || pe.Pinned != otherPin || pe.Presented != leafPin(srv) {
					t.Fatalf("error %v, want a *PinMismatchError", err)
				}
				for _, fp := range []lksync.Fingerprint{otherPin, leafPin(srv)} {
					if !strings.Contains(err.Error(), fp.String()) {
						t.Errorf("error %q does not name %s", err, fp)
					}
				}
			}},
		{name: "pinned but for another host", cert: &wrongHost, pin: leafPin, want: "doesn't contain any IP SANs"},
		{name: "pinned but expired", cert: &expired, pin: leafPin, want: "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, conns, hits := timeServer(t, tt.cert)
			opts := lksync.Options{Backoff: time.Millisecond, MaxAttempts: 3}
			if tt.trustCA {
				opts.TLSConfig = trusting(srv)
			}
			if tt.pin != nil {
				opts.PinnedCertSHA256 = tt.pin(srv)
			}
			c, err := lksync.New(srv.URL, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			_, err = c.Time(context.Background())
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
			if hits.Load() != 0 || conns.Load() != 1 {
				t.Errorf("%d requests over %d connections; a refused certificate must not be retried", hits.Load(), conns.Load())
			}
			if tt.check != nil {
				tt.check(t, srv, err)
			}
		})
	}
}

func leafPin(srv *httptest.Server) lksync.Fingerprint {
	return lksync.CertFingerprint(srv.Certificate())
}

func TestPinningStillRefusesInsecureConfig(t *testing.T) {
	_, err := lksync.New("https://portal.example", lksync.Options{
		TLSConfig:        &tls.Config{InsecureSkipVerify: true},
		PinnedCertSHA256: lksync.Fingerprint{1},
	})
	if !errors.Is(err, lksync.ErrInsecureTLS) {
		t.Fatalf("err %v, want ErrInsecureTLS", err)
	}
}

func TestParseFingerprint(t *testing.T) {
	want := lksync.Fingerprint{0xab, 0xcd}
	canonical := want.String()
	hexOnly := strings.TrimPrefix(canonical, "SHA256:")
	var colons []string
	for i := 0; i < len(hexOnly); i += 2 {
		colons = append(colons, strings.ToUpper(hexOnly[i:i+2]))
	}
	for _, in := range []string{canonical, hexOnly, strings.ToUpper(hexOnly), "sha256:" + hexOnly,
		"SHA256:" + strings.Join(colons, ":"), strings.Join(colons, " "), "sha256/" + hexOnly, "  " + canonical + "\n"} {
		got, err := lksync.ParseFingerprint(in)
		if err != nil || got != want {
			t.Errorf("ParseFingerprint(%q) = %v, %v", in, got, err)
		}
	}
	if !strings.HasPrefix(canonical, "SHA256:abcd00") || len(canonical) != 7+64 {
		t.Errorf("String() = %q", canonical)
	}
	for in, problem := range map[string]string{
		"":                              "not a SHA-256 fingerprint",
		"SHA256:abcd":                   "not a SHA-256 fingerprint",
		"SHA1:" + hexOnly:               "not a SHA-256 fingerprint",
		"SHA256:" + hexOnly[:62] + "zz": "not a hex digit",
		"SHA256:" + hexOnly + "00":      "not a SHA-256 fingerprint",
	} {
		_, err := lksync.ParseFingerprint(in)
		if err == nil || !strings.Contains(err.Error(), problem) || !strings.Contains(err.Error(), "fingerprint \"") {
			t.Errorf("ParseFingerprint(%q): %v, want an error naming it and saying %q", in, err, problem)
		}
	}
}

func TestOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://Portal.Example/base/":  "https://portal.example",
		"https://portal.example:443":    "https://portal.example",
		"https://portal.example:8443/x": "https://portal.example:8443",
		"HTTP://127.0.0.1:80":           "http://127.0.0.1",
		"https://[::1]:9443":            "https://[::1]:9443",
	} {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := lksync.Origin(u); got != want {
			t.Errorf("Origin(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestInspectCertificate(t *testing.T) {
	now := time.Now()
	wrongHost := selfSigned(t, []string{"portal.example"}, now.Add(-time.Hour), now.Add(time.Hour))
	t.Run("self-signed", func(t *testing.T) {
		srv, _, hits := timeServer(t, nil)
		ci, err := lksync.InspectCertificate(context.Background(), srv.URL+"/base", lksync.Options{})
		if err != nil {
			t.Fatal(err)
		}
		leaf := srv.Certificate()
		if ci.Fingerprint != lksync.CertFingerprint(leaf) || ci.Verified || ci.VerifyError == nil || !ci.Pinnable() {
			t.Errorf("info %+v", ci)
		}
		if ci.Origin != srv.URL || ci.Host != "127.0.0.1" || ci.Subject == "" || !ci.NotAfter.Equal(leaf.NotAfter) {
			t.Errorf("origin %q host %q subject %q not after %v", ci.Origin, ci.Host, ci.Subject, ci.NotAfter)
		}
		if !strings.Contains(strings.Join(ci.Names, " "), "127.0.0.1") {
			t.Errorf("names %v", ci.Names)
		}
		if hits.Load() != 0 {
			t.Errorf("a request reached the untrusted server %d times", hits.Load())
		}
		// The pin it reports is one the client then accepts.
		c, err := lksync.New(srv.URL, lksync.Options{PinnedCertSHA256: ci.Fingerprint})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseIdleConnections()
		if _, err := c.Time(context.Background()); err != nil {
			t.Errorf("pinned client: %v", err)
		}
	})
	t.Run("trusted", func(t *testing.T) {
		srv, _, _ := timeServer(t, nil)
		ci, err := lksync.InspectCertificate(context.Background(), srv.URL, lksync.Options{TLSConfig: trusting(srv)})
		if err != nil || !ci.Verified || ci.VerifyError != nil {
			t.Fatalf("info %+v, err %v", ci, err)
		}
	})
	t.Run("another host's certificate", func(t *testing.T) {
		srv, _, _ := timeServer(t, &wrongHost)
		ci, err := lksync.InspectCertificate(context.Background(), srv.URL, lksync.Options{})
		if err != nil || ci.HostError == nil || ci.Pinnable() {
			t.Fatalf("info %+v, err %v", ci, err)
		}
	})
	t.Run("plain http", func(t *testing.T) {
		_, err := lksync.InspectCertificate(context.Background(), "http://127.0.0.1:1", lksync.Options{})
		if err == nil || !strings.Contains(err.Error(), "no certificate") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("nothing listening", func(t *testing.T) {
		srv, _, _ := timeServer(t, nil)
		addr := srv.URL
		srv.Close()
		_, err := lksync.InspectCertificate(context.Background(), addr, lksync.Options{Timeout: time.Second})
		if err == nil || !strings.Contains(err.Error(), "reading the certificate of "+addr) {
			t.Fatalf("err %v", err)
		}
	})
}
