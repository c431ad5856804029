package ivr

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
)

// AnyDigit is Asterisk's AST_DIGIT_ANY: every key stops an interruptible prompt.
const AnyDigit = "0123456789*#ABCD"

// registerPromptApps adds the applications that play prompts and collect
// digits through Call. Their media side (sound lookup, TTS, DTMF modes) is
// the Call implementation's; the dialplan semantics are here.
func registerPromptApps(r *Registry) {
	for _, a := range []*App{
		{Name: "Playback", Synopsis: "Play sound files: Playback(file[&file2...][,options]); sets PLAYBACKSTATUS", Exec: appPlayback},
		{Name: "BackGround", Synopsis: "Play files while waiting for an extension: Background(file[&file...][,options[,langoverride[,context]]]); sets BACKGROUNDSTATUS", Exec: appBackground},
		{Name: "WaitExten", Synopsis: "Wait for an extension to be dialled: WaitExten([seconds][,options])", Exec: appWaitExten},
		{Name: "Read", Synopsis: "Read digits into a variable: Read(variable[,filename[&filename2...]][,maxdigits][,options][,attempts][,timeout]); sets READSTATUS", Exec: appRead},
		{Name: "SayDigits", Synopsis: "Say digits one by one: SayDigits(digits)", Exec: appSayDigits},
		{Name: "SayNumber", Synopsis: "Say a number in the channel's language: SayNumber(digits[,gender])", Exec: appSayNumber},
		{Name: "SayAlpha", Synopsis: "Say characters one by one: SayAlpha(string)", Exec: appSayAlpha},
		{Name: "SendDTMF", Synopsis: "Send DTMF digits to the caller: SendDTMF(digits[,timeout_ms[,duration_ms]])", Exec: appSendDTMF},
	} {
		r.RegisterApp(a)
	}
}

func appPlayback(ctx context.Context, ch *Channel, args string) error {
	parts := SplitArgs(args)
	files := arg(parts, 0)
	opts := strings.ToLower(arg(parts, 1))
	if strings.TrimSpace(files) == "" {
		ch.log.Warn("Playback requires an argument (filename)")
		ch.SetVar("PLAYBACKSTATUS", "FAILED")
		return nil
	}
	if ch.State() != StateUp {
		if strings.Contains(opts, "skip") {
			ch.SetVar("PLAYBACKSTATUS", "SUCCESS")
			return nil
		}
		if !strings.Contains(opts, "noanswer") {
			if err := ch.Answer(ctx); err != nil {
				return err
			}
		}
	}
	status := "SUCCESS"
	for _, f := range strings.Split(files, "&") {
		if _, err := ch.Play(ctx, strings.TrimSpace(f), ""); err != nil {
			if errors.Is(err, ErrSoundNotFound) {
				ch.log.Warn("Playback: file not found", "file", f)
				status = "FAILED"
				break
			}
			ch.SetVar("PLAYBACKSTATUS", "FAILED")
			return err
		}
	}
	ch.SetVar("PLAYBACKSTATUS", status)
	return nil
}

func appBackground(ctx context.Context, ch *Channel, args string) error {
	parts := SplitArgs(args)
	files, opts, lang, dest := arg(parts, 0), arg(parts, 1), arg(parts, 2), arg(parts, 3)
	if strings.TrimSpace(files) == "" {
		ch.log.Warn("Background requires an argument (filename)")
		return errors.New("Background requires an argument (filename)")
	}
	if lang == "" {
		lang = ch.Language()
	}
	if dest == "" {
		if m, ok := ch.LookupVar("MACRO_CONTEXT"); ok && m != "" {
			dest = m
		} else {
			dest = ch.Context
		}
	}
	skip, noanswer, matchOnly, noInterrupt := false, false, false, false
	switch strings.ToLower(opts) {
	case "skip":
		skip = true
	case "noanswer":
		noanswer = true
	default:
		skip = strings.Contains(opts, "s")
		noanswer = strings.Contains(opts, "n")
		matchOnly = strings.Contains(opts, "m")
		noInterrupt = strings.Contains(opts, "p")
	}
	failed := false
	var digit rune
	if ch.State() != StateUp {
		if skip {
			ch.SetVar("BACKGROUNDSTATUS", "SUCCESS")
			return nil
		}
		if !noanswer {
			if err := ch.Answer(ctx); err != nil {
				return err
			}
		}
	}
	stop := AnyDigit
	switch {
	case noInterrupt:
		stop = ""
	case matchOnly:
		stop = ""
		for _, d := range AnyDigit {
			if ch.Exists(dest, string(d), 1) {
				stop += string(d)
			}
		}
	}
	for _, f := range strings.Split(files, "&") {
		d, err := ch.PlayLang(ctx, strings.TrimSpace(f), lang, stop)
		if err != nil {
			if errors.Is(err, ErrSoundNotFound) {
				ch.log.Warn("Background: file not found", "file", f)
				failed = true
				break
			}
			return err
		}
		if d != 0 {
			digit = d
			break
		}
	}
	ch.SetVar("BACKGROUNDSTATUS", map[bool]string{true: "FAILED", false: "SUCCESS"}[failed])
	if digit == 0 {
		return nil
	}
	// A one-digit extension with nothing longer behind it is taken at once
	// (the FreePBX workaround of pbx_builtin_background); otherwise the digit
	// starts an extension the engine keeps collecting.
	d := string(digit)
	now := ch.engine.clock.Now()
	dp := ch.engine.Dialplan()
	if dp.CanMatch(dest, d, ch.CallerID().Num, now) && !dp.MatchMore(dest, d, ch.CallerID().Num, now) {
		ch.Goto(dest, d, 1)
		return nil
	}
	ch.DialExten(d)
	return nil
}

