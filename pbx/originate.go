package pbx

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/outbound"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

// Originate is the one path by which the switch places a call of its own:
// call files (spool.go), the manager's Originate (ami.go) and the HTTP
// API all come here, as pbx_spool and manager.c both end in
// ast_pbx_outgoing_exten/app. The request has a call file's shape
// (outbound.CallFile: Channel, WaitTime, CallerID, Account, Vars, then
// Context/Extension/Priority or Application/Data).
//
// The Channel (SIP/…, PJSIP/…, Local/exten@context) is dialled for
// WaitTime. The channel exists, and is announced (Newchannel), before it
// is dialled, with the request's variables set on it; once it answers it
// runs the dialplan (or its one application) on a goroutine of its own
// and Originate returns OutcomeAnswered; otherwise it returns the
// attempt's outcome (BUSY, NOANSWER, CONGESTION, CHANUNAVAIL, FAILED) and
// the channel is hung up (Hangup event).
func (s *Switch) Originate(ctx context.Context, cf *outbound.CallFile) (Originated, error) {
	return s.OriginateWith(ctx, cf, OriginateHooks{})
}

// OriginateHooks let an Originate's caller follow it while it rings (the
// HTTP API's webhooks, campaigns, the Telegram bot).
type OriginateHooks struct {
	// OnChannel is called with the channel once it exists, before it is
	// dialled.
	OnChannel func(ch *ivr.Channel)
	// OnProgress is called for each provisional response the channel's
	// INVITE gets (180 Ringing, 183 Session Progress).
	OnProgress func(code int)
}

// OriginateWith is Originate with hooks.
func (s *Switch) OriginateWith(ctx context.Context, cf *outbound.CallFile, hooks OriginateHooks) (Originated, error) {
	if s.sip == nil {
		return Originated{Outcome: outbound.OutcomeFailed}, fmt.Errorf("originate %s: no SIP service", cf.Channel)
	}
	targets, err := s.resolveTarget(cf.Channel)
	if err != nil || len(targets) == 0 {
		s.log.Info("originate: channel unavailable", "name", cf.Name, "channel", cf.Channel, "reason", err)
		return Originated{Outcome: outbound.OutcomeChanUnavail}, nil
	}
	t := targets[0] // a registered phone's first contact, the trunk, or a Local pair
	// The channel exists before it is dialled, as pbx_outgoing_attempt
	// sets the file's variables on it before ast_call: a Local channel's
	// ;2 copies them, and CHANNEL(language) is in force from the start.
	call := &originatedCall{}
	ch := s.engine.NewChannel(call, s.originatedOptions(cf, t))
	s.setCallFileVars(ch, cf)
	dctx, cancel := context.WithTimeout(ctx, cf.WaitTime)
	defer cancel()
	s.channelUp(ch, call.hangup(cancel))
	if hooks.OnChannel != nil {
		hooks.OnChannel(ch)
	}
	res := Originated{Channel: ch.Name, Uniqueid: ch.UniqueID}
	cid := ch.CallerID()
	req := b2bua.DialRequest{
		Target: t.uri, Endpoint: t.ep, Username: t.username, Password: t.password,
		CallerNum: cid.Num, CallerName: cid.Name, MaxForwards: 70,
	}
	if hooks.OnProgress != nil {
		req.OnProgress = func(_ *b2bua.Outbound, code int, _ bool) { hooks.OnProgress(code) }
	}
	out, err := s.originateDial(dctx, ch, cf, t, req,
		localOrigin{vars: allVars(ch), language: ch.Language(), accountCode: ch.AccountCode, linkedID: ch.LinkedID})
	if err != nil {
		var de *b2bua.DialError
		if errors.As(err, &de) {
			res.SIPCode, res.SIPReason = de.Code, de.Reason
		}
		st := b2bua.DialStatus(err)
		if st == "CANCEL" && ctx.Err() == nil {
			st = "NOANSWER" // WaitTime ran out
		}
		res.Outcome, err = outbound.ParseOutcome(st)
		if err != nil {
			res.Outcome = outbound.OutcomeFailed
		}
		s.log.Info("originate: not answered", "name", cf.Name, "channel", cf.Channel, "dialstatus", st)
		s.channelDown(ch, dialStatusCause(st))
		return res, nil
	}
	// The answered party is the channel's caller: the dialplan runs on it
	// as on an inbound call, so its Dial calls a second party and bridges
	// the two (click-to-call), and its CDRs are the originated ones.
	caller := newSIPCall(s, b2bua.AsCaller(out))
	caller.ch = ch
	caller.cdr = cdrOf(ch)
	call.answered(caller)
	s.live.addCall(caller, ch, out.Leg) // its digits are the channel's (DTMF events)
	ch.SetState(ivr.StateUp)
	s.channelState(ch)
	done := make(chan Ended, 1)
	res.Answered, res.Done = time.Now(), done
	go func() {
		s.runOriginated(out, ch, cf)
		done <- Ended{Cause: ch.HangupCause(), At: time.Now(), Vars: allVars(ch)}
	}()
	res.Outcome = outbound.OutcomeAnswered
	return res, nil
}

