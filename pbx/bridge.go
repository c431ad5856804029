package pbx

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/obelisk-pbx/obelisk/dtmf"
	"github.com/obelisk-pbx/obelisk/features"
	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/media"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

// A bridge session is one two-party call as Asterisk's basic bridge holds
// it (main/bridge_basic.c): the caller's leg and the answered leg, the
// media between them, each party's feature codes (features.conf, enabled
// by Dial's and Queue's options t T h H x X k K), a time limit, and the
// watch for either party hanging up. Dial and Queue both run one
// (runBridge) and learn from its result who hung up or what a feature did.
//
// The session's goroutine owns its parties: features and the requests of
// other components (a SIP REFER, see bridgeRegistry) run on it, one at a
// time. A party may leave during the call (a transfer) and another take
// its place; the session closes the called legs it holds when it ends,
// except one handed to a channel of its own.

// bridgeParty is one side of a bridge session: the leg of the channel
// running the dialplan (call set, the Dial or Queue caller) or a called
// leg (out set).
type bridgeParty struct {
	leg  *b2bua.Leg
	call *sipCall
	out  *b2bua.Outbound
	// name is the party's channel name (SIP/1001-0000000a).
	name string
	// codes are the feature codes this party may dial: code → feature.
	codes map[string]string
	// tctx is the context a transfer by this party dials in (Asterisk's
	// get_transfer_context: TRANSFER_CONTEXT, else the channel's context).
	tctx string
	lang string

	w   *featureWatcher
	gen *legGenerator // music on hold of a called party
}

// calleeParty is the bridge party of an answered called leg.
func (s *Switch) calleeParty(ch *ivr.Channel, out *b2bua.Outbound, codes map[string]string) *bridgeParty {
	name := "SIP/callee"
	if ep := out.Endpoint(); ep != nil {
		name = "SIP/" + ep.Name
	}
	tctx := ch.Var("TRANSFER_CONTEXT")
	if ep := out.Endpoint(); tctx == "" && ep != nil {
		tctx = ep.Context
	}
	return &bridgeParty{leg: out.Leg, out: out, name: fmt.Sprintf("%s-%08x", name, s.channels.Add(1)), codes: codes,
		tctx: firstNonEmpty(tctx, ch.Context), lang: ch.Language()}
}

// callerParty is the bridge party of the dialplan channel's own call.
func callerParty(ch *ivr.Channel, call *sipCall, codes map[string]string) *bridgeParty {
	return &bridgeParty{leg: call.in.Leg, call: call, name: ch.Name, codes: codes,
		tctx: firstNonEmpty(ch.Var("TRANSFER_CONTEXT"), ch.Context), lang: ch.Language()}
}

// hangup ends the party's call (BYE); nil is no party.
func (p *bridgeParty) hangup(ctx context.Context) {
	if p == nil {
		return
	}
	p.unhold()
	if p.out != nil {
		_ = p.out.Hangup(ctx)
		return
	}
	_ = p.call.in.Hangup(ctx, ivr.CauseNormalClearing)
}

// gone reports whether the party's leg has ended.
func (p *bridgeParty) gone() bool { return p.leg.Context().Err() != nil }

// done is closed when the party's leg ends; nil (never) for no party.
func (p *bridgeParty) done() <-chan struct{} {
	if p == nil {
		return nil
	}
	return p.leg.Context().Done()
}

// hold plays music on hold to the party, as ast_bridge_channel_write_hold
// has the bridge do for the party a transferer leaves waiting.
func (p *bridgeParty) hold(s *Switch, class string) {
	if p.call != nil {
		if err := p.call.startMusicOnHold(class); err != nil {
			p.leg.Logger().Warn("bridge: no music on hold", "error", err)
		}
		return
	}
	p.unhold()
	fr, err := s.mohPlayer(class, p.leg.Media().Audio().Codec(), p.leg.Logger())
	if err != nil {
		p.leg.Logger().Warn("bridge: no music on hold", "error", err)
		return
	}
	p.gen = startLegGenerator(p.leg, fr)
}

// unhold stops the party's music on hold (or ringback).
func (p *bridgeParty) unhold() {
	if p.call != nil {
		p.call.stopGenerator()
		return
	}
	if p.gen != nil {
		p.gen.stop()
		p.gen = nil
	}
}

