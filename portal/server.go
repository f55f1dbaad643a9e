package portal

import (
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/mail"
	"github.com/latchkey/latchkey/portal/store"
)

// DefaultMaxBodyBytes bounds request bodies: the API takes small JSON
// objects only.
const DefaultMaxBodyBytes = 64 << 10

// Options configure the handler.
type Options struct {
	// Store is the portal's persistence. Required.
	Store store.Store
	// Keyring holds the server keys (TOTP secrets at rest, code peppers).
	// Required.
	Keyring *auth.Keyring
	// Now is the portal's clock; nil: time.Now. It serves GET /v1/time and
	// the Date header, and will decide expiries.
	Now func() time.Time
	// Logger receives the access log and errors; nil: discard.
	Logger *slog.Logger
	// BaseURL is the portal's public address, from which links in e-mails
	// are built (never from the Host header). nil until an endpoint needs it.
	BaseURL *url.URL
	// MaxBodyBytes bounds request bodies; 0: DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// HSTS says the portal is served over https (set it when serving over
	// TLS): Strict-Transport-Security and the "__Host-" session cookie.
	// An https BaseURL, or a request over TLS, has the same effect.
	HSTS bool

	// RecoveryPerAccount bounds recovery requests per e-mail address (known
	// or not) per RecoveryWindow; 0: DefaultRecoveryPerAccount.
	RecoveryPerAccount int64
	// RecoveryPerAddress bounds recovery requests per source address (per
	// /64 for IPv6) per RecoveryWindow; 0: DefaultRecoveryPerAddress.
	RecoveryPerAddress int64
	// RecoveryWindow is the fixed window of both recovery limits, counted
	// in the store so every portal node shares them; 0: DefaultRecoveryWindow.
	RecoveryWindow time.Duration
	// RecoveryRequestTTL is how long a recovery request stays open for an
	// admin's decision; 0: DefaultRecoveryRequestTTL.
	RecoveryRequestTTL time.Duration

	// Passwords hashes and verifies passwords; nil: auth's defaults.
	Passwords *auth.PasswordHasher
	// Mailer sends verification links, sign-in codes, recovery links and
	// 2FA-change notices; nil: a mail.Outbox (nothing leaves the process).
	Mailer mail.Mailer
	// Issuer names the portal in authenticator apps (the otpauth issuer);
	// "": DefaultIssuer.
	Issuer string
	// PlatformTenantID is the platform tenant: its owners and admins are
	// the support queue for requests forwarded by resellers. 0: none.
	PlatformTenantID int64
	// LinkTTL is how long a recovery link stays valid; 0: DefaultLinkTTL,
	// at most MaxLinkTTL.
	LinkTTL time.Duration
	// SessionTTL is how long a full sign-in lasts; 0: DefaultSessionTTL.
	SessionTTL time.Duration
	// SessionIdleTimeout ends a full session unused for that long (OWASP
	// Session Management: idle timeout); 0: DefaultSessionIdleTimeout, at
	// least MinSessionIdleTimeout. Enrol-only sessions keep their short
	// EnrolSessionTTL instead.
	SessionIdleTimeout time.Duration
	// SignInPerAddress and SecondFactorPerAddress bound sign-in steps
	// per source address (per /64 for IPv6) per SignInWindow, counted in
	// the store; 0: DefaultSignInPerAddress, DefaultSecondFactorPerAddress.
	// Every attempt counts, so a team behind one NAT address may need more.
	SignInPerAddress       int64
	SecondFactorPerAddress int64
	// TrustedProxies are the reverse proxies (e.g. a TLS terminator on
	// this host) whose X-Forwarded-For names the client; from any other
	// peer the header is ignored. Empty: the TCP peer is the client.
	TrustedProxies []netip.Prefix
}

// Defaults of the recovery-request options.
const (
	DefaultRecoveryPerAccount = 3
	DefaultRecoveryPerAddress = 20
	DefaultRecoveryWindow     = time.Hour
	DefaultRecoveryRequestTTL = 24 * time.Hour

	DefaultIssuer     = "Latchkey Portal"
	DefaultLinkTTL    = time.Hour
	MaxLinkTTL        = 2 * time.Hour
	DefaultSessionTTL = 12 * time.Hour
	// DefaultSessionIdleTimeout and MinSessionIdleTimeout bound
	// Options.SessionIdleTimeout.
	DefaultSessionIdleTimeout = 30 * time.Minute
	MinSessionIdleTimeout     = 2 * time.Minute
	// SessionTouchInterval is how often at most a session's last use is
	// written to the store: every request is not a write, and the idle
	// timeout is measured to within this.
	SessionTouchInterval = time.Minute
	// EnrolSessionTTL bounds the limited session a recovery link or a
	// forced enrolment grants.
	EnrolSessionTTL = 30 * time.Minute
	// MailTimeout bounds one e-mail hand-off to the mail server.
	MailTimeout = 15 * time.Second
)

// Route is one registered endpoint: a method and a ServeMux pattern path
// (which is also the OpenAPI path template).
type Route struct {
	Method string
	Path   string
}

