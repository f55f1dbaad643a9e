package autostart

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestDesktopEntryAndLaunchAgent(t *testing.T) {
	d := desktopEntry("/opt/My Apps/latchkey")
	if !strings.Contains(d, `Exec="/opt/My Apps/latchkey" --autostart`) || !strings.HasPrefix(d, "[Desktop Entry]\n") {
		t.Errorf("desktop entry:\n%s", d)
	}
	p := launchAgent("/Applications/Latchkey & Co.app/Contents/MacOS/latchkey")
	if !strings.Contains(p, "<string>/Applications/Latchkey &amp; Co.app/Contents/MacOS/latchkey</string>") ||
		!strings.Contains(p, "<string>--autostart</string>") || !strings.Contains(p, "<key>RunAtLoad</key>") {
		t.Errorf("launch agent:\n%s", p)
	}
}

func TestEnableDisableRemovesExactlyWhatItAdded(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "freebsd" {
		t.Skip("XDG autostart")
	}
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	other := filepath.Join(cfg, "autostart", "someone-else.desktop")
	os.MkdirAll(filepath.Dir(other), 0o755)
	os.WriteFile(other, []byte("[Desktop Entry]\n"), 0o644)

	if Enabled() {
		t.Fatal("enabled before enabling")
	}
	if err := Enable("/usr/bin/latchkey"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(Where().Path)
	if !Enabled() || err != nil || !strings.Contains(string(b), "Exec=/usr/bin/latchkey --autostart") {
		t.Fatalf("after enable: %v %q", err, b)
	}
	if err := Disable(); err != nil || Enabled() {
		t.Fatalf("after disable: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Error("disable removed another app's login item")
	}
	if err := Disable(); err != nil {
		t.Errorf("second disable: %v", err)
	}
}