// Originated is how an Originate ended: its outcome and the channel made.
type Originated struct {
	Outcome           outbound.Outcome
	Channel, Uniqueid string
	// SIPCode and SIPReason are the final response of an INVITE that
	// failed (486 Busy Here …); 0 when none came (timeout, no route).
	SIPCode   int
	SIPReason string
	// Answered is when an answered channel answered; Done, for an
	// answered channel only (nil otherwise), receives one Ended once its
	// dialplan or application is over and the channel hung up.
	Answered time.Time
	Done     <-chan Ended
}

// Ended is how an answered originated call ended: its hangup cause, when,
// and the channel's variables then (what the dialplan left in them, such
// as AMDSTATUS or a campaign's result).
type Ended struct {
	Cause int
	At    time.Time
	Vars  map[string]string
}

// originatedCall is the Call of an originated channel: the answered
// party's sipCall (over b2bua.AsCaller), set once the channel is answered
// (the dialplan runs only then).
type originatedCall struct {
	ivr.Call

	mu sync.Mutex
	// leg is the answered call, nil while dialling.
	leg *sipCall
}

// answered sets the answered party's call.
func (c *originatedCall) answered(sc *sipCall) {
	c.mu.Lock()
	c.Call, c.leg = sc, sc
	c.mu.Unlock()
}

// caller returns the answered party's call, nil while dialling: what
// Dial runs on for an originated channel.
func (c *originatedCall) caller() *sipCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.leg
}

// originatedCaller is the sipCall of an answered originated channel.
func originatedCaller(ch *ivr.Channel) (*sipCall, bool) {
	if oc, ok := ch.Call().(*originatedCall); ok {
		if c := oc.caller(); c != nil {
			return c, true
		}
	}
	return nil, false
}

// hangup returns the channel's hangup for the registry: it cancels the
// dial while ringing, and hangs the leg up once answered.
func (c *originatedCall) hangup(cancelDial context.CancelFunc) func(int) {
	return func(cause int) {
		c.mu.Lock()
		leg := c.leg
		c.mu.Unlock()
		if leg == nil {
			cancelDial()
			return
		}
		_ = leg.Hangup(context.Background(), cause)
	}
}

// dialStatusCause is the hangup cause of an unanswered channel, as
// app_dial's and ast_pbx_outgoing's statuses come from it.
func dialStatusCause(st string) int {
	switch st {
	case "BUSY":
		return ivr.CauseUserBusy
	case "NOANSWER", "CANCEL":
		return ivr.CauseNoAnswer
	case "CONGESTION":
		return ivr.CauseCongestion
	}
	return ivr.CauseChanUnavailable
}

// originatedDone ends an answered originated channel once its dialplan
// is done: the caller's media (music on hold, generators) stops and
// Hangup is published.
func (s *Switch) originatedDone(ch *ivr.Channel) {
	if c, ok := originatedCaller(ch); ok {
		c.closeMedia()
	}
	s.channelDown(ch, ch.HangupCause())
}
