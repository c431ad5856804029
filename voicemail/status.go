package voicemail

import "strings"

// Status is the value VoiceMail() leaves in VMSTATUS. Its zero value is
// StatusUnknown, which the switch must not set.
type Status int

// VMSTATUS values, as app_voicemail's vm_exec documents them.
const (
	StatusUnknown Status = iota
	// StatusSuccess: a message was recorded (or the mailbox is greetings only).
	StatusSuccess
	// StatusUserExit: the caller left with * (extension a) or 0 (extension o).
	StatusUserExit
	// StatusFailed: no such mailbox, mailbox full, or the message was too short.
	StatusFailed
)

// String returns the VMSTATUS spelling: SUCCESS, USEREXIT, FAILED ("" for Unknown).
func (s Status) String() string {
	switch s {
	case StatusSuccess:
		return "SUCCESS"
	case StatusUserExit:
		return "USEREXIT"
	case StatusFailed:
		return "FAILED"
	}
	return ""
}

// ParseStatus reads a VMSTATUS value (case-insensitive).
func ParseStatus(s string) Status {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "SUCCESS":
		return StatusSuccess
	case "USEREXIT":
		return StatusUserExit
	case "FAILED":
		return StatusFailed
	}
	return StatusUnknown
}