// ring plays the ringback tone of the party's language to it.
func (p *bridgeParty) ring(s *Switch) {
	p.unhold()
	z := zoneFor("", p.lang)
	l, err := parseToneList(z.resolve("ring"))
	if err != nil {
		return
	}
	tr, err := newToneReader(l, p.leg.Media().Audio().Codec())
	if err != nil {
		return
	}
	if p.call != nil {
		p.call.startGenerator("ring", tr)
		return
	}
	p.gen = startLegGenerator(p.leg, tr)
}

// play plays sound to the party; a digit of stop read from digits ends it
// and is returned.
func (p *bridgeParty) play(ctx context.Context, s *Switch, sound string, digits <-chan rune, stop string) (rune, error) {
	p.unhold()
	codec := p.leg.Media().Audio().Codec()
	if codec == "" {
		return 0, b2bua.ErrNoMedia
	}
	fr, err := s.soundFrames(ctx, sound, p.lang, codec)
	if err != nil {
		return 0, err
	}
	return playOnLeg(ctx, p.leg, digits, fr, stop)
}

// beep plays the "beep" sound of the party's language, or the built-in
// tone when there is none (as Record's beep).
func (p *bridgeParty) beep(ctx context.Context, s *Switch, sound string) {
	if sound == "" {
		sound = "beep"
	}
	if _, err := p.play(ctx, s, sound, nil, ""); err == nil || !errors.Is(err, ivr.ErrSoundNotFound) {
		return
	}
	codec := p.leg.Media().Audio().Codec()
	if codec == "" {
		return
	}
	fr, err := beepSound().Frames(codec)
	if err != nil {
		return
	}
	_, _ = playOnLeg(ctx, p.leg, nil, fr, "")
}

// legGenerator is a FrameReader playing to a called leg in the background.
type legGenerator struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func startLegGenerator(leg *b2bua.Leg, fr media.FrameReader) *legGenerator {
	ctx, cancel := context.WithCancel(leg.Context())
	g := &legGenerator{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(g.done)
		_ = leg.Play(ctx, fr)
	}()
	return g
}

func (g *legGenerator) stop() {
	g.cancel()
	<-g.done
}

// bridgeEnd is how a bridge session ended, seen from the dialplan channel
// that ran it.
type bridgeEnd int

const (
	bridgeEndUnknown bridgeEnd = iota
	// bridgeCallerHungUp: the caller's leg ended (BYE, or the caller's
	// disconnect code); the called party is hung up.
	bridgeCallerHungUp
	// bridgeCalleeHungUp: the called party hung up (or dialled its
	// disconnect code); the caller goes on as Dial's g option says.
	bridgeCalleeHungUp
	// bridgeLimit: Dial's L() time ran out; both are hung up.
	bridgeLimit
	// bridgeCallerTransferred: the called party transferred the caller,
	// whose channel now goes on where ch.Goto sent it.
	bridgeCallerTransferred
	// bridgeCallerLeft: the caller transferred the called party away (or
	// was replaced in the call); the caller is hung up.
	bridgeCallerLeft
)

var bridgeEndNames = [...]string{bridgeEndUnknown: "unknown", bridgeCallerHungUp: "caller hung up",
	bridgeCalleeHungUp: "callee hung up", bridgeLimit: "limit", bridgeCallerTransferred: "caller transferred",
	bridgeCallerLeft: "caller left"}

func (e bridgeEnd) String() string {
	if e >= 0 && int(e) < len(bridgeEndNames) {
		return bridgeEndNames[e]
	}
	return "unknown"
}

// bridgeResult is what a bridge session did.
type bridgeResult struct {
	end bridgeEnd
	// talk is how long the caller was bridged.
	talk time.Duration
	// transfer is "BLINDTRANSFER" or "ATTENDEDTRANSFER" when the call
	// ended in a transfer, with where it went.
	transfer, exten, context string
}

