package pbx

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/diago/media"
	"github.com/emiago/sipgo"
	sipgosip "github.com/emiago/sipgo/sip"
	"github.com/obelisk-pbx/obelisk/ivr"
	obmedia "github.com/obelisk-pbx/obelisk/media"
	"github.com/obelisk-pbx/obelisk/sip"
)

// dialApp is Asterisk's Dial(Technology/resource[&…][,timeout[,options]])
// for SIP/peer, SIP/trunk/number, PJSIP/endpoint and PJSIP/number@trunk:
// every target is invited at once, the first to answer is bridged with the
// caller (who is answered only then, as app_dial does), the others are
// cancelled. DIALSTATUS, DIALEDTIME and ANSWEREDTIME are set as app_dial
// sets them. Option g continues the dialplan when the called party hangs
// up; without it the call ends, as in Asterisk.
func dialApp() *ivr.App {
	return &ivr.App{
		Name:     "Dial",
		Synopsis: "Call one or more SIP endpoints and bridge the first to answer: Dial(SIP/peer[&SIP/trunk/number…][,timeout[,options]]); sets DIALSTATUS",
		Exec: func(ctx context.Context, ch *ivr.Channel, args string) error {
			call, ok := ch.Call().(*sipCall)
			if !ok {
				return errors.New("Dial: the channel is not a SIP call")
			}
			return call.sw.dial(ctx, ch, call, args)
		},
	}
}

