package dtmf

import "time"

// Sending defaults, as Asterisk sends RFC 4733 events (res_rtp_asterisk
// ast_rtp_dtmf_begin/continuation/end).
const (
	// DefaultDuration is the length of a digit sent without one, as
	// media.Session.SendDTMF sends it; also the Duration chan_sip and
	// res_pjsip assume when an INFO body has none.
	DefaultDuration = 100 * time.Millisecond
	// DefaultInterval is the time between the packets of an event
	// (RFC 4733 §2.5.1.2 suggests 50 ms; Asterisk sends one per 20 ms
	// audio frame).
	DefaultInterval = 20 * time.Millisecond
	// DefaultVolume is the power level Asterisk puts in its events
	// (0xa: -10 dBm0).
	DefaultVolume = 10
	// EndRetransmits is how many times the end packet is sent
	// (RFC 4733 §2.5.1.4).
	EndRetransmits = 3
)

// SendPacket is one packet of a key press as a sender emits it.
type SendPacket struct {
	// At is when to send it, from the start of the press.
	At time.Duration
	// TSOffset is the RTP timestamp of the packet's event (or segment of
	// a long event) relative to the press's first timestamp.
	TSOffset uint32
	// Marker is the RTP marker bit: set on the first packet of the event
	// (RFC 4733 §2.2.2).
	Marker bool
	// Payload is the event report.
	Payload Payload
}

// AppendPress appends to dst the packets of one press of digit held for d
// (DefaultDuration when 0) on a telephone-event stream of the given rate
// (DefaultRate when 0), one every interval (DefaultInterval when 0): a
// first packet with the marker bit, updates with the duration so far, and
// the end packet EndRetransmits times (RFC 4733 §2.5.1), as
// media.Session.SendDTMF sends them. A press longer than the 16-bit
// duration field holds is split into segments (§2.5.1.3): each new segment
// has a timestamp 0xFFFF units after the previous one and no marker, and
// its duration counts from there. ok is false when digit is not a DTMF
// digit. It allocates only to grow dst.
func AppendPress(dst []SendPacket, digit rune, d time.Duration, rate uint32, interval time.Duration) ([]SendPacket, bool) {
	code, ok := EventCode(digit)
	if !ok {
		return dst, false
	}
	if d <= 0 {
		d = DefaultDuration
	}
	if rate == 0 {
		rate = DefaultRate
	}
	if interval <= 0 {
		interval = DefaultInterval
	}
	step := uint64(rate) * uint64(interval) / uint64(time.Second)
	n := max(1, int(d/interval))
	pkt := func(at time.Duration, elapsed uint64, end bool) SendPacket {
		seg := uint64(0)
		if elapsed > 0 {
			seg = (elapsed - 1) / 0xffff
		}
		return SendPacket{
			At:       at,
			TSOffset: uint32(seg * 0xffff),
			Payload: Payload{
				Code:     code,
				End:      end,
				Volume:   DefaultVolume,
				Duration: uint16(elapsed - seg*0xffff),
			},
		}
	}
	for i := 1; i <= n; i++ {
		p := pkt(time.Duration(i-1)*interval, uint64(i)*step, false)
		p.Marker = i == 1
		dst = append(dst, p)
	}
	for range EndRetransmits {
		dst = append(dst, pkt(time.Duration(n)*interval, uint64(n)*step, true))
	}
	return dst, true
}
