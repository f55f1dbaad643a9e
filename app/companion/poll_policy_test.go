package companion

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/vault"
)

// Which requests are still followed, by the window's dialog and by Poll:
// one definition for both.
func TestFollowedAndPollable(t *testing.T) {
	sent := vault.RecoveryRequest{State: vault.RecoverySent, PollToken: "t", PortalStatus: api.RecoveryPending,
		ExpiresAt: testEpoch.Add(time.Hour)}
	with := func(edit func(*vault.RecoveryRequest)) vault.RecoveryRequest {
		r := sent
		edit(&r)
		return r
	}
	tests := []struct {
		name             string
		r                vault.RecoveryRequest
		pollable, follow bool
	}{
		{"none", vault.RecoveryRequest{}, false, false},
		{"queued", vault.RecoveryRequest{State: vault.RecoveryQueued, PollToken: "t"}, false, true},
		{"sent, pending", sent, true, true},
		{"forwarded", with(func(r *vault.RecoveryRequest) { r.PortalStatus = api.RecoveryForwarded }), true, true},
		{"approved", with(func(r *vault.RecoveryRequest) { r.PortalStatus = api.RecoveryApproved }), true, true},
		{"link e-mailed", with(func(r *vault.RecoveryRequest) { r.PortalStatus = api.RecoveryLinkIssued }), true, true},
		// Past its expiry by this computer's clock, but the portal has not
		// said so: asked once more, since only its answer is final.
		{"expired here only", with(func(r *vault.RecoveryRequest) { r.ExpiresAt = testEpoch.Add(-time.Minute) }), true, true},
		{"expired at the portal", with(func(r *vault.RecoveryRequest) { r.PortalStatus = api.RecoveryExpired }), false, false},
		{"denied", with(func(r *vault.RecoveryRequest) { r.PortalStatus = api.RecoveryDenied }), false, false},
		{"completed", with(func(r *vault.RecoveryRequest) { r.PortalStatus = api.RecoveryCompleted }), false, false},
		{"link here", with(func(r *vault.RecoveryRequest) { r.Link = "l" }), false, false},
		// Nothing to ask with: the dialog polled such a request forever.
		{"no poll token", with(func(r *vault.RecoveryRequest) { r.PollToken = "" }), false, false},
		{"failed", vault.RecoveryRequest{State: vault.RecoveryFailed, PollToken: "t"}, false, false},
		{"enrolling", vault.RecoveryRequest{State: vault.RecoveryEnrolling, PollToken: "t", Link: "l"}, false, false},
	}
	for _, tt := range tests {
		if got := Pollable(tt.r); got != tt.pollable {
			t.Errorf("%s: Pollable = %v", tt.name, got)
		}
		if got := Followed(tt.r); got != tt.follow {
			t.Errorf("%s: Followed = %v", tt.name, got)
		}
	}
}

func TestPollPace(t *testing.T) {
	var p PollPace
	var quiet []time.Duration
	for range 8 {
		quiet = append(quiet, p.Wait())
		p.Quiet()
	}
	want := []time.Duration{10 * time.Second, 15 * time.Second, 22500 * time.Millisecond, 33750 * time.Millisecond,
		50625 * time.Millisecond, time.Minute, time.Minute, time.Minute}
	for i := range want {
		if quiet[i] != want[i] {
			t.Fatalf("quiet waits %v, want %v", quiet, want)
		}
	}
	p.Reset()
	var failed []time.Duration
	for range 6 {
		p.Failed()
		failed = append(failed, p.Wait())
	}
	if failed[0] != 20*time.Second || failed[len(failed)-1] != PollMaxOffline {
		t.Errorf("waits after failures %v, want 20s doubling to %v", failed, PollMaxOffline)
	}
	p.Reset()
	if p.Wait() != PollFirst {
		t.Errorf("after news the wait is %v", p.Wait())
	}
}

func TestFirstPoll(t *testing.T) {
	for _, tt := range []struct {
		checked time.Time
		want    time.Duration
	}{
		{time.Time{}, 0},
		{testEpoch.Add(-3 * time.Second), 7 * time.Second},
		{testEpoch.Add(-time.Hour), 0},
	} {
		if got := FirstPoll(vault.RecoveryRequest{CheckedAt: tt.checked}, testEpoch); got != tt.want {
			t.Errorf("checked %v: first poll in %v, want %v", tt.checked, got, tt.want)
		}
	}
}
