package ami

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/events"
)

// fakeBackend is a switch with one channel, one queue and an AstDB.
type fakeBackend struct {
	bus events.Bus

	mu         sync.Mutex
	db         map[string]string
	originated []OriginateRequest
	hungUp     []string
	redirected []RedirectTarget
	reason     int
}

func newFake() *fakeBackend { return &fakeBackend{db: map[string]string{}, reason: ReasonAnswered} }

func (b *fakeBackend) Subscribe(n int) *events.Subscription { return b.bus.Subscribe(n) }
func (b *fakeBackend) Publish(e events.Event)               { b.bus.Publish(e) }
func (b *fakeBackend) Originate(_ context.Context, r OriginateRequest) (OriginateResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.originated = append(b.originated, r)
	return OriginateResult{Reason: b.reason, Channel: r.Channel + "-00000001", Uniqueid: "1700000000.1"}, nil
}
func (b *fakeBackend) Channels() []Channel {
	return []Channel{{Name: "SIP/1001-00000001", Uniqueid: "1700000000.1", Linkedid: "1700000000.1", State: 6, StateDesc: "Up",
		CallerIDNum: "1001", Context: "phones", Exten: "600", Priority: 2, Application: "Wait", Data: "10", Created: time.Now()}}
}
func (b *fakeBackend) Hangup(ch string, cause int) error {
	if ch != "SIP/1001-00000001" {
		return ErrNotFound
	}
	b.mu.Lock()
	b.hungUp = append(b.hungUp, fmt.Sprintf("%s/%d", ch, cause))
	b.mu.Unlock()
	return nil
}
func (b *fakeBackend) Redirect(to RedirectTarget, extra *RedirectTarget) error {
	if to.Channel != "SIP/1001-00000001" {
		return ErrNotFound
	}
	if to.Exten != "600" {
		return fmt.Errorf("%w: no such extension", ErrInvalid)
	}
	if extra != nil && extra.Channel != "SIP/1002-00000002" {
		return fmt.Errorf("%w: %w", ErrSecondary, ErrNotFound)
	}
	b.mu.Lock()
	b.redirected = append(b.redirected, to)
	if extra != nil {
		b.redirected = append(b.redirected, *extra)
	}
	b.mu.Unlock()
	return nil
}
func (b *fakeBackend) MixMonitor(ch, file, opts, cmd string) (string, error) {
	if ch != "SIP/1001-00000001" {
		return "", ErrNotFound
	}
	return "mon-" + file, nil
}
func (b *fakeBackend) StopMixMonitor(ch, id string) error {
	if id != "mon-a.wav" {
		return errors.New("no such monitor")
	}
	return nil
}
func (b *fakeBackend) BlindTransfer(ch, c, e string) error {
	if ch != "SIP/1001-00000001" {
		return ErrNotFound
	}
	if e != "1002" {
		return fmt.Errorf("%w: no such extension", ErrInvalid)
	}
	return nil
}
func (b *fakeBackend) Atxfer(ch, c, e string) error {
	switch {
	case ch == "SIP/1002-00000002":
		return fmt.Errorf("%w: not bridged", ErrInvalid)
	case ch != "SIP/1001-00000001":
		return ErrNotFound
	}
	return nil
}
func (b *fakeBackend) Getvar(ch, name string) (string, error) {
	if ch != "" && ch != "SIP/1001-00000001" {
		return "", ErrNotFound
	}
	return "v-" + name, nil
}
func (b *fakeBackend) Setvar(ch, name, value string) error { return nil }
func (b *fakeBackend) Queues() []Queue {
	return []Queue{{Name: "support", Strategy: "ringall", Calls: 1, HoldTime: 12, TalkTime: 95, Completed: 3, Abandoned: 1,
		ServiceLevel: 30, ServiceLevelPerf: 200.0 / 3, ServiceLevelPerf2: 75, Weight: 2, Wrapuptime: 5,
		Members: []QueueMember{{Name: "Alice", Location: "SIP/1001", StateInterface: "SIP/1001", Status: 1, CallsTaken: 3}},
		Entries: []QueueEntry{{Position: 1, Channel: "SIP/trunk-00000002", Uniqueid: "1700000000.2", CallerIDNum: "0612345678",
			CallerName: "Customer", Wait: 3, Priority: 2}}, LongestHoldTime: 3, LoggedIn: 1, Available: 1}}
}
func (b *fakeBackend) QueueAdd(q, i, n string, p int, paused bool) error {
	if q != "support" {
		return ErrNotFound
	}
	return nil
}
func (b *fakeBackend) QueueRemove(q, i string) error              { return ErrNotFound }
func (b *fakeBackend) QueuePause(q, i, r string, p bool) error    { return nil }
func (b *fakeBackend) MailboxCount(string) (int, int, int, error) { return 0, 2, 1, nil }
func (b *fakeBackend) Peers() []Peer {
	return []Peer{{Name: "1001", Host: "127.0.0.1", Port: 5060, Dynamic: true, Status: "OK (1 ms)"}}
}
func (b *fakeBackend) DBDel(f, k string) error            { return nil }
func (b *fakeBackend) Command(cmd string) (string, error) { return "line one\nline two\n", nil }
func (b *fakeBackend) DBPut(f, k, v string) error {
	b.mu.Lock()
	b.db[f+"/"+k] = v
	b.mu.Unlock()
	return nil
}
func (b *fakeBackend) DBGet(f, k string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.db[f+"/"+k]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

var _ Backend = (*fakeBackend)(nil)

const testConf = `[general]
enabled=yes
bindaddr=127.0.0.1

[admin]
secret=s3cret
permit=127.0.0.1/32
read=all
write=all

[reader]
secret=r
read=call
write=reporting

[remote]
secret=x
deny=0.0.0.0/0
permit=10.0.0.0/8
read=all
write=all
`

// client is a raw AMI connection.
type client struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func startServer(t *testing.T, b Backend) string {
	t.Helper()
	cfg, _ := load(t, testConf)
	srv := NewServer(cfg, b, WithLoginDelay(0), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	cl := &client{t: t, conn: c, r: bufio.NewReader(c)}
	greet, err := cl.r.ReadString('\n')
	if err != nil || greet != "Asterisk Call Manager/"+Version+"\r\n" {
		t.Fatalf("greeting %q %v", greet, err)
	}
	return cl
}

func (c *client) do(lines ...string) *Message {
	c.t.Helper()
	c.send(lines...)
	return c.read()
}

func (c *client) send(lines ...string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, strings.Join(lines, "\r\n")+"\r\n\r\n"); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) read() *Message {
	c.t.Helper()
	m, err := ReadMessage(c.r)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return m
}

// until reads messages until one with Event: name, returning it.
func (c *client) until(name string) *Message {
	c.t.Helper()
	for {
		if m := c.read(); m.Get("Event") == name {
			return m
		}
	}
}

func (c *client) login(user, secret string) {
	c.t.Helper()
	if m := c.do("Action: Login", "Username: "+user, "Secret: "+secret); m.Get("Response") != "Success" || m.Get("Message") != "Authentication accepted" {
		c.t.Fatalf("login: %s", m)
	}
	if user == "reader" {
		return // read=call: no system events, no FullyBooted
	}
	if m := c.read(); m.Get("Event") != "FullyBooted" || m.Get("Privilege") != "system,all" {
		c.t.Fatalf("after login: %s", m)
	}
}

func TestLogin(t *testing.T) {
	addr := startServer(t, newFake())
	tests := []struct{ name, user, secret string }{
		{"wrong secret", "admin", "nope"},
		{"no such user", "mallory", "s3cret"},
		{"denied address", "remote", "x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, addr)
			// Before login only Login and Challenge are allowed.
			if m := c.do("Action: Ping", "ActionID: 1"); m.Get("Response") != "Error" || m.Get("Message") != "Permission denied" || m.Get("ActionID") != "1" {
				t.Fatalf("ping before login: %s", m)
			}
			m := c.do("Action: Login", "ActionID: 2", "Username: "+tc.user, "Secret: "+tc.secret)
			if m.String() != "Response: Error\r\nActionID: 2\r\nMessage: Authentication failed\r\n\r\n" {
				t.Fatalf("got %q", m.String())
			}
			if _, err := ReadMessage(c.r); !errors.Is(err, io.EOF) {
				t.Fatalf("session not closed after a failed login: %v", err)
			}
		})
	}
	t.Run("plain", func(t *testing.T) {
		c := dial(t, addr)
		c.login("admin", "s3cret")
		m := c.do("Action: Ping", "ActionID: p")
		if m.Get("Response") != "Success" || m.Get("Ping") != "Pong" || m.Get("ActionID") != "p" || m.Get("Timestamp") == "" {
			t.Fatalf("ping: %s", m)
		}
		if m := c.do("Action: Logoff"); m.Get("Response") != "Goodbye" {
			t.Fatalf("logoff: %s", m)
		}
	})
	t.Run("md5", func(t *testing.T) {
		c := dial(t, addr)
		m := c.do("Action: Challenge", "AuthType: MD5")
		ch := m.Get("Challenge")
		if m.Get("Response") != "Success" || len(ch) != 9 {
			t.Fatalf("challenge: %s", m)
		}
		sum := md5.Sum([]byte(ch + "s3cret"))
		if m := c.do("Action: Login", "AuthType: MD5", "Username: admin", "Key: "+hex.EncodeToString(sum[:])); m.Get("Message") != "Authentication accepted" {
			t.Fatalf("md5 login: %s", m)
		}
	})
}

