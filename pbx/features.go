package pbx

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/obelisk-pbx/obelisk/dtmf"
	"github.com/obelisk-pbx/obelisk/features"
	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

// featureWatcher matches one bridged party's digits against the feature
// codes Dial enabled for it (t/T blind transfer, h/H disconnect), as
// Asterisk's bridge features do: digits that start a code are held back
// up to featuredigittimeout; a complete code fires the feature and is not
// passed on; digits that cannot be a code go on to the other party. While
// a transfer collects its target, every digit goes to collect.
type featureWatcher struct {
	codes   map[string]string // code → feature name
	timeout time.Duration
	pass    func(d rune)
	fire    func(feature string)

	mu      sync.Mutex
	held    string
	timer   *time.Timer
	collect chan rune
}

func newFeatureWatcher(codes map[string]string, timeout time.Duration, pass func(rune), fire func(string)) *featureWatcher {
	return &featureWatcher{codes: codes, timeout: timeout, pass: pass, fire: fire}
}

// digit takes one digit of the party.
func (w *featureWatcher) digit(d rune) {
	w.mu.Lock()
	if w.collect != nil {
		c := w.collect
		w.mu.Unlock()
		select {
		case c <- d:
		default:
		}
		return
	}
	w.held += string(d)
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	if f, ok := w.codes[w.held]; ok {
		w.held = ""
		w.mu.Unlock()
		w.fire(f)
		return
	}
	prefix := false
	for code := range w.codes {
		if strings.HasPrefix(code, w.held) {
			prefix = true
			break
		}
	}
	if !prefix {
		out := w.held
		w.held = ""
		w.mu.Unlock()
		for _, c := range out {
			w.pass(c)
		}
		return
	}
	w.timer = time.AfterFunc(w.timeout, w.flush)
	w.mu.Unlock()
}

// flush sends on the digits held when the feature code did not complete
// in time.
func (w *featureWatcher) flush() {
	w.mu.Lock()
	out := w.held
	w.held, w.timer = "", nil
	w.mu.Unlock()
	for _, c := range out {
		w.pass(c)
	}
}

// collecting routes the party's digits to c (nil: back to matching).
func (w *featureWatcher) collecting(c chan rune) {
	w.mu.Lock()
	w.collect = c
	w.mu.Unlock()
}

func (w *featureWatcher) stop() {
	w.mu.Lock()
	if w.timer != nil {
		w.timer.Stop()
	}
	w.mu.Unlock()
}

// featureHit is a feature code a bridged party dialled.
type featureHit struct {
	party   *bridgeParty
	feature string
	w       *featureWatcher
}

// bridgeFeatures are the codes of Dial's and Queue's options for each
// party, as app_dial and app_queue enable them: T (transfer: blindxfer
// and atxfer), H (disconnect), X (automixmon) and K (parkcall) for the
// caller; t, h, x and k for the called party.
func bridgeFeatures(cfg *features.Config, flags map[rune]string) (caller, callee map[string]string) {
	if cfg == nil {
		cfg = &features.Config{Map: map[string]string{features.BlindTransfer: "#", features.Disconnect: "*"}}
	}
	add := func(m map[string]string, names ...string) map[string]string {
		for _, feature := range names {
			code := cfg.Map[feature]
			if code == "" {
				continue
			}
			if m == nil {
				m = map[string]string{}
			}
			m[code] = feature
		}
		return m
	}
	for _, o := range []struct {
		opt      rune
		features []string
	}{
		{'t', []string{features.BlindTransfer, features.AttendedTransfer}},
		{'h', []string{features.Disconnect}},
		{'x', []string{features.AutoMixMon}},
		{'k', []string{features.ParkCall}},
	} {
		if _, ok := flags[o.opt]; ok {
			callee = add(callee, o.features...)
		}
		if _, ok := flags[o.opt-'a'+'A']; ok {
			caller = add(caller, o.features...)
		}
	}
	return caller, callee
}

// transferTarget collects the extension a transfer goes to, as
// bridge_basic.c's grab_transfer does: the transferer hears pbx-transfer,
// then dials digits until the extension exists and no longer one can
// match, transferdigittimeout passes between digits, or # ends it. ok is
// false when nothing valid was dialled (the transferer hears pbx-invalid
// and the call goes on).
func (s *Switch) transferTarget(ctx context.Context, p *bridgeParty, digits chan rune) (string, bool) {
	cfg := s.Config()
	timeout := features.DefaultTransferDigitTimeout
	if cfg.Features != nil {
		timeout = cfg.Features.General.TransferDigitTimeout
	}
	first, _ := p.play(ctx, s, "pbx-transfer", digits, dtmf.Digits)
	dp := s.engine.Dialplan()
	exten := ""
	if first != 0 && first != '#' {
		exten = string(first)
	}
	for first != '#' {
		now := time.Now()
		if exten != "" && dp.CanMatch(p.tctx, exten, "", now) && !dp.MatchMore(p.tctx, exten, "", now) {
			break
		}
		t := time.NewTimer(timeout)
		select {
		case d := <-digits:
			t.Stop()
			if d == '#' {
				goto done
			}
			exten += string(d)
		case <-t.C:
			goto done
		case <-p.leg.Context().Done():
			t.Stop()
			return "", false
		case <-ctx.Done():
			t.Stop()
			return "", false
		}
	}
done:
	if !s.extensionExists(p.tctx, exten) {
		_, _ = p.play(ctx, s, "pbx-invalid", nil, "")
		return exten, false
	}
	return exten, true
}

