package b2bua

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipgosip "github.com/emiago/sipgo/sip"
	"github.com/obelisk-pbx/obelisk/config"
	"github.com/obelisk-pbx/obelisk/media"
	"github.com/obelisk-pbx/obelisk/sip"
)

// referHarness is an agent on 127.0.0.1 whose calls are answered and
// kept up, and a phone (a sipgo user agent) that calls it and records the
// NOTIFYs it gets.
type referHarness struct {
	t     *testing.T
	agent *Agent
	addr  string // the agent's ip:port

	// legs get the inbound legs as the agent answers them.
	legs chan *Inbound

	phone    *sipgo.Client
	phoneDUA *sipgo.DialogClientCache
	mu       sync.Mutex
	notifies []*sipgosip.Request
	notified chan struct{}
}

func newReferHarness(t *testing.T) *referHarness {
	t.Helper()
	f, diags := config.Parse("sip.conf", strings.NewReader("[general]\nbindaddr=127.0.0.1\nbindport=0\nallowguest=yes\ncontext=default\n"))
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	cfg, diags := sip.LoadSIPConf(f)
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := sip.NewServer(sip.ServerOptions{Config: cfg, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	conf := func() *sip.Config { return cfg }
	h := &referHarness{t: t, legs: make(chan *Inbound, 4), notified: make(chan struct{}, 16)}
	h.agent, err = New(Options{Server: srv, Config: conf, Ports: media.NewPortPool(31000, 31100), Logger: log,
		Identifier: &sip.Identifier{Config: conf, Logger: log},
		OnCall: func(in *Inbound) {
			if err := in.Answer(""); err != nil {
				return
			}
			h.legs <- in
			<-in.Context().Done()
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	h.addr = srv.Addrs()[0].String()

	// The phone listens where its Contact points and sends from there.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	_ = pc.Close()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("phone"))
	if err != nil {
		t.Fatal(err)
	}
	psrv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	psrv.OnNotify(func(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
		h.mu.Lock()
		h.notifies = append(h.notifies, req)
		h.mu.Unlock()
		_ = tx.Respond(sipgosip.NewResponseFromRequest(req, 200, "OK", nil))
		h.notified <- struct{}{}
	})
	psrv.OnBye(func(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
		_ = h.phoneDUA.ReadBye(req, tx)
	})
	pctx, pcancel := context.WithCancel(context.Background())
	pdone := make(chan struct{})
	go func() { defer close(pdone); _ = psrv.ListenAndServe(pctx, "udp", fmt.Sprintf("127.0.0.1:%d", port)) }()
	t.Cleanup(func() { pcancel(); <-pdone; _ = ua.Close() })
	h.phone, err = sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientPort(port),
		sipgo.WithClientConnectionAddr(fmt.Sprintf("127.0.0.1:%d", port)), sipgo.WithClientLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	h.phoneDUA = sipgo.NewDialogClientCache(h.phone, sipgosip.ContactHeader{Address: sipgosip.Uri{Scheme: "sip", User: "phone", Host: "127.0.0.1", Port: port}})
	time.Sleep(100 * time.Millisecond) // the phone's socket binds
	return h
}

// call places a call from the phone and returns its dialog and the
// agent's leg of it.
func (h *referHarness) call(hdrs ...sipgosip.Header) (*sipgo.DialogClientSession, *Inbound) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	host, port, _ := net.SplitHostPort(h.addr)
	var p int
	fmt.Sscan(port, &p)
	sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	d, err := h.phoneDUA.Invite(ctx, sipgosip.Uri{Scheme: "sip", User: "200", Host: host, Port: p}, []byte(sdp),
		append([]sipgosip.Header{sipgosip.NewHeader("Content-Type", "application/sdp")}, hdrs...)...)
	if err != nil {
		h.t.Fatalf("INVITE: %v", err)
	}
	if err := d.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		h.t.Fatalf("answer: %v", err)
	}
	if err := d.Ack(ctx); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { _ = d.Bye(context.Background()) })
	select {
	case in := <-h.legs:
		return d, in
	case <-ctx.Done():
		h.t.Fatal("the agent did not answer")
	}
	return nil, nil
}

// refer sends a REFER with hdrs in d and returns the response.
func (h *referHarness) refer(d *sipgo.DialogClientSession, hdrs ...sipgosip.Header) *sipgosip.Response {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := sipgosip.NewRequest(sipgosip.REFER, d.InviteResponse.Contact().Address)
	for _, hd := range hdrs {
		req.AppendHeader(hd)
	}
	res, err := d.Do(ctx, req)
	if err != nil {
		h.t.Fatalf("REFER: %v", err)
	}
	return res
}

// waitNotifies waits for n NOTIFYs in all and returns them.
func (h *referHarness) waitNotifies(n int) []*sipgosip.Request {
	h.t.Helper()
	for {
		h.mu.Lock()
		got := append([]*sipgosip.Request(nil), h.notifies...)
		h.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-h.notified:
		case <-time.After(5 * time.Second):
			h.t.Fatalf("got %d NOTIFY, want %d", len(got), n)
		}
	}
}

func (h *referHarness) notifyCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.notifies)
}

