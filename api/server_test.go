package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/outbound"
	bolt "go.etcd.io/bbolt"
)

// fakeBackend answers every Dial as script says for the number.
type fakeBackend struct {
	mu      sync.Mutex
	dials   []DialRequest
	hangups []string
	// script returns how a number's call goes; nil means answered, up
	// until its Done is released by end().
	script func(d DialRequest) (DialResult, error)
	ends   map[string]chan DialEnd
	// ringing blocks a Dial until the channel is hung up.
	ringing map[string]chan struct{}
}

func newFakeBackend() *fakeBackend {
	return &fakeBackend{ends: map[string]chan DialEnd{}, ringing: map[string]chan struct{}{}}
}

func (f *fakeBackend) Dial(ctx context.Context, d DialRequest) (DialResult, error) {
	f.mu.Lock()
	f.dials = append(f.dials, d)
	n := len(f.dials)
	f.mu.Unlock()
	uid := "uid-" + d.Number + "-" + string(rune('0'+n))
	d.OnChannel("SIP/pstn-0000000"+string(rune('0'+n)), uid)
	d.OnProgress(180)
	if f.script != nil {
		res, err := f.script(d)
		if res.Outcome != outbound.OutcomeAnswered || err != nil {
			if res.Outcome == outbound.OutcomeNoAnswer && res.SIPCode == 0 {
				f.mu.Lock()
				c := make(chan struct{})
				f.ringing[uid] = c
				f.mu.Unlock()
				select {
				case <-c:
				case <-time.After(d.WaitTime):
				}
			}
			return res, err
		}
	}
	done := make(chan DialEnd, 1)
	f.mu.Lock()
	f.ends[d.Number] = done
	f.mu.Unlock()
	return DialResult{Outcome: outbound.OutcomeAnswered, Channel: "SIP/pstn-x", Uniqueid: uid, AnsweredAt: time.Now(), Done: done}, nil
}

func (f *fakeBackend) dialsSnapshot() []DialRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]DialRequest(nil), f.dials...)
}

func (f *fakeBackend) Hangup(uid string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hangups = append(f.hangups, uid)
	if c, ok := f.ringing[uid]; ok {
		close(c)
		delete(f.ringing, uid)
		return true
	}
	return false
}

// end ends the answered call to number.
func (f *fakeBackend) end(t *testing.T, number string, after time.Duration) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		c := f.ends[number]
		f.mu.Unlock()
		if c != nil {
			c <- DialEnd{Cause: 16, At: time.Now().Add(after)}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answered call to %s", number)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// hookReceiver collects webhooks; it answers fail 500s first.
type hookReceiver struct {
	mu     sync.Mutex
	got    []Webhook
	sigs   []string
	bodies [][]byte
	fail   int
	srv    *httptest.Server
}

func newHookReceiver(t *testing.T, fail int) *hookReceiver {
	h := &hookReceiver{fail: fail}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.fail > 0 {
			h.fail--
			w.WriteHeader(500)
			return
		}
		var wh Webhook
		if err := json.Unmarshal(b, &wh); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		h.got = append(h.got, wh)
		h.sigs = append(h.sigs, r.Header.Get(SignatureHeader))
		h.bodies = append(h.bodies, b)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) events() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, w := range h.got {
		out = append(out, w.Event)
	}
	return out
}

func (h *hookReceiver) waitFor(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(h.events()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("got webhooks %v, want %d", h.events(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return h.events()
}

type fakeBans struct {
	mu       sync.Mutex
	failures map[netip.Addr]int
	max      int
}

func (b *fakeBans) Failure(a netip.Addr) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures[a]++
	return b.failures[a] >= b.max
}
func (b *fakeBans) Banned(a netip.Addr) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.failures[a] >= b.max
}
func (b *fakeBans) Success(a netip.Addr) {}

const testDialout = `[general]
retryinterval=1
[crm]
type=client
secret=crm-secret
token=223d0d870a364a4a
[bot1]
type=bot
trunk=pstn
callerid=0312345678
context=bot-flow
webhooksecret=whsec_test
[pstn]
type=trunk
concurrent=10
`

type apiFixture struct {
	srv     *Server
	be      *fakeBackend
	store   Store
	url     string
	cancel  context.CancelFunc
	stopped chan struct{}
}

func startAPI(t *testing.T, dialout string, store Store, opts ...Option) *apiFixture {
	t.Helper()
	dc, msgs := loadDialout(t, dialout)
	if msgs != "" {
		t.Fatal(msgs)
	}
	be := newFakeBackend()
	if store == nil {
		store = NewMemStore()
	}
	all := append([]Option{
		WithDialoutConfig(func() *DialoutConfig { return dc }),
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	}, opts...)
	srv := NewServer(store, be, all...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &apiFixture{srv: srv, be: be, store: store, url: "http://" + ln.Addr().String(), cancel: cancel, stopped: make(chan struct{})}
	go func() {
		defer close(f.stopped)
		if err := srv.Serve(ctx, ln); err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-f.stopped
	})
	return f
}

func (f *apiFixture) do(t *testing.T, method, path, auth string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, f.url+path, rd)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, resp.Header, m
}

