package pbx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/media"
	"github.com/obelisk-pbx/obelisk/voicemail"
)

// vmChannel is the caller's channel as the voicemail flows see it
// (voicemail.Channel).
type vmChannel struct {
	call vmCall
	ch   *ivr.Channel
}

// vmCall is the call a voicemail flow runs on: an inbound caller's
// (sipCall), or the answered leg of a call file's channel (calleeCall),
// as the feedback survey's complaints are left from one.
type vmCall interface {
	Play(ctx context.Context, sound, language, stop string) (rune, error)
	WaitDigit(ctx context.Context, timeout time.Duration) (rune, error)
	// recordSource is the leg recorded and what ends a recording.
	recordSource() (recordLeg, recordInput)
}

func (c *sipCall) recordSource() (recordLeg, recordInput) {
	return c.in, recordInput{hungUp: c.in.Context().Done(), digits: c.digits}
}

func (c *calleeCall) recordSource() (recordLeg, recordInput) {
	return c.out, recordInput{hungUp: c.out.Context().Done(), digits: c.digits}
}

// voicemailCall returns the call under ch that voicemail can run on.
func voicemailCall(ch *ivr.Channel) (vmCall, *Switch, bool) {
	c := ch.Call()
	if oc, ok := c.(*originatedCall); ok {
		c = oc.Call
	}
	switch c := c.(type) {
	case *sipCall:
		return c, c.sw, true
	case *calleeCall:
		return c, c.sw, true
	}
	return nil, nil, false
}

var _ voicemail.Channel = (*vmChannel)(nil)

func (v *vmChannel) Play(ctx context.Context, sound, lang, stop string) (rune, error) {
	d, err := v.call.Play(ctx, sound, lang, stop)
	if errors.Is(err, ivr.ErrSoundNotFound) {
		return 0, fmt.Errorf("%w: %w", voicemail.ErrSoundNotFound, err)
	}
	return d, err
}

func (v *vmChannel) WaitDigit(ctx context.Context, timeout time.Duration) (rune, error) {
	return v.call.WaitDigit(ctx, timeout)
}

func (v *vmChannel) SayNumber(ctx context.Context, n int, lang, stop string) (rune, error) {
	sounds, err := ivr.NumberSounds(n, lang, ivr.GenderUnknown)
	if err != nil {
		return 0, err
	}
	return v.playAll(ctx, sounds, lang, stop)
}

func (v *vmChannel) SayDigits(ctx context.Context, s, lang, stop string) (rune, error) {
	var sounds []string
	for _, c := range s {
		if c >= '0' && c <= '9' {
			sounds = append(sounds, "digits/"+string(c))
		}
	}
	return v.playAll(ctx, sounds, lang, stop)
}

func (v *vmChannel) playAll(ctx context.Context, sounds []string, lang, stop string) (rune, error) {
	for _, snd := range sounds {
		d, err := v.Play(ctx, snd, lang, stop)
		if err != nil && !errors.Is(err, voicemail.ErrSoundNotFound) {
			return 0, err
		}
		if d != 0 {
			return d, nil
		}
	}
	return 0, nil
}

// Record records the caller into path as Record() does (the same
// silence detection and trims), ending on a stop digit, a cancel digit
// (0: the operator), the silence, the maximum length or the hangup.
func (v *vmChannel) Record(ctx context.Context, path string, opts voicemail.RecordOptions) (voicemail.RecordResult, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return voicemail.RecordResult{}, err
	}
	start := time.Now()
	rec, err := media.NewRecorder(start, media.RecorderOptions{RxFile: path})
	if err != nil {
		return voicemail.RecordResult{}, err
	}
	o := recordOptions{silence: opts.MaxSilence, maxDuration: opts.MaxDuration, keep: true,
		operator: strings.ContainsRune(opts.CancelDigits, '0'), terminator: '#'}
	if opts.StopDigits != "" && !strings.ContainsRune(opts.StopDigits, '#') {
		o.terminator = rune(opts.StopDigits[0])
	}
	leg, in := v.call.recordSource()
	st, err := record(ctx, leg, in, rec, start, o)
	res := voicemail.RecordResult{Duration: rec.Duration()}
	switch st {
	case RecordSilence:
		res.Stop = voicemail.RecordStopSilence
	case RecordTimeout:
		res.Stop = voicemail.RecordStopMaxDuration
	case RecordDTMF:
		res.Stop, res.Digit = voicemail.RecordStopDigit, o.terminator
	case RecordOperator:
		res.Stop, res.Digit = voicemail.RecordStopDigit, '0'
	case RecordHangup:
		res.Stop = voicemail.RecordStopHangup
		if err == nil {
			err = ivr.ErrHangup
		}
	}
	return res, err
}

func (v *vmChannel) Language() string { return v.ch.Language() }