// TestUsersReloaded: a login uses the users of the configuration in
// force (WithUsers), not those the server started with.
func TestUsersReloaded(t *testing.T) {
	cfg, _ := load(t, testConf)
	next, _ := load(t, "[general]\nenabled=yes\n[admin]\nsecret=new-secret\nread=all\nwrite=all\n")
	var mu sync.Mutex
	current := cfg
	srv := NewServer(cfg, newFake(), WithLoginDelay(0), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		WithUsers(func() *Config { mu.Lock(); defer mu.Unlock(); return current }))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx, ln); close(done) }()
	defer func() { cancel(); <-done }()
	dial(t, ln.Addr().String()).login("admin", "s3cret")
	mu.Lock()
	current = next
	mu.Unlock()
	if m := dial(t, ln.Addr().String()).do("Action: Login", "Username: admin", "Secret: s3cret"); m.Get("Message") != "Authentication failed" {
		t.Fatalf("the old secret after the reload: %s", m)
	}
	dial(t, ln.Addr().String()).login("admin", "new-secret")
}

func TestPermissions(t *testing.T) {
	c := dial(t, startServer(t, newFake()))
	c.login("reader", "r")
	if m := c.do("Action: Originate", "Channel: SIP/1001", "Exten: 600"); m.Get("Message") != "Permission denied" {
		t.Fatalf("originate without the originate class: %s", m)
	}
	if m := c.do("Action: Frobnicate"); m.Get("Message") != "Invalid/unknown command" {
		t.Fatalf("unknown: %s", m)
	}
	if m := c.do("Action: Getvar", "Variable: X"); m.Get("Value") != "v-X" {
		t.Fatalf("getvar: %s", m)
	}
}

