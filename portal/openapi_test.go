package portal

import (
	"encoding/json"
	"fmt"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/portaltest"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// The tests in this file keep openapi.yaml true: the same endpoints as the
// handler, and real answers that validate against the documented schemas.

type openAPIDoc map[string]any

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	b, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Decode into a plain map: yaml.v3 gives nested maps the target's type.
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	doc := openAPIDoc(raw)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
		t.Fatalf("openapi.yaml: openapi version %q", v)
	}
	return doc
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func (d openAPIDoc) routes() []Route {
	var out []Route
	for path, item := range obj(d["paths"]) {
		for _, m := range httpMethods {
			if _, ok := obj(item)[m]; ok {
				out = append(out, Route{Method: strings.ToUpper(m), Path: path})
			}
		}
	}
	return out
}

func (d openAPIDoc) operation(method, path string) map[string]any {
	return obj(obj(obj(d["paths"])[path])[strings.ToLower(method)])
}

// resolve follows a local $ref ("#/components/...").
func (d openAPIDoc) resolve(t *testing.T, v any) map[string]any {
	t.Helper()
	for range 10 {
		m := obj(v)
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		if !strings.HasPrefix(ref, "#/") {
			t.Fatalf("non-local $ref %q", ref)
		}
		var cur any = map[string]any(d)
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = obj(cur)[part]
		}
		if cur == nil {
			t.Fatalf("$ref %q points nowhere", ref)
		}
		v = cur
	}
	t.Fatal("$ref chain too long")
	return nil
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	h, _ := newTestHandler(t, nil)
	key := func(r Route) string { return r.Method + " " + r.Path }
	var inDoc, inHandler []string
	for _, r := range doc.routes() {
		inDoc = append(inDoc, key(r))
	}
	for _, r := range h.Routes() {
		inHandler = append(inHandler, key(r))
	}
	slices.Sort(inDoc)
	slices.Sort(inHandler)
	for _, r := range inHandler {
		if !slices.Contains(inDoc, r) {
			t.Errorf("route %s is served but not in openapi.yaml", r)
		}
	}
	for _, r := range inDoc {
		if !slices.Contains(inHandler, r) {
			t.Errorf("openapi.yaml describes %s, which the handler does not serve", r)
		}
	}
	if len(inHandler) == 0 {
		t.Fatal("the handler has no routes")
	}

	ids := map[string]bool{}
	for _, r := range doc.routes() {
		op := doc.operation(r.Method, r.Path)
		id, _ := op["operationId"].(string)
		if id == "" || ids[id] {
			t.Errorf("%s %s: operationId %q missing or repeated", r.Method, r.Path, id)
		}
		ids[id] = true
		resp := obj(op["responses"])
		def := doc.resolve(t, resp["default"])
		if s := obj(obj(obj(def["content"])["application/json"])["schema"]); s["$ref"] != "#/components/schemas/Error" {
			t.Errorf("%s %s: the default response is not the Error shape", r.Method, r.Path)
		}
	}
	schemes := obj(obj(doc["components"])["securitySchemes"])
	if s := obj(schemes["session"]); s["type"] != "http" || s["scheme"] != "bearer" {
		t.Errorf("securitySchemes.session is not http bearer: %v", s)
	}
}

// responseSchema is the documented schema for an answer of status.
func (d openAPIDoc) responseSchema(t *testing.T, method, path string, status int) (map[string]any, map[string]any) {
	t.Helper()
	resp := obj(d.operation(method, path)["responses"])
	r, ok := resp[fmt.Sprint(status)]
	if !ok {
		r, ok = resp["default"]
	}
	if !ok {
		t.Fatalf("%s %s: status %d is not documented", method, path, status)
	}
	rr := d.resolve(t, r)
	media := obj(obj(rr["content"])["application/json"])
	if media == nil {
		t.Fatalf("%s %s %d: no application/json content", method, path, status)
	}
	return d.resolve(t, media["schema"]), obj(rr["headers"])
}

