package events

import (
	"testing"
	"time"
)

func TestBusFansOut(t *testing.T) {
	var b Bus
	a, c := b.Subscribe(4), b.Subscribe(4)
	defer a.Close()
	b.Publish(Event{Name: "Newchannel", Class: "call", Fields: []Field{{"Channel", "SIP/1001-00000001"}}})
	for _, s := range []*Subscription{a, c} {
		e := <-s.C()
		if e.Name != "Newchannel" || e.Get("Channel") != "SIP/1001-00000001" || e.Time.IsZero() {
			t.Fatalf("got %+v", e)
		}
	}
	c.Close()
	c.Close() // idempotent
	if _, ok := <-c.C(); ok {
		t.Fatal("closed subscription still delivers")
	}
	if n := b.Subscribers(); n != 1 {
		t.Fatalf("subscribers = %d, want 1", n)
	}
}

// TestSlowSubscriberDrops: a subscriber that does not read loses the
// events beyond its buffer, counted, and the publisher never waits.
func TestSlowSubscriberDrops(t *testing.T) {
	var b Bus
	slow, fast := b.Subscribe(2), b.Subscribe(10)
	defer slow.Close()
	defer fast.Close()
	done := make(chan struct{})
	go func() {
		for i := 0; i < 5; i++ {
			b.Publish(Event{Name: "DTMFEnd"})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Publish blocked on a full subscriber")
	}
	if got := slow.Dropped(); got != 3 {
		t.Fatalf("slow dropped %d, want 3", got)
	}
	if got := fast.Dropped(); got != 0 || len(fast.C()) != 5 {
		t.Fatalf("fast dropped %d, pending %d; want 0 and 5", got, len(fast.C()))
	}
	if b.Published() != 5 {
		t.Fatalf("published %d", b.Published())
	}
}

func TestEventWith(t *testing.T) {
	e := Event{Name: "Hangup", Fields: []Field{{"Channel", "x"}}}
	f := e.With(Field{"Cause", "16"})
	if len(e.Fields) != 1 || f.Get("Cause") != "16" || f.Get("Channel") != "x" || f.Get("Nope") != "" {
		t.Fatalf("e %+v f %+v", e, f)
	}
}