const bearer = "BEARER 223d0d870a364a4a"

func TestDialoutAnsweredWebhooks(t *testing.T) {
	f := startAPI(t, testDialout, nil)
	hooks := newHookReceiver(t, 0)
	code, _, body := f.do(t, "POST", "/api/v1/actions/dialout", bearer,
		map[string]any{"bot": "bot1", "target": "tel:+123456789", "notifyUrl": hooks.srv.URL, "variables": map[string]string{"CUSTOMER": "42"}})
	if code != 202 || body["status"] != "initiated" || body["callId"] == "" {
		t.Fatalf("dialout: %d %v", code, body)
	}
	id := body["callId"].(string)
	hooks.waitFor(t, 3)
	f.be.end(t, "+123456789", 3*time.Second)
	got := hooks.waitFor(t, 4)
	if want := "initiated,ringing,answered,completed"; strings.Join(got, ",") != want {
		t.Fatalf("webhooks %v, want %s", got, want)
	}
	for i, b := range hooks.bodies {
		if err := VerifySignature(hooks.sigs[i], "whsec_test", b, time.Now(), time.Minute); err != nil {
			t.Errorf("webhook %d: %v", i, err)
		}
	}
	last := hooks.got[3].Call
	if last.Status != StatusCompleted || last.Duration < 2.9 || last.Duration > 3.5 || last.Cause != 16 {
		t.Errorf("completed webhook's call %+v", last)
	}
	d := f.be.dials[0]
	if d.Number != "+123456789" || d.CallerID != "0312345678" || d.Bot.Context != "bot-flow" || d.Vars["CUSTOMER"] != "42" {
		t.Errorf("dialled %+v", d)
	}
	code, _, rec := f.do(t, "GET", "/api/v1/calls/"+id, bearer, nil)
	if code != 200 || rec["status"] != "completed" || rec["uniqueid"] == "" {
		t.Errorf("GET: %d %v", code, rec)
	}
	code, _, list := f.do(t, "GET", "/api/v1/calls?status=completed&bot=bot1", bearer, nil)
	if calls, _ := list["calls"].([]any); code != 200 || len(calls) != 1 {
		t.Errorf("list: %d %v", code, list)
	}
	code, _, list = f.do(t, "GET", "/api/v1/calls?status=busy", bearer, nil)
	if calls, _ := list["calls"].([]any); code != 200 || len(calls) != 0 {
		t.Errorf("list busy: %d %v", code, list)
	}
}

func TestDialoutFailures(t *testing.T) {
	tests := []struct {
		name       string
		res        DialResult
		wantStatus string
		wantCode   float64
		wantReason string
	}{
		{"busy", DialResult{Outcome: outbound.OutcomeBusy, SIPCode: 486, SIPReason: "Busy Here"}, "busy", 486, "486 Busy Here"},
		{"rejected", DialResult{Outcome: outbound.OutcomeCongestion, SIPCode: 503, SIPReason: "Service Unavailable"}, "failed", 503, "503 Service Unavailable"},
		{"unreachable", DialResult{Outcome: outbound.OutcomeChanUnavail}, "failed", 0, "CHANUNAVAIL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startAPI(t, testDialout, nil)
			f.be.script = func(DialRequest) (DialResult, error) { return tc.res, nil }
			hooks := newHookReceiver(t, 0)
			_, _, body := f.do(t, "POST", "/api/v1/calls", "Basic Y3JtOmNybS1zZWNyZXQ=", map[string]any{"bot": "bot1", "to": "0612345678", "notifyUrl": hooks.srv.URL})
			if got := strings.Join(hooks.waitFor(t, 3), ","); got != "initiated,ringing,failed" {
				t.Fatalf("webhooks %s", got)
			}
			_, _, rec := f.do(t, "GET", "/api/v1/calls/"+body["callId"].(string), bearer, nil)
			if rec["status"] != tc.wantStatus || rec["sipCode"] != nilIfZero(tc.wantCode) || rec["reason"] != tc.wantReason {
				t.Errorf("record %v, want %s %v %q", rec, tc.wantStatus, tc.wantCode, tc.wantReason)
			}
		})
	}
}

func nilIfZero(f float64) any {
	if f == 0 {
		return nil
	}
	return f
}

