package portal

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/portaltest"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
)

// Fixtures of the sign-in tests: a portal and its store on one settable
// clock (TOTP steps, challenge and link expiries, rate-limit windows), and
// users seeded straight into the store with an authenticator, backup codes
// and a recovery code, so each test starts at the step it checks.

type signinEnv struct {
	t      *testing.T
	h      *Handler
	logs   *syncBuffer
	st     store.Store
	clock  *testClock
	tenant store.Tenant
	// secrets collects every secret a test handled, for the log check;
	// shared by the copies at makes for subtests.
	secrets *[]string
}

// at is e reporting to t (a subtest): its failures must not stop the parent.
func (e *signinEnv) at(t *testing.T) *signinEnv {
	c := *e
	c.t = t
	return &c
}

func (e *signinEnv) keep(s ...string) { *e.secrets = append(*e.secrets, s...) }

// Addresses the tests sign in from.
const (
	homeAddr  = "192.0.2.1"
	otherAddr = "198.51.100.7"
)

const testPassword = "correct horse battery staple"

func newSigninEnv(t *testing.T, p store.TenantPolicy, mod func(*Options)) *signinEnv {
	t.Helper()
	// 09:00:10 UTC: well inside a TOTP step and far from any window edge.
	clk := &testClock{t: time.Date(2026, 11, 22, 9, 0, 10, 0, time.UTC)}
	st := portaltest.Store(t, clk.Now)
	base, _ := url.Parse("https://portal.example.com/")
	h, logs := newTestHandler(t, func(o *Options) {
		o.Store = st
		o.Now = clk.Now
		o.BaseURL = base
		if mod != nil {
			mod(o)
		}
	})
	e := &signinEnv{t: t, h: h, logs: logs, st: st, clock: clk, secrets: &[]string{testPassword}}
	e.tenant = seedTenant(t, h, "Analytical Engines", 0, p)
	return e
}

// seeded is a user with what the test may type.
type seeded struct {
	store.User
	Secret   string   // TOTP secret; "" without an authenticator
	Backup   []string // backup codes
	Recovery string   // recovery code
}

type seedOpt func(*seedOptions)

type seedOptions struct {
	unverified, noFactor, unknownAddr, skipIP, locked bool
	tenant                                            int64
}

var (
	unverified  seedOpt = func(o *seedOptions) { o.unverified = true }
	noFactor    seedOpt = func(o *seedOptions) { o.noFactor = true }
	unknownAddr seedOpt = func(o *seedOptions) { o.unknownAddr = true }
	skipIP      seedOpt = func(o *seedOptions) { o.skipIP = true }
	locked      seedOpt = func(o *seedOptions) { o.locked = true }
)

func inTenant(id int64) seedOpt { return func(o *seedOptions) { o.tenant = id } }

// user seeds a user who (by default) has a verified address, an
// authenticator confirmed well in the past, backup codes, a recovery code,
// and homeAddr as a known address.
func (e *signinEnv) user(email string, opts ...seedOpt) seeded {
	e.t.Helper()
	var o seedOptions
	for _, f := range opts {
		f(&o)
	}
	if o.tenant == 0 {
		o.tenant = e.tenant.ID
	}
	ctx := context.Background()
	u := seedUser(e.t, e.h, o.tenant, email, store.RoleTechnician, testPassword)
	upd := store.UserUpdate{}
	if o.unverified {
		no := false
		upd.EmailVerified = &no
	}
	if o.skipIP {
		upd.SkipIPVerification = &o.skipIP
	}
	if o.locked {
		upd.Locked = &o.locked
	}
	u, err := e.st.UpdateUser(ctx, u.ID, upd)
	if err != nil {
		e.t.Fatal(err)
	}
	if !o.unknownAddr {
		if err := e.st.RememberAddress(ctx, u.ID, homeAddr); err != nil {
			e.t.Fatal(err)
		}
	}
	s := seeded{User: u}
	if o.noFactor {
		return s
	}
	uid := strconv.FormatInt(u.ID, 10)
	kr := e.h.opts.Keyring
	s.Secret = auth.NewTOTPSecret()
	sealed, err := kr.Seal(auth.PurposeTOTPSecret, uid, []byte(s.Secret))
	if err != nil {
		e.t.Fatal(err)
	}
	f, err := e.st.BeginTOTPEnrolment(ctx, u.ID, store.EncryptedSecret{KeyID: sealed.KeyID, Ciphertext: sealed.Ciphertext})
	if err != nil {
		e.t.Fatal(err)
	}
	step, _ := auth.TOTPStep(e.clock.Now().Add(-time.Hour))
	if _, err := e.st.ConfirmTOTPEnrolment(ctx, f.ID, int64(step)); err != nil {
		e.t.Fatal(err)
	}
	s.Backup = auth.NewBackupCodes()
	var hashes []string
	for _, c := range s.Backup {
		canon, _ := auth.CanonicalBackupCode(c)
		hashes = append(hashes, kr.CodeHash(auth.KindBackupCode, uid, canon))
	}
	if err := e.st.ReplaceBackupCodes(ctx, u.ID, hashes); err != nil {
		e.t.Fatal(err)
	}
	s.Recovery = auth.NewRecoveryCode()
	canon, _ := auth.CanonicalRecoveryCode(s.Recovery)
	if err := e.st.SetRecoveryCode(ctx, u.ID, kr.CodeHash(auth.KindRecoveryCode, uid, canon)); err != nil {
		e.t.Fatal(err)
	}
	e.keep(s.Secret, s.Recovery)
	e.keep(s.Backup...)
	return s
}

