package queues

import (
	"fmt"
	"strings"
)

// QueueStatus is the value Queue() leaves in QUEUESTATUS (app_queue's
// queue_results table). The zero value is UNKNOWN, which app_queue sets
// when the queue does not exist.
type QueueStatus int

// Queue statuses.
const (
	StatusUnknown QueueStatus = iota
	StatusTimeout
	StatusJoinEmpty
	StatusLeaveEmpty
	StatusJoinUnavail
	StatusLeaveUnavail
	StatusFull
	StatusContinue
)

var statusNames = [...]string{
	StatusUnknown: "UNKNOWN", StatusTimeout: "TIMEOUT", StatusJoinEmpty: "JOINEMPTY",
	StatusLeaveEmpty: "LEAVEEMPTY", StatusJoinUnavail: "JOINUNAVAIL", StatusLeaveUnavail: "LEAVEUNAVAIL",
	StatusFull: "FULL", StatusContinue: "CONTINUE",
}

// String returns the QUEUESTATUS text.
func (s QueueStatus) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "UNKNOWN"
}

// ParseQueueStatus reads a QUEUESTATUS text.
func ParseQueueStatus(s string) (QueueStatus, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	for i, n := range statusNames {
		if u == n {
			return QueueStatus(i), nil
		}
	}
	return StatusUnknown, fmt.Errorf("unknown queue status %q", s)
}

// Outcome says how a caller left Queue(), whether or not QUEUESTATUS is set.
type Outcome int

// Outcomes.
const (
	OutcomeUnknown Outcome = iota
	// OutcomeNotJoined: no such queue, JOINEMPTY or FULL; no queue_log line.
	OutcomeNotJoined
	// OutcomeTimeout: the Queue() timeout passed (EXITWITHTIMEOUT), or the n option's cycle ended.
	OutcomeTimeout
	// OutcomeLeaveEmpty: leavewhenempty found nobody (EXITEMPTY).
	OutcomeLeaveEmpty
	// OutcomeExitKey: the caller dialled an extension of the queue's context (EXITWITHKEY).
	OutcomeExitKey
	// OutcomeAbandon: the caller hung up while waiting or ringing (ABANDON).
	OutcomeAbandon
	// OutcomeAnswered: a member answered and the call ended (CONNECT, COMPLETE*).
	OutcomeAnswered
)

var outcomeNames = [...]string{
	OutcomeUnknown: "unknown", OutcomeNotJoined: "notjoined", OutcomeTimeout: "timeout",
	OutcomeLeaveEmpty: "leaveempty", OutcomeExitKey: "exitkey", OutcomeAbandon: "abandon",
	OutcomeAnswered: "answered",
}

// String names the outcome.
func (o Outcome) String() string {
	if o >= 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// ParseOutcome reads an outcome name.
func ParseOutcome(s string) (Outcome, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	for i, n := range outcomeNames {
		if l == n {
			return Outcome(i), nil
		}
	}
	return OutcomeUnknown, fmt.Errorf("unknown outcome %q", s)
}

// Party says who ended a bridged queue call: the caller (COMPLETECALLER)
// or the member (COMPLETEAGENT).
type Party int

// Parties.
const (
	PartyUnknown Party = iota
	PartyCaller
	PartyAgent
)

var partyNames = [...]string{PartyUnknown: "unknown", PartyCaller: "caller", PartyAgent: "agent"}

// String names the party as app_queue's AgentComplete Reason does.
func (p Party) String() string {
	if p >= 0 && int(p) < len(partyNames) {
		return partyNames[p]
	}
	return "unknown"
}

// ParseParty reads "caller" or "agent".
func ParseParty(s string) (Party, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	for i, n := range partyNames {
		if l == n {
			return Party(i), nil
		}
	}
	return PartyUnknown, fmt.Errorf("unknown party %q", s)
}
