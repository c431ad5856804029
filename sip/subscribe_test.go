package sip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
	bolt "go.etcd.io/bbolt"
)

// fakeNotifier answers the NOTIFYs the subscriptions send, with code (or
// err) chosen per request.
type fakeNotifier struct {
	mu     sync.Mutex
	sent   []*sipgosip.Request
	answer func(req *sipgosip.Request) (int, error)
}

func (f *fakeNotifier) send(ctx context.Context, req *sipgosip.Request) (*sipgosip.Response, error) {
	f.mu.Lock()
	f.sent = append(f.sent, req)
	answer := f.answer
	f.mu.Unlock()
	code := 200
	if answer != nil {
		var err error
		if code, err = answer(req); err != nil {
			return nil, err
		}
	}
	return sipgosip.NewResponseFromRequest(req, code, "", nil), nil
}

func (f *fakeNotifier) notifies() []*sipgosip.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*sipgosip.Request(nil), f.sent...)
}

type subFixture struct {
	t      *testing.T
	subs   *Subscriptions
	store  SubscriptionStore
	auth   *DigestAuth
	bans   *AuthBans
	net    *fakeNotifier
	logs   *bytes.Buffer
	cfg    *Config
	counts map[string]int // endpoint → new messages the summary reports
	mu     sync.Mutex
	cseq   int
	nc     int
}

const subConf = `[general]
realm=obelisk
[1001]
type=friend
host=dynamic
secret=pw1001
mailbox=1001@default
[1002]
type=friend
host=dynamic
secret=pw1002
`

