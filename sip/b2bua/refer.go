package b2bua

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
	"github.com/obelisk-pbx/obelisk/sip"
)

// Refer is a REFER the peer of a leg sent in its dialog (RFC 3515): the
// phone asks the switch to transfer the call. Target's user part is the
// extension of a blind transfer; with Replaces it is an attended transfer
// (RFC 3891 §5: the dialog named is to be replaced by the transferee).
//
// The REFER is answered 202 Accepted once the leg's OnRefer function
// accepted it, and the implicit subscription (RFC 3515 §2.4.4) begins with
// a NOTIFY "SIP/2.0 100 Trying", as Asterisk sends it. With Refer-Sub:
// false (RFC 4488) there is no subscription: the REFER's final response
// waits for the outcome and is it. The switch reports
// how the transfer went with Notify; a final status (>= 200) ends the
// subscription, and a failed transfer is reported as such, never as 200.
type Refer struct {
	// Leg is the leg the REFER came on (the transferer's).
	Leg *Leg
	// Target is the Refer-To URI without its headers, e.g. sip:200@pbx.
	Target string
	// User is the Refer-To URI's user part (the extension to go to).
	User string
	// Replaces is the dialog of the Refer-To's embedded Replaces header
	// (an attended transfer), nil for a blind transfer.
	Replaces *Replaces
	// ReferredBy is the Referred-By header (RFC 3892), "" when absent.
	ReferredBy string
	// NoSubscription is set when the REFER carried Refer-Sub: false
	// (RFC 4488 §4): the switch sends no NOTIFY at all.
	NoSubscription bool

	cseq   uint32
	queue  chan referNotice
	closed chan struct{} // closed once the subscription is over
	// req and tx are the REFER answered with the outcome when there is
	// no subscription.
	req *sipgosip.Request
	tx  sipgosip.ServerTransaction
}

// Replaces names a dialog (RFC 3891 §6.1): its Call-ID and the tags of
// its two ends.
type Replaces struct {
	CallID  string
	ToTag   string
	FromTag string
	// EarlyOnly: only an early dialog may be replaced (RFC 3891 §3).
	EarlyOnly bool
}

// String is the header value: callid;to-tag=…;from-tag=….
func (r *Replaces) String() string {
	s := r.CallID + ";to-tag=" + r.ToTag + ";from-tag=" + r.FromTag
	if r.EarlyOnly {
		s += ";early-only"
	}
	return s
}

// Errors of REFER parsing.
var (
	// ErrNoReferTo means the REFER has no Refer-To header, or more than one
	// (RFC 3515 §2.4.1: 400).
	ErrNoReferTo = errors.New("no single Refer-To header")
	// ErrBadReferTo means the Refer-To URI cannot be read.
	ErrBadReferTo = errors.New("unreadable Refer-To")
	// ErrNotSIPURI means the Refer-To URI is not sip: or sips:.
	ErrNotSIPURI = errors.New("Refer-To is not a SIP URI")
	// ErrBadReplaces means a Replaces value lacks its Call-ID or a tag.
	ErrBadReplaces = errors.New("malformed Replaces")
)

// ParseReplaces reads a Replaces header value (RFC 3891 §6.1):
//
//	callid;to-tag=7743;from-tag=6472[;early-only]
func ParseReplaces(v string) (*Replaces, error) {
	parts := strings.Split(strings.TrimSpace(v), ";")
	r := &Replaces{CallID: strings.TrimSpace(parts[0])}
	for _, p := range parts[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "to-tag":
			r.ToTag = strings.TrimSpace(val)
		case "from-tag":
			r.FromTag = strings.TrimSpace(val)
		case "early-only":
			r.EarlyOnly = true
		}
	}
	if r.CallID == "" || r.ToTag == "" || r.FromTag == "" {
		return nil, fmt.Errorf("%w: %q", ErrBadReplaces, v)
	}
	return r, nil
}

