package pbx

import (
	"context"
	"fmt"
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
	byCaller bool
	feature  string
	w        *featureWatcher
}

// bridgeFeatures are the codes of Dial's options for each party:
// T and H for the caller, t and h for the called party (app_dial).
func bridgeFeatures(cfg *features.Config, flags map[rune]string) (caller, callee map[string]string) {
	if cfg == nil {
		cfg = &features.Config{Map: map[string]string{features.BlindTransfer: "#", features.Disconnect: "*"}}
	}
	add := func(m map[string]string, feature string) map[string]string {
		code := cfg.Map[feature]
		if code == "" {
			return m
		}
		if m == nil {
			m = map[string]string{}
		}
		m[code] = feature
		return m
	}
	if _, ok := flags['T']; ok {
		caller = add(caller, features.BlindTransfer)
	}
	if _, ok := flags['H']; ok {
		caller = add(caller, features.Disconnect)
	}
	if _, ok := flags['t']; ok {
		callee = add(callee, features.BlindTransfer)
	}
	if _, ok := flags['h']; ok {
		callee = add(callee, features.Disconnect)
	}
	return caller, callee
}

// transferTarget collects the extension a blind transfer goes to, as
// features.c's builtin_blindtransfer does: the transferer hears
// pbx-transfer, then dials digits until the extension exists and no
// longer one can match, transferdigittimeout passes between digits, or #
// ends it. ok is false when nothing valid was dialled (the caller hears
// pbx-invalid and the bridge goes on).
func (s *Switch) transferTarget(ctx context.Context, play ivr.Call, lang, tctx string, digits chan rune) (string, bool) {
	cfg := s.Config()
	timeout := features.DefaultTransferDigitTimeout
	if cfg.Features != nil {
		timeout = cfg.Features.General.TransferDigitTimeout
	}
	first, _ := play.Play(ctx, "pbx-transfer", lang, dtmf.Digits)
	dp := s.engine.Dialplan()
	exten := ""
	if first != 0 {
		exten = string(first)
	}
	for {
		now := time.Now()
		if exten != "" && dp.CanMatch(tctx, exten, "", now) && !dp.MatchMore(tctx, exten, "", now) {
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
		case <-ctx.Done():
			t.Stop()
			return "", false
		}
	}
done:
	if _, p, _ := dp.LookupPriority(tctx, exten, "", 1, time.Now()); exten == "" || p == nil {
		_, _ = play.Play(ctx, "pbx-invalid", lang, "")
		return exten, false
	}
	return exten, true
}

// transferCallee sends the called party to context,exten,1 of the
// dialplan on a channel of its own, which now owns the leg (blind
// transfer by the caller, Dial's T).
func (s *Switch) transferCallee(caller *ivr.Channel, out *b2bua.Outbound, tctx, exten string) {
	name := "SIP/callee"
	if ep := out.Endpoint(); ep != nil {
		name = "SIP/" + ep.Name
	}
	ch := s.engine.NewChannel(newCalleeCall(s, out), ivr.ChannelOptions{
		Name:     fmt.Sprintf("%s-%08x", name, s.channels.Add(1)),
		LinkedID: caller.LinkedID,
		Context:  tctx,
		Exten:    exten,
		CallerID: caller.CallerID(),
		Language: caller.Language(),
		Vars:     caller.Inheritable(),
		State:    ivr.StateUp,
	})
	ch.SetVar("BLINDTRANSFER", caller.Name)
	caller.Logger().Info("blind transfer: the called party goes on in the dialplan", "to", tctx+","+exten+",1", "channel", ch.Name)
	go func() {
		defer out.Close()
		res := s.engine.Run(out.Context(), ch)
		s.log.Info("transferred call ended", "channel", ch.Name, "cause", res.Cause, "reason", res.Reason)
	}()
}

// featureAction is what a feature code did to the bridge.
type featureAction int

const (
	featureStay featureAction = iota
	featureDisconnected
	featureTransferredCallee
	featureTransferredCaller
)

// runFeature runs a feature code a bridged party dialled: disconnect
// hangs up the called party (and, dialled by the caller, the caller too);
// blind transfer collects the target from the transferer and sends the
// other party there.
func (s *Switch) runFeature(ctx context.Context, ch *ivr.Channel, call *sipCall, out *b2bua.Outbound, hit featureHit) featureAction {
	switch hit.feature {
	case features.Disconnect:
		ch.Logger().Info("Dial: disconnect feature", "by_caller", hit.byCaller)
		_ = out.Hangup(ctx)
		return featureDisconnected
	case features.BlindTransfer:
		digits := make(chan rune, 32)
		hit.w.collecting(digits)
		defer hit.w.collecting(nil)
		if hit.byCaller {
			tctx := firstNonEmpty(ch.Var("TRANSFER_CONTEXT"), ch.Context)
			exten, ok := s.transferTarget(ctx, call, ch.Language(), tctx, digits)
			if !ok {
				ch.Logger().Info("blind transfer abandoned: no such extension", "context", tctx, "dialled", exten)
				return featureStay
			}
			s.transferCallee(ch, out, tctx, exten)
			return featureTransferredCallee
		}
		tctx := ch.Var("TRANSFER_CONTEXT")
		if ep := out.Endpoint(); tctx == "" && ep != nil {
			tctx = ep.Context
		}
		tctx = firstNonEmpty(tctx, ch.Context)
		exten, ok := s.transferTarget(ctx, &calleeCall{sw: s, out: out}, ch.Language(), tctx, digits)
		if !ok {
			ch.Logger().Info("blind transfer abandoned: no such extension", "context", tctx, "dialled", exten)
			return featureStay
		}
		_ = out.Hangup(ctx)
		ch.SetVar("BLINDTRANSFER", out.Target)
		ch.Goto(tctx, exten, 1)
		ch.Logger().Info("blind transfer: the caller goes on in the dialplan", "to", tctx+","+exten+",1")
		return featureTransferredCaller
	}
	return featureStay
}
