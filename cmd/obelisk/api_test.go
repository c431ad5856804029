package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The HTTP dial-out API (seed 003) against the real switch: sipp is the
// target behind the provider trunk, a Go server receives the webhooks.

const apiBearer = "BEARER 223d0d870a364a4a" // seed 003 writes the scheme in capitals

const apiDialoutConf = `[general]
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
`

// apiUnlimited is apiDialoutConf with bot1's rate limit lifted, for the
// tests that place calls one after the other.
const apiUnlimited = apiDialoutConf + "rate=0\nconcurrent=0\n"

const apiExtensions = `[from-pstn]
[phones]
[bot-flow]
exten => s,1,Answer()
 same => n,Verbose(1,bot flow for ${DIALOUT_TARGET} CUSTOMER=${CUSTOMER} AMDSTATUS=${AMDSTATUS})
 same => n,Wait(30)
`

// apiEnv is a switch serving the API on ip, its trunk at trunkIP.
type apiEnv struct {
	sw      *runningSwitch
	ip      string
	trunkIP string
	base    string
	files   map[string]string
}

// apiSwitch starts a switch on loopbackIP(n) with the trunk at n+1 and
// the API on a free port.
func apiSwitch(t *testing.T, n int, dialout string) *apiEnv {
	t.Helper()
	ip, trunkIP := loopbackIP(t, n), loopbackIP(t, n+1)
	port := freeTCPPort(t, ip)
	e := &apiEnv{ip: ip, trunkIP: trunkIP, base: "http://" + net.JoinHostPort(ip, port), files: map[string]string{
		"sip.conf":        strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", trunkIP),
		"http.conf":       "[general]\nenabled=yes\nbindaddr={{IP}}\nbindport=" + port + "\n",
		"dialout.conf":    dialout,
		"extensions.conf": apiExtensions,
	}}
	e.sw = startSwitch(t, ip, e.files)
	waitLog(t, e.sw, `msg="http listening"`)
	return e
}

// do sends one API request and decodes its JSON answer.
func (e *apiEnv) do(t *testing.T, method, path, auth string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, resp.Header, m
}

// dialout POSTs a dial-out and returns its callId, failing unless 202.
func (e *apiEnv) dialout(t *testing.T, body map[string]any) string {
	t.Helper()
	code, _, m := e.do(t, "POST", "/api/v1/actions/dialout", apiBearer, body)
	if code != http.StatusAccepted || m["status"] != "initiated" {
		t.Fatalf("dialout %v: %d %v", body, code, m)
	}
	return m["callId"].(string)
}

// hookEvent is one webhook received.
type hookEvent struct {
	event string
	call  map[string]any
	sigOK bool
}

// hookSink receives webhooks on addr; it answers 500 to the first fail
// requests.
type hookSink struct {
	url      string
	mu       sync.Mutex
	fail     int
	attempts int
	got      []hookEvent
}

func newHookSink(t *testing.T, addr string, fail int) *hookSink {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	h := &hookSink{url: "http://" + l.Addr().String() + "/hook", fail: fail}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.attempts++
		if h.fail > 0 {
			h.fail--
			http.Error(w, "not now", http.StatusInternalServerError)
			return
		}
		var wh struct {
			Event string         `json:"event"`
			Call  map[string]any `json:"call"`
		}
		_ = json.Unmarshal(body, &wh)
		h.got = append(h.got, hookEvent{event: wh.Event, call: wh.Call, sigOK: validSignature(r.Header.Get("X-Obelisk-Signature"), "whsec_test", body)})
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return h
}

// validSignature checks "t=<unix>,v1=<hex>" is HMAC-SHA256 over
// "<t>.<body>" with secret (Stripe's scheme), t within 5 minutes.
func validSignature(header, secret string, body []byte) bool {
	var ts, v1 string
	for _, p := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(p, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			v1 = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(body)))
	want := hex.EncodeToString(mac.Sum(nil))
	return hmac.Equal([]byte(want), []byte(v1))
}

// events returns the webhooks received for callID.
func (h *hookSink) events(callID string) []hookEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []hookEvent
	for _, e := range h.got {
		if e.call["callId"] == callID {
			out = append(out, e)
		}
	}
	return out
}

