package pbx

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/queues"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

// Local channels, as Asterisk's core_local.c (chan_local before 12).
//
// Dialling Local/exten@context[/options] makes a pair of channels: ;1 is
// what the dialler (Dial, Queue, a call file) sees ringing and answering,
// ;2 runs the dialplan at exten@context with ;1's caller ID, language,
// account code and variables (ast_unreal_call_setup copies them all;
// ;1 got the dialler's inheritable ones, or a call file's Setvar lines).
//
// Obelisk implements the path Asterisk takes almost every time, the
// optimization: once ;2's Dial has an answered SIP leg, Asterisk swaps
// that leg in for ;1 in the dialler's bridge and hangs up both halves of
// the Local pair. Here ;2's Dial hands its answered leg straight to the
// dialler, which bridges it (or runs the call file's context on it) as
// if it had dialled it itself; ;2's Dial sets DIALSTATUS=ANSWER and ;2 is
// hung up, so its h extension runs at once, as after the optimization.
// Ringing and early media of ;2's legs reach the dialler too.
//
// With /n (no optimization) Asterisk keeps both halves up and relays the
// media through them; Obelisk still hands the leg over, but ;2's Dial
// stays until the leg ends, so ;2's dialplan ends when the call does (as
// its bridge would in Asterisk). /j (jitter buffer) and /m (music on hold
// passthrough) are accepted and change nothing.
//
// When ;2 ends without handing a leg over, the dialler sees the cause ;2
// ended with, as ast_unreal_hangup queues it on ;1: 17 is BUSY, 34
// CONGESTION, 16 and 19 NOANSWER, anything else CHANUNAVAIL (app_dial's
// handle_cause). ;2's own Dial sets that cause when it fails (BUSY 17,
// CONGESTION 34, CHANUNAVAIL 44) so that Hangup() without a cause passes
// it on.
//
// What is not there: ;2 answering and playing or recording itself
// (Answer, Playback, Read … without Dial) needs a media path between ;1
// and ;2, which Obelisk has not; ;2's Answer then fails, ;2 hangs up and
// the dialler sees CHANUNAVAIL. Queue() on ;2 is refused likewise.

// localSpec is a parsed Local/exten@context[/options] dial string.
type localSpec struct {
	exten, context string
	// noOptimize is /n.
	noOptimize bool
	// options are the option letters given, as written.
	options string
}

// String returns the dial string, Local/exten@context[/options].
func (l localSpec) String() string {
	s := "Local/" + l.exten + "@" + l.context
	if l.options != "" {
		s += "/" + l.options
	}
	return s
}

// parseLocal reads what follows "Local/" as core_local's local_request
// does: exten[@context][/options]; the context defaults to "default".
func parseLocal(rest string) (localSpec, error) {
	var l localSpec
	dest := rest
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		dest, l.options = rest[:i], rest[i+1:]
	}
	for _, o := range l.options {
		switch o {
		case 'n':
			l.noOptimize = true
		case 'j', 'm', 'b':
		default:
			return localSpec{}, fmt.Errorf("Local/%s: unknown option %q", rest, o)
		}
	}
	exten, context, ok := strings.Cut(dest, "@")
	if !ok || context == "" {
		context = "default"
	}
	if exten == "" {
		return localSpec{}, fmt.Errorf("Local/%s: no extension", rest)
	}
	l.exten, l.context = exten, context
	return l, nil
}

// resolveLocal is resolveTarget for Local/…: the target is the pair, once;
// an extension missing from the dialplan makes it unavailable, as
// local_call refuses it.
func (s *Switch) resolveLocal(spec, rest string) ([]dialTarget, error) {
	l, err := parseLocal(rest)
	if err != nil {
		return nil, err
	}
	if !s.localExists(l) {
		return nil, fmt.Errorf("no such extension/context %s@%s while calling Local channel", l.exten, l.context)
	}
	return []dialTarget{{spec: spec, local: &l}}, nil
}

func (s *Switch) localExists(l localSpec) bool {
	_, p, _ := s.engine.Dialplan().LookupPriority(l.context, l.exten, "", 1, time.Now())
	return p != nil
}

// localOrigin is what ;1 inherits from whoever dials the Local channel,
// and ;2 then copies.
type localOrigin struct {
	// vars are named as ivr.ChannelOptions.Vars takes them.
	vars        map[string]string
	language    string
	accountCode string
	linkedID    string
}

