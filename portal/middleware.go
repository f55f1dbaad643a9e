package portal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
)

type ctxKey int

const requestIDKey ctxKey = iota

// RequestID returns the id the middleware gave the request ("" outside it).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// middleware wraps next in the layers every request goes through (see the
// package doc), outermost first.
func (h *Handler) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		if ip, ok := clientAddress(r, h.opts.TrustedProxies); ok {
			ctx = context.WithValue(ctx, clientAddrKey, ip)
		}
		r = r.WithContext(ctx)
		hdr := w.Header()
		hdr.Set("X-Request-Id", id)
		hdr.Set("Date", h.now().UTC().Format(http.TimeFormat))
		hdr.Set("Referrer-Policy", "no-referrer")
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("X-Frame-Options", "DENY")
		hdr.Set("Cache-Control", "no-store")
		// Whenever the portal is served over https, also behind a
		// TLS-terminating proxy (an https base URL, r.TLS nil): browsers
		// then never try it over plain http again (RFC 6797), and ignore
		// the header on a plain-http answer anyway.
		if h.secureCookies(r) {
			hdr.Set("Strict-Transport-Security", "max-age=63072000")
		}
		rec := &recorder{ResponseWriter: w}
		defer h.accessLog(r, rec, start)
		defer h.recoverPanic(rec, r)

		if r.ContentLength > h.opts.MaxBodyBytes {
			writeError(rec, http.StatusRequestEntityTooLarge, api.CodeTooLarge,
				fmt.Sprintf("the request body is larger than %d bytes", h.opts.MaxBodyBytes))
			return
		}
		r.Body = http.MaxBytesReader(rec, r.Body, h.opts.MaxBodyBytes)
		next.ServeHTTP(rec, r)
	})
}

// recoverPanic turns a handler's panic into a 500 that tells the client
// nothing but the request id; the log gets the redacted panic and stack.
// http.ErrAbortHandler keeps its meaning (abort silently). If the handler
// had already started its answer, the connection is aborted instead, so
// the client cannot take a truncated answer for a complete one.
func (h *Handler) recoverPanic(rec *recorder, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	h.log.LogAttrs(r.Context(), slog.LevelError, "panic",
		slog.String("id", RequestID(r.Context())),
		slog.String("panic", auth.Redact(fmt.Sprint(v))),
		slog.String("stack", auth.Redact(string(debug.Stack()))))
	if rec.wrote {
		panic(http.ErrAbortHandler)
	}
	writeError(rec, http.StatusInternalServerError, api.CodeInternal,
		"internal error; quote request "+RequestID(r.Context())+" to the portal's administrator")
}

// accessLog writes one line per request. Path and query go through
// auth.Redact: they may carry a token.
func (h *Handler) accessLog(r *http.Request, rec *recorder, start time.Time) {
	level := slog.LevelInfo
	if rec.status >= 500 {
		level = slog.LevelError
	}
	ctx := r.Context()
	if !h.log.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("id", RequestID(ctx)),
		slog.String("method", clip(r.Method, 16)),
		slog.String("path", auth.Redact(clip(r.URL.EscapedPath(), 256))),
	}
	if r.URL.RawQuery != "" {
		attrs = append(attrs, slog.String("query", auth.Redact(clip(r.URL.RawQuery, 256))))
	}
	if r.Pattern != "" {
		attrs = append(attrs, slog.String("route", r.Pattern))
	}
	status := rec.status
	if status == 0 {
		status = http.StatusOK // nothing written: net/http sends 200
	}
	host, _ := sourceAddress(r)
	attrs = append(attrs,
		slog.Int("status", status),
		slog.Int64("bytes", rec.bytes),
		slog.String("duration", strconv.FormatFloat(float64(time.Since(start).Microseconds())/1000, 'f', 3, 64)+"ms"),
		slog.String("remote", host))
	h.log.LogAttrs(ctx, level, "request", attrs...)
}

// recorder remembers the status and size of the answer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote && code >= 200 {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wrote {
		r.WriteHeader(http.StatusOK)
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
