package portal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/store"
)

// The admin API's real answers, successes and refusals, validate against
// openapi.yaml, and every status they use is documented.
func TestAdminAnswersMatchOpenAPI(t *testing.T) {
	doc := loadOpenAPI(t)
	e := newAdminEnv(t)
	e.enrol(t, e.admin)
	if _, err := e.st.AppendAudit(t.Context(), store.AuditEntry{ActorID: e.owner.ID, Action: "test.entry", TenantID: e.home.ID,
		Details: json.RawMessage(`{"nested":{"a":[1,2]},"flag":true}`)}); err != nil {
		t.Fatal(err)
	}
	id := func(u store.User) string { return strconv.FormatInt(u.ID, 10) }
	tenant := strconv.FormatInt(e.home.ID, 10)
	okPolicy := map[string]any{"require_2fa": true, "allow_email_codes": true, "sso_enforced": false, "ip_allow_list": []string{"192.0.2.0/24", "2001:db8::/48"}}
	tests := []struct {
		as           store.User
		method, path string
		docPath      string
		body         any
		status       int
	}{
		{e.admin, "GET", "/v1/admin/users", "/v1/admin/users", nil, 200},
		{e.admin, "GET", "/v1/admin/users?limit=1", "/v1/admin/users", nil, 200},
		{e.owner, "GET", "/v1/admin/users?tenant=" + strconv.FormatInt(e.child.ID, 10), "/v1/admin/users", nil, 200},
		{e.admin, "GET", "/v1/admin/users?role=root", "/v1/admin/users", nil, 400},
		{e.admin, "GET", "/v1/admin/users?tenant=" + strconv.FormatInt(e.other.ID, 10), "/v1/admin/users", nil, 404},
		{e.admin, "POST", "/v1/admin/users", "/v1/admin/users", api.AdminUserCreate{Email: "n@reseller.test", Name: "N", Role: "read_only", Password: "long enough pw"}, 201},
		{e.admin, "POST", "/v1/admin/users", "/v1/admin/users", api.AdminUserCreate{Email: "n@reseller.test", Name: "N", Role: "read_only", Password: "long enough pw"}, 409},
		{e.admin, "POST", "/v1/admin/users", "/v1/admin/users", api.AdminUserCreate{Email: "m@reseller.test", Name: "N", Role: "owner", Password: "long enough pw"}, 403},
		{e.admin, "POST", "/v1/admin/users", "/v1/admin/users", api.AdminUserCreate{Email: "m@reseller.test", Name: "N", Role: "admin", Password: "short"}, 422},
		{e.admin, "POST", "/v1/admin/users/" + id(e.target) + "/reset-2fa", "/v1/admin/users/{id}/reset-2fa", nil, 200},
		{e.admin, "POST", "/v1/admin/users/" + id(e.owner) + "/reset-2fa", "/v1/admin/users/{id}/reset-2fa", nil, 403},
		{e.admin, "POST", "/v1/admin/users/" + id(e.otherUser) + "/reset-2fa", "/v1/admin/users/{id}/reset-2fa", nil, 404},
		{e.admin, "PUT", "/v1/admin/users/" + id(e.target) + "/ip-verification", "/v1/admin/users/{id}/ip-verification", api.AdminIPVerification{Skip: true}, 200},
		{e.admin, "PUT", "/v1/admin/users/" + id(e.target) + "/ip-verification", "/v1/admin/users/{id}/ip-verification", map[string]any{}, 400},
		{e.admin, "PUT", "/v1/admin/users/" + id(e.target) + "/lock", "/v1/admin/users/{id}/lock", api.AdminLock{Locked: true}, 200},
		{e.tech, "PUT", "/v1/admin/users/" + id(e.target) + "/lock", "/v1/admin/users/{id}/lock", api.AdminLock{Locked: true}, 403},
		{e.ro, "GET", "/v1/admin/tenants", "/v1/admin/tenants", nil, 200},
		{e.owner, "POST", "/v1/admin/tenants", "/v1/admin/tenants", api.AdminTenantCreate{Name: "Acme"}, 201},
		{e.admin, "POST", "/v1/admin/tenants", "/v1/admin/tenants", api.AdminTenantCreate{Name: "Acme"}, 403},
		{e.owner, "PUT", "/v1/admin/tenants/" + tenant + "/policy", "/v1/admin/tenants/{id}/policy", okPolicy, 200},
		{e.owner, "PUT", "/v1/admin/tenants/" + tenant + "/policy", "/v1/admin/tenants/{id}/policy", map[string]any{"require_2fa": false, "allow_email_codes": false, "sso_enforced": false, "ip_allow_list": []string{}}, 422},
		{e.owner, "PUT", "/v1/admin/tenants/999999/policy", "/v1/admin/tenants/{id}/policy", okPolicy, 404},
		{e.owner, "GET", "/v1/admin/audit", "/v1/admin/audit", nil, 200},
		{e.owner, "GET", "/v1/admin/audit?limit=1", "/v1/admin/audit", nil, 200},
		{e.owner, "GET", "/v1/admin/audit?limit=0", "/v1/admin/audit", nil, 400},
		{e.tech, "GET", "/v1/admin/audit", "/v1/admin/audit", nil, 403},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		name := fmt.Sprintf("%s %s %d", tt.method, tt.path, tt.status)
		t.Run(name, func(t *testing.T) {
			w := e.call(t, tt.as, tt.method, tt.path, tt.body)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body.String())
			}
			seen[tt.method+" "+tt.docPath] = true
			if _, ok := obj(doc.operation(tt.method, tt.docPath)["responses"])[strconv.Itoa(tt.status)]; !ok {
				t.Errorf("status %d is not documented", tt.status)
			}
			schema, headers := doc.responseSchema(t, tt.method, tt.docPath, tt.status)
			dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			for _, p := range validate(t, doc, schema, v, "body") {
				t.Error(p)
			}
			for h := range headers {
				if w.Header().Get(h) == "" {
					t.Errorf("documented header %s missing", h)
				}
			}
		})
	}
	for _, r := range e.h.Routes() {
		if strings.HasPrefix(r.Path, "/v1/admin/") && !seen[r.Method+" "+r.Path] && adminOwnRoute(r) {
			t.Errorf("%s %s: no answer of it is validated here", r.Method, r.Path)
		}
		if strings.HasPrefix(r.Path, "/v1/admin/") && adminOwnRoute(r) {
			op := doc.operation(r.Method, r.Path)
			sec, _ := op["security"].([]any)
			if len(sec) != 1 || obj(sec[0])["session"] == nil {
				t.Errorf("%s %s: security is not the session scheme: %v", r.Method, r.Path, op["security"])
			}
		}
	}
}

// adminOwnRoute reports the routes of this file's area (admin.go), not the
// recovery queue's, which share the /v1/admin/ prefix.
func adminOwnRoute(r Route) bool {
	for _, e := range (&Handler{}).adminRoutes() {
		if e.method == r.Method && e.path == r.Path {
			return true
		}
	}
	return false
}
