package pbx

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/obelisk-pbx/obelisk/ivr"
)

// speakOptions are Speak's options, parsed.
type speakOptions struct {
	noAnswer bool   // n
	stop     string // i(keys): the keys that interrupt
	lang     string // l(lang)
}

// parseSpeakOptions reads Speak's options: n, i or i(keys) (i alone, or
// i(any), is any key), l(lang).
func parseSpeakOptions(s string) speakOptions {
	var o speakOptions
	flags := parseDialOptions(s)
	_, o.noAnswer = flags['n']
	if keys, ok := flags['i']; ok {
		o.stop = interruptKeys(keys, true)
	}
	o.lang = strings.TrimSpace(flags['l'])
	return o
}

// interruptKeys returns the keys of an interrupt argument: "any" (or
// empty, when emptyIsAny) is every key, as app_festival reads it.
func interruptKeys(s string, emptyIsAny bool) string {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "any") || (s == "" && emptyIsAny) {
		return ivr.AnyDigit
	}
	return s
}

// SpeakStatus values of SPEAKSTATUS.
const (
	speakSuccess     = "SUCCESS"
	speakInterrupted = "INTERRUPTED"
	speakFailed      = "FAILED"
)

// speak says text to the caller in lang, stopping on a key of stop. It
// sets SPEAKSTATUS and, when a key interrupted, dials it as an extension
// (as an Asterisk application returning a digit does). A failed synthesis
// is logged (by the prompts) and the dialplan goes on.
func speak(ctx context.Context, ch *ivr.Channel, app, text, lang, stop string, answer bool) error {
	log := ch.Logger()
	if strings.TrimSpace(text) == "" {
		log.Warn(app + " requires an argument (text)")
		ch.SetVar("SPEAKSTATUS", speakFailed)
		return nil
	}
	if lang == "" {
		lang = firstNonEmpty(ch.Language(), "en")
	}
	if answer && ch.State() != ivr.StateUp {
		if err := ch.Answer(ctx); err != nil {
			return err
		}
	}
	c, ok := mediaCall(ch)
	if !ok {
		// No media (the simulator): the speech takes its time.
		d := time.Duration(max(utf8.RuneCountInString(text), 15)) * 70 * time.Millisecond
		log.Info(app+": the call has no media", "text", text, "lang", lang)
		ch.SetVar("SPEAKSTATUS", speakSuccess)
		return ch.Sleep(ctx, d)
	}
	codec, err := c.mediaCodec()
	if err != nil {
		if errors.Is(err, ivr.ErrHangup) {
			return err
		}
		log.Warn(app+": the call has no media", "error", err)
		ch.SetVar("SPEAKSTATUS", speakFailed)
		return nil
	}
	if c.sw.prompts.tts() == nil {
		log.Warn(app+": no text-to-speech engine is configured (tts.conf); the dialplan goes on", "text", text)
		ch.SetVar("SPEAKSTATUS", speakFailed)
		return nil
	}
	snd, err := c.sw.prompts.speech(ctx, text, lang, codec)
	if err != nil {
		if c.in.Context().Err() != nil {
			return ivr.ErrHangup
		}
		ch.SetVar("SPEAKSTATUS", speakFailed)
		return nil
	}
	fr, err := snd.Frames(codec)
	if err != nil {
		log.Warn(app+": cannot play the speech", "error", err)
		ch.SetVar("SPEAKSTATUS", speakFailed)
		return nil
	}
	d, err := c.playFrames(ctx, fr, stop)
	if err != nil {
		return err
	}
	if d != 0 {
		ch.SetVar("SPEAKSTATUS", speakInterrupted)
		ch.DialExten(string(d))
		return nil
	}
	ch.SetVar("SPEAKSTATUS", speakSuccess)
	return nil
}

// speakApp is Obelisk's Speak: text to speech of dynamic text.
//
// # Syntax
//
//	Speak(text[,options])
//
// Says text to the caller in the channel's language, synthesized by the
// engine of tts.conf (espeak-ng by default) and kept in the speech cache
// (the data directory's sounds/tts/), so the same text is made once. The
// call is answered first unless option n. SPEAKSTATUS is SUCCESS,
// INTERRUPTED (a key of i() stopped it; the key then starts an extension
// to dial, as Background's does) or FAILED (no text, no engine, or the
// engine failed: the error is logged and the dialplan goes on).
//
// # Options
//
//   - n: do not answer; an unanswered call hears the speech as early media.
//   - i or i(keys): the keys that interrupt (i alone or i(any): any key).
//   - l(lang): the language to speak instead of the channel's.
//
// Commas in text must be quoted or escaped, as in any application
// argument.
//
// # Example
//
//	exten => 900,1,Speak("Your balance is ${BALANCE} euros",i)
//	 same => n,GotoIf($["${SPEAKSTATUS}" = "FAILED"]?fallback)
func speakApp() *ivr.App {
	return &ivr.App{
		Name:     "Speak",
		Synopsis: "Say text with text-to-speech: Speak(text[,options]); options n, i(keys), l(lang); sets SPEAKSTATUS",
		Exec: func(ctx context.Context, ch *ivr.Channel, args string) error {
			parts := ivr.SplitArgs(args)
			o := parseSpeakOptions(arg(parts, 1))
			return speak(ctx, ch, "Speak", arg(parts, 0), o.lang, o.stop, !o.noAnswer)
		},
	}
}

// festivalApp is Asterisk's Festival, spoken by Obelisk's text-to-speech
// engine.
//
// # Syntax
//
//	Festival(text[,intkeys])
//
// Says text as Speak does (the call is answered first, as app_festival
// does). intkeys are the keys that interrupt it ("any" for every key;
// none by default); the key pressed starts an extension to dial, as
// app_festival returns it to the dialplan. SPEAKSTATUS is set as by
// Speak.
//
// # Example
//
//	exten => 901,1,Festival(Press 1 for sales or 2 for support,12)
//	 same => n,WaitExten(5)
func festivalApp() *ivr.App {
	return &ivr.App{
		Name:     "Festival",
		Synopsis: "Say text with text-to-speech (Asterisk's syntax): Festival(text[,intkeys]); sets SPEAKSTATUS",
		Exec: func(ctx context.Context, ch *ivr.Channel, args string) error {
			parts := ivr.SplitArgs(args)
			stop := ""
			if len(parts) > 1 {
				stop = interruptKeys(parts[1], false)
			}
			return speak(ctx, ch, "Festival", arg(parts, 0), "", stop, true)
		},
	}
}
