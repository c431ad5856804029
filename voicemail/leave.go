package voicemail

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// LeaveOptions are VoiceMail()'s options and what the switch knows of the
// call that runs it.
type LeaveOptions struct {
	// Greeting is the u (GreetingUnavailable) or b (GreetingBusy) option.
	// With neither only a temporary greeting is played. A greeting never
	// recorded is invented: the owner's recorded name (greet) or
	// vm-theperson and the box digits, then vm-isunavail or vm-isonphone.
	Greeting Greeting
	// Silent is the s option: no vm-intro.
	Silent bool
	// Urgent (U) and Priority (P) flag the message; urgent messages go to
	// the Urgent folder.
	Urgent, Priority bool
	// Beep is the t(x) option: the tone before recording ("" is "beep");
	// NoBeep is t() without a tone.
	Beep   string
	NoBeep bool
	// ExitA and ExitO say whether the dialplan has an a or an o extension
	// (in the mailbox's exitcontext, else the current context): only then
	// do * and 0 leave VoiceMail.
	ExitA, ExitO bool
	// Call describes the caller for the message's msgNNNN.txt.
	Call CallInfo
}

// CallInfo is what msgNNNN.txt records of the calling channel.
type CallInfo struct {
	Context, MacroContext, Exten string
	Priority                     int
	// Channel is the channel's name (callerchan).
	Channel string
	// RDNIS is the redirecting number ("" is written "unknown").
	RDNIS string
	// Category is the channel's VM_CATEGORY variable.
	Category string
}

// LeaveOutcome is how VoiceMail() ended.
type LeaveOutcome struct {
	// Status is the VMSTATUS to set; StatusUnknown leaves VMSTATUS as it is
	// (app_voicemail's 0 without an o extension).
	Status Status
	// Goto is "a" or "o" when the caller left with * or 0: the switch goes
	// on at that extension, priority 1, of ExitContext when it is set, else
	// of the current context.
	Goto        string
	ExitContext string
	// Message is the message left, when Status is StatusSuccess and one was
	// recorded.
	Message *Message
}

// ParseLeaveOptions reads VoiceMail()'s option letters: b, u, s, U, P,
// t([tone]) and the accepted-but-ignored e (early media: the switch
// answers), g(gain) and d([c]) (not supported: digits are not collected).
func ParseLeaveOptions(s string) (LeaveOptions, error) {
	var o LeaveOptions
	for i := 0; i < len(s); i++ {
		c := s[i]
		arg, hasArg := "", false
		if i+1 < len(s) && s[i+1] == '(' {
			j := strings.IndexByte(s[i:], ')')
			if j < 0 {
				return o, fmt.Errorf("voicemail option %q: %w", s[i:], ErrBadOption)
			}
			arg, hasArg = s[i+2:i+j], true
			i += j
		}
		switch c {
		case 'b':
			o.Greeting = GreetingBusy
		case 'u':
			o.Greeting = GreetingUnavailable
		case 's':
			o.Silent = true
		case 'U':
			o.Urgent = true
		case 'P':
			o.Priority = true
		case 't':
			if hasArg && arg == "" {
				o.NoBeep = true
			}
			o.Beep = arg
		case 'e', 'g', 'd':
		default:
			return o, fmt.Errorf("voicemail option %q: %w", string(c), ErrBadOption)
		}
	}
	return o, nil
}

// play plays a sound, treating a missing one as played (ast_play_and_wait
// over a missing file).
func (s *Service) play(ctx context.Context, ch Channel, sound, lang, stop string) (rune, error) {
	d, err := ch.Play(ctx, sound, lang, stop)
	if errors.Is(err, ErrSoundNotFound) {
		s.log.Debug("sound not found", "sound", sound, "lang", lang)
		return 0, nil
	}
	return d, err
}

// playAll plays sounds in turn until one is interrupted.
func (s *Service) playAll(ctx context.Context, ch Channel, lang, stop string, sounds ...string) (rune, error) {
	for _, snd := range sounds {
		if d, err := s.play(ctx, ch, snd, lang, stop); d != 0 || err != nil {
			return d, err
		}
	}
	return 0, nil
}

