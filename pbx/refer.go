package pbx

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/obelisk-pbx/obelisk/sip"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

// Transfers a phone asks for with SIP REFER (RFC 3515), as Asterisk's
// res_pjsip_refer and chan_sip's handle_request_refer carry them out:
//
//   - blind (Refer-To: <sip:200@pbx>): the party facing the transferer in
//     its bridge (Dial's or Queue's) goes on in the dialplan at 200 in the
//     transferer's transfer context (TRANSFER_CONTEXT, else its context);
//     the transferer gets NOTIFY "200 OK" once the transferee is sent
//     there (chan_sip's moment: ast_async_goto succeeded), then its leg is
//     hung up. An extension that does not exist gets NOTIFY "404 Not
//     Found" and the call goes on.
//   - attended (Refer-To: <sip:C@pbx?Replaces=…>): the transferer talks
//     to B in one bridge and to C in another, whose dialog the Replaces
//     names; B and C are bridged, the transferer gets NOTIFY "200 OK" and
//     both its dialogs are hung up. A Replaces naming no dialog of the
//     switch gets NOTIFY "481 Call/Transaction Does Not Exist", as
//     chan_sip's local_attended_transfer sends it.
//
// A REFER on a leg that is in no bridge (ringing, in an IVR) is declined
// (603), as chan_sip refuses the transfer of a channel that is not
// bridged, and so is one from an endpoint with allowtransfer=no ("603
// Declined (policy)", chan_sip's TRANSFER_CLOSED). The outcome is always
// the real one: a failed transfer is reported with its failure code,
// never as 200. With Refer-Sub: false the outcome is the REFER's response
// (b2bua.Refer). Asterisk defers ending the transferer's dialog (up to
// 60 s, ast_sip_session_defer_termination) in case the phone sends BYE
// itself; Obelisk sends the BYE as soon as the phone answered the final
// NOTIFY.

// referTimeout bounds the switch's work on one REFER (the bridge requests).
const referTimeout = 10 * time.Second

// referNotifyWait bounds the wait for the phone's answer to the final
// NOTIFY before the transferer's leg is hung up.
const referNotifyWait = 3 * time.Second

// onRefer takes a REFER of any leg of the switch (b2bua.Options.OnRefer):
// it answers before the transfer runs, on a goroutine of its own.
func (s *Switch) onRefer(r *b2bua.Refer) error {
	if ep := r.Leg.Endpoint(); ep != nil && ep.NoTransfer {
		r.Leg.Logger().Warn("REFER declined: transfers are not allowed for the endpoint (allowtransfer=no)", "endpoint", ep.Name)
		return sip.NewStatusError(603, "Declined (policy)")
	}
	if s.bridgeOf(r.Leg) == nil {
		r.Leg.Logger().Info("REFER declined: the channel is not bridged", "refer_to", r.Target)
		return sip.NewStatusError(603, "Declined")
	}
	go s.runRefer(r)
	return nil
}

// runRefer carries out an accepted REFER and reports its outcome.
func (s *Switch) runRefer(r *b2bua.Refer) {
	log := r.Leg.Logger()
	ctx, cancel := context.WithTimeout(context.Background(), referTimeout)
	defer cancel()
	var notified atomic.Bool
	// done runs once the transfer happened, before the bridge hangs up the
	// transferer: the phone is told first (RFC 3515 §2.4.5), and its answer
	// is awaited so the BYE comes after the NOTIFY.
	done := func() {
		notified.Store(true)
		r.Notify(200, "OK")
		select {
		case <-r.Done():
		case <-time.After(referNotifyWait):
		}
	}
	if r.Replaces == nil {
		err := s.BlindTransfer(ctx, r.Leg, r.User, "", done)
		switch {
		case err == nil:
			log.Info("REFER: blind transfer done", "exten", r.User)
		case errors.Is(err, errNoExtension):
			log.Info("REFER: blind transfer to an extension that does not exist", "exten", r.User)
			r.Notify(404, "Not Found")
		default:
			log.Info("REFER: blind transfer failed", "exten", r.User, "error", err)
			r.Notify(503, "Service Unavailable")
		}
		if err == nil && !notified.Load() {
			r.Notify(200, "OK")
		}
		return
	}
	rep := r.Replaces
	other := s.sip.agent.LegByDialog(rep.CallID, rep.ToTag, rep.FromTag)
	switch {
	case other == nil:
		log.Info("REFER: attended transfer replacing a dialog the switch does not have", "replaces", rep.String())
		r.Notify(481, "Call/Transaction Does Not Exist")
		return
	case other == r.Leg:
		log.Info("REFER: attended transfer replacing its own dialog", "replaces", rep.String())
		r.Notify(400, "Bad Request")
		return
	}
	if err := s.AttendedTransfer(ctx, r.Leg, other, done); err != nil {
		log.Info("REFER: attended transfer failed", "replaces", rep.String(), "error", err)
		if !notified.Load() {
			r.Notify(503, "Service Unavailable")
		}
		return
	}
	log.Info("REFER: attended transfer done", "replaces", rep.String())
	if !notified.Load() {
		r.Notify(200, "OK")
	}
}
