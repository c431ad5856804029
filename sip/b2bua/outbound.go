package b2bua

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	sipgosip "github.com/emiago/sipgo/sip"
	"github.com/obelisk-pbx/obelisk/media"
	"github.com/obelisk-pbx/obelisk/sip"
)

// DialRequest is one outbound leg to place.
type DialRequest struct {
	// Target is the Request-URI, e.g. sip:1001@192.0.2.10:5062.
	Target string
	// Endpoint is the phone or trunk called (its codecs, NAT, fromuser …).
	Endpoint *sip.Endpoint
	// Username and Password answer a 401/407 challenge (trunks).
	Username, Password string
	// CallerNum and CallerName go in From, as chan_sip sends the channel's
	// caller ID.
	CallerNum, CallerName string
	// MaxForwards is the caller's Max-Forwards less one (RFC 3261 §16.6),
	// so a loop through trunks ends with 483.
	MaxForwards int
	// Codecs are offered in this order (the caller's codecs first, so the
	// legs need no transcoding); only the endpoint's are kept.
	Codecs []string
	// OnProgress is called for every 180/183; early is true when the
	// called party's SDP came with it (its media flows already).
	OnProgress func(out *Outbound, code int, early bool)
}

// Outbound is a called party's leg.
type Outbound struct {
	*Leg
	// Target is what was dialled.
	Target string

	smu      sync.Mutex
	answered bool
	early    bool
}

// ErrCallLimit means the endpoint has call-limit calls up already.
var ErrCallLimit = errors.New("call-limit reached")

// DialError is a leg that did not answer: the final response, or 0 when
// it never came (timeout, cancel, transport failure).
type DialError struct {
	Code   int
	Reason string
	Err    error
	minSE  time.Duration // of a 422
}

func (e *DialError) Error() string {
	if e.Code > 0 {
		return fmt.Sprintf("dial: %d %s", e.Code, e.Reason)
	}
	return fmt.Sprintf("dial: %v", e.Err)
}

func (e *DialError) Unwrap() error { return e.Err }

// DialStatus maps a Dial error to app_dial's DIALSTATUS: the SIP status
// for a final response, NOANSWER for a ring timeout, CANCEL when the
// caller went away, CHANUNAVAIL otherwise.
func DialStatus(err error) string {
	var de *DialError
	switch {
	case err == nil:
		return "ANSWER"
	case errors.As(err, &de) && de.Code > 0:
		return sip.DialStatus(de.Code)
	case errors.Is(err, context.DeadlineExceeded):
		return "NOANSWER"
	case errors.Is(err, context.Canceled):
		return "CANCEL"
	}
	return "CHANUNAVAIL"
}

// Dial places one outbound leg and returns it once answered (the 2xx is
// ACKed and media flows). Ending ctx before the answer cancels the INVITE
// (CANCEL, RFC 3261 §9.1). Errors are *DialError.
func (a *Agent) Dial(ctx context.Context, r DialRequest) (*Outbound, error) {
	if err := a.init(); err != nil {
		return nil, &DialError{Err: err}
	}
	var uri sipgosip.Uri
	if err := sipgosip.ParseUri(r.Target, &uri); err != nil {
		return nil, &DialError{Err: fmt.Errorf("target %q: %w", r.Target, err)}
	}
	g := a.o.Config().General
	ep := r.Endpoint
	allowed := codecNames(g.Codecs)
	symmetric := g.NAT.Comedia
	if ep != nil {
		allowed = codecNames(ep.Codecs)
		symmetric = ep.NAT.Comedia
	}
	var codecs []string
	for _, c := range append(append([]string(nil), r.Codecs...), allowed...) {
		if contains(allowed, c) && !contains(codecs, c) {
			codecs = append(codecs, c)
		}
	}
	if len(codecs) == 0 {
		return nil, &DialError{Err: errors.New("no codec in common with the endpoint")}
	}
	if !a.acquire(ep, true) {
		return nil, &DialError{Err: ErrCallLimit}
	}
	bind, adv := a.mediaAddr(resolve(ctx, uri.Host))
	rtp, err := media.NewSession(a.o.Ports, bind, media.SessionOptions{Symmetric: symmetric, Logger: a.log})
	if err != nil {
		a.release(ep)
		return nil, &DialError{Code: 0, Err: fmt.Errorf("rtp: %w", err)}
	}
	l := &Leg{a: a, ep: ep, rtp: rtp, allowed: allowed, counted: true, log: a.log.With("target", r.Target)}
	l.local = media.Description{Addr: netip.AddrPortFrom(adv, rtp.LocalAddr().Port()), Direction: media.SendRecv,
		Formats: offerFormats(codecs, l.rfc4733()), SessionID: uint64(time.Now().UnixNano() & 0x7fffffffffff), Version: 1, Origin: adv.String()}
	l.startMedia()
	out := &Outbound{Leg: l, Target: r.Target}

	se := time.Duration(0)
	for attempt := 0; ; attempt++ {
		err = out.invite(ctx, uri, r, g, se)
		var de *DialError
		// 422: ask again with the interval the peer wants (RFC 4028 §7.4).
		if attempt == 0 && errors.As(err, &de) && de.Code == 422 && de.minSE > 0 {
			se = de.minSE
			continue
		}
		break
	}
	if err != nil {
		_ = rtp.Close()
		l.releaseOnce.Do(func() { a.release(ep) })
		return nil, err
	}
	return out, nil
}