// waitFinal waits until callID's webhooks include a final one (failed
// or completed) and returns them all, in the order received.
func (h *hookSink) waitFinal(t *testing.T, callID string, within time.Duration) []hookEvent {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		evs := h.events(callID)
		if n := len(evs); n > 0 && (evs[n-1].event == "failed" || evs[n-1].event == "completed") {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("call %s: webhooks %s, no final one within %v", callID, eventNames(evs), within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitEvent waits for callID's webhook named event.
func (h *hookSink) waitEvent(t *testing.T, callID, event string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !strings.Contains(","+eventNames(h.events(callID))+",", ","+event+",") {
		if time.Now().After(deadline) {
			t.Fatalf("call %s: webhooks %s, no %s within %v", callID, eventNames(h.events(callID)), event, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func eventNames(evs []hookEvent) string {
	var names []string
	for _, e := range evs {
		names = append(names, e.event)
	}
	return strings.Join(names, ",")
}

// TestAPIDialoutAnswered: seed 003's request (BEARER token, tel: target)
// dials the target through the trunk with the bot's caller ID; the target
// rings, answers and hangs up after 2 s. The webhooks are initiated,
// ringing, answered, completed in that order, each signed, the completed
// one with a duration of about the hold; the bot flow ran with the
// request's variables, and GET /api/v1/calls/{id} shows the call
// completed. Wrong credentials get 401 (the same body whatever was
// wrong), an unknown bot 404, a bad target 400; the OpenAPI description
// lists every route.
func TestAPIDialoutAnswered(t *testing.T) {
	t.Parallel()
	e := apiSwitch(t, 2, apiUnlimited)
	hooks := newHookSink(t, "127.0.0.1:0", 0)
	target := startSipp(t, "target", e.trunkIP, "", "api_target_answer.xml", "-p", "5060", "-d", "2000")
	id := e.dialout(t, map[string]any{"bot": "bot1", "target": "tel:+123456789", "notifyUrl": hooks.url,
		"variables": map[string]string{"CUSTOMER": "C-42"}})
	evs := hooks.waitFinal(t, id, 20*time.Second)
	if got := eventNames(evs); got != "initiated,ringing,answered,completed" {
		t.Fatalf("webhooks %s, want initiated,ringing,answered,completed", got)
	}
	for _, ev := range evs {
		if !ev.sigOK {
			t.Errorf("webhook %s: bad X-Obelisk-Signature", ev.event)
		}
	}
	done := evs[3].call
	if d, _ := done["duration"].(float64); d < 1.7 || d > 3.5 || done["status"] != "completed" {
		t.Errorf("completed webhook: %v, want status completed and a duration of about 2 s", done)
	}
	target.mustPass(t, "an INVITE answered, a BYE after 2 s")
	inv := received(target.messages(), "INVITE ")
	if len(inv) != 1 || !strings.HasPrefix(inv[0].first, "INVITE sip:+123456789@") {
		t.Fatalf("INVITEs at the trunk: %v", inv)
	}
	if from, _ := inv[0].get("From"); !strings.Contains(from, "0312345678") {
		t.Errorf("From %q, want the bot's caller ID 0312345678", from)
	}
	waitLog(t, e.sw, "bot flow for +123456789 CUSTOMER=C-42")
	code, _, rec := e.do(t, "GET", "/api/v1/calls/"+id, "Basic "+basic("crm", "crm-secret"), nil)
	if code != 200 || rec["status"] != "completed" || !strings.HasPrefix(toString(rec["channel"]), "SIP/pstn-") || rec["uniqueid"] == "" {
		t.Errorf("GET the call: %d %v", code, rec)
	}

	var bodies []string
	for _, auth := range []string{"", "Basic " + basic("crm", "wrong"), "Bearer nope"} {
		code, hdr, m := e.do(t, "POST", "/api/v1/actions/dialout", auth, map[string]any{"bot": "bot1", "target": "123"})
		if code != 401 || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Basic realm=") {
			t.Errorf("auth %q: %d %v", auth, code, hdr)
		}
		bodies = append(bodies, toString(m["error"]))
	}
	if bodies[0] != bodies[1] || bodies[1] != bodies[2] {
		t.Errorf("401 bodies differ: %q", bodies)
	}
	if code, _, m := e.do(t, "POST", "/api/v1/actions/dialout", apiBearer, map[string]any{"bot": "nobot", "target": "123"}); code != 404 || !strings.Contains(toString(m["error"]), `unknown bot "nobot"`) {
		t.Errorf("unknown bot: %d %v", code, m)
	}
	if code, _, m := e.do(t, "POST", "/api/v1/actions/dialout", apiBearer, map[string]any{"bot": "bot1", "target": "tel:call-me"}); code != 400 || !strings.Contains(toString(m["error"]), "not a phone number") {
		t.Errorf("bad target: %d %v", code, m)
	}
	code, _, doc := e.do(t, "GET", "/api/v1/openapi.json", "", nil)
	paths, _ := doc["paths"].(map[string]any)
	if code != 200 || doc["openapi"] != "3.0.3" {
		t.Fatalf("openapi.json: %d", code)
	}
	for _, r := range []string{"POST /api/v1/actions/dialout", "POST /api/v1/calls", "GET /api/v1/calls", "GET /api/v1/calls/{id}", "DELETE /api/v1/calls/{id}"} {
		method, path, _ := strings.Cut(r, " ")
		if ops, _ := paths[path].(map[string]any); ops[strings.ToLower(method)] == nil {
			t.Errorf("openapi.json lacks %s", r)
		}
	}
	// Five failures in a row within a minute block the address (the SIP
	// side's AuthBans; a success forgets the failures before it): the
	// fifth gets 403, and so do good credentials after it.
	for i := 1; i <= 5; i++ {
		code, _, _ := e.do(t, "GET", "/api/v1/calls", "Bearer guess-"+strconv.Itoa(i), nil)
		if want := map[bool]int{false: 401, true: 403}[i == 5]; code != want {
			t.Errorf("failure %d: %d, want %d", i, code, want)
		}
	}
	if code, _, m := e.do(t, "GET", "/api/v1/calls", apiBearer, nil); code != 403 || !strings.Contains(toString(m["error"]), "too many failed") {
		t.Errorf("a blocked address with good credentials: %d %v, want 403", code, m)
	}
}

func basic(user, pass string) string {
	req, _ := http.NewRequest("GET", "http://x/", nil)
	req.SetBasicAuth(user, pass)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

// TestAPIDialoutNotAnswered: a busy target (486) gives initiated then
// failed, the call busy with sipCode 486; a target that rings past the
// request's 2 s timeout is cancelled and ends no-answer (initiated,
// ringing, failed); a ringing call hung up with DELETE /api/v1/calls/{id}
// is cancelled at the trunk (CANCEL) and ends canceled; an answered one
// hung up the same way gets the switch's BYE and ends completed.
func TestAPIDialoutNotAnswered(t *testing.T) {
	t.Parallel()
	e := apiSwitch(t, 4, apiUnlimited)
	hooks := newHookSink(t, "127.0.0.1:0", 0)

	busy := startSipp(t, "busy target", e.trunkIP, "", "phone_busy.xml", "-p", "5060")
	id := e.dialout(t, map[string]any{"bot": "bot1", "target": "0612345678", "notifyUrl": hooks.url})
	evs := hooks.waitFinal(t, id, 15*time.Second)
	if got := eventNames(evs); got != "initiated,failed" && got != "initiated,ringing,failed" {
		t.Errorf("busy: webhooks %s", got)
	}
	if c := evs[len(evs)-1].call; c["status"] != "busy" || c["sipCode"] != 486.0 || c["reason"] != "486 Busy Here" {
		t.Errorf("busy: failed webhook's call %v, want busy, 486", c)
	}
	busy.mustPass(t, "a 486 ACKed")

	ring := startSipp(t, "ringing target", e.trunkIP, "", "phone_noanswer.xml", "-p", "5060")
	id = e.dialout(t, map[string]any{"bot": "bot1", "target": "0612345679", "notifyUrl": hooks.url, "timeout": 2})
	evs = hooks.waitFinal(t, id, 15*time.Second)
	if got := eventNames(evs); got != "initiated,ringing,failed" {
		t.Errorf("no answer: webhooks %s", got)
	}
	if c := evs[len(evs)-1].call; c["status"] != "no-answer" {
		t.Errorf("no answer: %v", c)
	}
	ring.mustPass(t, "a CANCEL after the 2 s timeout")

	ring = startSipp(t, "ringing target", e.trunkIP, "", "phone_noanswer.xml", "-p", "5060")
	id = e.dialout(t, map[string]any{"bot": "bot1", "target": "0612345670", "notifyUrl": hooks.url, "timeout": 30})
	hooks.waitEvent(t, id, "ringing", 10*time.Second)
	code, _, m := e.do(t, "DELETE", "/api/v1/calls/"+id, apiBearer, nil)
	if code != 202 || m["status"] != "ringing" {
		t.Fatalf("DELETE a ringing call: %d %v", code, m)
	}
	ring.mustPass(t, "a CANCEL once the API hung the call up")
	evs = hooks.waitFinal(t, id, 10*time.Second)
	if c := evs[len(evs)-1].call; c["status"] != "canceled" {
		t.Errorf("after DELETE: %v", c)
	}
	// An answered call hung up with DELETE: the switch sends the BYE and
	// the call is completed.
	up := startSipp(t, "answering target", e.trunkIP, "", "phone_media.xml", "-p", "5060")
	upID := e.dialout(t, map[string]any{"bot": "bot1", "target": "0612345672", "notifyUrl": hooks.url})
	hooks.waitEvent(t, upID, "answered", 10*time.Second)
	if code, _, m := e.do(t, "DELETE", "/api/v1/calls/"+upID, apiBearer, nil); code != 202 || m["status"] != "answered" {
		t.Fatalf("DELETE an answered call: %d %v", code, m)
	}
	up.mustPass(t, "the switch's BYE once the API hung the call up")
	evs = hooks.waitFinal(t, upID, 10*time.Second)
	if got, c := eventNames(evs), evs[len(evs)-1].call; got != "initiated,ringing,answered,completed" || c["status"] != "completed" {
		t.Errorf("after DELETE of an answered call: %s %v", got, c)
	}
	code, _, list := e.do(t, "GET", "/api/v1/calls?bot=bot1", apiBearer, nil)
	if calls, _ := list["calls"].([]any); code != 200 || len(calls) != 4 {
		t.Errorf("list: %d %v", code, list)
	}
	if code, _, _ := e.do(t, "DELETE", "/api/v1/calls/"+id, apiBearer, nil); code != 409 {
		t.Errorf("DELETE an ended call: %d, want 409", code)
	}
}

// TestAPIWebhooksRetriedAndKept: a receiver that fails twice gets the
// webhooks after retries, in order. Then a receiver that is down: the
// call's webhooks wait in the outbox while the switch retries; the
// switch is killed (SIGKILL) and started again, the receiver comes up,
// and it gets them all, in order; GET still finds the call.
func TestAPIWebhooksRetriedAndKept(t *testing.T) {
	t.Parallel()
	e := apiSwitch(t, 6, apiUnlimited)
	flaky := newHookSink(t, "127.0.0.1:0", 2)
	busy := startSipp(t, "busy target", e.trunkIP, "", "phone_busy.xml", "-p", "5060")
	id := e.dialout(t, map[string]any{"bot": "bot1", "target": "0612345678", "notifyUrl": flaky.url})
	evs := flaky.waitFinal(t, id, 20*time.Second)
	busy.mustPass(t, "a 486 ACKed")
	flaky.mu.Lock()
	attempts := flaky.attempts
	flaky.mu.Unlock()
	if got := eventNames(evs); (got != "initiated,failed" && got != "initiated,ringing,failed") || attempts != len(evs)+2 {
		t.Errorf("webhooks %s in %d attempts, want them all after 2 failures", got, attempts)
	}

	// A receiver that is down: its address is free until after the kill.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	busy = startSipp(t, "busy target", e.trunkIP, "", "phone_busy.xml", "-p", "5060")
	id = e.dialout(t, map[string]any{"bot": "bot1", "target": "0612345671", "notifyUrl": "http://" + addr + "/hook"})
	busy.mustPass(t, "a 486 ACKed")
	// The call is over (busy) and its webhooks wait for the receiver.
	waitLog(t, e.sw, "call="+id+" status=busy")
	waitLogCount(t, e.sw, "url=http://"+addr+"/hook attempt=", 2, 10*time.Second)
	p, err := os.FindProcess(e.sw.pid)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Kill(); err != nil { // SIGKILL: no shutdown runs
		t.Fatal(err)
	}
	e.sw.stop(t)
	down := newHookSink(t, addr, 0)
	again := startSwitchIn(t, e.ip, e.files, e.sw.data)
	waitLog(t, again, `msg="http listening"`)
	evs = down.waitFinal(t, id, 15*time.Second)
	if got := eventNames(evs); got != "initiated,failed" && got != "initiated,ringing,failed" {
		t.Errorf("after the restart: webhooks %s", got)
	}
	for _, ev := range evs {
		if !ev.sigOK {
			t.Errorf("webhook %s after the restart: bad signature", ev.event)
		}
	}
	if c := evs[len(evs)-1].call; c["status"] != "busy" {
		t.Errorf("after the restart: %v", c)
	}
	if code, _, rec := e.do(t, "GET", "/api/v1/calls/"+id, apiBearer, nil); code != 200 || rec["status"] != "busy" || rec["sipCode"] != 486.0 {
		t.Errorf("GET after the restart: %d %v", code, rec)
	}
}

// TestAPIRateLimit: five dial-outs at once for a bot with seed 003's
// default limit (1 call a second, 3 concurrent): one is accepted, four
// get 429 with Retry-After and a JSON error. Retried as Retry-After
// says, all five are placed in the end; at the trunk the INVITEs are at
// least a second apart and never more than three calls are up at once.
func TestAPIRateLimit(t *testing.T) {
	t.Parallel()
	e := apiSwitch(t, 8, apiDialoutConf)
	target := startSipp(t, "targets", e.trunkIP, "", "api_target_answer.xml", "-p", "5060", "-m", "5", "-d", "3500")
	type answer struct {
		code  int
		retry string
		err   string
	}
	first := make([]answer, 5)
	var wg sync.WaitGroup
	for i := range first {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, hdr, m := e.do(t, "POST", "/api/v1/actions/dialout", apiBearer, map[string]any{"bot": "bot1", "target": "061234560" + strconv.Itoa(i)})
			first[i] = answer{code, hdr.Get("Retry-After"), toString(m["error"])}
		}()
	}
	wg.Wait()
	var pending []int
	for i, a := range first {
		switch {
		case a.code == 202:
		case a.code == 429 && a.retry != "" && strings.Contains(a.err, "bot bot1 is at its limit (1/s, 3 concurrent)"):
			pending = append(pending, i)
		default:
			t.Errorf("request %d: %+v", i, a)
		}
	}
	if len(pending) != 4 {
		t.Fatalf("first burst: %+v, want one 202 and four 429", first)
	}
	// Each refused request is sent again after its Retry-After.
	refusals := 0
	var mu sync.Mutex
	for _, i := range pending {
		wg.Add(1)
		go func() {
			defer wg.Done()
			retry := first[i].retry
			for deadline := time.Now().Add(40 * time.Second); time.Now().Before(deadline); {
				secs, _ := strconv.Atoi(retry)
				time.Sleep(time.Duration(max(secs, 1)) * time.Second)
				code, hdr, _ := e.do(t, "POST", "/api/v1/actions/dialout", apiBearer, map[string]any{"bot": "bot1", "target": "061234560" + strconv.Itoa(i)})
				if code == 202 {
					return
				}
				mu.Lock()
				refusals++
				mu.Unlock()
				retry = hdr.Get("Retry-After")
			}
			t.Errorf("request %d never accepted", i)
		}()
	}
	wg.Wait()
	target.mustPass(t, "five calls answered")
	type span struct{ start, end time.Time }
	calls := map[string]*span{}
	var invites []time.Time
	for _, m := range target.messages() {
		cid, _ := m.get("Call-ID")
		if !m.sent && strings.HasPrefix(m.first, "INVITE ") {
			calls[cid] = &span{start: m.at}
			invites = append(invites, m.at)
		}
		if m.sent && strings.HasPrefix(m.first, "BYE ") && calls[cid] != nil {
			calls[cid].end = m.at
		}
	}
	if len(invites) != 5 {
		t.Fatalf("%d INVITEs at the trunk, want 5", len(invites))
	}
	// The rate is measured where the INVITEs leave: sipp stamps a message
	// when it gets round to it, and under -race on two cores it once
	// stamped the first INVITE 500 ms late (answering it 800 ms after it
	// was sent, the others in 300 ms), making two INVITEs sent 1.008 s
	// apart look 507 ms apart.
	sent := invitesSent(t, e.sw.logs.String())
	if len(sent) != 5 {
		t.Fatalf("the switch logged %d INVITEs sent, want 5", len(sent))
	}
	for i := 1; i < len(sent); i++ {
		if gap := sent[i].Sub(sent[i-1]); gap < 900*time.Millisecond {
			t.Errorf("INVITEs %d and %d sent only %v apart (1 call a second)", i-1, i, gap)
		}
	}
	most := 0
	for _, s := range calls {
		up := 0
		for _, o := range calls {
			if !o.start.After(s.start) && (o.end.IsZero() || o.end.After(s.start)) {
				up++
			}
		}
		most = max(most, up)
	}
	if most > 3 {
		t.Errorf("%d calls up at once at the trunk, want at most 3", most)
	}
	if most < 3 || refusals == 0 {
		t.Logf("the limit was reached %d calls at once, %d retries refused", most, refusals)
	}
}

// TestAPIMachineDetection: with machineDetection, AMD() listens to the
// answered target before the bot flow; a target whose answer is a
// voicemail greeting and its beep (espeak-ng, as TestAMD's) is a
// machine, so the webhooks are initiated, ringing, answered,
// machine-detected, completed, the switch hangs up (the bot flow never
// runs) and the call ends machine-detected with AMDSTATUS MACHINE.
func TestAPIMachineDetection(t *testing.T) {
	t.Parallel()
	greeting := espeakAnswer(t, "Hi, you have reached the voicemail of John Smith. I am not available right now, please leave your message after the tone.")
	beep := soxPCM(t, "-n", "synth", "0.5", "sine", "1000", "vol", "0.5")
	answer := append(append(make([]int16, 4000), greeting...), beep...)
	answer = append(answer, make([]int16, 16000)...)
	e := apiSwitch(t, 10, apiUnlimited)
	hooks := newHookSink(t, "127.0.0.1:0", 0)
	sock := listenUDP(t, e.trunkIP)
	portFile := filepath.Join(t.TempDir(), "rtp-port")
	scenario := writeScenario(t, "phone_media.xml", map[string]string{
		"> phone-rtp-port":                   "> " + portFile,
		"c=IN IP[media_ip_type] [media_ip]":  "c=IN IP4 " + e.trunkIP,
		"m=audio [media_port] RTP/AVP 0 101": "m=audio " + portOf(sock) + " RTP/AVP 0 101",
	})
	target := startSipp(t, "answering machine", e.trunkIP, "", scenario, "-p", "5060")
	id := e.dialout(t, map[string]any{"bot": "bot1", "target": "0612345678", "notifyUrl": hooks.url, "machineDetection": true})
	port, _ := waitPortFile(portFile, 10*time.Second)
	if port == "" {
		_, failure := target.wait(time.Second)
		t.Fatalf("the dial-out did not reach the target with media:\n%s", failure)
	}
	stop := make(chan struct{})
	played := make(chan struct{})
	go func() {
		defer close(played)
		time.Sleep(250 * time.Millisecond) // the target rings for 200 ms first
		playPCM(sock, e.ip, port, 0, answer, stop)
	}()
	t.Cleanup(func() {
		close(stop)
		<-played
	})
	evs := hooks.waitFinal(t, id, 20*time.Second)
	if got := eventNames(evs); got != "initiated,ringing,answered,machine-detected,completed" {
		t.Fatalf("webhooks %s", got)
	}
	c := evs[len(evs)-1].call
	amd, _ := c["amd"].(map[string]any)
	if c["status"] != "machine-detected" || amd["status"] != "MACHINE" || toString(amd["cause"]) == "" {
		t.Errorf("final call %v, want machine-detected, AMDSTATUS MACHINE", c)
	}
	target.mustPass(t, "the switch hangs up on the machine")
	if strings.Contains(e.sw.logs.String(), "bot flow for") {
		t.Error("the bot flow ran for a machine")
	}
}

// invitesSent are the times the switch sent its INVITEs, in order: the
// lines sipgo logs (at debug level, as the tests run the switch) when an
// INVITE's client transaction starts.
func invitesSent(t *testing.T, logs string) []time.Time {
	t.Helper()
	var out []time.Time
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, `msg="Client transaction initialized"`) || !strings.HasSuffix(strings.TrimSpace(line), "__INVITE") {
			continue
		}
		stamp, _, _ := strings.Cut(strings.TrimPrefix(line, "time="), " ")
		at, err := time.Parse(time.RFC3339Nano, stamp)
		if err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, at)
	}
	return out
}
