package portal

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"

	"github.com/latchkey/latchkey/portal/auth"
)

// The browser pages: server-rendered html/template, no JavaScript at all.
// web/templates/layout.html is the frame; every other file there is one
// page that defines "title" and "content".
//
//go:embed web/templates/*.html web/static/portal.css
var webFS embed.FS

// pageCSP allows the portal's own stylesheet, images inlined as data: URLs
// (the enrolment QR code), and forms posting back to the portal; no script.
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// parsePages parses each page together with the layout.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(webFS, "web/templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New("layout.html").ParseFS(webFS, "web/templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("portal: page %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// pageData is what every page template gets: the portal's name, and the
// page's own data as .Data.
type pageData struct {
	Issuer string
	Data   any
}

// page renders the page name with data. Rendering goes to a buffer first,
// so a template error becomes a clean 500 rather than half a page.
func (h *Handler) page(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t, ok := h.tmpl[name]
	if !ok {
		h.pageFailed(w, r, fmt.Errorf("no page %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, pageData{Issuer: h.opts.Issuer, Data: data}); err != nil {
		h.pageFailed(w, r, err)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", pageCSP)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// messagePage shows one titled message (errors, confirmations).
type messagePage struct {
	Title   string
	Message string
	// Link, when set, is a follow-up link with its label.
	Link, LinkLabel string
}

// pageMessage renders the generic message page.
func (h *Handler) pageMessage(w http.ResponseWriter, r *http.Request, status int, m messagePage) {
	h.page(w, r, status, "message", m)
}

func (h *Handler) pageFailed(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	h.log.LogAttrs(ctx, slog.LevelError, "page render failed",
		slog.String("id", RequestID(ctx)), slog.String("err", auth.Redact(err.Error())))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = fmt.Fprintf(w, "internal error; quote request %s to the portal's administrator\n", RequestID(ctx))
}

// getStylesheet serves the pages' one stylesheet.
func (h *Handler) getStylesheet(w http.ResponseWriter, _ *http.Request) {
	css, _ := webFS.ReadFile("web/static/portal.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(css)
}

// pageRoutes are the pages' shared assets; each area registers its own
// pages (endpoint.page) next to its API.
func (h *Handler) pageRoutes() []endpoint {
	return []endpoint{
		{method: http.MethodGet, path: "/static/portal.css", handler: h.getStylesheet, page: true},
	}
}
