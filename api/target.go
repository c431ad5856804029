package api

import (
	"fmt"
	"strings"
)

// ParseTarget returns the number a bot's trunk dials for a request's
// target: "tel:+123456789" (RFC 3966; visual separators "-", ".", "(",
// ")" and spaces are dropped), a plain number ("0612345678",
// "+33612345678"), or a SIP URI whose user part is a number
// ("sip:0612345678@provider.example"; the call still goes through the
// bot's trunk). A leading "+" is kept.
func ParseTarget(target string) (string, error) {
	t := strings.TrimSpace(target)
	if t == "" {
		return "", fmt.Errorf("%w: target is empty", ErrBadTarget)
	}
	lower := strings.ToLower(t)
	switch {
	case strings.HasPrefix(lower, "tel:"):
		t = t[4:]
		if i := strings.IndexByte(t, ';'); i >= 0 { // ;phone-context=, ;ext=
			t = t[:i]
		}
	case strings.HasPrefix(lower, "sip:"), strings.HasPrefix(lower, "sips:"):
		_, rest, _ := strings.Cut(t, ":")
		user, host, ok := strings.Cut(rest, "@")
		if !ok || host == "" {
			return "", fmt.Errorf("%w: %q: a SIP URI needs user@host", ErrBadTarget, target)
		}
		if i := strings.IndexByte(user, ';'); i >= 0 {
			user = user[:i]
		}
		t = user
	}
	var b strings.Builder
	for i, r := range t {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == '-' || r == '.' || r == ' ' || r == '(' || r == ')':
		default:
			return "", fmt.Errorf("%w: %q: not a phone number (tel:+123…, digits, or sip:number@host)", ErrBadTarget, target)
		}
	}
	n := b.String()
	digits := strings.TrimPrefix(n, "+")
	if len(digits) < 2 || len(digits) > 20 {
		return "", fmt.Errorf("%w: %q: a number has 2 to 20 digits", ErrBadTarget, target)
	}
	return n, nil
}