// bridgeSession is one running two-party bridge (see the top of the file).
type bridgeSession struct {
	sw  *Switch
	ch  *ivr.Channel // the dialplan channel that runs the session
	app string       // "Dial" or "Queue", for logs
	// origin is the dialplan channel's own call.
	origin *sipCall
	a, b   *bridgeParty
	limit  time.Duration

	featureTimeout time.Duration
	hits           chan featureHit
	reqs           chan bridgeRequest
	media          *media.Bridge
	// result is set by a feature or request that ends the session.
	result *bridgeResult
	// transferred is the transfer that put a new party in the session
	// (an attended transfer completed by the called party): the result
	// reports it when the session ends.
	transferred *bridgeResult
	start       time.Time
	// ended is closed when run returns.
	ended chan struct{}
	// automon is the recording automixmon started, if any.
	automon *autoMonitor
	// lent is the dialplan channel's party while another bridge holds it
	// (an attended transfer by REFER): the session only waits for its end.
	lent *bridgeParty
}

// newBridgeSession prepares a session between the caller and the called
// party; run starts it.
func (s *Switch) newBridgeSession(app string, ch *ivr.Channel, caller, callee *bridgeParty, limit time.Duration) *bridgeSession {
	ft := features.DefaultFeatureDigitTimeout
	if f := s.Config().Features; f != nil {
		ft = f.General.FeatureDigitTimeout
	}
	return &bridgeSession{sw: s, ch: ch, app: app, origin: caller.call, a: caller, b: callee, limit: limit,
		featureTimeout: ft, hits: make(chan featureHit, 4), reqs: make(chan bridgeRequest), ended: make(chan struct{})}
}

// connect starts the media between the two parties and their feature
// watchers.
func (bs *bridgeSession) connect() {
	bs.a.unhold()
	bs.b.unhold()
	bs.media = b2bua.Bridge(bs.a.leg, bs.b.leg)
	bs.watch(bs.a, bs.b)
	bs.watch(bs.b, bs.a)
	if bs.origin != nil && (bs.a.call == bs.origin || bs.b.call == bs.origin) {
		bs.origin.setBridged(true) // MixMonitor's b option records from here
	}
	bs.cdrBridged() // each dialplan channel's record names its partner (cdr.go)
	// BridgeEnter (events.go)
	bs.publishBridge("BridgeEnter")
}

// disconnect stops the media and the feature watchers; the parties keep
// their legs.
func (bs *bridgeSession) disconnect() {
	if bs.media != nil {
		bs.media.Stop()
		bs.media = nil
		bs.publishBridge("BridgeLeave") // events.go
	}
	for _, p := range []*bridgeParty{bs.a, bs.b} {
		if p == nil {
			continue
		}
		if p.w != nil {
			p.w.stop()
			p.w = nil
		}
		p.leg.OnDTMF(func(dtmf.Event) {})
	}
	if bs.origin != nil {
		bs.origin.setBridged(false)
	}
}

// watch routes from's digits: RFC 4733 events cross the bridge with the
// media and digits that came by SIP INFO are sent on, except for a party
// with feature codes: its digits are matched first, and sent on when they
// are no code (Asterisk's bridge DTMF hooks).
func (bs *bridgeSession) watch(from, to *bridgeParty) {
	if len(from.codes) == 0 {
		from.leg.OnDTMF(forwardInfoDTMF(to.leg))
		return
	}
	bs.media.HoldDTMF(from.leg.Media(), true)
	var w *featureWatcher
	w = newFeatureWatcher(from.codes, bs.featureTimeout, to.leg.SendDTMF, func(f string) {
		select {
		case bs.hits <- featureHit{party: from, feature: f, w: w}:
		default:
		}
	})
	from.w = w
	from.leg.OnDTMF(func(ev dtmf.Event) { w.digit(ev.Digit) })
}

// other is the party facing p.
func (bs *bridgeSession) other(p *bridgeParty) *bridgeParty {
	if p == bs.a {
		return bs.b
	}
	return bs.a
}

// partyOf returns the party whose leg is leg, or nil.
func (bs *bridgeSession) partyOf(leg *b2bua.Leg) *bridgeParty {
	switch {
	case bs.a != nil && bs.a.leg == leg:
		return bs.a
	case bs.b != nil && bs.b.leg == leg:
		return bs.b
	}
	return nil
}

