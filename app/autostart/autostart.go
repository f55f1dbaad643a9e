// Package autostart starts Latchkey at login, minimised to the tray, when
// the user opts in: an XDG autostart entry on Linux and the BSDs, a
// LaunchAgent on macOS, the HKCU Run key on Windows. Turning it off
// removes exactly what turning it on added, and nothing else. On Windows it
// also registers Latchkey as the otpauth: link handler for the user.
package autostart

import (
	"fmt"
	"os"
	"strings"
)

// Flag is the argument the login item passes: start hidden in the tray.
const Flag = "--autostart"

// Name identifies Latchkey's login items.
const Name = "io.github.latchkey.latchkey"

// Location is where one login item lives, for messages and tests.
type Location struct {
	Path string // a file, or a registry key and value on Windows
}

// Enable adds the login item for the executable at exe.
func Enable(exe string) error {
	if err := enable(exe); err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	return nil
}

// Disable removes the login item; removing one that is not there is no
// error.
func Disable() error {
	if err := disable(); err != nil {
		return fmt.Errorf("stop starting at login: %w", err)
	}
	return nil
}

// Enabled reports whether the login item exists.
func Enabled() bool { return enabled() }

// Executable is the path login items should run.
func Executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find Latchkey's executable: %w", err)
	}
	return exe, nil
}

// desktopEntry is the XDG autostart file for exe.
func desktopEntry(exe string) string {
	return strings.Join([]string{
		"[Desktop Entry]",
		"Type=Application",
		"Name=Latchkey",
		"Comment=Two-factor codes, started at login in the tray",
		"Exec=" + quoteExec(exe) + " " + Flag,
		"Icon=" + Name,
		"Terminal=false",
		"X-GNOME-Autostart-enabled=true",
		"",
	}, "\n")
}

// quoteExec quotes a path for a desktop entry's Exec key when it needs it.
func quoteExec(s string) string {
	if !strings.ContainsAny(s, " \t\"'\\$`") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", "$", `\$`)
	return `"` + r.Replace(s) + `"`
}

// launchAgent is the macOS LaunchAgent property list for exe.
func launchAgent(exe string) string {
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>` + Name + `</string>
	<key>ProgramArguments</key>
	<array>
		<string>` + esc.Replace(exe) + `</string>
		<string>` + Flag + `</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
</dict>
</plist>
`
}
