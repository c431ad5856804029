package telegram

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/telegram/telegramtest"
)

const testToken = "123456:TEST-token"

var (
	admin = telegramtest.User{ID: 1001, FirstName: "Boss", UserName: "boss"}
	alice = telegramtest.User{ID: 2002, FirstName: "Alice", UserName: "alice"}
)

// fakeDialer records the calls and reports a scripted sequence.
type fakeDialer struct {
	mu     sync.Mutex
	calls  []Call
	script []Progress
}

func (f *fakeDialer) ClickToCall(_ context.Context, c Call, report func(Progress)) error {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	script := f.script
	f.mu.Unlock()
	for _, p := range script {
		report(p)
	}
	return nil
}

func (f *fakeDialer) placed() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

type botHarness struct {
	bot    *Bot
	srv    *telegramtest.Server
	store  *MemStore
	dialer *fakeDialer
}

func startBot(t *testing.T, script ...Progress) *botHarness {
	t.Helper()
	srv, err := telegramtest.New("127.0.0.1:0", testToken)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Enabled, cfg.APIURL, cfg.SuperAdmins, cfg.PollTimeout = true, srv.URL(), []int64{admin.ID}, 5*time.Second
	cfg.Routes[RouteMain] = RouteConfig{Trunk: "pstn", CallerID: "+15551110000", AgentTimeout: 30 * time.Second, TargetTimeout: 45 * time.Second}
	cfg.Routes[RouteDevelopment] = RouteConfig{Trunk: "devtrunk", CallerID: "+15552220000", AgentTimeout: 20 * time.Second, TargetTimeout: 40 * time.Second}
	h := &botHarness{srv: srv, store: NewMemStore(), dialer: &fakeDialer{script: script}}
	bot, err := New(cfg, testToken, h.store, h.dialer, WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	h.bot = bot
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- bot.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		srv.Close()
	})
	return h
}

// say sends text as u and waits for the bot's next message to u that
// contains want.
func (h *botHarness) say(t *testing.T, u telegramtest.User, text, want string) telegramtest.Message {
	t.Helper()
	seq := h.srv.Seq()
	h.srv.SendText(u, text)
	return h.expect(t, u.ID, seq, want)
}

func (h *botHarness) expect(t *testing.T, chat int64, after int, want string) telegramtest.Message {
	t.Helper()
	m, ok := h.srv.WaitMessage(chat, after, func(m telegramtest.Message) bool { return strings.Contains(m.Text, want) }, 5*time.Second)
	if !ok {
		var texts []string
		for _, m := range h.srv.BotMessages(chat) {
			texts = append(texts, m.Text)
		}
		t.Fatalf("no bot message to %d containing %q; the bot sent:\n%s", chat, want, strings.Join(texts, "\n---\n"))
	}
	return m
}

// press presses a button and waits for the query's answer and the edit.
func (h *botHarness) press(t *testing.T, u telegramtest.User, m telegramtest.Message, data, want string) telegramtest.Message {
	t.Helper()
	seq := h.srv.Seq()
	id, err := h.srv.Press(u, m.ID, data)
	if err != nil {
		t.Fatal(err)
	}
	got := h.expect(t, u.ID, seq, want)
	if got.ID != m.ID || got.Edits == 0 {
		t.Errorf("button %q: message %d (edits %d), want message %d edited", data, got.ID, got.Edits, m.ID)
	}
	if _, ok := h.srv.WaitCallbackAnswer(id, 5*time.Second); !ok {
		t.Errorf("button %q: the callback query was not answered", data)
	}
	return got
}

func TestBotAuthorizeFromRequest(t *testing.T) {
	h := startBot(t)
	h.say(t, admin, "/start", "/authorize")
	seq := h.srv.Seq()
	h.say(t, alice, "/call +15551234567", "not authorized")
	req := h.expect(t, admin.ID, seq, "Authorization request: Alice (@alice) (id 2002)")
	if len(h.dialer.placed()) != 0 {
		t.Fatal("an unauthorized user's call was placed")
	}
	ask := h.press(t, admin, req, "auth:2002", "send their phone number")
	if len(ask.Keyboard) != 0 {
		t.Errorf("the edited request keeps its keyboard %v", ask.Keyboard)
	}
	seq = h.srv.Seq()
	h.say(t, admin, "+1 555 000 1111 Alice Smith", "Agent Alice Smith (id 2002) authorized with phone +15550001111")
	h.expect(t, alice.ID, seq, "You are authorized")
	h.say(t, admin, "/agents", "Alice Smith (id 2002): +15550001111 no route")
	// A second request of the same user does not tell the admin again.
	seq = h.srv.Seq()
	h.say(t, admin, "/revoke 2002", "Agent 2002 revoked")
	h.say(t, alice, "/settings", "not authorized")
	h.expect(t, admin.ID, seq, "Authorization request")
}