// code is the TOTP code of secret now.
func (e *signinEnv) code(secret string) string {
	e.t.Helper()
	c, err := totp.GenerateCodeCustom(secret, e.clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		e.t.Fatal(err)
	}
	e.keep(c)
	return c
}

// call sends a JSON request from remote (an address without port).
func (e *signinEnv) call(method, path, token string, body any, remote string) *httptest.ResponseRecorder {
	e.t.Helper()
	if token != "" {
		e.keep(token)
	}
	return callFrom(e.t, e.h, method, path, token, body, remote)
}

// answer decodes a sign-in answer, failing unless the status is want.
func (e *signinEnv) answer(w *httptest.ResponseRecorder, want int) api.SignInAnswer {
	e.t.Helper()
	if w.Code != want {
		e.t.Fatalf("status %d, want %d: %s", w.Code, want, shown(w))
	}
	var a api.SignInAnswer
	decodeAnswer(e.t, w, &a)
	if a.Challenge != "" {
		e.keep(a.Challenge)
	}
	if a.Session != nil {
		e.keep(a.Session.Token)
	}
	if a.NewRecoveryCode != "" {
		e.keep(a.NewRecoveryCode)
	}
	return a
}

// failure checks an error answer's status and code.
func (e *signinEnv) failure(w *httptest.ResponseRecorder, status int, code string) api.ErrorBody {
	e.t.Helper()
	if w.Code != status {
		e.t.Fatalf("status %d, want %d: %s", w.Code, status, shown(w))
	}
	b := errorBody(e.t, w)
	if b.Code != code {
		e.t.Fatalf("error code %q, want %q (%s)", b.Code, code, b.Message)
	}
	return b
}

// password runs the password step from addr.
func (e *signinEnv) password(email, password, addr string) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.call("POST", api.PathSignIn, "", api.SignInRequest{Email: email, Password: password}, addr)
}

func (e *signinEnv) factor(challenge, method, code, addr string) *httptest.ResponseRecorder {
	e.t.Helper()
	e.keep(code)
	return e.call("POST", api.PathSignInSecondFactor, "", api.SecondFactorRequest{Challenge: challenge, Method: method, Code: code}, addr)
}

// challengeFor signs u in with the password from addr and returns the
// second-factor challenge.
func (e *signinEnv) challengeFor(u seeded, addr string) string {
	e.t.Helper()
	a := e.answer(e.password(u.Email, testPassword, addr), http.StatusOK)
	if a.State != api.StateSecondFactor {
		e.t.Fatalf("state %q, want second_factor", a.State)
	}
	return a.Challenge
}

// session returns who token is, or the status.
func (e *signinEnv) session(token string) (api.SessionInfo, int) {
	e.t.Helper()
	w := e.call("GET", api.PathSession, token, nil, homeAddr)
	if w.Code != http.StatusOK {
		return api.SessionInfo{}, w.Code
	}
	var si api.SessionInfo
	decodeAnswer(e.t, w, &si)
	return si, w.Code
}

// audits lists the audit actions for user (0: all), oldest first.
func (e *signinEnv) audits(user int64) []store.AuditEntry {
	e.t.Helper()
	l, err := e.st.ListAudit(context.Background(), store.AuditFilter{TargetUserID: user, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	for i, j := 0, len(l)-1; i < j; i, j = i+1, j-1 {
		l[i], l[j] = l[j], l[i]
	}
	return l
}

func actions(l []store.AuditEntry) []string {
	var out []string
	for _, a := range l {
		out = append(out, a.Action)
	}
	return out
}

var linkToken = regexp.MustCompile(`https?://[^/\s]+(/verify-(?:email|address))\?token=([A-Za-z0-9_-]{43})`)

// link returns the path and token of the newest link e-mailed to addr
// whose subject contains subject.
func (e *signinEnv) link(addr, subject string) (path, token string) {
	e.t.Helper()
	m, ok := outbox(e.t, e.h).Last(addr, subject)
	if !ok {
		e.t.Fatalf("no mail to %s about %q", addr, subject)
	}
	got := linkToken.FindStringSubmatch(m.Text)
	if got == nil {
		e.t.Fatalf("mail %q has no verification link", m.Subject)
	}
	e.keep(got[2])
	return got[1], got[2]
}

// Values on pages and in answers that are secrets but not shaped like
// the ones auth.Redact knows.
var (
	challengeValue = regexp.MustCompile(`[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]{40,}`)
	secretElement  = regexp.MustCompile(`(id="(?:secret|otpauth-uri|new-recovery-code|recovery-code|backup-codes)"[^>]*>)[^<]*`)
)

// shown is an answer's body fit for test output: secrets redacted, and
// clipped.
func shown(w *httptest.ResponseRecorder) string {
	s := secretElement.ReplaceAllString(w.Body.String(), "${1}"+auth.Redacted)
	s = auth.Redact(challengeValue.ReplaceAllString(s, auth.Redacted))
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}

// checkLogs fails if any secret the test handled reached the log.
func (e *signinEnv) checkLogs() {
	e.t.Helper()
	logs := e.logs.String()
	if logs == "" {
		e.t.Fatal("the handler logged nothing: the log check would prove nothing")
	}
	for _, s := range *e.secrets {
		if s == "" {
			continue
		}
		for _, form := range []string{s, strings.ReplaceAll(s, " ", ""), strings.ReplaceAll(s, "-", "")} {
			if len(form) >= 6 && strings.Contains(logs, form) {
				e.t.Errorf("a secret (%d characters) appears in the log", len(form))
			}
		}
	}
}
