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
	"strings"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/app/instance"
	"github.com/latchkey/latchkey/cli"
	"github.com/latchkey/latchkey/ui"
	"github.com/latchkey/latchkey/vault"
)

// appID is the reverse-DNS id of FyneApp.toml; Fyne's preferences need it.
const appID = "io.github.latchkey.latchkey"

func main() {
	if len(os.Args) > 1 {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		code := cli.Run(ctx, os.Args[1:], cli.SystemEnv())
		stop()
		os.Exit(code)
	}
	home, err := app.Home("", os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "latchkey:", err)
		os.Exit(1)
	}
	var kr vault.Keyring = vault.SystemKeyring{}
	if strings.EqualFold(os.Getenv("LATCHKEY_KEYRING"), "off") {
		kr = vault.NoKeyring{}
	}
	cfg := ui.Config{Home: home, Keyring: kr}
	if p := os.Getenv("LATCHKEY_PASSPHRASE_FILE"); p != "" {
		cfg.Passphrase = func() (string, error) { return app.ReadPassphraseFile(p) }
	}
	sock := instance.SocketPath(home)
	if instance.Raise(sock) {
		return // the running app shows its window
	}
	a := fyneapp.NewWithID(appID)
	w := ui.NewWindow(a, cfg)
	if l, err := instance.Listen(sock, func() { fyne.Do(w.Show) }); err == nil {
		defer l.Close()
	} // else: no single-instance guard, which only costs a second window
	w.Window().ShowAndRun()
}