// transferToChannel sends a called party to context,exten,1 of the
// dialplan on a channel of its own, which now owns the leg (a blind
// transfer of the called party). The channel runs on the leg as on an
// inbound call (b2bua.AsCaller), so its dialplan may Dial, Queue or
// VoiceMail like any other, as the transferee's channel does in Asterisk.
func (s *Switch) transferToChannel(caller *ivr.Channel, p *bridgeParty, transferer, tctx, exten string) {
	out := p.out
	call := newSIPCall(s, b2bua.AsCaller(out))
	ch := s.engine.NewChannel(call, ivr.ChannelOptions{
		Name:     p.name,
		LinkedID: caller.LinkedID,
		Context:  tctx,
		Exten:    exten,
		CallerID: caller.CallerID(),
		Language: caller.Language(),
		Vars:     caller.Inheritable(),
		State:    ivr.StateUp,
	})
	call.ch = ch
	ch.SetVar("BLINDTRANSFER", transferer)
	caller.Logger().Info("blind transfer: the called party goes on in the dialplan", "to", tctx+","+exten+",1", "channel", ch.Name)
	go func() {
		defer out.Close()
		res := s.engine.Run(out.Context(), ch)
		s.log.Info("transferred call ended", "channel", ch.Name, "cause", res.Cause, "reason", res.Reason)
	}()
}

// runFeature runs a feature code a bridged party dialled.
func (bs *bridgeSession) runFeature(ctx context.Context, hit featureHit) {
	p := hit.party
	switch hit.feature {
	case features.Disconnect:
		// The party leaves the call (bridge_builtin_features'
		// feature_hangup): it is hung up and the bridge ends as if it had.
		bs.ch.Logger().Info(bs.app+": disconnect feature", "by", p.name)
		p.hangup(ctx)
		bs.partyGone(ctx, p)
	case features.BlindTransfer:
		// bridge_basic.c's feature_blind_transfer: the other party is
		// held (music on hold) while the transferer dials the target.
		digits := make(chan rune, 32)
		q := bs.other(p)
		bs.disconnect()
		p.leg.OnDTMF(collectDigits(digits))
		q.hold(bs.sw, "")
		bs.ch.Logger().Info(bs.app+": transfer: the transferer dials the target", "feature", features.BlindTransfer, "transferer", p.name)
		exten, ok := bs.sw.transferTarget(ctx, p, digits)
		if !ok || p.gone() {
			bs.ch.Logger().Info("blind transfer abandoned: no such extension", "context", p.tctx, "dialled", exten)
			bs.connect()
			return
		}
		bs.blindTransfer(ctx, p, p.tctx, exten, nil)
	case features.AttendedTransfer:
		bs.attendedTransfer(ctx, p)
	case features.AutoMixMon:
		bs.autoMixMonitor(ctx, p)
	case features.ParkCall:
		bs.parkCall(ctx, p)
	}
}

// collectDigits is a DTMF handler that queues the digits for a prompt or
// a target being dialled.
func collectDigits(c chan rune) func(dtmf.Event) {
	return func(ev dtmf.Event) {
		select {
		case c <- ev.Digit:
		default:
		}
	}
}

// blindTransfer sends p's peer to tctx,exten,1 and hangs p up, as
// Asterisk's blind transfer does: BLINDTRANSFER is the transferer's
// channel name on the transferred channel. done, when set, runs between
// the two (a REFER's final NOTIFY goes before the BYE).
func (bs *bridgeSession) blindTransfer(ctx context.Context, p *bridgeParty, tctx, exten string, done func()) {
	if done == nil {
		done = func() {}
	}
	q := bs.other(p)
	bs.disconnect()
	q.unhold()
	res := bridgeResult{transfer: "BLINDTRANSFER", exten: exten, context: tctx}
	if q.call != nil && q.call == bs.origin {
		// The caller goes on in the dialplan. Its record with the
		// transferer ends now, before its next application runs: the
		// hangup below ends it too, but asynchronously (peerGone), and
		// the dialplan must not reach 200's Answer first and take that
		// record over (cdr_object_transition_state to single).
		q.cdrLeft()
		bs.ch.SetVar("BLINDTRANSFER", p.name)
		bs.ch.Goto(tctx, exten, 1)
		done()
		p.hangup(ctx)
		bs.ch.Logger().Info("blind transfer: the caller goes on in the dialplan", "to", tctx+","+exten+",1")
		res.end = bridgeCallerTransferred
	} else {
		bs.removeParty(q)
		bs.sw.transferToChannel(bs.ch, q, p.name, tctx, exten)
		done()
		p.hangup(ctx)
		res.end = bridgeCallerLeft
	}
	res.talk = time.Since(bs.start)
	bs.result = &res
}

// removeParty takes p out of the session without closing it (it was
// handed to a channel of its own).
func (bs *bridgeSession) removeParty(p *bridgeParty) {
	if bs.a == p {
		bs.a = nil
	} else if bs.b == p {
		bs.b = nil
	}
	bs.sw.bridges.move(bs, p.leg, nil)
}
