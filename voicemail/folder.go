package voicemail

import "strings"

// Folder is a mailbox folder, a directory of the spool named as
// app_voicemail's mailbox_folders (INBOX, Old, Work, Family, Friends,
// Urgent). Its zero value is FolderUnknown.
type Folder int

// The folders Obelisk keeps. VoiceMailMain's folder keys 0-4 are INBOX, Old,
// Work, Family and Friends; Urgent holds new messages left with VoiceMail's
// U option.
const (
	FolderUnknown Folder = iota
	FolderInbox
	FolderOld
	FolderWork
	FolderFamily
	FolderFriends
	FolderUrgent
)

var folderNames = [...]string{"", "INBOX", "Old", "Work", "Family", "Friends", "Urgent"}

// String returns the folder's directory name ("INBOX", "Old" …), "" for
// FolderUnknown.
func (f Folder) String() string {
	if f < 0 || int(f) >= len(folderNames) {
		return ""
	}
	return folderNames[f]
}

// Prompt returns the sound that names the folder: "vm-INBOX", "vm-Old" …
func (f Folder) Prompt() string { return "vm-" + f.String() }

// Digit returns the VoiceMailMain key of the folder ('0' INBOX … '4'
// Friends), or 0 for Urgent and Unknown.
func (f Folder) Digit() rune {
	if f >= FolderInbox && f <= FolderFriends {
		return rune('0' + int(f-FolderInbox))
	}
	return 0
}

// FolderForDigit returns the folder of a VoiceMailMain key, FolderUnknown
// for any other key.
func FolderForDigit(d rune) Folder {
	if d >= '0' && d <= '4' {
		return FolderInbox + Folder(d-'0')
	}
	return FolderUnknown
}

// ParseFolder reads a folder name (case-insensitive) or a folder key "0"-"4",
// as VoiceMailMain's a(folder) option; FolderUnknown when it is neither.
func ParseFolder(s string) Folder {
	s = strings.TrimSpace(s)
	if len(s) == 1 {
		if f := FolderForDigit(rune(s[0])); f != FolderUnknown {
			return f
		}
	}
	for i, n := range folderNames {
		if n != "" && strings.EqualFold(n, s) {
			return Folder(i)
		}
	}
	return FolderUnknown
}

// Greeting is one of a mailbox's recorded greetings, a file in the mailbox
// directory. Its zero value is GreetingUnknown.
type Greeting int

// The greetings of app_voicemail: unavail.wav (VoiceMail u), busy.wav
// (VoiceMail b), greet.wav (the owner's name, said instead of the mailbox
// digits) and temp.wav (the temporary greeting that overrides both).
const (
	GreetingUnknown Greeting = iota
	GreetingUnavailable
	GreetingBusy
	GreetingName
	GreetingTemporary
)

var greetingNames = [...]string{"", "unavail", "busy", "greet", "temp"}

// String returns the greeting's file name without extension ("unavail" …).
func (g Greeting) String() string {
	if g < 0 || int(g) >= len(greetingNames) {
		return ""
	}
	return greetingNames[g]
}

// ParseGreeting reads a greeting file name ("unavail", "busy", "greet",
// "temp"); GreetingUnknown otherwise.
func ParseGreeting(s string) Greeting {
	for i, n := range greetingNames {
		if n != "" && strings.EqualFold(n, strings.TrimSpace(s)) {
			return Greeting(i)
		}
	}
	return GreetingUnknown
}
