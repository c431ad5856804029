package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Bot is the click-to-call bot: it long-polls the Bot API for updates and
// answers agents' and super-admins' commands, placing calls through its
// Dialer.
type Bot struct {
	// cfg is the configuration the bot started with: its token, API URL
	// and poll timeout stay; live, when set, gives the routes and
	// super-admins in force (the switch's reloads).
	cfg    *Config
	live   func() *Config
	token  string
	store  Store
	dialer Dialer
	log    *slog.Logger
	client *http.Client

	// api is set once Run has reached the Bot API (getMe).
	api *tgbotapi.BotAPI
	// calls run on goroutines of their own; Run waits for them.
	calls sync.WaitGroup

	mu sync.Mutex
	// busy are the agents with a call in progress (one at a time).
	busy map[int64]bool
	// pending maps a super-admin to the user whose Authorize button they
	// pressed: their next plain message is that user's phone number.
	pending map[int64]int64
	// asked are the users the super-admins were told about this run.
	asked map[int64]bool
}

// Option configures a Bot.
type Option func(*Bot)

// WithLogger sets the bot's logger.
func WithLogger(l *slog.Logger) Option { return func(b *Bot) { b.log = l } }

// WithHTTPClient sets the HTTP client of the Bot API requests; its
// Timeout must exceed the poll timeout.
func WithHTTPClient(c *http.Client) Option { return func(b *Bot) { b.client = c } }

// WithLiveConfig makes the bot read its routes and super-admins from
// live on each use (a reloaded telegram.conf), falling back to the
// configuration given to New when live returns nil.
func WithLiveConfig(live func() *Config) Option { return func(b *Bot) { b.live = live } }

// config is the configuration in force.
func (b *Bot) config() *Config {
	if b.live != nil {
		if c := b.live(); c != nil {
			return c
		}
	}
	return b.cfg
}

// New returns a bot for cfg with token (telegram.conf's token, or the
// environment variable tokenenv names), its agents in store.
func New(cfg *Config, token string, store Store, d Dialer, opts ...Option) (*Bot, error) {
	if token == "" {
		return nil, errors.New("telegram: no bot token")
	}
	b := &Bot{cfg: cfg, token: token, store: store, dialer: d, log: slog.Default(),
		busy: map[int64]bool{}, pending: map[int64]int64{}, asked: map[int64]bool{}}
	for _, o := range opts {
		o(b)
	}
	if b.client == nil {
		b.client = &http.Client{Timeout: cfg.PollTimeout + 30*time.Second}
	}
	return b, nil
}

// ctxClient sends the Bot API's requests with the bot's context, so a
// long poll ends when Run's context does (tgbotapi has no context).
type ctxClient struct {
	ctx context.Context
	c   *http.Client
}

func (c ctxClient) Do(req *http.Request) (*http.Response, error) {
	return c.c.Do(req.WithContext(c.ctx))
}

// Run serves until ctx ends: it reaches the Bot API (getMe, retried with
// backoff), then long-polls getUpdates (offset = the last update_id + 1,
// so each update is handled once) and handles each update in turn. It
// returns once the calls it started are over.
func (b *Bot) Run(ctx context.Context) error {
	defer b.calls.Wait()
	client := ctxClient{ctx: ctx, c: b.client}
	backoff := time.Second
	for b.api == nil {
		api, err := tgbotapi.NewBotAPIWithClient(b.token, b.cfg.Endpoint(), client)
		if err == nil {
			b.api = api
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		b.log.Warn("telegram: Bot API unreachable", "error", redact(err, b.token), "retry_in", backoff)
		if !sleep(ctx, backoff) {
			return nil
		}
		backoff = min(2*backoff, time.Minute)
	}
	b.setCommands()
	b.log.Info("telegram bot polling", "username", b.api.Self.UserName, "api", b.cfg.APIURL)
	offset := 0
	backoff = time.Second
	for ctx.Err() == nil {
		updates, err := b.api.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Timeout: int(b.cfg.PollTimeout / time.Second),
			AllowedUpdates: []string{"message", "callback_query"}})
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			b.log.Warn("telegram: getUpdates", "error", redact(err, b.token), "retry_in", backoff)
			if !sleep(ctx, backoff) {
				break
			}
			backoff = min(2*backoff, time.Minute)
			continue
		}
		backoff = time.Second
		for _, u := range updates {
			if u.UpdateID >= offset {
				offset = u.UpdateID + 1
			}
			b.handle(ctx, u)
		}
	}
	return nil
}

