package queues

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// recheck is app_queue's RECHECK: how often a caller who is not yet at
// the head of the queue looks again.
const recheck = time.Second

// CallerInfo identifies a caller to the queue_log and to the Dialer.
type CallerInfo struct {
	// UniqueID is the caller channel's uniqueid, the callid of its queue_log lines.
	UniqueID string
	// Channel is the caller's channel name.
	Channel      string
	CallerIDNum  string
	CallerIDName string
}

// Caller is the calling channel as Queue() sees it; the switch implements
// it. Join never calls it with the Manager's lock held, and only from the
// goroutine that called Join.
type Caller interface {
	Info() CallerInfo
	// StartMusic starts music on hold of class; StopMusic stops it.
	StartMusic(class string)
	StopMusic()
	// Play plays a sound file and returns when it ends, when ctx ends
	// (Join cancels it when the caller presses a key, as app_queue's
	// play_file is interrupted by any digit) or when the file is missing.
	Play(ctx context.Context, sound string) error
	// SayNumber says n in the channel's language (ast_say_number).
	SayNumber(ctx context.Context, n int) error
	// Digits delivers the caller's DTMF keys.
	Digits() <-chan rune
	// SetVars sets channel variables (MEMBERINTERFACE…, QUEUEPOSITION…).
	SetVars(vars map[string]string)
}

// ExitDialplan answers app_queue's valid_exit about the queue's context=
// option: may the digits typed so far become an extension, and is there
// one at priority 1.
type ExitDialplan interface {
	CanMatch(context, digits string) bool
	Exists(context, digits string) bool
}

// JoinOptions are Queue()'s arguments and the channel variables it reads.
type JoinOptions struct {
	Queue string
	// Timeout is Queue()'s timeout argument: the caller leaves with
	// QUEUESTATUS=TIMEOUT once it has passed (0: wait for ever). See
	// Tuning.TimeoutPriority for a ring attempt in progress.
	Timeout time.Duration
	// Continue is option c: after a bridged call the caller continues in
	// the dialplan with QUEUESTATUS=CONTINUE instead of being hung up.
	Continue bool
	// NoRetry is option n: leave with TIMEOUT after one round of ringing.
	NoRetry bool
	// URL is Queue()'s URL argument (ENTERQUEUE's first field).
	URL string
	// Prio is ${QUEUE_PRIO}: callers of higher priority wait in front.
	Prio int
	// Position is Queue()'s position argument (0: at the end).
	Position int
	// MaxPenalty and MinPenalty are ${QUEUE_MAX_PENALTY} and
	// ${QUEUE_MIN_PENALTY} (nil: no limit).
	MaxPenalty, MinPenalty *int
	// Dialplan checks exit digits against the queue's context; nil leaves
	// no way out by key.
	Dialplan ExitDialplan
}

// Result is how Queue() ended.
type Result struct {
	Outcome Outcome
	// Status is QUEUESTATUS; set it only when StatusSet (app_queue leaves
	// QUEUESTATUS alone after EXITWITHKEY, ABANDON and a bridged call
	// without option c).
	Status    QueueStatus
	StatusSet bool
	// Hangup is app_queue returning -1: the caller is to be hung up
	// (abandoned, or bridged without option c).
	Hangup bool
	// ExitContext and ExitExten are where to go after EXITWITHKEY
	// (priority 1).
	ExitContext, ExitExten string
	// Member is the member who answered.
	Member *MemberStatus
	// HoldTime is how long the caller waited; TalkTime how long the call lasted.
	HoldTime, TalkTime time.Duration
}

// entry is a caller in a queue (app_queue's queue_ent).
type entry struct {
	q                      *queue
	info                   CallerInfo
	prio                   int
	pos, opos              int
	start, expire          time.Time
	maxPenalty, minPenalty int
	pending                bool
	left                   bool
	lastPos                time.Time
	lastPosSaid            int
	lastPeriodic           time.Time
	periodicIdx            int
	digits                 string
	validDigits            bool
	linpos                 int
	linwrapped             bool
	handled                bool
}

func (e *entry) outOfPenalty(mb *member) bool {
	return e.maxPenalty != noPenalty && mb.penalty > e.maxPenalty ||
		e.minPenalty != noPenalty && mb.penalty < e.minPenalty
}

