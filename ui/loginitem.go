package ui

import (
	"github.com/latchkey/latchkey/app/autostart"
)

// LoginItems starts Latchkey at login and, where the app does it itself
// (Windows), registers it for otpauth links. Tests use a fake.
type LoginItems interface {
	Enabled() bool
	SetEnabled(on bool) error
	// Links is false where the package or bundle declares the handler.
	Links() bool
	LinksRegistered() bool
	SetLinks(on bool) error
}

type systemLoginItems struct{}

func (systemLoginItems) Enabled() bool { return autostart.Enabled() }

func (systemLoginItems) SetEnabled(on bool) error {
	if !on {
		return autostart.Disable()
	}
	exe, err := autostart.Executable()
	if err != nil {
		return err
	}
	return autostart.Enable(exe)
}

func (systemLoginItems) Links() bool           { return autostart.LinkHandler() }
func (systemLoginItems) LinksRegistered() bool { return autostart.LinksRegistered() }

func (systemLoginItems) SetLinks(on bool) error {
	if !on {
		return autostart.UnregisterLinks()
	}
	exe, err := autostart.Executable()
	if err != nil {
		return err
	}
	return autostart.RegisterLinks(exe)
}

func (c Config) loginItems() LoginItems {
	if c.LoginItems == nil {
		return systemLoginItems{}
	}
	return c.LoginItems
}
