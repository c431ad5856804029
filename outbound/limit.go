package outbound

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a rate limit on placing calls: at most Rate new calls a second
// (with bursts of Burst) and at most Concurrent calls up at once. Seed 003's
// default per bot number is 1 call/s and 3 concurrent (DefaultLimit). A zero
// Rate or Concurrent means no limit of that kind.
type Limit struct {
	Rate       float64
	Burst      int
	Concurrent int
}

// DefaultLimit is the dial-out default of seed 003: 1 call a second, 3
// concurrent calls.
var DefaultLimit = Limit{Rate: 1, Burst: 1, Concurrent: 3}

// String renders the limit as "1/s, 3 concurrent".
func (l Limit) String() string {
	r, c := "unlimited", "unlimited"
	if l.Rate > 0 {
		r = fmt.Sprintf("%g/s", l.Rate)
	}
	if l.Concurrent > 0 {
		c = fmt.Sprint(l.Concurrent)
	}
	return r + ", " + c + " concurrent"
}

// ErrLimited is returned by Limiter.Acquire when its context ends first.
var ErrLimited = errors.New("rate limit")

// Limiter enforces one Limit: a token bucket (golang.org/x/time/rate) for
// the call rate and a counter for the calls up. A slot taken is held until
// its release func is called (the call ended); the rate token is spent when
// the slot is taken. It is safe for concurrent use.
type Limiter struct {
	limit  Limit
	bucket *rate.Limiter // nil without a rate limit

	mu     sync.Mutex
	active int
	// paced is when the last Pace call let its call go.
	paced time.Time
	// freed is closed and replaced whenever a slot is released, waking
	// the Acquire calls waiting for one.
	freed chan struct{}
}

// NewLimiter returns a Limiter for l.
func NewLimiter(l Limit) *Limiter {
	lim := &Limiter{limit: l, freed: make(chan struct{})}
	if l.Rate > 0 {
		lim.bucket = rate.NewLimiter(rate.Limit(l.Rate), max(l.Burst, 1))
	}
	return lim
}

// Limit returns the limit enforced.
func (l *Limiter) Limit() Limit {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}

// SetLimit changes the limit in force (a reload), keeping the slots held.
func (l *Limiter) SetLimit(n Limit) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n == l.limit {
		return
	}
	l.limit = n
	switch {
	case n.Rate <= 0:
		l.bucket = nil
	case l.bucket == nil:
		l.bucket = rate.NewLimiter(rate.Limit(n.Rate), max(n.Burst, 1))
	default:
		l.bucket.SetLimit(rate.Limit(n.Rate))
		l.bucket.SetBurst(max(n.Burst, 1))
	}
	close(l.freed) // waiters look again
	l.freed = make(chan struct{})
}

// Active returns the number of slots held now.
func (l *Limiter) Active() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.active
}

// TryAcquire takes a slot now if both limits allow it, returning its
// release func (idempotent). Otherwise ok is false and retryAfter says
// when to try again: the time to the next rate token, or 1 s while the
// concurrent calls are all up (a caller's Retry-After).
func (l *Limiter) TryAcquire() (release func(), retryAfter time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limit.Concurrent > 0 && l.active >= l.limit.Concurrent {
		return nil, time.Second, false
	}
	if l.bucket != nil {
		r := l.bucket.Reserve()
		if d := r.Delay(); d > 0 {
			r.Cancel()
			return nil, d, false
		}
	}
	l.active++
	return l.releaser(), 0, true
}

// Acquire waits until both limits allow a call, or ctx ends (the error
// then wraps ErrLimited and ctx's error). Calls waiting are served in no
// particular order.
func (l *Limiter) Acquire(ctx context.Context) (release func(), err error) {
	for {
		l.mu.Lock()
		if l.limit.Concurrent > 0 && l.active >= l.limit.Concurrent {
			freed := l.freed
			l.mu.Unlock()
			select {
			case <-freed:
				continue
			case <-ctx.Done():
				return nil, fmt.Errorf("%w: %w", ErrLimited, ctx.Err())
			}
		}
		var delay time.Duration
		var r *rate.Reservation
		if l.bucket != nil {
			r = l.bucket.Reserve()
			delay = r.Delay()
		}
		if delay <= 0 {
			l.active++
			l.mu.Unlock()
			return l.releaser(), nil
		}
		// Give the token back and wait for it: another caller may take
		// the concurrent slot meanwhile, so check both again after.
		r.Cancel()
		l.mu.Unlock()
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w: %w", ErrLimited, ctx.Err())
		}
	}
}

// Pace waits, just before a call is placed, until 1/Rate has passed
// since the last call Pace let go, so that the calls leave at the rate
// even when the time between taking a slot and placing its call varies
// (a record written to disk first): the far end sees the INVITEs spaced,
// not just the requests. Without a rate, or with a burst over 1, it
// returns at once. It returns ctx's error if ctx ends first.
func (l *Limiter) Pace(ctx context.Context) error {
	for {
		l.mu.Lock()
		if l.limit.Rate <= 0 || l.limit.Burst > 1 {
			l.mu.Unlock()
			return nil
		}
		gap := time.Duration(float64(time.Second) / l.limit.Rate)
		wait := time.Until(l.paced.Add(gap))
		if wait <= 0 {
			l.paced = time.Now()
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// PacedAt notes that a call was placed at t, if t is later than the last
// call Pace let go: a restarted process gives the time of the last call
// it finds recorded, so that its first call still waits out the rate.
func (l *Limiter) PacedAt(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.After(l.paced) {
		l.paced = t
	}
}

// releaser returns the release func of one slot.
func (l *Limiter) releaser() func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			l.active--
			close(l.freed)
			l.freed = make(chan struct{})
			l.mu.Unlock()
		})
	}
}

// Limiters is a set of Limiters by key (a bot, a number, a trunk), made on
// first use. It is safe for concurrent use.
type Limiters struct {
	mu sync.Mutex
	m  map[string]*Limiter
}

// Get returns key's Limiter, making it with l the first time; a later
// call with a different l changes its limit (a configuration reload) and
// keeps the slots held.
func (ls *Limiters) Get(key string, l Limit) *Limiter {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.m == nil {
		ls.m = map[string]*Limiter{}
	}
	if lim, ok := ls.m[key]; ok {
		lim.SetLimit(l)
		return lim
	}
	lim := NewLimiter(l)
	ls.m[key] = lim
	return lim
}
