package queues

import (
	"math"
	"strings"
	"time"
)

// This file is app_queue's choice of members: availability
// (is_member_available, get_member_status, can_ring_entry), the number of
// callers that may ring at once (num_available_members) and the ring order
// (calc_metric). The Manager's lock is held throughout.

// noPenalty is INT_MAX, app_queue's "no QUEUE_MAX_PENALTY/QUEUE_MIN_PENALTY".
const noPenalty = math.MaxInt

func (m *Manager) stateLocked(mb *member) DeviceState {
	if m.states == nil {
		return DeviceUnknown
	}
	return m.states.State(mb.stateIface)
}

// inWrapupLocked reports the wrapuptime of q keeping mb from a new call:
// still in a call, or less than wrapuptime since its last one.
func inWrapup(q *queue, mb *member, now time.Time) bool {
	w := q.conf.WrapupTime
	if w <= 0 {
		return false
	}
	return mb.inCall || (!mb.lastCall.IsZero() && now.Sub(mb.lastCall) < w)
}

// isAvailableLocked is is_member_available: the member could take a call
// now (device state with ringinuse, paused, wrapuptime).
func (m *Manager) isAvailableLocked(q *queue, mb *member, now time.Time) bool {
	avail := false
	switch m.stateLocked(mb) {
	case DeviceInvalid, DeviceUnavailable:
	case DeviceInUse, DeviceBusy, DeviceRinging, DeviceRingInUse, DeviceOnHold:
		avail = mb.ringInUse && !mb.paused
	default: // NOT_INUSE, UNKNOWN
		avail = !mb.paused
	}
	if inWrapup(q, mb, now) {
		avail = false
	}
	return avail
}

// numAvailableLocked is num_available_members: how many callers from the
// head of q may ring members at once. With ringall, or autofill=no, one
// available member is as good as any number.
func (m *Manager) numAvailableLocked(q *queue, now time.Time) int {
	n := 0
	for _, mb := range q.members {
		if m.isAvailableLocked(q, mb, now) {
			n++
			if !q.conf.Autofill || q.conf.Strategy == StrategyRingAll {
				break
			}
		}
	}
	return n
}

// emptyLocked is get_member_status: true when no member of q passes the
// conditions (joinempty, leavewhenempty) for a caller with the penalty
// range of e.
func (m *Manager) emptyLocked(q *queue, e *entry, cond EmptyCondition, now time.Time) bool {
	for _, mb := range q.members {
		if e.outOfPenalty(mb) && cond&EmptyPenalty != 0 {
			continue
		}
		switch st := m.stateLocked(mb); {
		case st == DeviceInvalid && cond&EmptyInvalid != 0,
			st == DeviceUnavailable && cond&EmptyUnavailable != 0,
			st == DeviceInUse && cond&EmptyInUse != 0,
			st == DeviceRinging && cond&EmptyRinging != 0,
			st == DeviceUnknown && cond&EmptyUnknown != 0:
			continue
		}
		if mb.paused && cond&EmptyPaused != 0 {
			continue
		}
		if cond&EmptyWrapup != 0 && inWrapup(q, mb, now) {
			continue
		}
		return false
	}
	return true
}

// canRingLocked is can_ring_entry: the checks made just before a member's
// phone is rung. For a member with ringinuse=no it also claims the member
// (pending) so that no other caller rings it at the same time; release
// undoes that.
func (m *Manager) canRingLocked(e *entry, mb *member, now time.Time) (ok, claimed bool) {
	if mb.paused {
		return false, false
	}
	if !mb.ringInUse && !m.stateLocked(mb).available() {
		return false, false
	}
	lq := mb.lastQueue
	if mb.inCall && lq != nil && lq.conf.WrapupTime > 0 {
		return false, false
	}
	if !mb.lastCall.IsZero() {
		if lq != nil && lq.conf.WrapupTime > 0 && now.Sub(mb.lastCall) < lq.conf.WrapupTime ||
			lq == nil && e.q.conf.WrapupTime > 0 && now.Sub(mb.lastCall) < e.q.conf.WrapupTime {
			return false, false
		}
	}
	if m.compareWeightLocked(e.q, mb, now) {
		return false, false
	}
	if !mb.ringInUse {
		k := strings.ToLower(mb.iface)
		if m.pending[k] > 0 {
			return false, false
		}
		m.pending[k]++
		return true, true
	}
	return true, false
}

func (m *Manager) releaseLocked(mb *member) {
	k := strings.ToLower(mb.iface)
	if m.pending[k] > 1 {
		m.pending[k]--
	} else {
		delete(m.pending, k)
	}
}

// compareWeightLocked is compare_weight: another queue with a higher
// weight, callers waiting and no more members available than callers has
// the member first.
func (m *Manager) compareWeightLocked(rq *queue, mb *member, now time.Time) bool {
	used := false
	for _, q := range m.queues {
		if q.conf.Weight > 0 {
			used = true
			break
		}
	}
	if !used {
		return false
	}
	for _, q := range m.queues {
		if q == rq || len(q.entries) == 0 || q.find(mb.iface) == nil {
			continue
		}
		if q.conf.Weight > rq.conf.Weight && len(q.entries) >= m.numAvailableLocked(q, now) {
			return true
		}
	}
	return false
}

// calcMetricLocked is calc_metric: the ring order of member mb, listed at
// pos in q, for caller e; lower rings first. ok is false when the caller's
// penalty range leaves the member out. Penalties count only when q has
// more members than penaltymemberslimit.
func (m *Manager) calcMetricLocked(q *queue, mb *member, pos int, e *entry, now time.Time) (metric int, ok bool) {
	use := 0
	if len(q.members) > q.tune.PenaltyMembersLimit {
		use = 1
		if e.outOfPenalty(mb) {
			return 0, false
		}
	}
	tier := mb.penalty * 1_000_000 * use
	switch q.conf.Strategy {
	case StrategyLinear:
		if pos < e.linpos {
			metric = 1000 + pos
		} else {
			if pos > e.linpos {
				e.linwrapped = true
			}
			metric = pos
		}
		metric += tier
	case StrategyRRMemory, StrategyRROrdered:
		if pos < q.rrpos {
			metric = 1000 + pos
		} else {
			if pos > q.rrpos {
				q.wrapped = true
			}
			metric = pos
		}
		metric += tier
	case StrategyRandom:
		metric = m.rng.IntN(1000) + tier
	case StrategyWRandom:
		metric = m.rng.IntN((1 + mb.penalty) * 1000)
	case StrategyFewestCalls:
		metric = mb.calls + tier
	case StrategyLeastRecent:
		if !mb.lastCall.IsZero() {
			metric = 1_000_000 - int(now.Sub(mb.lastCall)/time.Second)
		}
		metric += tier
	default: // ringall
		metric = tier
	}
	return metric, true
}