// originOf is what a channel dialling out passes on: its inheritable
// variables (ast_channel_inherit_variables), language and account code.
func originOf(ch *ivr.Channel) localOrigin {
	return localOrigin{vars: ch.Inheritable(), language: ch.Language(), accountCode: ch.AccountCode, linkedID: ch.LinkedID}
}

// placeCall places one target: a SIP leg through the B2BUA, or a Local
// channel whose ;2 finds the leg. Errors are *b2bua.DialError, so that
// b2bua.DialStatus reads them.
func (s *Switch) placeCall(ctx context.Context, t dialTarget, r b2bua.DialRequest, from localOrigin) (*b2bua.Outbound, error) {
	if t.local != nil {
		return s.dialLocal(ctx, *t.local, r, from)
	}
	return s.sip.agent.Dial(ctx, r)
}

// localChannels counts the Local channels up, by exten@context, for their
// device state.
type localChannels struct {
	mu sync.Mutex
	up map[string]int
}

func (c *localChannels) add(key string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.up == nil {
		c.up = map[string]int{}
	}
	c.up[key] += n
	if c.up[key] <= 0 {
		delete(c.up, key)
	}
}

func (c *localChannels) count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.up[key]
}

// localDeviceState is core_local's local_devicestate: INVALID when
// exten@context does not exist, INUSE while a Local channel to it is up,
// NOT_INUSE otherwise.
func (s *Switch) localDeviceState(rest string) queues.DeviceState {
	l, err := parseLocal(rest)
	if err != nil || !s.localExists(l) {
		return queues.DeviceInvalid
	}
	if s.locals.count(l.exten+"@"+l.context) > 0 {
		return queues.DeviceInUse
	}
	return queues.DeviceNotInUse
}

// errLocalNoMedia is ;2 answering by itself.
var errLocalNoMedia = errors.New("Local channel: ;2 answered by itself, and there is no media path between ;1 and ;2 (only a ;2 that dials is supported)")

// localCall is ivr.Call for a Local channel's ;2 until it hands a leg
// over. It has no media of its own.
type localCall struct {
	s    *Switch
	spec localSpec
	name string // the pair's name, without ;1/;2
	// req is the dialler's request: the caller ID, Max-Forwards, codecs
	// and progress callback ;2's legs take on.
	req b2bua.DialRequest
	// handoff takes ;2's answered leg to the dialler, while gone is open.
	handoff chan *b2bua.Outbound
	gone    chan struct{}
	// noMedia is set when ;2 tried to answer by itself.
	noMedia bool
}

var _ ivr.Call = (*localCall)(nil)

// dialLocal runs ;2 and waits for the leg it hands over, or its end, or
// ctx (the dialler giving up, which hangs ;2 up).
func (s *Switch) dialLocal(ctx context.Context, l localSpec, r b2bua.DialRequest, from localOrigin) (*b2bua.Outbound, error) {
	if !s.localExists(l) {
		return nil, &b2bua.DialError{Code: 404, Reason: "Not Found", Err: fmt.Errorf("no such extension/context %s@%s while calling Local channel", l.exten, l.context)}
	}
	lc := &localCall{
		s: s, spec: l, req: r,
		name:    fmt.Sprintf("Local/%s@%s-%08x", l.exten, l.context, s.channels.Add(1)),
		handoff: make(chan *b2bua.Outbound),
		gone:    make(chan struct{}),
	}
	defer close(lc.gone)
	ch := s.engine.NewChannel(lc, ivr.ChannelOptions{
		Name:        lc.name + ";2",
		LinkedID:    from.linkedID,
		Context:     l.context,
		Exten:       l.exten,
		CallerID:    ivr.CallerID{Num: r.CallerNum, Name: r.CallerName},
		Language:    from.language,
		AccountCode: from.accountCode,
		Vars:        from.vars,
		State:       ivr.StateRing,
	})
	key := l.exten + "@" + l.context
	s.locals.add(key, 1)
	// ;2 lives on after the dialler has its leg (its h extension, or
	// the whole call with /n): its context is its own, ended early only
	// when the dialler gives up before the answer.
	lctx, hangup := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan ivr.Result, 1)
	go func() {
		defer s.locals.add(key, -1)
		defer hangup()
		ch.Logger().Info("Local channel", "dial", l.String(), "from", r.CallerNum)
		res := s.engine.Run(lctx, ch)
		ch.Logger().Info("Local channel ;2 ended", "cause", res.Cause, "reason", res.Reason)
		done <- res
	}()
	select {
	case out := <-lc.handoff:
		return out, nil
	case res := <-done:
		return nil, lc.failure(ch, res)
	case <-ctx.Done():
		hangup()
		return nil, &b2bua.DialError{Err: ctx.Err()}
	}
}

