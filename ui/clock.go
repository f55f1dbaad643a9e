package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/app/clock"
	"github.com/latchkey/latchkey/app/companion"
	"github.com/latchkey/latchkey/vault"
)

// clockCheckBudget bounds one check: offline, each source costs a timeout.
const clockCheckBudget = 20 * time.Second

// ClockCheck measures the clock for the vault's settings and period.
type ClockCheck func(ctx context.Context, s vault.Settings, period time.Duration) clock.Result

func realClockCheck(ctx context.Context, s vault.Settings, period time.Duration) clock.Result {
	return clock.Check(ctx, clock.ConfigFromSettings(clock.DefaultConfig(), s), period)
}

// clockView shows the clock check: a banner for warnings and errors, a line
// in the status bar otherwise, and whether codes use corrected time. It
// never delays showing codes: the check runs in the background.
type clockView struct {
	w       *Window
	result  *clock.Result
	running bool
	monitor *clock.Monitor

	banner  *fyne.Container
	message *widget.Label
	steps   *widget.Label
	correct *widget.Button
	status  *widget.Label // in the status bar
}

func newClockView(w *Window) *clockView {
	c := &clockView{w: w}
	c.message = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.message.Wrapping = fyne.TextWrapWord
	c.message.Importance = widget.WarningImportance
	c.steps = widget.NewLabel("")
	c.steps.Wrapping = fyne.TextWrapWord
	c.correct = widget.NewButton("Use corrected time", func() { c.setCorrected(true) })
	again := widget.NewButtonWithIcon("Check again", theme.ViewRefreshIcon(), func() { c.check() })
	c.banner = container.NewVBox(
		container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), nil, c.message),
		c.steps, container.NewHBox(again, c.correct), widget.NewSeparator())
	c.banner.Hide()
	c.status = widget.NewLabel("")
	c.status.Alignment = fyne.TextAlignTrailing
	c.status.Truncation = fyne.TextTruncateEllipsis
	c.monitor = &clock.Monitor{Clock: w.cfg.wallClock(), OnDue: func(clock.Reason, time.Duration) { c.check() }}
	return c
}

// tick runs on the window's ticker: checks at start, every 30 minutes and
// after wall-clock jumps (sleep, manual changes).
func (c *clockView) tick() { c.monitor.Tick() }

func (c *clockView) check() {
	if c.running || c.w.vault == nil {
		return
	}
	c.running = true
	if c.result == nil {
		c.status.SetText("Checking the clock…")
	}
	doc := c.w.vault.Document()
	period := clock.ShortestPeriod(doc.Accounts)
	check := c.w.cfg.clockCheck()
	if c.w.cfg.ClockCheck == nil {
		// Built here, on the UI goroutine: it reads the vault's pins.
		cfg := clockConfig(doc, c.w.companion())
		check = func(ctx context.Context, _ vault.Settings, period time.Duration) clock.Result {
			return clock.Check(ctx, cfg, period)
		}
	}
	var r clock.Result
	c.w.cfg.scheduler().Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), clockCheckBudget)
		defer cancel()
		r = check(ctx, doc.Settings, period)
	}, func() {
		c.running = false
		c.show(r)
	})
}

// show displays a result and ends corrected time once the clock is right.
func (c *clockView) show(r clock.Result) {
	c.result = &r
	if c.w.vault == nil {
		return
	}
	using := c.w.vault.Settings().UseCorrectedTime
	if using && !clock.KeepCorrected(true, r) {
		c.setCorrected(false)
		if c.w.list != nil {
			c.w.list.toast.show("Your clock is right again: corrected time is off")
		}
	}
	c.refresh()
}

func (c *clockView) refresh() {
	r := c.result
	if r == nil {
		return
	}
	_, corrected := c.codeTime(time.Time{})
	switch r.Status {
	case clock.StatusWarn, clock.StatusError:
		c.message.SetText(r.Message)
		c.steps.SetText(strings.Join(r.Steps, "\n"))
		c.correct.Hidden = corrected
		c.banner.Show()
		c.status.SetText("")
	default:
		c.banner.Hide()
		c.status.SetText(shortClockStatus(r))
	}
	if corrected {
		c.status.SetText(fmt.Sprintf("Codes use corrected time: the system clock %s", clock.Describe(r.Offset)))
	}
	// Showing or hiding the banner changes the screen's top: lay it out
	// again, or the banner is drawn over the list.
	if content := c.w.win.Content(); content != nil {
		content.Refresh()
	}
}

// shortClockStatus is the status-bar line for quiet states.
func shortClockStatus(r *clock.Result) string {
	switch r.Status {
	case clock.StatusOK:
		return "Clock OK"
	case clock.StatusUnverified:
		return r.Message
	}
	return r.Message // info: worth knowing, not worth a banner
}

// codeTime is the time codes are made for: the system time, or with
// corrected time on, the system time plus the measured offset.
func (c *clockView) codeTime(system time.Time) (time.Time, bool) {
	if c.result == nil || c.w.vault == nil {
		return system, false
	}
	return clock.Corrected(system, c.result.Measurement, c.w.vault.Settings().UseCorrectedTime)
}

func (c *clockView) setCorrected(on bool) {
	c.w.update(func(d *vault.Document) error {
		d.Settings.UseCorrectedTime = on
		return nil
	}, func() {
		c.refresh()
		if c.w.list != nil {
			c.w.list.tick()
		}
	})
}

// wallClock is the clock the monitor watches for jumps.
func (c Config) wallClock() clock.Clock {
	if c.WallClock != nil {
		return c.WallClock
	}
	return clock.NewSystemClock()
}

// clockConfig is the check's configuration from the vault's settings,
// with the portal of the first account linked to one as the preferred
// source: a portal's clock is the one its codes are judged by, and portals
// run NTP. With several portals the first in the list speaks for all; the
// CLI's `clock --account` asks a given account's own portal.
func clockConfig(doc *vault.Document, comp *companion.Companion) clock.Config {
	base := clock.ConfigFromSettings(clock.DefaultConfig(), doc.Settings)
	if comp == nil {
		return base
	}
	for _, a := range doc.Accounts {
		if !linked(a) {
			continue
		}
		if cfg, err := comp.ClockConfig(base, a); err == nil {
			return cfg
		}
	}
	return base
}

func (c Config) clockCheck() ClockCheck {
	if c.ClockCheck != nil {
		return c.ClockCheck
	}
	return realClockCheck
}
