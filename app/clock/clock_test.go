package clock_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/clock"
	"github.com/latchkey/latchkey/app/clock/clocktest"
	"github.com/latchkey/latchkey/vault"
)

// fast keeps failing sources cheap: loopback answers in microseconds.
func fast(c clock.Config) clock.Config {
	c.Timeout = 300 * time.Millisecond
	c.NTPGap = -1
	return c
}

func near(got, want, tol time.Duration) bool { return (got - want).Abs() <= tol }

func TestMeasureNTPOffsets(t *testing.T) {
	srv := clocktest.NewNTPServer(t, 0)
	for _, offset := range []time.Duration{0, 47 * time.Second, -47 * time.Second, -3 * time.Minute, 2 * time.Hour, 1500 * time.Millisecond} {
		t.Run(offset.String(), func(t *testing.T) {
			srv.Set(clocktest.Answer, offset)
			m := clock.Measure(context.Background(), fast(clock.Config{NTPServers: []string{srv.Addr}}))
			if !m.Verified || m.Kind != clock.KindNTP || m.Source != "ntp "+srv.Addr {
				t.Fatalf("measurement %+v", m)
			}
			if !near(m.Offset, offset, 50*time.Millisecond) {
				t.Errorf("offset %v, want %v", m.Offset, offset)
			}
			if m.Samples != clock.DefaultSamples || m.Uncertainty != m.RTT/2 || m.Uncertainty > 50*time.Millisecond {
				t.Errorf("samples %d, uncertainty %v, rtt %v", m.Samples, m.Uncertainty, m.RTT)
			}
			if time.Since(m.At).Abs() > 5*time.Second {
				t.Errorf("measured at %v", m.At)
			}
		})
	}
}

func TestMeasureNTPFailures(t *testing.T) {
	tests := []struct {
		name      string
		behaviour clocktest.Behaviour
		kiss      string
		offline   bool
		errText   string
		target    error
		queries   int
	}{
		{"timeout", clocktest.Silent, "", true, "timeout", nil, 1},
		{"garbage", clocktest.Garbage, "", false, "ntp 127.0.0.1", nil, 1},
		{"kiss of death RATE", clocktest.KissOfDeath, "RATE", false, `kiss code "RATE"`, clock.ErrKissOfDeath, 1},
		{"kiss of death DENY", clocktest.KissOfDeath, "DENY", false, `kiss code "DENY"`, clock.ErrKissOfDeath, 1},
		{"kiss code with control bytes", clocktest.KissOfDeath, "\x1b[2J", false, `kiss code ""`, clock.ErrKissOfDeath, 1},
		{"answer to another request", clocktest.WrongOrigin, "", false, "didn't match", nil, 1},
		{"unsynchronised server", clocktest.Unsynchronised, "", false, "leap second", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := clocktest.NewNTPServer(t, 0)
			srv.Set(tt.behaviour, 0)
			srv.SetKissCode(tt.kiss)
			m := clock.Measure(context.Background(), fast(clock.Config{NTPServers: []string{srv.Addr}}))
			if m.Verified || len(m.Failed) != 1 || m.Offline != tt.offline {
				t.Fatalf("measurement %+v", m)
			}
			err := m.Failed[0].Err
			if !strings.Contains(err.Error(), tt.errText) || (tt.target != nil && !errors.Is(err, tt.target)) {
				t.Errorf("error %q, want %q", err, tt.errText)
			}
			if srv.Queries() != tt.queries {
				t.Errorf("%d queries, want %d: a failing source is not asked again", srv.Queries(), tt.queries)
			}
			if v := clock.Judge(m, 30*time.Second); v.Status != clock.StatusUnverified {
				t.Errorf("verdict %+v", v)
			}
		})
	}
}