// failure is the dial error the dialler sees when ;2 ended with cause,
// as app_dial's handle_cause reads a Local channel's hangup.
func (lc *localCall) failure(ch *ivr.Channel, res ivr.Result) error {
	err := fmt.Errorf("%s;2 hung up with cause %d (%s)", lc.name, res.Cause, res.Reason)
	if lc.noMedia {
		return &b2bua.DialError{Code: 488, Reason: "Not Acceptable Here", Err: fmt.Errorf("%w: %v", errLocalNoMedia, err)}
	}
	code, reason := 404, "Not Found" // CHANUNAVAIL
	switch res.Cause {
	case ivr.CauseUserBusy:
		code, reason = 486, "Busy Here"
	case ivr.CauseCongestion:
		code, reason = 503, "Service Unavailable"
	case ivr.CauseNormalClearing, ivr.CauseNoAnswer, 0:
		code, reason = 480, "Temporarily Unavailable" // NOANSWER
	}
	return &b2bua.DialError{Code: code, Reason: reason, Err: err}
}

// giveLeg hands ;2's answered leg to the dialler; false when the dialler
// is gone (the leg is then ;2's to hang up).
func (lc *localCall) giveLeg(out *b2bua.Outbound) bool {
	select {
	case lc.handoff <- out:
		return true
	case <-lc.gone:
		return false
	}
}

// Answer fails: ;2 has no media towards ;1 (see the package comment).
func (lc *localCall) Answer(context.Context) error {
	lc.noMedia = true
	return errLocalNoMedia
}

// Hangup ends ;2; the dialler learns it from Engine.Run's result.
func (lc *localCall) Hangup(context.Context, int) error { return nil }

// Indicate does nothing: the dialler hears ;2's legs ring through them.
func (lc *localCall) Indicate(context.Context, ivr.Indication) error { return nil }

// Play fails as Answer does: an unanswered ;2 has no early media either.
func (lc *localCall) Play(context.Context, string, string, string) (rune, error) {
	lc.noMedia = true
	return 0, errLocalNoMedia
}

// WaitDigit waits: no digits reach ;2.
func (lc *localCall) WaitDigit(ctx context.Context, timeout time.Duration) (rune, error) {
	return waitDigit(ctx, nil, nil, timeout)
}

// SendDigits does nothing.
func (lc *localCall) SendDigits(context.Context, string) error { return nil }

