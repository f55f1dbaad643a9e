package portal

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/store"
)

// Real answers of every sign-in endpoint, successes and errors, validate
// against the schemas openapi.yaml documents for them, headers included;
// and the request bodies the client sends validate against the request
// schemas.
func TestOpenAPISignInAnswersValidate(t *testing.T) {
	doc := loadOpenAPI(t)
	e := newSigninEnv(t, store.TenantPolicy{Require2FA: true, AllowEmailCodes: true}, nil)
	check := func(method, path string, w *httptest.ResponseRecorder) {
		t.Helper()
		schema, headers := doc.responseSchema(t, method, path, w.Code)
		dec := json.NewDecoder(strings.NewReader(w.Body.String()))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s %s %d: %v", method, path, w.Code, err)
		}
		for _, p := range validate(t, doc, schema, v, "body") {
			t.Errorf("%s %s %d: %s", method, path, w.Code, p)
		}
		for name, hv := range headers {
			got := w.Header().Get(name)
			if got == "" {
				t.Errorf("%s %s %d: documented header %s missing", method, path, w.Code, name)
				continue
			}
			hs := doc.resolve(t, doc.resolve(t, hv)["schema"])
			for _, p := range validate(t, doc, hs, got, "header "+name) {
				t.Errorf("%s %s %d: %s", method, path, w.Code, p)
			}
		}
	}
	request := func(method, path string, body any) {
		t.Helper()
		op := doc.operation(method, path)
		media := obj(obj(obj(op["requestBody"])["content"])["application/json"])
		b, _ := json.Marshal(body)
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.UseNumber()
		var v any
		_ = dec.Decode(&v)
		for _, p := range validate(t, doc, doc.resolve(t, media["schema"]), v, "request") {
			t.Errorf("%s %s: %s", method, path, p)
		}
	}
	call := func(method, path, token string, body any, addr string) *httptest.ResponseRecorder {
		t.Helper()
		if body != nil {
			request(method, path, body)
		}
		w := e.call(method, path, token, body, addr)
		check(method, path, w)
		return w
	}

	// Forced enrolment: verify_email, the link, the enrol session.
	g := e.user("grace@example.com", noFactor, unverified)
	a := e.answer(call("POST", api.PathSignIn, "", api.SignInRequest{Email: g.Email, Password: testPassword}, homeAddr), 200)
	_, token := e.link(g.Email, "confirm your e-mail")
	call("POST", api.PathEmailVerifications, "", api.EmailVerificationRequest{Token: token}, homeAddr)
	call("POST", api.PathEmailVerifications, "", api.EmailVerificationRequest{Token: token}, homeAddr) // 410
	call("POST", api.PathEmailVerifications, "", api.EmailVerificationRequest{Token: token[:42] + "A"}, homeAddr)
	a = e.answer(call("POST", api.PathSignInComplete, "", api.ChallengeRequest{Challenge: a.Challenge}, homeAddr), 200)
	tok := a.Session.Token
	call("GET", api.PathSession, tok, nil, homeAddr)
	call("POST", api.PathEnrolmentSaved, tok, nil, homeAddr) // 409
	w := call("POST", api.PathEnrolment, tok, nil, homeAddr)
	var en api.Enrolment
	decodeAnswer(t, w, &en)
	e.keep(en.Secret, en.OTPAuthURI)
	call("POST", api.PathEnrolmentConfirm, tok, api.EnrolmentConfirm{FactorID: en.FactorID, Code: "000000"}, homeAddr) // 400
	call("POST", api.PathEnrolmentConfirm, tok, api.EnrolmentConfirm{FactorID: en.FactorID, Code: e.code(en.Secret)}, homeAddr)
	call("POST", api.PathEnrolmentSaved, tok, nil, homeAddr)

	// Second factors, an e-mailed code, a new address, a recovery code.
	u := e.user("ada@example.com")
	ch := e.answer(call("POST", api.PathSignIn, "", api.SignInRequest{Email: u.Email, Password: testPassword}, otherAddr), 200).Challenge
	call("POST", api.PathSignInEmailCode, "", api.ChallengeRequest{Challenge: ch}, otherAddr)
	call("POST", api.PathSignInSecondFactor, "", api.SecondFactorRequest{Challenge: ch, Method: api.MethodBackupCode, Code: "00000-00000"}, otherAddr) // 401
	a = e.answer(call("POST", api.PathSignInSecondFactor, "", api.SecondFactorRequest{Challenge: ch, Method: api.MethodRecoveryCode, Code: u.Recovery}, otherAddr), 200)
	call("POST", api.PathSignInComplete, "", api.ChallengeRequest{Challenge: a.Challenge}, otherAddr)
	call("POST", api.PathSignIn, "", api.SignInRequest{Email: u.Email, Password: "wrong"}, homeAddr) // 401
	call("POST", api.PathSignIn, "", api.SignInRequest{Email: "x", Password: "wrong"}, homeAddr)     // 400
	for range SignInPerAccount {
		e.password(u.Email, "wrong", homeAddr)
	}
	call("POST", api.PathSignIn, "", api.SignInRequest{Email: u.Email, Password: "wrong"}, homeAddr) // 429
	full := sessionFor(t, e.h, u.User, store.ScopeFull)
	call("GET", api.PathSession, full, nil, homeAddr)
	call("DELETE", api.PathSession, full, nil, homeAddr)
	call("DELETE", api.PathSession, full, nil, homeAddr) // 401

	// Every documented operation of the area was exercised.
	for _, r := range e.h.Routes() {
		if strings.HasPrefix(r.Path, "/v1/sign-in") || strings.HasPrefix(r.Path, "/v1/enrolment") || r.Path == api.PathSession || r.Path == api.PathEmailVerifications {
			if doc.operation(r.Method, r.Path) == nil {
				t.Errorf("%s %s is not documented", r.Method, r.Path)
			}
		}
	}
	if w.Code != http.StatusCreated {
		t.Errorf("begin enrolment: %d", w.Code)
	}
}
