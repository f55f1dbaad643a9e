package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/store"
)

func testTOTP(t *testing.T, e *env) {
	u := e.user(e.tenant("T", 0).ID, store.RoleAdmin)
	_, err := e.s.ActiveTOTPFactor(e.ctx, u.ID)
	wantErr(t, "no active factor", err, store.ErrNotFound)

	secret := store.EncryptedSecret{KeyID: "key-2026", Ciphertext: []byte{0, 1, 2, 0xff}}
	p1, err := e.s.BeginTOTPEnrolment(e.ctx, u.ID, secret)
	wantErr(t, "Begin", err, nil)
	p2, err := e.s.BeginTOTPEnrolment(e.ctx, u.ID, secret)
	wantErr(t, "Begin again", err, nil)
	_, err = e.s.ConfirmTOTPEnrolment(e.ctx, p1.ID, 50)
	wantErr(t, "confirm superseded pending factor", err, store.ErrRevoked)
	wantErr(t, "accept on pending factor", e.s.AcceptTOTPStep(e.ctx, p2.ID, 10), store.ErrInvalid)

	f, err := e.s.ConfirmTOTPEnrolment(e.ctx, p2.ID, 100)
	wantErr(t, "Confirm", err, nil)
	if f.EnrolledAt.IsZero() || f.LastStep != 100 || !reflect.DeepEqual(f.Secret, secret) {
		t.Fatalf("confirmed = %+v", f)
	}
	_, err = e.s.ConfirmTOTPEnrolment(e.ctx, p2.ID, 101)
	wantErr(t, "Confirm twice", err, store.ErrConflict)
	if a, err := e.s.ActiveTOTPFactor(e.ctx, u.ID); err != nil || a.ID != f.ID {
		t.Fatalf("active = %+v, %v", a, err)
	}

	for _, tc := range []struct {
		name string
		step int64
		want error
	}{
		{"confirmation code replayed", 100, store.ErrReplay},
		{"previous step", 99, store.ErrReplay},
		{"next step", 101, nil},
		{"same step again", 101, store.ErrReplay},
		{"skip ahead", 103, nil},
		{"step before last (window -1)", 102, store.ErrReplay},
		{"zero", 0, store.ErrInvalid},
	} {
		wantErr(t, tc.name, e.s.AcceptTOTPStep(e.ctx, f.ID, tc.step), tc.want)
	}
	wantErr(t, "unknown factor", e.s.AcceptTOTPStep(e.ctx, 999999, 500), store.ErrNotFound)

	// Re-enrolment replaces the active factor.
	p3, _ := e.s.BeginTOTPEnrolment(e.ctx, u.ID, secret)
	f3, err := e.s.ConfirmTOTPEnrolment(e.ctx, p3.ID, 200)
	wantErr(t, "re-enrol", err, nil)
	if old, _ := e.s.GetTOTPFactor(e.ctx, f.ID); old.DisabledAt.IsZero() {
		t.Fatal("old factor still enabled after re-enrolment")
	}
	n, err := e.s.DisableTOTPFactors(e.ctx, u.ID)
	if err != nil || n != 1 {
		t.Fatalf("DisableTOTPFactors = %d, %v", n, err)
	}
	wantErr(t, "accept after disable", e.s.AcceptTOTPStep(e.ctx, f3.ID, 300), store.ErrRevoked)
	_, err = e.s.ActiveTOTPFactor(e.ctx, u.ID)
	wantErr(t, "active after disable", err, store.ErrNotFound)
}

// testTOTPRace: concurrent accepts of the same step on two Store instances; one wins.
func testTOTPRace(t *testing.T, e *env) {
	u := e.user(e.tenant("T", 0).ID, store.RoleAdmin)
	f := e.factor(u.ID)
	stores := []store.Store{e.s, e.reopen()}
	for round, step := range []int64{2000, 2001, 2002} {
		const n = 20
		var wins, replays atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				err := stores[i%2].AcceptTOTPStep(e.ctx, f.ID, step)
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, store.ErrReplay):
					replays.Add(1)
				default:
					t.Errorf("round %d: %v", round, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if wins.Load() != 1 || replays.Load() != n-1 {
			t.Fatalf("round %d: %d wins, %d replays; want 1, %d", round, wins.Load(), replays.Load(), n-1)
		}
	}
}

