package pbx

import (
	"context"

	"github.com/obelisk-pbx/obelisk/dtmf"
	"github.com/obelisk-pbx/obelisk/features"
	"github.com/obelisk-pbx/obelisk/media"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

// Attended transfer (features.conf atxfer), as main/bridge_basic.c's
// attended transfer state machine runs it:
//
//	transferer dials atxfer ─▶ other party held (music on hold),
//	                           transferer hears pbx-transfer, dials exten
//	  ─▶ target called: Local/exten@transfer-context (the dialplan),
//	     transferer hears ringback, atxfernoanswertimeout
//	       no answer / busy ─▶ back to the held party (xferfailsound)
//	       atxferabort      ─▶ back to the held party
//	       transferer hangs up ─▶ the held party waits for the target
//	  ─▶ answered: transferer talks with the target (consultation)
//	       atxferabort      ─▶ target hung up, back to the held party
//	       atxfercomplete   ─▶ held party ↔ target, transferer hung up
//	       transferer hangs up ─▶ the same (Asterisk's default)
//	       atxferthreeway   ─▶ the three talk together (media.Mixer)
//	       target hangs up  ─▶ back to the held party
//	       held party hangs up ─▶ transferer ↔ target
//
// xfersound (beep) is played to the target when the transfer completes,
// xferfailsound (beeperr, else beep) to the transferer when the target
// cannot be reached. The Local channel's ;2 sees TRANSFERERNAME, the
// transferer's channel name; ATTENDEDTRANSFER is set on the dialplan
// channel when it is the one transferred.

// atxferswap (*4) toggles the transferer between the target and the held
// party during the consultation (the other one then waits on hold);
// abort, complete and three-way act the same from either side.

// atxferConfig is features.conf's [general] for attended transfers.
func (s *Switch) atxferConfig() features.General {
	if f := s.Config().Features; f != nil {
		return f.General
	}
	return features.General{TransferDigitTimeout: features.DefaultTransferDigitTimeout,
		FeatureDigitTimeout: features.DefaultFeatureDigitTimeout, AtxferNoAnswerTimeout: features.DefaultAtxferNoAnswerTimeout,
		AtxferAbort: "*1", AtxferComplete: "*2", AtxferThreeway: "*3", AtxferSwap: "*4", XferSound: "beep", XferFailSound: "beeperr"}
}

// Keys of the consultation, as the watcher fires them.
const (
	atxferAbort    = "abort"
	atxferComplete = "complete"
	atxferThreeway = "threeway"
	atxferSwap     = "swap"
)

// attendedTransfer runs the atxfer feature dialled by p.
func (bs *bridgeSession) attendedTransfer(ctx context.Context, p *bridgeParty) {
	bs.attendedTransferTo(ctx, p, "")
}

// attendedTransferTo runs the attended transfer of p to exten in p's
// transfer context; exten "" asks p for it (pbx-transfer, then digits),
// as the feature code does. The manager's Atxfer gives it, as
// action_atxfer queues the feature code and the digits to the channel.
func (bs *bridgeSession) attendedTransferTo(ctx context.Context, p *bridgeParty, exten string) {
	s := bs.sw
	g := s.atxferConfig()
	h := bs.other(p)
	log := bs.ch.Logger().With("transferer", p.name)
	bs.disconnect()
	digits := make(chan rune, 32)
	p.leg.OnDTMF(collectDigits(digits))
	h.hold(s, "")
	log.Info(bs.app+": transfer: the transferer dials the target", "feature", features.AttendedTransfer)
	ok := true
	if exten == "" {
		exten, ok = s.transferTarget(ctx, p, digits)
	} else if !s.extensionExists(p.tctx, exten) {
		_, _ = p.play(ctx, s, "pbx-invalid", nil, "")
		ok = false
	}
	if !ok || p.gone() {
		log.Info("attended transfer abandoned: no such extension", "context", p.tctx, "dialled", exten)
		bs.connect()
		return
	}
	log.Info("attended transfer: calling the target", "to", "Local/"+exten+"@"+p.tctx)
	keys := make(chan string, 4)
	codes := map[string]string{}
	for code, key := range map[string]string{g.AtxferAbort: atxferAbort, g.AtxferComplete: atxferComplete,
		g.AtxferThreeway: atxferThreeway, g.AtxferSwap: atxferSwap} {
		if code != "" {
			codes[code] = key
		}
	}
	var target *b2bua.Leg // where the transferer's other digits go
	w := newFeatureWatcher(codes, g.FeatureDigitTimeout, func(d rune) {
		if target != nil {
			target.SendDTMF(d)
		}
	}, func(k string) {
		select {
		case keys <- k:
		default:
		}
	})
	p.leg.OnDTMF(func(ev dtmf.Event) { w.digit(ev.Digit) })
	defer w.stop()

	h.cdrLeft() // the held party's record with the transferer ends (cdr.go)
	out, transfererGone, aborted := bs.callTarget(ctx, p, h, exten, g, keys)
	switch {
	case out == nil && (transfererGone || h.gone()):
		// Nobody to return to: the session ends as the parties' legs do.
		bs.connectOrEnd(ctx)
		return
	case out == nil:
		if !aborted {
			p.beep(ctx, s, g.XferFailSound)
		}
		log.Info("attended transfer failed: back to the held party", "aborted", aborted)
		bs.connect()
		return
	}
	t := s.calleeParty(bs.ch, out, nil)
	t.name = "Local/" + exten + "@" + p.tctx
	t.lang = p.lang
	if transfererGone {
		// The transferer hung up while the target rang (a blond
		// transfer): the held party gets the target.
		bs.completeAttended(ctx, p, h, t, g)
		return
	}
	bs.consult(ctx, p, h, t, g, keys, func(l *b2bua.Leg) { target = l })
}

// callTarget dials Local/exten@p.tctx with atxfernoanswertimeout while
// the transferer hears ringback and may abort. It returns the answered
// leg, or nil with why.
func (bs *bridgeSession) callTarget(ctx context.Context, p, h *bridgeParty, exten string, g features.General, keys <-chan string) (out *b2bua.Outbound, transfererGone, aborted bool) {
	s := bs.sw
	targets, err := s.resolveTarget("Local/" + exten + "@" + p.tctx)
	if err != nil || len(targets) == 0 {
		bs.ch.Logger().Info("attended transfer: target unavailable", "error", err)
		return nil, false, false
	}
	timeout := g.AtxferNoAnswerTimeout
	if timeout <= 0 {
		timeout = features.DefaultAtxferNoAnswerTimeout
	}
	// Not ctx: the dialplan's ctx ends with the transferer's leg, and a
	// transferer who hangs up while the target rings leaves the held party
	// to wait for it.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	from := originOf(bs.ch)
	vars := map[string]string{}
	for k, v := range from.vars {
		vars[k] = v
	}
	vars["TRANSFERERNAME"] = p.name
	from.vars = vars
	cid := bs.ch.CallerID()
	codecs := []string{p.leg.Media().Audio().Codec()}
	type result struct {
		out *b2bua.Outbound
		err error
	}
	done := make(chan result, 1)
	go func() {
		o, err := s.placeCall(dctx, targets[0], b2bua.DialRequest{CallerNum: cid.Num, CallerName: cid.Name,
			MaxForwards: 69, Codecs: codecs}, from)
		done <- result{o, err}
	}()
	p.ring(s)
	defer p.unhold()
	pDone, hDone := p.done(), h.done()
	for {
		select {
		case r := <-done:
			if r.err != nil {
				bs.ch.Logger().Info("attended transfer: the target did not answer", "status", b2bua.DialStatus(r.err), "error", r.err)
				return nil, p.gone(), false
			}
			if h.gone() && p.gone() {
				_ = r.out.Hangup(ctx)
				r.out.Close()
				return nil, true, false
			}
			return r.out, p.gone(), false
		case k := <-keys:
			if k == atxferAbort {
				cancel()
				if r := <-done; r.err == nil {
					_ = r.out.Hangup(ctx)
					r.out.Close()
				}
				return nil, false, true
			}
		case <-pDone:
			pDone = nil // blond transfer: the held party waits for the target
			h.ring(s)
		case <-hDone:
			hDone = nil
			if p.gone() {
				cancel()
			}
		}
	}
}

// connectOrEnd reconnects the parties when both are still up; otherwise
// the session's loop sees the leg that ended.
func (bs *bridgeSession) connectOrEnd(ctx context.Context) {
	if !bs.a.gone() && !bs.b.gone() {
		bs.connect()
	}
}

// consult is the transferer p talking with the target t while h is held.
func (bs *bridgeSession) consult(ctx context.Context, p, h, t *bridgeParty, g features.General, keys <-chan string, setTarget func(*b2bua.Leg)) {
	log := bs.ch.Logger().With("transferer", p.name, "target", t.name)
	log.Info("attended transfer: consulting the target")
	// with is the party the transferer talks to: the target, or the held
	// party after atxferswap (Asterisk's TRANSFER_DOUBLECHECKING); the
	// other one is on hold.
	with := t
	var m *media.Bridge
	talkTo := func(x, held *bridgeParty) {
		held.hold(bs.sw, "")
		x.unhold()
		with = x
		m = b2bua.Bridge(p.leg, x.leg)
		m.HoldDTMF(p.leg.Media(), true)
		setTarget(x.leg)
		x.leg.OnDTMF(forwardInfoDTMF(p.leg))
	}
	talkTo(t, h)
	stop := func() {
		m.Stop()
		setTarget(nil)
		h.leg.OnDTMF(func(dtmf.Event) {})
		t.unhold()
	}
	for {
		select {
		case k := <-keys:
			switch k {
			case atxferSwap:
				m.Stop()
				if with == t {
					log.Info("attended transfer: the transferer swaps to the held party")
					talkTo(h, t)
				} else {
					log.Info("attended transfer: the transferer swaps back to the target")
					talkTo(t, h)
				}
			case atxferAbort:
				stop()
				log.Info("attended transfer aborted: back to the held party")
				t.hangup(ctx)
				t.out.Close()
				bs.connect()
				return
			case atxferComplete:
				stop()
				bs.completeAttended(ctx, p, h, t, g)
				return
			case atxferThreeway:
				stop()
				bs.threeway(ctx, p, h, t, g)
				return
			}
		case <-p.done():
			// Transferer hangs up during the consultation: the transfer
			// completes (Asterisk's default).
			stop()
			bs.completeAttended(ctx, p, h, t, g)
			return
		case <-t.done():
			stop()
			log.Info("attended transfer: the target hung up, back to the held party")
			t.out.Close()
			bs.connect()
			return
		case <-h.done():
			// The held party left: the consultation is the call now.
			stop()
			log.Info("attended transfer: the held party hung up; the transferer stays with the target")
			bs.swapIn(ctx, h, t, false)
			return
		case <-ctx.Done():
			stop()
			if p.gone() {
				// The dialplan's ctx ends with the transferer's leg:
				// that is the transferer hanging up.
				bs.completeAttended(ctx, p, h, t, g)
				return
			}
			t.hangup(context.WithoutCancel(ctx))
			t.out.Close()
			bs.connect()
			return
		}
	}
}

// completeAttended connects the held party h with the target t and hangs
// the transferer p up.
func (bs *bridgeSession) completeAttended(ctx context.Context, p, h, t *bridgeParty, g features.General) {
	ctx = context.WithoutCancel(ctx) // it runs when the transferer's leg, and so the dialplan's ctx, ended too
	bs.ch.Logger().Info("attended transfer complete", "transferer", p.name, "target", t.name)
	if h.call != nil && h.call == bs.origin {
		bs.ch.SetVar("ATTENDEDTRANSFER", p.name)
	}
	t.beep(ctx, bs.sw, g.XferSound)
	bs.publishAttendedTransfer(p, h, t)
	bs.swapIn(ctx, p, t, true)
	x := &bridgeResult{transfer: "ATTENDEDTRANSFER", exten: t.name, context: p.tctx}
	if bs.result != nil {
		bs.result.transfer, bs.result.exten, bs.result.context = x.transfer, x.exten, x.context
	} else {
		bs.transferred = x // the session goes on with t: its end reports the transfer
	}
}

// swapIn puts t in old's place and bridges it with the remaining party;
// hangup hangs old up. When old is the dialplan channel, the remaining
// two go on in a session of their own and this one ends (the caller
// left).
func (bs *bridgeSession) swapIn(ctx context.Context, old, t *bridgeParty, hangup bool) {
	rest := bs.other(old)
	if old.call != nil && old.call == bs.origin {
		ns := &bridgeSession{sw: bs.sw, ch: bs.ch, app: bs.app, a: rest, b: t, featureTimeout: bs.featureTimeout,
			hits: make(chan featureHit, 4), reqs: make(chan bridgeRequest), ended: make(chan struct{})}
		bs.removeParty(rest)
		go ns.run(context.WithoutCancel(ctx))
		if hangup {
			old.hangup(ctx)
		}
		bs.finish(bridgeCallerLeft)
		return
	}
	bs.replace(old, t)
	if hangup {
		old.hangup(ctx)
	}
	if old.out != nil {
		old.out.Close()
	}
	if rest.gone() {
		return // the loop sees it
	}
	bs.connect()
}

// threeway mixes the transferer, the held party and the target
// (atxferthreeway). When one leaves, the other two stay bridged.
func (bs *bridgeSession) threeway(ctx context.Context, p, h, t *bridgeParty, g features.General) {
	log := bs.ch.Logger().With("transferer", p.name, "target", t.name)
	log.Info("attended transfer: three-way call")
	h.unhold()
	for _, x := range []*bridgeParty{p, h, t} {
		x.leg.OnDTMF(func(dtmf.Event) {})
	}
	t.beep(ctx, bs.sw, g.XferSound)
	mix := media.NewMixer(p.leg.Media(), h.leg.Media(), t.leg.Media())
	mix.Start()
	select {
	case <-p.done():
		mix.Stop()
		bs.completeAttended(ctx, p, h, t, g)
	case <-h.done():
		mix.Stop()
		bs.swapIn(ctx, h, t, false)
	case <-t.done():
		mix.Stop()
		t.out.Close()
		bs.connectOrEnd(ctx)
	case <-ctx.Done():
		mix.Stop()
		if p.gone() { // the transferer's leg ended its dialplan's ctx
			bs.completeAttended(ctx, p, h, t, g)
			return
		}
		t.hangup(context.WithoutCancel(ctx))
		t.out.Close()
	}
}