// ParseReferTo reads a Refer-To value (RFC 3515 §2.1), a name-addr or a
// bare URI; the URI's headers may embed a Replaces (escaped, RFC 3261
// §19.1.1), e.g.
//
//	<sip:1003@pbx?Replaces=abc%40host%3Bto-tag%3D1%3Bfrom-tag%3D2>
//
// It returns the URI without its headers, its user part and the Replaces.
func ParseReferTo(v string) (target, user string, rep *Replaces, err error) {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			return "", "", nil, fmt.Errorf("%w: %q", ErrBadReferTo, v)
		}
		v = v[i+1 : i+j]
	} else if i := strings.IndexByte(v, ';'); i >= 0 && !strings.Contains(v, "?") {
		// A bare URI's parameters belong to the header (RFC 3261 §20).
		v = v[:i]
	}
	scheme, rest, ok := strings.Cut(v, ":")
	if !ok || scheme == "" || rest == "" {
		return "", "", nil, fmt.Errorf("%w: %q", ErrBadReferTo, v)
	}
	scheme = strings.ToLower(scheme)
	if scheme != "sip" && scheme != "sips" {
		return "", "", nil, fmt.Errorf("%w: %q", ErrNotSIPURI, v)
	}
	uri, headers, _ := strings.Cut(rest, "?")
	if at := strings.LastIndexByte(uri, '@'); at >= 0 {
		user = uri[:at]
		if c := strings.IndexByte(user, ':'); c >= 0 {
			user = user[:c] // user:password
		}
		if u, err := url.PathUnescape(user); err == nil {
			user = u
		}
		if host := uri[at+1:]; host == "" || host[0] == ';' {
			return "", "", nil, fmt.Errorf("%w: no host in %q", ErrBadReferTo, v)
		}
	}
	for _, h := range strings.Split(headers, "&") {
		k, val, ok := strings.Cut(h, "=")
		if !ok || !strings.EqualFold(k, "Replaces") {
			continue
		}
		dec, err := url.QueryUnescape(strings.ReplaceAll(val, "+", "%2B"))
		if err != nil {
			return "", "", nil, fmt.Errorf("%w: Replaces %q: %v", ErrBadReferTo, val, err)
		}
		if rep, err = ParseReplaces(dec); err != nil {
			return "", "", nil, err
		}
	}
	return scheme + ":" + uri, user, rep, nil
}

// referNotice is one NOTIFY to send: the sipfrag status line.
type referNotice struct {
	code   int
	reason string
}

// referExpires is the Subscription-State expiry of an active implicit
// subscription (RFC 3515 §2.4.4 lets the notifier choose it).
const referExpires = 60

// OnRefer sets the function that takes the REFERs of the leg's peer (a
// phone transferring the call). It runs on a SIP goroutine before the
// REFER is answered and must not block: it returns nil to accept the
// transfer (202 Accepted, then NOTIFY 100 Trying; with Refer-Sub: false
// the response waits for the outcome) and reports the outcome later with
// Refer.Notify; or an error to refuse it, a *sip.StatusError
// giving the response (e.g. 603 Declined), else 500. Without a function
// (here or Options.OnRefer) a REFER is answered 603 Declined, as chan_sip
// answers a transfer of a channel that is not bridged.
func (l *Leg) OnRefer(f func(r *Refer) error) { l.onRefer.Store(&f) }

// onReferReq handles a REFER in the leg's dialog (RFC 3515 §2.4.2), as
// chan_sip's handle_request_refer answers it: 400 without a readable
// Refer-To, 603 for a non-SIP URI or a leg nobody transfers, 491 while an
// earlier REFER of the leg is still in progress, 202 once accepted.
func (l *Leg) onReferReq(req *sipgosip.Request, tx sipgosip.ServerTransaction) error {
	if l.ctx.Err() != nil {
		return errNoDialog
	}
	if err := l.dialog().ReadRequest(req, tx); err != nil {
		return sip.NewStatusError(500, "Server Internal Error")
	}
	r, err := parseRefer(req)
	switch {
	case errors.Is(err, ErrNotSIPURI):
		return sip.NewStatusError(603, "Declined (Non sip: uri)")
	case errors.Is(err, ErrNoReferTo):
		return sip.NewStatusError(400, "Bad Request (Refer-to missing)")
	case err != nil:
		l.log.Info("REFER refused", "error", err)
		return sip.NewStatusError(400, "Bad Request")
	}
	r.Leg = l
	f := l.a.o.OnRefer
	if fp := l.onRefer.Load(); fp != nil && *fp != nil {
		f = *fp
	}
	if f == nil {
		l.log.Info("REFER declined: the call cannot be transferred", "refer_to", r.Target)
		return sip.NewStatusError(603, "Declined")
	}
	l.mu.Lock()
	if l.refer != nil {
		l.mu.Unlock()
		return sip.NewStatusError(491, "Request Pending")
	}
	l.refer = r
	l.mu.Unlock()
	if err := f(r); err != nil {
		l.clearRefer(r)
		var se *sip.StatusError
		if errors.As(err, &se) {
			l.log.Info("REFER refused", "refer_to", r.Target, "code", se.Code, "reason", se.Reason)
			return se
		}
		return err
	}
	if r.NoSubscription {
		// Without a subscription the outcome is the REFER's own final
		// response, as res_pjsip_refer sends it when Refer-Sub is false.
		r.req, r.tx = req, tx
		l.log.Info("REFER accepted without subscription", "refer_to", r.Target, "replaces", r.Replaces != nil)
		go r.run()
		return nil
	}
	var hdrs []sipgosip.Header
	if h := req.GetHeader("Refer-Sub"); h != nil {
		hdrs = append(hdrs, sipgosip.NewHeader("Refer-Sub", "true"))
	}
	hdrs = append(hdrs, sipgosip.HeaderClone(&l.a.contact))
	if err := respond(tx, req, 202, "Accepted", nil, hdrs...); err != nil {
		l.clearRefer(r)
		return err
	}
	l.log.Info("REFER accepted", "refer_to", r.Target, "replaces", r.Replaces != nil)
	go r.run()
	return nil
}