func testCodes(t *testing.T, e *env) {
	u := e.user(e.tenant("T", 0).ID, store.RoleAdmin)
	hashes := make([]string, 10)
	for i := range hashes {
		hashes[i] = fmt.Sprintf("backup-hash-%d", i)
	}
	wantErr(t, "ReplaceBackupCodes", e.s.ReplaceBackupCodes(e.ctx, u.ID, hashes), nil)
	codes, err := e.s.ListBackupCodes(e.ctx, u.ID)
	if err != nil || len(codes) != 10 || codes[3].Hash != hashes[3] {
		t.Fatalf("ListBackupCodes = %+v, %v", codes, err)
	}
	wantErr(t, "use", e.s.UseBackupCode(e.ctx, u.ID, codes[0].ID), nil)
	wantErr(t, "reuse", e.s.UseBackupCode(e.ctx, u.ID, codes[0].ID), store.ErrUsed)
	wantErr(t, "other user's code", e.s.UseBackupCode(e.ctx, u.ID+1000, codes[1].ID), store.ErrNotFound)
	wantErr(t, "empty hash", e.s.ReplaceBackupCodes(e.ctx, u.ID, []string{""}), store.ErrInvalid)
	wantErr(t, "unknown user", e.s.ReplaceBackupCodes(e.ctx, 999999, []string{"x"}), store.ErrNotFound)

	// Concurrent use of one code across two instances: one wins.
	other := e.reopen()
	var wins atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := e.s
			if i%2 == 1 {
				s = other
			}
			if err := s.UseBackupCode(e.ctx, u.ID, codes[1].ID); err == nil {
				wins.Add(1)
			} else if !errors.Is(err, store.ErrUsed) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent backup code uses won", wins.Load())
	}
	codes, _ = e.s.ListBackupCodes(e.ctx, u.ID)
	if codes[0].UsedAt.IsZero() || !codes[2].UsedAt.IsZero() {
		t.Fatalf("used flags wrong: %+v", codes)
	}
	wantErr(t, "replace again", e.s.ReplaceBackupCodes(e.ctx, u.ID, hashes[:2]), nil)
	if codes, _ = e.s.ListBackupCodes(e.ctx, u.ID); len(codes) != 2 || !codes[0].UsedAt.IsZero() {
		t.Fatalf("after replace: %+v", codes)
	}

	_, err = e.s.GetRecoveryCode(e.ctx, u.ID)
	wantErr(t, "no recovery code", err, store.ErrNotFound)
	wantErr(t, "SetRecoveryCode", e.s.SetRecoveryCode(e.ctx, u.ID, "rc-1"), nil)
	if rc, err := e.s.GetRecoveryCode(e.ctx, u.ID); err != nil || rc.Hash != "rc-1" {
		t.Fatalf("GetRecoveryCode = %+v, %v", rc, err)
	}
	for _, tc := range []struct {
		name     string
		old, new string
		want     error
	}{
		{"use and replace", "rc-1", "rc-2", nil},
		{"replay of used code", "rc-1", "rc-3", store.ErrUsed},
		{"unchanged", "rc-2", "rc-2", store.ErrInvalid},
		{"next", "rc-2", "rc-3", nil},
	} {
		wantErr(t, tc.name, e.s.ReplaceRecoveryCode(e.ctx, u.ID, tc.old, tc.new), tc.want)
	}
	wantErr(t, "no code", e.s.ReplaceRecoveryCode(e.ctx, 999999, "a", "b"), store.ErrNotFound)
}

