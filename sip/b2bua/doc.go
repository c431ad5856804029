// Package b2bua is Obelisk's back-to-back user agent: every call is two
// (or more) legs, each a SIP dialog of its own with an RTP session of its
// own, and the switch relays the media between them (Asterisk's
// directmedia=no), so that it can record, play and detect DTMF.
//
// It is built directly on sipgo's dialogs and on Obelisk's media package
// rather than on diago, whose call handling has gaps a switch cannot live
// with (telephone-event fixed to payload type 101, codec lists narrowed in
// place, no strict RTP, SIP INFO answered 406, re-INVITEs applied to one
// leg only).
//
//	trunk/phone ──INVITE──▶ Agent ── identify ──▶ Inbound ──▶ Options.OnCall (dialplan)
//	                                                  │
//	                             Dial ──INVITE──▶ Outbound (callee)
//	                                                  │
//	                       Bridge(Inbound, Outbound): media.Bridge, both ways
//
// In-dialog requests are routed by dialog ID to their leg:
//   - re-INVITE and UPDATE (RFC 3261 §14, RFC 3311) renegotiate the leg's
//     media: hold (sendonly/inactive, RFC 3264 §8.4), a new address or codec,
//     and an empty re-INVITE answered with an offer (late offer, RFC 3261
//     §14.2); an offer with no common codec gets 488 and the call goes on;
//   - session timers (RFC 4028): Session-Expires and Min-SE are checked
//     (422 below session-minse), the refresher re-INVITEs at half the
//     interval, and a session nobody refreshed ends with BYE;
//   - INFO carries DTMF (application/dtmf-relay and application/dtmf) to the
//     leg's DTMF handler and is answered 200;
//   - REFER (RFC 3515) is a transfer asked by the peer: the Refer-To (with
//     an embedded Replaces for an attended transfer, RFC 3891), Referred-By
//     (RFC 3892) and Refer-Sub (RFC 4488) go to the leg's OnRefer function
//     (or Options.OnRefer); once accepted it is answered 202 and the
//     implicit subscription reports the outcome in message/sipfrag NOTIFYs,
//     "100 Trying" first; Agent.LegByDialog finds the leg a Replaces names;
//   - BYE ends the leg; the leg's Context ends with it.
package b2bua
