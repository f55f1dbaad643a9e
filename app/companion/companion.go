package companion

import (
	"errors"
	"fmt"
	gosync "sync"
	"time"

	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/vault"
)

// Vault is what the companion needs of a vault; *vault.Vault is one.
type Vault interface {
	Document() *vault.Document
	Settings() vault.Settings
	Update(fn func(*vault.Document) error) error
}

// Defaults of the queue's schedule.
const (
	DefaultRetryBase = 30 * time.Second
	DefaultRetryMax  = 30 * time.Minute
)

// Options configure a Companion. The zero value is the production setting.
type Options struct {
	// Client is what every portal client starts from (timeouts, attempts,
	// a private CA). Its PinnedCertSHA256 is ignored: each portal's pin
	// comes from the vault's settings.
	Client lksync.Options
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// RetryBase is the wait after a queued request's first failed attempt;
	// it doubles each attempt up to RetryMax.
	RetryBase, RetryMax time.Duration
}

// Companion carries out the portal use-cases over one vault. It is safe for
// concurrent use.
type Companion struct {
	v    Vault
	opts Options

	mu      gosync.Mutex
	clients map[string]*lksync.Client // by URL and pin
}

// New returns a Companion working on v.
func New(v Vault, opts Options) *Companion {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RetryBase <= 0 {
		opts.RetryBase = DefaultRetryBase
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = DefaultRetryMax
	}
	opts.Client.PinnedCertSHA256 = lksync.Fingerprint{}
	return &Companion{v: v, opts: opts, clients: map[string]*lksync.Client{}}
}

func (c *Companion) now() time.Time { return c.opts.Now() }

// Errors about an account's binding; the CLI and UI add what to do.
var (
	// ErrNotLinked: the account has no portal binding.
	ErrNotLinked = errors.New("not linked to a portal")
	// ErrNoEmail: the binding has no e-mail address to name in a request.
	ErrNoEmail = errors.New("no e-mail address for its portal")
	// ErrNoAccount: the account is not in the vault (any more).
	ErrNoAccount = errors.New("no such account")
)

// Client returns the client of the portal at portalURL, with the pin the
// user trusted for its origin, if any. Clients are kept for reuse while
// the URL and the pin stay the same.
func (c *Companion) Client(portalURL string) (*lksync.Client, error) {
	opts := c.opts.Client
	if t, ok := TrustFor(c.v.Settings(), portalURL); ok {
		fp, err := lksync.ParseFingerprint(t.SHA256)
		if err != nil {
			return nil, fmt.Errorf("reading the trusted certificate of %s in the vault: %w", t.Origin, err)
		}
		opts.PinnedCertSHA256 = fp
	}
	key := portalURL + " " + opts.PinnedCertSHA256.String()
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.clients[key]; ok {
		return cl, nil
	}
	cl, err := lksync.New(portalURL, opts)
	if err != nil {
		return nil, err
	}
	c.clients[key] = cl
	return cl, nil
}

// Close releases the idle connections of every client.
func (c *Companion) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, cl := range c.clients {
		cl.CloseIdleConnections()
		delete(c.clients, k)
	}
}

// account returns a copy of the account with id.
func (c *Companion) account(id string) (vault.Account, error) {
	d := c.v.Document()
	a, ok := d.Account(id)
	if !ok {
		return vault.Account{}, fmt.Errorf("account %s: %w", id, ErrNoAccount)
	}
	return *a, nil
}

// binding returns a's portal binding, or an error saying it has none.
func binding(a vault.Account) (*vault.Portal, error) {
	if a.Portal == nil || a.Portal.URL == "" {
		return nil, fmt.Errorf("%q is %w", a.Label(), ErrNotLinked)
	}
	return a.Portal, nil
}
