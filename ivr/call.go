package ivr

import (
	"context"
	"time"
)

// Call is what the dialplan engine needs from the call it runs for: one leg,
// Asterisk's "channel" seen from the media and signalling side. The SIP
// B2BUA implements it for real calls, the simulator and tests with fakes.
//
// Every method returns ErrHangup (possibly wrapped) once the far end has
// hung up; the engine then runs the `h` extension.
type Call interface {
	// Answer answers the call (200 OK) if it is not up yet.
	Answer(ctx context.Context) error
	// Hangup ends the call with a Q.850 cause (16 normal clearing, 17 busy,
	// 34 congestion …). It is idempotent.
	Hangup(ctx context.Context, cause int) error
	// Indicate sends a call-progress indication (ringing, progress, busy,
	// congestion) without answering.
	Indicate(ctx context.Context, ind Indication) error
	// Play plays one sound (a name such as "vm-goodbye" or "digits/5",
	// without extension, looked up in language with fallback to English, or
	// an absolute path without extension) to the caller. When stop is not empty, a DTMF
	// digit from stop pressed during playback ends it early and is returned;
	// other digits are discarded while a sound plays. It returns
	// ErrSoundNotFound when the sound exists nowhere.
	Play(ctx context.Context, sound, language, stop string) (digit rune, err error)
	// WaitDigit waits up to timeout for the next DTMF digit (digits pressed
	// since the last read are buffered) and returns it, or 0 on timeout.
	WaitDigit(ctx context.Context, timeout time.Duration) (rune, error)
	// SendDigits plays DTMF digits to the caller.
	SendDigits(ctx context.Context, digits string) error
}

// Indication is a call-progress signal sent to the caller.
type Indication int

// Indications, as Asterisk's Ringing, Progress, Busy and Congestion send.
const (
	IndicationUnknown Indication = iota
	IndicationRinging
	IndicationProgress
	IndicationBusy
	IndicationCongestion
)

// String returns the indication's name.
func (i Indication) String() string {
	switch i {
	case IndicationRinging:
		return "ringing"
	case IndicationProgress:
		return "progress"
	case IndicationBusy:
		return "busy"
	case IndicationCongestion:
		return "congestion"
	}
	return "unknown"
}

// Clock is the engine's time source: the real one in production, a virtual
// one in the simulator and tests.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx ends.
	Sleep(ctx context.Context, d time.Duration) error
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Sleep waits d or until ctx is done.
func (SystemClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// State is the channel state as Asterisk names it (ast_state2str).
type State int

// Channel states used by the engine.
const (
	StateDown State = iota
	StateRing
	StateRinging
	StateUp
)

// String returns Asterisk's name for the state: Down, Ring, Ringing, Up.
func (s State) String() string {
	switch s {
	case StateRing:
		return "Ring"
	case StateRinging:
		return "Ringing"
	case StateUp:
		return "Up"
	}
	return "Down"
}
