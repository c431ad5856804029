package b2bua

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
	"github.com/obelisk-pbx/obelisk/sip"
)

// sessionTimer runs RFC 4028 on one leg: the refresher sends a refresh at
// half the interval (§7.4, §9); the other side ends the session with BYE
// when no refresh came by the interval less min(32 s, interval/3) (§10).
type sessionTimer struct {
	l *Leg

	mu        sync.Mutex
	interval  time.Duration
	weRefresh bool
	t         *time.Timer
	stopped   bool
}

// headerGetter is what requests and responses share for reading headers.
type headerGetter interface {
	GetHeader(name string) sipgosip.Header
	GetHeaders(name string) []sipgosip.Header
}

// sessionExpires reads a Session-Expires header (compact form x): its
// delta-seconds and refresher parameter.
func sessionExpires(m headerGetter) (time.Duration, string, bool) {
	h := m.GetHeader("Session-Expires")
	if h == nil {
		h = m.GetHeader("x")
	}
	if h == nil {
		return 0, "", false
	}
	parts := strings.Split(h.Value(), ";")
	n, err := strconv.ParseUint(strings.TrimSpace(parts[0]), 10, 32)
	if err != nil {
		return 0, "", false
	}
	refresher := ""
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "refresher") {
			refresher = strings.ToLower(strings.TrimSpace(v))
		}
	}
	return time.Duration(n) * time.Second, refresher, true
}

// minSE reads Min-SE (RFC 4028 §5); 0 when absent.
func minSE(m headerGetter) time.Duration {
	h := m.GetHeader("Min-SE")
	if h == nil {
		return 0
	}
	n, err := strconv.ParseUint(strings.TrimSpace(strings.SplitN(h.Value(), ";", 2)[0]), 10, 32)
	if err != nil {
		return 0
	}
	return time.Duration(n) * time.Second
}

// supportsTimer reports whether the message lists "timer" in Supported or
// Require.
func supportsTimer(m headerGetter) bool {
	for _, name := range []string{"Supported", "k", "Require"} {
		for _, h := range m.GetHeaders(name) {
			for _, opt := range strings.Split(h.Value(), ",") {
				if strings.EqualFold(strings.TrimSpace(opt), "timer") {
					return true
				}
			}
		}
	}
	return false
}

func minSEHeader(g sip.General) sipgosip.Header {
	return sipgosip.NewHeader("Min-SE", strconv.Itoa(int(g.SessionMinSE/time.Second)))
}

func seHeader(interval time.Duration, refresher string) sipgosip.Header {
	return sipgosip.NewHeader("Session-Expires", strconv.Itoa(int(interval/time.Second))+";refresher="+refresher)
}

// errIntervalTooSmall is answered 422 with our Min-SE (RFC 4028 §8.1).
var errIntervalTooSmall = sip.NewStatusError(422, "Session Interval Too Small")

// uasTimer decides the session timer of a request the peer sent us (the
// INVITE, or a refresh): the headers our 2xx carries, and whether we
// refresh. ok is false when no timer runs.
func uasTimer(g sip.General, req *sipgosip.Request, initial bool) (interval time.Duration, weRefresh bool, hdrs []sipgosip.Header, ok bool, err error) {
	if g.SessionTimers == sip.SessionTimersRefuse {
		return 0, false, nil, false, nil
	}
	se, refresher, has := sessionExpires(req)
	supported := supportsTimer(req)
	switch {
	case has:
		if se < g.SessionMinSE {
			return 0, false, nil, false, errIntervalTooSmall
		}
		interval = max(se, minSE(req))
	case initial && g.SessionTimers == sip.SessionTimersOriginate && supported:
		interval = g.SessionExpires
	default:
		return 0, false, nil, false, nil
	}
	switch refresher {
	case "uac":
		weRefresh = false
	case "uas":
		weRefresh = true
	default:
		// The UAS chooses (§9): the peer can refresh only if it supports
		// timers.
		weRefresh = !supported || g.SessionRefresher != "uac"
	}
	r := "uac"
	if weRefresh {
		r = "uas"
	}
	hdrs = []sipgosip.Header{seHeader(interval, r)}
	if supported {
		hdrs = append(hdrs, sipgosip.NewHeader("Require", "timer"))
	}
	return interval, weRefresh, hdrs, true, nil
}

