package portal

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/portaltest"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
	"github.com/latchkey/latchkey/portal/store/postgres"
)

// The load benchmarks serve the real handler on a loopback TCP port and
// measure whole HTTP round trips from several concurrent clients. Each
// reports requests per second and latency percentiles as custom metrics:
//
//	go test -run '^$' -bench Load -benchtime 2000x ./portal/
//	sh scripts/with-postgres.sh go test -run '^$' -bench Load -benchtime 2000x ./portal/
//
// Without LATCHKEY_TEST_POSTGRES the PostgreSQL variants skip.

// loadStores opens each store the benchmark runs on.
func loadStores(b *testing.B) map[string]func(*testing.B) store.Store {
	return map[string]func(*testing.B) store.Store{
		"sqlite": func(b *testing.B) store.Store { return portaltest.Store(b, nil) },
		"postgres": func(b *testing.B) store.Store {
			dsn := os.Getenv("LATCHKEY_TEST_POSTGRES")
			if dsn == "" {
				b.Skip("LATCHKEY_TEST_POSTGRES not set; run under scripts/with-postgres.sh")
			}
			st := postgresSchemaStore(b, dsn)
			migrate(b, st)
			return st
		},
	}
}

func migrate(tb testing.TB, st store.Store) {
	tb.Helper()
	if err := st.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
}

// postgresSchemaStore opens a store in a fresh schema, dropped at cleanup.
func postgresSchemaStore(tb testing.TB, dsn string) store.Store {
	tb.Helper()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "lkload_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	st, err := postgres.Open(ctx, withSchema(dsn, schema), store.Options{MaxOpenConns: 20})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = st.Close()
		_, _ = admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		_ = admin.Close()
	})
	return st
}

// withSchema points a key=value or URL DSN at one schema.
func withSchema(dsn, schema string) string {
	if bytes.HasPrefix([]byte(dsn), []byte("postgres://")) || bytes.HasPrefix([]byte(dsn), []byte("postgresql://")) {
		sep := "?"
		if bytes.ContainsRune([]byte(dsn), '?') {
			sep = "&"
		}
		return dsn + sep + "search_path=" + schema
	}
	return dsn + " search_path=" + schema
}

