package queues

import (
	"fmt"
	"strings"
	"time"
)

// MemberStatus is a snapshot of one queue member, what QUEUE_MEMBER(),
// "queue show" and the AMI QueueStatus report.
type MemberStatus struct {
	Queue, Interface, Name, StateInterface string
	Penalty                                int
	Paused                                 bool
	PausedReason                           string
	Dynamic                                bool
	RingInUse                              bool
	Calls                                  int
	LastCall                               time.Time
	InCall                                 bool
	State                                  DeviceState
	// Available is is_member_available: the member could take a call now.
	Available bool
}

// AddMember adds a dynamic member, as AddQueueMember (callid is the
// channel's uniqueid for the ADDMEMBER line; "" writes NONE) and the AMI
// QueueAdd do. It fails with ErrNoSuchQueue, ErrMemberExists,
// ErrBadInterface or ErrBadPenalty. With persistentmembers=yes the member
// is stored.
func (m *Manager) AddMember(callid string, d DynamicMember) error {
	if !strings.Contains(d.Interface, "/") {
		return fmt.Errorf("add %q to queue %s: %w", d.Interface, d.Queue, ErrBadInterface)
	}
	if d.Penalty < 0 {
		return fmt.Errorf("add %s to queue %s: %w", d.Interface, d.Queue, ErrBadPenalty)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	q := m.queues[d.Queue]
	if q == nil {
		return fmt.Errorf("add %s to queue %s: %w", d.Interface, d.Queue, ErrNoSuchQueue)
	}
	if q.find(d.Interface) != nil {
		return fmt.Errorf("add %s to queue %s: %w", d.Interface, d.Queue, ErrMemberExists)
	}
	m.seq++
	d.Seq = m.seq
	mb := newDynamic(q, d)
	if m.general.PersistentMembers {
		if err := m.store.Put(d); err != nil {
			return fmt.Errorf("add %s to queue %s: %w", d.Interface, d.Queue, err)
		}
	}
	q.members = append(q.members, mb)
	data := ""
	if d.Paused {
		data = "PAUSED"
	}
	agent := d.Interface
	if m.general.LogMemberNameAsAgent && d.Name != "" {
		agent = d.Name
	}
	m.logEvent(q.name, orNone(callid), agent, EventAddMember, data)
	return nil
}

// RemoveMember removes a dynamic member, as RemoveQueueMember does. It
// fails with ErrNoSuchQueue, ErrNotInQueue or ErrNotDynamic.
func (m *Manager) RemoveMember(callid, queueName, iface string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	q := m.queues[queueName]
	if q == nil {
		return fmt.Errorf("remove %s from queue %s: %w", iface, queueName, ErrNoSuchQueue)
	}
	mb := q.find(iface)
	if mb == nil {
		return fmt.Errorf("remove %s from queue %s: %w", iface, queueName, ErrNotInQueue)
	}
	if !mb.dynamic {
		return fmt.Errorf("remove %s from queue %s: %w", iface, queueName, ErrNotDynamic)
	}
	if m.general.PersistentMembers {
		if err := m.store.Delete(q.name, mb.iface); err != nil {
			return fmt.Errorf("remove %s from queue %s: %w", iface, queueName, err)
		}
	}
	for i, x := range q.members {
		if x == mb {
			q.members = append(q.members[:i], q.members[i+1:]...)
			break
		}
	}
	m.logEvent(q.name, orNone(callid), m.agentName(mb), EventRemoveMember, "")
	return nil
}

// PauseMember pauses iface in queueName, or in every queue it is a member
// of when queueName is "" (then a PAUSEALL line comes first), as
// PauseQueueMember does; reason goes to the PAUSE line. It fails with
// ErrMemberNotFound.
func (m *Manager) PauseMember(queueName, iface, reason string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.setPausedLocked(queueName, iface, reason, true)
}

// UnpauseMember is PauseMember's reverse (UnpauseQueueMember).
func (m *Manager) UnpauseMember(queueName, iface, reason string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.setPausedLocked(queueName, iface, reason, false)
}

// setPausedLocked is set_member_paused.
func (m *Manager) setPausedLocked(queueName, iface, reason string, paused bool) error {
	found := 0
	for _, q := range m.sortedQueuesLocked() {
		if queueName != "" && q.name != queueName {
			continue
		}
		mb := q.find(iface)
		if mb == nil {
			continue
		}
		found++
		if found == 1 && queueName == "" {
			ev := EventUnpauseAll
			if paused {
				ev = EventPauseAll
			}
			m.logEvent("NONE", "NONE", mb.name, ev, "")
		}
		mb.paused = paused
		mb.reason = ""
		if paused {
			mb.reason = reason
		}
		if mb.dynamic && m.general.PersistentMembers {
			if err := m.store.Put(m.dynamicRecord(q, mb)); err != nil {
				m.log.Error("store paused member", "queue", q.name, "interface", mb.iface, "err", err)
			}
		}
		ev := EventUnpause
		if paused {
			ev = EventPause
		}
		m.logEvent(q.name, "NONE", mb.name, ev, reason)
	}
	if found == 0 {
		verb := "unpause"
		if paused {
			verb = "pause"
		}
		return fmt.Errorf("%s %s: %w", verb, iface, ErrMemberNotFound)
	}
	return nil
}

// SetPenalty sets a member's penalty in queueName, or in every queue when
// queueName is "" (QUEUE_MEMBER(queue,penalty,iface)=n), writing a PENALTY
// line per queue. Dynamic members keep the new penalty across restarts.
func (m *Manager) SetPenalty(queueName, iface string, penalty int) error {
	if penalty < 0 {
		return fmt.Errorf("penalty of %s: %w", iface, ErrBadPenalty)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	found := false
	for _, q := range m.sortedQueuesLocked() {
		if queueName != "" && q.name != queueName {
			continue
		}
		if mb := q.find(iface); mb != nil {
			found = true
			mb.penalty = penalty
			if mb.dynamic && m.general.PersistentMembers {
				if err := m.store.Put(m.dynamicRecord(q, mb)); err != nil {
					return fmt.Errorf("penalty of %s in %s: %w", iface, q.name, err)
				}
			}
			m.logEvent(q.name, "NONE", iface, EventPenalty, itoa(penalty))
		}
	}
	if !found {
		return fmt.Errorf("penalty of %s: %w", iface, ErrMemberNotFound)
	}
	return nil
}

func (m *Manager) dynamicRecord(q *queue, mb *member) DynamicMember {
	return DynamicMember{Queue: q.name, Interface: mb.iface, Name: mb.name, StateInterface: mb.stateIface,
		Penalty: mb.penalty, Paused: mb.paused, PausedReason: mb.reason, Seq: mb.seq}
}

// Members returns the members of a queue in their order.
func (m *Manager) Members(queueName string) ([]MemberStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	q := m.queues[queueName]
	if q == nil {
		return nil, fmt.Errorf("members of %s: %w", queueName, ErrNoSuchQueue)
	}
	now := time.Now()
	out := make([]MemberStatus, len(q.members))
	for i, mb := range q.members {
		out[i] = MemberStatus{Queue: q.name, Interface: mb.iface, Name: mb.name, StateInterface: mb.stateIface,
			Penalty: mb.penalty, Paused: mb.paused, PausedReason: mb.reason, Dynamic: mb.dynamic,
			RingInUse: mb.ringInUse, Calls: mb.calls, LastCall: mb.lastCall, InCall: mb.inCall,
			State: m.stateLocked(mb), Available: m.isAvailableLocked(q, mb, now)}
	}
	return out, nil
}

// Waiting returns the number of callers in a queue (QUEUE_WAITING_COUNT()).
func (m *Manager) Waiting(queueName string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	q := m.queues[queueName]
	if q == nil {
		return 0, fmt.Errorf("waiting in %s: %w", queueName, ErrNoSuchQueue)
	}
	return len(q.entries), nil
}

// Queues returns the names of the running queues, sorted.
func (m *Manager) Queues() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, q := range m.sortedQueuesLocked() {
		out = append(out, q.name)
	}
	return out
}

func (m *Manager) sortedQueuesLocked() []*queue {
	out := make([]*queue, 0, len(m.queues))
	for _, q := range m.queues {
		out = append(out, q)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].name < out[j-1].name; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "NONE"
	}
	return s
}