func (v *vmChannel) CallerID() (string, string) {
	cid := v.ch.CallerID()
	return cid.Name, cid.Num
}

// voiceMailApp is Asterisk's VoiceMail.
//
// # Syntax
//
//	VoiceMail(mailbox[@context][&mailbox2…][,options])
//
// Plays the mailbox's greeting (u unavailable, b busy, s skip the
// instructions), the beep, and records a message as app_voicemail does
// (maxsecs, minsecs, maxsilence of voicemail.conf; # ends it, * goes to
// the a extension, 0 to o). Sets VMSTATUS to SUCCESS, USEREXIT or FAILED.
// Messages are stored in DATA/voicemail in Asterisk's layout, the phones
// of mailbox= are notified, and an e-mail with the recording is sent when
// voicemail.conf names an SMTP server.
//
// # Example
//
//	exten => 600,1,VoiceMail(600@VoiceMail,u)
func voiceMailApp() *ivr.App {
	return &ivr.App{Name: "VoiceMail", Synopsis: "Leave a voicemail message: VoiceMail(mailbox[@context][,options]); sets VMSTATUS",
		Exec: func(ctx context.Context, ch *ivr.Channel, args string) error {
			call, sw, ok := voicemailCall(ch)
			if !ok || sw.vm == nil {
				ch.SetVar("VMSTATUS", "FAILED")
				return nil
			}
			parts := ivr.SplitArgs(args)
			box := strings.SplitN(strings.TrimSpace(parts[0]), "&", 2)[0]
			optText := ""
			if len(parts) > 1 {
				optText = parts[1]
			}
			opts, err := voicemail.ParseLeaveOptions(optText)
			if err != nil {
				ch.Logger().Warn("VoiceMail: bad options", "options", optText, "error", err)
			}
			opts.ExitA = ch.Exists(ch.Context, "a", 1)
			opts.ExitO = ch.Exists(ch.Context, "o", 1)
			opts.Call = voicemail.CallInfo{Context: ch.Context, Exten: ch.Exten, Priority: ch.Priority, Channel: ch.Name,
				Category: ch.Var("VM_CATEGORY")}
			if err := ch.Answer(ctx); err != nil {
				return err
			}
			out, err := sw.vm.Leave(ctx, &vmChannel{call: call, ch: ch}, box, opts)
			if out.Status != voicemail.StatusUnknown {
				ch.SetVar("VMSTATUS", out.Status.String())
			}
			if out.Goto != "" {
				ch.Goto(firstNonEmpty(out.ExitContext, ch.Context), out.Goto, 1)
			}
			if errors.Is(err, ivr.ErrHangup) || ctx.Err() != nil {
				return ivr.ErrHangup
			}
			if err != nil {
				ch.Logger().Warn("VoiceMail failed", "mailbox", box, "error", err)
			}
			return nil
		}}
}

// voiceMailMainApp is Asterisk's VoiceMailMain.
//
// # Syntax
//
//	VoiceMailMain([mailbox][@context][,options])
//
// The caller logs in (vm-login, vm-password; 3 tries) and hears and
// manages the messages: 1 read (4 previous, 5 repeat, 6 next, 7 delete,
// 9 save), 2 change folder, 0 mailbox options (greetings, name, password),
// # exit, in the channel's language. Options: s (no password), p (prefix).
//
// # Example
//
//	exten => 2000,1,VoiceMailMain(${CALLERID(num)}@default)
func voiceMailMainApp() *ivr.App {
	return &ivr.App{Name: "VoiceMailMain", Synopsis: "Check voicemail: VoiceMailMain([mailbox][@context][,options])",
		Exec: func(ctx context.Context, ch *ivr.Channel, args string) error {
			call, ok := ch.Call().(*sipCall)
			if !ok || call.sw.vm == nil {
				return nil
			}
			parts := ivr.SplitArgs(args)
			optText := ""
			if len(parts) > 1 {
				optText = parts[1]
			}
			opts, err := voicemail.ParseMainOptions(optText)
			if err != nil {
				ch.Logger().Warn("VoiceMailMain: bad options", "options", optText, "error", err)
			}
			opts.Mailbox = strings.TrimSpace(parts[0])
			opts.ExitA = ch.Exists(ch.Context, "a", 1)
			if err := ch.Answer(ctx); err != nil {
				return err
			}
			out, err := call.sw.vm.Main(ctx, &vmChannel{call: call, ch: ch}, opts)
			if out.Goto != "" {
				ch.Goto(ch.Context, out.Goto, 1)
			}
			if errors.Is(err, ivr.ErrHangup) || call.in.Context().Err() != nil {
				return ivr.ErrHangup
			}
			if err != nil {
				ch.Logger().Warn("VoiceMailMain failed", "error", err)
			}
			return nil
		}}
}
