package outbound

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestLimiterRateAndConcurrency: with seed 003's default, 10 callers
// holding their call for 5 s each are started 1 a second and never more
// than 3 at once.
func TestLimiterRateAndConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(DefaultLimit)
		start := time.Now()
		var mu sync.Mutex
		var starts []time.Duration
		maxActive := 0
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				release, err := l.Acquire(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				starts = append(starts, time.Since(start))
				maxActive = max(maxActive, l.Active())
				mu.Unlock()
				time.Sleep(5 * time.Second)
				release()
				release() // idempotent
			})
		}
		wg.Wait()
		if maxActive != 3 {
			t.Errorf("max concurrent calls %d, want 3", maxActive)
		}
		for i := 1; i < len(starts); i++ {
			if gap := starts[i] - starts[i-1]; gap < time.Second-time.Millisecond {
				t.Errorf("call %d started %v after the one before, want ≥ 1 s", i, gap)
			}
		}
		if l.Active() != 0 {
			t.Errorf("active %d after all released", l.Active())
		}
	})
}

// TestLimiterTryAcquire: the second call in the same second is refused
// with the time to the next token; a fourth concurrent call is refused
// with 1 s.
func TestLimiterTryAcquire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(DefaultLimit)
		r1, _, ok := l.TryAcquire()
		if !ok {
			t.Fatal("first call refused")
		}
		if _, after, ok := l.TryAcquire(); ok || after <= 0 || after > time.Second {
			t.Fatalf("second call in the same second: ok=%v retryAfter=%v", ok, after)
		}
		time.Sleep(time.Second)
		r2, _, _ := l.TryAcquire()
		time.Sleep(time.Second)
		r3, _, ok := l.TryAcquire()
		if !ok {
			t.Fatal("third call refused")
		}
		time.Sleep(time.Second)
		if _, after, ok := l.TryAcquire(); ok || after != time.Second {
			t.Fatalf("fourth concurrent call: ok=%v retryAfter=%v, want refused with 1s", ok, after)
		}
		r1()
		if rel, _, ok := l.TryAcquire(); !ok {
			t.Fatal("refused after a slot was freed")
		} else {
			rel()
		}
		r2()
		r3()
	})
}

// TestLimiterAcquireContext: a waiter gives up when its context ends.
func TestLimiterAcquireContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(Limit{Concurrent: 1})
		rel, err := l.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer rel()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if _, err := l.Acquire(ctx); !errors.Is(err, ErrLimited) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Acquire = %v, want ErrLimited and DeadlineExceeded", err)
		}
	})
}

// TestLimitersReload: a new limit for a key keeps the slots held.
func TestLimitersReload(t *testing.T) {
	var ls Limiters
	a := ls.Get("bot", Limit{Concurrent: 2})
	r, _, _ := a.TryAcquire()
	defer r()
	b := ls.Get("bot", Limit{Concurrent: 1})
	if a != b {
		t.Fatal("reload made a new limiter")
	}
	if _, _, ok := b.TryAcquire(); ok {
		t.Fatal("limit 1 with one slot held let a second call through")
	}
	if got := b.Limit().String(); got != "unlimited, 1 concurrent" {
		t.Errorf("String = %q", got)
	}
}

// TestLimiterPace: calls whose slots were taken 1 s apart but which were
// delayed differently before dialling (700 ms, then none) still leave
// 1 s apart.
func TestLimiterPace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(DefaultLimit)
		start := time.Now()
		var mu sync.Mutex
		var dialled []time.Duration
		var wg sync.WaitGroup
		for i, delay := range []time.Duration{700 * time.Millisecond, 0, 0} {
			wg.Go(func() {
				time.Sleep(time.Duration(i) * time.Second)
				rel, err := l.Acquire(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				defer rel()
				time.Sleep(delay)
				if err := l.Pace(context.Background()); err != nil {
					t.Error(err)
				}
				mu.Lock()
				dialled = append(dialled, time.Since(start))
				mu.Unlock()
			})
		}
		wg.Wait()
		want := []time.Duration{700 * time.Millisecond, 1700 * time.Millisecond, 2700 * time.Millisecond}
		for i := range want {
			if dialled[i] != want[i] {
				t.Errorf("call %d dialled at %v, want %v (all: %v)", i, dialled[i], want[i], dialled)
			}
		}
	})
}

// TestLimiterPacedAt: a call recorded 400 ms ago (a restart) makes the
// first Pace wait the 600 ms left.
func TestLimiterPacedAt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(DefaultLimit)
		l.PacedAt(time.Now().Add(-400 * time.Millisecond))
		l.PacedAt(time.Now().Add(-time.Hour)) // older: ignored
		start := time.Now()
		if err := l.Pace(context.Background()); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited != 600*time.Millisecond {
			t.Errorf("Pace waited %v, want 600ms", waited)
		}
	})
}
