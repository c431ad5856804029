// Package telegramtest is a Telegram Bot API server for tests: it speaks
// the API's real request and response shapes (https://core.telegram.org/bots/api)
// for the methods the click-to-call bot uses, so that the bot is tested
// over real sockets with the real client library.
//
// Requests are POST /bot<token>/<method> with form-encoded parameters
// (JSON-valued ones, such as reply_markup, as JSON text), as
// telegram-bot-api sends them; answers are {"ok":true,"result":…} or
// {"ok":false,"error_code":…,"description":…}. The methods: getMe,
// getUpdates (long polling with offset, limit and timeout; confirming by
// offset; a second concurrent poll ends the first with 409 Conflict),
// sendMessage, editMessageText (400 "message is not modified" for the
// same content), answerCallbackQuery (once per query), setMyCommands
// (checked, then answered true) and deleteWebhook (true). A wrong token gets 401
// Unauthorized and an unknown method 404 Not Found, as api.telegram.org
// answers.
//
// A test plays the users: SendText sends a message as a user (the bot
// receives it as an update), Press presses an inline keyboard button of a
// bot message (a callback_query update), and WaitMessage waits for the
// bot to send or edit a message.
package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// User is a Telegram user (the API's User object).
type User struct {
	ID        int64  `json:"id"`
	IsBot     bool   `json:"is_bot"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name,omitempty"`
	UserName  string `json:"username,omitempty"`
}

// Button is an inline keyboard button (text and callback_data).
type Button struct {
	Text string `json:"text"`
	Data string `json:"callback_data,omitempty"`
}

// Message is a message of a private chat, as the server keeps it.
type Message struct {
	ID   int
	Chat int64
	// FromBot is true for the bot's messages, false for the user's.
	FromBot bool
	Text    string
	// Keyboard is the inline keyboard's rows.
	Keyboard [][]Button
	// Edits counts editMessageText calls that changed the message.
	Edits int
	// Seq orders the bot's sends and edits: each one takes the next.
	Seq  int
	Date int64
}

// Buttons returns the keyboard's buttons in order.
func (m Message) Buttons() []Button {
	var out []Button
	for _, row := range m.Keyboard {
		out = append(out, row...)
	}
	return out
}

// Request is one API request the server received.
type Request struct {
	Method string
	Params url.Values
}

// Server is a Bot API server on a loopback socket.
type Server struct {
	// Token is the bot token the server accepts.
	Token string
	// Bot is the bot's user (getMe).
	Bot User

	srv *httptest.Server

	mu       sync.Mutex
	updates  []update
	nextUpd  int
	changed  chan struct{} // closed and replaced on any change
	poll     chan struct{} // closed to end the running getUpdates (409)
	chats    map[int64]User
	groups   map[int64]map[string]any
	messages []*Message // every message, in order of creation
	nextMsg  int
	seq      int
	queries  map[string]*query
	nextQ    int
	requests []Request
	// confirmed is the highest update id a getUpdates offset confirmed.
	confirmed int
}

type update struct {
	ID   int
	JSON json.RawMessage
}

type query struct {
	answered bool
	text     string
}

// New starts a server on addr ("127.0.0.1:0", or a loopback address of
// the test's own) for token.
func New(addr, token string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{Token: token, Bot: User{ID: 7000000001, IsBot: true, FirstName: "Obelisk", UserName: "ObeliskTestBot"},
		changed: make(chan struct{}), chats: map[int64]User{}, groups: map[int64]map[string]any{}, queries: map[string]*query{}, nextUpd: 100000, confirmed: 100000}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	_ = s.srv.Listener.Close()
	s.srv.Listener = ln
	s.srv.Start()
	return s, nil
}

// URL is the API base URL to configure (telegram.conf's apiurl).
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	s.bumpLocked()
	s.mu.Unlock()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// bumpLocked wakes everyone waiting for a change.
func (s *Server) bumpLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// SendText sends text as from in their private chat with the bot, as an
// update; it returns the message's id. A text starting with "/" carries
// a bot_command entity, as Telegram clients send it.
func (s *Server) SendText(from User, text string) int {
	return s.sendText(from, from.ID, chatOf(from), text)
}

// SendGroupText sends text as from in group chat (a negative id, as
// Telegram's group ids are), which the bot may answer.
func (s *Server) SendGroupText(from User, group int64, text string) int {
	return s.sendText(from, group, map[string]any{"id": group, "type": "group", "title": "Test group"}, text)
}

