package telegram

import (
	"fmt"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// The settings menu's callback data (at most 64 bytes, Bot API).
const (
	cbSelectRoute = "set:route" // Select Route → the route choice
	cbPick        = "set:pick:" // + M|D → the confirmation
	cbConfirm     = "set:yes:"  // + M|D → the route changed
	cbBack        = "set:back"  // Cancel / Back → the settings menu
	cbAuthorize   = "auth:"     // + user id → the admin sends the phone
)

// routeCommand is /route [M|D]: without an argument it shows the route.
// The command changes the route at once (seed 002); the menu asks first.
func (b *Bot) routeCommand(chat int64, from *tgbotapi.User, cmd Command) {
	a, ok := b.agent(chat, from)
	if !ok {
		return
	}
	if len(cmd.Fields) == 0 {
		b.send(chat, fmt.Sprintf("Your route: %s. Change it with /route M (Main) or /route D (Development).", routeLabel(a.Route)), nil)
		return
	}
	r, err := ParseRoute(cmd.Fields[0])
	if err != nil || len(cmd.Fields) > 1 {
		b.send(chat, "Usage: /route M (Main route) or /route D (Development route)", nil)
		return
	}
	if b.setRoute(chat, &a, r) {
		b.send(chat, changedText(b.config(), a), nil)
	}
}

// setRoute stores an agent's new route.
func (b *Bot) setRoute(chat int64, a *Agent, r Route) bool {
	a.Route = r
	if err := b.store.PutAgent(*a); err != nil {
		b.storeFailed(chat, err)
		return false
	}
	b.log.Info("telegram agent route", "agent", a.ID, "route", r.String())
	return true
}

// settingsCommand is /settings: the menu with the caller id and route.
func (b *Bot) settingsCommand(chat int64, from *tgbotapi.User) {
	a, ok := b.agent(chat, from)
	if !ok {
		return
	}
	kb := settingsKeyboard()
	b.send(chat, settingsText(b.config(), a), &kb)
}

func routeLabel(r Route) string {
	if r == RouteUnknown {
		return "none (choose one before calling)"
	}
	return fmt.Sprintf("%s [%s]", r.Name(), r)
}

// callerIDLine is "Caller ID: +15551234567 [D]": the route's caller id
// with the route's letter beside it (seed 002's display).
func callerIDLine(cfg *Config, a Agent) string {
	if a.Route == RouteUnknown {
		return "Caller ID: none (no route selected)"
	}
	cid := cfg.Routes[a.Route].CallerID
	if cid == "" {
		cid = "the trunk's"
	}
	return fmt.Sprintf("Caller ID: %s [%s]", cid, a.Route)
}

func settingsText(cfg *Config, a Agent) string {
	return fmt.Sprintf("⚙️ Settings\nYour phone: %s\n%s", a.Phone, callerIDLine(cfg, a))
}

func changedText(cfg *Config, a Agent) string {
	return fmt.Sprintf("✅ Your route has been successfully changed to [%s]!\n%s", a.Route.Name(), callerIDLine(cfg, a))
}

func settingsKeyboard() tgbotapi.InlineKeyboardMarkup {
	return tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData("Select Route 🌐", cbSelectRoute)))
}

// handleCallback answers an inline keyboard's button: the settings
// menu's steps, or a super-admin's Authorize.
func (b *Bot) handleCallback(q *tgbotapi.CallbackQuery) {
	if q.Message == nil || q.From == nil {
		b.answer(q.ID, "")
		return
	}
	chat, msg := q.Message.Chat.ID, q.Message.MessageID
	if q.Message.Chat.Type != "private" {
		b.answer(q.ID, "Please talk to me in a private chat.")
		return
	}
	if rest, ok := strings.CutPrefix(q.Data, cbAuthorize); ok {
		b.authorizeButton(q, chat, msg, rest)
		return
	}
	a, err := b.store.Agent(q.From.ID)
	if err != nil {
		b.answer(q.ID, "You are not authorized.")
		return
	}
	switch data := q.Data; {
	case data == cbSelectRoute:
		b.answer(q.ID, "")
		kb := tgbotapi.NewInlineKeyboardMarkup(
			tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("Main Route 🌐", cbPick+"M")),
			tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("Development Route 🛠️", cbPick+"D")),
			tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("« Back", cbBack)))
		b.edit(chat, msg, fmt.Sprintf("Select Route 🌐\n%s\nChoose the route of your outbound calls:", callerIDLine(b.config(), a)), &kb)
	case strings.HasPrefix(data, cbPick):
		r, err := ParseRoute(strings.TrimPrefix(data, cbPick))
		if err != nil {
			b.answer(q.ID, "Unknown route.")
			return
		}
		b.answer(q.ID, "")
		kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData("✅ Yes, Switch Route", cbConfirm+r.String()),
			tgbotapi.NewInlineKeyboardButtonData("❌ Cancel", cbBack)))
		b.edit(chat, msg, fmt.Sprintf("Are you sure you want to switch to the %s route?\nAll outbound calls will now go through this route.", r.Name()), &kb)
	case strings.HasPrefix(data, cbConfirm):
		r, err := ParseRoute(strings.TrimPrefix(data, cbConfirm))
		if err != nil {
			b.answer(q.ID, "Unknown route.")
			return
		}
		if !b.setRoute(chat, &a, r) {
			b.answer(q.ID, "Not changed.")
			return
		}
		b.answer(q.ID, "Route changed to "+r.Name())
		b.edit(chat, msg, changedText(b.config(), a), nil)
	case data == cbBack:
		b.answer(q.ID, "")
		kb := settingsKeyboard()
		b.edit(chat, msg, settingsText(b.config(), a), &kb)
	default:
		b.answer(q.ID, "")
	}
}

// authorizeButton is a super-admin pressing Authorize on a request: the
// bot asks for the user's phone number, which their next message gives.
func (b *Bot) authorizeButton(q *tgbotapi.CallbackQuery, chat int64, msg int, rest string) {
	if !b.config().IsSuperAdmin(q.From.ID) {
		b.answer(q.ID, "Only the super-admin can do that.")
		return
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		b.answer(q.ID, "Bad request.")
		return
	}
	b.mu.Lock()
	b.pending[q.From.ID] = id
	b.mu.Unlock()
	b.answer(q.ID, "")
	b.edit(chat, msg, fmt.Sprintf("Authorizing user %d: send their phone number, optionally followed by a name (or /authorize %d <phone> [name]).", id, id), nil)
}
