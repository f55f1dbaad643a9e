package portal

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestClientAddress(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name    string
		peer    string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxies configured: header ignored", "127.0.0.1:5000", []string{"203.0.113.9"}, nil, "127.0.0.1"},
		{"untrusted peer: header ignored", "198.51.100.7:5000", []string{"203.0.113.9"}, proxies, "198.51.100.7"},
		{"trusted proxy names the client", "127.0.0.1:5000", []string{"203.0.113.9"}, proxies, "203.0.113.9"},
		{"forged left entry is not reached", "127.0.0.1:5000", []string{"192.0.2.66, 203.0.113.9"}, proxies, "203.0.113.9"},
		{"chain of trusted proxies", "127.0.0.1:5000", []string{"203.0.113.9, 10.1.2.3"}, proxies, "203.0.113.9"},
		{"several headers", "127.0.0.1:5000", []string{"192.0.2.66", "203.0.113.9, 10.1.2.3"}, proxies, "203.0.113.9"},
		{"only proxies: the leftmost", "127.0.0.1:5000", []string{"10.9.9.9, 10.1.2.3"}, proxies, "10.9.9.9"},
		{"malformed hop stops the walk", "127.0.0.1:5000", []string{"not-an-ip, 10.1.2.3"}, proxies, "10.1.2.3"},
		{"no header from a trusted proxy", "127.0.0.1:5000", nil, proxies, "127.0.0.1"},
		{"IPv4-mapped unmapped", "[::ffff:127.0.0.1]:5000", []string{"::ffff:203.0.113.9"}, proxies, "203.0.113.9"},
		{"IPv6 client", "127.0.0.1:5000", []string{"2001:db8::1"}, proxies, "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			got, ok := clientAddress(r, tt.trusted)
			if !ok || got.String() != tt.want {
				t.Fatalf("clientAddress = %v %v, want %s", got, ok, tt.want)
			}
		})
	}
}

// Behind a trusted proxy, the per-address rate limit applies to each
// client, not to the proxy: two clients' requests do not share a budget.
func TestTrustedProxyRateLimit(t *testing.T) {
	h, _ := newTestHandler(t, func(o *Options) {
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("192.0.2.1/32")}
		o.RecoveryPerAddress = 2
		o.RecoveryPerAccount = 100
	})
	send := func(client string) int {
		req := httptest.NewRequest(http.MethodPost, "/v1/recovery-requests", stringsReader(`{"email":"x@example.com"}`))
		req.RemoteAddr = "192.0.2.1:40000"
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", client)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	for range 2 {
		if c := send("203.0.113.1"); c != http.StatusAccepted {
			t.Fatalf("status %d", c)
		}
	}
	if c := send("203.0.113.1"); c != http.StatusTooManyRequests {
		t.Errorf("third request from one client: %d, want 429", c)
	}
	if c := send("203.0.113.2"); c != http.StatusAccepted {
		t.Errorf("another client behind the same proxy: %d, want 202", c)
	}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
