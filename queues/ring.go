package queues

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// Dialer rings queue members; the switch implements it. Ring places a call
// to member.Interface for caller and returns once the member answered
// (Answered) or the attempt failed: ErrMemberBusy, ErrMemberCongestion,
// ErrNoChannel, or any other error for a phone that stopped ringing
// unanswered. When ctx ends (the ring timeout, another member answered,
// the caller left) Ring cancels the call and returns; an Answered it
// still returns is hung up. The ctx of the member who answered ends only
// after Answered.Wait has returned.
type Dialer interface {
	Ring(ctx context.Context, member Member, caller CallerInfo) (Answered, error)
}

// Answered is a member's answered call leg.
type Answered interface {
	// UniqueID is the member channel's uniqueid (CONNECT's second field).
	UniqueID() string
	// Wait bridges the caller with the member and returns when the call
	// ends, saying who hung up. ctx is the caller's.
	Wait(ctx context.Context) (hangupBy Party, talk time.Duration)
	// Hangup releases an answer that will not be bridged (a second member
	// answering a ringall call).
	Hangup()
}

// Transferred is implemented by an Answered whose bridge may end in a
// transfer. When Transfer reports one, queue_log gets app_queue's
// BLINDTRANSFER (fields exten, context) or ATTENDEDTRANSFER (BRIDGE and
// the bridge's id, or APP and the application) followed by the hold
// time, the call time and the original position, instead of
// COMPLETECALLER or COMPLETEAGENT (app_queue.c's log_attended_transfer
// and handle_blind_transfer).
type Transferred interface {
	Transfer() (ev Event, fields []string, ok bool)
}

// VarSetter is implemented by an Answered that takes channel variables
// (setinterfacevar and friends are set on both channels).
type VarSetter interface {
	SetVars(vars map[string]string)
}

// attempt is one member's place in a round of ringing (callattempt).
type attempt struct {
	mb         *member
	metric     int
	stillgoing bool
	ringing    bool
	claimed    bool
	cancel     context.CancelFunc
	started    time.Time
}

type ringResult struct {
	a   *attempt
	ans Answered
	err error
}

// ringRound is one try_calling: the members in metric order, those
// ringing and their results.
type ringRound struct {
	j        *joinState
	attempts []*attempt
	results  chan ringResult
	ringing  int
	ctx      context.Context
}

// tryCalling is try_calling: ring members for the queue's timeout (or what
// is left of the caller's), and bridge the one who answers.
func (j *joinState) tryCalling(ctx context.Context) (step, Result) {
	m, e := j.m, j.e
	m.mu.Lock()
	q := e.q
	now := time.Now()
	if e.expired(now) {
		m.mu.Unlock()
		return stepNone, Result{}
	}
	if j.opts.NoRetry {
		switch q.conf.Strategy {
		case StrategyRRMemory, StrategyLinear, StrategyRROrdered:
			j.tries++
		default:
			j.tries = len(q.members)
		}
	}
	round := &ringRound{j: j, ctx: ctx}
	for x, mb := range q.members {
		metric, ok := m.calcMetricLocked(q, mb, x, e, now)
		if ok {
			round.attempts = append(round.attempts, &attempt{mb: mb, metric: metric, stillgoing: true})
		}
	}
	round.results = make(chan ringResult, len(round.attempts))
	// timeoutpriority: app cuts the attempt at the caller's timeout.
	to := time.Duration(-1)
	if q.conf.Timeout > 0 {
		to = q.conf.Timeout
	}
	if !e.expire.IsZero() {
		left := e.expire.Sub(now)
		if q.tune.TimeoutPriority == TimeoutPriorityApp {
			if q.conf.Timeout <= 0 || left <= q.conf.Timeout {
				to = left
			}
		} else if left <= 0 {
			to = 0
		}
	}
	e.pending = true
	m.mu.Unlock()

	round.ringOne()
	peer, ans, ringtime, s := round.waitForAnswer(to)
	round.finish(peer)

	m.mu.Lock()
	e.pending = false
	switch q.conf.Strategy {
	case StrategyRRMemory, StrategyRROrdered:
		round.storeNextRRLocked()
	case StrategyLinear:
		round.storeNextLinLocked()
	}
	m.mu.Unlock()
	if peer == nil {
		return s, Result{}
	}
	defer peer.cancel()
	return stepAnswered, j.bridge(ctx, peer.mb, ans, ringtime)
}

