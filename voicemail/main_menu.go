package voicemail

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// anyDigit stops a prompt on any key, as ast_play_and_wait's AST_DIGIT_ANY.
const anyDigit = "0123456789*#"

// The keys while a message plays: app_voicemail's listen-control-* defaults
// (voicemail.conf's listen-control-*-key settings are not read).
const (
	// listenStop stop the message and are the next command
	// (listen-control-stop-key).
	listenStop = "13456789"
	// listenForward skips skipms ahead, listenReverse skipms back
	// (listen-control-forward-key, listen-control-reverse-key).
	listenForward, listenReverse = '#', '*'
	// listenPause pauses until pressed again, listenRestart plays the
	// message from its start (listen-control-pause-key,
	// listen-control-restart-key).
	listenPause, listenRestart = '0', '2'
)

// Timeouts of VoiceMailMain.
const (
	menuTimeout     = 6 * time.Second  // ast_waitfordigit(chan, 6000) after a menu
	firstDigit      = 10 * time.Second // ast_readstring's first-digit timeout
	interDigit      = 2 * time.Second  // ast_readstring's timeout between digits
	folderGap       = 500 * time.Millisecond
	folderTimeout   = 4 * time.Second
	maxStringDigits = 79
)

// MainOptions are VoiceMailMain()'s arguments and what the switch knows.
type MainOptions struct {
	// Mailbox is the mailbox argument, box[@context]; without a box the
	// caller is asked for one (vm-login), in the argument's context.
	Mailbox string
	// SkipPassword is the s option (with a mailbox): no password asked.
	SkipPassword bool
	// Prefix is the p option: the mailbox argument is prefixed to the
	// number the caller enters.
	Prefix bool
	// ExitA says the dialplan has an a extension: * as mailbox or password
	// goes there.
	ExitA bool
}

// ParseMainOptions reads VoiceMailMain()'s option letters: s, p, and the
// accepted-but-ignored g(gain) and a(folder).
func ParseMainOptions(s string) (MainOptions, error) {
	var o MainOptions
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i+1 < len(s) && s[i+1] == '(' {
			j := strings.IndexByte(s[i:], ')')
			if j < 0 {
				return o, fmt.Errorf("voicemailmain option %q: %w", s[i:], ErrBadOption)
			}
			i += j
		}
		switch c {
		case 's':
			o.SkipPassword = true
		case 'p':
			o.Prefix = true
		case 'g', 'a':
		default:
			return o, fmt.Errorf("voicemailmain option %q: %w", string(c), ErrBadOption)
		}
	}
	return o, nil
}

// MainOutcome is how VoiceMailMain() ended.
type MainOutcome struct {
	// Goto is "a" when the caller entered * as mailbox or password.
	Goto string
	// Mailbox is the mailbox logged into; Authenticated is false after
	// maxlogins failures or without a mailbox number.
	Mailbox       MailboxID
	Authenticated bool
}

// session is a VoiceMailMain session: app_voicemail's vm_state.
type session struct {
	s    *Service
	ch   Channel
	m    *Mailbox
	id   MailboxID
	set  boxSettings
	lang string

	folder     Folder // the folder open (curbox)
	playFolder Folder // the folder chosen (Urgent counts as INBOX)
	msgs       []Message
	deleted    []bool
	heard      []bool
	cur        int
	starting   bool
	repeats    int
	inUrgent   bool

	newMsgs, oldMsgs, urgentMsgs int
}

