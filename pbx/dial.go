package pbx

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/obelisk-pbx/obelisk/dtmf"
	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/media"
	"github.com/obelisk-pbx/obelisk/sip"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

// dialApp is Asterisk's Dial(Technology/resource[&…][,timeout[,options]])
// for SIP/peer, SIP/trunk/number, PJSIP/endpoint and PJSIP/number@trunk:
// every target is invited at once, the first to answer is bridged with the
// caller (who is answered only then, as app_dial does), the others are
// cancelled. DIALSTATUS, DIALEDTIME and ANSWEREDTIME are set as app_dial
// sets them. Option g continues the dialplan when the called party hangs
// up; without it the call ends, as in Asterisk.
//
// The bridge (bridge.go) has the features.conf codes of the options, as
// app_dial enables them, lower case for the called party and upper case
// for the caller: t T transfer (blindxfer, and atxfer: bridge_atxfer.go),
// h H disconnect, x X automixmon (bridge_monitor.go), k K parkcall
// (parking.go). L(x) ends the call after x ms.
func dialApp() *ivr.App {
	return &ivr.App{
		Name:     "Dial",
		Synopsis: "Call one or more SIP endpoints and bridge the first to answer: Dial(SIP/peer[&SIP/trunk/number…][,timeout[,options]]); sets DIALSTATUS",
		Exec: func(ctx context.Context, ch *ivr.Channel, args string) error {
			if lc, ok := ch.Call().(*localCall); ok {
				return lc.dial(ctx, ch, args) // a Local channel's ;2 (local.go)
			}
			call, ok := ch.Call().(*sipCall)
			if !ok {
				call, ok = originatedCaller(ch) // an originated channel (originate.go)
			}
			if !ok {
				return errors.New("Dial: the channel is not a SIP call")
			}
			return call.sw.dial(ctx, ch, call, args)
		},
	}
}

type dialTarget struct {
	spec     string
	uri      string
	ep       *sip.Endpoint
	username string
	password string
	// local is set for Local/exten@context (local.go).
	local *localSpec
	// onBegin, when set, runs once the called channel exists, after
	// DialBegin (Queue's AgentCalled, events_queue.go).
	onBegin func(*liveChannel)
}

