//go:build windows

package autostart

import (
	"errors"

	"golang.org/x/sys/windows/registry"
)

const (
	runKey   = `Software\Microsoft\Windows\CurrentVersion\Run`
	runValue = "Latchkey"
	classes  = `Software\Classes\`
)

// schemes are the link schemes Latchkey opens.
var schemes = []string{"otpauth", "otpauth-migration", "latchkey"}

func command(exe string, args ...string) string {
	s := `"` + exe + `"`
	for _, a := range args {
		s += " " + a
	}
	return s
}

func enable(exe string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	return k.SetStringValue(runValue, command(exe, Flag))
}

func disable() error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer k.Close()
	if err := k.DeleteValue(runValue); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	return nil
}

func enabled() bool {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	defer k.Close()
	_, _, err = k.GetStringValue(runValue)
	return err == nil
}

// Where is the login item's registry value.
func Where() Location { return Location{Path: `HKCU\` + runKey + `\` + runValue} }

// LinkHandler reports that Latchkey registers the otpauth: handler itself.
func LinkHandler() bool { return true }

// RegisterLinks makes Latchkey the user's handler of otpauth: and
// otpauth-migration: links, and of latchkey: links (portal linking),
// under HKCU\Software\Classes (no admin rights).
func RegisterLinks(exe string) error {
	for _, s := range schemes {
		if err := registerScheme(s, exe); err != nil {
			return err
		}
	}
	return nil
}

func registerScheme(scheme, exe string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, classes+scheme, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	if err := k.SetStringValue("", "URL:"+scheme+" (Latchkey)"); err != nil {
		return err
	}
	if err := k.SetStringValue("URL Protocol", ""); err != nil {
		return err
	}
	cmd, _, err := registry.CreateKey(registry.CURRENT_USER, classes+scheme+`\shell\open\command`, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer cmd.Close()
	return cmd.SetStringValue("", command(exe, "open", `"%1"`))
}

// UnregisterLinks removes exactly the keys RegisterLinks created.
func UnregisterLinks() error {
	for _, s := range schemes {
		for _, sub := range []string{`\shell\open\command`, `\shell\open`, `\shell`, ""} {
			err := registry.DeleteKey(registry.CURRENT_USER, classes+s+sub)
			if err != nil && !errors.Is(err, registry.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

// LinksRegistered reports whether the otpauth: handler is Latchkey's.
func LinksRegistered() bool {
	k, err := registry.OpenKey(registry.CURRENT_USER, classes+`otpauth\shell\open\command`, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	defer k.Close()
	_, _, err = k.GetStringValue("")
	return err == nil
}
