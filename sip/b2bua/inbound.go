package b2bua

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
	"github.com/obelisk-pbx/obelisk/media"
	"github.com/obelisk-pbx/obelisk/sip"
)

// Inbound is the caller's leg: an INVITE the switch answers.
type Inbound struct {
	*Leg
	// Identity is who called (trunk, phone or guest).
	Identity *sip.Identity

	req   *sipgosip.Request
	offer *media.Description // nil for an INVITE without SDP (late offer)

	smu      sync.Mutex
	state    inboundState
	timerHdr []sipgosip.Header
	interval time.Duration
	weRefr   bool
}

type inboundState int

const (
	inboundRinging inboundState = iota
	inboundEarly                // 183 with SDP sent
	inboundAnswered
	inboundEnded
)

// newInbound builds the caller's leg for an identified INVITE: its offer
// is checked (488 with no codec in common), the session timer asked for
// is checked (422 below session-minse), an RTP session is opened and the
// dialog is created. It returns nil, nil when it answered the INVITE
// itself.
func (a *Agent) newInbound(req *sipgosip.Request, tx sipgosip.ServerTransaction, who *sip.Identity) (*Inbound, error) {
	cfg := a.o.Config()
	g := cfg.General
	ep := who.Endpoint
	allowed := codecNames(g.Codecs)
	symmetric := g.NAT.Comedia
	if ep != nil {
		allowed = codecNames(ep.Codecs)
		symmetric = ep.NAT.Comedia
	}
	var offer *media.Description
	if body := req.Body(); len(body) > 0 {
		o, err := media.ParseSDP(body)
		if err != nil {
			a.log.Info("INVITE with unreadable SDP", "source", req.Source(), "error", err)
			return nil, sip.NewStatusError(488, "Not Acceptable Here")
		}
		if _, _, _, err := media.Negotiate(o, allowed); err != nil {
			a.log.Info("INVITE refused: no codec in common", "source", req.Source(), "formats", formatNames(o.Formats), "allowed", allowed)
			return nil, sip.NewStatusError(488, "Not Acceptable Here")
		}
		offer = o
	}
	interval, weRefresh, timerHdrs, timerOn, err := uasTimer(g, req, true)
	if errors.Is(err, errIntervalTooSmall) {
		return nil, respond(tx, req, 422, "Session Interval Too Small", nil, minSEHeader(g))
	}
	if !a.acquire(ep, false) {
		return nil, sip.NewStatusError(480, "Temporarily Unavailable (Call limit)")
	}
	counted := true
	defer func() {
		if counted {
			a.release(ep)
		}
	}()
	peer := sourceAddr(req)
	if offer != nil && offer.Addr.Addr().IsValid() && !offer.Addr.Addr().IsUnspecified() {
		peer = offer.Addr.Addr()
	}
	bind, adv := a.mediaAddr(peer)
	rtp, err := media.NewSession(a.o.Ports, bind, media.SessionOptions{Symmetric: symmetric, Logger: a.log})
	if err != nil {
		a.log.Error("no RTP port for a call", "error", err)
		return nil, sip.NewStatusError(503, "Service Unavailable")
	}
	dialog, err := a.dialogUA(ep).ReadInvite(req, tx)
	if err != nil {
		_ = rtp.Close()
		return nil, sip.NewStatusError(400, "Bad Request")
	}
	_ = dialog.Respond(100, "Trying", nil)
	ctx, cancel := context.WithCancelCause(dialog.Context())
	l := &Leg{a: a, ep: ep, srv: dialog, rtp: rtp, allowed: allowed, ctx: ctx, cancel: cancel,
		log: a.log.With("call_id", req.CallID().Value())}
	if h := req.GetHeader("Allow"); h != nil {
		l.peerAllow = h.Value()
	}
	l.local = media.Description{Addr: netip.AddrPortFrom(adv, rtp.LocalAddr().Port()), Direction: media.SendRecv,
		SessionID: uint64(time.Now().UnixNano() & 0x7fffffffffff), Version: 1, Origin: adv.String()}
	l.id = dialog.ID
	l.startMedia()
	a.add(dialog.ID, l)
	l.counted, counted = true, false
	in := &Inbound{Leg: l, Identity: who, req: req, offer: offer}
	if timerOn {
		in.timerHdr, in.interval, in.weRefr = timerHdrs, interval, weRefresh
	}
	go func() {
		// A CANCEL or a dead INVITE transaction ends the leg.
		<-dialog.Context().Done()
		l.end(ErrRemoteHangup)
	}()
	return in, nil
}

// CallerID is the caller's number and name from the From header.
func (in *Inbound) CallerID() (num, name string) {
	f := in.req.From()
	return f.Address.User, strings.Trim(f.DisplayName, `"`)
}

// Exten is the dialled extension: the Request-URI's user (a provider sends
// the registered contact user, register => …/exten), "s" when empty, as
// chan_sip takes it.
func (in *Inbound) Exten() string {
	if u := in.req.Recipient.User; u != "" {
		return u
	}
	return "s"
}

// Source is the address the INVITE came from.
func (in *Inbound) Source() string { return in.req.Source() }

// MaxForwards is the INVITE's Max-Forwards (70 when absent).
func (in *Inbound) MaxForwards() int {
	if mf := in.req.MaxForwards(); mf != nil {
		return int(mf.Val())
	}
	return 70
}

