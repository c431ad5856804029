package api

import (
	"encoding/json"
	"fmt"
	"time"
)

// Status is where a dial-out call is: initiated (accepted, not yet
// dialled or not yet ringing), ringing, answered, then one final status.
type Status int

// The statuses of a call. Completed is an answered call that ended;
// Busy, NoAnswer, Failed and Canceled are calls never answered;
// MachineDetected is an answered call AMD() found to be a machine and
// hung up.
const (
	StatusUnknown Status = iota
	StatusInitiated
	StatusRinging
	StatusAnswered
	StatusCompleted
	StatusBusy
	StatusNoAnswer
	StatusFailed
	StatusCanceled
	StatusMachineDetected
)

var statusNames = [...]string{"unknown", "initiated", "ringing", "answered", "completed", "busy", "no-answer", "failed", "canceled", "machine-detected"}

// String is the status as the API spells it ("no-answer").
func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return fmt.Sprintf("Status(%d)", int(s))
	}
	return statusNames[s]
}

// ParseStatus parses a status's API spelling.
func ParseStatus(s string) (Status, error) {
	for i, n := range statusNames {
		if i > 0 && n == s {
			return Status(i), nil
		}
	}
	return StatusUnknown, fmt.Errorf("%w: %q", ErrBadStatus, s)
}

// Final reports whether the call is over.
func (s Status) Final() bool { return s >= StatusCompleted }

// MarshalJSON writes the status's name.
func (s Status) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads a status's name.
func (s *Status) UnmarshalJSON(b []byte) error {
	var n string
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	v, err := ParseStatus(n)
	*s = v
	return err
}

// CallID names a dial-out call.
type CallID string

// Call is a dial-out call's record, as GET /api/v1/calls/{id} returns it
// and the webhooks carry it.
type Call struct {
	ID     CallID `json:"callId"`
	Bot    string `json:"bot"`
	Client string `json:"client,omitempty"`
	// Target is as the request gave it; Number is what the trunk dials.
	Target string `json:"target"`
	Number string `json:"number"`
	Caller string `json:"caller,omitempty"`
	Status Status `json:"status"`
	// Reason says why a call failed ("486 Busy Here", "interrupted by a
	// restart").
	Reason string `json:"reason,omitempty"`
	// SIPCode is the final SIP response of an INVITE that failed.
	SIPCode int `json:"sipCode,omitempty"`
	// Cause is the Q.850 hangup cause (16 normal clearing, 17 busy …).
	Cause     int        `json:"cause,omitempty"`
	Channel   string     `json:"channel,omitempty"`
	Uniqueid  string     `json:"uniqueid,omitempty"`
	CreatedAt time.Time  `json:"createdAt"`
	RingingAt *time.Time `json:"ringingAt,omitempty"`
	// AnsweredAt and EndedAt: Duration is the seconds between them.
	AnsweredAt *time.Time `json:"answeredAt,omitempty"`
	EndedAt    *time.Time `json:"endedAt,omitempty"`
	Duration   float64    `json:"duration"`
	// MachineDetection asks for AMD() before the bot flow; AMD holds its
	// AMDSTATUS and AMDCAUSE.
	MachineDetection bool              `json:"machineDetection,omitempty"`
	AMD              *AMDResult        `json:"amd,omitempty"`
	NotifyURL        string            `json:"notifyUrl,omitempty"`
	Timeout          int               `json:"timeout"`
	Variables        map[string]string `json:"variables,omitempty"`
}

// AMDResult is what AMD() set: AMDSTATUS (HUMAN, MACHINE, NOTSURE,
// HANGUP) and AMDCAUSE ("LONGGREETING-2000-1500" …), as app_amd does.
type AMDResult struct {
	Status string `json:"status"`
	Cause  string `json:"cause,omitempty"`
}

// Event names of the webhooks, in a call's order.
const (
	EventInitiated       = "initiated"
	EventRinging         = "ringing"
	EventAnswered        = "answered"
	EventMachineDetected = "machine-detected"
	EventFailed          = "failed"
	EventCompleted       = "completed"
)

// Webhook is the JSON body POSTed to a call's notifyUrl.
type Webhook struct {
	Event string `json:"event"`
	// Seq orders the events of the switch (a call's are increasing).
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	Call Call      `json:"call"`
}
