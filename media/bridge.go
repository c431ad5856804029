package media

import (
	"sync"
	"sync/atomic"

	"github.com/pion/rtp"
)

// Bridge connects two sessions both ways, as Asterisk's RTP bridge does
// with directmedia=no: media flows through Obelisk, each leg keeping its own
// SSRC, sequence numbers and payload types.
//
// Audio is copied when both legs negotiated the same codec and transcoded
// in place (NewTranscoder) when they differ, PCMA to PCMU or back; audio
// between codecs with no transcoder is dropped. RFC 4733 telephone-events
// are forwarded with the other leg's payload type, and dropped when that
// leg negotiated none. Formats are looked up per packet, so a re-INVITE that
// changes a leg's codec keeps the bridge working. Forwarding a packet does
// not allocate.
type Bridge struct {
	ab, ba *bridgeLeg

	mu      sync.Mutex
	stopped bool
}

// bridgeLeg is one direction of a Bridge: the sink of from writing to to.
type bridgeLeg struct {
	from, to *Session
	// untranscodable counts audio dropped for want of a transcoder.
	untranscodable atomic.Uint64
	// holdDTMF keeps from's telephone-events from to, for a leg whose
	// digits are matched against feature codes first.
	holdDTMF atomic.Bool
}

var _ Sink = (*bridgeLeg)(nil)

// NewBridge returns a bridge between a and b; Start connects them.
func NewBridge(a, b *Session) *Bridge {
	return &Bridge{ab: &bridgeLeg{from: a, to: b}, ba: &bridgeLeg{from: b, to: a}}
}

// Start makes each session's sink forward to the other. It does nothing
// after Stop.
func (b *Bridge) Start() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return
	}
	b.ab.from.SetSink(b.ab)
	b.ba.from.SetSink(b.ba)
}

// Stop removes the bridge's sinks from the sessions, leaving a sink someone
// else set since Start. It is idempotent. A packet being forwarded while
// Stop runs may still be written.
func (b *Bridge) Stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return
	}
	b.stopped = true
	b.ab.from.clearSink(b.ab)
	b.ba.from.clearSink(b.ba)
}

// HoldDTMF stops (hold true) or resumes forwarding the RFC 4733 events
// that from sends: while held, its digits reach the other side only as
// whoever reads them (a feature-code matcher) sends them on, as Asterisk's
// bridge does for a channel with features enabled.
func (b *Bridge) HoldDTMF(from *Session, hold bool) {
	for _, l := range []*bridgeLeg{b.ab, b.ba} {
		if l.from == from {
			l.holdDTMF.Store(hold)
		}
	}
}

// HandleRTP forwards one packet of l.from to l.to.
func (l *bridgeLeg) HandleRTP(kind PayloadKind, p *rtp.Packet) {
	if kind == PayloadDTMF && l.holdDTMF.Load() {
		return
	}
	if kind == PayloadAudio {
		from, to := l.from.Audio(), l.to.Audio()
		if from.Name != to.Name || from.Rate != to.Rate {
			tr, ok := NewTranscoder(from.Name, to.Name)
			if !ok || from.Rate != to.Rate {
				if l.untranscodable.Add(1) == 1 {
					l.from.log.Warn("bridge drops audio: no transcoder", "from", from.Name, "to", to.Name)
				}
				return
			}
			if tr != nil {
				tr(p.Payload)
			}
		}
	}
	if err := l.to.WriteRTP(kind, p); err != nil {
		l.to.log.Debug("bridge write", "err", err)
	}
}
