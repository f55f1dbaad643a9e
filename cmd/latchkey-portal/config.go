package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey/portal"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/mail"
)

// Defaults.
const (
	defaultListen          = "127.0.0.1:8080"
	defaultDB              = "sqlite:./latchkey-portal.db"
	defaultShutdownTimeout = 10 * time.Second
)

// envPrefix prefixes every flag's environment variable.
const envPrefix = "LATCHKEY_PORTAL_"

// envKeyring holds the keyring itself (there is no flag for it).
const envKeyring = envPrefix + "KEYRING"

func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// config is everything a subcommand may be configured with.
type config struct {
	db        string
	logLevel  string
	logFormat string

	listen          string
	tlsCert         string
	tlsKey          string
	baseURL         string
	keyringFile     string
	keyring         auth.Secret // from LATCHKEY_PORTAL_KEYRING
	dev             bool
	shutdownTimeout time.Duration

	smtpAddr         string
	smtpFrom         string
	smtpUsername     string
	smtpPasswordFile string
	smtpPassword     auth.Secret // from LATCHKEY_PORTAL_SMTP_PASSWORD
	smtpSecurity     string
	mailDir          string
	issuer           string
	platformTenant   string
	linkTTL          time.Duration
	trustedProxies   string
	signInPerAddr    int64
	factorPerAddr    int64
	sessionIdle      time.Duration
}

// envSMTPPassword holds the SMTP password itself (there is no flag for it).
const envSMTPPassword = envPrefix + "SMTP_PASSWORD"

// defaultDevMailDir receives e-mail in --dev mode when no mail is configured.
const defaultDevMailDir = "latchkey-portal-mail"

// flags binds flag names to config fields with environment defaults.
type flags struct {
	fs     *flag.FlagSet
	getenv func(string) string
	errs   []error
}

func newFlags(name string, e env) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return &flags{fs: fs, getenv: e.getenv}
}

func (f *flags) str(p *string, name, def, usage string) {
	if v := f.getenv(envName(name)); v != "" {
		def = v
	}
	f.fs.StringVar(p, name, def, usage+" ($"+envName(name)+")")
}

func (f *flags) boolean(p *bool, name, usage string) {
	def := false
	if v := f.getenv(envName(name)); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q is not true or false", envName(name), v))
		}
		def = b
	}
	f.fs.BoolVar(p, name, def, usage+" ($"+envName(name)+")")
}

func (f *flags) duration(p *time.Duration, name string, def time.Duration, usage string) {
	if v := f.getenv(envName(name)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q is not a duration such as 10s", envName(name), v))
		}
		def = d
	}
	f.fs.DurationVar(p, name, def, usage+" ($"+envName(name)+")")
}

func (f *flags) int64(p *int64, name string, def int64, usage string) {
	if v := f.getenv(envName(name)); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q is not a whole number", envName(name), v))
		}
		def = n
	}
	f.fs.Int64Var(p, name, def, usage+" ($"+envName(name)+")")
}

// parse parses args; a help request returns flag.ErrHelp.
func (f *flags) parse(args []string) error {
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	if f.fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", f.fs.Arg(0))
	}
	return errors.Join(f.errs...)
}