func (s *Server) sendText(from User, chatID int64, chat map[string]any, text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chats[from.ID] = from
	if chatID != from.ID {
		s.groups[chatID] = chat
	}
	s.nextMsg++
	m := &Message{ID: s.nextMsg, Chat: chatID, Text: text, Date: time.Now().Unix()}
	s.messages = append(s.messages, m)
	msg := map[string]any{"message_id": m.ID, "from": from, "chat": chat, "date": m.Date, "text": text}
	if strings.HasPrefix(text, "/") {
		n := strings.IndexAny(text, " \n")
		if n < 0 {
			n = len(text)
		}
		msg["entities"] = []map[string]any{{"type": "bot_command", "offset": 0, "length": len([]rune(text[:n]))}}
	}
	s.addUpdateLocked(map[string]any{"message": msg})
	return m.ID
}

func chatOf(u User) map[string]any {
	c := map[string]any{"id": u.ID, "type": "private", "first_name": u.FirstName}
	if u.UserName != "" {
		c["username"] = u.UserName
	}
	return c
}

func (s *Server) addUpdateLocked(body map[string]any) {
	s.nextUpd++
	body["update_id"] = s.nextUpd
	b, _ := json.Marshal(body)
	s.updates = append(s.updates, update{ID: s.nextUpd, JSON: b})
	s.bumpLocked()
}

// Press presses the button with callback data data on the bot's message
// id in from's chat: a callback_query update. It fails when the message
// has no such button (a client could not press it). It returns the
// query's id.
func (s *Server) Press(from User, id int, data string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.messageLocked(from.ID, id)
	if m == nil || !m.FromBot {
		return "", fmt.Errorf("no bot message %d in chat %d", id, from.ID)
	}
	found := false
	for _, b := range m.Buttons() {
		found = found || b.Data == data
	}
	if !found {
		return "", fmt.Errorf("message %d (%q) has no button %q: %v", id, m.Text, data, m.Keyboard)
	}
	s.nextQ++
	qid := fmt.Sprintf("%d%06d", from.ID, s.nextQ)
	s.queries[qid] = &query{}
	s.addUpdateLocked(map[string]any{"callback_query": map[string]any{
		"id": qid, "from": from, "chat_instance": fmt.Sprint(-from.ID), "data": data,
		"message": s.messageJSONLocked(m),
	}})
	return qid, nil
}

// CallbackAnswer reports whether the query was answered
// (answerCallbackQuery), and the text shown.
func (s *Server) CallbackAnswer(id string) (text string, answered bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.queries[id]; q != nil {
		return q.text, q.answered
	}
	return "", false
}

// WaitCallbackAnswer waits up to d for the query to be answered.
func (s *Server) WaitCallbackAnswer(id string, d time.Duration) (string, bool) {
	deadline := time.Now().Add(d)
	for {
		s.mu.Lock()
		q, ch := s.queries[id], s.changed
		if q != nil && q.answered {
			s.mu.Unlock()
			return q.text, true
		}
		s.mu.Unlock()
		if !waitChange(ch, deadline) {
			return "", false
		}
	}
}

func waitChange(ch chan struct{}, deadline time.Time) bool {
	left := time.Until(deadline)
	if left <= 0 {
		return false
	}
	t := time.NewTimer(left)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}

// BotMessages returns the bot's messages in chat, in the order sent, as
// they are now (after edits).
func (s *Server) BotMessages(chat int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if m.Chat == chat && m.FromBot {
			out = append(out, *m)
		}
	}
	return out
}

// WaitMessage waits up to d for a bot message in chat, sent or edited
// after seq (a Message.Seq; 0 for any), that match accepts; it returns
// the first such message.
func (s *Server) WaitMessage(chat int64, after int, match func(Message) bool, d time.Duration) (Message, bool) {
	deadline := time.Now().Add(d)
	for {
		s.mu.Lock()
		ch := s.changed
		var best *Message
		for _, m := range s.messages {
			if m.Chat == chat && m.FromBot && m.Seq > after && match(*m) && (best == nil || m.Seq < best.Seq) {
				best = m
			}
		}
		if best != nil {
			m := *best
			s.mu.Unlock()
			return m, true
		}
		s.mu.Unlock()
		if !waitChange(ch, deadline) {
			return Message{}, false
		}
	}
}

