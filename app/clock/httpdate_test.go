package clock

import (
	"net/http"
	"testing"
	"time"
)

func TestDateSampleCorrectsForResolution(t *testing.T) {
	sent := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name              string
		server            time.Time
		rtt               time.Duration
		offset, uncertain time.Duration
	}{
		// Server said :47, so its clock read between :47.0 and :48.0 when
		// we were at :00.1 (the midpoint of the round trip).
		{"47 s slow", sent.Add(47 * time.Second), 200 * time.Millisecond, 47400 * time.Millisecond, 600 * time.Millisecond},
		{"47 s fast", sent.Add(-47 * time.Second), 200 * time.Millisecond, -46600 * time.Millisecond, 600 * time.Millisecond},
		{"in step", sent, 0, 500 * time.Millisecond, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		s, err := dateSample("https://t.example/", tt.server.Format(http.TimeFormat), sent, sent.Add(tt.rtt))
		if err != nil {
			t.Fatal(err)
		}
		if s.Offset != tt.offset || s.Uncertainty != tt.uncertain || s.RTT != tt.rtt {
			t.Errorf("%s: %+v", tt.name, s)
		}
	}
}