// newSubFixture builds Subscriptions over store (a new MemSubscriptionStore
// when nil); call it inside a synctest bubble.
func newSubFixture(t *testing.T, store SubscriptionStore) *subFixture {
	t.Helper()
	cfg, diags := LoadSIPConf(parseConf(t, subConf))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if store == nil {
		store = NewMemSubscriptionStore()
	}
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(&syncWriter{w: logs}, nil))
	f := &subFixture{t: t, store: store, net: &fakeNotifier{}, logs: logs, cfg: cfg, counts: map[string]int{}}
	f.auth = NewDigestAuth("obelisk", 30*time.Second, nil)
	f.bans = NewAuthBans(3, time.Minute, 10*time.Minute, nil, log)
	subs, err := NewSubscriptions(SubscriptionOptions{
		Config: func() *Config { return cfg }, Auth: f.auth, Bans: f.bans, Store: store,
		Summary: func(ep *Endpoint) ([]byte, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			return fmt.Appendf(nil, "Messages-Waiting: yes\r\nVoice-Message: %d/0 (0/0)\r\n", f.counts[ep.Name]), nil
		},
		Send: f.net.send, Contact: "sip:obelisk@192.0.2.1:5060", Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.subs = subs
	t.Cleanup(func() { _ = subs.Close() })
	return f
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (f *subFixture) setCount(ep string, n int) {
	f.mu.Lock()
	f.counts[ep] = n
	f.mu.Unlock()
}

// sub describes one SUBSCRIBE.
type sub struct {
	user, src, event string
	toTag            string // set for an in-dialog SUBSCRIBE
	callID           string
	headers          []string
}

// request sends a SUBSCRIBE and returns the answer (nil when none).
func (f *subFixture) request(s sub, authz string) *sipgosip.Response {
	f.t.Helper()
	f.cseq++
	to := fmt.Sprintf("<sip:%s@obelisk>", s.user)
	if s.toTag != "" {
		to += ";tag=" + s.toTag
	}
	hs := append([]string(nil), s.headers...)
	if s.event != "" {
		hs = append(hs, "Event: "+s.event)
	}
	if authz != "" {
		hs = append(hs, authz)
	}
	callID := cmpOr(s.callID, "sub-"+s.user)
	raw := fmt.Sprintf("SUBSCRIBE sip:%s@obelisk SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s;branch=z9hG4bKs%d\r\n"+
		"From: \"Phone\" <sip:%s@obelisk>;tag=phone-tag\r\n"+
		"To: %s\r\n"+
		"Call-ID: %s\r\n"+
		"CSeq: %d SUBSCRIBE\r\n"+
		"Max-Forwards: 70\r\n"+
		"Contact: <sip:%s@%s>\r\n"+
		"%s"+
		"Content-Length: 0\r\n\r\n", s.user, s.src, f.cseq, s.user, to, callID, f.cseq, s.user, s.src, joinHeaders(hs))
	msg, err := sipgosip.ParseMessage([]byte(raw))
	if err != nil {
		f.t.Fatalf("parse: %v\n%s", err, raw)
	}
	req := msg.(*sipgosip.Request)
	req.SetSource(s.src)
	req.SetTransport("UDP")
	tx := &fakeTx{}
	if err := f.subs.Handle(req, tx); err != nil {
		var se *StatusError
		if !errors.As(err, &se) {
			f.t.Fatalf("handler error %v", err)
		}
		tx.res = append(tx.res, sipgosip.NewResponseFromRequest(req, se.Code, se.Reason, nil))
	}
	if len(tx.res) == 0 {
		return nil
	}
	return tx.res[0]
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// authorized sends s unauthenticated, wants 401 and sends it again with
// the answer for password.
func (f *subFixture) authorized(s sub, password string) *sipgosip.Response {
	f.t.Helper()
	ch := f.request(s, "")
	if ch == nil || ch.StatusCode != 401 {
		f.t.Fatalf("want 401 first, got %v", ch)
	}
	return f.request(s, f.answer(ch, s.user, password))
}

func (f *subFixture) answer(ch *sipgosip.Response, user, password string) string {
	f.t.Helper()
	h := ch.GetHeader("WWW-Authenticate")
	c, err := ParseCredentials(strings.Replace(h.Value(), "Digest ", `Digest username="x", uri="x", response="x", `, 1))
	if err != nil {
		f.t.Fatal(err)
	}
	f.nc++
	nc := fmt.Sprintf("%08x", f.nc)
	resp := DigestResponse("MD5", user, "obelisk", password, "SUBSCRIBE", "sip:obelisk", c.Nonce, nc, "cn0nce", "auth")
	return fmt.Sprintf(`Authorization: Digest username="%s", realm="obelisk", nonce="%s", uri="sip:obelisk", response="%s", algorithm=MD5, qop=auth, nc=%s, cnonce="cn0nce"`,
		user, c.Nonce, resp, nc)
}

func header(m interface{ GetHeader(string) sipgosip.Header }, name string) string {
	if h := m.GetHeader(name); h != nil {
		return h.Value()
	}
	return ""
}

func toTag(res *sipgosip.Response) string {
	t, _ := res.To().Params.Get("tag")
	return t
}

// subscribed makes 1001's subscription from src with Expires exp and
// returns the 200 OK.
func (f *subFixture) subscribed(src string, exp int) *sipgosip.Response {
	f.t.Helper()
	res := f.authorized(sub{user: "1001", src: src, event: "message-summary", headers: []string{fmt.Sprintf("Expires: %d", exp)}}, "pw1001")
	if res.StatusCode != 200 {
		f.t.Fatalf("SUBSCRIBE: %d %s", res.StatusCode, res.Reason)
	}
	return res
}

func TestSubscribeNotifiesAtOnceAndOnChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newSubFixture(t, nil)
		f.setCount("1001", 2)
		res := f.subscribed("192.0.2.5:5062", 600)
		tag := toTag(res)
		if tag == "" || header(res, "Expires") != "600" || header(res, "Contact") != "<sip:obelisk@192.0.2.1:5060>" {
			t.Fatalf("200 OK: To-tag %q, Expires %q, Contact %q", tag, header(res, "Expires"), header(res, "Contact"))
		}
		synctest.Wait()
		sent := f.net.notifies()
		if len(sent) != 1 {
			t.Fatalf("want 1 NOTIFY at once, got %d", len(sent))
		}
		n := sent[0]
		checks := []struct{ what, got, want string }{
			{"Request-URI", n.Recipient.String(), "sip:1001@192.0.2.5:5062"},
			{"destination", n.Destination(), "192.0.2.5:5062"},
			{"From tag", func() string { v, _ := n.From().Params.Get("tag"); return v }(), tag},
			{"To tag", func() string { v, _ := n.To().Params.Get("tag"); return v }(), "phone-tag"},
			{"To", n.To().Address.String(), "sip:1001@obelisk"},
			{"Call-ID", n.CallID().Value(), "sub-1001"},
			{"Event", header(n, "Event"), "message-summary"},
			{"Subscription-State", header(n, "Subscription-State"), "active;expires=600"},
			{"Content-Type", header(n, "Content-Type"), "application/simple-message-summary"},
			{"body", string(n.Body()), "Messages-Waiting: yes\r\nVoice-Message: 2/0 (0/0)\r\n"},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("NOTIFY %s = %q, want %q", c.what, c.got, c.want)
			}
		}
		first := n.CSeq().SeqNo

		time.Sleep(100 * time.Second)
		f.setCount("1001", 3)
		f.subs.Changed("1001")
		f.subs.Changed("1002") // no subscription: nothing sent
		synctest.Wait()
		sent = f.net.notifies()
		if len(sent) != 2 {
			t.Fatalf("want 2 NOTIFYs after a change, got %d", len(sent))
		}
		n = sent[1]
		if got := string(n.Body()); !strings.Contains(got, "Voice-Message: 3/0") {
			t.Errorf("update body %q", got)
		}
		if n.CSeq().SeqNo != first+1 || header(n, "Subscription-State") != "active;expires=500" {
			t.Errorf("update CSeq %d (first %d), state %q", n.CSeq().SeqNo, first, header(n, "Subscription-State"))
		}
	})
}

