// Package api is the team portal's wire contract: the paths, request and
// answer bodies, limits and error codes of its HTTP API, as documented in
// portal/openapi.yaml. The portal (package portal) serves these types and
// the desktop's client (package sync) sends and decodes them, so both sides
// encode the same structs; this package imports neither.
//
// Every type that carries a secret (a password, a token, a phrase, a code)
// redacts it in String, GoString and LogValue, so formatting or logging a
// body never prints one.
package api