// WaitConfirmed waits up to d until the bot has confirmed every update
// sent so far (a getUpdates with an offset past them), so that a bot
// started anew does not receive them again.
func (s *Server) WaitConfirmed(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		s.mu.Lock()
		ch, done := s.changed, s.confirmed >= s.nextUpd
		s.mu.Unlock()
		if done {
			return true
		}
		if !waitChange(ch, deadline) {
			return false
		}
	}
}

// Seq returns the sequence number of the bot's last send or edit.
func (s *Server) Seq() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seq
}

// Requests returns the requests received for method ("" for all),
// those refused for a wrong token too.
func (s *Server) Requests(method string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if method == "" || r.Method == method {
			out = append(out, r)
		}
	}
	return out
}

func (s *Server) messageLocked(chat int64, id int) *Message {
	for _, m := range s.messages {
		if m.Chat == chat && m.ID == id {
			return m
		}
	}
	return nil
}

func (s *Server) messageJSONLocked(m *Message) map[string]any {
	chat := s.groups[m.Chat]
	if chat == nil {
		chat = chatOf(s.chats[m.Chat])
	}
	out := map[string]any{"message_id": m.ID, "chat": chat, "date": m.Date, "text": m.Text}
	if m.FromBot {
		out["from"] = s.Bot
	} else {
		out["from"] = s.chats[m.Chat]
	}
	if len(m.Keyboard) > 0 {
		out["reply_markup"] = map[string]any{"inline_keyboard": m.Keyboard}
	}
	if m.Edits > 0 {
		out["edit_date"] = time.Now().Unix()
	}
	return out
}

// apiError is the Bot API's error answer.
type apiError struct {
	code int
	desc string
}

func badRequest(desc string) *apiError { return &apiError{400, "Bad Request: " + desc} }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	tokenPart, method, ok := strings.Cut(path, "/")
	if !ok || !strings.HasPrefix(tokenPart, "bot") {
		reply(w, nil, &apiError{404, "Not Found"})
		return
	}
	if err := r.ParseForm(); err != nil {
		reply(w, nil, badRequest("can't parse request"))
		return
	}
	params := r.Form
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: method, Params: params})
	s.bumpLocked()
	s.mu.Unlock()
	if strings.TrimPrefix(tokenPart, "bot") != s.Token {
		reply(w, nil, &apiError{401, "Unauthorized"})
		return
	}
	var result any
	var aerr *apiError
	switch strings.ToLower(method) {
	case "getme":
		result = map[string]any{"id": s.Bot.ID, "is_bot": true, "first_name": s.Bot.FirstName, "username": s.Bot.UserName,
			"can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false}
	case "getupdates":
		result, aerr = s.getUpdates(r.Context(), params)
	case "sendmessage":
		result, aerr = s.sendMessage(params)
	case "editmessagetext":
		result, aerr = s.editMessageText(params)
	case "answercallbackquery":
		result, aerr = s.answerCallbackQuery(params)
	case "setmycommands":
		result, aerr = setMyCommands(params)
	case "deletewebhook":
		result = true
	default:
		aerr = &apiError{404, "Not Found"}
	}
	reply(w, result, aerr)
}