func (c *config) storeFlags(f *flags) {
	f.str(&c.db, "db", defaultDB, "store: sqlite:PATH or postgres://USER@HOST/DB?...")
	f.str(&c.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.str(&c.logFormat, "log-format", "text", "log format: text or json")
}

func (c *config) keyringFlags(f *flags) {
	f.str(&c.keyringFile, "keyring-file", "", "file holding the secrets keyring (id:base64key[,id:base64key…], current first); or set $"+envKeyring+" itself")
	c.keyring = auth.Secret(f.getenv(envKeyring))
}

func (c *config) serveFlags(f *flags) {
	c.storeFlags(f)
	c.keyringFlags(f)
	f.str(&c.listen, "listen", defaultListen, "address to listen on, host:port")
	f.str(&c.tlsCert, "tls-cert", "", "TLS certificate chain file (PEM)")
	f.str(&c.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	f.str(&c.baseURL, "base-url", "", "the portal's public URL, from which links in e-mails are built (default: derived from --listen on loopback)")
	f.boolean(&c.dev, "dev", "development mode: on a loopback address only; generates an ephemeral keyring when none is configured")
	f.duration(&c.shutdownTimeout, "shutdown-timeout", defaultShutdownTimeout, "how long to let requests finish after SIGINT or SIGTERM")
	f.str(&c.smtpAddr, "smtp-addr", "", "mail server host:port for verification links, sign-in codes, recovery links and 2FA notices")
	f.str(&c.smtpFrom, "smtp-from", "", "sender address of the portal's e-mail, e.g. \"IT portal <portal@example.com>\"")
	f.str(&c.smtpUsername, "smtp-username", "", "mail server user name (the password comes from --smtp-password-file or $"+envSMTPPassword+")")
	f.str(&c.smtpPasswordFile, "smtp-password-file", "", "file holding the mail server password")
	f.str(&c.smtpSecurity, "smtp-security", "starttls", "mail connection security: starttls, tls, or none (loopback relay only)")
	f.str(&c.mailDir, "mail-dir", "", "write e-mail as .eml files into this directory instead of sending it (development, tests)")
	f.str(&c.issuer, "issuer", portal.DefaultIssuer, "the portal's name in authenticator apps and e-mails")
	f.str(&c.platformTenant, "platform-tenant", "auto", "id of the platform tenant whose owners and admins handle requests forwarded by resellers; auto: the install's first tenant")
	f.duration(&c.linkTTL, "link-ttl", portal.DefaultLinkTTL, "how long a recovery link stays valid (at most 2h)")
	f.int64(&c.signInPerAddr, "sign-in-per-address", portal.DefaultSignInPerAddress, "password attempts allowed per client address (IPv6: per /64) per 15 minutes, successful ones included: raise it for a team behind one NAT address")
	f.int64(&c.factorPerAddr, "second-factor-per-address", portal.DefaultSecondFactorPerAddress, "second-factor attempts allowed per client address per 15 minutes")
	f.duration(&c.sessionIdle, "session-idle-timeout", portal.DefaultSessionIdleTimeout, "sign a full session out after this long without a request (at least 2m; enrol-only sessions last 30m in any case)")
	f.str(&c.trustedProxies, "trusted-proxy", "", "comma-separated addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For names the client (e.g. 127.0.0.1 for a TLS terminator on this host)")
	c.smtpPassword = auth.Secret(f.getenv(envSMTPPassword))
}

func (c *config) tls() bool { return c.tlsCert != "" || c.tlsKey != "" }

// validateCommon checks what every subcommand shares.
func (c *config) validateCommon() error {
	if _, err := parseDB(c.db); err != nil {
		return err
	}
	if _, err := parseLevel(c.logLevel); err != nil {
		return err
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return fmt.Errorf("--log-format must be text or json, not %q", c.logFormat)
	}
	return nil
}

// validateServe checks serve's configuration without touching files or
// the network.
func (c *config) validateServe() error {
	if err := c.validateCommon(); err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(c.listen)
	if err != nil || port == "" {
		return fmt.Errorf("--listen %q is not host:port (e.g. 127.0.0.1:8080 or :8443)", c.listen)
	}
	loopback := api.IsLoopbackHost(host)
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together: give both files, or neither for plain HTTP on loopback")
	}
	if !c.tls() && !loopback {
		return fmt.Errorf("refusing plain HTTP on %s, which is not a loopback address: sign-in traffic would cross the network unencrypted; give --tls-cert and --tls-key (or $%s and $%s), or listen on loopback with --listen 127.0.0.1:%s behind a TLS-terminating proxy",
			c.listen, envName("tls-cert"), envName("tls-key"), port)
	}
	if c.dev && !loopback {
		return fmt.Errorf("--dev runs only on a loopback --listen address, not %s", c.listen)
	}
	if err := c.validateKeyringSource(); err != nil {
		return err
	}
	if c.keyringFile == "" && c.keyring == "" && !c.dev {
		return fmt.Errorf("no secrets keyring: set $%s or --keyring-file (make one with `latchkey-portal keygen`); `serve --dev` on loopback can run with an ephemeral one", envKeyring)
	}
	if c.baseURL != "" {
		if _, err := parseBaseURL(c.baseURL); err != nil {
			return err
		}
	} else if !loopback {
		return fmt.Errorf("--base-url is required when listening on %s: links in e-mails are built from it, never from the Host header", c.listen)
	}
	if c.shutdownTimeout <= 0 {
		return fmt.Errorf("--shutdown-timeout must be positive")
	}
	if c.linkTTL <= 0 || c.linkTTL > portal.MaxLinkTTL {
		return fmt.Errorf("--link-ttl must be between 1s and %v, not %v", portal.MaxLinkTTL, c.linkTTL)
	}
	if strings.TrimSpace(c.issuer) == "" {
		return errors.New("--issuer must not be empty")
	}
	if c.platformTenant != "auto" {
		if id, err := strconv.ParseInt(c.platformTenant, 10, 64); err != nil || id <= 0 {
			return fmt.Errorf("--platform-tenant must be a tenant id or auto, not %q", c.platformTenant)
		}
	}
	if _, err := c.proxies(); err != nil {
		return err
	}
	if c.signInPerAddr < 1 || c.factorPerAddr < 1 {
		return errors.New("--sign-in-per-address and --second-factor-per-address must be at least 1")
	}
	if c.sessionIdle < portal.MinSessionIdleTimeout {
		return fmt.Errorf("--session-idle-timeout must be at least %v, not %v", portal.MinSessionIdleTimeout, c.sessionIdle)
	}
	return c.validateMail()
}

// proxies parses --trusted-proxy: addresses (as /32 or /128) or prefixes.
func (c *config) proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(c.trustedProxies, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxy %q is not an address or CIDR prefix", f)
		}
		out = append(out, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
	}
	return out, nil
}