func TestDeleteRingingCall(t *testing.T) {
	f := startAPI(t, testDialout, nil)
	f.be.script = func(DialRequest) (DialResult, error) { return DialResult{Outcome: outbound.OutcomeNoAnswer}, nil }
	hooks := newHookReceiver(t, 0)
	_, _, body := f.do(t, "POST", "/api/v1/actions/dialout", bearer, map[string]any{"bot": "bot1", "target": "0612345678", "notifyUrl": hooks.srv.URL, "timeout": 30})
	id := body["callId"].(string)
	hooks.waitFor(t, 2)
	code, _, del := f.do(t, "DELETE", "/api/v1/calls/"+id, bearer, nil)
	if code != 202 || del["status"] != "ringing" {
		t.Fatalf("DELETE: %d %v", code, del)
	}
	hooks.waitFor(t, 3)
	_, _, rec := f.do(t, "GET", "/api/v1/calls/"+id, bearer, nil)
	if rec["status"] != "canceled" {
		t.Errorf("after DELETE: %v", rec)
	}
	if code, _, _ := f.do(t, "DELETE", "/api/v1/calls/"+id, bearer, nil); code != 409 {
		t.Errorf("DELETE of an ended call: %d, want 409", code)
	}
	if code, _, _ := f.do(t, "DELETE", "/api/v1/calls/nope", bearer, nil); code != 404 {
		t.Errorf("DELETE of no call: %d, want 404", code)
	}
}

func TestRequestErrors(t *testing.T) {
	f := startAPI(t, testDialout, nil)
	tests := []struct {
		name string
		body any
		code int
		msg  string
	}{
		{"unknown bot", map[string]any{"bot": "nobot", "target": "tel:+1234"}, 404, `unknown bot "nobot"`},
		{"no bot", map[string]any{"target": "tel:+1234"}, 400, "bot is required"},
		{"bad target", map[string]any{"bot": "bot1", "target": "tel:+12ab"}, 400, "not a phone number"},
		{"empty target", map[string]any{"bot": "bot1"}, 400, "target is empty"},
		{"bad url", map[string]any{"bot": "bot1", "target": "1234", "notifyUrl": "ftp://x"}, 400, "notifyUrl"},
		{"bad timeout", map[string]any{"bot": "bot1", "target": "1234", "timeout": 9999}, 400, "timeout"},
		{"bad variable", map[string]any{"bot": "bot1", "target": "1234", "variables": map[string]string{"A B": "x"}}, 400, "variables"},
		{"not json", "{", 400, "body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, body := f.do(t, "POST", "/api/v1/actions/dialout", bearer, tc.body)
			if msg, _ := body["error"].(string); code != tc.code || !strings.Contains(msg, tc.msg) {
				t.Errorf("%d %v, want %d with %q", code, body, tc.code, tc.msg)
			}
		})
	}
	if len(f.be.dials) != 0 {
		t.Errorf("refused requests dialled %d calls", len(f.be.dials))
	}
}

func TestAuthentication(t *testing.T) {
	bans := &fakeBans{failures: map[netip.Addr]int{}, max: 4}
	f := startAPI(t, testDialout, nil, WithBans(bans))
	var bodies []string
	for _, auth := range []string{"", "Basic Y3JtOndyb25n", "Bearer nope"} { // none, crm:wrong, a bad token
		code, hdr, body := f.do(t, "GET", "/api/v1/calls", auth, nil)
		if code != 401 || len(hdr.Values("WWW-Authenticate")) != 2 {
			t.Errorf("auth %q: %d %v", auth, code, hdr)
		}
		bodies = append(bodies, body["error"].(string))
	}
	if bodies[0] != bodies[1] || bodies[1] != bodies[2] {
		t.Errorf("401 bodies differ: %q", bodies)
	}
	for _, auth := range []string{"bearer 223d0d870a364a4a", bearer, "Basic Y3JtOmNybS1zZWNyZXQ="} {
		if code, _, _ := f.do(t, "GET", "/api/v1/calls", auth, nil); code != 200 {
			t.Errorf("auth %q: %d", auth, code)
		}
	}
	// The fourth failure blocks the address, even with good credentials.
	if code, _, _ := f.do(t, "GET", "/api/v1/calls", "Bearer nope", nil); code != 403 {
		t.Errorf("4th failure: %d, want 403", code)
	}
	if code, _, _ := f.do(t, "GET", "/api/v1/calls", bearer, nil); code != 403 {
		t.Errorf("blocked address with good credentials: %d, want 403", code)
	}
	// The description needs no credentials.
	if code, _, body := f.do(t, "GET", "/api/v1/openapi.json", "", nil); code != 200 || body["openapi"] != "3.0.3" {
		t.Errorf("openapi.json: %d", code)
	}
}

