// Package ami is Obelisk's Asterisk Manager Interface: manager.conf users
// with secrets, ACLs and read/write classes, the actions and the event
// stream AMI clients expect.
//
// Today it reads manager.conf into Config; the server arrives with issue 6.
package ami