// validateMail checks that e-mail can be delivered one way: SMTP, a mail
// directory, or (with --dev only) the default development directory.
func (c *config) validateMail() error {
	if c.smtpAddr != "" && c.mailDir != "" {
		return errors.New("--smtp-addr and --mail-dir exclude each other: send e-mail, or write it to files")
	}
	if c.smtpPasswordFile != "" && c.smtpPassword != "" {
		return fmt.Errorf("both $%s and --smtp-password-file are set: give one", envSMTPPassword)
	}
	if c.smtpAddr == "" {
		if c.mailDir == "" && !c.dev {
			return errors.New("no way to send e-mail: give --smtp-addr and --smtp-from (verification links, recovery links and 2FA notices depend on it), or --mail-dir DIR to write messages to files")
		}
		return nil
	}
	if c.smtpFrom == "" {
		return errors.New("--smtp-from is required with --smtp-addr")
	}
	m, err := c.smtpMailer()
	if err != nil {
		return err
	}
	return m.Check()
}

// smtpMailer builds the SMTP mailer, reading the password file.
func (c *config) smtpMailer() (*mail.SMTP, error) {
	pw := c.smtpPassword.Reveal()
	if c.smtpPasswordFile != "" {
		b, err := os.ReadFile(c.smtpPasswordFile)
		if err != nil {
			return nil, fmt.Errorf("--smtp-password-file: %w", err)
		}
		pw = strings.TrimRight(string(b), "\r\n")
	}
	return &mail.SMTP{Addr: c.smtpAddr, From: c.smtpFrom, Username: c.smtpUsername, Password: pw, Security: mail.Security(c.smtpSecurity)}, nil
}

