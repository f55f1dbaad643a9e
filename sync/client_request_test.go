package sync_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	lksync "github.com/latchkey/latchkey/sync"
)

func TestRequestRecoveryAgainstPortal(t *testing.T) {
	srv := portalServer(t, 0)
	c := newClient(t, srv, lksync.Options{})
	ticket, err := c.RequestRecovery(context.Background(), api.RecoveryRequestCreate{Email: "ann@acme.example", Message: "lost my phone"})
	if err != nil {
		t.Fatal(err)
	}
	if len(strings.Fields(ticket.Phrase)) < 3 || ticket.PollToken == "" || !ticket.ExpiresAt.After(time.Now()) {
		t.Errorf("ticket: %d words, token %d bytes, expires %v", len(strings.Fields(ticket.Phrase)), len(ticket.PollToken), ticket.ExpiresAt)
	}
	_, err = c.RequestRecovery(context.Background(), api.RecoveryRequestCreate{Email: "not an address"})
	var apiErr *api.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || apiErr.Code != api.CodeInvalid {
		t.Errorf("bad address: %v", err)
	}
}

// recoveryServer answers POST /v1/recovery-requests with the statuses in
// order (an error body), then with body.
func recoveryServer(t *testing.T, hits *atomic.Int32, body string, statuses ...int) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(hits.Add(1))
		if r.Method != http.MethodPost || r.URL.Path != api.PathRecoveryRequests {
			http.Error(w, "wrong endpoint", http.StatusTeapot)
			return
		}
		in, _ := io.ReadAll(r.Body)
		if !strings.Contains(string(in), `"email":"ann@acme.example"`) {
			http.Error(w, "wrong body", http.StatusTeapot)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if n <= len(statuses) {
			if statuses[n-1] == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "0")
			}
			w.WriteHeader(statuses[n-1])
			fmt.Fprintf(w, `{"error":{"code":"c%d","message":"no"}}`, statuses[n-1])
			return
		}
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

const goodTicket = `{"request":{"phrase":"amber falcon river","poll_token":"tok_0123456789","expires_at":"2030-01-01T00:00:00Z"}}`

func TestRequestRecovery(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int
		body     string
		hits     int32
		want     string // "" for success
	}{
		{"accepted", nil, goodTicket, 1, ""},
		{"429 is retried: the portal did not act", []int{429}, goodTicket, 2, ""},
		{"400 is not retried", []int{400}, goodTicket, 1, "portal answered 400 c400"},
		{"503 is not retried: a POST may have been taken", []int{503}, goodTicket, 1, "portal answered 503"},
		{"500 is not retried", []int{500}, goodTicket, 1, "portal answered 500"},
		{"no phrase", nil, `{"request":{"poll_token":"t","expires_at":"2030-01-01T00:00:00Z"}}`, 1, "no phrase"},
		{"no token", nil, `{"request":{"phrase":"a b c","expires_at":"2030-01-01T00:00:00Z"}}`, 1, "no poll token"},
		{"no expiry", nil, `{"request":{"phrase":"a b c","poll_token":"t"}}`, 1, "no expiry"},
		{"escape in the phrase", nil, `{"request":{"phrase":"a \u001b[2J b","poll_token":"t","expires_at":"2030-01-01T00:00:00Z"}}`, 1, "cannot be shown"},
		{"space in the token", nil, `{"request":{"phrase":"a b c","poll_token":"t t","expires_at":"2030-01-01T00:00:00Z"}}`, 1, "printable ASCII"},
		{"huge phrase", nil, `{"request":{"phrase":"` + strings.Repeat("a", 201) + `","poll_token":"t","expires_at":"2030-01-01T00:00:00Z"}}`, 1, "longer than 200"},
		{"not JSON", nil, `<html>`, 1, "unreadable answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := recoveryServer(t, &hits, tt.body, tt.statuses...)
			c := newClient(t, srv, lksync.Options{Backoff: time.Millisecond})
			ticket, err := c.RequestRecovery(context.Background(), api.RecoveryRequestCreate{Email: "ann@acme.example", Message: "m"})
			if hits.Load() != tt.hits {
				t.Errorf("%d requests, want %d", hits.Load(), tt.hits)
			}
			if tt.want == "" {
				if err != nil || ticket.Phrase != "amber falcon river" || ticket.PollToken != "tok_0123456789" {
					t.Fatalf("ticket %v, err %v", ticket, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want one saying %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "tok_") || strings.Contains(err.Error(), "amber") {
				t.Errorf("error %q shows the ticket", err)
			}
		})
	}
}

// A portal that is down: the connection never opens, so the POST is
// retried, then the dial error is returned.
func TestRequestRecoveryPortalDown(t *testing.T) {
	var hits atomic.Int32
	srv := recoveryServer(t, &hits, goodTicket)
	c := newClient(t, srv, lksync.Options{Backoff: time.Millisecond})
	srv.Close()
	_, err := c.RequestRecovery(context.Background(), api.RecoveryRequestCreate{Email: "ann@acme.example"})
	if err == nil || !strings.Contains(err.Error(), "connect") {
		t.Fatalf("err %v, want a connection error", err)
	}
}
