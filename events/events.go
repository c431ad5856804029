package events

import (
	"sync"
	"sync/atomic"
	"time"
)

// Field is one header of an event, as AMI writes it (Key: Value).
type Field struct{ Key, Value string }

// Event is one thing that happened, named as Asterisk's manager names it
// ("Newchannel", "Hangup"), with its fields in the order AMI prints them.
type Event struct {
	// Name is the event's name (AMI's Event: header).
	Name string
	// Class is the manager.conf read class the event belongs to ("call",
	// "dtmf", "agent", "user", "system", "reporting"); a user without it
	// does not receive the event.
	Class string
	// Time is when the event happened.
	Time time.Time
	// Fields are the event's headers in order.
	Fields []Field
}

// Get returns the value of the first field named key ("" when absent).
func (e Event) Get(key string) string {
	for _, f := range e.Fields {
		if f.Key == key {
			return f.Value
		}
	}
	return ""
}

// With returns e with fields appended (e itself is not changed).
func (e Event) With(fields ...Field) Event {
	out := make([]Field, 0, len(e.Fields)+len(fields))
	e.Fields = append(append(out, e.Fields...), fields...)
	return e
}

// DefaultBuffer is the events a subscriber may have pending before new
// ones are dropped for it.
const DefaultBuffer = 1024

// Bus fans events out to its subscribers. The zero value is ready.
type Bus struct {
	mu   sync.RWMutex
	subs map[*Subscription]struct{}
	// published counts every event published.
	published atomic.Uint64
}

// Subscription is one subscriber's view of a Bus.
type Subscription struct {
	bus     *Bus
	c       chan Event
	dropped atomic.Uint64
	once    sync.Once
}

// Subscribe adds a subscriber with room for buffer pending events
// (DefaultBuffer when buffer <= 0).
func (b *Bus) Subscribe(buffer int) *Subscription {
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	s := &Subscription{bus: b, c: make(chan Event, buffer)}
	b.mu.Lock()
	if b.subs == nil {
		b.subs = map[*Subscription]struct{}{}
	}
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Publish hands e to every subscriber without blocking: a subscriber
// whose buffer is full loses e, and its Dropped count grows. A zero Time
// is set to now.
func (b *Bus) Publish(e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	b.published.Add(1)
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.subs {
		select {
		case s.c <- e:
		default:
			s.dropped.Add(1)
		}
	}
}

// Published returns how many events were published.
func (b *Bus) Published() uint64 { return b.published.Load() }

// Subscribers returns how many subscriptions are open.
func (b *Bus) Subscribers() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.subs)
}

// C returns the channel the subscriber's events arrive on; it is closed
// by Close.
func (s *Subscription) C() <-chan Event { return s.c }

// Dropped returns how many events did not fit in the buffer.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Close ends the subscription and closes C; it is idempotent.
func (s *Subscription) Close() {
	s.once.Do(func() {
		s.bus.mu.Lock()
		delete(s.bus.subs, s)
		s.bus.mu.Unlock()
		close(s.c)
	})
}
