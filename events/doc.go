// Package events is the switch's event stream: typed, named events with
// Asterisk's manager field names (Newchannel, Hangup, DialBegin,
// QueueCallerJoin …), published by the composition root (pbx) from the
// call path and fanned out to subscribers (AMI sessions, later the HTTP
// API's webhooks and the console).
//
// Publishing never blocks: each subscriber has a bounded buffer, and an
// event that does not fit is dropped for that subscriber and counted
// (Subscription.Dropped), so a slow AMI client never delays a call.
// Asterisk's manager queues events for each session and disconnects one
// whose socket write times out (writetimeout); the AMI server does the
// latter on its side of the buffer.
//
// The package is a leaf: it imports nothing of Obelisk, so that API
// packages can consume the stream without importing pbx.
package events