// Main runs VoiceMailMain([box][@context][,options]) on ch: app_voicemail's
// vm_execmain. The caller logs in (vm-login, vm-password, maxlogins tries
// with vm-incorrect-mailbox / vm-incorrect), hears "you have N new and M
// old messages" in the channel's language (or the mailbox's language=),
// and uses the main menu:
//
//	1 first message   5 repeat   4 previous   6 next   7 delete/undelete
//	9 save to a folder (0 INBOX 1 Old 2 Work 3 Family 4 Friends)
//	2 change folder   0 mailbox options   * help   # exit (vm-goodbye)
//
// Mailbox options: 1 unavailable greeting, 2 busy greeting, 3 name,
// 4 temporary greeting (record, 2 removes), 5 password (vm-newpassword,
// vm-reenterpassword, vm-passchanged; stored in the PasswordStore),
// * back. Heard INBOX messages move to Old and deleted ones are removed
// when the folder is closed (folder change, exit or hangup), then the
// folder is renumbered and MWI told. While a message plays, as Asterisk's
// ast_control_streamfile: # skips skipms (voicemail.conf, 3 s) ahead, *
// skipms back, 0 pauses, 2 restarts, and 1 3 4 5 6 7 8 9 stop it and act
// as in the menu; # is "exit" only once the message is over. The 3
// advanced options menu has none of its options (reply, callback,
// envelope, dial out, leave a message: vm-sorry); * leaves it for the main
// menu and # ends the session there too. Not available: 8 forward
// (vm-sorry) and the envelope (date) before each message.
func (s *Service) Main(ctx context.Context, ch Channel, opts MainOptions) (MainOutcome, error) {
	var out MainOutcome
	m, goTo, err := s.authenticate(ctx, ch, opts)
	if err != nil || goTo != "" || m == nil {
		out.Goto = goTo
		return out, err
	}
	out.Mailbox, out.Authenticated = m.ID(), true
	ss := &session{s: s, ch: ch, m: m, id: m.ID(), set: s.settings(m), lang: ch.Language(), cur: -1}
	if ss.set.language != "" {
		ss.lang = ss.set.language
	}
	s.log.Info("voicemail login", "mailbox", ss.id.String())
	err = ss.run(ctx)
	if cerr := ss.close(); cerr != nil {
		s.log.Error("close mailbox", "mailbox", ss.id.String(), "err", cerr)
	}
	s.changed(ss.id)
	return out, err
}

// play plays a prompt of the session, stoppable by any key.
func (ss *session) play(ctx context.Context, sounds ...string) (rune, error) {
	return ss.s.playAll(ctx, ss.ch, ss.lang, anyDigit, sounds...)
}

func (ss *session) number(ctx context.Context, n int) (rune, error) {
	d, err := ss.ch.SayNumber(ctx, n, ss.lang, anyDigit)
	if errors.Is(err, ErrSoundNotFound) {
		err = nil
	}
	return d, err
}