func TestOriginate(t *testing.T) {
	b := newFake()
	c := dial(t, startServer(t, b))
	c.login("admin", "s3cret")
	m := c.do("Action: Originate", "ActionID: o1", "Channel: SIP/1001", "Context: phones", "Exten: 600", "Priority: 1",
		"CallerID: \"Sales\" <0611>", "Timeout: 15000", "Variable: A=1,B=2", "Variable: C=3", "Account: acme", "Async: true")
	if m.Get("Response") != "Success" || m.Get("Message") != "Originate successfully queued" {
		t.Fatalf("async: %s", m)
	}
	ev := c.until("OriginateResponse")
	if ev.Get("ActionID") != "o1" || ev.Get("Response") != "Success" || ev.Get("Reason") != "4" || ev.Get("Channel") != "SIP/1001-00000001" ||
		ev.Get("CallerIDNum") != "0611" || ev.Get("CallerIDName") != "Sales" || ev.Get("Privilege") != "call,all" {
		t.Fatalf("OriginateResponse: %s", ev)
	}
	b.mu.Lock()
	r := b.originated[0]
	b.mu.Unlock()
	if r.Timeout != 15*time.Second || r.Account != "acme" || len(r.Variables) != 3 || r.Variables[1] != [2]string{"B", "2"} || r.Context != "phones" {
		t.Fatalf("request %+v", r)
	}
	b.mu.Lock()
	b.reason = ReasonBusy
	b.mu.Unlock()
	if m := c.do("Action: Originate", "Channel: SIP/1002", "Application: Playback", "Data: hello"); m.Get("Response") != "Error" || m.Get("Message") != "Originate failed" {
		t.Fatalf("sync busy: %s", m)
	}
	if m := c.do("Action: Originate", "Channel: SIP/1002", "Application: System", "Data: rm -rf /"); m.Get("Message") != "Originate failed" {
		t.Fatalf("admin has system: %s", m)
	}
	if m := c.do("Action: Originate", "Channel: nothing", "Exten: 1"); m.Get("Message") != "Invalid channel" {
		t.Fatalf("bad channel: %s", m)
	}
}

