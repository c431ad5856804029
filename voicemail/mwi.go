package voicemail

import (
	"fmt"
	"strings"
)

// Notifier is told of every change of a mailbox's counts, so that the
// switch sends a SIP NOTIFY message-summary (RFC 3842) to the phones whose
// mailbox= names it; app_voicemail's queue_mwi_event. newMsgs counts INBOX,
// urgent the Urgent folder (new urgent messages), oldMsgs Old. It is called
// from the goroutine that changed the mailbox and must not block for long.
type Notifier interface {
	MailboxChanged(box MailboxID, newMsgs, oldMsgs, urgent int)
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(box MailboxID, newMsgs, oldMsgs, urgent int)

// MailboxChanged calls f.
func (f NotifierFunc) MailboxChanged(box MailboxID, newMsgs, oldMsgs, urgent int) {
	f(box, newMsgs, oldMsgs, urgent)
}

// MessageSummaryContentType is the Content-Type of a message-summary body.
const MessageSummaryContentType = "application/simple-message-summary"

// MessageSummary returns the RFC 3842 body of a NOTIFY for the counts Notifier
// reports:
//
//	Messages-Waiting: yes
//	Message-Account: sip:101@pbx.example.com
//	Voice-Message: 3/8 (1/0)
//
// As Asterisk publishes MWI, new messages are INBOX plus Urgent; the
// parenthesis holds the urgent ones among them (new/old urgent). account is
// the mailbox's SIP URI; "sip:" is added when it has no scheme, and the
// Message-Account line is left out when it is empty.
func MessageSummary(newMsgs, oldMsgs, urgent int, account string) string {
	var b strings.Builder
	waiting := "no"
	if newMsgs+urgent > 0 {
		waiting = "yes"
	}
	b.WriteString("Messages-Waiting: " + waiting + "\r\n")
	if account != "" {
		if !strings.Contains(account, ":") {
			account = "sip:" + account
		}
		b.WriteString("Message-Account: " + account + "\r\n")
	}
	fmt.Fprintf(&b, "Voice-Message: %d/%d (%d/0)\r\n", newMsgs+urgent, oldMsgs, urgent)
	return b.String()
}