// readString is ast_readstring: first (a key pressed during the prompt) or
// a key within firstDigit, then keys each within interDigit, up to a key of
// enders or maxStringDigits.
func readString(ctx context.Context, ch Channel, first rune, enders string) (string, error) {
	var b strings.Builder
	d := first
	var err error
	if d == 0 {
		if d, err = ch.WaitDigit(ctx, firstDigit); err != nil {
			return "", err
		}
	}
	for d != 0 && !strings.ContainsRune(enders, d) {
		b.WriteRune(d)
		if b.Len() >= maxStringDigits {
			break
		}
		if d, err = ch.WaitDigit(ctx, interDigit); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// authenticate is vm_authenticate.
func (s *Service) authenticate(ctx context.Context, ch Channel, opts MainOptions) (*Mailbox, string, error) {
	lang := ch.Language()
	box, vmctx, _ := strings.Cut(opts.Mailbox, "@")
	if vmctx == "" {
		vmctx = DefaultContext
	}
	prefix := ""
	if opts.Prefix {
		prefix, box = box, ""
	}
	skipUser := box != ""
	if skipUser && opts.SkipPassword {
		m := s.cfg.Mailbox(box + "@" + vmctx)
		if m == nil {
			s.log.Warn("no entry in voicemail.conf", "mailbox", box+"@"+vmctx)
		}
		return m, "", nil
	}
	maxLogins := s.cfg.General.MaxLogins
	if maxLogins <= 0 {
		maxLogins = DefaultMaxLogins
	}
	var first rune
	var err error
	if !skipUser {
		if first, err = s.play(ctx, ch, "vm-login", lang, anyDigit); err != nil {
			return nil, "", err
		}
	}
	for tries := 0; tries < maxLogins; {
		if !skipUser {
			if box, err = readString(ctx, ch, first, "#"); err != nil {
				return nil, "", err
			}
			first = 0
		}
		if box == "" {
			if _, num := ch.CallerID(); num != "" {
				box = num
			} else {
				return nil, "", nil
			}
		} else if box[0] == '*' {
			if opts.ExitA {
				return nil, "a", nil
			}
			box = ""
		}
		full := prefix + box
		m := s.cfg.Mailbox(full + "@" + vmctx)
		password := ""
		if m == nil || s.password(m) != "" {
			d, err := s.play(ctx, ch, "vm-password", lang, anyDigit)
			if err != nil {
				return nil, "", err
			}
			if password, err = readString(ctx, ch, d, "#"); err != nil {
				return nil, "", err
			}
			if strings.HasPrefix(password, "*") {
				if opts.ExitA {
					return nil, "a", nil
				}
				m = nil
			}
		}
		tries++
		if m != nil && password == s.password(m) {
			return m, "", nil
		}
		s.log.Info("incorrect password", "mailbox", full+"@"+vmctx)
		if skipUser || tries >= maxLogins {
			if _, err := s.play(ctx, ch, "vm-incorrect", lang, ""); err != nil {
				return nil, "", err
			}
		} else if first, err = s.play(ctx, ch, "vm-incorrect-mailbox", lang, anyDigit); err != nil {
			return nil, "", err
		}
		if !skipUser {
			box = ""
		}
	}
	_, err = s.play(ctx, ch, "vm-goodbye", lang, "")
	return nil, "", err
}

// open opens a folder (open_mailbox): renumbered, heard and deleted flags
// cleared.
func (ss *session) open(f Folder) error {
	msgs, err := ss.s.spool.Open(ss.id, f)
	if err != nil {
		return err
	}
	ss.folder, ss.msgs = f, msgs
	ss.deleted, ss.heard = make([]bool, len(msgs)), make([]bool, len(msgs))
	return nil
}

// close applies the session's changes to the open folder (close_mailbox):
// deleted messages removed, heard INBOX and Urgent messages moved to Old
// (kept when Old is full), the folder renumbered.
func (ss *session) close() error {
	if ss.folder == FolderUnknown {
		return nil
	}
	var errs []error
	changed := false
	for i, m := range ss.msgs {
		switch {
		case ss.deleted[i]:
			errs = append(errs, ss.s.spool.Remove(ss.id, ss.folder, m.Num))
			changed = true
		case ss.heard[i] && (ss.folder == FolderInbox || ss.folder == FolderUrgent):
			if _, err := ss.s.spool.Copy(ss.id, ss.folder, m.Num, FolderOld, ss.set.maxMsg); errors.Is(err, ErrMailboxFull) {
				ss.s.log.Warn("Old is full, message stays", "mailbox", ss.id.String(), "msg", m.Num)
				continue
			} else if err != nil {
				errs = append(errs, err)
				continue
			}
			errs = append(errs, ss.s.spool.Remove(ss.id, ss.folder, m.Num))
			changed = true
		}
	}
	if changed {
		errs = append(errs, ss.s.spool.Resequence(ss.id, ss.folder))
	}
	ss.msgs, ss.deleted, ss.heard = nil, nil, nil
	ss.folder = FolderUnknown
	return errors.Join(errs...)
}

func (ss *session) last() int { return len(ss.msgs) - 1 }

// run is vm_execmain after the login.
func (ss *session) run(ctx context.Context) error {
	var err error
	count := func(f Folder) int {
		n, cerr := ss.s.spool.Count(ss.id, f)
		if cerr != nil {
			err = cerr
		}
		return n
	}
	ss.oldMsgs, ss.newMsgs, ss.urgentMsgs = count(FolderOld), count(FolderInbox), count(FolderUrgent)
	if err != nil {
		return err
	}
	// Start in Urgent; in INBOX when nothing is urgent; in Old when only
	// old messages wait.
	start := FolderUrgent
	ss.inUrgent, ss.playFolder = true, FolderInbox
	switch {
	case ss.newMsgs == 0 && ss.urgentMsgs == 0 && ss.oldMsgs > 0:
		start, ss.inUrgent, ss.playFolder = FolderOld, false, FolderOld
	case ss.urgentMsgs == 0 && ss.newMsgs > 0:
		start, ss.inUrgent = FolderInbox, false
	}
	if err := ss.open(start); err != nil {
		return err
	}
	cmd, err := ss.intro(ctx)
	ss.repeats, ss.starting = 0, true
	for err == nil && cmd != 't' && cmd != '#' {
		cmd, err = ss.command(ctx, cmd)
	}
	if err != nil {
		return err
	}
	_, err = ss.s.play(ctx, ss.ch, "vm-goodbye", ss.lang, "")
	return err
}

// command runs one main-menu key and returns the next one.
func (ss *session) command(ctx context.Context, cmd rune) (rune, error) {
	switch cmd {
	case '1':
		ss.cur = 0
		return ss.browse(ctx)
	case '5':
		return ss.browse(ctx)
	case '2':
		d, err := ss.getFolder(ctx, "vm-changeto")
		if err != nil {
			return 0, err
		}
		if f := FolderForDigit(d); f != FolderUnknown {
			if err := ss.reopen(f); err != nil {
				return 0, err
			}
			ss.inUrgent, ss.playFolder = false, f
		}
		ss.starting, ss.cur = true, 0
		return ss.folderName(ctx, ss.folder)
	case '3':
		return ss.advanced(ctx)
	case '8':
		if len(ss.msgs) == 0 {
			return ss.play(ctx, "vm-nomore")
		}
		return ss.play(ctx, "vm-sorry")
	case '4':
		if ss.cur > 0 {
			ss.cur--
			return ss.playMessage(ctx)
		}
		if !ss.inUrgent && ss.urgentMsgs > 0 {
			ss.inUrgent = true
			if err := ss.reopen(FolderUrgent); err != nil {
				return 0, err
			}
			ss.cur = ss.last()
			if ss.cur < 0 {
				return ss.play(ctx, "vm-nomore")
			}
			return 0, nil
		}
		return ss.play(ctx, "vm-nomore")
	case '6':
		if ss.cur < ss.last() {
			ss.cur++
			return ss.playMessage(ctx)
		}
		if ss.inUrgent && ss.newMsgs > 0 {
			ss.inUrgent = false
			if err := ss.reopen(FolderInbox); err != nil {
				return 0, err
			}
			ss.cur = -1
			if ss.last() < 0 {
				return ss.play(ctx, "vm-nomore")
			}
			return 0, nil
		}
		return ss.play(ctx, "vm-nomore")
	case '7':
		if ss.cur < 0 || ss.cur > ss.last() {
			return 0, nil
		}
		ss.deleted[ss.cur] = !ss.deleted[ss.cur]
		delta := -1
		prompt := "vm-deleted"
		if !ss.deleted[ss.cur] {
			delta, prompt = 1, "vm-undeleted"
		}
		switch {
		case ss.playFolder == FolderInbox && ss.inUrgent:
			ss.urgentMsgs += delta
		case ss.playFolder == FolderInbox:
			ss.newMsgs += delta
		case ss.playFolder == FolderOld:
			ss.oldMsgs += delta
		}
		return ss.play(ctx, prompt)
	case '9':
		if ss.cur < 0 || ss.cur > ss.last() {
			return 0, nil
		}
		d, err := ss.getFolder(ctx, "vm-savefolder")
		if err != nil {
			return 0, err
		}
		to := FolderForDigit(d)
		if to == FolderUnknown {
			return 0, nil
		}
		if _, err := ss.s.spool.Copy(ss.id, ss.folder, ss.msgs[ss.cur].Num, to, ss.set.maxMsg); errors.Is(err, ErrMailboxFull) {
			return ss.play(ctx, "vm-mailboxfull")
		} else if err != nil {
			return 0, err
		}
		ss.deleted[ss.cur] = true
		if d, err := ss.play(ctx, "vm-message"); d != 0 || err != nil {
			return d, err
		}
		if d, err := ss.number(ctx, ss.cur+1); d != 0 || err != nil {
			return d, err
		}
		if d, err := ss.play(ctx, "vm-savedto"); d != 0 || err != nil {
			return d, err
		}
		return ss.folderName(ctx, to)
	case '*':
		if ss.starting {
			return 0, nil
		}
		if d, err := ss.play(ctx, "vm-onefor"); d != 0 || err != nil {
			return d, err
		}
		if d, err := ss.folderName(ctx, ss.folder); d != 0 || err != nil {
			return d, err
		}
		if d, err := ss.play(ctx, "vm-opts"); d != 0 || err != nil {
			return d, err
		}
		return ss.instructions(ctx)
	case '0':
		d, err := ss.options(ctx)
		if err != nil {
			return 0, err
		}
		if err := ss.reopen(ss.folderOfPlay()); err != nil {
			return 0, err
		}
		ss.starting = true
		return d, nil
	}
	return ss.instructions(ctx)
}

// folderOfPlay is the folder to reopen after the options menu.
func (ss *session) folderOfPlay() Folder {
	if ss.inUrgent {
		return FolderUrgent
	}
	return ss.playFolder
}

// reopen closes the open folder (applying its changes) and opens f.
func (ss *session) reopen(f Folder) error {
	if err := ss.close(); err != nil {
		return err
	}
	ss.s.changed(ss.id)
	return ss.open(f)
}

// folderName is vm_play_folder_name for English and its followers: the
// folder, then "messages".
func (ss *session) folderName(ctx context.Context, f Folder) (rune, error) {
	return ss.play(ctx, f.Prompt(), "vm-messages")
}

// intro is vm_intro: "You have …".
func (ss *session) intro(ctx context.Context) (rune, error) {
	urgent := ss.urgentMsgs
	if strings.HasPrefix(strings.ToLower(ss.lang), "fr") {
		urgent = 0 // vm_intro_fr does not count urgent messages
	}
	noun := func(n int) string {
		if n == 1 {
			return "vm-message"
		}
		return "vm-messages"
	}
	if d, err := ss.play(ctx, "vm-youhave"); d != 0 || err != nil {
		return d, err
	}
	if urgent > 0 {
		if d, err := ss.number(ctx, urgent); d != 0 || err != nil {
			return d, err
		}
		next := noun(urgent)
		if ss.oldMsgs > 0 || ss.newMsgs > 0 {
			next = "vm-and"
		}
		if d, err := ss.play(ctx, "vm-Urgent", next); d != 0 || err != nil {
			return d, err
		}
	}
	if ss.newMsgs > 0 {
		if d, err := ss.number(ctx, ss.newMsgs); d != 0 || err != nil {
			return d, err
		}
		next := noun(ss.newMsgs)
		if ss.oldMsgs > 0 {
			next = "vm-and"
		}
		if d, err := ss.play(ctx, "vm-INBOX", next); d != 0 || err != nil {
			return d, err
		}
	}
	if ss.oldMsgs > 0 {
		if d, err := ss.number(ctx, ss.oldMsgs); d != 0 || err != nil {
			return d, err
		}
		if d, err := ss.play(ctx, "vm-Old", noun(ss.oldMsgs)); d != 0 || err != nil {
			return d, err
		}
	}
	if ss.urgentMsgs == 0 && ss.newMsgs == 0 && ss.oldMsgs == 0 {
		return ss.play(ctx, "vm-no", "vm-messages")
	}
	return 0, nil
}

// instructions is vm_instructions_en: the menu of the moment, then a key
// within 6 s; three silences in a row end the session ('t').
func (ss *session) instructions(ctx context.Context) (rune, error) {
	for {
		var sounds []string
		if ss.starting {
			if ss.last() > -1 {
				sounds = append(sounds, "vm-onefor", ss.folder.Prompt(), "vm-messages")
			}
			sounds = append(sounds, "vm-opts")
		} else {
			if ss.cur > 0 || (!ss.inUrgent && ss.urgentMsgs > 0) {
				sounds = append(sounds, "vm-prev")
			}
			sounds = append(sounds, "vm-repeat")
			if ss.cur != ss.last() || (ss.inUrgent && ss.newMsgs > 0) {
				sounds = append(sounds, "vm-next")
			}
			if ss.cur >= 0 && ss.cur <= ss.last() && ss.deleted[ss.cur] {
				sounds = append(sounds, "vm-undelete")
			} else {
				sounds = append(sounds, "vm-delete")
			}
			sounds = append(sounds, "vm-savemessage")
		}
		sounds = append(sounds, "vm-helpexit")
		d, err := ss.play(ctx, sounds...)
		if d == 0 && err == nil {
			d, err = ss.ch.WaitDigit(ctx, menuTimeout)
		}
		if d != 0 || err != nil {
			return d, err
		}
		if ss.repeats++; ss.repeats > 2 {
			return 't', nil
		}
	}
}

// browse is vm_browse_messages_en.
func (ss *session) browse(ctx context.Context) (rune, error) {
	if ss.last() > -1 {
		if ss.cur < 0 {
			ss.cur = 0
		}
		return ss.playMessage(ctx)
	}
	return ss.play(ctx, "vm-youhave", "vm-no", ss.folder.Prompt(), "vm-messages")
}

// playMessage is play_message: "first"/"last", "urgent", "message N",
// the caller with saycid=yes, then the recording (heard from then on).
func (ss *session) playMessage(ctx context.Context) (rune, error) {
	ss.starting = false
	m := ss.msgs[ss.cur]
	var sounds []string
	switch ss.cur {
	case 0:
		sounds = append(sounds, "vm-first")
	case ss.last():
		sounds = append(sounds, "vm-last")
	}
	if m.Info.Flag == FlagUrgent {
		sounds = append(sounds, "vm-Urgent")
	}
	sounds = append(sounds, "vm-message")
	d, err := ss.play(ctx, sounds...)
	if d == 0 && err == nil && ss.cur != 0 && ss.cur != ss.last() {
		d, err = ss.number(ctx, ss.cur+1)
	}
	if d == 0 && err == nil && ss.set.sayCID {
		d, err = ss.sayCallerID(ctx, m.Info.CallerID)
	}
	if d == '1' { // 1 skips the envelope
		d = 0
	}
	if d != 0 || err != nil {
		return d, err
	}
	ss.heard[ss.cur] = true
	return ss.listen(ctx, m.Path)
}

// sayCallerID is play_message_callerid for an outside caller.
func (ss *session) sayCallerID(ctx context.Context, cid string) (rune, error) {
	_, num := SplitCallerID(cid)
	if num == "" {
		return ss.play(ctx, "vm-unknown-caller")
	}
	if d, err := ss.play(ctx, "vm-from-phonenumber"); d != 0 || err != nil {
		return d, err
	}
	d, err := ss.ch.SayDigits(ctx, num, ss.lang, anyDigit)
	if errors.Is(err, ErrSoundNotFound) {
		err = nil
	}
	return d, err
}

// getFolder is get_folder2: the question, then "press 0 for new messages,
// 1 for old messages …, or pound to cancel", four times at most. It
// returns a folder key or '#'.
func (ss *session) getFolder(ctx context.Context, question string) (rune, error) {
	d, err := ss.play(ctx, question)
	valid := func(d rune) bool { return (d >= '0' && d <= '4') || d == '#' }
	for loops := 0; err == nil && !valid(d); loops++ {
		if loops == 4 {
			return '#', nil
		}
		d, err = ss.folderChoices(ctx)
	}
	return d, err
}

func (ss *session) folderChoices(ctx context.Context) (rune, error) {
	if d, err := ss.play(ctx, "vm-press"); d != 0 || err != nil {
		return d, err
	}
	for f := FolderInbox; f <= FolderFriends; f++ {
		if d, err := ss.number(ctx, int(f-FolderInbox)); d != 0 || err != nil {
			return d, err
		}
		if d, err := ss.play(ctx, "vm-for"); d != 0 || err != nil {
			return d, err
		}
		if d, err := ss.folderName(ctx, f); d != 0 || err != nil {
			return d, err
		}
		if d, err := ss.ch.WaitDigit(ctx, folderGap); d != 0 || err != nil {
			return d, err
		}
	}
	if d, err := ss.play(ctx, "vm-tocancel"); d != 0 || err != nil {
		return d, err
	}
	return ss.ch.WaitDigit(ctx, folderTimeout)
}

// listen plays the message recorded at path (no extension) as
// app_voicemail's wait_file, Asterisk's ast_control_streamfile with the
// listen-control-* defaults: listenForward skips skipms ahead (past the
// end the message is over and 0 is returned), listenReverse skipms back
// (to the start at most), listenRestart starts it again, listenPause stops
// it until pressed again (a stop key meanwhile ends it), and a key of
// listenStop ends it and is returned. The channel plays whole files, so
// the message goes on from a copy cut at the new position, in the
// mailbox's tmp directory; the time played so far gives the position.
func (ss *session) listen(ctx context.Context, path string) (rune, error) {
	stop := listenStop + string([]rune{listenForward, listenReverse, listenPause, listenRestart})
	var (
		at    time.Duration // the position in the message
		audio *pcmWAV       // read at the first control key; nil if unreadable
		read  bool
		cut   *Recording
	)
	defer func() {
		if cut != nil {
			ss.s.spool.Discard(*cut)
		}
	}()
	for {
		sound := path
		if at > 0 {
			if cut == nil {
				r, err := ss.s.spool.NewRecording(ss.id)
				if err != nil {
					return 0, err
				}
				cut = &r
			}
			if err := audio.writeFrom(cut.Path(), at); err != nil {
				return 0, err
			}
			sound = cut.Base
		}
		began := time.Now()
		d, err := ss.s.play(ctx, ss.ch, sound, ss.lang, stop)
		if err != nil || d == 0 {
			return d, err
		}
		at += time.Since(began)
		if !read {
			read = true
			if audio, err = readPCMWAV(path + ".wav"); err != nil {
				ss.s.log.Warn("message not seekable", "path", path, "err", err)
				audio = nil
			}
		}
		switch d {
		case listenForward:
			at += ss.s.cfg.General.SkipMS
			if audio == nil || at >= audio.duration() {
				return 0, nil
			}
		case listenReverse:
			at = max(at-ss.s.cfg.General.SkipMS, 0)
		case listenRestart:
			at = 0
		case listenPause:
			if k, err := ss.paused(ctx); k != 0 || err != nil {
				return k, err
			}
		default:
			return d, nil
		}
		if audio == nil {
			at = 0 // not seekable: from the start again
		}
	}
}

// paused waits, as ast_control_streamfile's pause, for listenPause (0 is
// returned: the message goes on) or a key of listenStop (returned); other
// keys are ignored.
func (ss *session) paused(ctx context.Context) (rune, error) {
	for {
		k, err := ss.ch.WaitDigit(ctx, time.Second)
		if err != nil {
			return 0, err
		}
		if k == listenPause {
			return 0, nil
		}
		if k != 0 && strings.ContainsRune(listenStop, k) {
			return k, nil
		}
	}
}

// pcmWAV is a WAV file's fmt chunk and audio.
type pcmWAV struct {
	fmtChunk []byte // the "fmt " chunk, its header included
	data     []byte
	byteRate int
	align    int
}

// readPCMWAV reads a RIFF WAVE file's fmt and data chunks.
func readPCMWAV(name string) (*pcmWAV, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, errNotWAV
	}
	w := &pcmWAV{}
	for off := 12; off+8 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		body := b[off+8:]
		switch string(b[off : off+4]) {
		case "fmt ":
			if n < 16 || n > len(body) {
				return nil, errNotWAV
			}
			w.fmtChunk = b[off : off+8+n]
			w.byteRate = int(binary.LittleEndian.Uint32(body[8:12]))
			w.align = int(binary.LittleEndian.Uint16(body[12:14]))
		case "data":
			if w.byteRate <= 0 || w.align <= 0 {
				return nil, errNotWAV
			}
			w.data = body[:min(n, len(body))] // a file cut short has what it has
			return w, nil
		}
		off += 8 + n + n%2
	}
	return nil, errNotWAV
}

