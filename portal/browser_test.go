package portal

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/latchkey/latchkey/portal/store"
)

// chromium finds a Chromium or Chrome binary, or "".
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// The real pages in headless Chromium: a user whose tenant requires 2FA
// signs in through the form, confirms their e-mail address from the link
// in another tab, enrols from the QR code page (the test reads the secret
// off the page and computes the TOTP code), sees the backup codes, says
// they saved them and lands on the account page. No page runs script; the
// session lives in an HttpOnly, SameSite=Strict cookie.
func TestBrowserForcedEnrolment(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("no chromium, chromium-browser or google-chrome on PATH")
	}
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	defer srv.Close()
	base, _ := url.Parse(srv.URL + "/")
	e := newSigninEnv(t, store.TenantPolicy{Require2FA: true}, func(o *Options) { o.BaseURL = base })
	h = e.h
	u := e.user("grace@example.com", noFactor, unverified, unknownAddr)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	ctx, cancel := context.WithTimeout(browser, 20*time.Second)
	defer cancel()

	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	var heading string
	run("sign in",
		chromedp.Navigate(srv.URL+pathSignIn),
		chromedp.SendKeys("#email", u.Email, chromedp.ByID),
		chromedp.SendKeys("#password", testPassword, chromedp.ByID),
		chromedp.Click("#sign-in", chromedp.ByID),
		chromedp.WaitVisible("#continue", chromedp.ByID),
		chromedp.Text("h1", &heading, chromedp.ByQuery),
	)
	if heading != "Confirm your e-mail address" {
		t.Fatalf("after the password: %q", heading)
	}

	// The e-mailed link, opened in another tab.
	path, token := e.link(u.Email, "confirm your e-mail")
	tab, cancelTab := chromedp.NewContext(ctx)
	var confirmed string
	if err := chromedp.Run(tab,
		chromedp.Navigate(srv.URL+path+"?token="+token),
		chromedp.Click("#confirm", chromedp.ByID),
		chromedp.WaitVisible("p.message", chromedp.ByQuery),
		chromedp.Text("p.message", &confirmed, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("confirm the link: %v", err)
	}
	cancelTab()
	if !strings.Contains(confirmed, "confirmed") {
		t.Fatalf("link page says %q", confirmed)
	}

	var secret, qrSrc, uri string
	var ok bool
	run("continue to enrolment",
		chromedp.Click("#continue", chromedp.ByID),
		chromedp.WaitVisible("#begin", chromedp.ByID),
		chromedp.Click("#begin", chromedp.ByID),
		chromedp.WaitVisible("#secret", chromedp.ByID),
		chromedp.Text("#secret", &secret, chromedp.ByID),
		chromedp.Text("#otpauth-uri", &uri, chromedp.ByID),
		chromedp.AttributeValue("#qr", "src", &qrSrc, &ok, chromedp.ByID),
	)
	secret = strings.ReplaceAll(strings.TrimSpace(secret), " ", "")
	e.keep(secret, uri)
	if got := decodeQR(t, qrSrc); got != strings.TrimSpace(uri) || !strings.Contains(got, "secret="+secret) {
		t.Errorf("the QR code holds %d characters, not the shown URI", len(got))
	}

	shoot(t, ctx, "portal-enrol")
	var codes, name string
	run("confirm the authenticator",
		chromedp.SendKeys("#code", e.code(secret), chromedp.ByID),
		chromedp.Click("#confirm", chromedp.ByID),
		chromedp.WaitVisible("#backup-codes", chromedp.ByID),
		chromedp.Text("#backup-codes", &codes, chromedp.ByID),
	)
	if n := len(strings.Fields(codes)); n != 10 {
		t.Fatalf("%d backup codes shown", n)
	}
	e.keep(strings.Fields(codes)...)
	shoot(t, ctx, "portal-backup-codes")
	run("saved",
		chromedp.Click("#saved", chromedp.ByID),
		chromedp.WaitVisible("#account", chromedp.ByID),
		chromedp.Text("#name", &name, chromedp.ByID),
	)
	if name != u.Name {
		t.Errorf("account page names %q", name)
	}
	// The landing page came from a full session.
	var loc string
	run("where", chromedp.Location(&loc))
	if loc != srv.URL+pathAccount {
		t.Errorf("landed on %s", loc)
	}
	e.checkLogs()
}

// decodeQR reads the QR code of a PNG data: URL.
func decodeQR(t *testing.T, src string) string {
	t.Helper()
	b64, ok := strings.CutPrefix(src, "data:image/png;base64,")
	if !ok {
		t.Fatalf("QR src is not a PNG data URL (%d characters)", len(src))
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	// TRY_HARDER, as Latchkey's own scanner (app/qrscan) decodes: without
	// it gozxing misses a finder pattern in some of these images.
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("the QR code does not decode: %v", err)
	}
	return res.GetText()
}

// shoot saves a PNG of the page as DIR/name.png when LATCHKEY_SCREENSHOTS
// names a directory: how the pages are looked at by a person (the docs'
// screenshots come from here). It holds test secrets only.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("LATCHKEY_SCREENSHOTS")
	if dir == "" {
		return
	}
	var png []byte
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(900, 1000), chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