func (e *entry) expired(now time.Time) bool { return !e.expire.IsZero() && !now.Before(e.expire) }

// joinState carries one Join's collaborators.
type joinState struct {
	m      *Manager
	e      *entry
	caller Caller
	opts   JoinOptions
	class  string
	tries  int
}

// Join puts the caller in a queue and returns when it leaves: app_queue's
// queue_exec. Music on hold plays while it waits; at the head of the queue
// (or within the number of free members, with autofill) the strategy's
// members are rung for timeout seconds, then after retry seconds again,
// until a member answers, the caller presses an exit key of the queue's
// context, the Queue() timeout passes, leavewhenempty finds nobody, or ctx
// ends (the caller hung up: ABANDON). A member who answers is bridged
// through Answered.Wait, which returns when the call is over.
//
// The error is ErrNoSuchQueue (Result.Status UNKNOWN is then set, as
// app_queue does); everything else is a Result.
func (m *Manager) Join(ctx context.Context, caller Caller, opts JoinOptions) (Result, error) {
	info := caller.Info()
	now := time.Now()
	e := &entry{info: info, prio: opts.Prio, start: now, lastPeriodic: now, maxPenalty: noPenalty, minPenalty: noPenalty}
	if opts.Timeout > 0 {
		e.expire = now.Add(opts.Timeout)
	}
	if opts.MaxPenalty != nil {
		e.maxPenalty = *opts.MaxPenalty
	}
	if opts.MinPenalty != nil {
		e.minPenalty = *opts.MinPenalty
	}
	m.mu.Lock()
	q := m.queues[opts.Queue]
	if q == nil {
		m.mu.Unlock()
		return Result{Outcome: OutcomeNotJoined, Status: StatusUnknown, StatusSet: true},
			fmt.Errorf("join %s: %w", opts.Queue, ErrNoSuchQueue)
	}
	e.q = q
	if q.tune.JoinEmpty != 0 && m.emptyLocked(q, e, q.tune.JoinEmpty, now) {
		m.mu.Unlock()
		return Result{Outcome: OutcomeNotJoined, Status: StatusJoinEmpty, StatusSet: true}, nil
	}
	if q.conf.MaxLen > 0 && len(q.entries) >= q.conf.MaxLen {
		m.mu.Unlock()
		return Result{Outcome: OutcomeNotJoined, Status: StatusFull, StatusSet: true}, nil
	}
	q.insertLocked(e, opts.Position)
	class := q.conf.MusicClass
	m.logEvent(q.name, info.UniqueID, "NONE", EventEnterQueue, opts.URL, info.CallerIDNum, itoa(e.opos))
	m.mu.Unlock()

	j := &joinState{m: m, e: e, caller: caller, opts: opts, class: class}
	r := j.run(ctx)
	caller.StopMusic()
	m.mu.Lock()
	vars := map[string]string{}
	if q.conf.SetQueueVar {
		q.queueVarsLocked(vars)
	}
	if !e.left {
		vars["QUEUEPOSITION"] = itoa(e.pos)
		q.leaveLocked(e)
	}
	m.mu.Unlock()
	if len(vars) > 0 {
		caller.SetVars(vars)
	}
	if r.HoldTime == 0 && r.Outcome != OutcomeAnswered {
		r.HoldTime = time.Since(e.start)
	}
	return r, nil
}

// insertLocked is join_queue's placement: after every caller of higher or
// equal priority, or at the requested position when priorities allow.
func (q *queue) insertLocked(e *entry, position int) {
	at := len(q.entries)
	for i, cur := range q.entries {
		if e.prio > cur.prio || position > 0 && e.prio >= cur.prio && position <= i+1 {
			at = i
			break
		}
	}
	q.entries = append(q.entries, nil)
	copy(q.entries[at+1:], q.entries[at:])
	q.entries[at] = e
	for i, x := range q.entries {
		x.pos = i + 1
	}
	e.opos = e.pos
}

// leaveLocked is leave_queue: the caller leaves and those behind move up.
func (q *queue) leaveLocked(e *entry) {
	if e.left {
		return
	}
	e.left = true
	for i, x := range q.entries {
		if x == e {
			q.entries = append(q.entries[:i], q.entries[i+1:]...)
			break
		}
	}
	for i, x := range q.entries {
		x.pos = i + 1
	}
}

