// Package ami is Obelisk's Asterisk Manager Interface: manager.conf users
// with secrets, ACLs and read/write classes, the actions and the event
// stream AMI clients expect.
//
// LoadConfig reads manager.conf; Server serves the protocol (TCP, and TLS
// with tlsenable=yes) over a Backend the switch implements: Login (plain
// and MD5 Challenge, permit/deny, one answer for every failure, after a
// delay), read/write classes checked for each action and event, the
// actions of actions.go in manager.c's framing (Response, ActionID,
// Message; EventList start/Complete for lists), and the switch's events
// (package events) as Event: blocks with Privilege.
package ami
