//go:build !windows

package autostart

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// itemPath is the login item's file: a LaunchAgent on macOS, an XDG
// autostart entry elsewhere.
func itemPath() (string, error) {
	if runtime.GOOS == "darwin" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "Library", "LaunchAgents", Name+".plist"), nil
	}
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "autostart", Name+".desktop"), nil
}

func itemContent(exe string) string {
	if runtime.GOOS == "darwin" {
		return launchAgent(exe)
	}
	return desktopEntry(exe)
}

func enable(exe string) error {
	p, err := itemPath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(itemContent(exe)), 0o644)
}

func disable() error {
	p, err := itemPath()
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func enabled() bool {
	p, err := itemPath()
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil
}

// Where is the login item's file.
func Where() Location {
	p, _ := itemPath()
	return Location{Path: p}
}

// LinkHandler reports whether Latchkey can register itself as the
// otpauth: handler from the app; elsewhere the package or bundle declares it.
func LinkHandler() bool { return false }

// RegisterLinks is Windows-only; elsewhere the .desktop file or the app
// bundle declares the handler.
func RegisterLinks(string) error { return errors.ErrUnsupported }

// UnregisterLinks is Windows-only.
func UnregisterLinks() error { return errors.ErrUnsupported }

// LinksRegistered is Windows-only.
func LinksRegistered() bool { return false }
