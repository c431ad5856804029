package queues

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// Manager runs the queues of a Config: their members (static member =>
// lines and dynamic members kept in a MemberStore), the callers waiting in
// them (Join) and the queue_log events of both. It is safe for concurrent
// use; every Join runs in its caller's goroutine.
type Manager struct {
	dialer Dialer
	store  MemberStore
	states DeviceStates
	events EventLog
	log    *slog.Logger

	// mu guards everything below and the queues, members and entries they
	// hold. DeviceStates and EventLog are called with it held; Caller,
	// Dialer and Answered never are.
	mu      sync.Mutex
	general General
	queues  map[string]*queue
	// pending counts the rings in progress per interface (lower-cased) of
	// members with ringinuse=no, app_queue's pending_members.
	pending map[string]int
	rng     *rand.Rand
	seq     int64
	// tuning is WithTuning's value, applied by New.
	tuning map[string]Tuning
}

// Option configures a Manager.
type Option func(*Manager)

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(m *Manager) { m.log = l } }

// WithEventLog sets where queue_log events go (default: nowhere).
func WithEventLog(l EventLog) Option { return func(m *Manager) { m.events = l } }

// WithDeviceStates sets the source of member device states (default: every
// member UNKNOWN, which app_queue treats as free).
func WithDeviceStates(s DeviceStates) Option { return func(m *Manager) { m.states = s } }

// WithTuning sets the per-queue options LoadTuning reads (default:
// DefaultTuning for every queue, with Config's joinempty/leavewhenempty).
func WithTuning(t map[string]Tuning) Option { return func(m *Manager) { m.tuning = t } }

// WithRand sets the random source of the random and wrandom strategies and
// random-periodic-announce (tests seed it).
func WithRand(r *rand.Rand) Option { return func(m *Manager) { m.rng = r } }

// queue is the runtime of one queues.conf section.
type queue struct {
	name    string
	conf    *Queue
	tune    Tuning
	members []*member // in queuepos order
	entries []*entry  // waiting callers, position 1 first
	// rrpos and wrapped are rrmemory's remembered position.
	rrpos   int
	wrapped bool
	// holdtime and talktime are app_queue's exponential averages, in seconds.
	holdtime, talktime                                 int
	completed, abandoned, completedInSL, abandonedInSL int
}

// member is a queue member's runtime state.
type member struct {
	iface, name, stateIface string
	penalty                 int
	ringInUse               bool
	dynamic                 bool
	paused                  bool
	reason                  string
	calls                   int
	lastCall                time.Time
	lastQueue               *queue
	inCall                  bool
	seq                     int64
}

func (mb *member) view() Member {
	r := mb.ringInUse
	return Member{Interface: mb.iface, Penalty: mb.penalty, Name: mb.name, StateInterface: mb.stateIface, RingInUse: &r}
}

