// Package voicemail is Obelisk's app_voicemail: voicemail.conf, the
// VoiceMail() and VoiceMailMain() applications, Asterisk's mailbox storage
// layout and MWI.
//
// Today it reads voicemail.conf into Config; the applications arrive with
// issue 5.
package voicemail
