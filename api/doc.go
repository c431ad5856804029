// Package api is Obelisk's HTTP server (Asterisk's http.conf): the
// dial-out API of seed 003 with status webhooks and rate limits, the REST
// resource for calls, and the handlers other parts of the switch mount.
//
// # Routes
//
//	POST   /api/v1/actions/dialout  {"bot","target","caller","notifyUrl","machineDetection","timeout","variables"} → 202
//	POST   /api/v1/calls            {"bot","to","from",…} → 201 and the call
//	GET    /api/v1/calls[?status=&bot=&limit=]
//	GET    /api/v1/calls/{id}
//	DELETE /api/v1/calls/{id}       hang up (ringing: canceled; answered: completed)
//	GET    /api/v1/openapi.json     the OpenAPI 3 description (no credentials)
//
// Every route is under http.conf's prefix. Clients authenticate with HTTP
// Basic (RFC 7617: a dialout.conf type=client section's name and secret)
// or a bearer token (RFC 6750, the scheme in any case: seed 003 writes
// "BEARER"). A failure is 401 with both challenges and one body whatever
// was wrong; an address failing too often is blocked (403) by the Bans
// the switch gives (sip.AuthBans, the SIP side's fail2ban).
//
// # Calls
//
// A bot (dialout.conf type=bot) says which trunk dials the target, the
// caller ID, the dialplan context its answered calls run (the bot flow)
// and its limit (outbound.Limit; seed 003's 1 call a second and 3
// concurrent by default); a type=trunk section limits a trunk over all
// its bots. A request over a limit is refused at once with 429, a
// Retry-After and a JSON error, or, with the bot's queuetimeout, waits
// that long for a slot first. A slot is held from the request until the
// call ends.
//
// The Backend places the call (pbx: Switch.OriginateWith on
// SIP/<trunk>/<number>); with machineDetection the answered call runs
// AMD() first, and a MACHINE is hung up (machinehangup=yes) instead of
// reaching the bot flow.
//
// # Webhooks
//
// Each change of a call (initiated, ringing, answered, machine-detected,
// failed, completed) is saved with its webhook in one bbolt transaction
// (the outbox, Store) before it is acknowledged: the API answers 202 only
// once "initiated" is durable. Webhooks are POSTed to the call's
// notifyUrl one at a time per call, in order, signed as Stripe signs
// (SignatureHeader: t=<unix>,v1=HMAC-SHA256(secret, "<t>.<body>")), and
// retried after retryinterval, doubling up to maxretrydelay, until
// webhookretries attempts. A restart (even SIGKILL) sends what the outbox
// still holds, and closes the records of calls it interrupted.
package api
