package dtmf

import (
	"fmt"
	"time"
)

// Source tells how a digit reached Obelisk: the dtmfmode it was received
// in.
type Source int

// Sources of digits.
const (
	SourceUnknown Source = iota
	SourceRFC4733        // RTP telephone-event (dtmfmode=rfc2833/rfc4733)
	SourceINFO           // SIP INFO body (dtmfmode=info)
	SourceInband         // Goertzel detection in the audio (dtmfmode=inband)
)

var sourceNames = [...]string{
	SourceUnknown: "unknown",
	SourceRFC4733: "rfc4733",
	SourceINFO:    "info",
	SourceInband:  "inband",
}

// String returns "rfc4733", "info", "inband" or "unknown".
func (s Source) String() string {
	if s < 0 || int(s) >= len(sourceNames) {
		return "unknown"
	}
	return sourceNames[s]
}

// ParseSource is the inverse of Source.String; it also accepts "rfc2833",
// the name chan_sip and pjsip give RFC 4733 in dtmfmode/dtmf_mode.
func ParseSource(s string) (Source, error) {
	switch s {
	case "rfc4733", "rfc2833":
		return SourceRFC4733, nil
	case "info":
		return SourceINFO, nil
	case "inband":
		return SourceInband, nil
	}
	return SourceUnknown, fmt.Errorf("parse dtmf source %q: unknown", s)
}

// Event is one key press, reported once, when it ended: what
// ast_read gives applications as an AST_FRAME_DTMF_END.
type Event struct {
	// Digit is one of 0-9, *, #, A-D (upper case).
	Digit rune
	// Duration is how long the key was held, as the sender reported it
	// (RFC 4733 duration, INFO Duration=) or as the detector measured it.
	Duration time.Duration
	// Source is how the digit arrived.
	Source Source
}

// String is the digit, its duration and source: "5 (100ms, rfc4733)".
func (e Event) String() string {
	return fmt.Sprintf("%c (%v, %v)", e.Digit, e.Duration, e.Source)
}

// Event codes of RFC 4733 §3.2 (Table 3) that are not digits.
const (
	// CodeFlash is the hook flash event (RFC 4733 §3.2 event 16).
	CodeFlash uint8 = 16
	// maxDigitCode is D, the last DTMF event code.
	maxDigitCode uint8 = 15
)

// Digits are the 16 DTMF digits in event code order (RFC 4733 §3.2).
const Digits = "0123456789*#ABCD"

// EventCode is the RFC 4733 §3.2 event code of a DTMF digit: 0-9 are
// 0-9, * is 10, # is 11, A-D are 12-15; a-d are taken as A-D. ok is false
// for anything else.
func EventCode(d rune) (code uint8, ok bool) {
	switch {
	case d >= '0' && d <= '9':
		return uint8(d - '0'), true
	case d == '*':
		return 10, true
	case d == '#':
		return 11, true
	case d >= 'A' && d <= 'D':
		return uint8(d-'A') + 12, true
	case d >= 'a' && d <= 'd':
		return uint8(d-'a') + 12, true
	}
	return 0, false
}

// DigitOf is the inverse of EventCode: the digit of event codes 0-15, upper
// case; ok is false for the other events (16 is the hook flash).
func DigitOf(code uint8) (d rune, ok bool) {
	if code > maxDigitCode {
		return 0, false
	}
	return rune(Digits[code]), true
}

// IsDigit reports whether d is a DTMF digit (EventCode accepts it).
func IsDigit(d rune) bool {
	_, ok := EventCode(d)
	return ok
}

// normalize returns the upper case form of a DTMF digit, 0 for anything
// else.
func normalize(d rune) rune {
	c, ok := EventCode(d)
	if !ok {
		return 0
	}
	return rune(Digits[c])
}