type dialTarget struct {
	spec     string
	uri      sipgosip.Uri
	username string
	password string
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
	if _, ok := flags['r']; ok {
		_ = call.Indicate(ctx, ivr.IndicationRinging)
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
	unavailable := 0
	for _, spec := range strings.Split(parts[0], "&") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		t, err := s.resolveTarget(spec)
		if err != nil {
			ch.Logger().Info("Dial: target unavailable", "target", spec, "reason", err)
			unavailable++
			continue
		}
		targets = append(targets, t...)
	}
	ch.SetVar("DIALSTATUS", "")
	if len(targets) == 0 {
		ch.SetVar("DIALSTATUS", "CHANUNAVAIL")
		return nil
	}
	dg := s.sip.srv.Diago()
	start := time.Now()

	dctx, cancel := context.WithCancel(call.d.Context())
	if timeout > 0 {
		dctx, cancel = context.WithTimeout(call.d.Context(), timeout)
	}
	defer cancel()
	type result struct {
		out    *diago.DialogClientSession
		status string
		err    error
	}
	// Each leg carries the caller's Max-Forwards less one (RFC 3261
	// §16.6), so a call looping through trunks ends with 483.
	maxForwards := 70
	if mf := call.d.InviteRequest.MaxForwards(); mf != nil {
		maxForwards = int(mf.Val()) - 1
	}
	results := make(chan result, len(targets))
	for _, t := range targets {
		go func(t dialTarget) {
			out, err := dg.Invite(dctx, t.uri, diago.InviteOptions{
				Username: t.username, Password: t.password,
				// The caller's number goes to the called phone in From,
				// as chan_sip sends the channel's caller ID.
				Headers: []sipgosip.Header{
					sipgosip.NewHeader("From", fmt.Sprintf(`"%s" <sip:%s@%s>;tag=%s`,
						ch.CallerID().Name, ch.CallerID().Num, s.Config().SIP.General.Realm, sipgosip.GenerateTagN(16))),
					sipgosip.NewHeader("Max-Forwards", strconv.Itoa(maxForwards)),
				},
				OnResponse: func(res *sipgosip.Response) error {
					if res.StatusCode == 180 || res.StatusCode == 183 {
						_ = call.Indicate(ctx, ivr.IndicationRinging)
					}
					return nil
				},
			})
			if err != nil {
				var re sipgo.ErrDialogResponse
				var rp *sipgo.ErrDialogResponse // sipgo returns both forms
				status := "CHANUNAVAIL"
				switch {
				case errors.As(err, &re):
					status = sip.DialStatus(re.Res.StatusCode)
				case errors.As(err, &rp):
					status = sip.DialStatus(rp.Res.StatusCode)
				case errors.Is(err, context.DeadlineExceeded):
					status = "NOANSWER"
				case errors.Is(err, context.Canceled):
					status = "CANCEL"
				}
				results <- result{status: status, err: err}
				return
			}
			results <- result{out: out, status: "ANSWER"}
		}(t)
	}
	var answered *diago.DialogClientSession
	statuses := map[string]int{}
	for range targets {
		r := <-results
		if r.out != nil {
			if answered == nil {
				answered = r.out
				cancel() // the other legs are cancelled
				continue
			}
			hctx, c := context.WithTimeout(context.Background(), 5*time.Second)
			_ = r.out.Hangup(hctx)
			c()
			continue
		}
		statuses[r.status]++
		ch.Logger().Info("Dial: leg failed", "status", r.status, "error", r.err)
	}
	ch.SetVar("DIALEDTIME", strconv.Itoa(int(time.Since(start).Seconds())))
	if answered == nil {
		status := "CHANUNAVAIL"
		switch {
		case call.d.Context().Err() != nil:
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
	defer answered.Close()
	// Answer the caller with the callee's codec when the caller offered it,
	// so the media is relayed untouched; otherwise answer with the caller's
	// own choice and transcode between the legs.
	var err error
	if c := audioCodec(answered.Media()); c != "" && sdpOffers(call.d.InviteRequest.Body(), c) {
		err = call.answerWith(bridgeCodecs(answered.MediaSession().CommonCodecs()))
	} else {
		// An explicit list rather than diago's default one, which the other
		// leg's negotiation has been seen to narrow (issue 3, still open).
		err = call.answerWith([]media.Codec{media.CodecAudioUlaw, media.CodecAudioAlaw, media.CodecTelephoneEvent8000})
	}
	if err != nil {
		hctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		_ = answered.Hangup(hctx)
		c()
		return err
	}
	ch.SetVar("DIALSTATUS", "ANSWER")
	answeredAt := time.Now()
	if err := bridgeLegs(ctx, call.d, answered); err != nil {
		return fmt.Errorf("Dial: %w", err)
	}
	ch.Logger().Info("Dial: bridged", "callee", answered.ToUser())
	callerGone := false
	var limitC <-chan time.Time
	if limit > 0 {
		t := time.NewTimer(limit)
		defer t.Stop()
		limitC = t.C
	}
	select {
	case <-call.d.Context().Done():
		callerGone = true
		hctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		_ = answered.Hangup(hctx)
		c()
	case <-answered.Context().Done():
	case <-limitC:
		// L(): the call's time is up; both parties are disconnected, as
		// app_dial does when the limit expires.
		ch.Logger().Info("Dial: call limit reached", "limit", limit)
		hctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		_ = answered.Hangup(hctx)
		c()
	}
	ch.SetVar("ANSWEREDTIME", strconv.Itoa(int(time.Since(answeredAt).Seconds())))
	ch.SetVar("DIALEDTIME", strconv.Itoa(int(time.Since(start).Seconds())))
	if callerGone {
		return ivr.ErrHangup
	}
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
	if !ok || (!strings.EqualFold(tech, "SIP") && !strings.EqualFold(tech, "PJSIP")) {
		return nil, fmt.Errorf("unsupported technology in %q (SIP and PJSIP are)", spec)
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
		var uri sipgosip.Uri
		user := number
		if user == "" {
			user = ep.Name
		}
		if err := sipgosip.ParseUri("sip:"+user+"@"+host, &uri); err != nil {
			return nil, err
		}
		u := ep.Username
		if u == "" {
			u = ep.Name
		}
		return []dialTarget{{spec: spec, uri: uri, username: u, password: ep.Secret}}, nil
	}
	bindings := s.sip.registrar.Location().Lookup(ep.Name, time.Now())
	if len(bindings) == 0 {
		return nil, fmt.Errorf("%s is not registered", ep.Name)
	}
	var out []dialTarget
	for _, b := range bindings {
		var uri sipgosip.Uri
		if err := sipgosip.ParseUri(b.Contact, &uri); err != nil {
			continue
		}
		if number != "" {
			uri.User = number
		}
		// Behind NAT the contact may be unreachable: send where the
		// REGISTER came from (force_rport/comedia), as Asterisk does.
		if ep.NAT.ForceRport && b.Source != "" {
			if host, port, err := splitHostPort(b.Source); err == nil {
				uri.Host, uri.Port = host, port
			}
		}
		out = append(out, dialTarget{spec: spec, uri: uri})
	}
	return out, nil
}

func splitHostPort(s string) (string, int, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", 0, fmt.Errorf("no port in %q", s)
	}
	p, err := strconv.Atoi(s[i+1:])
	return s[:i], p, err
}

// bridgeCodecs keeps the audio codec the callee's leg uses (the first one
// negotiated, which is what both sides send) and telephone-event, so the
// caller's answer matches it.
func bridgeCodecs(common []media.Codec) []media.Codec {
	var out []media.Codec
	audio := false
	for _, c := range common {
		if strings.HasPrefix(strings.ToLower(c.Name), "telephone-event") {
			out = append(out, c)
			continue
		}
		if !audio {
			out = append(out, c)
			audio = true
		}
	}
	return out
}

// audioCodec is the leg's negotiated audio codec name (PCMU, PCMA …).
func audioCodec(m *diago.DialogMedia) string {
	ms := m.MediaSession()
	if ms == nil {
		return ""
	}
	codecs := ms.CommonCodecs()
	if len(codecs) == 0 {
		codecs = ms.Codecs // the answerer's session keeps the answer's codecs here
	}
	for _, c := range bridgeCodecs(codecs) {
		if !strings.HasPrefix(strings.ToLower(c.Name), "telephone-event") {
			return c.Name
		}
	}
	return ""
}

// bridgeLegs connects the media of two answered legs: diago's bridge when
// both use the same codec, else a G.711 transcoding relay (PCMA ↔ PCMU,
// allocation-free per frame; telephone-event is not relayed across it yet).
func bridgeLegs(ctx context.Context, a, b diago.DialogSession) error {
	ca, cb := audioCodec(a.Media()), audioCodec(b.Media())
	if ca == cb {
		bridge := diago.NewBridge()
		if err := bridge.AddDialogSession(a); err != nil {
			return fmt.Errorf("bridge caller: %w", err)
		}
		if err := bridge.AddDialogSession(b); err != nil {
			return fmt.Errorf("bridge callee: %w", err)
		}
		return nil
	}
	ab, ok1 := obmedia.NewTranscoder(ca, cb)
	ba, ok2 := obmedia.NewTranscoder(cb, ca)
	if !ok1 || !ok2 {
		return fmt.Errorf("cannot transcode between %s and %s", ca, cb)
	}
	go relayAudio(a, b, ab)
	go relayAudio(b, a, ba)
	return nil
}

// relayAudio copies from's audio payloads to to, converted in place, until
// either leg ends.
func relayAudio(from, to diago.DialogSession, conv obmedia.Transcoder) {
	r, err := from.Media().AudioReader()
	if err != nil {
		return
	}
	w, err := to.Media().AudioWriter()
	if err != nil {
		return
	}
	buf := make([]byte, 1500)
	for {
		n, err := r.Read(buf)
		if err != nil {
			return
		}
		if n == 0 {
			continue
		}
		conv(buf[:n])
		if _, err := w.Write(buf[:n]); err != nil {
			return
		}
	}
}

// staticPT are the static RTP payload types of RFC 3551 Obelisk relays.
var staticPT = map[string]string{"PCMU": "0", "PCMA": "8"}

// sdpOffers reports whether an SDP offer's audio line offers codec (by
// static payload type or by rtpmap name).
func sdpOffers(sdp []byte, codec string) bool {
	for _, line := range strings.Split(string(sdp), "\n") {
		line = strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(line, "m=audio "); ok {
			f := strings.Fields(rest)
			for _, pt := range f[min(2, len(f)):] {
				if pt == staticPT[strings.ToUpper(codec)] {
					return true
				}
			}
		}
		if rest, ok := strings.CutPrefix(line, "a=rtpmap:"); ok {
			if _, enc, ok := strings.Cut(rest, " "); ok && strings.HasPrefix(strings.ToUpper(enc), strings.ToUpper(codec)+"/") {
				return true
			}
		}
	}
	return false
}