func appWaitExten(ctx context.Context, ch *Channel, args string) error {
	parts := SplitArgs(args)
	timeout := ch.ResponseTimeout
	if d, ok := ParseTimeLen(arg(parts, 0), time.Second); ok && d > 0 {
		timeout = d
	}
	d, err := ch.WaitDigit(ctx, timeout)
	if err != nil {
		return err
	}
	if d != 0 {
		ch.DialExten(string(d))
		return nil
	}
	switch {
	case ch.Exists(ch.Context, ch.Exten, ch.Priority+1):
		ch.log.Info("timeout, continuing", "location", ch.Location())
		return nil
	case ch.Exists(ch.Context, "t", 1):
		ch.log.Info("timeout, going to 't'", "context", ch.Context)
		ch.Goto("", "t", 1)
		return nil
	case ch.Exists(ch.Context, "e", 1):
		ch.exception = &exceptionInfo{reason: "RESPONSETIMEOUT", context: ch.Context, exten: ch.Exten, priority: ch.Priority}
		ch.Goto("", "e", 1)
		return nil
	}
	ch.log.Warn("timeout but no rule 't' or 'e'", "context", ch.Context)
	return ErrHangup
}

// readOutcome is what one attempt of Read/collection ended with.
type readOutcome int

const (
	readComplete readOutcome = iota // maxdigits reached or terminator pressed
	readTimeout
)

// ReadDigits plays prompts (interruptible by any key, which counts as the
// first digit) and collects up to maxDigits digits ending with a terminator,
// waiting firstTimeout for the first and digitTimeout between the others,
// as ast_app_getdata_terminator/ast_readstring do. A terminator pressed
// first gives an empty, complete input.
func (ch *Channel) ReadDigits(ctx context.Context, prompts []string, maxDigits int, terminators string, firstTimeout, digitTimeout time.Duration) (string, bool, error) {
	var buf strings.Builder
	var first rune
	for _, p := range prompts {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		d, err := ch.Play(ctx, p, AnyDigit)
		if err != nil && !errors.Is(err, ErrSoundNotFound) {
			return "", false, err
		}
		if d != 0 {
			first = d
			break
		}
	}
	timeout := firstTimeout
	for {
		d := first
		first = 0
		if d == 0 {
			var err error
			d, err = ch.WaitDigit(ctx, timeout)
			if err != nil {
				return buf.String(), false, err
			}
			if d == 0 {
				return buf.String(), false, nil
			}
		}
		if strings.ContainsRune(terminators, d) {
			return buf.String(), true, nil
		}
		buf.WriteRune(d)
		if maxDigits > 0 && buf.Len() >= maxDigits {
			return buf.String(), true, nil
		}
		timeout = digitTimeout
	}
}

func appRead(ctx context.Context, ch *Channel, args string) error {
	parts := SplitArgs(args)
	varName := strings.TrimSpace(arg(parts, 0))
	if varName == "" {
		ch.log.Warn("Read requires a variable name")
		ch.SetVar("READSTATUS", "ERROR")
		return nil
	}
	prompts := strings.Split(arg(parts, 1), "&")
	maxDigits, _, ok := scanInt(arg(parts, 2))
	if !ok || maxDigits <= 0 || maxDigits > 255 {
		maxDigits = 255
	}
	opts := arg(parts, 3)
	attempts, _, ok := scanInt(arg(parts, 4))
	if !ok || attempts < 1 {
		attempts = 1
	}
	first, inter := ch.ResponseTimeout, ch.DigitTimeout
	if t := strings.TrimSpace(arg(parts, 5)); t != "" {
		if f, err := strconv.ParseFloat(t, 64); err == nil && f > 0 {
			first = time.Duration(f * float64(time.Second))
			inter = first
		}
	}
	terminators := "#"
	if i := strings.IndexByte(opts, 't'); i >= 0 {
		terminators = ""
		if rest := opts[i+1:]; strings.HasPrefix(rest, "(") {
			if j := strings.IndexByte(rest, ')'); j > 0 {
				terminators = rest[1:j]
			}
		}
	}
	if ch.State() != StateUp {
		if strings.Contains(opts, "s") {
			ch.SetVar(varName, "")
			ch.SetVar("READSTATUS", "SKIPPED")
			return nil
		}
		if !strings.Contains(opts, "n") {
			if err := ch.Answer(ctx); err != nil {
				ch.SetVar("READSTATUS", "HANGUP")
				return err
			}
		}
	}
	status := "ERROR"
	value := ""
	for tries := attempts; tries > 0; {
		v, complete, err := ch.ReadDigits(ctx, prompts, maxDigits, terminators, first, inter)
		value = v
		if err != nil {
			ch.SetVar(varName, value)
			ch.SetVar("READSTATUS", "HANGUP")
			return err
		}
		if complete {
			status = "OK"
		} else {
			status = "TIMEOUT"
		}
		if value != "" {
			break
		}
		tries--
	}
	ch.SetVar(varName, value)
	ch.SetVar("READSTATUS", status)
	return nil
}

func appSendDTMF(ctx context.Context, ch *Channel, args string) error {
	digits := arg(SplitArgs(args), 0)
	if digits == "" {
		return nil
	}
	return ch.hangupErr(ctx, ch.call.SendDigits(ctx, digits))
}
