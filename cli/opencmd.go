package cli

import (
	"context"
	"errors"

	"github.com/latchkey/latchkey/app/companion"
	"github.com/latchkey/latchkey/app/otpauth"
)

// openHelp is the help of 'latchkey open' after its summary.
const openHelp = "This is what the system runs when a link on a portal's setup page is\n" +
	"clicked. The running Latchkey (or a new one) shows what the link would add\n" +
	"and asks first: a web page can never add or replace an account by itself.\n" +
	"Without a URI (a menu launch through the same desktop entry) it starts or\n" +
	"raises the app.\n" +
	"A latchkey://link?portal=URL&email=E[&issuer=I] link (a portal's page\n" +
	"offers it) prints which account it would link to which portal, and links\n" +
	"it once confirmed on the terminal or with --yes; without a terminal (a\n" +
	"click in a browser) the desktop app shows it and asks."

func runOpen(ctx context.Context, r *runner, args []string) error {
	fs := r.flags("open")
	yes := fs.Bool("yes", false, "latchkey://link: link without asking")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 1 && companion.IsLink(rest[0]) {
		// Clicked in a browser there is no terminal to confirm on: the
		// desktop app shows the link and asks instead.
		if !*yes && r.env.Terminal == nil && r.env.OpenLink != nil {
			if _, err := companion.ParseLink(rest[0]); err != nil {
				return err
			}
			return r.env.OpenLink(ctx, rest[0])
		}
		return runOpenLatchkeyLink(r, rest[0], *yes)
	}
	link := ""
	switch {
	case len(rest) > 1 || len(rest) == 1 && !otpauth.IsLink(rest[0]):
		return usagef("open takes one otpauth://, otpauth-migration:// or latchkey:// link, or none")
	case len(rest) == 1:
		link = rest[0]
	}
	if r.env.OpenLink == nil {
		return errors.New("open needs the desktop app, which this build does not have")
	}
	// The desktop entry runs "latchkey open %u"; launched from a menu the
	// %u is dropped, and the app should simply start.
	return r.env.OpenLink(ctx, link)
}
