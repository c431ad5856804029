package telegram

import (
	"context"
	"fmt"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// callCommand is /call <number>: the agent must be authorized, the number
// valid, a route chosen and configured, and no other call of theirs in
// progress; then the call runs on a goroutine of its own and each stage
// is a new message in the chat.
func (b *Bot) callCommand(ctx context.Context, chat int64, from *tgbotapi.User, cmd Command) {
	a, ok := b.agent(chat, from)
	if !ok {
		return
	}
	if cmd.Args == "" {
		b.send(chat, "Usage: /call <number>, such as /call +15551234567 or /call (555) 123-4567", nil)
		return
	}
	target, err := ParseNumber(cmd.Args)
	if err != nil {
		b.send(chat, fmt.Sprintf("❌ Invalid number %q: %v.\nUse E.164 (+15551234567) or a US format ((555) 123-4567, 555-123-4567, 1-555-123-4567).", cmd.Args, unwrapInvalid(err)), nil)
		return
	}
	if a.Route == RouteUnknown {
		b.send(chat, "⚠️ You have no route yet: choose one before calling with /route M (Main) or /route D (Development), or in /settings.", nil)
		return
	}
	rc, ok := b.config().Routes[a.Route]
	if !ok {
		b.send(chat, fmt.Sprintf("⚠️ The %s route [%s] is not configured on this switch: choose another with /route.", a.Route.Name(), a.Route), nil)
		return
	}
	b.mu.Lock()
	if b.busy[a.ID] {
		b.mu.Unlock()
		b.send(chat, "⚠️ You already have a call in progress.", nil)
		return
	}
	b.busy[a.ID] = true
	b.mu.Unlock()
	c := Call{Agent: a, AgentPhone: a.Phone, Target: target, Route: a.Route, RouteConfig: rc}
	b.calls.Add(1)
	go func() {
		defer b.calls.Done()
		defer func() {
			b.mu.Lock()
			delete(b.busy, a.ID)
			b.mu.Unlock()
		}()
		b.log.Info("telegram call", "agent", a.ID, "phone", a.Phone, "target", target, "route", a.Route.String(), "trunk", rc.Trunk)
		err := b.dialer.ClickToCall(ctx, c, func(p Progress) {
			if text := statusText(c, p); text != "" {
				b.send(chat, text, nil)
			}
		})
		if err != nil {
			b.log.Warn("telegram call failed", "agent", a.ID, "target", target, "error", err)
			b.send(chat, fmt.Sprintf("❌ Call to %s failed: %v", target, err), nil)
		}
	}()
}

// unwrapInvalid is the part of a number error after "invalid number: ".
func unwrapInvalid(err error) string {
	s := err.Error()
	if p := ErrInvalidNumber.Error() + ": "; len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// statusText is the message for a call's stage.
func statusText(c Call, p Progress) string {
	switch p.Stage {
	case StageCallingAgent:
		return fmt.Sprintf("📞 Calling you at %s (route %s [%s])…", c.AgentPhone, c.Route.Name(), c.Route)
	case StageAgentRinging:
		return "🔔 Your phone is ringing: answer it to be connected."
	case StageCallingTarget:
		return fmt.Sprintf("✅ You answered. Calling %s…", c.Target)
	case StageConnected:
		return fmt.Sprintf("🔗 Connected to %s.", c.Target)
	case StageFailed:
		code := ""
		if p.SIPCode != 0 {
			code = fmt.Sprintf(" (SIP %d)", p.SIPCode)
		}
		if p.Leg == LegAgent {
			return fmt.Sprintf("❌ Call failed: %s%s. Your phone %s did not take the call, so %s was not called.", p.Reason, code, c.AgentPhone, c.Target)
		}
		return fmt.Sprintf("❌ Call to %s failed: %s%s.", c.Target, p.Reason, code)
	case StageEnded:
		return fmt.Sprintf("📴 Call with %s ended. Duration: %s.", c.Target, formatDuration(p.Duration))
	}
	return ""
}

// formatDuration is m:ss (h:mm:ss past an hour).
func formatDuration(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