// New returns a Manager running cfg's queues, with the dynamic members of
// store (when persistentmembers=yes; members of queues cfg no longer has
// are deleted from the store, as app_queue drops them from astdb). dialer
// rings members for Join.
func New(cfg *Config, store MemberStore, dialer Dialer, opts ...Option) (*Manager, error) {
	m := &Manager{dialer: dialer, store: store, events: discardLog{}, log: slog.Default(),
		queues: map[string]*queue{}, pending: map[string]int{}}
	for _, o := range opts {
		o(m)
	}
	if m.rng == nil {
		m.rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if m.store == nil {
		m.store = NewMemStore()
	}
	m.log = m.log.With("component", "queues")
	m.mu.Lock()
	defer m.mu.Unlock()
	m.applyLocked(cfg, m.tuning)
	if !m.general.PersistentMembers {
		return m, nil
	}
	stored, err := m.store.Members()
	if err != nil {
		return nil, fmt.Errorf("load queue members: %w", err)
	}
	for _, d := range stored {
		q := m.queues[d.Queue]
		if q == nil {
			m.log.Warn("persistent member of a queue that no longer exists", "queue", d.Queue, "interface", d.Interface)
			if err := m.store.Delete(d.Queue, d.Interface); err != nil {
				return nil, fmt.Errorf("load queue members: %w", err)
			}
			continue
		}
		if q.find(d.Interface) != nil {
			continue
		}
		mb := newDynamic(q, d)
		if d.Seq > m.seq {
			m.seq = d.Seq
		}
		q.members = append(q.members, mb)
	}
	return m, nil
}

// tuningFor returns the Tuning of q: LoadTuning's, or defaults that keep
// Config's joinempty, leavewhenempty and announcement settings.
func (m *Manager) tuningFor(t map[string]Tuning, q *Queue) Tuning {
	if tu, ok := t[q.Name]; ok {
		return tu
	}
	tu := DefaultTuning()
	tu.JoinEmpty, tu.LeaveWhenEmpty = q.JoinEmpty, q.LeaveWhenEmpty
	tu.AnnouncePosition, tu.AnnounceHoldTime = q.AnnouncePosition, q.AnnounceHoldTime
	if q.AnnouncePositionLimit > 0 {
		tu.AnnouncePositionLimit = q.AnnouncePositionLimit
	}
	return tu
}

func newDynamic(q *queue, d DynamicMember) *member {
	mb := &member{iface: d.Interface, name: d.Name, stateIface: d.StateInterface, penalty: d.Penalty,
		ringInUse: q.conf.RingInUse, dynamic: true, paused: d.Paused, reason: d.PausedReason, seq: d.Seq}
	if mb.name == "" {
		mb.name = mb.iface
	}
	if mb.stateIface == "" {
		mb.stateIface = mb.iface
	}
	return mb
}

// Reload applies a new queues.conf: queue options change in place, static
// members follow the member lines (a static member that stays keeps its
// paused state, calls and last call, where app_queue's reload starts its
// counters again), dynamic members and waiting callers stay. A queue that
// is gone takes no new callers; those waiting in it finish as they are.
// tuning is LoadTuning's result for the new file (nil: defaults).
func (m *Manager) Reload(cfg *Config, tuning map[string]Tuning) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.applyLocked(cfg, tuning)
}

func (m *Manager) applyLocked(cfg *Config, tuning map[string]Tuning) {
	m.general = cfg.General
	next := map[string]*queue{}
	for _, qc := range cfg.Queues {
		q := m.queues[qc.Name]
		if q == nil {
			q = &queue{name: qc.Name}
		}
		q.conf, q.tune = qc, m.tuningFor(tuning, qc)
		var members []*member
		for _, mc := range qc.Members {
			mb := q.find(mc.Interface)
			if mb == nil {
				mb = &member{}
			}
			mb.iface, mb.name, mb.stateIface, mb.penalty, mb.dynamic = mc.Interface, mc.Name, mc.StateInterface, mc.Penalty, false
			if mb.name == "" {
				mb.name = mb.iface
			}
			if mb.stateIface == "" {
				mb.stateIface = mb.iface
			}
			mb.ringInUse = qc.RingInUse
			if mc.RingInUse != nil {
				mb.ringInUse = *mc.RingInUse
			}
			members = append(members, mb)
		}
		for _, mb := range q.members {
			if mb.dynamic && !containsIface(members, mb.iface) {
				mb.ringInUse = qc.RingInUse
				members = append(members, mb)
			}
		}
		q.members = members
		next[qc.Name] = q
	}
	m.queues = next
}

// find returns the member of interface iface (compared as app_queue does,
// ignoring case), or nil.
func (q *queue) find(iface string) *member {
	for _, mb := range q.members {
		if strings.EqualFold(mb.iface, iface) {
			return mb
		}
	}
	return nil
}

func containsIface(ms []*member, iface string) bool {
	for _, mb := range ms {
		if strings.EqualFold(mb.iface, iface) {
			return true
		}
	}
	return false
}

// logEvent writes a queue_log event; a failing log is reported, never
// fatal to the call.
func (m *Manager) logEvent(queue, callid, agent string, ev Event, data ...string) {
	if err := m.events.Log(queue, callid, agent, ev, data...); err != nil {
		m.log.Error("queue_log", "event", ev.String(), "queue", queue, "err", err)
	}
}

// agentName is the agent field of member management lines: the interface,
// or the member name with log_membername_as_agent.
func (m *Manager) agentName(mb *member) string {
	if m.general.LogMemberNameAsAgent && mb.name != "" {
		return mb.name
	}
	return mb.iface
}