// run bridges the parties until the call ends and reports how.
func (bs *bridgeSession) run(ctx context.Context) bridgeResult {
	s := bs.sw
	bs.start = time.Now()
	defer close(bs.ended)
	s.bridges.add(bs, bs.a.leg, bs.b.leg)
	defer s.bridges.remove(bs)
	bs.connect()
	defer bs.closeParties()
	defer bs.disconnect()
	if bs.origin != nil {
		defer bs.origin.listenDTMF()
	}
	bs.ch.Logger().Info(bs.app+": bridged", "callee", bs.b.name,
		"caller_codec", bs.a.leg.Media().Audio().Codec(), "callee_codec", bs.b.leg.Media().Audio().Codec())
	var limitC <-chan time.Time
	if bs.limit > 0 {
		t := time.NewTimer(bs.limit)
		defer t.Stop()
		limitC = t.C
	}
	for bs.result == nil {
		select {
		case <-bs.a.done():
			bs.partyGone(ctx, bs.a)
		case <-bs.b.done():
			bs.partyGone(ctx, bs.b)
		case <-limitC:
			// L(): the call's time is up; both parties are disconnected,
			// as app_dial does when the limit expires.
			bs.ch.Logger().Info(bs.app+": call limit reached", "limit", bs.limit)
			bs.b.hangup(ctx)
			bs.finish(bridgeLimit)
		case hit := <-bs.hits:
			if hit.party == bs.a || hit.party == bs.b {
				bs.runFeature(ctx, hit)
			}
		case r := <-bs.reqs:
			r.reply <- r.do(ctx, bs)
		case <-bs.ctxDone(ctx):
			bs.b.hangup(context.WithoutCancel(ctx))
			bs.a.hangup(context.WithoutCancel(ctx))
			bs.finish(bridgeCallerHungUp)
		}
	}
	return *bs.result
}

// ctxDone is ctx's Done while the dialplan channel that runs the session
// is one of its parties; once a transfer put another in its place (the
// session bridges two others, as Asterisk's bridge goes on without the
// transferer), the end of that channel no longer ends the session.
func (bs *bridgeSession) ctxDone(ctx context.Context) <-chan struct{} {
	isOrigin := func(p *bridgeParty) bool { return p != nil && p.call != nil && p.call == bs.origin }
	if bs.origin != nil && !isOrigin(bs.a) && !isOrigin(bs.b) {
		return nil
	}
	return ctx.Done()
}

// partyGone ends the session when p's leg ended: the survivor is hung up,
// unless it is the dialplan channel, which goes on as its application
// decides.
func (bs *bridgeSession) partyGone(ctx context.Context, p *bridgeParty) {
	if bs.lent != nil && p != bs.lent {
		// The dialplan channel is in another bridge: the session waits
		// for its end only.
		if bs.a == p {
			bs.a = nil
		} else {
			bs.b = nil
		}
		bs.sw.bridges.move(bs, p.leg, nil)
		if p.out != nil {
			p.out.Close()
		}
		return
	}
	if bs.lent != nil {
		bs.finish(bridgeCallerLeft)
		return
	}
	q := bs.other(p)
	if q == nil {
		// p was all that was left (its peer went to another bridge).
		bs.finish(bridgeCallerHungUp)
		return
	}
	if p.call == bs.origin && bs.origin != nil {
		q.hangup(context.WithoutCancel(ctx))
		bs.finish(bridgeCallerHungUp)
		return
	}
	if q.call == bs.origin && bs.origin != nil {
		if errors.Is(context.Cause(p.leg.Context()), b2bua.ErrSessionExpired) {
			bs.ch.SetHangupCause(ivr.CauseNormalClearing)
		}
		bs.finish(bridgeCalleeHungUp)
		return
	}
	// Neither party is the dialplan's caller (it left in a transfer): the
	// survivor is hung up.
	q.hangup(context.WithoutCancel(ctx))
	bs.finish(bridgeCallerLeft)
}

// finish sets the session's result, once.
func (bs *bridgeSession) finish(end bridgeEnd) {
	if bs.result == nil {
		bs.result = &bridgeResult{end: end, talk: time.Since(bs.start)}
		if x := bs.transferred; x != nil {
			bs.result.transfer, bs.result.exten, bs.result.context = x.transfer, x.exten, x.context
		}
	}
}

