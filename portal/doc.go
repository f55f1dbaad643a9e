// Package portal is the team portal's HTTP layer: one http.Handler (New)
// that serves the JSON API described by openapi.yaml, on top of the store
// (portal/store) and the security primitives (portal/auth).
//
// # What every response gets
//
// The middleware, outermost first:
//
//   - a request id (X-Request-Id, 16 hex digits, always generated here:
//     a client's own id would let it forge log correlation);
//   - a Date header from the portal's clock (Options.Now), so the header
//     and GET /v1/time agree even under a test clock;
//   - one access-log line per request (method, route pattern, path and
//     query through auth.Redact, status, bytes, duration, remote address);
//     bodies are never logged;
//   - panic recovery: a 500 with the generic error shape and the request
//     id, the panic (redacted) and stack in the log only;
//   - security headers: Referrer-Policy: no-referrer, X-Content-Type-Options:
//     nosniff, X-Frame-Options: DENY, Cache-Control: no-store, and
//     Strict-Transport-Security whenever the portal is served over https:
//     a TLS connection, Options.HSTS, or an https Options.BaseURL (behind
//     a TLS-terminating proxy, where the request itself is plain http);
//     JSON answers add Content-Security-Policy: default-src 'none';
//   - a body limit (Options.MaxBodyBytes, 64 KiB by default): a declared
//     Content-Length above it is refused with 413 before the handler runs,
//     and reading past it fails (decodeJSON turns that into 413).
//
// Unknown paths answer 404 and known paths with another method 405 (with
// Allow), both in the error shape {"error": {"code", "message"}} that every
// error uses (api.ErrorResponse; codes are api.Code*).
//
// # Adding an endpoint
//
// Register it in routes() with its method and pattern (ServeMux syntax,
// which is also OpenAPI's path syntax: /v1/users/{id}), describe it in
// openapi.yaml (TestOpenAPIMatchesRoutes fails until both agree), decode
// bodies with decodeJSON (strict: application/json, valid UTF-8 without
// lone surrogate escapes, one JSON object, no unknown members, no trailing
// data), answer with writeJSON / writeError,
// and put shared wire types in sync/ so the desktop client uses them too.
// Never log a request body; pass anything from the request through
// auth.Redact before it reaches a log line (see portal/auth's doc).
package portal
