package dtmf

import "errors"

// Sentinel errors of the dtmf package; branch on them with errors.Is.
var (
	// ErrShortPayload means a telephone-event payload is shorter than the
	// 4 bytes of one event report (RFC 4733 §2.3).
	ErrShortPayload = errors.New("telephone-event payload shorter than 4 bytes")

	// ErrNotDigit means an RFC 4733 event or a SIP INFO signal is valid but
	// is not one of the 16 DTMF digits (hook flash, a tone, a line event).
	ErrNotDigit = errors.New("not a dtmf digit")

	// ErrFlash means the event is a hook flash (RFC 4733 event 16, INFO
	// Signal=16 or "!"), which Asterisk turns into AST_CONTROL_FLASH rather
	// than a digit; it comes wrapped together with ErrNotDigit.
	ErrFlash = errors.New("hook flash")

	// ErrUnsupportedType means a SIP INFO body has a content type that
	// carries no DTMF (Asterisk leaves such an INFO to other handlers).
	ErrUnsupportedType = errors.New("content type carries no dtmf")

	// ErrEmptyBody means a DTMF INFO has no body; chan_sip and res_pjsip
	// answer it 200 OK and report nothing.
	ErrEmptyBody = errors.New("empty dtmf body")

	// ErrNoSignal means an application/dtmf-relay body has no Signal= line
	// (chan_sip answers 400 Bad Request).
	ErrNoSignal = errors.New("no signal in dtmf-relay body")

	// ErrBadSignal means the signal of an INFO body is neither a digit nor
	// an event number 0-16 (chan_sip answers 400, res_pjsip 500).
	ErrBadSignal = errors.New("invalid dtmf signal")
)