// TestLists: list actions answer EventList: start, their events with the
// ActionID, then the Complete event with ListItems.
func TestLists(t *testing.T) {
	c := dial(t, startServer(t, newFake()))
	c.login("admin", "s3cret")
	c.do("Action: Events", "EventMask: off")
	tests := []struct {
		name     string
		action   []string
		events   []string
		complete string
	}{
		{"QueueStatus", []string{"Action: QueueStatus"}, []string{"QueueParams", "QueueMember", "QueueEntry"}, "QueueStatusComplete"},
		{"QueueSummary", []string{"Action: QueueSummary"}, []string{"QueueSummary"}, "QueueSummaryComplete"},
		{"Status", []string{"Action: Status"}, []string{"Status"}, "StatusComplete"},
		{"CoreShowChannels", []string{"Action: CoreShowChannels"}, []string{"CoreShowChannel"}, "CoreShowChannelsComplete"},
		{"SIPpeers", []string{"Action: SIPpeers"}, []string{"PeerEntry"}, "PeerlistComplete"},
		{"PJSIPShowEndpoints", []string{"Action: PJSIPShowEndpoints"}, []string{"EndpointList"}, "EndpointListComplete"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := c.do(append(tc.action, "ActionID: L")...)
			if m.Get("Response") != "Success" || m.Get("EventList") != "start" || m.Get("ActionID") != "L" {
				t.Fatalf("ack: %s", m)
			}
			for _, want := range tc.events {
				if e := c.read(); e.Get("Event") != want || e.Get("ActionID") != "L" {
					t.Fatalf("want %s, got %s", want, e)
				}
			}
			e := c.read()
			if e.Get("Event") != tc.complete || e.Get("EventList") != "Complete" || e.Get("ListItems") != fmt.Sprint(len(tc.events)) {
				t.Fatalf("complete: %s", e)
			}
		})
	}
}

