package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/latchkey/latchkey/portal"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
)

// http.Server limits: slow clients cannot hold connections for long, and
// headers are bounded (bodies are bounded by the handler).
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 32 << 10
)

func serve(ctx context.Context, args []string, e env) error {
	var c config
	f := newFlags("serve", e)
	c.serveFlags(f)
	if err := f.parse(args); err != nil {
		return usageErr(err)
	}
	if err := c.validateServe(); err != nil {
		return usageErr(err)
	}
	log := c.logger(e.stderr)

	kr, ok, err := c.loadKeyring()
	if err != nil {
		return usageErr(err)
	}
	if !ok { // validateServe allowed this only with --dev on loopback
		entry, err := auth.GenerateKey("dev")
		if err != nil {
			return err
		}
		if kr, err = auth.ParseKeyring(entry); err != nil {
			return err
		}
		log.Warn("dev mode: using an ephemeral secrets keyring; TOTP secrets enrolled now cannot be read after a restart. Configure one with latchkey-portal keygen for anything that must last")
	}

	var tlsConfig *tls.Config
	if c.tls() {
		cert, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey)
		if err != nil {
			return usageErr(fmt.Errorf("--tls-cert/--tls-key: %v", err))
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}

	spec, _ := parseDB(c.db)
	st, version, err := openStore(ctx, spec)
	if err != nil {
		return err
	}
	defer st.Close()
	log.Info("store ready", "store", spec.String(), "schema_version", version)

	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.listen, err)
	}
	addr := ln.Addr().String()
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	base := &url.URL{Scheme: scheme, Host: addr}
	if c.baseURL != "" {
		base, _ = parseBaseURL(c.baseURL)
	}

	mailer, mailDesc, err := c.mailer()
	if err != nil {
		_ = ln.Close()
		return usageErr(err)
	}
	if c.smtpAddr == "" {
		log.Warn("e-mail is written to files, not sent: every message holds a live link or code, so keep the directory private", "mail", mailDesc)
	}
	platform, err := c.platformTenantID(ctx, st)
	if err != nil {
		_ = ln.Close()
		return err
	}
	proxies, _ := c.proxies() // validated above
	h, err := portal.New(portal.Options{
		TrustedProxies:         proxies,
		SignInPerAddress:       c.signInPerAddr,
		SecondFactorPerAddress: c.factorPerAddr,
		Store:                  st,
		Keyring:                kr,
		Logger:                 log,
		BaseURL:                base,
		HSTS:                   tlsConfig != nil,
		Mailer:                 mailer,
		Issuer:                 c.issuer,
		PlatformTenantID:       platform,
		LinkTTL:                c.linkTTL,
		SessionIdleTimeout:     c.sessionIdle,
	})
	if err != nil {
		_ = ln.Close()
		return err
	}
	srv := &http.Server{
		Handler:           h,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          stdLogger(log),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if tlsConfig == nil {
		log.Warn("serving plain HTTP without TLS: acceptable only on loopback, for development or behind a TLS-terminating proxy on this host", "addr", addr)
	}
	log.Info("listening", "addr", addr, "tls", tlsConfig != nil, "base_url", base.String(), "keys", kr.IDs(), "mail", mailDesc, "platform_tenant", platform)

	go maintain(ctx, h, log)

	served := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			served <- srv.ServeTLS(ln, "", "")
		} else {
			served <- srv.Serve(ln)
		}
	}()

	select {
	case err := <-served: // the listener failed
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", c.shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), c.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		log.Warn("requests still running at the shutdown timeout were cut off", slog.String("err", err.Error()))
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	log.Info("stopped")
	return nil
}

// platformTenantID resolves --platform-tenant: an explicit id must exist;
// auto is the first top-level tenant (the one `admin create` made), or 0
// before the install is bootstrapped (forwarded requests then wait).
func (c *config) platformTenantID(ctx context.Context, st store.Store) (int64, error) {
	if c.platformTenant != "auto" {
		id, _ := strconv.ParseInt(c.platformTenant, 10, 64)
		if _, err := st.GetTenant(ctx, id); err != nil {
			return 0, fmt.Errorf("--platform-tenant %d: %w", id, err)
		}
		return id, nil
	}
	tenants, err := st.ListTenants(ctx)
	if err != nil {
		return 0, fmt.Errorf("finding the platform tenant: %w", err)
	}
	var first int64
	for _, t := range tenants {
		if t.ParentID == 0 && (first == 0 || t.ID < first) {
			first = t.ID
		}
	}
	return first, nil
}

// maintain runs the portal's housekeeping until ctx ends.
func maintain(ctx context.Context, h *portal.Handler, log *slog.Logger) {
	t := time.NewTicker(portal.MaintenanceInterval)
	defer t.Stop()
	for {
		if err := h.Maintain(ctx); err != nil && ctx.Err() == nil {
			log.Warn("maintenance failed; retrying at the next interval", slog.String("err", auth.Redact(err.Error())))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