func TestMeasureFallsBackInOrder(t *testing.T) {
	deadNTP := clocktest.NewNTPServer(t, 0)
	deadNTP.Set(clocktest.KissOfDeath, 0)
	goodNTP := clocktest.NewNTPServer(t, -47*time.Second)
	web := clocktest.NewHTTPSServer(t, 90*time.Second)
	client := clock.NewHTTPClient(web.TLSConfig())
	portal := &fakePortal{offset: 5 * time.Second}

	tests := []struct {
		name   string
		cfg    clock.Config
		kind   clock.Kind
		offset time.Duration
		tol    time.Duration
		failed int
	}{
		{"portal first", clock.Config{Portal: portal, NTPServers: []string{goodNTP.Addr}}, clock.KindPortal, 5 * time.Second, 0, 0},
		{"portal down: ntp", clock.Config{Portal: &fakePortal{err: errors.New("portal: 503")}, NTPServers: []string{goodNTP.Addr}}, clock.KindNTP, -47 * time.Second, 50 * time.Millisecond, 1},
		{"first ntp refuses: second", clock.Config{NTPServers: []string{deadNTP.Addr, goodNTP.Addr}, TimeHosts: []string{web.URL}}, clock.KindNTP, -47 * time.Second, 50 * time.Millisecond, 1},
		{"no ntp answers: https", clock.Config{NTPServers: []string{deadNTP.Addr}, TimeHosts: []string{web.URL}, HTTPClient: client}, clock.KindHTTPS, 90 * time.Second, 1600 * time.Millisecond, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := clock.Measure(context.Background(), fast(tt.cfg))
			if !m.Verified || m.Kind != tt.kind || len(m.Failed) != tt.failed {
				t.Fatalf("measurement %+v", m)
			}
			if !near(m.Offset, tt.offset, tt.tol) {
				t.Errorf("offset %v, want %v ± %v", m.Offset, tt.offset, tt.tol)
			}
		})
	}
}

type fakePortal struct {
	offset time.Duration
	err    error
}

func (p *fakePortal) Name() string     { return "portal https://portal.example" }
func (p *fakePortal) Kind() clock.Kind { return clock.KindPortal }
func (p *fakePortal) Sample(context.Context) (clock.Sample, error) {
	return clock.Sample{Offset: p.offset, At: time.Now()}, p.err
}

func TestHTTPSource(t *testing.T) {
	web := clocktest.NewHTTPSServer(t, 0)
	tests := []struct {
		name    string
		date    string
		offset  time.Duration
		errText string
	}{
		{"47 s fast", "", -47 * time.Second, ""},
		{"3 min slow", "", 3 * time.Minute, ""},
		{"no Date header", "-", 0, "no Date header"},
		{"unreadable Date", "yesterday at noon", 0, `unreadable Date header "yesterday at noon"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			web.SetDate(tt.date)
			web.SetOffset(tt.offset)
			src := clock.HTTPSource{URL: web.URL, Client: clock.NewHTTPClient(web.TLSConfig()), Timeout: time.Second}
			s, err := src.Sample(context.Background())
			if tt.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errText) || !strings.Contains(err.Error(), web.URL) {
					t.Fatalf("error %v, want %q naming the host", err, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// The Date header's one-second resolution is the whole error.
			if !near(s.Offset, tt.offset, 600*time.Millisecond) || s.Uncertainty < 500*time.Millisecond {
				t.Errorf("sample %+v, want offset %v", s, tt.offset)
			}
		})
	}
}

func TestHTTPSourceRefusesUntrustedCertificate(t *testing.T) {
	web := clocktest.NewHTTPSServer(t, 0)
	m := clock.Measure(context.Background(), fast(clock.Config{TimeHosts: []string{web.URL}}))
	if m.Verified || !strings.Contains(m.Failed[0].Err.Error(), "certificate") {
		t.Fatalf("measurement %+v", m)
	}
}

func TestMeasureHonoursContext(t *testing.T) {
	srv := clocktest.NewNTPServer(t, 0)
	srv.Set(clocktest.Silent, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	m := clock.Measure(ctx, clock.Config{NTPServers: []string{srv.Addr, srv.Addr}, Timeout: 10 * time.Second})
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v with a 100 ms context", took)
	}
	if m.Verified || !m.Offline || len(m.Failed) != 2 {
		t.Errorf("measurement %+v", m)
	}
}

func TestNoSourcesIsUnverified(t *testing.T) {
	r := clock.NewResult(clock.Measure(context.Background(), clock.Config{}), 0, "linux")
	if r.Status != clock.StatusUnverified || r.Message != "Clock not verified: offline." || r.Steps != nil {
		t.Errorf("result %+v", r)
	}
}

func TestShortestPeriodAndSettings(t *testing.T) {
	accounts := []vault.Account{
		{Type: vault.HOTP, Period: 30},
		{Type: vault.TOTP, Period: 60},
		{Type: vault.Steam, Period: 45},
	}
	if p := clock.ShortestPeriod(accounts); p != 45*time.Second {
		t.Errorf("shortest %v", p)
	}
	if p := clock.ShortestPeriod(accounts[:1]); p != clock.DefaultPeriod {
		t.Errorf("no TOTP: %v", p)
	}
	c := clock.ConfigFromSettings(clock.DefaultConfig(), vault.Settings{NTPServers: []string{"ntp.corp.example"}})
	if c.NTPServers[0] != "ntp.corp.example" || c.TimeHosts[0] != clock.DefaultTimeHosts[0] {
		t.Errorf("config %+v", c)
	}
}
