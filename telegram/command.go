package telegram

import "strings"

// Command is a bot command in a message: "/call@ObeliskBot +1 555 123 4567"
// is Name "call", Args "+1 555 123 4567" (the rest of the text, trimmed)
// and Fields its blank-separated words.
type Command struct {
	Name   string
	Args   string
	Fields []string
}

// ParseCommand reads a command as Telegram clients send it: a leading "/",
// the command (Latin letters, digits and underscores, case-insensitive),
// optionally "@" and the bot's username, then the arguments. ok is false
// for text that is not a command, and for a command addressed to another
// bot (in a group, "/call@OtherBot" is not ours); botName is the bot's own
// username, "" to accept any.
func ParseCommand(text, botName string) (cmd Command, ok bool) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") {
		return Command{}, false
	}
	head, rest, _ := strings.Cut(text[1:], " ")
	if i := strings.IndexAny(head, "\n\t"); i >= 0 {
		rest = head[i+1:] + " " + rest
		head = head[:i]
	}
	name, to, addressed := strings.Cut(head, "@")
	if addressed && botName != "" && !strings.EqualFold(to, botName) {
		return Command{}, false
	}
	if name == "" || len(name) > 32 {
		return Command{}, false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return Command{}, false
		}
	}
	rest = strings.TrimSpace(rest)
	return Command{Name: strings.ToLower(name), Args: rest, Fields: strings.Fields(rest)}, true
}