func TestOpenAPIResponsesValidate(t *testing.T) {
	doc := loadOpenAPI(t)
	st := portaltest.Store(t, nil)
	h, _ := newTestHandler(t, func(o *Options) { o.Store = st; o.Now = time.Now })
	errSchema := doc.resolve(t, obj(obj(doc["components"])["schemas"])["Error"])

	check := func(method, target, docPath string, wantStatus int) {
		t.Helper()
		w := do(h, method, target, "", "")
		if w.Code != wantStatus {
			t.Fatalf("%s %s: status %d, want %d", method, target, w.Code, wantStatus)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: Content-Type %q", method, target, ct)
		}
		schema := errSchema
		var headers map[string]any
		if docPath != "" {
			schema, headers = doc.responseSchema(t, method, docPath, wantStatus)
		}
		dec := json.NewDecoder(w.Body)
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		for _, p := range validate(t, doc, schema, v, "body") {
			t.Errorf("%s %s: %s", method, target, p)
		}
		for name, hv := range headers {
			got := w.Header().Get(name)
			if got == "" {
				t.Errorf("%s %s: documented header %s missing", method, target, name)
				continue
			}
			hs := doc.resolve(t, doc.resolve(t, hv)["schema"])
			for _, p := range validate(t, doc, hs, got, "header "+name) {
				t.Errorf("%s %s: %s", method, target, p)
			}
		}
	}
	check("GET", "/v1/time", "/v1/time", 200)
	check("GET", "/healthz", "/healthz", 200)
	check("GET", "/nowhere", "", 404)
	check("DELETE", "/v1/time", "", 405)
	_ = st.Close()
	check("GET", "/healthz", "/healthz", 503)

	// The validator itself notices what it should.
	bad := map[string]any{"time": "yesterday", "unix_ms": json.Number("1.5"), "extra": true}
	schema, _ := doc.responseSchema(t, "GET", "/v1/time", 200)
	if got := validate(t, doc, schema, bad, "body"); len(got) != 3 {
		t.Errorf("validator found %d problems in a bad answer, want 3: %v", len(got), got)
	}
	if got := validate(t, doc, schema, map[string]any{}, "body"); len(got) != 2 {
		t.Errorf("validator found %d problems in an empty answer, want 2: %v", len(got), got)
	}
}

// The error codes the document lists are exactly the client's constants.
func TestOpenAPIErrorCodes(t *testing.T) {
	doc := loadOpenAPI(t)
	errSchema := doc.resolve(t, obj(obj(doc["components"])["schemas"])["Error"])
	code := obj(obj(obj(errSchema["properties"])["error"])["properties"])["code"]
	var documented []string
	for _, c := range obj(code)["enum"].([]any) {
		documented = append(documented, c.(string))
	}
	constants := []string{
		api.CodeBadRequest, api.CodeUnknownField, api.CodeInvalid,
		api.CodeUnauthenticated, api.CodeForbidden, api.CodeNotFound,
		api.CodeMethodNotAllowed, api.CodeConflict, api.CodeTooLarge, api.CodeUnsupportedMedia,
		api.CodeRateLimited, api.CodeInternal, api.CodeUnavailable,
	}
	slices.Sort(documented)
	slices.Sort(constants)
	if !slices.Equal(documented, constants) {
		t.Errorf("openapi.yaml error codes %v, sync constants %v", documented, constants)
	}
}

// validate checks v (decoded with UseNumber) against the subset of JSON
// Schema the document uses: type, required, properties,
// additionalProperties: false, items, maxItems, enum, minimum, pattern,
// format date-time.
func validate(t *testing.T, doc openAPIDoc, schema map[string]any, v any, at string) []string {
	t.Helper()
	schema = doc.resolve(t, schema)
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, at+": "+fmt.Sprintf(format, args...)) }
	switch typ, _ := schema["type"].(string); typ {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			bad("not an object")
			return problems
		}
		props := obj(schema["properties"])
		required, _ := schema["required"].([]any)
		for _, r := range required {
			if _, ok := m[r.(string)]; !ok {
				bad("required member %q missing", r)
			}
		}
		for k, mv := range m {
			ps, ok := props[k]
			if !ok {
				if schema["additionalProperties"] == false {
					bad("undocumented member %q", k)
				}
				continue
			}
			problems = append(problems, validate(t, doc, obj(ps), mv, at+"."+k)...)
		}
	case "string":
		s, ok := v.(string)
		if !ok {
			bad("not a string")
			return problems
		}
		if schema["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
				bad("not an RFC 3339 date-time: %q", s)
			}
		}
		if p, ok := schema["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(s) {
			bad("%q does not match %s", s, p)
		}
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			bad("not a number")
			return problems
		}
		i, err := n.Int64()
		if err != nil {
			bad("not an integer: %s", n)
			return problems
		}
		if min, ok := schema["minimum"].(int); ok && i < int64(min) {
			bad("%d below the minimum %d", i, min)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("not true or false")
		}
	case "array":
		items, ok := v.([]any)
		if !ok {
			bad("not an array")
			return problems
		}
		if most, ok := schema["maxItems"].(int); ok && len(items) > most {
			bad("%d items, more than the maximum %d", len(items), most)
		}
		for i, item := range items {
			problems = append(problems, validate(t, doc, obj(schema["items"]), item, fmt.Sprintf("%s[%d]", at, i))...)
		}
	default:
		bad("the validator does not know type %q", typ)
	}
	if enum, ok := schema["enum"].([]any); ok && !slices.Contains(enum, v) {
		bad("%v is not one of %v", v, enum)
	}
	return problems
}

// The handler answers a real HTTP client the same way (headers survive
// net/http's own defaults, e.g. Date).
func TestOverRealServer(t *testing.T) {
	h, _ := newTestHandler(t, nil)
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/v1/time")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if got := resp.Header.Get("Date"); got != fixedNow.Format(http.TimeFormat) {
		t.Errorf("Date over the wire = %q, want the portal clock's %q", got, fixedNow.Format(http.TimeFormat))
	}
}
