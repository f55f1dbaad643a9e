package companion

import (
	"fmt"
	"time"

	"github.com/latchkey/latchkey/app/clock"
	"github.com/latchkey/latchkey/vault"
)

// ClockConfig is base with a's portal as its preferred source: the portal's
// clock is the one its codes are checked against (ARCHITECTURE.md, clock
// drift). For an account without a binding it is base. The portal's client
// carries the vault's pin for it, so a self-signed portal the user trusted
// can be asked too.
func (c *Companion) ClockConfig(base clock.Config, a vault.Account) (clock.Config, error) {
	if a.Portal == nil || a.Portal.URL == "" {
		return base, nil
	}
	cl, err := c.Client(a.Portal.URL)
	if err != nil {
		return base, fmt.Errorf("choosing the clock source of %q: %w", a.Label(), err)
	}
	base.Portal = clock.PortalSource{Client: cl}
	return base, nil
}

// ClockSources lists the sources asked for a's clock check, in order: its
// portal first when it has one, then base's NTP servers and HTTPS hosts.
func (c *Companion) ClockSources(base clock.Config, a vault.Account) ([]clock.Source, error) {
	cfg, err := c.ClockConfig(base, a)
	if err != nil {
		return nil, err
	}
	return cfg.Sources(), nil
}

// Period is the TOTP period a's clock verdict scales to.
func Period(a vault.Account) time.Duration {
	return clock.ShortestPeriod([]vault.Account{a})
}
