package portal

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/auth"
)

// healthTimeout bounds the store check of GET /healthz.
const healthTimeout = 2 * time.Second

// getTime serves GET /v1/time: the portal's clock, for drift checks. The
// Date header is set from the same instant.
func (h *Handler) getTime(w http.ResponseWriter, _ *http.Request) {
	now := h.now()
	w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
	writeJSON(w, http.StatusOK, api.NewTimeResponse(now))
}

// getHealth serves GET /healthz: 200 when the store answers, else 503.
func (h *Handler) getHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	v, err := h.opts.Store.SchemaVersion(ctx)
	if err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "health check: store unreachable",
			slog.String("id", RequestID(r.Context())), slog.String("err", auth.Redact(err.Error())))
		writeError(w, http.StatusServiceUnavailable, api.CodeUnavailable, "the portal cannot reach its store")
		return
	}
	writeJSON(w, http.StatusOK, api.HealthResponse{Status: "ok", SchemaVersion: v})
}