// mailer is the configured way to deliver e-mail.
func (c *config) mailer() (mail.Mailer, string, error) {
	if c.smtpAddr != "" {
		m, err := c.smtpMailer()
		if err != nil {
			return nil, "", err
		}
		return m, "smtp " + c.smtpAddr, nil
	}
	dir := c.mailDir
	if dir == "" {
		dir = defaultDevMailDir
	}
	from := c.smtpFrom
	if from == "" {
		from = "latchkey-portal@localhost"
	}
	return &mail.Dir{Path: dir, From: from}, "directory " + dir, nil
}

func (c *config) validateKeyringSource() error {
	if c.keyringFile != "" && c.keyring != "" {
		return fmt.Errorf("both $%s and --keyring-file are set: give one", envKeyring)
	}
	return nil
}

// loadKeyring reads the configured keyring; ok is false when none is set.
func (c *config) loadKeyring() (kr *auth.Keyring, ok bool, err error) {
	if err := c.validateKeyringSource(); err != nil {
		return nil, false, err
	}
	spec := c.keyring.Reveal()
	source := "$" + envKeyring
	if c.keyringFile != "" {
		b, err := os.ReadFile(c.keyringFile)
		if err != nil {
			return nil, false, fmt.Errorf("--keyring-file: %w", err)
		}
		spec, source = string(b), "--keyring-file "+c.keyringFile
	}
	spec = strings.TrimSpace(spec)
	if spec == "" {
		if c.keyringFile != "" {
			return nil, false, fmt.Errorf("--keyring-file %s is empty", c.keyringFile)
		}
		return nil, false, nil
	}
	kr, err = auth.ParseKeyring(spec)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", source, err) // auth's errors never quote the key
	}
	return kr, true, nil
}

// parseBaseURL accepts an absolute https URL (http only for a loopback
// host) without credentials, query or fragment.
func parseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("--base-url %q is not an absolute http(s) URL", s)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("--base-url must not contain credentials, a query or a fragment")
	}
	if u.Scheme == "http" && !api.IsLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("--base-url %q: links must be https:// unless the host is loopback", s)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// dbSpec is a parsed --db.
type dbSpec struct {
	kind string // "sqlite" or "postgres"
	path string // sqlite file
	dsn  string // postgres connection string (may hold a password)
}

func parseDB(s string) (dbSpec, error) {
	switch {
	case strings.HasPrefix(s, "sqlite:"):
		p := strings.TrimPrefix(s, "sqlite:")
		if p == "" || p == ":memory:" {
			return dbSpec{}, errors.New("--db sqlite: needs a file path, e.g. sqlite:./latchkey-portal.db")
		}
		return dbSpec{kind: "sqlite", path: p}, nil
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		return dbSpec{kind: "postgres", dsn: s}, nil
	}
	return dbSpec{}, errors.New("--db must be sqlite:PATH or a postgres:// URL") // never quote it: it may hold a password
}

// String describes the store for logs: the SQLite path through auth.Redact,
// PostgreSQL's host and database only.
func (d dbSpec) String() string {
	if d.kind == "sqlite" {
		return "sqlite " + auth.Redact(d.path)
	}
	u, err := url.Parse(d.dsn)
	if err != nil {
		return "postgres"
	}
	desc := "postgres " + u.Host + u.Path
	if h := u.Query().Get("host"); h != "" {
		desc += " on " + auth.Redact(h)
	}
	return desc
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level must be debug, info, warn or error, not %q", s)
	}
	return l, nil
}

// logger builds the structured logger on w.
func (c *config) logger(w io.Writer) *slog.Logger {
	level, _ := parseLevel(c.logLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// stdLogger adapts the http.Server's error log to slog, redacted (it
// reports what clients sent, e.g. in malformed requests).
func stdLogger(l *slog.Logger) *log.Logger {
	return log.New(logWriter{l}, "", 0)
}

type logWriter struct{ l *slog.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.l.Warn("http server", "err", auth.Redact(strings.TrimSpace(string(p))))
	return len(p), nil
}
