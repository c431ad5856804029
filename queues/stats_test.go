package queues

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// Stats follows app_queue's numbers: a caller waiting is an entry with
// its wait; an answered call counts as completed (within the service
// level when answered in time) with its hold and talk time averaged in;
// a caller who hangs up unanswered counts as abandoned.
func TestStats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, "[q]\nstrategy=ringall\nservicelevel=20\nweight=3\nwrapuptime=5\nmaxlen=4\ntimeout=30\nmember => SIP/A\n", nil)
		if _, err := r.m.Stats("nope"); !errors.Is(err, ErrNoSuchQueue) {
			t.Fatalf("Stats of a missing queue: %v", err)
		}
		r.dialer.set("SIP/A", behaviour{answers: true, answer: 8 * time.Second, talk: 40 * time.Second, by: PartyAgent})
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = r.m.Join(t.Context(), newCaller("c1"), JoinOptions{Queue: "q", Prio: 2})
		}()
		time.Sleep(3 * time.Second)
		synctest.Wait()
		s, err := r.m.Stats("q")
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Entries) != 1 || s.Entries[0].UniqueID != "c1" || s.Entries[0].Position != 1 || s.Entries[0].Wait != 3*time.Second ||
			s.Entries[0].Priority != 2 || s.LongestHoldTime() != 3 {
			t.Fatalf("waiting: %+v", s.Entries)
		}
		if s.Strategy != "ringall" || s.Max != 4 || s.Weight != 3 || s.ServiceLevel != 20*time.Second || s.WrapupTime != 5*time.Second {
			t.Fatalf("parameters %+v", s)
		}
		<-done
		// The second caller hangs up after 2 s, unanswered (the member
		// rests in its wrapup time).
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		_, _ = r.m.Join(ctx, newCaller("c2"), JoinOptions{Queue: "q"})
		s, _ = r.m.Stats("q")
		if len(s.Entries) != 0 || s.Completed != 1 || s.CompletedInSL != 1 || s.Abandoned != 1 || s.AbandonedInSL != 1 ||
			s.HoldTime != 2 || s.TalkTime != 40 {
			t.Fatalf("after two calls: %+v", s)
		}
		if s.ServiceLevelPerf() != 100 || s.ServiceLevelPerf2() != 100 {
			t.Errorf("SL %.1f SL2 %.1f", s.ServiceLevelPerf(), s.ServiceLevelPerf2())
		}
	})
}

// ServicelevelPerf is 0 with no calls, as app_queue prints it.
func TestStatsNoCalls(t *testing.T) {
	var s Stats
	if s.ServiceLevelPerf() != 0 || s.ServiceLevelPerf2() != 0 || s.LongestHoldTime() != 0 {
		t.Fatal("no calls, not zero")
	}
	s = Stats{Completed: 3, CompletedInSL: 2, Abandoned: 1}
	if got := s.ServiceLevelPerf(); got < 66.6 || got > 66.7 {
		t.Errorf("SL %v", got)
	}
	if got := s.ServiceLevelPerf2(); got != 50 {
		t.Errorf("SL2 %v", got)
	}
}
