package ui

import (
	"context"
	"time"

	"github.com/latchkey/latchkey/app/companion"
	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/ui/admin"
	"github.com/latchkey/latchkey/ui/kit"
	"github.com/latchkey/latchkey/vault"
)

// portalState is the window's side of the team portals: one companion for
// the open vault, and the recovery dialogs and admin consoles open now, so
// a lock ends them all (they show phrases, codes and a signed-in session).
type portalState struct {
	// client is what every portal client starts from; tests shorten the
	// timeouts and retries.
	client lksync.Options
	v      *vault.Vault
	comp   *companion.Companion
	// open are the close functions of the open recovery dialogs and admin
	// consoles, keyed by the view itself.
	open map[any]func()
	// consoles are the open admin consoles by account id, so a second
	// "Admin console…" brings the open one forward.
	consoles map[string]*admin.Console
	// queue is the planned send of queued recovery requests (its cancel
	// function); flushing is set while a send runs, and waiters get its
	// outcome: one send at a time, so no request reaches the admins twice.
	queue    func()
	flushing bool
	waiters  []func([]companion.Flushed, error)
}

// companion is the portal use-cases over the open vault; nil when locked.
func (w *Window) companion() *companion.Companion {
	if w.vault == nil {
		return nil
	}
	p := &w.portal
	if p.comp == nil || p.v != w.vault {
		if p.comp != nil {
			p.comp.Close()
		}
		p.comp = companion.New(w.vault, companion.Options{Client: p.client, Now: w.now})
		p.v = w.vault
	}
	return p.comp
}

// track registers an open portal view to be closed by closePortal;
// the returned function unregisters it.
func (w *Window) track(key any, closeFn func()) (untrack func()) {
	if w.portal.open == nil {
		w.portal.open = map[any]func(){}
	}
	w.portal.open[key] = closeFn
	return func() { delete(w.portal.open, key) }
}

// startPortal runs the portal side of an unlocked vault: recovery
// requests queued while the portal could not be reached are sent as they
// fall due, dialog or not.
func (w *Window) startPortal() { w.planQueue() }

// planQueue plans the next send of the queued recovery requests, if any.
func (w *Window) planQueue() {
	if w.portal.queue != nil {
		w.portal.queue()
		w.portal.queue = nil
	}
	comp := w.companion()
	if comp == nil {
		return
	}
	next, ok := comp.NextAttempt()
	if !ok {
		return
	}
	wait := max(next.Sub(w.now()), time.Second)
	w.portal.queue = w.cfg.scheduler().After(wait, func() {
		w.portal.queue = nil
		w.flushRecovery(companion.FlushOptions{}, nil)
	})
}

// flushRecovery sends the queued recovery requests opts selects, off the
// UI goroutine, then tells done (may be nil) and the open recovery
// dialogs. A send already running is joined rather than doubled.
func (w *Window) flushRecovery(opts companion.FlushOptions, done func([]companion.Flushed, error)) {
	comp := w.companion()
	if comp == nil {
		return
	}
	if done != nil {
		w.portal.waiters = append(w.portal.waiters, done)
	}
	if w.portal.flushing {
		return
	}
	w.portal.flushing = true
	v := w.vault
	var res []companion.Flushed
	var err error
	w.cfg.scheduler().Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), kit.PortalBudget)
		defer cancel()
		res, err = comp.Flush(ctx, opts)
	}, func() {
		w.portal.flushing = false
		waiters := w.portal.waiters
		w.portal.waiters = nil
		if w.vault != v {
			return // locked meanwhile: the results belong to no view
		}
		if w.list != nil {
			w.list.reload()
		}
		dialogOpen := map[string]bool{}
		for key := range w.portal.open {
			if d, ok := key.(*recoveryDialog); ok {
				dialogOpen[d.id] = true
			}
		}
		for _, f := range res {
			if f.Err == nil && !dialogOpen[f.Account.ID] && w.list != nil {
				w.list.toast.show("Recovery request for " + f.Account.Label() + " sent: \"Ask admin for recovery link…\" shows the phrase")
			}
		}
		for _, wait := range waiters {
			wait(res, err)
		}
		w.planQueue()
	})
}

// closePortal ends every portal view and the companion: the vault is being
// locked or the window closed.
func (w *Window) closePortal() {
	if w.portal.queue != nil {
		w.portal.queue()
		w.portal.queue = nil
	}
	w.portal.waiters = nil
	open := w.portal.open
	w.portal.open = nil
	for _, closeFn := range open {
		closeFn()
	}
	if w.portal.comp != nil {
		w.portal.comp.Close()
	}
	w.portal.comp, w.portal.v = nil, nil
}

// linked reports whether a has a portal binding.
func linked(a vault.Account) bool { return a.Portal != nil && a.Portal.URL != "" }
