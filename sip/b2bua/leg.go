package b2bua

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	sipgosip "github.com/emiago/sipgo/sip"
	"github.com/obelisk-pbx/obelisk/dtmf"
	"github.com/obelisk-pbx/obelisk/media"
	"github.com/obelisk-pbx/obelisk/sip"
)

// Leg is one SIP dialog of a call with its RTP session: the caller's
// (Inbound) or a called party's (Outbound).
type Leg struct {
	a       *Agent
	ep      *sip.Endpoint
	log     *slog.Logger
	srv     *sipgo.DialogServerSession // inbound legs
	cli     *sipgo.DialogClientSession // outbound legs
	rtp     *media.Session
	allowed []string // codecs this leg may use, Asterisk names
	// peerAllow is the peer's Allow header (to pick UPDATE or re-INVITE).
	peerAllow string
	// counted: the leg holds one of its endpoint's call-limit calls.
	counted     bool
	releaseOnce sync.Once

	ctx    context.Context
	cancel context.CancelCauseFunc

	// mu guards the fields below.
	mu sync.Mutex
	id string
	// local is our SDP of the leg; its Version grows with every change
	// (RFC 3264 §8).
	local  media.Description
	remote *media.Description
	// pendingOffer: we sent an offer in a 2xx (late offer); the ACK
	// carries the answer.
	pendingOffer bool
	// offering: an offer/answer exchange is in progress (491, RFC 3261
	// §14.2).
	offering bool
	timer    *sessionTimer
	ended    bool
	// refer is the peer's REFER in progress (491 for another, RFC 3515
	// §2.4.6 lets a notifier refuse overlapping ones).
	refer *Refer

	onDTMF  atomic.Pointer[func(dtmf.Event)]
	onRefer atomic.Pointer[func(*Refer) error]
	tapOnce sync.Once
	tap     *legTap

	dtmfOnce sync.Once
	dtmfQ    chan rune
}

// Context ends when the leg's dialog ends (BYE either way, CANCEL, a failed
// session refresh).
func (l *Leg) Context() context.Context { return l.ctx }

// Media is the leg's RTP session.
func (l *Leg) Media() *media.Session { return l.rtp }

// Endpoint is the phone or trunk of the leg (nil for a guest).
func (l *Leg) Endpoint() *sip.Endpoint { return l.ep }

// Logger is the leg's logger (with its Call-ID).
func (l *Leg) Logger() *slog.Logger { return l.log }

// OnDTMF sets the function that gets the digits the peer sends: RFC 4733
// events, SIP INFO, and in-band tones for dtmfmode=inband (or auto without
// telephone-event). It runs on a media or SIP goroutine and must not block.
func (l *Leg) OnDTMF(f func(ev dtmf.Event)) { l.onDTMF.Store(&f) }

// Direction is the direction the peer last asked for (SendOnly when it
// holds the call).
func (l *Leg) Direction() media.Direction {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.remote == nil {
		return media.DirectionUnknown
	}
	return l.remote.Direction
}

func (l *Leg) dialog() *sipgo.Dialog {
	if l.srv != nil {
		return &l.srv.Dialog
	}
	return &l.cli.Dialog
}

// end ends the leg's context once, with its cause.
func (l *Leg) end(cause error) {
	l.mu.Lock()
	t := l.timer
	l.timer = nil
	l.mu.Unlock()
	if t != nil {
		t.stop()
	}
	l.cancel(cause)
}

// close releases the leg: out of the agent's table, media closed.
func (l *Leg) close() {
	l.end(errLegClosed)
	l.mu.Lock()
	id := l.id
	l.mu.Unlock()
	if id != "" {
		l.a.remove(id)
	}
	if l.rtp != nil {
		_ = l.rtp.Close()
	}
	if l.counted {
		l.releaseOnce.Do(func() { l.a.release(l.ep) })
	}
}

var errLegClosed = errors.New("leg closed")

// ErrRemoteHangup is the cause of a leg's context when the peer sent BYE.
var ErrRemoteHangup = errors.New("remote hangup")

// ErrSessionExpired is the cause when a session timer ran out (RFC 4028 §10).
var ErrSessionExpired = errors.New("session expired")