// ringOne is ring_one: ring the best member (every member of the best
// metric, for ringall) that can be rung now.
func (r *ringRound) ringOne() bool {
	conf, _ := r.j.params()
	for {
		best := r.best()
		if best == nil {
			return false
		}
		rang := false
		if conf.Strategy == StrategyRingAll {
			for _, a := range r.attempts {
				if a.stillgoing && !a.ringing && a.metric <= best.metric {
					rang = r.ringEntry(a) || rang
				}
			}
		} else {
			rang = r.ringEntry(best)
		}
		if rang {
			return true
		}
		if r.j.e.expired(time.Now()) {
			return false
		}
	}
}

// best is find_best: the lowest metric not yet tried; the first listed
// wins a tie.
func (r *ringRound) best() *attempt {
	var best *attempt
	for _, a := range r.attempts {
		if a.stillgoing && !a.ringing && (best == nil || a.metric < best.metric) {
			best = a
		}
	}
	return best
}

// ringEntry is ring_entry: check the member, then ring it.
func (r *ringRound) ringEntry(a *attempt) bool {
	m, e := r.j.m, r.j.e
	m.mu.Lock()
	ok, claimed := m.canRingLocked(e, a.mb, time.Now())
	view := a.mb.view()
	m.mu.Unlock()
	if !ok {
		a.stillgoing = false
		return false
	}
	ctx, cancel := context.WithCancel(r.ctx)
	a.ringing, a.claimed, a.cancel, a.started = true, claimed, cancel, time.Now()
	r.ringing++
	go func() {
		ans, err := m.dialer.Ring(ctx, view, e.info)
		r.results <- ringResult{a: a, ans: ans, err: err}
	}()
	return true
}

// waitForAnswer is wait_for_answer: wait up to to (negative: for ever)
// for a member to answer, ringing the next one when one fails.
func (r *ringRound) waitForAnswer(to time.Duration) (peer *attempt, ans Answered, ringtime int, s step) {
	j := r.j
	m, e := j.m, j.e
	q := e.q
	conf, tune := j.params()
	start := time.Now()
	var timer *time.Timer
	var timerC <-chan time.Time
	if to >= 0 {
		timer = time.NewTimer(to)
		timerC = timer.C
		defer timer.Stop()
	}
	remaining := func() time.Duration { return to - time.Since(start) }
	for {
		if r.ringing == 0 && conf.Strategy == StrategyRingAll {
			// ringall moves to the next penalty level only when the whole
			// level is done.
			r.ringOne()
		}
		if r.ringing == 0 {
			return nil, nil, 0, stepNone
		}
		select {
		case <-r.ctx.Done():
			return nil, nil, 0, stepHangup
		case d := <-j.caller.Digits():
			if j.validExit(d) {
				return nil, nil, 0, stepExitKey
			}
		case <-timerC:
			for _, a := range r.attempts {
				if a.ringing {
					j.rna(a.mb, int(to/time.Millisecond), true)
				}
			}
			r.announceAfter()
			return nil, nil, 0, stepNone
		case res := <-r.results:
			a := res.a
			a.ringing = false
			r.ringing--
			m.mu.Lock()
			if a.claimed {
				m.releaseLocked(a.mb)
				a.claimed = false
			}
			m.mu.Unlock()
			a.stillgoing = false
			if res.err == nil && res.ans != nil {
				if to > 0 {
					ringtime = int((to - remaining()) / time.Millisecond / 1000)
				}
				return a, res.ans, ringtime, stepNone
			}
			if errors.Is(res.err, ErrNoChannel) {
				m.mu.Lock()
				q.rrpos++
				e.linpos++
				m.mu.Unlock()
			} else {
				autopause := true
				switch {
				case errors.Is(res.err, ErrMemberBusy):
					autopause = tune.AutoPauseBusy
				case errors.Is(res.err, ErrMemberCongestion):
					autopause = tune.AutoPauseUnavail
				}
				j.rna(a.mb, int(time.Since(a.started)/time.Second)*1000, autopause)
			}
			if conf.Strategy != StrategyRingAll {
				if conf.TimeoutRestart && timer != nil {
					start = time.Now()
					timer.Reset(to)
				}
				if to < 0 || remaining() > 500*time.Millisecond {
					r.ringOne()
				}
			}
		}
	}
}