// latencies collects round-trip times from concurrent clients.
type latencies struct {
	mu  sync.Mutex
	d   []time.Duration
	bad atomic.Int64
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// report sets req/s, p50 and p99 on b.
func (l *latencies) report(b *testing.B, elapsed time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := l.bad.Load(); n > 0 {
		b.Fatalf("%d requests failed", n)
	}
	if len(l.d) == 0 {
		return
	}
	slices.Sort(l.d)
	pct := func(p float64) float64 {
		i := min(int(float64(len(l.d))*p), len(l.d)-1)
		return float64(l.d[i].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(l.d))/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op") // whole-run figures above say more than ns/op of a parallel run
}

// loadServer serves h on loopback and returns a keep-alive client.
func loadServer(b *testing.B, h http.Handler) (*httptest.Server, *http.Client) {
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
	return srv, c
}

// runLoad sends b.N requests from 8 goroutines per core; next builds the
// i-th request. Each must answer want.
func runLoad(b *testing.B, c *http.Client, want int, next func(i int64) *http.Request) {
	var lat latencies
	var i atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := next(i.Add(1))
			t0 := time.Now()
			resp, err := c.Do(req)
			if err != nil {
				lat.bad.Add(1)
				continue
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			lat.add(time.Since(t0))
			if resp.StatusCode != want {
				lat.bad.Add(1)
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	lat.report(b, elapsed)
}

func loadHandler(b *testing.B, st store.Store) *Handler {
	b.Helper()
	h, err := New(Options{
		Store:     st,
		Keyring:   portaltest.Keyring(b),
		Passwords: portaltest.Passwords(b),
		// The limits would (rightly) stop one address after 20 requests.
		RecoveryPerAccount: 1 << 40,
		RecoveryPerAddress: 1 << 40,
	})
	if err != nil {
		b.Fatal(err)
	}
	return h
}

func BenchmarkLoadTime(b *testing.B) {
	for name, open := range loadStores(b) {
		b.Run(name, func(b *testing.B) {
			srv, c := loadServer(b, loadHandler(b, open(b)))
			runLoad(b, c, http.StatusOK, func(int64) *http.Request {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/time", nil)
				return req
			})
		})
	}
}

func BenchmarkLoadRecoveryRequest(b *testing.B) {
	for name, open := range loadStores(b) {
		b.Run(name, func(b *testing.B) {
			h := loadHandler(b, open(b))
			tn := seedTenant(b, h, "Load", 0, store.TenantPolicy{Require2FA: true})
			for i := range 50 {
				seedUser(b, h, tn.ID, fmt.Sprintf("user%d@example.com", i), store.RoleReadOnly, "correct horse battery staple")
			}
			srv, c := loadServer(b, h)
			runLoad(b, c, http.StatusAccepted, func(i int64) *http.Request {
				// Half the requests name an account, half nobody: both
				// paths do the same work.
				body := fmt.Sprintf(`{"email":"user%d@example.com","message":"lost my phone"}`, i%100)
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/recovery-requests", bytes.NewReader([]byte(body)))
				req.Header.Set("Content-Type", "application/json")
				return req
			})
		})
	}
}

// BenchmarkLoadSignInTOTP measures a whole sign-in with TOTP: the password
// step (Argon2id with the production parameters, which dominate) and the
// second-factor step, over loopback. A code is accepted once per user and
// time step, so every iteration signs in a different, pre-enrolled user.
func BenchmarkLoadSignInTOTP(b *testing.B) {
	const password = "correct horse battery staple"
	for name, open := range loadStores(b) {
		b.Run(name, func(b *testing.B) {
			st := open(b)
			ph, err := auth.NewPasswordHasher(auth.PasswordOptions{})
			if err != nil {
				b.Fatal(err)
			}
			kr := portaltest.Keyring(b)
			now := time.Now()
			h, err := New(Options{Store: st, Keyring: kr, Passwords: ph, Now: func() time.Time { return now },
				// Every client is 127.0.0.1: lift the per-address limits.
				SignInPerAddress: 1 << 40, SecondFactorPerAddress: 1 << 40})
			if err != nil {
				b.Fatal(err)
			}
			tn := seedTenant(b, h, "Load", 0, store.TenantPolicy{Require2FA: true})
			hash, err := ph.Hash(context.Background(), password)
			if err != nil {
				b.Fatal(err)
			}
			secret := auth.NewTOTPSecret()
			code, err := totp.GenerateCode(secret, now)
			if err != nil {
				b.Fatal(err)
			}
			emails := make([]string, b.N)
			for i := range b.N {
				emails[i] = fmt.Sprintf("user%d@example.com", i)
				seedEnrolled(b, h, tn.ID, emails[i], hash, secret)
			}
			srv, c := loadServer(b, h)
			post := func(path string, body any) (*http.Response, error) {
				j, _ := json.Marshal(body)
				return c.Post(srv.URL+path, "application/json", bytes.NewReader(j))
			}
			var lat latencies
			var next atomic.Int64
			b.SetParallelism(8)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					email := emails[next.Add(1)-1]
					t0 := time.Now()
					resp, err := post(api.PathSignIn, api.SignInRequest{Email: email, Password: password})
					if err != nil || resp.StatusCode != http.StatusOK {
						lat.bad.Add(1)
						continue
					}
					var ans api.SignInAnswer
					_ = json.NewDecoder(resp.Body).Decode(&ans)
					resp.Body.Close()
					resp, err = post(api.PathSignInSecondFactor, api.SecondFactorRequest{Challenge: ans.Challenge, Method: api.MethodTOTP, Code: code})
					if err != nil {
						lat.bad.Add(1)
						continue
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						lat.bad.Add(1)
						continue
					}
					lat.add(time.Since(t0))
				}
			})
			elapsed := time.Since(start)
			b.StopTimer()
			lat.report(b, elapsed)
		})
	}
}

// seedEnrolled creates a verified user with an active TOTP factor whose
// sign-ins from loopback need no new-address check.
func seedEnrolled(b *testing.B, h *Handler, tenant int64, email, hash, secret string) {
	b.Helper()
	ctx := context.Background()
	st := h.opts.Store
	u, err := st.CreateUser(ctx, store.NewUser{TenantID: tenant, Email: email, Name: email, Role: store.RoleReadOnly, PasswordHash: hash})
	if err != nil {
		b.Fatal(err)
	}
	yes := true
	if _, err := st.UpdateUser(ctx, u.ID, store.UserUpdate{EmailVerified: &yes, SkipIPVerification: &yes}); err != nil {
		b.Fatal(err)
	}
	sealed, err := h.opts.Keyring.Seal(auth.PurposeTOTPSecret, strconv.FormatInt(u.ID, 10), []byte(secret))
	if err != nil {
		b.Fatal(err)
	}
	f, err := st.BeginTOTPEnrolment(ctx, u.ID, store.EncryptedSecret{KeyID: sealed.KeyID, Ciphertext: sealed.Ciphertext})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.ConfirmTOTPEnrolment(ctx, f.ID, 1); err != nil {
		b.Fatal(err)
	}
}