// bye sends BYE on an established leg and ends it.
func (l *Leg) bye(ctx context.Context) error {
	defer l.end(errLegClosed)
	if l.dialog().Context().Err() != nil {
		return nil
	}
	hctx, cancel := withoutCancel(ctx)
	defer cancel()
	if l.srv != nil {
		return l.srv.Bye(hctx)
	}
	return l.cli.Bye(hctx)
}

// remoteTarget is where in-dialog requests go: the peer's Contact.
func (l *Leg) remoteTarget() sipgosip.Uri {
	if l.srv != nil {
		if c := l.srv.InviteRequest.Contact(); c != nil {
			return c.Address
		}
		return l.srv.InviteRequest.From().Address
	}
	if c := l.cli.InviteResponse.Contact(); c != nil {
		return c.Address
	}
	return l.cli.InviteRequest.Recipient
}

// do sends an in-dialog request and waits for its final response.
func (l *Leg) do(ctx context.Context, req *sipgosip.Request) (*sipgosip.Response, error) {
	if l.srv != nil {
		return l.srv.Do(ctx, req)
	}
	return l.cli.Do(ctx, req)
}

func (l *Leg) write(req *sipgosip.Request) error {
	if l.srv != nil {
		return l.srv.WriteRequest(req)
	}
	return l.cli.WriteRequest(req)
}

// onOffer handles a re-INVITE or an UPDATE from the peer (RFC 3261 §14.2,
// RFC 3311 §5.2): a new offer renegotiates the leg's media, an empty
// re-INVITE gets our offer (its answer comes in the ACK), an empty UPDATE
// only refreshes the session.
func (l *Leg) onOffer(req *sipgosip.Request, tx sipgosip.ServerTransaction) error {
	l.mu.Lock()
	if l.offering {
		l.mu.Unlock()
		return sip.NewStatusError(491, "Request Pending")
	}
	l.offering = true
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.offering = false
		l.mu.Unlock()
	}()
	if err := l.dialog().ReadRequest(req, tx); err != nil {
		// RFC 3261 §12.2.2: an out-of-order request gets 500 with
		// Retry-After (§14.2).
		return respond(tx, req, 500, "Server Internal Error", nil,
			sipgosip.NewHeader("Retry-After", strconv.Itoa(rand.IntN(10))))
	}
	timerHdrs, err := l.refreshedBy(req)
	if err != nil {
		var se *sip.StatusError
		if errors.As(err, &se) && se.Code == 422 {
			return respond(tx, req, 422, "Session Interval Too Small", nil, minSEHeader(l.a.o.Config().General))
		}
		return err
	}
	hdrs := append([]sipgosip.Header{&l.a.contact}, timerHdrs...)
	body := req.Body()
	if len(body) == 0 {
		if !req.IsInvite() {
			return respond(tx, req, 200, "OK", nil, hdrs...)
		}
		l.mu.Lock()
		l.local.Version++
		l.local.Direction = media.SendRecv
		offer := l.local.Marshal()
		l.pendingOffer = true
		l.mu.Unlock()
		return respond(tx, req, 200, "OK", offer, hdrs...)
	}
	offer, err := media.ParseSDP(body)
	if err != nil {
		l.log.Warn("unreadable SDP offer", "error", err)
		return sip.NewStatusError(488, "Not Acceptable Here")
	}
	answer, err := l.applyOffer(offer)
	if err != nil {
		return sip.NewStatusError(488, "Not Acceptable Here")
	}
	return respond(tx, req, 200, "OK", answer, hdrs...)
}

