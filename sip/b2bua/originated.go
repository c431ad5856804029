package b2bua

// AsCaller returns an answered outbound leg as the caller's leg of a call
// the switch placed itself (Originate, call files): the party answered
// first becomes the dialplan's channel, as Asterisk's originated channel
// runs the dialplan like any other, so Dial can call a second party and
// bridge the two (click-to-call). The Inbound is answered already: its
// Ringing, Progress and Answer do nothing, Hangup sends BYE on the
// outbound dialog; CallerID, Exten and MaxForwards are read from the
// INVITE the switch sent. Both share the one Leg, so in-dialog requests
// (BYE, INFO, re-INVITE) reach it as before.
func AsCaller(out *Outbound) *Inbound {
	return &Inbound{Leg: out.Leg, req: out.cli.InviteRequest, state: inboundAnswered}
}
