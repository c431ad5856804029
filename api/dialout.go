package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"sync"
	"time"

	"github.com/obelisk-pbx/obelisk/outbound"
)

// Backend is the switch as the API needs it: it places a bot's call and
// hangs one up. pbx implements it over Switch.OriginateWith; tests use a
// fake.
type Backend interface {
	// Dial dials the request's number through the bot's trunk and returns
	// once the call is answered (Answered, with Done) or has failed.
	Dial(ctx context.Context, d DialRequest) (DialResult, error)
	// Hangup hangs up (or stops dialling) the channel with uniqueid;
	// false when there is none.
	Hangup(uniqueid string) bool
}

// DialRequest is one dial-out as the Backend places it.
type DialRequest struct {
	Bot      *Bot
	Number   string
	CallerID string
	WaitTime time.Duration
	Vars     map[string]string
	// MachineDetection runs AMD() on the answered call before the bot
	// flow; OnAMD then gets AMDSTATUS and AMDCAUSE.
	MachineDetection bool
	// OnChannel is called once the channel exists, before it is dialled.
	OnChannel func(channel, uniqueid string)
	// OnProgress is called for each provisional response (180, 183).
	OnProgress func(code int)
	OnAMD      func(status, cause string)
}

// DialResult is how a Dial ended.
type DialResult struct {
	Outcome outbound.Outcome
	// SIPCode and SIPReason are the final response of a failed INVITE.
	SIPCode           int
	SIPReason         string
	Channel, Uniqueid string
	// AnsweredAt and Done are set for an answered call; Done receives
	// one DialEnd when it is over.
	AnsweredAt time.Time
	Done       <-chan DialEnd
}

// DialEnd is how an answered call ended: its Q.850 cause and when; the
// MachineHangup is true when the call was hung up because AMD() said
// MACHINE.
type DialEnd struct {
	Cause         int
	At            time.Time
	MachineHangup bool
}

// DialoutRequest is the body of POST /api/v1/actions/dialout (seed 003's
// "bot", "target", "caller", "notifyUrl", with Obelisk's additions).
type DialoutRequest struct {
	Bot       string `json:"bot"`
	Target    string `json:"target"`
	Caller    string `json:"caller"`
	NotifyURL string `json:"notifyUrl"`
	// MachineDetection runs AMD() on the answer (machine-detected event).
	MachineDetection bool `json:"machineDetection"`
	// Timeout is how long the target may ring, in seconds (the bot's
	// waittime by default).
	Timeout   int               `json:"timeout"`
	Variables map[string]string `json:"variables"`
}

// requestError is a request the API refuses, with its HTTP status.
type requestError struct {
	status     int
	msg        string
	retryAfter time.Duration
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) *requestError {
	return &requestError{status: 400, msg: fmt.Sprintf(format, args...)}
}

