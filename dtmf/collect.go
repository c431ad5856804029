package dtmf

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Status is the outcome of a digit collection, named as app_read's
// READSTATUS channel variable.
type Status int

// Statuses, in app_read's order of READSTATUS values.
const (
	StatusUnknown Status = iota
	// StatusOK: a terminator was pressed (with or without digits before
	// it: AST_GETDATA_COMPLETE or AST_GETDATA_EMPTY_END_TERMINATED) or
	// MaxDigits were entered.
	StatusOK
	// StatusError: the application could not run (bad arguments); Collect
	// never returns it.
	StatusError
	// StatusHangup: the channel went away (ctx ended or the digit channel
	// closed) while waiting.
	StatusHangup
	// StatusInterrupted: AST_GETDATA_INTERRUPTED, the wait was broken off
	// from outside (AGI's control descriptor); Collect never returns it.
	StatusInterrupted
	// StatusSkipped: Read's s option on a line not up; Collect never
	// returns it.
	StatusSkipped
	// StatusTimeout: AST_GETDATA_TIMEOUT, no digit within FirstTimeout, or
	// none within InterTimeout after the last one; the digits entered
	// before the timeout are still returned.
	StatusTimeout
)

var statusNames = [...]string{
	StatusUnknown:     "UNKNOWN",
	StatusOK:          "OK",
	StatusError:       "ERROR",
	StatusHangup:      "HANGUP",
	StatusInterrupted: "INTERRUPTED",
	StatusSkipped:     "SKIPPED",
	StatusTimeout:     "TIMEOUT",
}

// String returns the READSTATUS value: "OK", "TIMEOUT", "HANGUP", ...
func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return "UNKNOWN"
	}
	return statusNames[s]
}

// ParseStatus is the inverse of Status.String.
func ParseStatus(s string) (Status, error) {
	for i, n := range statusNames {
		if i != int(StatusUnknown) && n == s {
			return Status(i), nil
		}
	}
	return StatusUnknown, fmt.Errorf("parse readstatus %q: unknown", s)
}

// Collector defaults, Asterisk's.
const (
	// DefaultFirstTimeout is TIMEOUT(response), the wait for the first
	// digit after the prompt (pbx rtimeoutms, 10 s).
	DefaultFirstTimeout = 10 * time.Second
	// DefaultInterTimeout is TIMEOUT(digit), the wait between digits
	// (pbx dtimeoutms, 5 s).
	DefaultInterTimeout = 5 * time.Second
	// DefaultMaxDigits is Read's limit when maxdigits is 0 or out of
	// range (255, the size of its buffer).
	DefaultMaxDigits = 255
	// DefaultTerminators ends the input in ast_app_getdata.
	DefaultTerminators = "#"
)

// Collector reads a string of digits with the rules of ast_readstring
// (main/channel.c), which ast_app_getdata and so Read, and through them
// the other digit-reading applications, use. The zero value reads up to
// 255 digits ended by #, with Asterisk's default timeouts.
type Collector struct {
	// MaxDigits ends the input once that many digits are entered, without
	// a terminator; DefaultMaxDigits when 0 or less (Read: "0 - no limit").
	MaxDigits int
	// Terminators are the digits that end the input early; they are not
	// part of the result. DefaultTerminators ("#") when empty, unless
	// NoTerminator is set.
	Terminators string
	// NoTerminator makes every digit part of the input (Terminators is
	// then ignored): ast_readstring with empty enders.
	NoTerminator bool
	// FirstTimeout is the wait for the first digit; DefaultFirstTimeout
	// when 0, no limit when negative (ast_app_getdata's timeout < 0). Read
	// sets both timeouts to its timeout argument when it has one.
	FirstTimeout time.Duration
	// InterTimeout is the wait for each further digit;
	// DefaultInterTimeout when 0, no limit when negative.
	InterTimeout time.Duration
}

// Collect reads digits from the channel until a terminator, MaxDigits,
// a timeout, or a hang-up (ctx ends or digits is closed). first is a digit
// already pressed during the prompt, 0 if none: as ast_readstring takes the
// digit that stopped ast_waitstream, it counts as the first digit and the
// FirstTimeout is then not waited for. Runes that are not DTMF digits are
// ignored; a-d count as A-D.
//
// What it returns is ast_readstring's and Read's outcome:
//
//   - a terminator: the digits before it, StatusOK (a terminator alone
//     gives "" and StatusOK: AST_GETDATA_EMPTY_END_TERMINATED, which Read
//     also reports as OK);
//   - MaxDigits digits: those, StatusOK;
//   - a timeout: the digits entered so far, maybe none, StatusTimeout.
//     Read sets its variable to them and READSTATUS to TIMEOUT, not OK:
//     ast_readstring returns AST_GETDATA_TIMEOUT whether or not digits
//     came first;
//   - a hang-up: the digits so far, StatusHangup.
func (c Collector) Collect(ctx context.Context, digits <-chan rune, first rune) (string, Status) {
	if ctx.Err() != nil { // ast_readstring: a hung-up channel reads nothing
		return "", StatusHangup
	}
	maxDigits := c.MaxDigits
	if maxDigits <= 0 {
		maxDigits = DefaultMaxDigits
	}
	enders := c.Terminators
	switch {
	case c.NoTerminator:
		enders = ""
	case enders == "":
		enders = DefaultTerminators
	}
	got := make([]byte, 0, 16)

	// take handles one digit; done reports the input complete.
	take := func(d rune) (done bool) {
		if strings.ContainsRune(enders, d) {
			return true
		}
		got = append(got, byte(d))
		return len(got) >= maxDigits
	}

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var expired <-chan time.Time
	arm := func(wait time.Duration) {
		if wait < 0 { // no limit
			timer.Stop()
			expired = nil
			return
		}
		timer.Reset(wait)
		expired = timer.C
	}

	if d := normalize(first); d != 0 {
		if take(d) {
			return string(got), StatusOK
		}
		arm(timeoutOr(c.InterTimeout, DefaultInterTimeout))
	} else {
		arm(timeoutOr(c.FirstTimeout, DefaultFirstTimeout))
	}
	for {
		select {
		case <-ctx.Done():
			return string(got), StatusHangup
		case <-expired:
			return string(got), StatusTimeout
		case r, ok := <-digits:
			if !ok {
				return string(got), StatusHangup
			}
			d := normalize(r)
			if d == 0 {
				continue
			}
			if take(d) {
				return string(got), StatusOK
			}
			arm(timeoutOr(c.InterTimeout, DefaultInterTimeout))
		}
	}
}

// timeoutOr is t, or def when t is 0; negative means no timeout.
func timeoutOr(t, def time.Duration) time.Duration {
	if t == 0 {
		return def
	}
	return t
}
