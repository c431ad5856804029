package dtmf

import (
	"fmt"
	"time"

	"github.com/pion/rtp"
)

// Payload is one RFC 4733 §2.3 event report, the first 4 bytes of a
// telephone-event RTP payload:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     event     |E|R| volume    |          duration             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type Payload struct {
	// Code is the event (§3.2: 0-15 are the DTMF digits, 16 hook flash).
	Code uint8
	// End is the E bit: the event has ended (§2.3.2), sent three times
	// (§2.5.1.4).
	End bool
	// Volume is the power level in -dBm0, 0-63 (§2.3.4).
	Volume uint8
	// Duration is the event's duration so far in timestamp units, from
	// the event's (or segment's) RTP timestamp (§2.3.5).
	Duration uint16
}

// PayloadSize is the size of one event report.
const PayloadSize = 4

// ParsePayload reads the first event report of a telephone-event payload.
// Further reports (§2.5.1.5, several events in one packet) are ignored, as
// res_rtp_asterisk does for DTMF.
func ParsePayload(b []byte) (Payload, error) {
	if len(b) < PayloadSize {
		return Payload{}, fmt.Errorf("parse telephone-event (%d bytes): %w", len(b), ErrShortPayload)
	}
	return Payload{
		Code:     b[0],
		End:      b[1]&0x80 != 0,
		Volume:   b[1] & 0x3f,
		Duration: uint16(b[2])<<8 | uint16(b[3]),
	}, nil
}

// Marshal returns the 4 bytes of the report (the R bit is 0).
func (p Payload) Marshal() [PayloadSize]byte {
	b1 := p.Volume & 0x3f
	if p.End {
		b1 |= 0x80
	}
	return [PayloadSize]byte{p.Code, b1, byte(p.Duration >> 8), byte(p.Duration)}
}

// DefaultRate is the telephone-event clock rate when none is negotiated
// (RFC 4733 §7.1.1, the telephone-event media type: 8000 unless the SDP
// says otherwise).
const DefaultRate = 8000

// DefaultExpire is how long a receiver waits without a packet before it
// ends an event whose end packets were all lost: res_rtp_asterisk's
// DEFAULT_DTMF_TIMEOUT (150 * 8 samples, rtp.conf dtmftimeout) past the
// event's duration so far.
const DefaultExpire = 150 * time.Millisecond

// wrapMargin is res_rtp_asterisk's test for a duration field that wrapped
// past 0xFFFF on the same timestamp: the last duration was above 64000.
const wrapMargin = 64000

// Receiver turns the telephone-event packets of one RTP stream into key
// presses, one Event per press, when the press ends. Make one per stream
// (per SSRC) with NewReceiver; it is not safe for concurrent use.
//
// It follows res_rtp_asterisk's process_dtmf_rfc2833 with the rules of
// RFC 4733 §2.5.2 where Asterisk falls short:
//
//   - An event is identified by its RTP timestamp (§2.2.1); timestamps
//     compare modulo 2^32, and one more than 10 s older than the last
//     event's is a restarted stream, not a late packet. The first
//     packet seen starts it, whatever its duration (0 is common: sipp's
//     pcaps, many gateways) and whether or not the marker bit survived.
//   - The first end packet (E bit) reports it; the two retransmissions
//     (§2.5.1.4) and any late packet of an event already reported (same or
//     older timestamp, Asterisk's last_end_timestamp) are ignored.
//   - A packet with a newer timestamp is a new press, even of the same
//     digit (Asterisk continues the old one when the digit is the same);
//     an event still open then is reported first, its end having been
//     lost.
//   - A long press is one digit: a duration that wraps past 0xFFFF on the
//     same timestamp (Asterisk's new_duration arithmetic) or a new segment
//     (§2.5.1.3: same event, no marker, timestamp one full segment later)
//     continues the event.
//   - When every end packet is lost, Expire ends the event after a
//     silence, as Asterisk's dtmf_timeout does.
//
// Nothing allocates.
type Receiver struct {
	rate uint32

	active  bool
	code    uint8
	startTS uint32 // timestamp of the event's first segment
	segTS   uint32 // timestamp of the current segment
	segDur  uint32 // duration in the current segment, unwrapped
	last    time.Time

	ended   bool   // a press has been reported
	endedTS uint32 // timestamp of the last reported press

	queue [2]Event // reports not yet returned
	n     int
}

// NewReceiver returns a Receiver for a telephone-event format of the given
// clock rate (the SDP's telephone-event/8000, /16000 or /48000); 0 means
// DefaultRate.
func NewReceiver(rate uint32) *Receiver {
	if rate == 0 {
		rate = DefaultRate
	}
	return &Receiver{rate: rate}
}

// Reset forgets every event, as for a new SSRC.
func (r *Receiver) Reset() {
	*r = Receiver{rate: r.rate}
}

// staleWindow is how far back, in seconds of timestamp units, a
// timestamp is taken as a late packet of an earlier event; further back is
// a stream that restarted its timestamps (a new event).
const staleWindow = 10

// stale reports whether timestamp ts is ref or up to staleWindow seconds
// before it (modulo 2^32, RFC 3550 §5.1).
func (r *Receiver) stale(ts, ref uint32) bool {
	return ref-ts < r.rate*staleWindow
}