func TestBotAdminCommands(t *testing.T) {
	h := startBot(t)
	h.say(t, alice, "/start", "Obelisk click-to-call")
	h.say(t, alice, "/authorize 2002 +15550001111", "Only the super-admin")
	h.say(t, admin, "/authorize 2002", "Usage: /authorize")
	h.say(t, admin, "/authorize bob +15550001111", `"bob" is not a Telegram user id`)
	h.say(t, admin, "/authorize 2002 12345", "invalid number")
	h.say(t, admin, "/authorize 2002 (555) 000-1111 Alice", "Agent Alice (id 2002) authorized with phone +15550001111")
	h.say(t, admin, "/setnumber 2002 555-000-2222", "Agent Alice (id 2002) updated: phone +15550002222")
	h.say(t, admin, "/setnumber 3003 555-000-2222", "3003 is not an agent")
	h.say(t, admin, "/revoke 3003", "3003 is not an agent")
	if a, err := h.store.Agent(2002); err != nil || a.Phone != "+15550002222" || a.AuthorizedBy != admin.ID {
		t.Fatalf("stored agent %+v, %v", a, err)
	}
}

func TestBotCall(t *testing.T) {
	h := startBot(t,
		Progress{Stage: StageCallingAgent}, Progress{Stage: StageAgentRinging}, Progress{Stage: StageCallingTarget},
		Progress{Stage: StageConnected}, Progress{Stage: StageEnded, Duration: 65 * time.Second})
	h.say(t, alice, "/start", "2002")
	h.say(t, admin, "/authorize 2002 +15550001111 Alice", "authorized")
	h.say(t, alice, "/call", "Usage: /call")
	h.say(t, alice, "/call 555-CALL", `Invalid number "555-CALL"`)
	h.say(t, alice, "/call 12345", "Invalid number")
	h.say(t, alice, "/call +15551234567", "choose one before calling")
	h.say(t, alice, "/route X", "Usage: /route M")
	h.say(t, alice, "/route", "Your route: none")
	h.say(t, alice, "/route D", "✅ Your route has been successfully changed to [Development]!\nCaller ID: +15552220000 [D]")
	seq := h.srv.Seq()
	h.srv.SendText(alice, "/call (555) 123-4567")
	want := []string{"Calling you at +15550001111", "Your phone is ringing", "You answered. Calling +15551234567",
		"Connected to +15551234567", "Call with +15551234567 ended. Duration: 1:05."}
	for _, w := range want {
		seq = h.expect(t, alice.ID, seq, w).Seq
	}
	calls := h.dialer.placed()
	if len(calls) != 1 {
		t.Fatalf("%d calls placed, want 1", len(calls))
	}
	c := calls[0]
	if c.AgentPhone != "+15550001111" || c.Target != "+15551234567" || c.Route != RouteDevelopment ||
		c.RouteConfig.Trunk != "devtrunk" || c.RouteConfig.CallerID != "+15552220000" || c.RouteConfig.AgentTimeout != 20*time.Second {
		t.Errorf("call %+v", c)
	}
}

func TestBotCallAgentBusy(t *testing.T) {
	h := startBot(t, Progress{Stage: StageCallingAgent}, Progress{Stage: StageFailed, Leg: LegAgent, Reason: "busy", SIPCode: 486})
	h.say(t, alice, "/start", "2002")
	h.say(t, admin, "/authorize 2002 +15550001111", "authorized")
	h.say(t, alice, "/route M", "[Main]")
	seq := h.srv.Seq()
	h.srv.SendText(alice, "/call +15551234567")
	seq = h.expect(t, alice.ID, seq, "Calling you").Seq
	h.expect(t, alice.ID, seq, "❌ Call failed: busy (SIP 486)")
}

func TestBotSettingsMenu(t *testing.T) {
	h := startBot(t)
	h.say(t, alice, "/start", "2002")
	h.say(t, admin, "/authorize 2002 +15550001111", "authorized")
	menu := h.say(t, alice, "/settings", "Caller ID: none (no route selected)")
	choose := h.press(t, alice, menu, "set:route", "Choose the route")
	if b := choose.Buttons(); len(b) != 3 || b[0].Text != "Main Route 🌐" || b[1].Text != "Development Route 🛠️" {
		t.Fatalf("route choice buttons %v", b)
	}
	confirm := h.press(t, alice, choose, "set:pick:D", "Are you sure you want to switch to the Development route?\nAll outbound calls will now go through this route.")
	if b := confirm.Buttons(); len(b) != 2 || b[0].Text != "✅ Yes, Switch Route" || b[1].Text != "❌ Cancel" {
		t.Fatalf("confirmation buttons %v", b)
	}
	// Cancel goes back to the menu and changes nothing.
	back := h.press(t, alice, confirm, "set:back", "⚙️ Settings")
	if a, _ := h.store.Agent(2002); a.Route != RouteUnknown {
		t.Fatalf("route %v after Cancel", a.Route)
	}
	choose = h.press(t, alice, back, "set:route", "Choose the route")
	confirm = h.press(t, alice, choose, "set:pick:D", "Are you sure")
	done := h.press(t, alice, confirm, "set:yes:D", "✅ Your route has been successfully changed to [Development]!")
	if !strings.Contains(done.Text, "Caller ID: +15552220000 [D]") || len(done.Keyboard) != 0 {
		t.Errorf("after confirming: %q %v", done.Text, done.Keyboard)
	}
	if a, _ := h.store.Agent(2002); a.Route != RouteDevelopment {
		t.Fatalf("route %v after Yes", a.Route)
	}
	h.say(t, alice, "/settings", "Caller ID: +15552220000 [D]")
	if n := len(h.srv.Requests("answerCallbackQuery")); n != 6 {
		t.Errorf("%d answerCallbackQuery calls, want 6", n)
	}
}

