package dtmf

import (
	"context"
	"strings"
)

// Escape digits of a prompt: the digits that stop it, the escape_digits
// argument Asterisk's applications give ast_streamfile/ast_waitstream.
// Digits outside the set are read and dropped while the prompt plays, as
// ast_waitstream drops them.
const (
	// EscapeNone: nothing stops the prompt (Playback, SayDigits,
	// SayNumber, SayAlpha pass "").
	EscapeNone = ""
	// EscapeAny is AST_DIGIT_ANY: every digit stops the prompt and becomes
	// the first digit of what is read next (Background, Read).
	EscapeAny = Digits
)

// appEscapes are the escape digits of dialplan applications' prompts.
var appEscapes = map[string]string{
	"background":  EscapeAny,  // pbx_builtins: ast_waitstream_exten, any digit starts the extension
	"read":        EscapeAny,  // ast_app_getdata → ast_readstring: ast_waitstream(AST_DIGIT_ANY)
	"playback":    EscapeNone, // app_playback: ast_waitstream(chan, "")
	"saydigits":   EscapeNone, // pbx_builtins: ast_say_digit_str(chan, data, "", lang)
	"saynumber":   EscapeNone,
	"sayalpha":    EscapeNone,
	"sayphonetic": EscapeNone,
}

// AppEscape returns the digits that stop the prompts of the named dialplan
// application (case-insensitive), as Asterisk plays them; ok is false for
// applications it does not know.
func AppEscape(app string) (escape string, ok bool) {
	escape, ok = appEscapes[strings.ToLower(app)]
	return escape, ok
}

// Interruptible plays a prompt while watching digits: play runs with a
// context that ends when a digit of escape arrives, and Interruptible
// returns that digit (0 when the prompt finished, or ctx ended, first) and
// play's error (nil when the digit stopped it). Other digits are dropped.
// Pass the digit to Collector.Collect as first, as Read and Background do.
// When digits is closed (the channel hung up) the prompt is stopped too.
func Interruptible(ctx context.Context, digits <-chan rune, escape string, play func(context.Context) error) (rune, error) {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- play(pctx) }()
	for {
		select {
		case err := <-done:
			return 0, err
		case r, ok := <-digits:
			if !ok {
				cancel()
				return 0, <-done
			}
			if d := normalize(r); d != 0 && strings.ContainsRune(escape, d) {
				cancel()
				<-done
				return d, nil
			}
		}
	}
}
