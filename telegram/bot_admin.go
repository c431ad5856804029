package telegram

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// authorize is /authorize <user id> <phone> [name]: a new agent, or a
// new phone (and name) for an agent, who keeps their route.
func (b *Bot) authorize(chat, admin int64, args []string) {
	if len(args) < 2 {
		b.send(chat, "Usage: /authorize <telegram user id> <agent phone number> [name]", nil)
		return
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id <= 0 {
		b.send(chat, fmt.Sprintf("❌ %q is not a Telegram user id.", args[0]), nil)
		return
	}
	phone, name, err := phoneAndName(args[1:])
	if err != nil {
		b.send(chat, "❌ "+err.Error(), nil)
		return
	}
	a, err := b.store.Agent(id)
	isNew := errors.Is(err, ErrNoAgent)
	if err != nil && !isNew {
		b.storeFailed(chat, err)
		return
	}
	a.ID, a.Phone = id, phone
	if name != "" {
		a.Name = name
	}
	if isNew {
		a.AuthorizedBy, a.Authorized = admin, time.Now().UTC()
	}
	if err := b.store.PutAgent(a); err != nil {
		b.storeFailed(chat, err)
		return
	}
	b.log.Info("telegram agent authorized", "agent", id, "phone", phone, "by", admin, "new", isNew)
	if !isNew {
		b.send(chat, fmt.Sprintf("✅ Agent %s updated: phone %s.", agentLabel(a), a.Phone), nil)
		return
	}
	b.send(chat, fmt.Sprintf("✅ Agent %s authorized with phone %s.", agentLabel(a), a.Phone), nil)
	b.send(id, "✅ You are authorized to make calls. Choose a route first: /route M (Main) or /route D (Development), or /settings.", nil)
}

// phoneAndName reads "<phone> [name]" where the phone may contain blanks
// ("+1 555 123 4567 Alice"): the longest prefix of words that is a valid
// number is the phone, the rest the name.
func phoneAndName(words []string) (Number, string, error) {
	var firstErr error
	for n := len(words); n >= 1; n-- {
		num, err := ParseNumber(strings.Join(words[:n], " "))
		if err == nil {
			return num, strings.Join(words[n:], " "), nil
		}
		if n == 1 {
			firstErr = err
		}
	}
	return "", "", firstErr
}

// setNumber is /setnumber <user id> <phone>.
func (b *Bot) setNumber(chat int64, args []string) {
	if len(args) < 2 {
		b.send(chat, "Usage: /setnumber <telegram user id> <agent phone number>", nil)
		return
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		b.send(chat, fmt.Sprintf("❌ %q is not a Telegram user id.", args[0]), nil)
		return
	}
	phone, err := ParseNumber(strings.Join(args[1:], " "))
	if err != nil {
		b.send(chat, "❌ "+err.Error(), nil)
		return
	}
	a, err := b.store.Agent(id)
	if errors.Is(err, ErrNoAgent) {
		b.send(chat, fmt.Sprintf("❌ %d is not an agent: /authorize them first.", id), nil)
		return
	} else if err != nil {
		b.storeFailed(chat, err)
		return
	}
	a.Phone = phone
	if err := b.store.PutAgent(a); err != nil {
		b.storeFailed(chat, err)
		return
	}
	b.send(chat, fmt.Sprintf("✅ Agent %s updated: phone %s.", agentLabel(a), a.Phone), nil)
}

// revoke is /revoke <user id>.
func (b *Bot) revoke(chat int64, args []string) {
	if len(args) != 1 {
		b.send(chat, "Usage: /revoke <telegram user id>", nil)
		return
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		b.send(chat, fmt.Sprintf("❌ %q is not a Telegram user id.", args[0]), nil)
		return
	}
	if err := b.store.DeleteAgent(id); errors.Is(err, ErrNoAgent) {
		b.send(chat, fmt.Sprintf("❌ %d is not an agent.", id), nil)
		return
	} else if err != nil {
		b.storeFailed(chat, err)
		return
	}
	b.mu.Lock()
	delete(b.asked, id)
	b.mu.Unlock()
	b.log.Info("telegram agent revoked", "agent", id)
	b.send(chat, fmt.Sprintf("✅ Agent %d revoked.", id), nil)
}

// listAgents is /agents: each agent with its phone and route.
func (b *Bot) listAgents(chat int64) {
	agents, err := b.store.Agents()
	if err != nil {
		b.storeFailed(chat, err)
		return
	}
	if len(agents) == 0 {
		b.send(chat, "No agents yet: /authorize <telegram user id> <phone> [name].", nil)
		return
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "👥 Agents (%d):", len(agents))
	for _, a := range agents {
		route := "no route"
		if a.Route != RouteUnknown {
			route = "[" + a.Route.String() + "]"
		}
		line := fmt.Sprintf("• %s: %s %s", agentLabel(a), a.Phone, route)
		if len([]rune(sb.String()))+1+len([]rune(line)) > maxMessage {
			b.send(chat, sb.String(), nil) // a message holds 4096 characters
			sb.Reset()
		} else {
			sb.WriteString("\n")
		}
		sb.WriteString(line)
	}
	b.send(chat, sb.String(), nil)
}

// maxMessage is the Bot API's limit on a message's text, in characters.
const maxMessage = 4096

// agentLabel is "Alice (id 42)" or "42".
func agentLabel(a Agent) string {
	if a.Name != "" {
		return fmt.Sprintf("%s (id %d)", a.Name, a.ID)
	}
	return fmt.Sprint(a.ID)
}

func (b *Bot) storeFailed(chat int64, err error) {
	b.log.Error("telegram: agent store", "error", err)
	b.send(chat, "⚠️ Internal error, try again later.", nil)
}