// commands are the bot's commands as clients list them (setMyCommands).
var commands = []tgbotapi.BotCommand{
	{Command: "call", Description: "Call a number: your phone rings first"},
	{Command: "route", Description: "Choose the route: M (Main) or D (Development)"},
	{Command: "settings", Description: "Settings: route and caller ID"},
	{Command: "help", Description: "The commands"},
}

// setCommands registers the command list for clients' menus; a failure
// only costs the menu.
func (b *Bot) setCommands() {
	if _, err := b.api.Request(tgbotapi.NewSetMyCommands(commands...)); err != nil {
		b.log.Warn("telegram: setMyCommands", "error", redact(err, b.token))
	}
}

// redact removes the token from an error (URLs carry it).
func redact(err error, token string) string {
	return strings.ReplaceAll(err.Error(), token, "<token>")
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// handle handles one update; a panic in it is logged, not fatal.
func (b *Bot) handle(ctx context.Context, u tgbotapi.Update) {
	defer func() {
		if r := recover(); r != nil {
			b.log.Error("telegram: update handler panicked", "update_id", u.UpdateID, "panic", r)
		}
	}()
	switch {
	case u.CallbackQuery != nil:
		b.handleCallback(u.CallbackQuery)
	case u.Message != nil && u.Message.From != nil:
		b.handleMessage(ctx, u.Message)
	}
}

// handleMessage answers a message: a command, or the phone number a
// super-admin sends after pressing Authorize.
func (b *Bot) handleMessage(ctx context.Context, m *tgbotapi.Message) {
	from, chat := m.From, m.Chat.ID
	cmd, ok := ParseCommand(m.Text, b.api.Self.UserName)
	if m.Chat.Type != "private" {
		// Numbers and call status are for the agent's eyes: groups get
		// nothing but this.
		if ok {
			b.send(chat, "Please talk to me in a private chat.", nil)
		}
		return
	}
	if !ok {
		b.mu.Lock()
		uid, waiting := b.pending[from.ID]
		if waiting {
			delete(b.pending, from.ID)
		}
		b.mu.Unlock()
		if waiting && b.config().IsSuperAdmin(from.ID) {
			b.authorize(chat, from.ID, append([]string{fmt.Sprint(uid)}, strings.Fields(m.Text)...))
			return
		}
		if strings.TrimSpace(m.Text) != "" {
			b.send(chat, "Send /help for the commands.", nil)
		}
		return
	}
	b.log.Info("telegram command", "user", from.ID, "command", cmd.Name)
	switch cmd.Name {
	case "start", "help":
		b.send(chat, b.helpText(from.ID), nil)
	case "call":
		b.callCommand(ctx, chat, from, cmd)
	case "route":
		b.routeCommand(chat, from, cmd)
	case "settings":
		b.settingsCommand(chat, from)
	case "authorize", "setnumber", "revoke", "agents":
		if !b.config().IsSuperAdmin(from.ID) {
			b.send(chat, "⛔ Only the super-admin can do that.", nil)
			return
		}
		switch cmd.Name {
		case "authorize":
			b.authorize(chat, from.ID, cmd.Fields)
		case "setnumber":
			b.setNumber(chat, cmd.Fields)
		case "revoke":
			b.revoke(chat, cmd.Fields)
		case "agents":
			b.listAgents(chat)
		}
	default:
		b.send(chat, fmt.Sprintf("Unknown command /%s. Send /help for the commands.", cmd.Name), nil)
	}
}

func (b *Bot) helpText(user int64) string {
	var sb strings.Builder
	sb.WriteString("📞 Obelisk click-to-call\n\n" +
		"/call <number> — call a number (+15551234567, (555) 123-4567 …): your phone rings first, then the number\n" +
		"/route M or /route D — choose the Main or Development route\n" +
		"/settings — settings (route, caller ID)\n")
	if b.config().IsSuperAdmin(user) {
		sb.WriteString("\nSuper-admin:\n" +
			"/authorize <user id> <phone> [name] — authorize an agent (or change its phone)\n" +
			"/setnumber <user id> <phone> — change an agent's phone\n" +
			"/revoke <user id> — remove an agent\n" +
			"/agents — list the agents\n")
	}
	fmt.Fprintf(&sb, "\nYour Telegram user id: %d", user)
	return sb.String()
}

// agent returns the sender's agent, or tells them they are not
// authorized (and the super-admins, once per user, with an Authorize
// button) and returns false.
func (b *Bot) agent(chat int64, from *tgbotapi.User) (Agent, bool) {
	a, err := b.store.Agent(from.ID)
	if err == nil {
		return a, true
	}
	if !errors.Is(err, ErrNoAgent) {
		b.log.Error("telegram: agent store", "error", err)
		b.send(chat, "⚠️ Internal error, try again later.", nil)
		return Agent{}, false
	}
	b.send(chat, fmt.Sprintf("⛔ You are not authorized to make calls. Your Telegram user id is %d; the super-admin has been told of your request.", from.ID), nil)
	b.mu.Lock()
	first := !b.asked[from.ID]
	b.asked[from.ID] = true
	b.mu.Unlock()
	if first {
		who := userName(from)
		kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData("✅ Authorize", fmt.Sprintf("auth:%d", from.ID))))
		for _, admin := range b.config().SuperAdmins {
			b.send(admin, fmt.Sprintf("🔔 Authorization request: %s (id %d) wants to make calls.\nPress Authorize, or send /authorize %d <phone> [name].", who, from.ID, from.ID), &kb)
		}
	}
	return Agent{}, false
}