func TestDBAndMisc(t *testing.T) {
	b := newFake()
	c := dial(t, startServer(t, b))
	c.login("admin", "s3cret")
	c.do("Action: Events", "EventMask: off")
	if m := c.do("Action: DBGet", "Family: cb", "Key: 1"); m.Get("Message") != "Database entry not found" {
		t.Fatalf("missing: %s", m)
	}
	if m := c.do("Action: DBPut", "Family: cb", "Key: 1", "Val: 0612"); m.Get("Message") != "Updated database successfully" {
		t.Fatalf("put: %s", m)
	}
	c.do("Action: DBGet", "Family: cb", "Key: 1")
	if e := c.read(); e.Get("Event") != "DBGetResponse" || e.Get("Val") != "0612" {
		t.Fatalf("get: %s", e)
	}
	c.read()
	if m := c.do("Action: Hangup", "Channel: SIP/1001-00000001", "Cause: 17"); m.Get("Message") != "Channel Hungup" || b.hungUp[0] != "SIP/1001-00000001/17" {
		t.Fatalf("hangup: %s %v", m, b.hungUp)
	}
	if m := c.do("Action: Hangup", "Channel: SIP/nope"); m.Get("Message") != "No such channel" {
		t.Fatalf("hangup missing: %s", m)
	}
	if m := c.do("Action: BlindTransfer", "Channel: SIP/1001-00000001", "Context: phones", "Exten: 1002"); m.Get("Message") != "Transfer succeeded" {
		t.Fatalf("blindtransfer: %s", m)
	}
	if m := c.do("Action: BlindTransfer", "Channel: SIP/1001-00000001", "Exten: 9"); m.Get("Message") != "Transfer invalid" {
		t.Fatalf("blindtransfer to nowhere: %s", m)
	}
	if m := c.do("Action: MixMonitor", "Channel: SIP/1001-00000001", "File: a.wav", "Options: b"); m.Get("MixMonitorID") != "mon-a.wav" {
		t.Fatalf("mixmonitor: %s", m)
	}
	if m := c.do("Action: StopMixMonitor", "Channel: SIP/1001-00000001", "MixMonitorID: mon-a.wav"); m.Get("Message") != "Stopped monitoring channel" {
		t.Fatalf("stopmixmonitor: %s", m)
	}
	if m := c.do("Action: StopMixMonitor", "Channel: SIP/1001-00000001", "MixMonitorID: x"); m.Get("Message") != "Could not stop monitoring channel" {
		t.Fatalf("stopmixmonitor unknown: %s", m)
	}
	if m := c.do("Action: MailboxCount", "Mailbox: 600@default"); m.Get("NewMessages") != "2" || m.Get("OldMessages") != "1" {
		t.Fatalf("mailbox: %s", m)
	}
	if m := c.do("Action: Command", "Command: core show channels"); strings.Join(m.All("Output"), "|") != "line one|line two" {
		t.Fatalf("command: %s", m)
	}
	if m := c.do("Action: QueueAdd", "Queue: nope", "Interface: SIP/1"); m.Get("Response") != "Error" {
		t.Fatalf("queueadd: %s", m)
	}
}

