package cli

import (
	"context"
	"errors"
	"strings"
)

func init() {
	register(&command{
		name: "open", args: "[URI]",
		summary: "open an otpauth:// or otpauth-migration:// link in the desktop app\n\n" +
			"This is what the system runs when a link on a portal's setup page is\n" +
			"clicked. The running Latchkey (or a new one) shows what the link would add\n" +
			"and asks first: a web page can never add or replace an account by itself.\n" +
			"Without a URI (a menu launch through the same desktop entry) it starts or\n" +
			"raises the app.",
		run: runOpen,
	})
}

func runOpen(ctx context.Context, r *runner, args []string) error {
	rest, err := parse(r.flags("open"), args)
	if err != nil {
		return err
	}
	link := ""
	switch {
	case len(rest) > 1 || len(rest) == 1 && !isLink(rest[0]):
		return usagef("open takes one otpauth:// or otpauth-migration:// link, or none")
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

func isLink(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "otpauth://") || strings.HasPrefix(l, "otpauth-migration://")
}