// applyOffer negotiates a new offer of the peer and returns our answer;
// the old media goes on when nothing in common is offered.
func (l *Leg) applyOffer(offer *media.Description) ([]byte, error) {
	// The codec in use is kept when the peer offers it again (a hold or a
	// refresh must not start a transcoding); else the offer's order wins.
	audio, dtmf, hasDTMF, err := l.negotiate(offer, []string{l.rtp.Audio().Codec()})
	if err != nil {
		audio, dtmf, hasDTMF, err = l.negotiate(offer, l.allowed)
	}
	if err != nil {
		l.log.Info("re-offer refused: no codec in common", "formats", formatNames(offer.Formats))
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.remote
	formats := []media.Format{audio}
	if hasDTMF {
		formats = append(formats, dtmf)
	}
	dir := offer.Direction.Answer()
	if !sameFormats(l.local.Formats, formats) || l.local.Direction != dir {
		l.local.Version++
	}
	l.local.Formats, l.local.Direction = formats, dir
	if old == nil || !sameRemote(old, offer) {
		l.rtp.SetRemote(offer, audio, dtmf, hasDTMF)
	}
	l.remote = offer
	if old != nil && old.Direction != offer.Direction {
		l.log.Info("media direction changed", "from", old.Direction, "to", offer.Direction)
	}
	return l.local.Marshal(), nil
}

// onAck takes the ACK of our 2xx: it confirms the dialog and, after a late
// offer, carries the peer's answer.
func (l *Leg) onAck(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	if l.srv != nil {
		_ = l.srv.ReadAck(req, tx)
	}
	l.mu.Lock()
	pending := l.pendingOffer
	l.pendingOffer = false
	l.mu.Unlock()
	if !pending || len(req.Body()) == 0 {
		return
	}
	if err := l.applyAnswer(req.Body()); err != nil {
		l.log.Warn("ACK without a usable SDP answer", "error", err)
	}
}

// applyAnswer applies the peer's answer to our offer.
func (l *Leg) applyAnswer(body []byte) error {
	ans, err := media.ParseSDP(body)
	if err != nil {
		return err
	}
	audio, ok := ans.Audio()
	if !ok || !contains(l.allowed, audio.Codec()) {
		return media.ErrNoCommonCodec
	}
	dtmf, hasDTMF := ans.DTMF(audio.Rate)
	hasDTMF = hasDTMF && l.rfc4733()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.remote == nil || !sameRemote(l.remote, ans) {
		l.rtp.SetRemote(ans, audio, dtmf, hasDTMF)
	}
	l.remote = ans
	return nil
}

// onBye takes the peer's BYE (RFC 3261 §15.1.2).
func (l *Leg) onBye(req *sipgosip.Request, tx sipgosip.ServerTransaction) error {
	var err error
	if l.srv != nil {
		err = l.srv.ReadBye(req, tx)
	} else {
		err = l.cli.ReadBye(req, tx)
	}
	l.end(ErrRemoteHangup)
	if errors.Is(err, sipgo.ErrDialogInvalidCseq) {
		return sip.NewStatusError(500, "Server Internal Error")
	}
	return err
}

// onInfo takes SIP INFO: DTMF as application/dtmf-relay (Signal=5) or
// application/dtmf (5), as chan_sip's dtmfmode=info reads them; an empty
// INFO (a keep-alive) is answered too; other bodies get 415, as Asterisk.
func (l *Leg) onInfo(req *sipgosip.Request, tx sipgosip.ServerTransaction) error {
	body := strings.TrimSpace(string(req.Body()))
	if body == "" {
		return respond(tx, req, 200, "OK", nil)
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = strings.ToLower(strings.TrimSpace(strings.SplitN(h.Value(), ";", 2)[0]))
	}
	ev, err := dtmf.ParseInfo(ct, req.Body())
	switch {
	case errors.Is(err, dtmf.ErrUnsupportedType):
		return respond(tx, req, 415, "Unsupported Media Type", nil,
			sipgosip.NewHeader("Accept", "application/dtmf-relay, application/dtmf"))
	case errors.Is(err, dtmf.ErrNotDigit):
		// A flash (Signal=16) is acknowledged as chan_sip does; it is no
		// digit for the dialplan.
		return respond(tx, req, 200, "OK", nil)
	case err != nil:
		return sip.NewStatusError(400, "Bad Request")
	}
	if err := respond(tx, req, 200, "OK", nil); err != nil {
		return err
	}
	l.dtmfEvent(ev)
	return nil
}

func sameFormats(a, b []media.Format) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].PT != b[i].PT || a[i].Name != b[i].Name || a[i].Rate != b[i].Rate {
			return false
		}
	}
	return true
}

// sameRemote reports whether a new description of the peer changes
// nothing the RTP session uses (a session refresh re-sends the same SDP).
func sameRemote(a, b *media.Description) bool {
	return a.Addr == b.Addr && a.Direction == b.Direction && sameFormats(a.Formats, b.Formats)
}

