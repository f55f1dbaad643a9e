package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/clock"
	"github.com/latchkey/latchkey/app/clock/clocktest"
	"github.com/latchkey/latchkey/vault"
)

// fakeClockSources points the clock command's defaults at loopback fakes
// for the test.
func fakeClockSources(t *testing.T, ntpServers []string, web *clocktest.HTTPSServer) {
	t.Helper()
	old := clockBase
	t.Cleanup(func() { clockBase = old })
	clockBase = func() clock.Config {
		c := clock.Config{NTPServers: ntpServers, Timeout: 300 * time.Millisecond, NTPGap: -1}
		if web != nil {
			c.TimeHosts = []string{web.URL}
			c.HTTPClient = clock.NewHTTPClient(web.TLSConfig())
		}
		return c
	}
}

func setSettings(t *testing.T, h *harness, fn func(*vault.Settings)) {
	t.Helper()
	v, err := vault.Open(h.home, vault.Options{Keyring: h.keyring})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Update(func(d *vault.Document) error { fn(&d.Settings); return nil }); err != nil {
		t.Fatal(err)
	}
}

func TestClockCommand(t *testing.T) {
	fastNTP := clocktest.NewNTPServer(t, -47*time.Second)
	slowNTP := clocktest.NewNTPServer(t, 47*time.Second)
	deadNTP := clocktest.NewNTPServer(t, 0)
	deadNTP.Set(clocktest.Silent, 0)
	web := clocktest.NewHTTPSServer(t, 3*time.Minute)

	tests := []struct {
		name     string
		defaults []string
		web      *clocktest.HTTPSServer
		vault    bool
		settings func(*vault.Settings)
		uri      string
		stdout   []string
	}{
		{"no vault: defaults", []string{fastNTP.Addr}, nil, false, nil, "",
			[]string{"Your clock is 47 s fast: codes may be rejected.", "ntp " + fastNTP.Addr, "Verdict: warn (scaled to a 30 s period)", "To fix it:"}},
		{"vault's servers win", []string{fastNTP.Addr}, nil, true, func(s *vault.Settings) { s.NTPServers = []string{slowNTP.Addr} }, "",
			[]string{"47 s slow", "ntp " + slowNTP.Addr}},
		{"vault's period scales the verdict", []string{fastNTP.Addr}, nil, true, nil,
			"otpauth://totp/Acme:ann?secret=JBSWY3DPEHPK3PXP&issuer=Acme&period=120",
			[]string{"Verdict: info (scaled to a 2 min period)"}},
		{"vault's time hosts when NTP is blocked", []string{deadNTP.Addr}, web, true, func(s *vault.Settings) { s.TimeHosts = []string{web.URL} }, "",
			[]string{"3 min slow: codes will be rejected", web.URL}},
		{"offline", []string{deadNTP.Addr}, nil, false, nil, "",
			[]string{"Clock not verified: offline.", "timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fakeClockSources(t, tt.defaults, tt.web)
			h := newHarness(t)
			if tt.vault {
				h = withVault(t)
			}
			if tt.settings != nil {
				setSettings(t, h, tt.settings)
			}
			if tt.uri != "" {
				h.run("add", tt.uri).assert(t, 0, "", "")
			}
			res := h.run("clock")
			res.assert(t, 0, "", "")
			for _, w := range tt.stdout {
				if !strings.Contains(res.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, res.stdout)
				}
			}
		})
	}
}

func TestClockJSON(t *testing.T) {
	fastNTP := clocktest.NewNTPServer(t, -47*time.Second)
	deadNTP := clocktest.NewNTPServer(t, 0)
	deadNTP.Set(clocktest.KissOfDeath, 0)
	tests := []struct {
		name    string
		servers []string
		status  clock.Status
		offset  *float64
		failed  int
	}{
		{"measured", []string{fastNTP.Addr}, clock.StatusWarn, ptr(-47.0), 0},
		{"refused, then measured", []string{deadNTP.Addr, fastNTP.Addr}, clock.StatusWarn, ptr(-47.0), 0},
		{"refused only", []string{deadNTP.Addr}, clock.StatusUnverified, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fakeClockSources(t, tt.servers, nil)
			res := newHarness(t).run("clock", "--json")
			res.assert(t, 0, "", "")
			var out map[string]any
			if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
				t.Fatalf("%v: %s", err, res.stdout)
			}
			for _, k := range []string{"status", "message", "offset_seconds", "uncertainty_seconds", "rtt_seconds", "source", "source_kind", "measured_at", "samples", "period_seconds", "fix", "failed"} {
				if _, ok := out[k]; !ok {
					t.Errorf("no %q in %s", k, res.stdout)
				}
			}
			if out["status"] != string(tt.status) || out["period_seconds"] != 30.0 {
				t.Errorf("status %v period %v", out["status"], out["period_seconds"])
			}
			off, _ := out["offset_seconds"].(float64)
			if (tt.offset == nil) != (out["offset_seconds"] == nil) || (tt.offset != nil && (off < *tt.offset-0.1 || off > *tt.offset+0.1)) {
				t.Errorf("offset %v, want %v", out["offset_seconds"], tt.offset)
			}
			if tt.failed > 0 {
				failed, _ := out["failed"].([]any)
				if len(failed) != tt.failed || !strings.Contains(res.stdout, `kiss code`) {
					t.Errorf("failed %v", out["failed"])
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestClockUsage(t *testing.T) {
	fakeClockSources(t, nil, nil)
	newHarness(t).run("clock", "now").assert(t, 2, "", `"now"`)
}