// Leave runs VoiceMail(box[@context],options) on ch: app_voicemail's
// leave_voicemail. In order:
//
//   - the greeting: temp.wav if recorded, else with u / b unavail.wav /
//     busy.wav, else invented (greet.wav or vm-theperson + the box's digits,
//     then vm-isunavail / vm-isonphone); # skips to the beep;
//   - vm-intro unless s (or # during the greeting);
//   - * goes to extension a, 0 (operator=yes) to o after "transfer", both
//     with VMSTATUS=USEREXIT;
//   - maxmsg=0 (greetings only, no vm-intro) ends here with SUCCESS; a full
//     INBOX (counting the other callers recording) plays vm-mailboxfull,
//     FAILED;
//   - the beep, then the recording: # ends it, maxsilence of silence ends
//     it, maxsecs ends it (and vm-goodbye follows), hanging up ends it;
//     0 with operator=yes offers vm-saveoper (1 keeps the message);
//   - shorter than minsecs: discarded, FAILED; else delivered to INBOX (or
//     Urgent), SUCCESS, MWI told and the e-mail sent.
//
// Leave returns the channel's error when the caller hangs up (after keeping
// what was recorded), ErrNoMailbox (Status FAILED) for an unknown mailbox.
func (s *Service) Leave(ctx context.Context, ch Channel, box string, opts LeaveOptions) (LeaveOutcome, error) {
	id, err := ParseMailboxID(box)
	if err != nil {
		return LeaveOutcome{Status: StatusFailed}, err
	}
	m, err := s.lookup(id)
	if err != nil {
		s.log.Warn("no entry in voicemail.conf", "mailbox", id.String())
		return LeaveOutcome{Status: StatusFailed}, err
	}
	set := s.settings(m)
	lang := ch.Language()
	out := LeaveOutcome{ExitContext: m.Options["exitcontext"]}
	log := s.log.With("mailbox", id.String())

	ecodes := "#"
	if set.operator && opts.ExitO {
		ecodes += "0"
	}
	if opts.ExitA {
		ecodes += "*"
	}

	// maxmsg=0 is a greetings-only mailbox: no instructions, no recording.
	prefile, recorded, silent := "", false, opts.Silent || set.maxMsg == 0
	greeting := opts.Greeting
	if greeting != GreetingBusy && greeting != GreetingUnavailable {
		greeting = GreetingUnknown
	}
	if p, ok := s.spool.GreetingPath(id, GreetingTemporary); ok {
		prefile, recorded = p, true
	} else if greeting != GreetingUnknown {
		prefile, recorded = s.spool.GreetingPath(id, greeting)
	}
	var d rune
	if prefile != "" {
		if recorded {
			d, err = s.play(ctx, ch, prefile, lang, ecodes)
		} else {
			d, err = s.inventGreeting(ctx, ch, id, greeting == GreetingBusy, lang, ecodes)
		}
		if err != nil {
			return LeaveOutcome{Status: StatusFailed}, err
		}
	}
	if d == '#' {
		silent, d = true, 0
	}
	if d == 0 && !silent {
		if d, err = s.play(ctx, ch, "vm-intro", lang, ecodes); err != nil {
			return LeaveOutcome{Status: StatusFailed}, err
		}
		if d == '#' {
			d = 0
		}
	}
	switch {
	case d == '*':
		out.Status, out.Goto = StatusUserExit, "a"
		log.Info("caller left voicemail for extension a")
		return out, nil
	case d == '0' && set.operator:
		return s.toOperator(ctx, ch, lang, out, opts)
	}

	if set.maxMsg == 0 {
		out.Status = StatusSuccess
		return out, nil
	}
	inprocess, release := s.spool.Reserve(id)
	defer release()
	n, err := s.spool.Count(id, FolderInbox)
	if err != nil {
		return LeaveOutcome{Status: StatusFailed}, err
	}
	// Full counts the other callers recording for the mailbox too.
	if n >= set.maxMsg-(inprocess-1) {
		log.Warn("mailbox full", "messages", n, "maxmsg", set.maxMsg)
		out.Status = StatusFailed
		_, err = s.play(ctx, ch, "vm-mailboxfull", lang, "")
		return out, err
	}
	rec, err := s.spool.NewRecording(id)
	if err != nil {
		return LeaveOutcome{Status: StatusFailed}, err
	}
	if !opts.NoBeep {
		beep := opts.Beep
		if beep == "" {
			beep = "beep"
		}
		if _, err := s.play(ctx, ch, beep, lang, ""); err != nil {
			s.spool.Discard(rec)
			return LeaveOutcome{Status: StatusFailed}, err
		}
	}

	now := s.now()
	name, num := ch.CallerID()
	info := MessageInfo{OrigMailbox: id.Box, Context: opts.Call.Context, MacroContext: opts.Call.MacroContext,
		Exten: opts.Call.Exten, RDNIS: orString(opts.Call.RDNIS, "unknown"), Priority: opts.Call.Priority,
		CallerChan: opts.Call.Channel, CallerID: MergeCallerID(name, num, "Unknown"),
		OrigDate: FormatOrigDate(now), OrigTime: now.Unix(), Category: opts.Call.Category, MsgID: NewMsgID(now)}
	switch {
	case opts.Urgent:
		info.Flag = FlagUrgent
	case opts.Priority:
		info.Flag = FlagPriority
	}
	if err := s.spool.Pending(rec, info); err != nil {
		log.Error("voicemail text file", "err", err)
		s.spool.Discard(rec)
		out.Status = StatusFailed
		_, err = s.play(ctx, ch, "vm-mailboxfull", lang, "")
		return out, err
	}
	ropts := RecordOptions{MaxDuration: set.maxSecs, MaxSilence: set.maxSilence,
		SilenceThreshold: set.silenceThreshold, StopDigits: "#"}
	if set.operator {
		ropts.CancelDigits = "0"
	}
	res, recErr := ch.Record(ctx, rec.Path(), ropts)
	keep := true
	if recErr == nil && res.Stop == RecordStopDigit && res.Digit == '0' && set.operator {
		keep, recErr = s.saveForOperator(ctx, ch, lang)
	}
	secs := int(res.Duration / time.Second)
	switch {
	case !keep:
		s.spool.Discard(rec)
	case secs < int(set.minSecs/time.Second) || res.Duration <= 0:
		log.Info("message too short, abandoned", "seconds", secs, "minsecs", int(set.minSecs/time.Second))
		s.spool.Discard(rec)
		out.Status = StatusFailed
	default:
		info.Duration = secs
		folder := FolderInbox
		if info.Flag == FlagUrgent {
			folder = FolderUrgent
		}
		msg, err := s.spool.Deliver(rec, folder, info)
		if err != nil {
			log.Error("deliver message", "err", err)
			s.spool.Discard(rec)
			return LeaveOutcome{Status: StatusFailed}, errors.Join(err, recErr)
		}
		release()
		log.Info("message left", "folder", folder.String(), "msg", msg.Num, "seconds", secs, "callerid", info.CallerID)
		out.Status, out.Message = StatusSuccess, &msg
		s.mailNew(ctx, m, msg)
		s.changed(id)
	}
	if recErr != nil {
		return out, recErr
	}
	if res.Stop == RecordStopDigit && res.Digit == '0' && set.operator {
		return s.toOperator(ctx, ch, lang, out, opts)
	}
	if res.Stop == RecordStopMaxDuration {
		if _, err := s.play(ctx, ch, "vm-goodbye", lang, ""); err != nil {
			return out, err
		}
	}
	return out, nil
}