func TestSubscribeRefreshUnsubscribe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newSubFixture(t, nil)
		tag := toTag(f.subscribed("192.0.2.5:5062", 600))
		synctest.Wait() // the initial NOTIFY first: one under way would take the refresh's state with it
		in := sub{user: "1001", src: "192.0.2.5:5062", event: "message-summary", toTag: tag}

		in.headers = []string{"Expires: 300"}
		res := f.authorized(in, "pw1001")
		if res.StatusCode != 200 || header(res, "Expires") != "300" || toTag(res) != tag {
			t.Fatalf("refresh: %d, Expires %q, tag %q (want %q)", res.StatusCode, header(res, "Expires"), toTag(res), tag)
		}
		synctest.Wait()
		sent := f.net.notifies()
		if len(sent) != 2 || header(sent[1], "Subscription-State") != "active;expires=300" {
			t.Fatalf("a refresh is followed by a NOTIFY: %d sent, last state %q", len(sent), header(sent[len(sent)-1], "Subscription-State"))
		}

		in.headers = []string{"Expires: 0"}
		res = f.authorized(in, "pw1001")
		if res.StatusCode != 200 || header(res, "Expires") != "0" {
			t.Fatalf("unsubscribe: %d, Expires %q", res.StatusCode, header(res, "Expires"))
		}
		synctest.Wait()
		sent = f.net.notifies()
		if len(sent) != 3 || header(sent[2], "Subscription-State") != "terminated;reason=timeout" {
			t.Fatalf("unsubscribe NOTIFY: %d sent, last state %q", len(sent), header(sent[len(sent)-1], "Subscription-State"))
		}
		if len(f.subs.Active()) != 0 {
			t.Errorf("still active: %+v", f.subs.Active())
		}
		if stored, _ := f.store.LoadAll(); len(stored) != 0 {
			t.Errorf("still stored: %+v", stored)
		}

		// The dialog is gone: a refresh is 481 before any challenge.
		in.headers = []string{"Expires: 600"}
		if res := f.request(in, ""); res.StatusCode != 481 {
			t.Fatalf("refresh of an ended subscription: %d, want 481", res.StatusCode)
		}
	})
}

func TestSubscriptionExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newSubFixture(t, nil)
		tag := toTag(f.subscribed("192.0.2.5:5062", 120))
		time.Sleep(100 * time.Second)
		// A refresh at 100 s gives 120 s more.
		res := f.authorized(sub{user: "1001", src: "192.0.2.5:5062", event: "message-summary", toTag: tag, headers: []string{"Expires: 120"}}, "pw1001")
		if res.StatusCode != 200 {
			t.Fatalf("refresh: %d", res.StatusCode)
		}
		time.Sleep(110 * time.Second) // 210 s: past the first expiry, before the second
		synctest.Wait()
		if len(f.subs.Active()) != 1 {
			t.Fatalf("the refreshed subscription expired early")
		}
		time.Sleep(20 * time.Second) // 230 s
		synctest.Wait()
		if len(f.subs.Active()) != 0 {
			t.Fatalf("the subscription outlived its expiry")
		}
		sent := f.net.notifies()
		last := sent[len(sent)-1]
		if len(sent) != 3 || header(last, "Subscription-State") != "terminated;reason=timeout" {
			t.Fatalf("want initial, refresh and timeout NOTIFYs; got %d, last state %q", len(sent), header(last, "Subscription-State"))
		}
		if stored, _ := f.store.LoadAll(); len(stored) != 0 {
			t.Errorf("an expired subscription is still stored: %+v", stored)
		}
		f.subs.Changed("1001")
		synctest.Wait()
		if n := len(f.net.notifies()); n != 3 {
			t.Errorf("an expired subscription was notified (%d NOTIFYs)", n)
		}
	})
}

func TestSubscribeRejections(t *testing.T) {
	tests := []struct {
		name     string
		sub      sub
		password string // "" sends no credentials
		want     int
		header   string // a header the answer must carry, "Name: value"
	}{
		{"no Event header", sub{user: "1001"}, "", 489, "Allow-Events: message-summary"},
		{"presence", sub{user: "1001", event: "presence"}, "pw1001", 489, "Allow-Events: message-summary"},
		{"dialog", sub{user: "1001", event: "dialog"}, "pw1001", 489, "Allow-Events: message-summary"},
		{"unchallenged", sub{user: "1001", event: "message-summary"}, "", 401, ""},
		{"unknown user challenged alike", sub{user: "9999", event: "message-summary"}, "", 401, ""},
		{"wrong password", sub{user: "1001", event: "message-summary"}, "guess", 403, ""},
		{"unknown user", sub{user: "9999", event: "message-summary"}, "guess", 403, ""},
		{"endpoint without mailbox", sub{user: "1002", event: "message-summary"}, "pw1002", 404, ""},
		{"too brief", sub{user: "1001", event: "message-summary", headers: []string{"Expires: 30"}}, "pw1001", 423, "Min-Expires: 60"},
		{"too long is cut", sub{user: "1001", event: "message-summary", headers: []string{"Expires: 86400"}}, "pw1001", 200, "Expires: 3600"},
		{"no Expires takes the package default", sub{user: "1001", event: "message-summary"}, "pw1001", 200, "Expires: 3600"},
		{"bad Expires", sub{user: "1001", event: "message-summary", headers: []string{"Expires: soon"}}, "pw1001", 400, ""},
		{"unsupported Accept", sub{user: "1001", event: "message-summary", headers: []string{"Accept: application/pidf+xml"}}, "pw1001", 406, ""},
		{"Accept among others", sub{user: "1001", event: "message-summary", headers: []string{"Accept: application/pidf+xml, application/simple-message-summary"}}, "pw1001", 200, ""},
		{"refresh of an unknown dialog", sub{user: "1001", event: "message-summary", toTag: "nope"}, "", 481, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newSubFixture(t, nil)
				tc.sub.src = "192.0.2.7:5060"
				var res *sipgosip.Response
				if tc.password == "" {
					res = f.request(tc.sub, "")
				} else {
					res = f.authorized(tc.sub, tc.password)
				}
				if res == nil || res.StatusCode != tc.want {
					t.Fatalf("got %v, want %d", res, tc.want)
				}
				if tc.header != "" {
					name, val, _ := strings.Cut(tc.header, ": ")
					if got := header(res, name); got != val {
						t.Errorf("%s = %q, want %q", name, got, val)
					}
				}
				if tc.want == 401 && len(res.GetHeaders("WWW-Authenticate")) != 1 {
					t.Errorf("challenge: %v", res.GetHeaders("WWW-Authenticate"))
				}
				synctest.Wait()
				if n := len(f.net.notifies()); (tc.want == 200) != (n == 1) {
					t.Errorf("%d NOTIFYs sent for a %d", n, tc.want)
				}
			})
		})
	}
}