// OfferedCodecs are the caller's audio codecs in its order (Asterisk
// names), those the leg may use; Dial offers them first to the called
// party so that no transcoding is needed.
func (in *Inbound) OfferedCodecs() []string {
	if in.offer == nil {
		return in.allowed
	}
	var out []string
	for _, f := range in.offer.Formats {
		if c := f.Codec(); c != "" && contains(in.allowed, c) && !contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// Answered reports whether the leg got its 200.
func (in *Inbound) Answered() bool {
	in.smu.Lock()
	defer in.smu.Unlock()
	return in.state == inboundAnswered
}

// Ringing sends 180 Ringing.
func (in *Inbound) Ringing() error {
	in.smu.Lock()
	defer in.smu.Unlock()
	if in.state != inboundRinging {
		return nil
	}
	return in.srv.Respond(180, "Ringing", nil)
}

// Progress sends 183 Session Progress with our SDP answer, so that early
// media (a called party's ringback or announcement, a prompt) reaches the
// caller before answer. prefer, when not empty, is the codec to pick if the
// caller offered it.
func (in *Inbound) Progress(prefer string) error {
	in.smu.Lock()
	defer in.smu.Unlock()
	if in.state != inboundRinging {
		return nil
	}
	if in.offer == nil {
		return in.srv.Respond(183, "Session Progress", nil)
	}
	sdp, err := in.negotiate(prefer)
	if err != nil {
		return err
	}
	if err := in.srv.Respond(183, "Session Progress", sdp, sipgosip.NewHeader("Content-Type", "application/sdp")); err != nil {
		return fmt.Errorf("183: %w", err)
	}
	in.state = inboundEarly
	return nil
}

// negotiate answers the caller's offer (prefer first when offered) and
// starts the RTP session.
func (in *Inbound) negotiate(prefer string) ([]byte, error) {
	// The offer's order wins (media.Negotiate), except for prefer: the
	// called party's codec, when offered, spares the bridge a transcoding.
	audio, dtmf, hasDTMF, err := in.Leg.negotiate(in.offer, []string{prefer})
	if prefer == "" || !contains(in.allowed, prefer) || err != nil {
		audio, dtmf, hasDTMF, err = in.Leg.negotiate(in.offer, in.allowed)
	}
	if err != nil {
		return nil, err
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.local.Formats = []media.Format{audio}
	if hasDTMF {
		in.local.Formats = append(in.local.Formats, dtmf)
	}
	in.local.Direction = in.offer.Direction.Answer()
	if in.remote == nil {
		in.rtp.SetRemote(in.offer, audio, dtmf, hasDTMF)
		in.rtp.Start()
	} else if in.rtp.Audio() != audio {
		in.rtp.SetRemote(in.offer, audio, dtmf, hasDTMF)
	}
	in.remote = in.offer
	return in.local.Marshal(), nil
}

// Answer answers the call (200 OK with our SDP) and waits for the ACK.
// prefer is as for Progress; an INVITE without SDP gets our offer, and the
// ACK brings the answer (RFC 3261 §13.2.1).
func (in *Inbound) Answer(prefer string) error {
	in.smu.Lock()
	defer in.smu.Unlock()
	switch in.state {
	case inboundAnswered:
		return nil
	case inboundEnded:
		return ErrHungUp
	}
	if in.ctx.Err() != nil {
		return ErrHungUp
	}
	var sdp []byte
	var err error
	if in.offer != nil {
		if sdp, err = in.negotiate(prefer); err != nil {
			return err
		}
	} else {
		codecs := in.allowed
		if prefer != "" && contains(in.allowed, prefer) {
			codecs = append([]string{prefer}, in.allowed...)
		}
		in.mu.Lock()
		in.local.Formats = offerFormats(dedupe(codecs), in.rfc4733())
		in.pendingOffer = true
		sdp = in.local.Marshal()
		in.mu.Unlock()
		in.rtp.Start()
	}
	res := sipgosip.NewSDPResponseFromRequest(in.srv.InviteRequest, sdp)
	res.AppendHeader(sipgosip.NewHeader("Allow", allowMethods))
	res.AppendHeader(sipgosip.NewHeader("Supported", "timer"))
	for _, h := range in.timerHdr {
		res.AppendHeader(h)
	}
	if err := in.srv.WriteResponse(res); err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	in.state = inboundAnswered
	if in.timerHdr != nil {
		in.startTimer(in.interval, in.weRefr)
	}
	return nil
}

// allowMethods is our Allow header in dialogs.
const allowMethods = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, REGISTER"

// ErrHungUp is returned by operations on a leg whose call has ended.
var ErrHungUp = errors.New("the call has been hung up")

// Reject refuses the call with a final response (486 busy, 503
// congestion, 480 …) if it is not answered yet.
func (in *Inbound) Reject(code int, reason string) error {
	in.smu.Lock()
	defer in.smu.Unlock()
	if in.state == inboundAnswered || in.state == inboundEnded {
		return nil
	}
	in.state = inboundEnded
	if in.srv.Context().Err() != nil {
		return nil
	}
	return in.srv.Respond(code, reason, nil)
}

// Hangup ends the caller's leg: BYE when answered, else a final response
// for the Q.850 cause (480 for normal clearing before answer, as chan_sip).
func (in *Inbound) Hangup(ctx context.Context, cause int) error {
	in.smu.Lock()
	st := in.state
	if st != inboundAnswered {
		in.smu.Unlock()
		code, reason := sip.CauseToStatus(cause)
		if cause == 16 || cause == 0 {
			code, reason = 480, "Temporarily Unavailable"
		}
		err := in.Reject(code, reason)
		in.end(errLegClosed)
		return err
	}
	in.state = inboundEnded
	in.smu.Unlock()
	return in.bye(ctx)
}

// finish tears the leg down after the dialplan returned.
func (in *Inbound) finish() {
	_ = in.Hangup(context.Background(), 16)
	in.close()
}

func dedupe(list []string) []string {
	var out []string
	for _, s := range list {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
