package main

import (
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/app/qrscan"
	"github.com/latchkey/latchkey/vault"
)

// TestSmokeRealWindow starts the real binary on an X display with a
// prepared vault, opens "Show QR code" through the real menus as a user
// would (xdotool), captures the screen and decodes the QR code it shows:
// proof that the window renders the vault's account. `make test` runs it
// under xvfb-run and dbus-run-session with LATCHKEY_TEST_SMOKE=1.
//
// The clicks use the layout of the default 460×640 window (HOME is a fresh
// directory, so no remembered size): a layout change moves them, and the
// test then fails with the screenshots it took.
func TestSmokeRealWindow(t *testing.T) {
	if os.Getenv("LATCHKEY_TEST_SMOKE") != "1" {
		t.Skip("set LATCHKEY_TEST_SMOKE=1 on an X display with xdotool (see the Makefile)")
	}
	// Not t.TempDir: the screenshots must outlive a failure.
	tmp, err := os.MkdirTemp("", "latchkey-smoke-")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if !t.Failed() {
			os.RemoveAll(tmp)
		}
	}()
	bin := filepath.Join(tmp, "latchkey")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	var v *vault.Vault
	acc := vault.Account{Issuer: "Smoke", Name: "test", Type: vault.TOTP, Secret: "JBSWY3DPEHPK3PXP",
		Algorithm: vault.SHA1, Digits: 6, Period: 30}
	home := filepath.Join(tmp, "vault")
	v, err = vault.Create(home, vault.CreateOptions{Options: vault.Options{WorkFactor: 10}, Passphrase: "smoke test passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Update(func(d *vault.Document) error { d.Accounts = []vault.Account{acc}; return nil }); err != nil {
		t.Fatal(err)
	}
	pass := filepath.Join(tmp, "pass")
	os.WriteFile(pass, []byte("smoke test passphrase\n"), 0o600)

	app := exec.Command(bin)
	app.Env = append(os.Environ(), "HOME="+filepath.Join(tmp, "home"), "LATCHKEY_HOME="+home,
		"LATCHKEY_PASSPHRASE_FILE="+pass, "LATCHKEY_KEYRING=off", "XDG_CONFIG_HOME="+filepath.Join(tmp, "config"))
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { app.Process.Kill(); app.Wait() }()

	waitForWindow(t)
	shots := 0
	step := func(what string, x, y int) {
		t.Helper()
		time.Sleep(1500 * time.Millisecond)
		if out, err := exec.Command("xdotool", "mousemove", itoa(x), itoa(y), "click", "1").CombinedOutput(); err != nil {
			t.Fatalf("%s: xdotool: %v %s", what, err, out)
		}
		shots++
		saveScreen(t, filepath.Join(tmp, itoa(shots)+"-"+what+".png"))
	}
	step("row-menu", 437, 116)
	step("show-qr", 390, 447)
	step("confirm", 263, 385)
	time.Sleep(1500 * time.Millisecond)

	imgs, err := qrscan.CaptureScreens(context.Background())
	if err != nil || len(imgs) == 0 {
		t.Fatalf("capture: %v", err)
	}
	found, err := qrscan.Decode(context.Background(), imgs[0])
	want := otpauth.Format(v.Accounts()[0])
	if err != nil || len(found) != 1 || found[0].Text != want {
		saveScreen(t, filepath.Join(tmp, "final.png"))
		t.Fatalf("the window shows %v (err %v), want the QR of %q; screenshots in %s", found, err, "Smoke: test", tmp)
	}
}

func waitForWindow(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		out, _ := exec.Command("xdotool", "search", "--name", "^Latchkey$").Output()
		if strings.TrimSpace(string(out)) != "" {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("no Latchkey window within 60 s")
}

func saveScreen(t *testing.T, path string) {
	imgs, err := qrscan.CaptureScreens(context.Background())
	if err != nil || len(imgs) == 0 {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	png.Encode(f, imgs[0])
}

var itoa = strconv.Itoa