// closeParties releases the called legs the session still holds (and
// ends an automixmon recording of a called leg; one of the dialplan
// channel's call goes on with its other MixMonitors).
func (bs *bridgeSession) closeParties() {
	if am := bs.automon; am != nil && am.call == nil {
		am.stop()
	}
	for _, p := range []*bridgeParty{bs.a, bs.b} {
		if p != nil && p.out != nil {
			p.unhold()
			p.out.Close()
		}
	}
}

// replace puts p in old's place (a transfer): old leaves the session (the
// caller must hang it up or hand it over), the registry follows.
func (bs *bridgeSession) replace(old, p *bridgeParty) {
	if bs.a == old {
		bs.a = p
	} else {
		bs.b = p
	}
	bs.sw.bridges.move(bs, old.leg, p.leg)
}

// bridgeRegistry is the switch's table of the bridge sessions running, by
// the legs they hold, for the components that act on a call from outside
// its bridge (SIP REFER: pbx/refer.go). See docs in
// /tmp/brief/bridge-api.md and the methods below.
type bridgeRegistry struct {
	// mu guards byLeg.
	mu    sync.Mutex
	byLeg map[*b2bua.Leg]*bridgeSession
}

func (r *bridgeRegistry) add(bs *bridgeSession, legs ...*b2bua.Leg) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byLeg == nil {
		r.byLeg = map[*b2bua.Leg]*bridgeSession{}
	}
	for _, l := range legs {
		r.byLeg[l] = bs
	}
}

func (r *bridgeRegistry) move(bs *bridgeSession, from, to *b2bua.Leg) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byLeg[from] == bs {
		delete(r.byLeg, from)
	}
	if to == nil {
		return
	}
	if r.byLeg == nil {
		r.byLeg = map[*b2bua.Leg]*bridgeSession{}
	}
	r.byLeg[to] = bs
}

func (r *bridgeRegistry) remove(bs *bridgeSession) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for l, x := range r.byLeg {
		if x == bs {
			delete(r.byLeg, l)
		}
	}
}

// bridgeOf returns the bridge session holding leg, or nil when leg is in
// no bridge (ringing, in the dialplan, hung up).
func (s *Switch) bridgeOf(leg *b2bua.Leg) *bridgeSession {
	s.bridges.mu.Lock()
	defer s.bridges.mu.Unlock()
	return s.bridges.byLeg[leg]
}

// Errors of the bridge requests.
var (
	// errNotBridged: the leg is in no bridge (or left it meanwhile).
	errNotBridged = errors.New("the leg is not bridged")
	// errNoExtension: the transfer target does not exist in the context.
	errNoExtension = errors.New("no such extension")
	// errBridgeEnded: the bridge ended before it could act.
	errBridgeEnded = errors.New("the bridge ended")
)

// bridgeRequest is an action another goroutine asks a session's goroutine
// to do; reply gets its outcome.
type bridgeRequest struct {
	do    func(ctx context.Context, bs *bridgeSession) error
	reply chan error
}