// Handler is the portal's http.Handler.
type Handler struct {
	opts   Options
	log    *slog.Logger
	now    func() time.Time
	routes []Route
	pages  []Route
	tmpl   map[string]*template.Template
	root   http.Handler
}

var _ http.Handler = (*Handler)(nil)

// New builds the handler.
func New(opts Options) (*Handler, error) {
	if opts.Store == nil {
		return nil, errors.New("portal: a store is required")
	}
	if opts.Keyring == nil {
		return nil, errors.New("portal: a keyring is required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.RecoveryPerAccount <= 0 {
		opts.RecoveryPerAccount = DefaultRecoveryPerAccount
	}
	if opts.RecoveryPerAddress <= 0 {
		opts.RecoveryPerAddress = DefaultRecoveryPerAddress
	}
	if opts.RecoveryWindow <= 0 {
		opts.RecoveryWindow = DefaultRecoveryWindow
	}
	if opts.RecoveryRequestTTL <= 0 {
		opts.RecoveryRequestTTL = DefaultRecoveryRequestTTL
	}
	if opts.Passwords == nil {
		ph, err := auth.NewPasswordHasher(auth.PasswordOptions{})
		if err != nil {
			return nil, fmt.Errorf("portal: password hasher: %w", err)
		}
		opts.Passwords = ph
	}
	if opts.Mailer == nil {
		opts.Mailer = &mail.Outbox{}
	}
	if opts.Issuer == "" {
		opts.Issuer = DefaultIssuer
	}
	if opts.LinkTTL <= 0 {
		opts.LinkTTL = DefaultLinkTTL
	}
	if opts.LinkTTL > MaxLinkTTL {
		return nil, fmt.Errorf("portal: recovery links may live %v at most, not %v", MaxLinkTTL, opts.LinkTTL)
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = DefaultSessionTTL
	}
	if opts.SessionIdleTimeout == 0 {
		opts.SessionIdleTimeout = DefaultSessionIdleTimeout
	}
	if opts.SessionIdleTimeout < MinSessionIdleTimeout {
		return nil, fmt.Errorf("portal: the session idle timeout must be at least %v, not %v", MinSessionIdleTimeout, opts.SessionIdleTimeout)
	}
	if opts.SignInPerAddress <= 0 {
		opts.SignInPerAddress = DefaultSignInPerAddress
	}
	if opts.SecondFactorPerAddress <= 0 {
		opts.SecondFactorPerAddress = DefaultSecondFactorPerAddress
	}
	h := &Handler{opts: opts, log: opts.Logger, now: opts.Now}
	tmpl, err := parsePages()
	if err != nil {
		return nil, err
	}
	h.tmpl = tmpl
	mux := http.NewServeMux()
	h.register(mux, h.routeTable())
	h.root = h.middleware(mux)
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.root.ServeHTTP(w, r) }

// Routes lists the JSON API's endpoints, sorted by path then method. GET
// routes answer HEAD too (ServeMux does that), which is not listed.
func (h *Handler) Routes() []Route { return slices.Clone(h.routes) }

// PageRoutes lists the HTML pages for browsers, sorted like Routes.
func (h *Handler) PageRoutes() []Route { return slices.Clone(h.pages) }

type endpoint struct {
	method, path string
	handler      http.HandlerFunc
	// page: an HTML page for browsers, not part of the JSON API (not in
	// openapi.yaml; listed by PageRoutes).
	page bool
}

// routeTable is every endpoint of the portal. Keep openapi.yaml in step.
func (h *Handler) routeTable() []endpoint {
	eps := []endpoint{
		{method: http.MethodGet, path: "/v1/time", handler: h.getTime},
		{method: http.MethodGet, path: "/healthz", handler: h.getHealth},
		{method: http.MethodPost, path: "/v1/recovery-requests", handler: h.postRecoveryRequest},
	}
	// Each area of the API registers its endpoints in its own file.
	for _, area := range [][]endpoint{h.signInRoutes(), h.recoveryRoutes(), h.adminRoutes(), h.accountRoutes(), h.pageRoutes()} {
		eps = append(eps, area...)
	}
	return eps
}

// register installs the endpoints, a 405 with Allow for every known path
// asked with another method, and a JSON 404 for everything else.
func (h *Handler) register(mux *http.ServeMux, eps []endpoint) {
	allow := map[string][]string{}
	for _, e := range eps {
		mux.HandleFunc(e.method+" "+e.path, e.handler)
		if e.page {
			h.pages = append(h.pages, Route{Method: e.method, Path: e.path})
		} else {
			h.routes = append(h.routes, Route{Method: e.method, Path: e.path})
		}
		allow[e.path] = append(allow[e.path], e.method)
		if e.method == http.MethodGet {
			allow[e.path] = append(allow[e.path], http.MethodHead)
		}
	}
	for path, methods := range allow {
		list := strings.Join(methods, ", ")
		mux.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Allow", list)
			writeError(w, http.StatusMethodNotAllowed, api.CodeMethodNotAllowed, "this endpoint takes "+list)
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, api.CodeNotFound, "no such endpoint")
	})
	byPath := func(a, b Route) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	}
	slices.SortFunc(h.routes, byPath)
	slices.SortFunc(h.pages, byPath)
}
