package voicemail

import (
	"context"
	"os"
	"strings"
)

// options is vm_options, the mailbox options menu (main menu 0).
func (ss *session) options(ctx context.Context) (rune, error) {
	var cmd rune
	var err error
	retries := 0
	for err == nil && cmd != 't' {
		if cmd != 0 {
			retries = 0
		}
		switch cmd {
		case '1':
			cmd, err = ss.recordGreeting(ctx, GreetingUnavailable, "vm-rec-unv")
		case '2':
			cmd, err = ss.recordGreeting(ctx, GreetingBusy, "vm-rec-busy")
		case '3':
			cmd, err = ss.recordGreeting(ctx, GreetingName, "vm-rec-name")
		case '4':
			cmd, err = ss.tempGreeting(ctx)
		case '5':
			cmd, err = ss.changePassword(ctx)
		case '*':
			cmd = 't'
		default:
			cmd = 0
			if _, ok := ss.s.spool.GreetingPath(ss.id, GreetingTemporary); ok {
				cmd, err = ss.play(ctx, "vm-tmpexists")
			}
			if cmd == 0 && err == nil {
				cmd, err = ss.play(ctx, "vm-options")
			}
			if cmd == 0 && err == nil {
				cmd, err = ss.ch.WaitDigit(ctx, menuTimeout)
			}
			if cmd == 0 {
				retries++
			}
			if retries > 3 {
				cmd = 't'
			}
		}
	}
	if cmd == 't' {
		cmd = 0
	}
	return cmd, err
}

// tempGreeting is vm_tempgreeting (options 4): record one when there is
// none; else 1 records anew, 2 removes it (vm-tempremoved), * returns.
func (ss *session) tempGreeting(ctx context.Context) (rune, error) {
	var cmd rune
	var err error
	retries := 0
	for err == nil && cmd != 't' {
		if cmd != 0 {
			retries = 0
		}
		if _, ok := ss.s.spool.GreetingPath(ss.id, GreetingTemporary); !ok {
			if _, err = ss.recordGreeting(ctx, GreetingTemporary, "vm-rec-temp"); err != nil {
				break
			}
			cmd = 't'
			continue
		}
		switch cmd {
		case '1':
			cmd, err = ss.recordGreeting(ctx, GreetingTemporary, "vm-rec-temp")
		case '2':
			if err = ss.s.spool.RemoveGreeting(ss.id, GreetingTemporary); err != nil {
				break
			}
			ss.s.log.Info("temporary greeting removed", "mailbox", ss.id.String())
			_, err = ss.play(ctx, "vm-tempremoved")
			cmd = 't'
		case '*':
			cmd = 't'
		default:
			cmd, err = ss.play(ctx, "vm-tempgreeting2")
			if cmd == 0 && err == nil {
				cmd, err = ss.ch.WaitDigit(ctx, menuTimeout)
			}
			if cmd == 0 {
				retries++
			}
			if retries > 3 {
				cmd = 't'
			}
		}
	}
	if cmd == 't' {
		cmd = 0
	}
	return cmd, err
}

// recordGreeting is play_record_review for the mailbox owner: the prompt,
// the beep, the recording (# ends it), then vm-review: 1 accepts
// (vm-msgsaved), 2 plays it back, 3 records again, * discards (vm-deleted).
// Silence at the review menu four times, or hanging up, discards it.
func (ss *session) recordGreeting(ctx context.Context, g Greeting, prompt string) (rune, error) {
	r, err := ss.s.spool.NewRecording(ss.id)
	if err != nil {
		return 0, err
	}
	defer ss.s.spool.Discard(r)
	cmd, exists, attempts := '3', false, 0
	for cmd != 't' {
		switch cmd {
		case '1':
			if !exists {
				cmd = '3'
				continue
			}
			if err := ss.s.spool.SaveGreeting(r, g); err != nil {
				return 0, err
			}
			ss.s.log.Info("greeting recorded", "mailbox", ss.id.String(), "greeting", g.String())
			_, err := ss.s.play(ctx, ss.ch, "vm-msgsaved", ss.lang, "")
			return 0, err
		case '2':
			if cmd, err = ss.s.play(ctx, ss.ch, r.Base, ss.lang, anyDigit); err != nil {
				return 0, err
			}
		case '3':
			exists = false
			if _, err := ss.play(ctx, prompt); err != nil {
				return 0, err
			}
			if _, err := ss.s.play(ctx, ss.ch, "beep", ss.lang, ""); err != nil {
				return 0, err
			}
			res, err := ss.ch.Record(ctx, r.Path(), RecordOptions{MaxSilence: ss.set.maxSilence,
				SilenceThreshold: ss.set.silenceThreshold, StopDigits: "#"})
			if err != nil {
				return 0, err
			}
			if st, serr := os.Stat(r.Path()); serr == nil && st.Size() > 0 && res.Duration > 0 {
				exists = true
			}
			cmd = 0
		case '*':
			_, err := ss.play(ctx, "vm-deleted")
			return 0, err
		default:
			if !exists {
				cmd = '3'
				continue
			}
			if cmd, err = ss.play(ctx, "vm-review"); err != nil {
				return 0, err
			}
			if cmd == 0 {
				if cmd, err = ss.ch.WaitDigit(ctx, menuTimeout); err != nil {
					return 0, err
				}
			}
			if cmd == 0 {
				attempts++
			}
			if attempts > 3 {
				cmd = 't'
			}
		}
	}
	return 0, nil
}

// changePassword is vm_options' 5: vm-newpassword, the PIN and #,
// vm-reenterpassword, the PIN again; shorter than minpassword
// (vm-invalid-password) or different (vm-mismatch) are refused with
// vm-pls-try-again; a fixed password ("-1234" in voicemail.conf) answers
// vm-no.
func (ss *session) changePassword(ctx context.Context) (rune, error) {
	if ss.m.FixedPassword {
		return ss.play(ctx, "vm-no")
	}
	read := func(prompt string) (string, error) {
		d, err := ss.play(ctx, prompt)
		if err != nil || d == '#' {
			return "", err
		}
		return readString(ctx, ss.ch, d, "#")
	}
	pin, err := read("vm-newpassword")
	if err != nil {
		return 0, err
	}
	if len(pin) < ss.set.minPassword || strings.HasPrefix(pin, "*") {
		ss.s.log.Info("invalid new password", "mailbox", ss.id.String())
		return ss.play(ctx, "vm-invalid-password", "vm-pls-try-again")
	}
	again, err := read("vm-reenterpassword")
	if err != nil {
		return 0, err
	}
	if pin != again {
		ss.s.log.Info("password mismatch", "mailbox", ss.id.String())
		return ss.play(ctx, "vm-mismatch", "vm-pls-try-again")
	}
	if err := ss.s.passwords.SetPassword(ss.id, pin); err != nil {
		return 0, err
	}
	ss.s.log.Info("password changed", "mailbox", ss.id.String(), "length", len(pin))
	return ss.play(ctx, "vm-passchanged")
}