// refreshedBy handles the session-timer side of a peer's re-INVITE or
// UPDATE: the headers of our 2xx; the timer restarts.
func (l *Leg) refreshedBy(req *sipgosip.Request) ([]sipgosip.Header, error) {
	g := l.a.o.Config().General
	interval, weRefresh, hdrs, ok, err := uasTimer(g, req, false)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	t := l.timer
	l.mu.Unlock()
	if !ok {
		if t == nil {
			return nil, nil
		}
		// A refresh without the headers keeps the interval we had.
		t.restart(0, t.refresherUs())
		return []sipgosip.Header{seHeader(t.length(), map[bool]string{true: "uas", false: "uac"}[t.refresherUs()])}, nil
	}
	l.startTimer(interval, weRefresh)
	return hdrs, nil
}

// startTimer starts or restarts the leg's session timer.
func (l *Leg) startTimer(interval time.Duration, weRefresh bool) {
	l.mu.Lock()
	if l.ended {
		l.mu.Unlock()
		return
	}
	t := l.timer
	if t == nil {
		t = &sessionTimer{l: l}
		l.timer = t
	}
	l.mu.Unlock()
	t.restart(interval, weRefresh)
	l.log.Debug("session timer", "interval", interval, "we_refresh", weRefresh)
}

func (t *sessionTimer) refresherUs() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.weRefresh
}

func (t *sessionTimer) length() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.interval
}

// restart arms the timer again; interval 0 keeps the current one.
func (t *sessionTimer) restart(interval time.Duration, weRefresh bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	if interval > 0 {
		t.interval = interval
	}
	t.weRefresh = weRefresh
	d := t.interval / 2
	if !weRefresh {
		d = t.interval - min(32*time.Second, t.interval/3)
	}
	if t.t != nil {
		t.t.Stop()
	}
	t.t = time.AfterFunc(d, t.fire)
}

func (t *sessionTimer) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	if t.t != nil {
		t.t.Stop()
	}
}

func (t *sessionTimer) fire() {
	t.mu.Lock()
	if t.stopped {
		t.mu.Unlock()
		return
	}
	us := t.weRefresh
	interval := t.interval
	t.mu.Unlock()
	if us {
		t.l.refresh(interval)
		return
	}
	t.l.log.Info("session timer expired: no refresh from the peer", "interval", interval)
	t.l.expire()
}

// expire ends a session that was not refreshed, or whose refresh failed:
// BYE to the peer (RFC 4028 §10).
func (l *Leg) expire() {
	l.end(ErrSessionExpired)
	_ = l.bye(context.Background())
}

// refresh sends our session refresh: UPDATE without a body when the peer
// allows UPDATE, else a re-INVITE with the unchanged SDP (§7.4). A refresh
// that times out or gets 481 or 408 ends the session (§10).
func (l *Leg) refresh(interval time.Duration) {
	ctx, cancel := context.WithTimeout(l.ctx, 32*time.Second)
	defer cancel()
	target := l.remoteTarget()
	useUpdate := strings.Contains(strings.ToUpper(l.peerAllow), "UPDATE")
	var req *sipgosip.Request
	if useUpdate {
		req = sipgosip.NewRequest(sipgosip.UPDATE, target)
	} else {
		req = sipgosip.NewRequest(sipgosip.INVITE, target)
		l.mu.Lock()
		req.SetBody(l.local.Marshal())
		l.mu.Unlock()
		req.AppendHeader(sipgosip.NewHeader("Content-Type", "application/sdp"))
	}
	req.AppendHeader(sipgosip.HeaderClone(&l.a.contact))
	req.AppendHeader(sipgosip.NewHeader("Supported", "timer"))
	req.AppendHeader(seHeader(interval, "uac"))
	req.AppendHeader(minSEHeader(l.a.o.Config().General))
	res, err := l.do(ctx, req)
	if l.ctx.Err() != nil {
		return
	}
	if err != nil || res.StatusCode == 408 || res.StatusCode == 481 {
		l.log.Info("session refresh failed: ending the call", "error", err, "status", statusOf(res))
		l.expire()
		return
	}
	if req.IsInvite() && res.IsSuccess() {
		ack := sipgosip.NewRequest(sipgosip.ACK, target)
		if err := l.write(ack); err != nil {
			l.log.Warn("ACK of session refresh not sent", "error", err)
		}
	}
	next, weRefresh := interval, true
	if se, refresher, ok := sessionExpires(res); ok && res.IsSuccess() {
		next, weRefresh = se, refresher != "uas"
	}
	l.log.Debug("session refreshed", "method", req.Method, "status", res.StatusCode)
	l.startTimer(next, weRefresh)
}

func statusOf(res *sipgosip.Response) int {
	if res == nil {
		return 0
	}
	return res.StatusCode
}