func (s *Switch) dial(ctx context.Context, ch *ivr.Channel, call *sipCall, args string) error {
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
	opts := ""
	if len(parts) > 2 {
		opts = parts[2]
	}
	flags := parseDialOptions(opts)
	in := call.in
	_, moh := flags['m']
	if _, ok := flags['r']; ok && !moh {
		_ = in.Ringing()
	}
	if moh {
		// m[(class)]: the caller hears music on hold instead of ringing,
		// as early media (183 with SDP) until a called party answers or
		// every leg fails.
		if err := call.startMusicOnHold(flags['m']); err != nil {
			ch.Logger().Warn("Dial: no music on hold for the caller", "class", flags['m'], "error", err)
		}
		defer call.stopGenerator() // also when every leg fails
	}
	var limit time.Duration
	if v, ok := flags['L']; ok {
		ms, err := strconv.Atoi(strings.SplitN(v, ":", 2)[0])
		if err != nil || ms <= 0 {
			ch.Logger().Warn("Dial: invalid L() limit, ignoring", "value", v)
		} else {
			limit = time.Duration(ms) * time.Millisecond
		}
	}
	var targets []dialTarget
	for _, spec := range strings.Split(parts[0], "&") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		t, err := s.resolveTarget(spec)
		if err != nil {
			ch.Logger().Info("Dial: target unavailable", "target", spec, "reason", err)
			continue
		}
		targets = append(targets, t...)
	}
	ch.SetVar("DIALSTATUS", "")
	if len(targets) == 0 {
		ch.SetVar("DIALSTATUS", "CHANUNAVAIL")
		return nil
	}
	start := time.Now()
	dctx, cancel := context.WithCancel(in.Context())
	if timeout > 0 {
		dctx, cancel = context.WithTimeout(in.Context(), timeout)
	}
	defer cancel()
	type result struct {
		out *b2bua.Outbound
		err error
	}
	// Each leg carries the caller's Max-Forwards less one (RFC 3261
	// §16.6), so a call looping through trunks ends with 483.
	maxForwards := in.MaxForwards() - 1
	cid := ch.CallerID()
	var earlyMu sync.Mutex
	var early *media.Bridge
	results := make(chan result, len(targets))
	for _, t := range targets {
		go func(t dialTarget) {
			out, err := s.cdrDial(dctx, call, t, b2bua.DialRequest{
				Target: t.uri, Endpoint: t.ep, Username: t.username, Password: t.password,
				CallerNum: cid.Num, CallerName: cid.Name, MaxForwards: maxForwards,
				Codecs: in.OfferedCodecs(),
				OnProgress: func(out *b2bua.Outbound, code int, hasMedia bool) {
					if moh {
						return
					}
					if !hasMedia {
						_ = in.Ringing()
						return
					}
					// Early media (ringback, announcements) is relayed to
					// the caller, from the first leg that sends it.
					earlyMu.Lock()
					defer earlyMu.Unlock()
					if early == nil && in.Progress(out.Media().Audio().Codec()) == nil {
						call.stopGenerator() // the called party's media replaces a tone
						early = b2bua.Bridge(in.Leg, out.Leg)
					}
				},
			}, originOf(ch))
			results <- result{out: out, err: err}
		}(t)
	}
	var answered *b2bua.Outbound
	statuses := map[string]int{}
	for range targets {
		r := <-results
		if r.err == nil {
			if answered == nil {
				answered = r.out
				cancel() // the other legs are cancelled
				if moh {
					call.stopGenerator() // the music ends at the answer
				}
				continue
			}
			_ = r.out.Hangup(ctx)
			continue
		}
		st := b2bua.DialStatus(r.err)
		statuses[st]++
		ch.Logger().Info("Dial: leg failed", "status", st, "error", r.err)
	}
	earlyMu.Lock()
	if early != nil {
		early.Stop()
	}
	earlyMu.Unlock()
	ch.SetVar("DIALEDTIME", strconv.Itoa(int(time.Since(start).Seconds())))
	if answered == nil {
		status := "CHANUNAVAIL"
		switch {
		case in.Context().Err() != nil:
			status = "CANCEL"
		case statuses["BUSY"] > 0:
			status = "BUSY"
		case statuses["NOANSWER"] > 0:
			status = "NOANSWER"
		case statuses["CONGESTION"] > 0:
			status = "CONGESTION"
		}
		ch.SetVar("DIALSTATUS", status)
		ch.Logger().Info("Dial: no answer", "targets", parts[0], "dialstatus", status)
		if status == "CANCEL" {
			return ivr.ErrHangup
		}
		return nil
	}
	// The leg is ours to close until the bridge session takes it.
	owned := true
	defer func() {
		if owned {
			answered.Close()
		}
	}()
	if v := flags['U']; v != "" {
		if done, r := s.afterCalleeGosub(ctx, ch, answered, v, flags); done {
			return r
		}
	}
	// The caller is answered with the callee's codec when it offered it, so
	// the media is relayed untouched; otherwise the bridge transcodes.
	if err := call.answerWith(answered.Media().Audio().Codec()); err != nil {
		_ = answered.Hangup(ctx)
		return err
	}
	ch.SetVar("DIALSTATUS", "ANSWER")
	callerCodes, calleeCodes := bridgeFeatures(s.Config().Features, flags)
	callee := s.calleeParty(ch, answered, calleeCodes)
	if call.cdr != nil {
		name := answered.Target
		if ep := answered.Endpoint(); ep != nil {
			name = "SIP/" + ep.Name
		}
		call.cdr.bridged(name)
	}
	owned = false
	res := s.newBridgeSession("Dial", ch, callerParty(ch, call, callerCodes), callee, limit).run(ctx)
	ch.SetVar("ANSWEREDTIME", strconv.Itoa(int(res.talk.Seconds())))
	switch res.end {
	case bridgeCallerTransferred:
		return nil // the caller goes on where the transfer sent it
	case bridgeCallerLeft, bridgeCallerHungUp, bridgeLimit:
		ch.SetVar("DIALEDTIME", strconv.Itoa(int(time.Since(start).Seconds())))
		return ivr.ErrHangup
	}
	ch.SetVar("DIALEDTIME", strconv.Itoa(int(time.Since(start).Seconds())))
	if v, ok := flags['F']; ok {
		// F(context^exten^priority): the caller goes on there; F alone:
		// the next priority.
		if v != "" {
			f := strings.Split(v, "^")
			for len(f) < 3 {
				f = append([]string{""}, f...)
			}
			pri, err := strconv.Atoi(f[2])
			if err != nil {
				pri = ch.FindLabel(firstNonEmpty(f[0], ch.Context), firstNonEmpty(f[1], ch.Exten), f[2])
			}
			if pri > 0 {
				ch.Goto(f[0], f[1], pri)
			}
		}
		return nil
	}
	if _, ok := flags['g']; ok {
		return nil
	}
	return ivr.ErrHangup // the called party hung up: the caller is hung up too
}

// forwardInfoDTMF sends on to the other leg the digits that did not cross
// the bridge by themselves: those that came by SIP INFO, and RFC 4733
// events for a leg that negotiated no telephone-event (dtmfmode=info gets
// them as INFO). In-band tones cross in the audio.
func forwardInfoDTMF(to *b2bua.Leg) func(dtmf.Event) {
	return func(ev dtmf.Event) {
		if ev.Source == dtmf.SourceINFO || (ev.Source == dtmf.SourceRFC4733 && !to.HasRFC4733()) {
			to.SendDTMF(ev.Digit)
		}
	}
}

