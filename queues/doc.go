// Package queues is Obelisk's automatic call distribution: queues.conf,
// the Queue() application and its member management, with Asterisk's
// app_queue semantics.
//
// Today it reads queues.conf into Config; the queue runtime arrives with
// issue 5.
package queues