// queueVarsLocked is set_queue_variables (setqueuevar=yes).
func (q *queue) queueVarsLocked(v map[string]string) {
	sl := 0.0
	if q.completed > 0 {
		sl = 100 * float64(q.completedInSL) / float64(q.completed)
	}
	v["QUEUENAME"] = q.name
	v["QUEUEMAX"] = itoa(q.conf.MaxLen)
	v["QUEUESTRATEGY"] = q.conf.Strategy.String()
	v["QUEUECALLS"] = itoa(len(q.entries))
	v["QUEUEHOLDTIME"] = itoa(q.holdtime)
	v["QUEUETALKTIME"] = itoa(q.talktime)
	v["QUEUECOMPLETED"] = itoa(q.completed)
	v["QUEUEABANDONED"] = itoa(q.abandoned)
	v["QUEUESRVLEVEL"] = itoa(int(q.conf.ServiceLevel / time.Second))
	v["QUEUESRVLEVELPERF"] = strconv.FormatFloat(sl, 'f', 1, 64)
}

// params returns the queue's options; Reload may replace them while the
// caller waits.
func (j *joinState) params() (*Queue, Tuning) {
	j.m.mu.Lock()
	defer j.m.mu.Unlock()
	return j.e.q.conf, j.e.q.tune
}

// step is what a stage of the wait loop ended with.
type step int

const (
	stepNone step = iota // keep going
	stepTurn
	stepTimeout
	stepLeaveEmpty
	stepExitKey
	stepHangup
	stepAnswered
)

// run is queue_exec from check_turns on.
func (j *joinState) run(ctx context.Context) Result {
	m, e := j.m, j.e
	q := e.q
checkTurns:
	j.caller.StartMusic(j.class)
	switch s := j.waitOurTurn(ctx); s {
	case stepHangup:
		return j.abandon()
	case stepExitKey:
		return j.exitKey()
	case stepLeaveEmpty:
		return Result{Outcome: OutcomeLeaveEmpty, Status: StatusLeaveEmpty, StatusSet: true}
	}
	announce := false
	for {
		conf, _ := j.params()
		if e.expired(time.Now()) {
			return j.timeout()
		}
		if announce && conf.AnnounceFrequency > 0 {
			if s := j.sayPosition(ctx); s != stepNone {
				return j.stop(s)
			}
		}
		announce = true
		if conf.PeriodicAnnounceFrequency > 0 {
			if s := j.periodic(ctx); s != stepNone {
				return j.stop(s)
			}
		}
		if e.expired(time.Now()) {
			return j.timeout()
		}
		s, r := j.tryCalling(ctx)
		switch s {
		case stepAnswered:
			return r
		case stepHangup, stepExitKey:
			return j.stop(s)
		}
		m.mu.Lock()
		empty := q.tune.LeaveWhenEmpty != 0 && m.emptyLocked(q, e, q.tune.LeaveWhenEmpty, time.Now())
		m.mu.Unlock()
		if empty {
			j.recordAbandoned()
			j.logExit(EventExitEmpty)
			return Result{Outcome: OutcomeLeaveEmpty, Status: StatusLeaveEmpty, StatusSet: true}
		}
		m.mu.Lock()
		n := len(q.members)
		m.mu.Unlock()
		if j.opts.NoRetry && j.tries >= n {
			return j.timeout()
		}
		if e.expired(time.Now()) {
			return j.timeout()
		}
		if s := j.waitDigit(ctx, conf.Retry); s != stepNone {
			return j.stop(s)
		}
		if !j.isOurTurn() {
			goto checkTurns
		}
	}
}

func (j *joinState) stop(s step) Result {
	if s == stepExitKey {
		return j.exitKey()
	}
	return j.abandon()
}

func (j *joinState) logExit(ev Event) {
	m, e := j.m, j.e
	m.mu.Lock()
	defer m.mu.Unlock()
	m.logEvent(e.q.name, e.info.UniqueID, "NONE", ev, itoa(e.pos), itoa(e.opos), secs(time.Since(e.start)))
}

