package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/auth/ratelimit"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newBucket(t testing.TB, every time.Duration, burst, maxKeys int, c *clock) *ratelimit.Bucket {
	t.Helper()
	b, err := ratelimit.NewBucket(ratelimit.BucketOptions{Every: every, Burst: burst, MaxKeys: maxKeys, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBucket(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
	b := newBucket(t, 10*time.Second, 3, 0, c)
	steps := []struct {
		advance time.Duration
		key     string
		ok      bool
		retry   time.Duration
	}{
		{0, "ann", true, 0},
		{0, "ann", true, 0},
		{0, "ann", true, 0},
		{0, "ann", false, 10 * time.Second},
		{0, "bob", true, 0}, // keys are independent
		{4 * time.Second, "ann", false, 6 * time.Second},
		{6 * time.Second, "ann", true, 0}, // one earned back
		{0, "ann", false, 10 * time.Second},
		{time.Hour, "ann", true, 0}, // refilled to Burst, not beyond
		{0, "ann", true, 0},
		{0, "ann", true, 0},
		{0, "ann", false, 10 * time.Second},
	}
	for i, s := range steps {
		c.Advance(s.advance)
		ok, retry := b.Allow(s.key)
		if ok != s.ok || retry != s.retry {
			t.Fatalf("step %d (%s): Allow = %v, %v; want %v, %v", i, s.key, ok, retry, s.ok, s.retry)
		}
	}
	b.Reset("ann")
	if ok, _ := b.Allow("ann"); !ok {
		t.Error("Reset did not forget the key")
	}
	if _, err := ratelimit.NewBucket(ratelimit.BucketOptions{Every: 0, Burst: 1}); err == nil {
		t.Error("Every 0 accepted")
	}
}

func TestBucketMemoryBound(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	b := newBucket(t, time.Second, 2, 100, c)
	for i := 0; i < 10_000; i++ {
		b.Allow(fmt.Sprintf("addr-%d", i))
		if b.Len() > 100 {
			t.Fatalf("%d keys held, bound 100", b.Len())
		}
	}
	// Idle keys (buckets refilled) are dropped as new keys arrive.
	c.Advance(time.Minute)
	for i := 0; i < 10; i++ {
		b.Allow(fmt.Sprintf("new-%d", i))
	}
	if b.Len() > 50 {
		t.Errorf("%d keys held after they all went idle", b.Len())
	}
	// A key under penalty survives as long as it is in use.
	b2 := newBucket(t, time.Hour, 1, 10, c)
	b2.Allow("attacker")
	for i := 0; i < 5; i++ {
		b2.Allow(fmt.Sprintf("other-%d", i))
		if ok, _ := b2.Allow("attacker"); ok {
			t.Fatal("penalty forgotten while under the key bound")
		}
	}
}

func TestBucketConcurrent(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	b := newBucket(t, time.Hour, 50, 1000, c)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if ok, _ := b.Allow(fmt.Sprintf("k%d", i%4)); ok {
					allowed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := allowed.Load(); n != 4*50 {
		t.Fatalf("%d allowed across 4 keys of burst 50, want 200", n)
	}
}

// counter is an in-memory stand-in for the store's HitRateLimit.
type counter struct {
	mu   sync.Mutex
	now  func() time.Time
	hits map[string]int64
	err  error
}

func (c *counter) HitRateLimit(_ context.Context, key string, window time.Duration) (int64, error) {
	if c.err != nil {
		return 0, c.err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := fmt.Sprintf("%s@%d", key, c.now().UnixNano()/int64(window))
	c.hits[k]++
	return c.hits[k], nil
}

func TestWindow(t *testing.T) {
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	cnt := &counter{now: clk.Now, hits: map[string]int64{}}
	w := ratelimit.Window{Counter: cnt, Limit: 5, Window: time.Minute}
	ctx := context.Background()
	key := ratelimit.Key("signin-totp", "42")
	for i := 1; i <= 7; i++ {
		ok, retry, err := w.Allow(ctx, key)
		if err != nil || ok != (i <= 5) || (!ok && retry != time.Minute) {
			t.Fatalf("hit %d: %v, %v, %v", i, ok, retry, err)
		}
	}
	clk.Advance(time.Minute)
	if ok, _, _ := w.Allow(ctx, key); !ok {
		t.Error("a new window did not reset the count")
	}
	cnt.err = errors.New("database is down")
	if ok, _, err := w.Allow(ctx, key); ok || err == nil {
		t.Error("a store error did not fail closed")
	}
}

func TestKey(t *testing.T) {
	k := ratelimit.Key("recovery-account", "ann@example.com")
	if !strings.HasPrefix(k, "recovery-account:") || strings.Contains(k, "ann") || len(k) != len("recovery-account:")+22 {
		t.Errorf("Key = %q", k)
	}
	if k == ratelimit.Key("recovery-ip", "ann@example.com") || k != ratelimit.Key("recovery-account", "ann@example.com") {
		t.Error("keys do not separate scopes or are not stable")
	}
}

func BenchmarkBucketAllow(b *testing.B) {
	bk, _ := ratelimit.NewBucket(ratelimit.BucketOptions{Every: time.Millisecond, Burst: 10})
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprintf("203.0.113.%d", i)
	}
	i := 0
	for b.Loop() {
		bk.Allow(keys[i&1023])
		i++
	}
}

func BenchmarkBucketAllowParallel(b *testing.B) {
	bk, _ := ratelimit.NewBucket(ratelimit.BucketOptions{Every: time.Millisecond, Burst: 10})
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			bk.Allow(fmt.Sprintf("k%d", i&255))
			i++
		}
	})
}