func TestSubscribeFailuresBan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newSubFixture(t, nil)
		s := sub{user: "1001", src: "198.51.100.9:5060", event: "message-summary"}
		for range 3 {
			if res := f.authorized(s, "guess"); res.StatusCode != 403 {
				t.Fatalf("wrong password: %d", res.StatusCode)
			}
		}
		if !f.bans.Banned(netip.MustParseAddr("198.51.100.9")) {
			t.Fatal("3 failures did not block the address")
		}
		if res := f.request(s, ""); res != nil {
			t.Fatalf("a blocked address was answered %d", res.StatusCode)
		}
	})
}

func TestSubscribeFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newSubFixture(t, nil)
		res := f.authorized(sub{user: "1001", src: "192.0.2.5:5062", event: "message-summary", headers: []string{"Expires: 0"}}, "pw1001")
		if res.StatusCode != 200 || header(res, "Expires") != "0" {
			t.Fatalf("fetch: %d Expires %q", res.StatusCode, header(res, "Expires"))
		}
		synctest.Wait()
		sent := f.net.notifies()
		if len(sent) != 1 || header(sent[0], "Subscription-State") != "terminated;reason=timeout" || len(sent[0].Body()) == 0 {
			t.Fatalf("a fetch gets one terminated NOTIFY with the state: %d sent", len(sent))
		}
		if len(f.subs.Active()) != 0 {
			t.Fatal("a fetch left a subscription")
		}
	})
}

func TestNotifyAnswerEndsSubscription(t *testing.T) {
	tests := []struct {
		name string
		code int
		err  error
		ends bool
	}{
		{"481", 481, nil, true},
		{"408", 408, nil, true},
		{"no answer", 0, fmt.Errorf("Timer_F timed out. %w", sipgosip.ErrTransactionTimeout), true},
		{"transport error keeps it", 0, fmt.Errorf("connection closed: %w", sipgosip.ErrTransactionTransport), false},
		{"500 keeps it", 500, nil, false},
		{"200 keeps it", 200, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newSubFixture(t, nil)
				f.net.answer = func(*sipgosip.Request) (int, error) { return tc.code, tc.err }
				f.subscribed("192.0.2.5:5062", 600)
				synctest.Wait()
				if got := len(f.subs.Active()) == 0; got != tc.ends {
					t.Fatalf("subscription ended = %v, want %v", got, tc.ends)
				}
				stored, _ := f.store.LoadAll()
				if (len(stored) == 0) != tc.ends {
					t.Errorf("stored %d subscriptions", len(stored))
				}
				if len(f.net.notifies()) != 1 {
					t.Errorf("%d NOTIFYs: an ended subscription gets no final one", len(f.net.notifies()))
				}
			})
		})
	}
}