// afterCalleeGosub runs U() and, when the routine decided against the
// bridge, ends Dial as app_dial does; done is false to go on bridging.
func (s *Switch) afterCalleeGosub(ctx context.Context, ch *ivr.Channel, answered *b2bua.Outbound, arg string, flags map[rune]string) (done bool, err error) {
	oc := s.runCalleeGosub(ctx, ch, answered, arg)
	if oc.bridge {
		return false, nil
	}
	_ = answered.Hangup(ctx)
	ch.SetVar("DIALSTATUS", firstNonEmpty(oc.status, "ANSWER"))
	ch.Logger().Info("Dial: U() routine did not bridge", "dialstatus", ch.Var("DIALSTATUS"), "go_on", oc.goOn, "goto", oc.goTo)
	if oc.goTo != "" {
		c, x, p, err := ch.ParseGoto(strings.ReplaceAll(oc.goTo, "^", ","))
		if err == nil {
			ch.Goto(c, x, p)
			return true, nil
		}
		ch.Logger().Warn("Dial: bad GOSUB_RESULT GOTO", "value", oc.goTo, "error", err)
	}
	if _, g := flags['g']; oc.goOn || g {
		return true, nil
	}
	return true, ivr.ErrHangup
}

// parseDialOptions reads app_dial's options as ast_app_parse_options does:
// letters, some with a parenthesised argument, e.g. "tTL(60000:30000)F(x^s^1)".
func parseDialOptions(s string) map[rune]string {
	out := map[rune]string{}
	for i := 0; i < len(s); i++ {
		c := rune(s[i])
		arg := ""
		if i+1 < len(s) && s[i+1] == '(' {
			depth, j := 0, i+1
			for ; j < len(s); j++ {
				if s[j] == '(' {
					depth++
				} else if s[j] == ')' {
					if depth--; depth == 0 {
						break
					}
				}
			}
			arg = s[i+2 : min(j, len(s))]
			i = j
		}
		out[c] = arg
	}
	return out
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// resolveTarget turns SIP/peer, SIP/trunk/number, PJSIP/endpoint and
// PJSIP/number@trunk into the URIs to invite: a registered endpoint's live
// contacts, or the number at a trunk's host with its credentials.
func (s *Switch) resolveTarget(spec string) ([]dialTarget, error) {
	tech, rest, ok := strings.Cut(spec, "/")
	if ok && strings.EqualFold(tech, "Local") {
		return s.resolveLocal(spec, rest)
	}
	if !ok || (!strings.EqualFold(tech, "SIP") && !strings.EqualFold(tech, "PJSIP")) {
		return nil, fmt.Errorf("unsupported technology in %q (SIP, PJSIP and Local are)", spec)
	}
	cfg := s.Config().SIP
	var epName, number string
	if strings.EqualFold(tech, "SIP") {
		epName, number, _ = strings.Cut(rest, "/")
	} else if n, e, ok := strings.Cut(rest, "@"); ok {
		number, epName = n, e
	} else {
		epName = rest
	}
	ep := cfg.Endpoint(epName)
	if ep == nil {
		return nil, fmt.Errorf("no endpoint %q", epName)
	}
	if !s.sip.reachable(ep.Name) {
		return nil, fmt.Errorf("%s is UNREACHABLE (qualify)", ep.Name)
	}
	if ep.Kind == sip.KindTrunk && ep.Host != "" {
		host := ep.Host
		if !strings.Contains(host, ":") && ep.Port != 0 {
			host = fmt.Sprintf("%s:%d", host, ep.Port)
		}
		user := number
		if user == "" {
			user = ep.Name
		}
		u := ep.Username
		if u == "" {
			u = ep.Name
		}
		return []dialTarget{{spec: spec, uri: "sip:" + user + "@" + host, ep: ep, username: u, password: ep.Secret}}, nil
	}
	bindings := s.sip.registrar.Location().Lookup(ep.Name, time.Now())
	if len(bindings) == 0 {
		return nil, fmt.Errorf("%s is not registered", ep.Name)
	}
	var out []dialTarget
	for _, b := range bindings {
		// Behind NAT the contact may be unreachable: send where the
		// REGISTER came from (chan_sip nat=force_rport, pjsip
		// rewrite_contact), as Asterisk does.
		source := ""
		if ep.NAT.ForceRport || ep.NAT.RewriteContact {
			source = b.Source
		}
		uri, err := sip.DialURI(b.Contact, number, source)
		if err != nil {
			continue
		}
		out = append(out, dialTarget{spec: spec, uri: uri, ep: ep})
	}
	return out, nil
}