func TestRateLimitRefuses(t *testing.T) {
	f := startAPI(t, testDialout, nil)
	type answer struct {
		code  int
		retry string
		msg   string
	}
	answers := make(chan answer, 5)
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, hdr, body := f.do(t, "POST", "/api/v1/actions/dialout", bearer, map[string]any{"bot": "bot1", "target": "0612345678"})
			msg, _ := body["error"].(string)
			answers <- answer{code, hdr.Get("Retry-After"), msg}
		}()
	}
	wg.Wait()
	close(answers)
	accepted, limited := 0, 0
	for a := range answers {
		switch a.code {
		case 202:
			accepted++
		case 429:
			limited++
			if a.retry != "1" || !strings.Contains(a.msg, "bot bot1 is at its limit (1/s, 3 concurrent)") {
				t.Errorf("429: Retry-After %q, %q", a.retry, a.msg)
			}
		default:
			t.Errorf("answer %+v", a)
		}
	}
	if accepted != 1 || limited != 4 {
		t.Errorf("%d accepted, %d limited; want 1 and 4 (1 call a second)", accepted, limited)
	}
}

func TestRestartClosesOpenCalls(t *testing.T) {
	store := NewMemStore()
	hooks := newHookReceiver(t, 0)
	at := time.Now().Add(-10 * time.Second)
	ans := at.Add(time.Second)
	if _, err := store.Save(&Call{ID: "up", Bot: "bot1", Status: StatusAnswered, CreatedAt: at, AnsweredAt: &ans, NotifyURL: hooks.srv.URL}, "", at); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Save(&Call{ID: "ringing", Bot: "bot1", Status: StatusRinging, CreatedAt: at, NotifyURL: hooks.srv.URL}, "", at); err != nil {
		t.Fatal(err)
	}
	startAPI(t, testDialout, store)
	hooks.waitFor(t, 2)
	up, _ := store.Call("up")
	ringing, _ := store.Call("ringing")
	if up.Status != StatusCompleted || ringing.Status != StatusFailed || !strings.Contains(ringing.Reason, "restart") {
		t.Errorf("after a restart: %+v %+v", up, ringing)
	}
}

func TestOpenAPIListsEveryRoute(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	srv := NewServer(NewMemStore(), newFakeBackend())
	served := map[string]bool{}
	for _, r := range srv.Routes() {
		method, path, _ := strings.Cut(r, " ")
		served[strings.ToLower(method)+" "+path] = true
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for path, ops := range doc.Paths {
		for m := range ops {
			if m != "parameters" && !served[m+" "+path] {
				t.Errorf("openapi.json describes %s %s, which is not served", m, path)
			}
		}
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"tel:+123456789", "+123456789", ""},
		{"TEL:+1-212-555-0100;phone-context=x", "+12125550100", ""},
		{"0612345678", "0612345678", ""},
		{"+33 6 12 34 56 78", "+33612345678", ""},
		{"sip:0612345678@provider.example", "0612345678", ""},
		{"sip:alice@example.com", "", "not a phone number"},
		{"sip:0612345678", "", "user@host"},
		{"", "", "empty"},
		{"1", "", "2 to 20 digits"},
		{"12+34", "", "not a phone number"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTarget(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("%q: %v, want error with %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("%q: %q %v, want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestStatusNames(t *testing.T) {
	for s := StatusInitiated; s <= StatusMachineDetected; s++ {
		got, err := ParseStatus(s.String())
		if err != nil || got != s {
			t.Errorf("%v: parsed %v %v", s, got, err)
		}
	}
	if _, err := ParseStatus("unknown"); err == nil {
		t.Error("unknown parsed")
	}
	if !regexp.MustCompile(`^Status\(99\)$`).MatchString(Status(99).String()) {
		t.Error(Status(99).String())
	}
}

// BenchmarkDialout measures a dial-out request's handling (auth, checks,
// rate limit, the record and its webhook saved) with a fake backend, in
// memory and in a bbolt file (each request's transaction synced).
func BenchmarkDialout(b *testing.B) {
	b.Run("mem", func(b *testing.B) { benchDialout(b, NewMemStore()) })
	b.Run("bolt", func(b *testing.B) {
		db, err := bolt.Open(filepath.Join(b.TempDir(), "bench.db"), 0o600, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		st, err := NewBoltStore(db)
		if err != nil {
			b.Fatal(err)
		}
		benchDialout(b, st)
	})
}

func benchDialout(b *testing.B, store Store) {
	dc, _ := LoadDialoutConfig(mustParse(b, "[c]\ntype=client\ntoken=t\n[bot]\ntype=bot\ntrunk=pstn\ncontext=x\nrate=0\nconcurrent=0\n"))
	be := newFakeBackend()
	be.script = func(DialRequest) (DialResult, error) {
		return DialResult{Outcome: outbound.OutcomeBusy, SIPCode: 486}, nil
	}
	srv := NewServer(store, be, WithDialoutConfig(func() *DialoutConfig { return dc }),
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	h := srv.Handler()
	body := []byte(`{"bot":"bot","target":"tel:+123456789"}`)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/api/v1/actions/dialout", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer t")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 202 {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}