// duration is the length of the audio.
func (w *pcmWAV) duration() time.Duration {
	return time.Duration(len(w.data)) * time.Second / time.Duration(w.byteRate)
}

// writeFrom writes to name a WAV file of the audio from at on.
func (w *pcmWAV) writeFrom(name string, at time.Duration) error {
	from := min(int(int64(at)*int64(w.byteRate)/int64(time.Second)), len(w.data))
	from -= from % w.align
	rest := w.data[from:]
	out := make([]byte, 0, 12+len(w.fmtChunk)+8+len(rest))
	out = append(out, "RIFF"...)
	out = binary.LittleEndian.AppendUint32(out, uint32(4+len(w.fmtChunk)+8+len(rest)))
	out = append(out, "WAVE"...)
	out = append(out, w.fmtChunk...)
	out = append(out, "data"...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(rest)))
	out = append(out, rest...)
	return os.WriteFile(name, out, fileMode)
}

// advanced is vm_execmain's 3, the advanced options menu. Obelisk has
// none of its options: reply (1), callback (2), envelope (3), dial out (4)
// and leave a message (5) answer vm-sorry and return to the main menu, as
// * does, so the menu says only vm-starmain, then waits 6 s for a key;
// four silences return to the main menu. # ends VoiceMailMain from here
// as from the main menu (Asterisk's loop stops on it, then vm_execmain's).
// The main menu counts its silences afresh afterwards.
func (ss *session) advanced(ctx context.Context) (rune, error) {
	var cmd rune
	var err error
	ss.repeats = 0
	for err == nil && cmd != 't' && cmd != '#' {
		switch cmd {
		case '1', '2', '3', '4', '5':
			_, err = ss.play(ctx, "vm-sorry")
			cmd = 't'
		case '*':
			cmd = 't'
		default:
			cmd, err = ss.play(ctx, "vm-starmain")
			if cmd == 0 && err == nil {
				cmd, err = ss.ch.WaitDigit(ctx, menuTimeout)
			}
			if cmd == 0 {
				ss.repeats++
			}
			if ss.repeats > 3 {
				cmd = 't'
			}
		}
	}
	if cmd == 't' {
		cmd, ss.repeats = 0, 0
	}
	return cmd, err
}
