package voicemail

import (
	"context"
	"time"
)

// Channel is what VoiceMail() and VoiceMailMain() need from the caller's
// call. The switch adapts its ivr.Call and media to it. Every method returns
// an error once the caller has hung up (the switch's own hangup error, which
// Leave and Main return as they got it); Play returns ErrSoundNotFound
// (errors.Is) for a sound that exists nowhere, and the flows go on as
// app_voicemail does over a missing file.
type Channel interface {
	// Play plays a sound: a prompt name ("vm-intro", "digits/5", "beep"),
	// looked up in lang with fallback to English, or an absolute path
	// without extension (a message, a greeting). A digit of stop pressed
	// during playback ends it and is returned; other digits are discarded.
	Play(ctx context.Context, sound, lang, stop string) (digit rune, err error)
	// WaitDigit waits up to timeout for a digit (digits pressed since the
	// last read are buffered) and returns it, or 0 on timeout.
	WaitDigit(ctx context.Context, timeout time.Duration) (rune, error)
	// SayNumber says n in lang (ast_say_number), stoppable by stop.
	SayNumber(ctx context.Context, n int, lang, stop string) (rune, error)
	// SayDigits says each digit of s in lang (ast_say_digit_str).
	SayDigits(ctx context.Context, s, lang, stop string) (rune, error)
	// Record records the caller into path (a .wav file: 8 kHz 16-bit mono
	// PCM, Asterisk's "wav") as app_voicemail's ast_play_and_record_full:
	// until a digit of opts.StopDigits or opts.CancelDigits, opts.MaxSilence
	// of silence (then trimmed from the end), opts.MaxDuration, or hangup.
	// On hangup it returns the hangup error together with the result of
	// what was recorded, which Leave keeps as the message.
	Record(ctx context.Context, path string, opts RecordOptions) (RecordResult, error)
	// Language returns the channel's language ("en", "fr", "ar" …).
	Language() string
	// CallerID returns the caller's name and number ("" when unknown).
	CallerID() (name, number string)
}

// RecordOptions are the limits of one recording.
type RecordOptions struct {
	// MaxDuration ends the recording (0: no limit); voicemail.conf maxsecs.
	MaxDuration time.Duration
	// MaxSilence ends the recording after this much silence (0: never);
	// maxsilence.
	MaxSilence time.Duration
	// SilenceThreshold is the energy below which audio is silence
	// (silencethreshold, as ast_dsp_set_threshold).
	SilenceThreshold int
	// StopDigits end the recording and keep it ("#").
	StopDigits string
	// CancelDigits end the recording and discard it ("0" with operator=yes).
	CancelDigits string
}

// RecordStop says why a recording ended. Its zero value is RecordStopUnknown.
type RecordStop int

// Reasons a recording ends.
const (
	RecordStopUnknown RecordStop = iota
	// RecordStopDigit: a digit of StopDigits or CancelDigits (RecordResult.Digit).
	RecordStopDigit
	// RecordStopSilence: MaxSilence of silence.
	RecordStopSilence
	// RecordStopMaxDuration: MaxDuration reached (Asterisk's 't').
	RecordStopMaxDuration
	// RecordStopHangup: the caller hung up.
	RecordStopHangup
)

// String names the reason.
func (r RecordStop) String() string {
	switch r {
	case RecordStopDigit:
		return "digit"
	case RecordStopSilence:
		return "silence"
	case RecordStopMaxDuration:
		return "maxduration"
	case RecordStopHangup:
		return "hangup"
	}
	return "unknown"
}

// RecordResult is what a recording produced.
type RecordResult struct {
	// Duration is the length of the audio kept in the file (after the
	// trailing silence is trimmed).
	Duration time.Duration
	Stop     RecordStop
	// Digit is the digit that ended the recording (RecordStopDigit).
	Digit rune
}