// TestEventsFlow: events reach a session with the class in its read
// mask, with Privilege; Events off stops them; UserEvent is published.
func TestEventsFlow(t *testing.T) {
	b := newFake()
	addr := startServer(t, b)
	reader := dial(t, addr)
	reader.login("reader", "r") // read=call only
	admin := dial(t, addr)
	admin.login("admin", "s3cret")
	b.Publish(events.Event{Name: "DTMFEnd", Class: "dtmf", Fields: []events.Field{{Key: "Digit", Value: "5"}}})
	b.Publish(events.Event{Name: "Newchannel", Class: "call", Fields: []events.Field{{Key: "Channel", Value: "SIP/1001-00000009"}}})
	if m := reader.read(); m.Get("Event") != "Newchannel" || m.Get("Privilege") != "call,all" || m.Get("Channel") != "SIP/1001-00000009" {
		t.Fatalf("reader got %s (dtmf must be filtered)", m)
	}
	if m := admin.read(); m.Get("Event") != "DTMFEnd" || m.Get("Digit") != "5" {
		t.Fatalf("admin got %s", m)
	}
	admin.until("Newchannel")
	// The event may reach the session before the action's response, as
	// in Asterisk: take both in either order.
	var ack, ev *Message
	admin.send("Action: UserEvent", "UserEvent: CallbackRequested", "Number: 0612")
	for ack == nil || ev == nil {
		m := admin.read()
		if m.Get("Event") == "UserEvent" {
			ev = m
		} else if m.Get("Response") != "" {
			ack = m
		}
	}
	if ack.Get("Message") != "Event Sent" {
		t.Fatalf("userevent ack %s", ack)
	}
	if ev.Get("UserEvent") != "CallbackRequested" || ev.Get("Number") != "0612" || ev.Get("Privilege") != "user,all" {
		t.Fatalf("userevent %s", ev)
	}
	if m := admin.do("Action: Filter", "Operation: Add", "Filter: !Event: DTMF"); m.Get("Message") != "Filter Added" {
		t.Fatalf("filter: %s", m)
	}
	b.Publish(events.Event{Name: "DTMFEnd", Class: "dtmf"})
	b.Publish(events.Event{Name: "Newstate", Class: "call"})
	if m := admin.read(); m.Get("Event") != "Newstate" {
		t.Fatalf("after the filter, want Newstate and no DTMFEnd: %s", m)
	}
	if m := admin.do("Action: Events", "EventMask: off"); m.Get("Events") != "Off" {
		t.Fatalf("events off: %s", m)
	}
	b.Publish(events.Event{Name: "Hangup", Class: "call"})
	if m := admin.do("Action: Ping"); m.Get("Ping") != "Pong" {
		t.Fatalf("after events off, want the ping answer first: %s", m)
	}
}

// TestRedirectTargets: Redirect hands the switch the channel's place,
// and with ExtraChannel the extra channel's: ExtraContext, ExtraExten
// and ExtraPriority when ExtraContext is given, else the first
// channel's place (manager.c action_redirect).
func TestRedirectTargets(t *testing.T) {
	b := newFake()
	c := dial(t, startServer(t, b))
	c.login("admin", "s3cret")
	for _, m := range []*Message{
		c.do("Action: Redirect", "Channel: SIP/1001-00000001", "Context: phones", "Exten: 600", "Priority: 3"),
		c.do("Action: Redirect", "Channel: SIP/1001-00000001", "ExtraChannel: SIP/1002-00000002", "Context: phones", "Exten: 600"),
		c.do("Action: Redirect", "Channel: SIP/1001-00000001", "ExtraChannel: SIP/1002-00000002", "Context: phones", "Exten: 600",
			"ExtraContext: agents", "ExtraExten: 700", "ExtraPriority: 2"),
	} {
		if m.Get("Response") != "Success" {
			t.Fatalf("redirect: %s", m)
		}
	}
	if m := c.do("Action: Redirect", "Channel: SIP/1001-00000001", "ExtraChannel: SIP/1002-00000002", "Exten: 600",
		"ExtraContext: agents", "ExtraExten: 700", "ExtraPriority: 0"); m.Get("Message") != "Invalid ExtraPriority" {
		t.Fatalf("bad ExtraPriority: %s", m)
	}
	b.mu.Lock()
	got := b.redirected
	b.mu.Unlock()
	want := []RedirectTarget{
		{"SIP/1001-00000001", "phones", "600", 3},
		{"SIP/1001-00000001", "phones", "600", 1}, {"SIP/1002-00000002", "phones", "600", 1},
		{"SIP/1001-00000001", "phones", "600", 1}, {"SIP/1002-00000002", "agents", "700", 2},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("redirected %v, want %v", got, want)
	}
}