func reply(w http.ResponseWriter, result any, aerr *apiError) {
	w.Header().Set("Content-Type", "application/json")
	if aerr != nil {
		w.WriteHeader(aerr.code)
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error_code": aerr.code, "description": aerr.desc})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

func intParam(p url.Values, key string, def int) (int, *apiError) {
	v := p.Get(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, badRequest(fmt.Sprintf("invalid %s", key))
	}
	return n, nil
}

// getUpdates confirms the updates before offset, then returns those
// after, waiting up to timeout seconds for one when there is none.
func (s *Server) getUpdates(ctx context.Context, p url.Values) (any, *apiError) {
	offset, aerr := intParam(p, "offset", 0)
	if aerr != nil {
		return nil, aerr
	}
	limit, aerr := intParam(p, "limit", 100)
	if aerr != nil {
		return nil, aerr
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, aerr := intParam(p, "timeout", 0)
	if aerr != nil {
		return nil, aerr
	}
	deadline := time.Now().Add(time.Duration(timeout) * time.Second)
	s.mu.Lock()
	if s.poll != nil {
		close(s.poll) // the older poll ends with 409, as on api.telegram.org
	}
	mine := make(chan struct{})
	s.poll = mine
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.poll == mine {
			s.poll = nil
		}
		s.mu.Unlock()
	}()
	for {
		s.mu.Lock()
		if offset > 0 {
			if offset-1 > s.confirmed {
				s.confirmed = offset - 1
				s.bumpLocked()
			}
			kept := s.updates[:0]
			for _, u := range s.updates {
				if u.ID >= offset {
					kept = append(kept, u)
				}
			}
			s.updates = kept
		}
		var out []json.RawMessage
		for _, u := range s.updates {
			if len(out) < limit {
				out = append(out, u.JSON)
			}
		}
		ch := s.changed
		s.mu.Unlock()
		if len(out) > 0 {
			return out, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return []json.RawMessage{}, nil
		}
		t := time.NewTimer(left)
		select {
		case <-ch:
		case <-mine:
			t.Stop()
			return nil, &apiError{409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
		case <-ctx.Done():
			t.Stop()
			return []json.RawMessage{}, nil
		case <-t.C:
		}
		t.Stop()
	}
}

func (s *Server) chatParam(p url.Values) (int64, *apiError) {
	id, err := strconv.ParseInt(p.Get("chat_id"), 10, 64)
	if err != nil {
		return 0, badRequest("chat not found")
	}
	s.mu.Lock()
	_, ok := s.chats[id]
	_, group := s.groups[id]
	ok = ok || group
	s.mu.Unlock()
	if !ok {
		return 0, badRequest("chat not found") // the user never started the bot
	}
	return id, nil
}

func keyboardParam(p url.Values) ([][]Button, *apiError) {
	v := p.Get("reply_markup")
	if v == "" {
		return nil, nil
	}
	var mk struct {
		InlineKeyboard [][]Button `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(v), &mk); err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	for _, row := range mk.InlineKeyboard {
		for _, b := range row {
			if len(b.Data) > 64 {
				return nil, badRequest("BUTTON_DATA_INVALID")
			}
			if b.Text == "" {
				return nil, badRequest("text buttons are unallowed in the inline keyboard")
			}
		}
	}
	return mk.InlineKeyboard, nil
}

func (s *Server) sendMessage(p url.Values) (any, *apiError) {
	chat, aerr := s.chatParam(p)
	if aerr != nil {
		return nil, aerr
	}
	text := p.Get("text")
	if strings.TrimSpace(text) == "" {
		return nil, badRequest("message text is empty")
	}
	if len([]rune(text)) > 4096 {
		return nil, badRequest("message is too long")
	}
	kb, aerr := keyboardParam(p)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextMsg++
	s.seq++
	m := &Message{ID: s.nextMsg, Chat: chat, FromBot: true, Text: text, Keyboard: kb, Seq: s.seq, Date: time.Now().Unix()}
	s.messages = append(s.messages, m)
	s.bumpLocked()
	return s.messageJSONLocked(m), nil
}

func (s *Server) editMessageText(p url.Values) (any, *apiError) {
	chat, aerr := s.chatParam(p)
	if aerr != nil {
		return nil, aerr
	}
	id, aerr := intParam(p, "message_id", 0)
	if aerr != nil {
		return nil, aerr
	}
	text := p.Get("text")
	if strings.TrimSpace(text) == "" {
		return nil, badRequest("message text is empty")
	}
	kb, aerr := keyboardParam(p)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.messageLocked(chat, id)
	if m == nil {
		return nil, badRequest("message to edit not found")
	}
	if !m.FromBot {
		return nil, badRequest("message can't be edited")
	}
	if m.Text == text && sameKeyboard(m.Keyboard, kb) {
		return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	s.seq++
	m.Text, m.Keyboard, m.Seq = text, kb, s.seq
	m.Edits++
	s.bumpLocked()
	return s.messageJSONLocked(m), nil
}

func sameKeyboard(a, b [][]Button) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return string(x) == string(y)
}

func (s *Server) answerCallbackQuery(p url.Values) (any, *apiError) {
	id := p.Get("callback_query_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queries[id]
	if q == nil || q.answered {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	q.answered, q.text = true, p.Get("text")
	s.bumpLocked()
	return true, nil
}

// setMyCommands checks the command list as the API does: 1 to 32
// lower-case letters, digits and underscores, a description of 1 to 256
// characters.
func setMyCommands(p url.Values) (any, *apiError) {
	var cmds []struct {
		Command     string `json:"command"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal([]byte(p.Get("commands")), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	for _, c := range cmds {
		if c.Command == "" || len(c.Command) > 32 || strings.Trim(c.Command, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := len([]rune(c.Description)); n == 0 || n > 256 {
			return nil, badRequest("command description is empty")
		}
	}
	return true, nil
}