func TestSubscriptionCoversAndReplaces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newSubFixture(t, nil)
		f.subscribed("192.0.2.5:5062", 600)
		bind := func(contact, source string) Binding { return Binding{AOR: "1001", Contact: contact, Source: source} }
		for _, c := range []struct {
			ep   string
			b    Binding
			want bool
		}{
			{"1001", bind("sip:1001@192.0.2.5:5062", "192.0.2.5:6000"), true},  // same contact
			{"1001", bind("sip:1001@10.0.0.5:5062", "192.0.2.5:5062"), true},   // same source (NAT)
			{"1001", bind("sip:1001@192.0.2.6:5062", "192.0.2.6:5062"), false}, // another phone
			{"1002", bind("sip:1001@192.0.2.5:5062", "192.0.2.5:5062"), false}, // another endpoint
		} {
			if got := f.subs.Covers(c.ep, c.b); got != c.want {
				t.Errorf("Covers(%s, %+v) = %v, want %v", c.ep, c.b, got, c.want)
			}
		}
		// The phone reboots and subscribes again with a new Call-ID: the old
		// subscription is replaced, so a change notifies it once.
		res := f.authorized(sub{user: "1001", src: "192.0.2.5:5062", event: "message-summary", callID: "after-reboot", headers: []string{"Expires: 600"}}, "pw1001")
		if res.StatusCode != 200 {
			t.Fatalf("second SUBSCRIBE: %d", res.StatusCode)
		}
		synctest.Wait()
		active := f.subs.Active()
		if len(active) != 1 || active[0].CallID != "after-reboot" {
			t.Fatalf("active after re-subscribe: %+v", active)
		}
		before := len(f.net.notifies())
		f.subs.Changed("1001")
		synctest.Wait()
		if sent := f.net.notifies(); len(sent) != before+1 || sent[len(sent)-1].CallID().Value() != "after-reboot" {
			t.Fatalf("a change sent %d NOTIFYs", len(sent)-before)
		}
	})
}

func TestSubscriptionsRestored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := NewMemSubscriptionStore()
		f := newSubFixture(t, store)
		tag := toTag(f.subscribed("192.0.2.5:5062", 600))
		synctest.Wait()
		first := f.net.notifies()[0]
		_ = f.subs.Close()

		time.Sleep(60 * time.Second)
		again := newSubFixture(t, store)
		if a := again.subs.Active(); len(a) != 1 || a[0].LocalTag != tag {
			t.Fatalf("restored: %+v", a)
		}
		again.setCount("1001", 4)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- again.subs.Run(ctx) }()
		synctest.Wait()
		sent := again.net.notifies()
		if len(sent) != 1 {
			t.Fatalf("want 1 NOTIFY of a restored subscription, got %d", len(sent))
		}
		n := sent[0]
		if v, _ := n.From().Params.Get("tag"); v != tag || n.CallID().Value() != first.CallID().Value() || n.CSeq().SeqNo <= first.CSeq().SeqNo {
			t.Errorf("restored NOTIFY is not in the dialog: tag %q, Call-ID %q, CSeq %d after %d", v, n.CallID().Value(), n.CSeq().SeqNo, first.CSeq().SeqNo)
		}
		if header(n, "Subscription-State") != "active;expires=540" || !strings.Contains(string(n.Body()), "4/0") {
			t.Errorf("restored NOTIFY: state %q body %q", header(n, "Subscription-State"), n.Body())
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}

		// Past its expiry, a stored subscription is dropped at start.
		time.Sleep(600 * time.Second)
		late := newSubFixture(t, store)
		if a := late.subs.Active(); len(a) != 0 {
			t.Fatalf("an expired subscription was restored: %+v", a)
		}
		if stored, _ := store.LoadAll(); len(stored) != 0 {
			t.Fatalf("an expired subscription stays stored: %+v", stored)
		}
	})
}

func TestSubscriptionStores(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "obelisk.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bs, err := NewBoltSubscriptionStore(db)
	if err != nil {
		t.Fatal(err)
	}
	for name, store := range map[string]SubscriptionStore{"mem": NewMemSubscriptionStore(), "bolt": bs} {
		t.Run(name, func(t *testing.T) {
			exp := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
			a := Subscription{ID: "c1|l1|r1", Endpoint: "1001", Event: EventMessageSummary, CallID: "c1", LocalTag: "l1", RemoteTag: "r1",
				Target: "sip:1001@192.0.2.5", Routes: []string{"sip:proxy;lr"}, LocalCSeq: 7, Expires: exp}
			b := a
			b.ID, b.CallID = "c2|l2|r2", "c2"
			for _, s := range []Subscription{a, b} {
				if err := store.Save(s); err != nil {
					t.Fatal(err)
				}
			}
			a.LocalCSeq = 8
			if err := store.Save(a); err != nil {
				t.Fatal(err)
			}
			if err := store.Delete(b.ID); err != nil {
				t.Fatal(err)
			}
			if err := store.Delete("unknown"); err != nil {
				t.Fatal(err)
			}
			got, err := store.LoadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].ID != a.ID || got[0].LocalCSeq != 8 || !got[0].Expires.Equal(exp) || len(got[0].Routes) != 1 {
				t.Fatalf("loaded %+v", got)
			}
		})
	}
}