// userName is how a Telegram user is named in messages.
func userName(u *tgbotapi.User) string {
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if u.UserName != "" {
		if name == "" {
			return "@" + u.UserName
		}
		name += " (@" + u.UserName + ")"
	}
	if name == "" {
		name = fmt.Sprint(u.ID)
	}
	return name
}

// send sends a message; a failure is logged (the user cannot be told).
func (b *Bot) send(chat int64, text string, kb *tgbotapi.InlineKeyboardMarkup) int {
	msg := tgbotapi.NewMessage(chat, text)
	if kb != nil {
		msg.ReplyMarkup = *kb
	}
	sent, err := b.api.Send(msg)
	if err != nil {
		b.log.Warn("telegram: sendMessage", "chat", chat, "error", redact(err, b.token))
		return 0
	}
	return sent.MessageID
}

// edit replaces a message's text and keyboard (editMessageText).
func (b *Bot) edit(chat int64, id int, text string, kb *tgbotapi.InlineKeyboardMarkup) {
	if kb == nil {
		kb = &tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{}}
	}
	if _, err := b.api.Send(tgbotapi.NewEditMessageTextAndMarkup(chat, id, text, *kb)); err != nil {
		var te *tgbotapi.Error
		if errors.As(err, &te) && strings.Contains(te.Message, "message is not modified") {
			return
		}
		b.log.Warn("telegram: editMessageText", "chat", chat, "message", id, "error", redact(err, b.token))
	}
}

// answer answers a callback query (answerCallbackQuery), which stops the
// client's progress indicator; text is shown briefly, "" for none.
func (b *Bot) answer(id, text string) {
	if _, err := b.api.Request(tgbotapi.NewCallback(id, text)); err != nil {
		b.log.Warn("telegram: answerCallbackQuery", "error", redact(err, b.token))
	}
}
