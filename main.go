// Command latchkey is the Latchkey desktop authenticator: with no arguments
// it starts the desktop app, with a command it is the CLI (see cli/).
package main

import (
	// First: repairs LANG=C before Fyne's init reads it.
	_ "github.com/latchkey/latchkey/internal/locale"

	"context"
	"fmt"
	"os"
	"os/signal"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/app/autostart"
	"github.com/latchkey/latchkey/app/instance"
	"github.com/latchkey/latchkey/cli"
	"github.com/latchkey/latchkey/ui"
	"github.com/latchkey/latchkey/vault"
)

// appID is the reverse-DNS id of FyneApp.toml; Fyne's preferences need it.
const appID = "io.github.latchkey.latchkey"

func main() {
	if len(os.Args) == 2 && os.Args[1] == autostart.Flag {
		exitOn(runGUI("", true))
		return
	}
	if len(os.Args) > 1 {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		env := cli.SystemEnv()
		env.OpenLink = func(_ context.Context, link string) error { return runGUI(link, false) }
		code := cli.Run(ctx, os.Args[1:], env)
		stop()
		os.Exit(code)
	}
	exitOn(runGUI("", false))
}

func exitOn(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "latchkey:", err)
		os.Exit(1)
	}
}

// runGUI runs the desktop app, or hands over to the one already running
// for this vault: it shows its window, and opens link when there is one.
// hidden (a start at login) begins in the tray where there is one.
func runGUI(link string, hidden bool) error {
	home, err := app.Home("", os.Getenv)
	if err != nil {
		return err
	}
	sock := instance.SocketPath(home)
	switch {
	case link != "" && instance.Open(sock, link),
		link == "" && !hidden && instance.Raise(sock),
		hidden && instance.Running(sock):
		return nil
	}
	cfg := ui.Config{Home: home, Keyring: guiKeyring(os.Getenv)}
	if p := os.Getenv("LATCHKEY_PASSPHRASE_FILE"); p != "" {
		cfg.Passphrase = func() (string, error) { return app.ReadPassphraseFile(p) }
	}
	// All our UI work from other goroutines goes through fyne.Do (ui's
	// Scheduler): opting in ends Fyne's check of the calling goroutine on
	// every widget call, which walked the stack and cost more idle CPU than
	// the codes themselves.
	fyneapp.SetMetadata(fyne.AppMetadata{ID: appID, Name: "Latchkey", Migrations: map[string]bool{"fyneDo": true}})
	a := fyneapp.NewWithID(appID)
	w := ui.NewWindow(a, cfg)
	l, err := instance.Listen(sock, func(r instance.Request) {
		fyne.Do(func() {
			if r.Link != "" {
				w.OpenLink(r.Link)
			} else {
				w.Show()
			}
		})
	})
	if err == nil { // without the guard a second launch opens a second window
		defer l.Close()
	}
	installURLHandler(func(link string) { fyne.Do(func() { w.OpenLink(link) }) })
	if link != "" {
		w.OpenLink(link) // after unlocking, when the vault is still locked
	}
	if hidden && w.HasTray() {
		a.Run()
		return nil
	}
	w.Window().ShowAndRun()
	return nil
}

// guiKeyring is the window's keyring: the OS keyring, unless the
// environment switches it off (app.KeyringOff, as the CLI reads it).
func guiKeyring(getenv func(string) string) vault.Keyring {
	if app.KeyringOff(getenv) {
		return vault.NoKeyring{}
	}
	return vault.SystemKeyring{}
}
