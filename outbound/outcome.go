package outbound

import (
	"fmt"
	"strings"
)

// Outcome is how one dialling attempt of a call file ended, in DIALSTATUS
// words. Only OutcomeAnswered completes a call file; every other outcome is
// a failed attempt, retried after RetryTime until MaxRetries is spent (what
// pbx_spool does with a non-zero result of ast_pbx_outgoing_exten).
type Outcome int

// Outcomes of an attempt.
const (
	// OutcomeUnknown is the zero Outcome: the Originator did not say.
	OutcomeUnknown Outcome = iota
	// OutcomeAnswered: the channel answered and was connected (ANSWER).
	OutcomeAnswered
	// OutcomeBusy: the far end was busy (BUSY).
	OutcomeBusy
	// OutcomeNoAnswer: nobody answered within WaitTime (NOANSWER).
	OutcomeNoAnswer
	// OutcomeCongestion: the network or trunk was congested (CONGESTION).
	OutcomeCongestion
	// OutcomeChanUnavail: the channel could not be created or reached
	// (CHANUNAVAIL: unknown peer, unregistered phone, no route).
	OutcomeChanUnavail
	// OutcomeFailed: any other failure (FAILED).
	OutcomeFailed
)

var outcomeNames = [...]string{
	OutcomeUnknown:     "UNKNOWN",
	OutcomeAnswered:    "ANSWER",
	OutcomeBusy:        "BUSY",
	OutcomeNoAnswer:    "NOANSWER",
	OutcomeCongestion:  "CONGESTION",
	OutcomeChanUnavail: "CHANUNAVAIL",
	OutcomeFailed:      "FAILED",
}

// String returns the outcome's DIALSTATUS word ("ANSWER", "BUSY" …).
func (o Outcome) String() string {
	if o >= 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// ParseOutcome reads a DIALSTATUS word, in any case; CANCEL reads as
// OutcomeNoAnswer.
func ParseOutcome(s string) (Outcome, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if u == "CANCEL" {
		return OutcomeNoAnswer, nil
	}
	for o, n := range outcomeNames {
		if o != int(OutcomeUnknown) && n == u {
			return Outcome(o), nil
		}
	}
	return OutcomeUnknown, fmt.Errorf("outcome %q: %w", s, ErrBadValue)
}

// Status is how a call file finished: the word pbx_spool's
// remove_from_queue appends as "Status: …" to an archived file.
type Status int

// Statuses of a finished call file.
const (
	// StatusUnknown is the zero Status: not finished.
	StatusUnknown Status = iota
	// StatusCompleted: an attempt was answered.
	StatusCompleted
	// StatusExpired: every attempt (MaxRetries+1) failed.
	StatusExpired
	// StatusFailed: the file could not be read or is not a valid call file.
	StatusFailed
)

var statusNames = [...]string{
	StatusUnknown:   "Unknown",
	StatusCompleted: "Completed",
	StatusExpired:   "Expired",
	StatusFailed:    "Failed",
}

// String returns "Completed", "Expired" or "Failed" as written in the file.
func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// ParseStatus reads the value of a "Status:" line, in any case.
func ParseStatus(s string) (Status, error) {
	for st, n := range statusNames {
		if st != int(StatusUnknown) && strings.EqualFold(n, strings.TrimSpace(s)) {
			return Status(st), nil
		}
	}
	return StatusUnknown, fmt.Errorf("status %q: %w", s, ErrBadValue)
}