func TestBuildNotifyRouteSet(t *testing.T) {
	s := Subscription{Event: EventMessageSummary, EventID: "7", CallID: "c", LocalTag: "l", RemoteTag: "r", LocalURI: "sip:1001@obelisk",
		RemoteURI: "sip:1001@obelisk", Target: "sip:1001@192.0.2.5:5062", Routes: []string{"sip:p1.example.com;lr", "sip:p2.example.com;lr"},
		Contact: "sip:obelisk@192.0.2.1:5060", Source: "203.0.113.1:5060", Transport: "UDP", LocalCSeq: 3}
	req, err := buildNotify(&s, "active;expires=10", nil)
	if err != nil {
		t.Fatal(err)
	}
	routes := req.GetHeaders("Route")
	if len(routes) != 2 || !strings.Contains(routes[0].Value(), "p1.example.com") {
		t.Fatalf("routes %v", routes)
	}
	// Through a proxy, the request follows the route set, not the source.
	if d := req.Destination(); d != "p1.example.com:5060" {
		t.Errorf("destination %q", d)
	}
	if header(req, "Event") != "message-summary;id=7" || header(req, "Content-Type") != "" {
		t.Errorf("Event %q, Content-Type %q", header(req, "Event"), header(req, "Content-Type"))
	}
}

func TestOptionsAllowEvents(t *testing.T) {
	cfg, diags := LoadSIPConf(parseConf(t, subConf))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	srv, err := NewServer(ServerOptions{Config: cfg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	options := func() *sipgosip.Response {
		msg, err := sipgosip.ParseMessage([]byte("OPTIONS sip:obelisk SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.5:5060;branch=z9hG4bKo1\r\n" +
			"From: <sip:probe@obelisk>;tag=p\r\nTo: <sip:obelisk>\r\nCall-ID: o1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		tx := &fakeTx{}
		srv.serve(srv.options, msg.(*sipgosip.Request), tx)
		return tx.res[0]
	}
	if got := header(options(), "Allow-Events"); got != "" {
		t.Fatalf("Allow-Events %q before any event package is served", got)
	}
	srv.Handle(sipgosip.SUBSCRIBE, func(*sipgosip.Request, sipgosip.ServerTransaction) error { return nil })
	srv.AllowEvents(EventMessageSummary)
	res := options()
	if got := header(res, "Allow-Events"); got != "message-summary" {
		t.Errorf("Allow-Events %q", got)
	}
	if !strings.Contains(header(res, "Allow"), "SUBSCRIBE") {
		t.Errorf("Allow %q lacks SUBSCRIBE", header(res, "Allow"))
	}
}

// TestNotifiesOneAtATime: NOTIFYs of a subscription go one at a time in
// CSeq order; changes made while one is unanswered make one more NOTIFY
// with the latest counts, not one each.
func TestNotifiesOneAtATime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newSubFixture(t, nil)
		release := make(chan struct{})
		f.net.answer = func(*sipgosip.Request) (int, error) {
			<-release
			return 200, nil
		}
		f.setCount("1001", 1)
		f.subscribed("192.0.2.5:5062", 600)
		synctest.Wait() // the initial NOTIFY waits for its answer
		for n := 2; n <= 4; n++ {
			f.setCount("1001", n)
			f.subs.Changed("1001")
		}
		synctest.Wait()
		if n := len(f.net.notifies()); n != 1 {
			t.Fatalf("%d NOTIFYs outstanding at once", n)
		}
		close(release)
		synctest.Wait()
		sent := f.net.notifies()
		if len(sent) != 2 || !strings.Contains(string(sent[1].Body()), "Voice-Message: 4/0") || sent[1].CSeq().SeqNo != sent[0].CSeq().SeqNo+1 {
			t.Fatalf("want the initial NOTIFY then one with 4/0; got %d", len(sent))
		}
	})
}