// announceAfter makes the announcements announce-to-first-user asks for
// after a round of ringing.
func (r *ringRound) announceAfter() {
	j := r.j
	conf, tune := j.params()
	if !tune.AnnounceToFirstUser {
		return
	}
	if conf.AnnounceFrequency > 0 {
		j.sayPosition(r.ctx)
	}
	if conf.PeriodicAnnounceFrequency > 0 {
		j.periodic(r.ctx)
	}
}

// finish stops every ring still going; answers arriving after peer are
// hung up.
func (r *ringRound) finish(peer *attempt) {
	m := r.j.m
	left := 0
	for _, a := range r.attempts {
		if a.cancel != nil && a != peer {
			a.cancel()
		}
		if a.ringing {
			left++
		}
	}
	if left == 0 {
		return
	}
	go func() {
		for range left {
			res := <-r.results
			if res.ans != nil {
				res.ans.Hangup()
			}
			if res.a.claimed {
				m.mu.Lock()
				m.releaseLocked(res.a.mb)
				m.mu.Unlock()
			}
		}
	}()
}

// storeNextRRLocked is store_next_rr: rrmemory remembers the member after
// the one rung last.
func (r *ringRound) storeNextRRLocked() {
	q := r.j.e.q
	if best := r.best(); best != nil {
		q.rrpos = best.metric % 1000
	} else if q.wrapped {
		q.rrpos = 0
	} else {
		q.rrpos++
	}
	q.wrapped = false
}

// storeNextLinLocked is store_next_lin: linear goes on from the next
// member for this caller only.
func (r *ringRound) storeNextLinLocked() {
	e := r.j.e
	if best := r.best(); best != nil {
		e.linpos = best.metric % 1000
	} else if e.linwrapped {
		e.linpos = 0
	} else {
		e.linpos++
	}
	e.linwrapped = false
}

// rna is app_queue's rna (ring no answer): the RINGNOANSWER line and
// autopause.
func (j *joinState) rna(mb *member, ms int, autopause bool) {
	m, e := j.m, j.e
	m.mu.Lock()
	defer m.mu.Unlock()
	q := e.q
	m.logEvent(q.name, e.info.UniqueID, mb.name, EventRingNoAnswer, itoa(ms))
	if q.conf.AutoPause == "no" || q.conf.AutoPause == "" || !autopause {
		return
	}
	if d := q.tune.AutoPauseDelay; d > 0 && !mb.lastCall.IsZero() && time.Since(mb.lastCall) < d {
		return
	}
	which := q.name
	if q.conf.AutoPause == "all" {
		which = ""
	}
	if err := m.setPausedLocked(which, mb.iface, "Auto-Pause", true); err != nil {
		m.log.Warn("autopause", "queue", q.name, "interface", mb.iface, "err", err)
	}
}

