package voicemail

import (
	"fmt"
	"strings"
)

// DefaultContext is the voicemail context of a mailbox written without one.
const DefaultContext = "default"

// MailboxID names a mailbox as app_voicemail does: a box number in a
// voicemail.conf context, written "box@context".
type MailboxID struct {
	Context string
	Box     string
}

// ParseMailboxID reads "box@context" ("box" alone is in the default
// context), as VoiceMail() and sip.conf's mailbox= write it.
func ParseMailboxID(s string) (MailboxID, error) {
	box, ctx, _ := strings.Cut(strings.TrimSpace(s), "@")
	if ctx == "" {
		ctx = DefaultContext
	}
	if box == "" || strings.ContainsAny(box, "/\\ ,|&") || strings.ContainsAny(ctx, "/\\ ,|&@") || box == "." || box == ".." || ctx == "." || ctx == ".." {
		return MailboxID{}, fmt.Errorf("mailbox %q: %w", s, ErrBadMailboxID)
	}
	return MailboxID{Context: ctx, Box: box}, nil
}

// String returns "box@context".
func (id MailboxID) String() string { return id.Box + "@" + id.Context }

// ID returns the mailbox's MailboxID.
func (m *Mailbox) ID() MailboxID { return MailboxID{Context: m.Context, Box: m.Box} }