// Packet takes one telephone-event packet that arrived at now: its RTP
// timestamp, marker bit and payload. It returns (ev, true, nil) once per key
// press, when the press is complete: on its first end packet, or when a
// newer event shows that its end was lost. Malformed payloads return an
// error (ErrShortPayload; ErrNotDigit for events other than the 16 digits,
// with ErrFlash for event 16) and change nothing; other packets return
// false.
//
// A single packet can complete two presses (the end of an event whose own
// end was lost, and a new event of which only end packets arrived): the
// second is returned by the next call of Packet, Expire or Next.
func (r *Receiver) Packet(now time.Time, ts uint32, marker bool, payload []byte) (Event, bool, error) {
	p, err := ParsePayload(payload)
	if err != nil {
		return Event{}, false, err
	}
	if p.Code > maxDigitCode {
		if p.Code == CodeFlash {
			return Event{}, false, fmt.Errorf("telephone-event %d: %w: %w", p.Code, ErrNotDigit, ErrFlash)
		}
		return Event{}, false, fmt.Errorf("telephone-event %d: %w", p.Code, ErrNotDigit)
	}
	r.packet(now, ts, marker, p)
	ev, ok := r.Next()
	return ev, ok, nil
}

// RTP is Packet for a pion/rtp packet, as media.Session's Sink receives
// it.
func (r *Receiver) RTP(now time.Time, p *rtp.Packet) (Event, bool, error) {
	return r.Packet(now, p.Timestamp, p.Marker, p.Payload)
}

func (r *Receiver) packet(now time.Time, ts uint32, marker bool, p Payload) {
	if r.ended && r.stale(ts, r.endedTS) {
		return // retransmitted end, or a late packet of a reported press
	}
	if r.active {
		switch {
		case ts == r.segTS:
			if p.Code != r.code {
				return // one timestamp, one event (§2.2.1): a sender bug
			}
			r.update(now, p)
			return
		case r.stale(ts, r.segTS):
			return // reordered packet of an earlier segment
		case r.continues(ts, marker, p):
			r.segTS, r.segDur = ts, uint32(p.Duration)
			r.last = now
			if p.End {
				r.finish()
			}
			return
		}
		r.finish() // a newer press: this one's end was lost
	}
	r.active = true
	r.code = p.Code
	r.startTS, r.segTS, r.segDur = ts, ts, uint32(p.Duration)
	r.last = now
	if p.End {
		r.finish()
	}
}

// update takes a packet of the current segment.
func (r *Receiver) update(now time.Time, p Payload) {
	r.last = now
	d := uint32(p.Duration)
	last16 := r.segDur & 0xffff
	switch {
	case last16 > wrapMargin && d < last16:
		r.segDur = (r.segDur&^0xffff + 0x10000) | d // wrapped past 0xFFFF
	case d > last16:
		r.segDur = r.segDur&^0xffff | d
	}
	// A smaller duration is a reordered update: keep the larger one.
	if p.End {
		r.finish()
	}
}

// continues reports whether a packet with a newer timestamp is the next
// segment of a long event (RFC 4733 §2.5.1.3): same event, no marker, and
// a timestamp one full segment (0xFFFF units, give or take half a second
// of lost updates) after the current one, which had nearly reached the
// maximum duration.
func (r *Receiver) continues(ts uint32, marker bool, p Payload) bool {
	if marker || p.Code != r.code {
		return false
	}
	slack := r.rate / 2
	gap := ts - r.segTS
	return r.segDur >= 0xffff-slack && gap >= 0xffff-slack && gap <= 0xffff+slack
}

// finish reports the current event.
func (r *Receiver) finish() {
	d, _ := DigitOf(r.code)
	samples := uint64(r.segTS-r.startTS) + uint64(r.segDur)
	r.push(Event{
		Digit:    d,
		Duration: time.Duration(samples * uint64(time.Second) / uint64(r.rate)),
		Source:   SourceRFC4733,
	})
	r.active = false
	r.ended, r.endedTS = true, r.segTS
}

func (r *Receiver) push(ev Event) {
	if r.n == len(r.queue) { // cannot happen: each call returns one
		copy(r.queue[:], r.queue[1:])
		r.n--
	}
	r.queue[r.n] = ev
	r.n++
}

// Next returns a completed press not yet returned, if any.
func (r *Receiver) Next() (Event, bool) {
	if r.n == 0 {
		return Event{}, false
	}
	ev := r.queue[0]
	copy(r.queue[:], r.queue[1:r.n])
	r.n--
	return ev, true
}

// Expire ends the current event when no packet of it arrived for longer
// than timeout before now (DefaultExpire when timeout is 0 or less): its end
// packets were lost. Call it from a timer or with each audio frame. A
// press completed earlier and not yet returned is returned first. The
// event keeps the last duration its packets reported; its late packets
// are then ignored, so the press is still reported once.
func (r *Receiver) Expire(now time.Time, timeout time.Duration) (Event, bool) {
	if ev, ok := r.Next(); ok {
		return ev, true
	}
	if timeout <= 0 {
		timeout = DefaultExpire
	}
	if !r.active || now.Sub(r.last) <= timeout {
		return Event{}, false
	}
	r.finish()
	return r.Next()
}

// Active returns the digit of the event in progress, if any: the moment
// Asterisk queues AST_FRAME_DTMF_BEGIN (used to mute audio or stop a
// prompt early).
func (r *Receiver) Active() (rune, bool) {
	if !r.active {
		return 0, false
	}
	return DigitOf(r.code)
}