// bridge is the part of try_calling after an answer: statistics, the
// member variables, CONNECT, the bridge and COMPLETECALLER/COMPLETEAGENT.
func (j *joinState) bridge(ctx context.Context, mb *member, ans Answered, ringtime int) Result {
	m, e := j.m, j.e
	q := e.q
	now := time.Now()
	hold := now.Sub(e.start)
	holdSecs := int(hold / time.Second)
	m.mu.Lock()
	q.holdtime = (q.holdtime*3 + holdSecs) >> 2
	inSL := hold <= q.conf.ServiceLevel
	callerVars := map[string]string{}
	if q.conf.SetInterfaceVar {
		last := int64(0)
		if !mb.lastCall.IsZero() {
			last = mb.lastCall.Unix()
		}
		callerVars["MEMBERINTERFACE"] = mb.iface
		callerVars["MEMBERNAME"] = mb.name
		callerVars["MEMBERCALLS"] = itoa(mb.calls)
		callerVars["MEMBERLASTCALL"] = strconv.FormatInt(last, 10)
		callerVars["MEMBERPENALTY"] = itoa(mb.penalty)
		callerVars["MEMBERDYNAMIC"] = boolDigit(mb.dynamic)
		callerVars["MEMBERREALTIME"] = "0"
	}
	if q.conf.SetQueueEntryVar {
		callerVars["QEHOLDTIME"] = itoa(holdSecs)
		callerVars["QEORIGINALPOS"] = itoa(e.opos)
	}
	if q.conf.SetQueueVar {
		q.queueVarsLocked(callerVars)
	}
	peerVars := make(map[string]string, len(callerVars))
	for k, v := range callerVars {
		peerVars[k] = v
	}
	callerVars["QUEUEPOSITION"] = itoa(e.pos)
	q.leaveLocked(e)
	e.handled = true
	m.forEachSameMemberLocked(q, mb, func(x *member) { x.inCall = true })
	m.logEvent(q.name, e.info.UniqueID, mb.name, EventConnect, itoa(holdSecs), ans.UniqueID(), itoa(ringtime))
	status := MemberStatus{Queue: q.name, Interface: mb.iface, Name: mb.name, StateInterface: mb.stateIface,
		Penalty: mb.penalty, Dynamic: mb.dynamic, RingInUse: mb.ringInUse, Calls: mb.calls, LastCall: mb.lastCall}
	m.mu.Unlock()

	j.caller.StopMusic()
	j.caller.SetVars(callerVars)
	if vs, ok := ans.(VarSetter); ok && len(peerVars) > 0 {
		vs.SetVars(peerVars)
	}
	callStart := time.Now()
	by, _ := ans.Wait(ctx)
	end := time.Now()
	talk := end.Sub(callStart)
	if by == PartyUnknown {
		by = PartyAgent
		if ctx.Err() != nil {
			by = PartyCaller
		}
	}
	ev := EventCompleteAgent
	if by == PartyCaller {
		ev = EventCompleteCaller
	}
	var data []string
	if tr, ok := ans.(Transferred); ok {
		if tev, fields, ok := tr.Transfer(); ok {
			ev, data = tev, fields
		}
	}
	data = append(data, secs(callStart.Sub(e.start)), secs(talk), itoa(e.opos))
	m.mu.Lock()
	m.logEvent(q.name, e.info.UniqueID, mb.name, ev, data...)
	m.updateQueueLocked(q, mb, inSL, int(talk/time.Second), end)
	m.mu.Unlock()

	r := Result{Outcome: OutcomeAnswered, Member: &status, HoldTime: hold, TalkTime: talk, Hangup: true}
	if j.opts.Continue {
		r.Status, r.StatusSet, r.Hangup = StatusContinue, true, ctx.Err() != nil
	}
	return r
}

// forEachSameMemberLocked calls f on mb, and with shared_lastcall on the
// member of the same interface in every queue.
func (m *Manager) forEachSameMemberLocked(q *queue, mb *member, f func(*member)) {
	if !m.general.SharedLastCall {
		f(mb)
		return
	}
	seen := false
	for _, oq := range m.queues {
		if x := oq.find(mb.iface); x != nil {
			f(x)
			seen = seen || x == mb
		}
	}
	if !seen {
		f(mb)
	}
}

// updateQueueLocked is update_queue: the member's call count and last
// call (for wrapuptime, leastrecent and fewestcalls) and the queue's
// completed calls and talk time average.
func (m *Manager) updateQueueLocked(q *queue, mb *member, inSL bool, talk int, now time.Time) {
	m.forEachSameMemberLocked(q, mb, func(x *member) {
		x.lastCall = now
		x.calls++
		x.lastQueue = q
		x.inCall = false
	})
	q.completed++
	if inSL {
		q.completedInSL++
	}
	if q.completedInSL == 1 {
		q.talktime = talk
	} else {
		q.talktime = (q.talktime*3 + talk) >> 2
	}
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