func TestBotStartDoesNotShowRoute(t *testing.T) {
	h := startBot(t)
	h.say(t, alice, "/start", "2002")
	h.say(t, admin, "/authorize 2002 +15550001111", "authorized")
	h.say(t, alice, "/route D", "[Development]")
	m := h.say(t, alice, "/start", "click-to-call")
	if strings.Contains(m.Text, "[D]") || strings.Contains(m.Text, "Caller ID") {
		t.Errorf("/start shows the route: %q", m.Text)
	}
}

func TestBotRegistersCommands(t *testing.T) {
	h := startBot(t)
	h.say(t, alice, "/help", "/call")
	reqs := h.srv.Requests("setMyCommands")
	if len(reqs) != 1 || !strings.Contains(reqs[0].Params.Get("commands"), `"command":"call"`) {
		t.Fatalf("setMyCommands requests %v", reqs)
	}
}

func TestBotAgentsListFitsMessages(t *testing.T) {
	h := startBot(t)
	for i := range 150 {
		_ = h.store.PutAgent(Agent{ID: int64(10000 + i), Phone: "+15550001111", Name: strings.Repeat("n", 30), Route: RouteMain})
	}
	seq := h.srv.Seq()
	h.srv.SendText(admin, "/agents")
	h.expect(t, admin.ID, seq, "(id 10149)")
	msgs := h.srv.BotMessages(admin.ID)
	lines := 0
	for _, m := range msgs {
		if n := len([]rune(m.Text)); n > 4096 {
			t.Errorf("a message of %d characters", n)
		}
		lines += strings.Count(m.Text, "• ")
	}
	if len(msgs) < 2 || lines != 150 {
		t.Fatalf("%d messages listing %d agents, want several listing 150", len(msgs), lines)
	}
}

func TestBotLiveConfig(t *testing.T) {
	h := startBot(t)
	h.say(t, alice, "/start", "2002")
	h.say(t, admin, "/authorize 2002 +15550001111", "authorized")
	h.say(t, alice, "/route M", "Caller ID: +15551110000 [M]")
	// The configuration the bot reads from now on (a reload) has no M.
	h.bot.live = func() *Config {
		c := DefaultConfig()
		c.SuperAdmins = []int64{admin.ID}
		c.Routes[RouteDevelopment] = RouteConfig{Trunk: "devtrunk", CallerID: "+15553330000"}
		return c
	}
	h.say(t, alice, "/call +15551234567", "The Main route [M] is not configured")
	h.say(t, alice, "/route D", "Caller ID: +15553330000 [D]")
}

// TestBotRunEndsWhileAPIUnreachable: Run retries getMe with backoff and
// returns once its context ends.
func TestBotRunEndsWhileAPIUnreachable(t *testing.T) {
	srv, err := telegramtest.New("127.0.0.1:0", "other-token") // every request: 401 Unauthorized
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cfg := DefaultConfig()
	cfg.APIURL = srv.URL()
	bot, err := New(cfg, testToken, NewMemStore(), &fakeDialer{}, WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- bot.Run(ctx) }()
	for len(srv.Requests("getMe")) == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := len(srv.Requests("getUpdates")); n != 0 {
		t.Fatalf("%d getUpdates without a bot", n)
	}
}

// TestBotPrivateChatsOnly: in a group the bot places no call and shows
// no number, and points to a private chat.
func TestBotPrivateChatsOnly(t *testing.T) {
	h := startBot(t, Progress{Stage: StageCallingAgent})
	h.say(t, alice, "/start", "2002")
	h.say(t, admin, "/authorize 2002 +15550001111", "authorized")
	h.say(t, alice, "/route D", "[Development]")
	const group = -100123
	seq := h.srv.Seq()
	h.srv.SendGroupText(alice, group, "/call@ObeliskTestBot +15551234567")
	m := h.expect(t, group, seq, "private chat")
	h.srv.SendGroupText(alice, group, "/settings")
	h.expect(t, group, m.Seq, "private chat")
	if n := len(h.dialer.placed()); n != 0 {
		t.Fatalf("%d calls placed from a group", n)
	}
	for _, m := range h.srv.BotMessages(group) {
		if strings.Contains(m.Text, "+1555") {
			t.Errorf("a number shown in the group: %q", m.Text)
		}
	}
}