var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\([A-Za-z0-9_]*\))?$`)

// liveCall is a call being placed or up: its record, guarded by mu, whose
// every change is saved (with its webhook) under mu, so a call's events
// are in the outbox in the order they happened.
type liveCall struct {
	mu       sync.Mutex
	c        Call
	canceled bool
}

// calls places dial-outs and follows them to their end.
type calls struct {
	srv *Server

	mu   sync.Mutex
	live map[CallID]*liveCall
	wg   sync.WaitGroup
}

// newCallID returns a random call id.
func newCallID() CallID {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return CallID("call_" + hex.EncodeToString(b[:]))
}

// place validates req, takes the bot's (and its trunk's) rate-limit
// slot, saves the call with its "initiated" webhook and starts dialling:
// the call record is returned once the webhook is durable.
func (cs *calls) place(ctx, reqCtx context.Context, client string, req DialoutRequest) (*Call, error) {
	s := cs.srv
	cfg := s.dialout()
	bot := cfg.Bot(req.Bot)
	if req.Bot == "" {
		return nil, badRequest("bot is required")
	}
	if bot == nil {
		return nil, &requestError{status: 404, msg: fmt.Sprintf("unknown bot %q", req.Bot)}
	}
	number, err := ParseTarget(req.Target)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	caller := bot.CallerID
	if req.Caller != "" {
		if caller, err = ParseTarget(req.Caller); err != nil {
			return nil, badRequest("caller: %v", err)
		}
	}
	wait := bot.WaitTime
	if req.Timeout != 0 {
		if req.Timeout < 1 || req.Timeout > 600 {
			return nil, badRequest("timeout: %d is not 1..600 seconds", req.Timeout)
		}
		wait = time.Duration(req.Timeout) * time.Second
	}
	notify := bot.NotifyURL
	if req.NotifyURL != "" {
		u, err := url.Parse(req.NotifyURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, badRequest("notifyUrl: %q is not an http(s) URL", req.NotifyURL)
		}
		notify = req.NotifyURL
	}
	for k := range req.Variables {
		if !varName.MatchString(k) {
			return nil, badRequest("variables: %q is not a channel variable name", k)
		}
	}
	release, err := cs.acquire(reqCtx, cfg, bot)
	if err != nil {
		return nil, err
	}
	now := s.now()
	lc := &liveCall{c: Call{
		ID: newCallID(), Bot: bot.ID, Client: client, Target: req.Target, Number: number, Caller: caller,
		Status: StatusInitiated, CreatedAt: now, NotifyURL: notify, Timeout: int(wait / time.Second),
		MachineDetection: req.MachineDetection, Variables: req.Variables,
	}}
	o, err := s.store.Save(&lc.c, EventInitiated, now)
	if err != nil {
		release()
		return nil, err
	}
	s.deliver.enqueue(o)
	cs.mu.Lock()
	cs.live[lc.c.ID] = lc
	cs.mu.Unlock()
	s.log.Info("dial-out initiated", "call", lc.c.ID, "bot", bot.ID, "number", number, "client", client)
	c := lc.c // before run changes it
	cs.wg.Add(1)
	go func() {
		defer cs.wg.Done()
		defer release()
		cs.run(ctx, lc, bot, wait)
	}()
	return &c, nil
}

// acquire takes a slot of the bot's limit and of its trunk's (when
// dialout.conf gives the trunk one), or says when to retry. With the
// bot's queuetimeout it waits that long for the slots (or until the
// client goes away) before refusing.
func (cs *calls) acquire(ctx context.Context, cfg *DialoutConfig, bot *Bot) (func(), error) {
	s := cs.srv
	botLim := s.limits.Get("bot/"+bot.ID, bot.Limit)
	tl, trunkLimited := cfg.Trunks[bot.Trunk]
	if bot.QueueTimeout > 0 {
		qctx, cancel := context.WithTimeout(ctx, bot.QueueTimeout)
		defer cancel()
		relBot, err := botLim.Acquire(qctx)
		if err != nil {
			return nil, &requestError{status: 429, retryAfter: time.Second,
				msg: fmt.Sprintf("bot %s is at its limit (%s) after waiting %v", bot.ID, bot.Limit, bot.QueueTimeout)}
		}
		if !trunkLimited {
			return relBot, nil
		}
		relTrunk, err := s.limits.Get("trunk/"+bot.Trunk, tl).Acquire(qctx)
		if err != nil {
			relBot()
			return nil, &requestError{status: 429, retryAfter: time.Second,
				msg: fmt.Sprintf("trunk %s is at its limit (%s) after waiting %v", bot.Trunk, tl, bot.QueueTimeout)}
		}
		return func() { relTrunk(); relBot() }, nil
	}
	relBot, after, ok := botLim.TryAcquire()
	if !ok {
		return nil, &requestError{status: 429, retryAfter: after,
			msg: fmt.Sprintf("bot %s is at its limit (%s)", bot.ID, bot.Limit)}
	}
	if !trunkLimited {
		return relBot, nil
	}
	relTrunk, after, ok := s.limits.Get("trunk/"+bot.Trunk, tl).TryAcquire()
	if !ok {
		relBot()
		return nil, &requestError{status: 429, retryAfter: after,
			msg: fmt.Sprintf("trunk %s is at its limit (%s)", bot.Trunk, tl)}
	}
	return func() { relTrunk(); relBot() }, nil
}

// update changes lc's record and saves it with event's webhook (none
// when event is "").
func (cs *calls) update(lc *liveCall, event string, change func(c *Call)) {
	s := cs.srv
	lc.mu.Lock()
	defer lc.mu.Unlock()
	change(&lc.c)
	o, err := s.store.Save(&lc.c, event, s.now())
	if err != nil {
		s.log.Error("call record not saved", "call", lc.c.ID, "event", event, "error", err)
		return
	}
	s.deliver.enqueue(o)
}

// run dials lc and follows it until it is over (or ctx ends: the switch
// stops, and the next start closes the record).
func (cs *calls) run(ctx context.Context, lc *liveCall, bot *Bot, wait time.Duration) {
	s := cs.srv
	lc.mu.Lock()
	req := DialRequest{Bot: bot, Number: lc.c.Number, CallerID: lc.c.Caller, WaitTime: wait,
		Vars: cloneMap(lc.c.Variables), MachineDetection: lc.c.MachineDetection}
	id := lc.c.ID
	lc.mu.Unlock()
	defer func() {
		cs.mu.Lock()
		delete(cs.live, id)
		cs.mu.Unlock()
	}()
	var rang sync.Once
	req.OnChannel = func(channel, uniqueid string) {
		cs.update(lc, "", func(c *Call) { c.Channel, c.Uniqueid = channel, uniqueid })
		lc.mu.Lock()
		canceled := lc.canceled
		lc.mu.Unlock()
		if canceled {
			s.backend.Hangup(uniqueid)
		}
	}
	req.OnProgress = func(code int) {
		rang.Do(func() {
			cs.update(lc, EventRinging, func(c *Call) {
				t := s.now()
				c.Status, c.RingingAt = StatusRinging, &t
			})
		})
	}
	req.OnAMD = func(status, cause string) {
		event := ""
		if status == "MACHINE" {
			event = EventMachineDetected
		}
		cs.update(lc, event, func(c *Call) { c.AMD = &AMDResult{Status: status, Cause: cause} })
	}
	// The slot was taken when the request came; the record's write since
	// took its own time: pace the INVITE itself to the bot's (and the
	// trunk's) rate.
	cfg := s.dialout()
	_ = s.limits.Get("bot/"+bot.ID, bot.Limit).Pace(ctx)
	if tl, ok := cfg.Trunks[bot.Trunk]; ok {
		_ = s.limits.Get("trunk/"+bot.Trunk, tl).Pace(ctx)
	}
	res, err := s.backend.Dial(ctx, req)
	if err != nil {
		s.log.Warn("dial-out failed", "call", id, "error", err)
	}
	if ctx.Err() != nil && (err != nil || res.Outcome != outbound.OutcomeAnswered) {
		return // the switch stops: the next start closes the record
	}
	if err != nil || res.Outcome != outbound.OutcomeAnswered {
		cs.update(lc, EventFailed, func(c *Call) { failed(c, res, err, lc.canceled, s.now()) })
		s.log.Info("dial-out not answered", "call", id, "status", lc.status(), "sipCode", res.SIPCode)
		return
	}
	cs.update(lc, EventAnswered, func(c *Call) {
		t := res.AnsweredAt
		c.Status, c.AnsweredAt = StatusAnswered, &t
		if res.Channel != "" {
			c.Channel, c.Uniqueid = res.Channel, res.Uniqueid
		}
	})
	var end DialEnd
	select {
	case end = <-res.Done:
	case <-ctx.Done():
		return
	}
	cs.update(lc, EventCompleted, func(c *Call) {
		at := end.At
		c.Status, c.EndedAt, c.Cause = StatusCompleted, &at, end.Cause
		if end.MachineHangup {
			c.Status = StatusMachineDetected
		}
		c.Duration = seconds(at.Sub(*c.AnsweredAt))
	})
	s.log.Info("dial-out completed", "call", id, "status", lc.status())
}

func (lc *liveCall) status() Status {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	return lc.c.Status
}

// failed sets the final status of a call never answered.
func failed(c *Call, res DialResult, err error, canceled bool, now time.Time) {
	c.EndedAt = &now
	c.SIPCode = res.SIPCode
	if res.Channel != "" {
		c.Channel, c.Uniqueid = res.Channel, res.Uniqueid
	}
	switch {
	case canceled:
		c.Status, c.Reason, c.Cause = StatusCanceled, "hung up through the API", 16
	case res.Outcome == outbound.OutcomeBusy:
		c.Status, c.Cause = StatusBusy, 17
	case res.Outcome == outbound.OutcomeNoAnswer:
		c.Status, c.Cause = StatusNoAnswer, 19
	default:
		c.Status, c.Cause = StatusFailed, 34
		if res.Outcome == outbound.OutcomeCongestion {
			c.Cause = 42
		}
	}
	switch {
	case c.Status == StatusCanceled:
	case res.SIPCode != 0:
		c.Reason = fmt.Sprintf("%d %s", res.SIPCode, res.SIPReason)
	case err != nil:
		c.Reason = err.Error()
	default:
		c.Reason = res.Outcome.String()
	}
}

func seconds(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }

// hangup hangs up a live call: a ringing one stops being dialled
// (canceled), an answered one is hung up (completed).
func (cs *calls) hangup(id CallID) (*Call, error) {
	cs.mu.Lock()
	lc := cs.live[id]
	cs.mu.Unlock()
	if lc == nil {
		c, err := cs.srv.store.Call(id)
		if err != nil {
			return nil, &requestError{status: 404, msg: fmt.Sprintf("no call %s", id)}
		}
		return c, &requestError{status: 409, msg: fmt.Sprintf("call %s is over (%s)", id, c.Status)}
	}
	lc.mu.Lock()
	if lc.c.Status != StatusAnswered {
		lc.canceled = true
	}
	uid := lc.c.Uniqueid
	c := lc.c
	lc.mu.Unlock()
	if uid != "" {
		cs.srv.backend.Hangup(uid)
	}
	cs.srv.log.Info("dial-out hung up through the API", "call", id, "status", c.Status)
	return &c, nil
}

// recover closes the records a stop or a kill left open: a call that was
// up is completed, one still dialling failed, each with its webhook.
func (cs *calls) recover() error {
	s := cs.srv
	all, err := s.store.Calls()
	if err != nil {
		return err
	}
	for _, c := range all {
		if c.Status.Final() {
			continue
		}
		now := s.now()
		event := EventFailed
		c.EndedAt, c.Reason = &now, "interrupted by a restart of the switch"
		if c.AnsweredAt != nil {
			event, c.Status = EventCompleted, StatusCompleted
			c.Duration = seconds(now.Sub(*c.AnsweredAt))
		} else {
			c.Status = StatusFailed
		}
		o, err := s.store.Save(c, event, now)
		if err != nil {
			return err
		}
		s.deliver.enqueue(o)
		s.log.Warn("dial-out left open by a restart closed", "call", c.ID, "status", c.Status)
	}
	return nil
}

// errStatus returns the HTTP status of err (500 for an unexpected one).
func errStatus(err error) (int, time.Duration) {
	var re *requestError
	if errors.As(err, &re) {
		return re.status, re.retryAfter
	}
	return 500, 0
}