// resolve returns host's address (a literal or the first DNS answer).
func resolve(ctx context.Context, host string) netip.Addr {
	if a, err := netip.ParseAddr(host); err == nil {
		return a
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip4", host)
	if err != nil || len(ips) == 0 {
		return netip.Addr{}
	}
	return ips[0]
}

func (out *Outbound) invite(ctx context.Context, uri sipgosip.Uri, r DialRequest, g sip.General, se time.Duration) error {
	a, l := out.a, out.Leg
	fromUser, fromHost := r.CallerNum, a.sipHost
	if r.Endpoint != nil {
		if r.Endpoint.FromUser != "" {
			fromUser = r.Endpoint.FromUser
		}
		if r.Endpoint.FromDomain != "" {
			fromHost = r.Endpoint.FromDomain
		}
	}
	if fromUser == "" {
		fromUser = "anonymous"
	}
	from := &sipgosip.FromHeader{DisplayName: r.CallerName, Address: sipgosip.Uri{Scheme: "sip", User: fromUser, Host: fromHost},
		Params: sipgosip.NewParams()}
	from.Params.Add("tag", sipgosip.GenerateTagN(16))
	mf := r.MaxForwards
	if mf <= 0 {
		mf = 70
	}
	hdrs := []sipgosip.Header{from, sipgosip.NewHeader("Max-Forwards", strconv.Itoa(mf)),
		sipgosip.NewHeader("Content-Type", "application/sdp"), sipgosip.NewHeader("Allow", allowMethods)}
	if g.SessionTimers != sip.SessionTimersRefuse {
		hdrs = append(hdrs, sipgosip.NewHeader("Supported", "timer"))
	}
	if g.SessionTimers == sip.SessionTimersOriginate || se > 0 {
		hdrs = append(hdrs, seHeader(max(se, g.SessionExpires), "uac"), sipgosip.NewHeader("Min-SE", strconv.Itoa(int(max(se, g.SessionMinSE)/time.Second))))
	}
	l.mu.Lock()
	offer := l.local.Marshal()
	l.mu.Unlock()
	cli, err := a.dialogUA(r.Endpoint).Invite(ctx, uri, offer, hdrs...)
	if err != nil {
		return &DialError{Err: err}
	}
	l.cli = cli
	lctx, cancel := context.WithCancelCause(cli.Context())
	l.ctx, l.cancel = lctx, cancel
	l.log = a.log.With("call_id", cli.InviteRequest.CallID().Value(), "target", r.Target)
	err = cli.WaitAnswer(ctx, sipgo.AnswerOptions{
		Username: r.Username, Password: r.Password,
		OnResponse: func(res *sipgosip.Response) error {
			if res.StatusCode != 180 && res.StatusCode != 183 {
				return nil
			}
			early := false
			if len(res.Body()) > 0 {
				out.smu.Lock()
				if !out.early {
					if err := l.applyAnswer(res.Body()); err == nil {
						out.early = true
						l.rtp.Start()
					}
				}
				early = out.early
				out.smu.Unlock()
			}
			if r.OnProgress != nil {
				r.OnProgress(out, res.StatusCode, early)
			}
			return nil
		},
	})
	if err != nil {
		cancel(err)
		return dialError(err)
	}
	res := cli.InviteResponse
	if err := cli.Ack(context.WithoutCancel(ctx)); err != nil {
		cancel(err)
		return &DialError{Err: fmt.Errorf("ACK: %w", err)}
	}
	if h := res.GetHeader("Allow"); h != nil {
		l.peerAllow = h.Value()
	}
	if err := l.applyAnswer(res.Body()); err != nil {
		l.log.Warn("answer without a usable SDP: hanging up", "error", err)
		_ = l.bye(ctx)
		return &DialError{Code: 488, Reason: "Not Acceptable Here", Err: err}
	}
	out.smu.Lock()
	if !out.early {
		l.rtp.Start()
	}
	out.answered = true
	out.smu.Unlock()
	l.mu.Lock()
	l.id = cli.ID
	l.mu.Unlock()
	a.add(cli.ID, l)
	if interval, refresher, ok := sessionExpires(res); ok && g.SessionTimers != sip.SessionTimersRefuse {
		l.startTimer(interval, refresher != "uas")
	} else if g.SessionTimers == sip.SessionTimersOriginate || se > 0 {
		l.startTimer(max(se, g.SessionExpires), true)
	}
	go func() {
		<-cli.Context().Done()
		l.end(ErrRemoteHangup)
	}()
	return nil
}

// dialError turns WaitAnswer's error into a *DialError with the status.
func dialError(err error) error {
	var re sipgo.ErrDialogResponse
	var rp *sipgo.ErrDialogResponse // sipgo returns both forms
	var res *sipgosip.Response
	switch {
	case errors.As(err, &re):
		res = re.Res
	case errors.As(err, &rp):
		res = rp.Res
	}
	if res == nil {
		return &DialError{Err: err}
	}
	de := &DialError{Code: res.StatusCode, Reason: res.Reason, Err: err}
	if res.StatusCode == 422 {
		de.minSE = minSE(res)
	}
	return de
}

// Answered reports whether the called party answered.
func (out *Outbound) Answered() bool {
	out.smu.Lock()
	defer out.smu.Unlock()
	return out.answered
}

// Hangup ends an answered leg with BYE and releases it.
func (out *Outbound) Hangup(ctx context.Context) error {
	defer out.close()
	if !out.Answered() {
		return nil
	}
	return out.bye(ctx)
}

// Close releases a leg that is no longer used (its media and its entry).
func (out *Outbound) Close() { out.close() }