func testEmailTokens(t *testing.T, e *env) {
	u := e.user(e.tenant("T", 0).ID, store.RoleAdmin)
	v := e.user(e.tenant("T2", 0).ID, store.RoleAdmin)
	exp := e.clock.Now().Add(2 * time.Hour)
	h1 := hash()
	tok, err := e.s.CreateEmailToken(e.ctx, store.NewEmailToken{UserID: u.ID, Purpose: store.PurposeVerifyEmail, TokenHash: h1, ExpiresAt: exp})
	wantErr(t, "create", err, nil)
	if tok.TokenHash != h1 || !tok.ExpiresAt.Equal(exp) {
		t.Fatalf("token = %+v", tok)
	}
	got, err := e.s.ConsumeEmailToken(e.ctx, store.PurposeVerifyEmail, h1, 0)
	if err != nil || got.ID != tok.ID || got.UserID != u.ID || got.UsedAt.IsZero() {
		t.Fatalf("consume = %+v, %v", got, err)
	}
	_, err = e.s.ConsumeEmailToken(e.ctx, store.PurposeVerifyEmail, h1, 0)
	wantErr(t, "consume twice", err, store.ErrUsed)
	_, err = e.s.ConsumeEmailToken(e.ctx, store.PurposeSignInCode, h1, 0)
	wantErr(t, "wrong purpose", err, store.ErrNotFound)
	_, err = e.s.ConsumeEmailToken(e.ctx, store.PurposeVerifyEmail, hash(), 0)
	wantErr(t, "unknown", err, store.ErrNotFound)

	// A new code revokes the older one; a code is bound to its user.
	c1, c2 := hash(), hash()
	for _, h := range []store.TokenHash{c1, c2} {
		if _, err := e.s.CreateEmailToken(e.ctx, store.NewEmailToken{UserID: u.ID, Purpose: store.PurposeSignInCode, TokenHash: h,
			ExpiresAt: e.clock.Now().Add(10 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = e.s.ConsumeEmailToken(e.ctx, store.PurposeSignInCode, c1, u.ID)
	wantErr(t, "superseded code", err, store.ErrRevoked)
	_, err = e.s.ConsumeEmailToken(e.ctx, store.PurposeSignInCode, c2, v.ID)
	wantErr(t, "other user's code", err, store.ErrNotFound)
	_, err = e.s.ConsumeEmailToken(e.ctx, store.PurposeSignInCode, c2, u.ID)
	wantErr(t, "current code", err, nil)

	// Expiry.
	c3 := hash()
	if _, err := e.s.CreateEmailToken(e.ctx, store.NewEmailToken{UserID: u.ID, Purpose: store.PurposeVerifyAddress, TokenHash: c3,
		SourceAddr: "203.0.113.9", ExpiresAt: e.clock.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	_, err = e.s.ConsumeEmailToken(e.ctx, store.PurposeVerifyAddress, c3, u.ID)
	wantErr(t, "expired", err, store.ErrExpired)

	for _, tc := range []struct {
		name string
		in   store.NewEmailToken
		want error
	}{
		{"past expiry", store.NewEmailToken{UserID: u.ID, Purpose: store.PurposeSignInCode, TokenHash: hash(), ExpiresAt: e.clock.Now()}, store.ErrInvalid},
		{"bad purpose", store.NewEmailToken{UserID: u.ID, Purpose: "x", TokenHash: hash(), ExpiresAt: exp.Add(time.Hour)}, store.ErrInvalid},
		{"unknown user", store.NewEmailToken{UserID: 999999, Purpose: store.PurposeSignInCode, TokenHash: hash(), ExpiresAt: exp.Add(time.Hour)}, store.ErrNotFound},
		{"digest collision", store.NewEmailToken{UserID: v.ID, Purpose: store.PurposeSignInCode, TokenHash: c2, ExpiresAt: exp.Add(time.Hour)}, store.ErrConflict},
	} {
		_, err := e.s.CreateEmailToken(e.ctx, tc.in)
		wantErr(t, tc.name, err, tc.want)
	}
}