func header(m interface{ GetHeader(string) sipgosip.Header }, name string) string {
	if hd := m.GetHeader(name); hd != nil {
		return hd.Value()
	}
	return ""
}

// TestReferAccepted: a blind REFER in a dialog is handed to the leg's
// OnRefer, answered 202, and followed by NOTIFY "100 Trying" (active) then
// the outcome the switch reports (terminated), as res_pjsip_refer sends
// them; a REFER while one is in progress gets 491; Referred-By reaches
// the handler; the leg is found again by its dialog (LegByDialog).
func TestReferAccepted(t *testing.T) {
	h := newReferHarness(t)
	d, in := h.call()
	refers := make(chan *Refer, 2)
	in.OnRefer(func(r *Refer) error { refers <- r; return nil })
	res := h.refer(d, sipgosip.NewHeader("Refer-To", "<sip:2001@pbx>"), sipgosip.NewHeader("Referred-By", "<sip:phone@127.0.0.1>"))
	if res.StatusCode != 202 {
		t.Fatalf("REFER answered %d, want 202", res.StatusCode)
	}
	r := <-refers
	if r.User != "2001" || r.Target != "sip:2001@pbx" || r.ReferredBy != "<sip:phone@127.0.0.1>" || r.Replaces != nil || r.Leg != in.Leg {
		t.Errorf("Refer = %+v", r)
	}
	h.waitNotifies(1)
	if again := h.refer(d, sipgosip.NewHeader("Refer-To", "<sip:2002@pbx>")); again.StatusCode != 491 {
		t.Errorf("a second REFER while one is in progress answered %d, want 491", again.StatusCode)
	}
	r.Notify(404, "")
	<-r.Done()
	got := h.waitNotifies(2)
	cseq := res.CSeq().SeqNo
	for i, want := range []struct{ body, state string }{{"SIP/2.0 100 Trying", "active;expires=60"}, {"SIP/2.0 404 Not Found", "terminated;reason=noresource"}} {
		n := got[i]
		if b := strings.TrimSpace(string(n.Body())); b != want.body {
			t.Errorf("NOTIFY %d body %q, want %q", i, b, want.body)
		}
		if st := header(n, "Subscription-State"); st != want.state {
			t.Errorf("NOTIFY %d Subscription-State %q, want %q", i, st, want.state)
		}
		if ev := header(n, "Event"); ev != fmt.Sprintf("refer;id=%d", cseq) {
			t.Errorf("NOTIFY %d Event %q, want refer;id=%d", i, ev, cseq)
		}
		if ct := header(n, "Content-Type"); ct != "message/sipfrag;version=2.0" {
			t.Errorf("NOTIFY %d Content-Type %q", i, ct)
		}
		if n.CallID().Value() != d.InviteRequest.CallID().Value() {
			t.Errorf("NOTIFY %d outside the REFER's dialog", i)
		}
	}
	r.Notify(200, "") // after the final one: ignored
	time.Sleep(200 * time.Millisecond)
	if n := h.notifyCount(); n != 2 {
		t.Errorf("%d NOTIFYs after the final one was sent, want 2", n)
	}
	// The subscription is over: a new REFER is taken.
	if res := h.refer(d, sipgosip.NewHeader("Refer-To", "<sip:2003@pbx>")); res.StatusCode != 202 {
		t.Errorf("a REFER after the first ended answered %d, want 202", res.StatusCode)
	}
	(<-refers).Notify(200, "OK")

	callID := d.InviteRequest.CallID().Value()
	fromTag, _ := d.InviteRequest.From().Params.Get("tag")
	toTag, _ := d.InviteResponse.To().Params.Get("tag")
	if l := h.agent.LegByDialog(callID, toTag, fromTag); l != in.Leg {
		t.Errorf("LegByDialog(to, from) = %p, want the call's leg %p", l, in.Leg)
	}
	if l := h.agent.LegByDialog(callID, fromTag, toTag); l != in.Leg {
		t.Errorf("LegByDialog(from, to) = %p, want the call's leg %p", l, in.Leg)
	}
	if l := h.agent.LegByDialog(callID, toTag, "other"); l != nil {
		t.Errorf("LegByDialog of another dialog = %p, want nil", l)
	}
}

