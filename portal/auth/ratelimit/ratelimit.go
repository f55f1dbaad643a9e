// Package ratelimit limits attempts per key (an account, a source address,
// a link token's hash): a token bucket in memory for one portal node, and a
// fixed-window limiter over a shared counter for several nodes.
//
// # One node: Bucket
//
// Bucket keeps one token bucket per key: Burst attempts at once, refilled at
// one per Every. Memory is bounded: a key whose bucket has refilled to full
// carries no information and is dropped (lazily, from the least recently
// used end), and past MaxKeys the least recently used key is evicted even if
// not full. Eviction forgets a penalty, so MaxKeys should exceed the keys an
// attacker can make active within one refill time (100,000 keys take about
// 15 MB). The clock is injectable; a Bucket is safe for concurrent use.
//
// # Several nodes: Window
//
// Behind a load balancer each node's Bucket sees only part of the traffic,
// so an attacker gets one allowance per node. Limits that protect a secret
// from guessing must count in the shared store: Window counts hits in fixed
// windows through a Counter, which portal/store implements with one atomic
// upsert (HitRateLimit). Which limits must be shared:
//
//   - second-factor attempts per account (TOTP, backup code, recovery code,
//     e-mailed code): 6-digit TOTP with ±1 step has 3 valid codes in 10⁶;
//   - password attempts per account (credential stuffing spreads across
//     nodes just as well as across addresses);
//   - recovery requests and e-mailed codes per account (mail flooding);
//   - redemption attempts per recovery link and per source address.
//
// Per-address limits on cheap endpoints may stay per node (a Bucket): the
// effective limit is then N times the configured one for N nodes, which is
// acceptable where the aim is load shedding, not secrecy.
//
// A fixed window allows up to twice the limit across a window boundary;
// Window's limits are set with that in mind (or use a window half as long).
//
// Keys must not carry raw e-mail addresses or tokens into the store: build
// them with Key, which hashes the subject.
package ratelimit

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math"
	"sync"
	"time"
)

// Key builds a store-safe key from a scope ("signin-totp", "recovery-ip")
// and a subject (an account id, an e-mail address, an IP address): the
// scope in clear for operators, the subject as a truncated SHA-256, so the
// counter table holds no e-mail address or token.
func Key(scope, subject string) string {
	h := sha256.Sum256([]byte(scope + "\x00" + subject))
	return scope + ":" + base64.RawURLEncoding.EncodeToString(h[:16])
}

// BucketOptions configure a Bucket.
type BucketOptions struct {
	// Every is the time to earn one attempt back.
	Every time.Duration
	// Burst is the attempts allowed at once (and the bucket's size).
	Burst int
	// MaxKeys bounds the keys held; zero: 100,000.
	MaxKeys int
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// Bucket is a per-key token-bucket limiter held in memory.
type Bucket struct {
	every   time.Duration
	burst   float64
	maxKeys int
	now     func() time.Time

	mu   sync.Mutex
	keys map[string]*list.Element // of *bucketEntry
	lru  *list.List               // front: most recently used
}

type bucketEntry struct {
	key    string
	tokens float64
	at     time.Time // when tokens was last computed
}

// NewBucket returns a Bucket; Every and Burst must be positive.
func NewBucket(o BucketOptions) (*Bucket, error) {
	if o.Every <= 0 || o.Burst <= 0 {
		return nil, fmt.Errorf("ratelimit: Every and Burst must be positive")
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = 100_000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Bucket{
		every: o.Every, burst: float64(o.Burst), maxKeys: o.MaxKeys, now: o.Now,
		keys: make(map[string]*list.Element), lru: list.New(),
	}, nil
}

// Allow takes one attempt from key's bucket. When none is left it reports
// false and how long until one is: the Retry-After of a 429 answer.
func (b *Bucket) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.entry(key, now)
	if e.tokens >= 1 {
		e.tokens--
		return true, 0
	}
	wait := time.Duration((1 - e.tokens) * float64(b.every))
	return false, max(wait, time.Nanosecond)
}

// Reset forgets key (after a successful sign-in, say).
func (b *Bucket) Reset(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if el, ok := b.keys[key]; ok {
		b.lru.Remove(el)
		delete(b.keys, key)
	}
}

// Len is the number of keys held.
func (b *Bucket) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.keys)
}

// entry returns key's refilled entry, moved to the front; b.mu is held.
func (b *Bucket) entry(key string, now time.Time) *bucketEntry {
	if el, ok := b.keys[key]; ok {
		e := el.Value.(*bucketEntry)
		b.refill(e, now)
		b.lru.MoveToFront(el)
		return e
	}
	b.sweep(now)
	if len(b.keys) >= b.maxKeys {
		oldest := b.lru.Back()
		b.lru.Remove(oldest)
		delete(b.keys, oldest.Value.(*bucketEntry).key)
	}
	e := &bucketEntry{key: key, tokens: b.burst, at: now}
	b.keys[key] = b.lru.PushFront(e)
	return e
}

func (b *Bucket) refill(e *bucketEntry, now time.Time) {
	if d := now.Sub(e.at); d > 0 {
		e.tokens = math.Min(b.burst, e.tokens+float64(d)/float64(b.every))
		e.at = now
	}
}

// sweep drops, from the least recently used end, the keys whose buckets have
// refilled (they would behave exactly as new keys). It stops at the first
// key still short of tokens; the work is amortised over the insertions.
func (b *Bucket) sweep(now time.Time) {
	for n := 0; n < 64; n++ {
		el := b.lru.Back()
		if el == nil {
			return
		}
		e := el.Value.(*bucketEntry)
		b.refill(e, now)
		if e.tokens < b.burst {
			return
		}
		b.lru.Remove(el)
		delete(b.keys, e.key)
	}
}

// Counter is what Window needs from the shared store: increment the
// counter of key in the current fixed window of the given length and return
// the count so far in that window, atomically (one INSERT … ON CONFLICT DO
// UPDATE … RETURNING). portal/store's Store has this method.
type Counter interface {
	HitRateLimit(ctx context.Context, key string, window time.Duration) (int64, error)
}

// Window limits hits per key to Limit per fixed Window, counted in a
// Counter shared by every portal node.
type Window struct {
	Counter Counter
	Limit   int64
	Window  time.Duration
}

// Allow counts one hit and reports whether it is within the limit. When it
// is not, retryAfter is an upper bound (the window length). On a store error
// it fails closed (false) and returns the error, so that a broken store
// never lifts the limits on guessing secrets.
func (w Window) Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error) {
	n, err := w.Counter.HitRateLimit(ctx, key, w.Window)
	if err != nil {
		return false, w.Window, fmt.Errorf("rate limit counter: %w", err)
	}
	if n > w.Limit {
		return false, w.Window, nil
	}
	return true, 0, nil
}
