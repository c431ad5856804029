// Package api is Obelisk's HTTP server (Asterisk's http.conf): the dial-out
// API with status webhooks and rate limits, and the REST resources for
// calls.
//
// Today it reads http.conf into Config; the server arrives with issue 6.
package api