// parseRefer reads the REFER's headers.
func parseRefer(req *sipgosip.Request) (*Refer, error) {
	var values []string
	for _, name := range []string{"Refer-To", "r"} {
		for _, h := range req.GetHeaders(name) {
			values = append(values, h.Value())
		}
	}
	if len(values) != 1 {
		return nil, ErrNoReferTo
	}
	target, user, rep, err := ParseReferTo(values[0])
	if err != nil {
		return nil, err
	}
	r := &Refer{Target: target, User: user, Replaces: rep, cseq: req.CSeq().SeqNo,
		queue: make(chan referNotice, 8), closed: make(chan struct{})}
	for _, name := range []string{"Referred-By", "b"} {
		if h := req.GetHeader(name); h != nil {
			r.ReferredBy = h.Value()
			break
		}
	}
	if h := req.GetHeader("Refer-Sub"); h != nil && strings.EqualFold(strings.TrimSpace(strings.SplitN(h.Value(), ";", 2)[0]), "false") {
		r.NoSubscription = true
	}
	return r, nil
}

// clearRefer ends r as the leg's REFER in progress.
func (l *Leg) clearRefer(r *Refer) {
	l.mu.Lock()
	if l.refer == r {
		l.refer = nil
	}
	l.mu.Unlock()
}

// Notify reports the transfer's progress to the transferer as a NOTIFY of
// the implicit subscription (RFC 3515 §2.4.5): "SIP/2.0 <code> <reason>"
// as message/sipfrag. A provisional code (180, 183) keeps the subscription
// active; a final one (200 when the transferee was sent on, 404 for an
// extension that does not exist, 486, 503 …) terminates it. It does not
// wait: NOTIFYs go out in order on a goroutine of the REFER (Done tells
// when the last was answered); later calls after a final code are ignored.
// With Refer-Sub: false no NOTIFY is sent: the final status is the
// REFER's own response (as res_pjsip_refer answers it), 200 for a success.
func (r *Refer) Notify(code int, reason string) {
	select {
	case <-r.closed:
		return
	default:
	}
	if reason == "" {
		reason = reasonPhrase(code)
	}
	select {
	case r.queue <- referNotice{code: code, reason: reason}:
	default:
		if code >= 200 { // a full queue must not lose the outcome
			go func() {
				select {
				case r.queue <- referNotice{code: code, reason: reason}:
				case <-r.closed:
				}
			}()
		}
	}
}

// reasonPhrase is RFC 3261's phrase of the codes a transfer reports.
func reasonPhrase(code int) string {
	switch code {
	case 100:
		return "Trying"
	case 180:
		return "Ringing"
	case 183:
		return "Session Progress"
	case 200:
		return "OK"
	case 404:
		return "Not Found"
	case 481:
		return "Call/Transaction Does Not Exist"
	case 486:
		return "Busy Here"
	case 487:
		return "Request Terminated"
	case 500:
		return "Server Internal Error"
	case 503:
		return "Service Unavailable"
	case 603:
		return "Declined"
	}
	return "Unknown"
}

// Done is closed once the subscription is over: the final NOTIFY was
// answered (or could not be sent), or the transferer's dialog ended.
func (r *Refer) Done() <-chan struct{} { return r.closed }

// run sends the REFER's NOTIFYs in order: 100 Trying first, then those of
// Notify, up to the final one.
func (r *Refer) run() {
	l := r.Leg
	defer close(r.closed)
	defer l.clearRefer(r)
	if r.NoSubscription {
		r.answer()
		return
	}
	r.send(referNotice{code: 100, reason: "Trying"})
	for {
		select {
		case n := <-r.queue:
			if n.code >= 200 {
				// A REFER the phone sends once it has the outcome is
				// another transfer, not one in progress (491).
				l.clearRefer(r)
				l.log.Info("REFER outcome", "refer_to", r.Target, "code", n.code, "reason", n.reason)
			}
			r.send(n)
			if n.code >= 200 {
				return
			}
		case <-l.ctx.Done():
			return
		}
	}
}

// referAnswerTimeout bounds the wait for the outcome of a REFER without
// subscription, below the transferer's Timer F (64*T1, RFC 3261 §17.1.2.2).
const referAnswerTimeout = 20 * time.Second