// localDial is Dial() on a Local channel's ;2: the targets are rung at
// once with ;2's caller ID, and the first to answer is handed to the
// dialler of the Local channel (the optimization). Options other than the
// timeout change nothing here: the bridge, and its features, are the
// dialler's.
func (lc *localCall) dial(ctx context.Context, ch *ivr.Channel, args string) error {
	s := lc.s
	parts := ivr.SplitArgs(args)
	var timeout time.Duration
	if len(parts) > 1 && strings.TrimSpace(parts[1]) != "" {
		n, err := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
		if err != nil || n < 0 {
			ch.Logger().Warn("Dial: invalid timeout, ignoring", "timeout", parts[1])
		} else {
			timeout = time.Duration(n * float64(time.Second))
		}
	}
	ch.SetVar("DIALSTATUS", "")
	var targets []dialTarget
	for _, spec := range strings.Split(parts[0], "&") {
		if spec = strings.TrimSpace(spec); spec == "" {
			continue
		}
		t, err := s.resolveTarget(spec)
		if err != nil {
			ch.Logger().Info("Dial: target unavailable", "target", spec, "reason", err)
			continue
		}
		targets = append(targets, t...)
	}
	if len(targets) == 0 {
		lc.dialFailed(ch, "CHANUNAVAIL")
		return nil
	}
	start := time.Now()
	dctx, cancel := context.WithCancel(ctx)
	if timeout > 0 {
		dctx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	type result struct {
		out *b2bua.Outbound
		err error
	}
	cid := ch.CallerID()
	from := originOf(ch)
	results := make(chan result, len(targets))
	for _, t := range targets {
		go func(t dialTarget) {
			out, err := s.placeCall(dctx, t, b2bua.DialRequest{
				Target: t.uri, Endpoint: t.ep, Username: t.username, Password: t.password,
				CallerNum: cid.Num, CallerName: cid.Name, MaxForwards: lc.req.MaxForwards - 1,
				Codecs: lc.req.Codecs, OnProgress: lc.req.OnProgress,
			}, from)
			results <- result{out, err}
		}(t)
	}
	var answered *b2bua.Outbound
	statuses := map[string]int{}
	for range targets {
		r := <-results
		switch {
		case r.err == nil && answered == nil:
			answered = r.out
			cancel()
		case r.err == nil:
			_ = r.out.Hangup(context.WithoutCancel(ctx))
			r.out.Close()
		default:
			st := b2bua.DialStatus(r.err)
			statuses[st]++
			ch.Logger().Info("Dial: leg failed", "status", st, "error", r.err)
		}
	}
	ch.SetVar("DIALEDTIME", strconv.Itoa(int(time.Since(start).Seconds())))
	if answered == nil {
		status := "CHANUNAVAIL"
		switch {
		case ctx.Err() != nil:
			ch.SetVar("DIALSTATUS", "CANCEL")
			return ivr.ErrHangup
		case statuses["BUSY"] > 0:
			status = "BUSY"
		case statuses["NOANSWER"] > 0:
			status = "NOANSWER"
		case statuses["CONGESTION"] > 0:
			status = "CONGESTION"
		}
		lc.dialFailed(ch, status)
		return nil
	}
	if !lc.giveLeg(answered) {
		// The dialler went away as the leg answered.
		_ = answered.Hangup(context.WithoutCancel(ctx))
		answered.Close()
		ch.SetVar("DIALSTATUS", "CANCEL")
		return ivr.ErrHangup
	}
	ch.SetVar("DIALSTATUS", "ANSWER")
	answeredAt := time.Now()
	ch.Logger().Info("Dial: Local channel optimized away", "local", lc.name, "callee", answered.Target, "no_optimize", lc.spec.noOptimize)
	if lc.spec.noOptimize {
		select {
		case <-answered.Context().Done():
		case <-ctx.Done():
		}
	}
	ch.SetVar("ANSWEREDTIME", strconv.Itoa(int(time.Since(answeredAt).Seconds())))
	ch.SetHangupCause(ivr.CauseNormalClearing)
	return ivr.ErrHangup
}

// dialFailed sets DIALSTATUS and the hangup cause a Hangup() without
// argument passes on to ;1, as app_dial sets the caller's cause from the
// failed leg.
func (lc *localCall) dialFailed(ch *ivr.Channel, status string) {
	ch.SetVar("DIALSTATUS", status)
	switch status {
	case "BUSY":
		ch.SetHangupCause(ivr.CauseUserBusy)
	case "CONGESTION":
		ch.SetHangupCause(ivr.CauseCongestion)
	case "CHANUNAVAIL":
		ch.SetHangupCause(ivr.CauseChanUnavailable)
	}
	ch.Logger().Info("Dial: no answer", "dialstatus", status)
}

// checkLocalMember warns about a queue member Local/exten@context whose
// extension the dialplan does not have (its calls would all be
// CHANUNAVAIL, as local_call refuses them).
func checkLocalMember(c *Config, queue, iface, rest string, pos config.Pos) config.Diagnostics {
	l, err := parseLocal(rest)
	switch {
	case err != nil:
		return config.Diagnostics{config.Warnf(pos, "queue %s: member %v", queue, err)}
	case c.Dialplan == nil:
		return nil
	case c.Dialplan.Context(l.context) == nil:
		return config.Diagnostics{config.Warnf(pos, "queue %s: member %s: context %q does not exist in extensions.conf", queue, iface, l.context)}
	}
	if _, p, _ := c.Dialplan.LookupPriority(l.context, l.exten, "", 1, time.Now()); p == nil {
		return config.Diagnostics{config.Warnf(pos, "queue %s: member %s: no extension %s in [%s]", queue, iface, l.exten, l.context)}
	}
	return nil
}
