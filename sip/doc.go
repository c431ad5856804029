// Package sip is Obelisk's SIP side, built on sipgo.
//
//   - The endpoint model and its two configuration front ends: chan_sip's
//     sip.conf (LoadSIPConf) and res_pjsip's pjsip.conf (LoadPJSIPConf) map
//     onto the same Config.
//   - Server: UDP and TCP listeners on the configured address; OPTIONS
//     answered (RFC 3261 §11.2); handlers return errors that become SIP
//     statuses in one place (StatusError); a panicking handler gets its
//     request answered 500 and the server goes on. Dialogs (INVITE, ACK,
//     BYE, CANCEL, INFO, UPDATE) are package sip/b2bua's, which puts its
//     handlers on the Server and identifies new INVITEs with Identifier.
//   - Registrar (RFC 3261 §10.3) with digest authentication (DigestAuth:
//     RFC 2617 qop=auth, RFC 8760 SHA-256, nonce expiry, nonce-count
//     replay), bindings in bbolt (Location), and AuthBans that block
//     addresses after repeated failures.
//   - Identifier: who an INVITE comes from (trunk by address, phone by
//     digest, guest only with allowguest), with the same answers for unknown
//     users and wrong passwords.
//   - Subscriptions: SUBSCRIBE message-summary (RFC 6665, RFC 3842) for
//     MWI, authenticated like REGISTER, NOTIFYs in the subscription's
//     dialog at once, on every change and refresh, expiry and unsubscribe
//     with a terminated NOTIFY, subscriptions in bbolt across restarts;
//     other event packages get 489 Bad Event.
//   - Registerer (outbound registration to providers) and Qualifier
//     (OPTIONS pings, OK/LAGGED/UNREACHABLE).
//   - The Q.850 cause ↔ SIP status tables and app_dial's DIALSTATUS.
//
// The call legs, their media and the bridge live in sip/b2bua; the
// dialplan side of a call (ivr.Call over a b2bua.Inbound, Dial) lives in
// package pbx, which may import sip, sip/b2bua and ivr.
package sip