// inventGreeting is invent_message: the recorded name or "the person at
// extension" and the digits, then "is unavailable" / "is on the phone".
func (s *Service) inventGreeting(ctx context.Context, ch Channel, id MailboxID, busy bool, lang, stop string) (rune, error) {
	var d rune
	var err error
	if p, ok := s.spool.GreetingPath(id, GreetingName); ok {
		d, err = s.play(ctx, ch, p, lang, stop)
	} else {
		if d, err = s.play(ctx, ch, "vm-theperson", lang, stop); d == 0 && err == nil {
			d, err = ch.SayDigits(ctx, id.Box, lang, stop)
			if errors.Is(err, ErrSoundNotFound) {
				err = nil
			}
		}
	}
	if d != 0 || err != nil {
		return d, err
	}
	if busy {
		return s.play(ctx, ch, "vm-isonphone", lang, stop)
	}
	return s.play(ctx, ch, "vm-isunavail", lang, stop)
}

// saveForOperator is play_record_review's 0 during the recording with
// operator=yes: vm-saveoper, 1 within 3 s keeps the message (vm-msgsaved),
// anything else deletes it (vm-deleted).
func (s *Service) saveForOperator(ctx context.Context, ch Channel, lang string) (bool, error) {
	d, err := s.play(ctx, ch, "vm-saveoper", lang, "0123456789*#")
	if err == nil && d == 0 {
		d, err = ch.WaitDigit(ctx, 3*time.Second)
	}
	if err != nil {
		return true, err
	}
	if d == '1' {
		_, err = s.play(ctx, ch, "vm-msgsaved", lang, "")
		return true, err
	}
	_, err = s.play(ctx, ch, "vm-deleted", lang, "")
	return false, err
}

// toOperator is leave_voicemail's transfer: label.
func (s *Service) toOperator(ctx context.Context, ch Channel, lang string, out LeaveOutcome, opts LeaveOptions) (LeaveOutcome, error) {
	if !opts.ExitO {
		return out, nil
	}
	if _, err := s.play(ctx, ch, "transfer", lang, ""); err != nil {
		return out, err
	}
	out.Goto, out.Status = "o", StatusUserExit
	return out, nil
}