// recordAbandoned is record_abandoned's statistics.
func (j *joinState) recordAbandoned() {
	m, e := j.m, j.e
	m.mu.Lock()
	defer m.mu.Unlock()
	if time.Since(e.start) <= e.q.conf.ServiceLevel {
		e.q.abandonedInSL++
	}
	e.q.abandoned++
}

func (j *joinState) timeout() Result {
	j.recordAbandoned()
	j.logExit(EventExitWithTimeout)
	return Result{Outcome: OutcomeTimeout, Status: StatusTimeout, StatusSet: true}
}

func (j *joinState) abandon() Result {
	j.recordAbandoned()
	j.logExit(EventAbandon)
	return Result{Outcome: OutcomeAbandon, Hangup: true}
}

func (j *joinState) exitKey() Result {
	m, e := j.m, j.e
	m.mu.Lock()
	m.logEvent(e.q.name, e.info.UniqueID, "NONE", EventExitWithKey, e.digits, itoa(e.pos), itoa(e.opos), secs(time.Since(e.start)))
	ctxName := e.q.conf.Context
	m.mu.Unlock()
	return Result{Outcome: OutcomeExitKey, ExitContext: ctxName, ExitExten: e.digits}
}

// isOurTurn is is_our_turn: the caller is within the first
// num_available_members callers that are not already ringing members.
func (j *joinState) isOurTurn() bool {
	m, e := j.m, j.e
	m.mu.Lock()
	defer m.mu.Unlock()
	q := e.q
	avl := m.numAvailableLocked(q, time.Now())
	idx := 0
	found := false
	for _, ch := range q.entries {
		if idx >= avl {
			break
		}
		if ch == e {
			found = true
			break
		}
		if !ch.pending {
			idx++
		}
	}
	return found && idx < avl && (q.conf.Autofill || e.pos == 1)
}

// waitOurTurn is wait_our_turn, the holding pen of callers not yet at the
// head: every second it looks whether it is their turn, makes the
// announcements due and watches the timeout and leavewhenempty.
func (j *joinState) waitOurTurn(ctx context.Context) step {
	m, e := j.m, j.e
	q := e.q
	for {
		if j.isOurTurn() {
			return stepTurn
		}
		if e.expired(time.Now()) {
			return stepTimeout
		}
		conf, _ := j.params()
		m.mu.Lock()
		empty := q.tune.LeaveWhenEmpty != 0 && m.emptyLocked(q, e, q.tune.LeaveWhenEmpty, time.Now())
		m.mu.Unlock()
		if empty {
			j.recordAbandoned()
			j.logExit(EventExitEmpty)
			return stepLeaveEmpty
		}
		if conf.AnnounceFrequency > 0 {
			if s := j.sayPosition(ctx); s != stepNone {
				return s
			}
		}
		if e.expired(time.Now()) {
			return stepTimeout
		}
		if conf.PeriodicAnnounceFrequency > 0 {
			if s := j.periodic(ctx); s != stepNone {
				return s
			}
		}
		if e.expired(time.Now()) {
			return stepTimeout
		}
		if s := j.waitDigit(ctx, recheck); s != stepNone {
			return s
		}
		if e.expired(time.Now()) {
			return stepTimeout
		}
	}
}

// waitDigit is ast_waitfordigit with valid_exit: it waits d, or until a
// key (which ends the wait whether or not it leads out of the queue).
func (j *joinState) waitDigit(ctx context.Context, d time.Duration) step {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return stepHangup
	case <-t.C:
		return stepNone
	case r := <-j.caller.Digits():
		if j.validExit(r) {
			return stepExitKey
		}
		return stepNone
	}
}

// validExit is valid_exit: digits collect while they can still match an
// extension of the queue's context, and the caller leaves on the first
// that exists.
func (j *joinState) validExit(r rune) bool {
	m, e := j.m, j.e
	m.mu.Lock()
	context := e.q.conf.Context
	m.mu.Unlock()
	if len(e.digits) >= 78 {
		e.digits = ""
		return false
	}
	e.digits += string(r)
	if context == "" || j.opts.Dialplan == nil {
		return false
	}
	if !j.opts.Dialplan.CanMatch(context, e.digits) {
		e.digits = ""
		return false
	}
	if j.opts.Dialplan.Exists(context, e.digits) {
		e.validDigits = true
		return true
	}
	return false
}
