package dtmf

import (
	"bytes"
	"fmt"
	"mime"
	"strconv"
	"strings"
	"time"
)

// Content types of DTMF in SIP INFO, as chan_sip's handle_request_info and
// res_pjsip_dtmf_info accept them.
const (
	// TypeDTMFRelay is Cisco's body, "Signal=5\r\nDuration=160\r\n"
	// (dtmfmode=info).
	TypeDTMFRelay = "application/dtmf-relay"
	// TypeDTMF is the bare digit, "5" (chan_sip dtmfmode=shortinfo sends
	// the event number, "5\r\n").
	TypeDTMF = "application/dtmf"
	// TypeNortel is Nortel's variant of dtmf-relay, read by chan_sip with
	// "d=" as another name for Signal.
	TypeNortel = "application/vnd.nortelnetworks.digits"
)

// ParseInfo reads the digit of a SIP INFO request's body as Asterisk does
// (chan_sip handle_request_info, res_pjsip_dtmf_info get_event):
//
//   - application/dtmf-relay (and Nortel's vnd.nortelnetworks.digits): the
//     lines "Signal=" (or "d=") and "Duration=" in milliseconds, in any
//     order and case, CRLF or LF, blanks around the key and value allowed
//     (Cisco, Linksys and Grandstream variants); other lines are ignored.
//   - application/dtmf: the body is the signal.
//
// A signal is a digit 0-9, *, #, A-D (a-d taken as A-D), or an event
// number: 10 is *, 11 is #, 12-15 are A-D; 16 and "!" are the hook flash
// (ErrNotDigit with ErrFlash), anything else is ErrBadSignal. A missing or
// zero Duration is DefaultDuration. Content type parameters are ignored;
// a type other than these is ErrUnsupportedType, an empty body ErrEmptyBody
// (Asterisk answers 200 and reports nothing), a dtmf-relay body without a
// signal ErrNoSignal.
func ParseInfo(contentType string, body []byte) (Event, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		t, _, _ := strings.Cut(contentType, ";")
		mt = strings.ToLower(strings.TrimSpace(t))
	}
	var signal string
	dur := DefaultDuration
	switch mt {
	case TypeDTMF:
		signal = string(bytes.TrimSpace(body))
		if signal == "" {
			return Event{}, fmt.Errorf("parse info %s: %w", mt, ErrEmptyBody)
		}
	case TypeDTMFRelay, TypeNortel:
		if len(bytes.TrimSpace(body)) == 0 {
			return Event{}, fmt.Errorf("parse info %s: %w", mt, ErrEmptyBody)
		}
		var found bool
		signal, dur, found = parseRelay(body)
		if !found {
			return Event{}, fmt.Errorf("parse info %s: %w", mt, ErrNoSignal)
		}
	default:
		return Event{}, fmt.Errorf("parse info %q: %w", contentType, ErrUnsupportedType)
	}
	d, err := parseSignal(signal)
	if err != nil {
		return Event{}, fmt.Errorf("parse info %s signal %q: %w", mt, signal, err)
	}
	return Event{Digit: d, Duration: dur, Source: SourceINFO}, nil
}

// parseRelay reads the Signal and Duration lines of a dtmf-relay body.
// The first Signal wins, as in chan_sip's get_body.
func parseRelay(body []byte) (signal string, dur time.Duration, found bool) {
	dur = DefaultDuration
	for line := range strings.Lines(string(body)) {
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		switch {
		case strings.EqualFold(key, "signal") || strings.EqualFold(key, "d"):
			if !found {
				signal, found = value, true
			}
		case strings.EqualFold(key, "duration"):
			// sscanf("%30u"): leading digits; anything else leaves the
			// default, as does 0 (chan_sip: "if (!duration) duration = 100").
			n := 0
			for n < len(value) && value[n] >= '0' && value[n] <= '9' {
				n++
			}
			if ms, err := strconv.ParseUint(value[:n], 10, 31); err == nil && ms > 0 {
				dur = time.Duration(ms) * time.Millisecond
			}
		}
	}
	return signal, dur, found
}

// parseSignal is res_pjsip_dtmf_info's get_event: a digit character, or
// the number of an RFC 4733 event 0-16.
func parseSignal(s string) (rune, error) {
	if s == "" {
		return 0, ErrBadSignal
	}
	switch c := rune(s[0]); {
	case c == '!':
		return 0, fmt.Errorf("%w: %w", ErrNotDigit, ErrFlash)
	case c == '*' || c == '#' || (c >= 'A' && c <= 'D') || (c >= 'a' && c <= 'd'):
		return normalize(c), nil
	}
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	ev, err := strconv.ParseUint(s[:n], 10, 8)
	switch {
	case n == 0 || err != nil || ev > uint64(CodeFlash):
		return 0, ErrBadSignal
	case ev == uint64(CodeFlash):
		return 0, fmt.Errorf("%w: %w", ErrNotDigit, ErrFlash)
	}
	d, _ := DigitOf(uint8(ev))
	return d, nil
}

// InfoBody returns the content type and body of a SIP INFO carrying digit
// d held for dur (DefaultDuration when 0), as chan_sip's add_digit and
// chan_pjsip write them for dtmfmode=info: application/dtmf-relay,
// "Signal=5\r\nDuration=100\r\n", the digit in upper case and the
// duration in milliseconds. It returns "" and nil when d is not a DTMF
// digit.
func InfoBody(d rune, dur time.Duration) (contentType string, body []byte) {
	d = normalize(d)
	if d == 0 {
		return "", nil
	}
	if dur <= 0 {
		dur = DefaultDuration
	}
	b := make([]byte, 0, 32)
	b = append(b, "Signal="...)
	b = append(b, byte(d))
	b = append(b, "\r\nDuration="...)
	b = strconv.AppendInt(b, dur.Milliseconds(), 10)
	b = append(b, "\r\n"...)
	return TypeDTMFRelay, b
}

// ShortInfoBody is InfoBody for chan_sip's dtmfmode=shortinfo:
// application/dtmf with the event number, "11\r\n" for #.
func ShortInfoBody(d rune) (contentType string, body []byte) {
	code, ok := EventCode(d)
	if !ok {
		return "", nil
	}
	b := strconv.AppendUint(make([]byte, 0, 4), uint64(code), 10)
	return TypeDTMF, append(b, "\r\n"...)
}
