package cli

import (
	"context"
	"errors"
	"strings"
)

func init() {
	register(&command{
		name: "open", args: "URI",
		summary: "open an otpauth:// or otpauth-migration:// link in the desktop app\n\n" +
			"This is what the system runs when a link on a portal's setup page is\n" +
			"clicked. The running Latchkey (or a new one) shows what the link would add\n" +
			"and asks first: a web page can never add or replace an account by itself.",
		run: runOpen,
	})
}

func runOpen(ctx context.Context, r *runner, args []string) error {
	rest, err := parse(r.flags("open"), args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || !isLink(rest[0]) {
		return usagef("open needs one otpauth:// or otpauth-migration:// link")
	}
	if r.env.OpenLink == nil {
		return errors.New("open needs the desktop app, which this build does not have")
	}
	return r.env.OpenLink(ctx, rest[0])
}

func isLink(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "otpauth://") || strings.HasPrefix(l, "otpauth-migration://")
}
