// Package dtmf is Obelisk's DTMF: the digits callers press, in every
// dtmfmode Asterisk has, and the digit collection the dialplan
// applications share. It is a leaf package (the standard library and
// pion/rtp only); media and sip feed it.
//
// # Modes
//
//	dtmfmode         receive                        send
//	rfc4733/rfc2833  Receiver (RTP telephone-event) AppendPress (media.Session.SendDTMF)
//	info             ParseInfo (SIP INFO body)      InfoBody, ShortInfoBody
//	inband           Detector (Goertzel on audio)   -
//	auto             Receiver if telephone-event was negotiated, else Detector
//
// Every mode yields an Event per key press, reported once, when the press
// ends, as Asterisk hands applications an AST_FRAME_DTMF_END.
//
// # RFC 4733
//
// A Receiver takes each telephone-event packet of one RTP stream (what
// media.Session gives its Sink with PayloadDTMF):
//
//	ev, ok, err := rx.Packet(time.Now(), p.Timestamp, p.Marker, p.Payload)
//
// It reports a press on its first end packet and ignores the two
// retransmissions; it copes with a first packet of duration 0, lost start
// or end packets (Expire, called from a timer or each audio frame, ends an
// event whose end never came), reordered and duplicated packets, and long
// presses whose duration passes 0xFFFF. See Receiver for the rules and how
// they differ from res_rtp_asterisk.
//
// # SIP INFO
//
// ParseInfo reads application/dtmf-relay ("Signal=5\r\nDuration=160") and
// application/dtmf ("5") bodies as chan_sip and res_pjsip do; InfoBody
// writes what Asterisk sends.
//
// # In-band
//
// A Detector runs Asterisk's dsp.c dtmf_detect on 8 kHz signed linear
// audio: Goertzel filters at the eight DTMF frequencies over 102-sample
// blocks, the same thresholds, twist and relative-peak tests, two blocks
// to begin a digit and three to end it. Process takes frames of any length
// and allocates nothing.
//
// # Collecting digits
//
// Collector.Collect is ast_readstring: a first-digit timeout, an
// inter-digit timeout, a maximum number of digits and terminator digits
// (# by default, not part of the result), with app_read's READSTATUS as
// the Status. Interruptible plays a prompt that a digit stops where the
// Asterisk application lets it (AppEscape: Background and Read do,
// Playback does not); that digit is Collect's first:
//
//	esc, _ := dtmf.AppEscape("Read")
//	first, err := dtmf.Interruptible(ctx, digits, esc, playPrompt)
//	if err != nil {
//		return err
//	}
//	got, status := dtmf.Collector{MaxDigits: 4}.Collect(ctx, digits, first)
//	ch.SetVar("READSTATUS", status.String())
package dtmf