func formatNames(fs []media.Format) string {
	var names []string
	for _, f := range fs {
		names = append(names, f.Name+"/"+strconv.Itoa(int(f.Rate)))
	}
	return strings.Join(names, " ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// offerFormats are the formats we offer for codecs, in order, with
// telephone-event/8000 at payload type 101 (Asterisk's choice) when the
// leg carries DTMF as RFC 4733.
func offerFormats(codecs []string, rfc4733 bool) []media.Format {
	var out []media.Format
	for _, c := range codecs {
		if f, ok := media.FormatFor(c); ok {
			out = append(out, f)
		}
	}
	if !rfc4733 {
		return out
	}
	return append(out, media.Format{PT: 101, Name: "telephone-event", Rate: 8000, Fmtp: "0-16"})
}

// rfc4733 reports whether the leg carries DTMF as telephone-events: not
// for dtmfmode=info or inband endpoints, which chan_sip offers none.
func (l *Leg) rfc4733() bool {
	if l.ep == nil {
		return true
	}
	switch l.ep.DTMFMode {
	case sip.DTMFInfo, sip.DTMFInband:
		return false
	}
	return true
}

// negotiate is media.Negotiate, without telephone-event for a leg that
// does not carry RFC 4733.
func (l *Leg) negotiate(offer *media.Description, allowed []string) (audio, dtmf media.Format, hasDTMF bool, err error) {
	audio, dtmf, hasDTMF, err = media.Negotiate(offer, allowed)
	if !l.rfc4733() {
		dtmf, hasDTMF = media.Format{}, false
	}
	return audio, dtmf, hasDTMF, err
}

// HasRFC4733 reports whether the peer negotiated telephone-event on the
// leg, so that RFC 4733 events relayed to it are understood.
func (l *Leg) HasRFC4733() bool {
	_, ok := l.rtp.DTMFFormat()
	return ok
}

func codecNames(cs []sip.Codec) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, string(c))
	}
	return out
}

// Bridge relays the media of two legs both ways until Stop (transcoding
// when their codecs differ, DTMF remapped to each leg's payload type).
func Bridge(a, b *Leg) *media.Bridge {
	br := media.NewBridge(a.rtp, b.rtp)
	br.Start()
	return br
}

// SendDTMF queues a digit for the peer: as an RFC 4733 event when the leg
// negotiated telephone-event and its endpoint does not use dtmfmode=info,
// else as SIP INFO (application/dtmf-relay). Digits go out in order, one
// at a time; the call does not wait for them.
func (l *Leg) SendDTMF(digit rune) {
	l.dtmfOnce.Do(func() {
		l.dtmfQ = make(chan rune, 32)
		go l.sendDTMFLoop()
	})
	select {
	case l.dtmfQ <- digit:
	default:
		l.log.Warn("DTMF queue full: digit dropped", "digit", string(digit))
	}
}

func (l *Leg) sendDTMFLoop() {
	for {
		select {
		case <-l.ctx.Done():
			return
		case d := <-l.dtmfQ:
			if err := l.SendDigit(l.ctx, d, 0); err != nil && l.ctx.Err() == nil {
				l.log.Info("DTMF not delivered", "digit", string(d), "error", err)
			}
		}
	}
}

// SendDigit sends one digit and returns once it is sent: an RFC 4733
// event of duration d (media.DefaultDTMFDuration when 0) when the leg
// negotiated telephone-event and its endpoint does not use dtmfmode=info,
// else SIP INFO.
func (l *Leg) SendDigit(ctx context.Context, digit rune, d time.Duration) error {
	info := l.ep != nil && (l.ep.DTMFMode == sip.DTMFInfo || l.ep.DTMFMode == sip.DTMFAutoInfo)
	if !info {
		err := l.rtp.SendDTMF(ctx, digit, d)
		if err == nil || ctx.Err() != nil {
			return err
		}
	}
	return l.sendInfoDTMF(digit)
}

// sendInfoDTMF sends one digit as chan_sip's dtmfmode=info does.
func (l *Leg) sendInfoDTMF(d rune) error {
	ctx, cancel := context.WithTimeout(l.ctx, 5*time.Second)
	defer cancel()
	req := sipgosip.NewRequest(sipgosip.INFO, l.remoteTarget())
	req.SetBody([]byte("Signal=" + string(d) + "\r\nDuration=" + strconv.Itoa(int(media.DefaultDTMFDuration/time.Millisecond)) + "\r\n"))
	req.AppendHeader(sipgosip.NewHeader("Content-Type", "application/dtmf-relay"))
	res, err := l.do(ctx, req)
	if err != nil {
		return err
	}
	if !res.IsSuccess() {
		return fmt.Errorf("INFO answered %d", res.StatusCode)
	}
	return nil
}