// request runs do on the session's goroutine and returns its error, or
// errBridgeEnded when the session ends first (or ctx).
func (bs *bridgeSession) request(ctx context.Context, do func(ctx context.Context, bs *bridgeSession) error) error {
	r := bridgeRequest{do: do, reply: make(chan error, 1)}
	select {
	case bs.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-bs.ended:
		return errBridgeEnded
	}
	select {
	case err := <-r.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// BlindTransfer is hook (a) of SIP REFER without Replaces (RFC 3515,
// res_pjsip_refer's refer_incoming_blind_request): the party on leg from
// asks that the other party of its bridge be sent to exten in tctx (""
// is from's transfer context: TRANSFER_CONTEXT, else its channel's or
// endpoint's context). On success (nil) the other party runs the
// dialplan at tctx,exten,1 with BLINDTRANSFER set to the transferer's
// channel name, done (when not nil) runs on the bridge's goroutine, and
// then from is hung up (Asterisk hangs up the transferer);
// errNoExtension when the extension does not exist (the call goes on
// untouched), errNotBridged when from is in no bridge.
func (s *Switch) BlindTransfer(ctx context.Context, from *b2bua.Leg, exten, tctx string, done func()) error {
	bs := s.bridgeOf(from)
	if bs == nil {
		return errNotBridged
	}
	return bs.request(ctx, func(ctx context.Context, bs *bridgeSession) error {
		p := bs.partyOf(from)
		if p == nil {
			return errNotBridged
		}
		tctx := firstNonEmpty(tctx, p.tctx)
		if !bs.sw.extensionExists(tctx, exten) {
			return errNoExtension
		}
		bs.blindTransfer(ctx, p, tctx, exten, done)
		return nil
	})
}

// AttendedTransfer is hook (b) of SIP REFER with Replaces (RFC 3891,
// res_pjsip_refer's attended transfer): the transferer has leg1 in one
// bridge (with party X) and leg2 in another (with party Y); X takes
// leg2's place, so X and Y are bridged, and both of the transferer's legs
// are hung up, as Asterisk's ast_bridge_transfer_attended does:
// ATTENDEDTRANSFER is set to the transferer's channel name on the
// dialplan channels concerned. leg2 is hung up once X and Y are bridged,
// then done runs (when not nil), then leg1 is hung up. errNotBridged when
// a leg is in no bridge; when Y's bridge ends before X joins it, X goes
// back to its own bridge with leg1 and the error is returned.
func (s *Switch) AttendedTransfer(ctx context.Context, leg1, leg2 *b2bua.Leg, done func()) error {
	bs1, bs2 := s.bridgeOf(leg1), s.bridgeOf(leg2)
	if bs1 == nil || bs2 == nil {
		return errNotBridged
	}
	if bs1 == bs2 {
		return fmt.Errorf("attended transfer: both legs are in one bridge: %w", errNotBridged)
	}
	var x, p1 *bridgeParty
	err := bs1.request(ctx, func(ctx context.Context, bs *bridgeSession) error {
		if p1 = bs.partyOf(leg1); p1 == nil {
			return errNotBridged
		}
		x = bs.detach(p1)
		return nil
	})
	if err != nil {
		return fmt.Errorf("attended transfer: %w", err)
	}
	err = bs2.request(ctx, func(ctx context.Context, bs *bridgeSession) error {
		p2 := bs.partyOf(leg2)
		if p2 == nil {
			return errNotBridged
		}
		bs.disconnect()
		bs.replace(p2, x)
		bs.connect()
		p2.hangup(context.WithoutCancel(ctx))
		if bs.origin != p2.call {
			bs.ch.SetVar("ATTENDEDTRANSFER", p1.name)
		}
		if x.call != nil {
			x.call.ch.SetVar("ATTENDEDTRANSFER", p1.name)
		}
		return nil
	})
	if err != nil {
		_ = bs1.request(ctx, func(ctx context.Context, bs *bridgeSession) error {
			bs.reattach(p1, x)
			return nil
		})
		return fmt.Errorf("attended transfer: %w", err)
	}
	if done != nil {
		done()
	}
	err = bs1.request(ctx, func(ctx context.Context, bs *bridgeSession) error {
		p1.hangup(context.WithoutCancel(ctx))
		return nil
	})
	if err != nil && !errors.Is(err, errBridgeEnded) {
		return fmt.Errorf("attended transfer: %w", err)
	}
	return nil
}

// detach takes p's peer x out of the session for another bridge; p stays
// until reattach or its hangup. A called x is the other bridge's to close
// from then on; when x is the dialplan channel, the session stays (lent)
// until x's leg ends, so that the dialplan does not go on under the other
// bridge.
func (bs *bridgeSession) detach(p *bridgeParty) *bridgeParty {
	x := bs.other(p)
	bs.disconnect()
	bs.sw.bridges.move(bs, x.leg, nil)
	if x.call != nil && x.call == bs.origin {
		bs.lent = x
		return x
	}
	if bs.a == x {
		bs.a = nil
	} else {
		bs.b = nil
	}
	return x
}

// reattach undoes detach: x is p's peer again.
func (bs *bridgeSession) reattach(p, x *bridgeParty) {
	if bs.lent == x {
		bs.lent = nil
	} else if bs.a == nil {
		bs.a = x
	} else {
		bs.b = x
	}
	bs.sw.bridges.add(bs, x.leg)
	if !p.gone() && !x.gone() {
		bs.connect()
	}
}

// extensionExists reports whether tctx,exten,1 exists in the dialplan.
func (s *Switch) extensionExists(tctx, exten string) bool {
	_, p, _ := s.engine.Dialplan().LookupPriority(tctx, exten, "", 1, time.Now())
	return exten != "" && p != nil
}
