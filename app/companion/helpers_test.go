package companion

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/vault"
)

var testEpoch = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// pollToken is what the fake portal hands out; no output may contain it.
const pollToken = "lkp_POLLTOKENSENTINEL0123456789"

// testVault creates a vault holding accounts, unlocked by a memory keyring.
func testVault(t *testing.T, accounts ...vault.Account) (*vault.Vault, vault.Options) {
	t.Helper()
	opts := vault.Options{Keyring: vault.NewMemoryKeyring(), WorkFactor: 10, Now: func() time.Time { return testEpoch }}
	v, err := vault.Create(t.TempDir(), vault.CreateOptions{Options: opts, UseKeyring: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Update(func(d *vault.Document) error { d.Accounts = append(d.Accounts, accounts...); return nil }); err != nil {
		t.Fatal(err)
	}
	return v, opts
}

// reopen reads the vault again from disk, as after a restart.
func reopen(t *testing.T, v *vault.Vault, opts vault.Options) *vault.Vault {
	t.Helper()
	w, err := vault.Open(v.Dir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func account(id, issuer, name string, p *vault.Portal) vault.Account {
	return vault.Account{
		ID: id, Issuer: issuer, Name: name, Type: vault.TOTP, Secret: "JBSWY3DPEHPK3PXP",
		Algorithm: vault.SHA1, Digits: 6, Period: 30, Portal: p,
	}
}

// fakePortal serves POST /v1/recovery-requests and GET /v1/time over TLS
// with httptest's certificate. Statuses queued with fail are answered
// first, one per request.
type fakePortal struct {
	srv  *httptest.Server
	hits atomic.Int32
	// swapped, once set, is the certificate presented instead of
	// httptest's: the portal's certificate changed.
	swapped atomic.Pointer[tls.Certificate]

	mu       gosync.Mutex
	fail     []int
	bodies   []api.RecoveryRequestCreate
	clockOff time.Duration
}

func newFakePortal(t *testing.T) *fakePortal {
	t.Helper()
	f := &fakePortal{}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	f.srv.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		if cert := f.swapped.Load(); cert != nil {
			return &tls.Config{Certificates: []tls.Certificate{*cert}}, nil
		}
		return nil, nil
	}}
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	return f
}

// selfSigned makes a self-signed certificate for the IP address ip.
func selfSigned(t *testing.T, ip string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "replaced portal"},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP(ip)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// startFakePortalAt starts a fake portal listening on addr, which was down.
func startFakePortalAt(t *testing.T, addr string) *fakePortal {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	f := &fakePortal{}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.Listener.Close()
	f.srv.Listener = l
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	return f
}

// downAddress is a loopback address where nothing listens.
func downAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func (f *fakePortal) failWith(statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = append(f.fail, statuses...)
}

func (f *fakePortal) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == api.PathTime {
		f.mu.Lock()
		off := f.clockOff
		f.mu.Unlock()
		_ = json.NewEncoder(w).Encode(api.NewTimeResponse(time.Now().Add(off)))
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != api.PathRecoveryRequests {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":{"code":"not_found","message":"no such endpoint"}}`)
		return
	}
	n := f.hits.Add(1)
	var in api.RecoveryRequestCreate
	_ = json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	f.bodies = append(f.bodies, in)
	var status int
	if len(f.fail) > 0 {
		status, f.fail = f.fail[0], f.fail[1:]
	}
	f.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"code":"c%d","message":"refused %d"}}`, status, status)
		return
	}
	w.WriteHeader(http.StatusAccepted)
	_ = json.NewEncoder(w).Encode(api.RecoveryRequestCreated{Request: api.RecoveryTicket{
		Phrase: fmt.Sprintf("amber falcon river %d", n), PollToken: pollToken, ExpiresAt: testEpoch.Add(24 * time.Hour),
	}})
}

// trustingHTTPTest trusts httptest's certificate (the same for every
// httptest server) as a CA.
func trustingHTTPTest(t *testing.T) *tls.Config {
	t.Helper()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return &tls.Config{RootCAs: pool}
}

func quickOptions(t *testing.T, trust bool) Options {
	o := Options{
		Client:    lksync.Options{Timeout: 2 * time.Second, Backoff: time.Millisecond},
		Now:       func() time.Time { return testEpoch },
		RetryBase: time.Minute, RetryMax: time.Hour,
	}
	if trust {
		o.Client.TLSConfig = trustingHTTPTest(t)
	}
	return o
}

// noSecret fails when s shows the poll token.
func noSecret(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, pollToken) {
		t.Errorf("%s shows the poll token: %s", what, s)
	}
}
