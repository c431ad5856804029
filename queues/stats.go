package queues

import (
	"fmt"
	"time"
)

// Stats is one queue's parameters, statistics and waiting callers now, as
// app_queue's manager QueueStatus (QueueParams, QueueEntry) and
// QueueSummary report them.
type Stats struct {
	Name, Strategy string
	// Max is maxlen (0 no limit); Weight the queue's weight.
	Max, Weight int
	// ServiceLevel is the SL target; WrapupTime the members' rest.
	ServiceLevel, WrapupTime time.Duration
	// HoldTime and TalkTime are app_queue's running averages in seconds
	// (recalc_holdtime, update_queue: (old*3 + new) / 4).
	HoldTime, TalkTime int
	// Completed counts answered calls that ended, Abandoned callers who
	// left unanswered (hung up or timed out, record_abandoned); the InSL
	// counts are those within ServiceLevel.
	Completed, Abandoned, CompletedInSL, AbandonedInSL int
	// Entries are the waiting callers, position 1 first.
	Entries []EntryStatus
}

// EntryStatus is a waiting caller.
type EntryStatus struct {
	CallerInfo
	Position int
	// Wait is how long the caller has been in the queue.
	Wait time.Duration
	// Priority is QUEUE_PRIO's.
	Priority int
}

// ServiceLevelPerf is app_queue's ServicelevelPerf: the percentage of
// completed calls answered within the service level.
func (s Stats) ServiceLevelPerf() float64 {
	if s.Completed == 0 {
		return 0
	}
	return 100 * float64(s.CompletedInSL) / float64(s.Completed)
}

// ServiceLevelPerf2 is ServicelevelPerf2: abandoned calls within the
// service level count as answered in it.
func (s Stats) ServiceLevelPerf2() float64 {
	if s.Completed+s.Abandoned == 0 {
		return 0
	}
	return 100 * float64(s.AbandonedInSL+s.CompletedInSL) / float64(s.Abandoned+s.Completed)
}

// LongestHoldTime is the longest wait of a caller now, in seconds
// (QueueSummary's LongestHoldTime).
func (s Stats) LongestHoldTime() int {
	longest := 0
	for _, e := range s.Entries {
		longest = max(longest, int(e.Wait/time.Second))
	}
	return longest
}

// Stats returns a queue's statistics and waiting callers.
func (m *Manager) Stats(queueName string) (Stats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	q := m.queues[queueName]
	if q == nil {
		return Stats{}, fmt.Errorf("stats of %s: %w", queueName, ErrNoSuchQueue)
	}
	s := Stats{Name: q.name, HoldTime: q.holdtime, TalkTime: q.talktime, Completed: q.completed,
		Abandoned: q.abandoned, CompletedInSL: q.completedInSL, AbandonedInSL: q.abandonedInSL}
	if c := q.conf; c != nil {
		s.Strategy, s.Max, s.Weight, s.ServiceLevel, s.WrapupTime = c.Strategy.String(), c.MaxLen, c.Weight, c.ServiceLevel, c.WrapupTime
	}
	now := time.Now()
	for i, e := range q.entries {
		s.Entries = append(s.Entries, EntryStatus{CallerInfo: e.info, Position: i + 1, Wait: now.Sub(e.start), Priority: e.prio})
	}
	return s, nil
}
