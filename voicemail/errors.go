package voicemail

import "errors"

// Sentinel errors of the voicemail package.
var (
	// ErrNoMailbox means voicemail.conf defines no such mailbox.
	ErrNoMailbox = errors.New("no such mailbox")
	// ErrMailboxFull means the folder already holds maxmsg messages (vm-mailboxfull).
	ErrMailboxFull = errors.New("mailbox is full")
	// ErrNoMessage means the folder has no message with that number.
	ErrNoMessage = errors.New("no such message")
	// ErrSoundNotFound is what a Channel's Play returns (wrapped or not) for a
	// sound that exists nowhere; the flows go on as app_voicemail does.
	ErrSoundNotFound = errors.New("sound file not found")
	// ErrBadMailboxID means a "box@context" string is empty or malformed.
	ErrBadMailboxID = errors.New("malformed mailbox")
	// ErrBadOption means an application option string has an unknown letter.
	ErrBadOption = errors.New("unknown option")
	// ErrBadMessageInfo means a msgNNNN.txt file is not a [message] file.
	ErrBadMessageInfo = errors.New("malformed message information file")
)