// answer waits for the outcome of a REFER without subscription and sends
// it as the REFER's final response: 200 OK with Refer-Sub: false (RFC 4488
// §4) for a transfer done, the failure's status otherwise (404 for an
// extension that does not exist …), 487 when the transferer hung up first.
func (r *Refer) answer() {
	l := r.Leg
	t := time.NewTimer(referAnswerTimeout)
	defer t.Stop()
	n := referNotice{code: 500, reason: "Server Internal Error"}
wait:
	for {
		select {
		case n = <-r.queue:
			if n.code >= 200 {
				break wait
			}
		case <-l.ctx.Done():
			n = referNotice{code: 487, reason: "Request Terminated"}
			break wait
		case <-t.C:
			l.log.Warn("REFER without subscription: no outcome in time", "refer_to", r.Target)
			break wait
		}
	}
	l.clearRefer(r)
	l.log.Info("REFER outcome", "refer_to", r.Target, "code", n.code, "reason", n.reason)
	var hdrs []sipgosip.Header
	if n.code < 300 {
		n = referNotice{code: 200, reason: "OK"}
		hdrs = append(hdrs, sipgosip.NewHeader("Refer-Sub", "false"), sipgosip.HeaderClone(&l.a.contact))
	}
	if err := respond(r.tx, r.req, n.code, n.reason, nil, hdrs...); err != nil {
		l.log.Info("REFER response not sent", "code", n.code, "error", err)
	}
}

// notifyTimeout bounds one NOTIFY transaction.
const notifyTimeout = 5 * time.Second

// send sends one NOTIFY of the subscription and waits for its answer.
func (r *Refer) send(n referNotice) {
	l := r.Leg
	if l.dialog().Context().Err() != nil {
		return
	}
	req := sipgosip.NewRequest(sipgosip.NOTIFY, l.remoteTarget())
	req.AppendHeader(sipgosip.NewHeader("Event", "refer;id="+strconv.FormatUint(uint64(r.cseq), 10)))
	state := "active;expires=" + strconv.Itoa(referExpires)
	if n.code >= 200 {
		state = "terminated;reason=noresource"
	}
	req.AppendHeader(sipgosip.NewHeader("Subscription-State", state))
	req.AppendHeader(sipgosip.NewHeader("Content-Type", "message/sipfrag;version=2.0"))
	req.SetBody([]byte("SIP/2.0 " + strconv.Itoa(n.code) + " " + n.reason + "\r\n"))
	ctx, cancel := context.WithTimeout(context.WithoutCancel(l.ctx), notifyTimeout)
	defer cancel()
	res, err := l.do(ctx, req)
	switch {
	case err != nil:
		l.log.Info("REFER NOTIFY not delivered", "sipfrag", n.code, "error", err)
	case res == nil: // the dialog ended while the NOTIFY was under way
		l.log.Info("REFER NOTIFY not delivered", "sipfrag", n.code, "error", "no response")
	case !res.IsSuccess():
		l.log.Info("REFER NOTIFY refused", "sipfrag", n.code, "status", res.StatusCode)
	}
}

// LegByDialog finds the leg of a dialog named by its Call-ID and tags, as
// a Replaces header names it (RFC 3891 §3); the tags may come in either
// order, since the header names them from its sender's point of view. It
// returns nil when the switch has no such dialog.
func (a *Agent) LegByDialog(callID, toTag, fromTag string) *Leg {
	a.mu.Lock()
	defer a.mu.Unlock()
	if l := a.legs[sipgosip.DialogIDMake(callID, toTag, fromTag)]; l != nil {
		return l
	}
	return a.legs[sipgosip.DialogIDMake(callID, fromTag, toTag)]
}

// onRefer routes a REFER to its leg. A REFER outside a dialog (no To tag)
// is declined as chan_sip declines it ("603 Declined (No dialog)"); one
// naming a dialog the switch does not have gets 481 (RFC 3261 §12.2.2).
func (a *Agent) onRefer(req *sipgosip.Request, tx sipgosip.ServerTransaction) error {
	if _, ok := req.To().Params.Get("tag"); !ok {
		return sip.NewStatusError(603, "Declined (No dialog)")
	}
	l := a.match(req)
	if l == nil {
		return errNoDialog
	}
	return l.onReferReq(req, tx)
}

// Replaces is the Replaces header of the caller's INVITE (RFC 3891), nil
// when it has none or when it cannot be read.
func (in *Inbound) Replaces() *Replaces {
	h := in.req.GetHeader("Replaces")
	if h == nil {
		return nil
	}
	r, err := ParseReplaces(h.Value())
	if err != nil {
		return nil
	}
	return r
}
