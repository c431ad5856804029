// Package voicemail is Obelisk's app_voicemail: voicemail.conf, the
// VoiceMail() and VoiceMailMain() applications, Asterisk's mailbox storage
// layout, MWI and e-mail notification.
//
// The package is a leaf: the switch adapts its call to Channel (play,
// wait for a digit, say numbers and digits, record with silence detection),
// turns a LeaveOutcome or MainOutcome into VMSTATUS and a Goto, and
// implements Notifier to send SIP NOTIFY message-summary (MessageSummary).
//
// # VoiceMail
//
// Syntax:
//
//	VoiceMail(box[@context][,options])
//
// Options: u plays the unavailable greeting, b the busy greeting (a
// greeting never recorded is invented: the owner's recorded name or "the
// person at extension" and the digits, then "is unavailable" / "is on the
// phone"; a temporary greeting overrides both), s skips vm-intro, U marks
// the message urgent (Urgent folder), P priority, t(tone) plays tone as the
// beep and t() none; e, g(#) and d(c) are accepted and ignored.
//
// Keys: # ends the greeting or the recording; * goes to extension a; 0 goes
// to extension o when the mailbox has operator=yes (during the recording,
// after vm-saveoper: 1 keeps the message). The switch says which of a and o
// exist (LeaveOptions.ExitA, ExitO).
//
// VMSTATUS: SUCCESS (a message was left, or the mailbox is greetings only,
// maxmsg=0), USEREXIT (* or 0), FAILED (no such mailbox, INBOX full with
// vm-mailboxfull, message shorter than minsecs, which is discarded).
//
// Example:
//
//	exten => 101,1,Dial(SIP/101,20)
//	 same => n,VoiceMail(101@default,${IF($["${DIALSTATUS}" = "BUSY"]?b:u)})
//	 same => n,Hangup()
//	exten => a,1,VoiceMailMain(${CALLERID(num)}@default)
//	exten => o,1,Dial(SIP/operator)
//
// # VoiceMailMain
//
// Syntax:
//
//	VoiceMailMain([box][@context][,options])
//
// Options: s (with a box) skips the password, p prefixes the box argument
// to the number entered; g(#) and a(folder) are accepted and ignored.
//
// The caller logs in (vm-login, vm-password; maxlogins tries), hears "you
// have …" (vm_intro: English rules, French without urgent messages, Arabic
// with the English order as Asterisk's default) and uses the menu of
// vm_instructions_en: 1 first message, 5 repeat, 4 previous, 6 next,
// 7 delete/undelete, 9 save to a folder, 2 change folder, 0 mailbox options
// (1 unavailable, 2 busy, 3 name, 4 temporary greeting, 5 password), * help,
// # exit. Prompts are played in the channel's language, or the mailbox's
// language= option. Not available (vm-sorry): 3 advanced options (reply,
// call back, envelope, dial out) and 8 forward; these keys are left out of
// the spoken menu. The envelope (date and time) is not said before a
// message; saycid=yes says the caller's number.
//
// # Storage
//
// Spool keeps Asterisk's layout under a root (Obelisk's DATA/voicemail,
// Asterisk's /var/spool/asterisk/voicemail):
//
//	<context>/<box>/INBOX/msg0000.wav  msg0000.txt
//	<context>/<box>/Old/ Urgent/ Work/ Family/ Friends/
//	<context>/<box>/unavail.wav busy.wav greet.wav temp.wav
//	<context>/<box>/secret.conf   ([general] password=, a changed PIN)
//	<context>/<box>/tmp/          recordings under way
//
// msgNNNN.txt is written byte for byte as leave_voicemail writes it
// (MessageInfo); messages are numbered from 0 without gaps and renumbered
// after a delete or a move, as close_mailbox does. Heard INBOX messages move
// to Old when VoiceMailMain closes the folder.
//
// Killing the switch loses no voicemail: a recording is written to tmp/
// with a .part note (the message's information), synced, then its .txt is
// written complete, the sound is hard-linked into the folder and the .txt
// renamed in last; a message is visible only when both files are there.
// Moves link the sound before renaming the .txt and delete in the reverse
// order. Service.Recover, run at start, delivers what a kill left in tmp/
// (a finished recording, or the part recorded before the kill, its WAV
// header repaired) and cleans the rest.
//
// # MWI
//
// Every change of a mailbox (a message left, a VoiceMailMain session's
// changes, a recovered message) calls Notifier.MailboxChanged with the
// counts of INBOX, Old and Urgent; Service.Counts answers a SUBSCRIBE.
// MessageSummary makes the RFC 3842 body; as Asterisk, urgent messages count
// among the new ones.
//
// # E-mail
//
// Asterisk pipes notifications to mailcmd (sendmail); Obelisk speaks SMTP
// itself. voicemail.conf's [general] gains:
//
//	smtpserver=mail.example.com:587   ; host[:port], port 25 by default
//	smtpuser=pbx                      ; AUTH PLAIN when set (STARTTLS if offered)
//	smtppassword=secret
//
// With smtpserver set, a mailbox with an e-mail address (addresses joined by
// |) gets make_email_file's message: From fromstring (or "Asterisk PBX")
// <serveremail>, Subject emailsubject or "[PBX]: New message N in mailbox
// B", the body emailbody or Asterisk's "Dear …" text, ${VM_NAME},
// ${VM_DUR}, ${VM_MSGNUM}, ${VM_MAILBOX}, ${VM_CONTEXT}, ${VM_CALLERID},
// ${VM_CIDNAME}, ${VM_CIDNUM}, ${VM_DATE}, ${VM_CATEGORY}, ${VM_FLAG}
// substituted (\n and \t in the templates), and with attach=yes the
// recording as an audio/x-wav part msgNNNN.wav in base64. The text is
// UTF-8 (Asterisk's charset default is ISO-8859-1); VM_DATE uses
// emaildateformat's default "%A, %B %d, %Y at %r" in the mailbox's tz=
// zone. delete=yes removes the message once mailed. Sending happens in the
// background; Service.Close waits for it.
package voicemail