// TestReferAnswers: the REFERs that never reach the switch's transfer
// logic get chan_sip's answers; with Refer-Sub: false (RFC 4488) there is
// no NOTIFY and the REFER's final response is the outcome (200 with
// Refer-Sub: false, or the failure), as res_pjsip_refer answers it.
func TestReferAnswers(t *testing.T) {
	h := newReferHarness(t)
	d, in := h.call()
	var mu sync.Mutex
	var got []*Refer
	in.OnRefer(func(r *Refer) error {
		mu.Lock()
		got = append(got, r)
		mu.Unlock()
		switch r.User {
		case "busy":
			return sip.NewStatusError(603, "Declined")
		case "nosuch":
			r.Notify(404, "")
			return nil
		}
		r.Notify(200, "OK")
		return nil
	})
	tests := []struct {
		name string
		hdrs []sipgosip.Header
		want int
	}{
		{name: "no Refer-To", want: 400},
		{name: "unreadable Refer-To", hdrs: []sipgosip.Header{sipgosip.NewHeader("r", "<sip:200@")}, want: 400},
		{name: "tel URI", hdrs: []sipgosip.Header{sipgosip.NewHeader("r", "<tel:+3312345678>")}, want: 603},
		{name: "refused by the switch", hdrs: []sipgosip.Header{sipgosip.NewHeader("Refer-To", "<sip:busy@pbx>")}, want: 603},
		{name: "Refer-Sub false", hdrs: []sipgosip.Header{sipgosip.NewHeader("Refer-To", "<sip:200@pbx>"), sipgosip.NewHeader("Refer-Sub", "false")}, want: 200},
		{name: "Refer-Sub false failing", hdrs: []sipgosip.Header{sipgosip.NewHeader("Refer-To", "<sip:nosuch@pbx>"), sipgosip.NewHeader("Refer-Sub", "false")}, want: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := h.refer(d, tc.hdrs...)
			if res.StatusCode != tc.want {
				t.Errorf("answered %d %s, want %d", res.StatusCode, res.Reason, tc.want)
			}
			if tc.name == "Refer-Sub false" {
				if v := header(res, "Refer-Sub"); v != "false" {
					t.Errorf("202 Refer-Sub %q, want false (RFC 4488 §4)", v)
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	if n := h.notifyCount(); n != 0 {
		t.Errorf("%d NOTIFY sent, want none (no subscription was made)", n)
	}
	mu.Lock()
	if len(got) != 3 || !got[1].NoSubscription || !got[2].NoSubscription {
		t.Errorf("the handler got %d REFERs (want 3, the last two with NoSubscription)", len(got))
	}
	mu.Unlock()
}

// TestReferOutsideDialog: a REFER without To tag is declined as chan_sip
// declines it; one naming an unknown dialog gets 481; a leg without any
// OnRefer function declines with 603.
func TestReferOutsideDialog(t *testing.T) {
	h := newReferHarness(t)
	host, port, _ := net.SplitHostPort(h.addr)
	var p int
	fmt.Sscan(port, &p)
	send := func(toTag string) int {
		t.Helper()
		req := sipgosip.NewRequest(sipgosip.REFER, sipgosip.Uri{Scheme: "sip", User: "200", Host: host, Port: p})
		to := &sipgosip.ToHeader{Address: sipgosip.Uri{Scheme: "sip", User: "200", Host: host}, Params: sipgosip.NewParams()}
		if toTag != "" {
			to.Params.Add("tag", toTag)
		}
		req.AppendHeader(to)
		req.AppendHeader(sipgosip.NewHeader("Refer-To", "<sip:201@pbx>"))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := h.phone.Do(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode
	}
	if code := send(""); code != 603 {
		t.Errorf("REFER outside a dialog answered %d, want 603", code)
	}
	if code := send("nosuchtag"); code != 481 {
		t.Errorf("REFER in an unknown dialog answered %d, want 481", code)
	}
	d, _ := h.call()
	if res := h.refer(d, sipgosip.NewHeader("Refer-To", "<sip:201@pbx>")); res.StatusCode != 603 {
		t.Errorf("REFER on a leg nobody transfers answered %d, want 603", res.StatusCode)
	}
}

// TestInviteReplaces: the Replaces header of an INVITE (RFC 3891 §6.1) is
// read on the Inbound leg; a call without one has none.
func TestInviteReplaces(t *testing.T) {
	h := newReferHarness(t)
	_, plain := h.call()
	if r := plain.Replaces(); r != nil {
		t.Errorf("Replaces of a plain INVITE = %+v, want nil", r)
	}
	_, in := h.call(sipgosip.NewHeader("Replaces", "98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff"))
	want := Replaces{CallID: "98732@sip.example.com", ToTag: "ff87ff", FromTag: "r33th4x0r"}
	if r := in.Replaces(); r == nil || *r != want {
		t.Errorf("Replaces = %+v, want %+v", r, want)
	}
}
