package media

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// DefaultProbation is how many packets in sequence learn a source when
// SessionOptions.Probation is 0 (Asterisk's rtp.conf probation default).
const DefaultProbation = 4

// maxPacket is the size of the read and write buffers: an Ethernet MTU.
const maxPacket = 1500

// rtpHeaderSize is the fixed RTP header (RFC 3550 §5.1).
const rtpHeaderSize = 12

// SessionOptions configure a Session.
type SessionOptions struct {
	// Symmetric sends RTP to where the peer's RTP comes from instead of
	// the SDP address (sip.conf nat=comedia, pjsip rtp_symmetric), for
	// phones behind NAT. Until a source is learned, RTP goes to the SDP
	// address.
	Symmetric bool
	// Probation is how many packets in sequence from one new source are
	// needed to learn it (Asterisk rtp.conf probation); DefaultProbation
	// when 0.
	Probation int
	// Logger receives the session's events; slog.Default() when nil.
	Logger *slog.Logger
}

// PayloadKind tells audio from DTMF.
type PayloadKind int

// Payload kinds.
const (
	PayloadUnknown PayloadKind = iota
	PayloadAudio               // the negotiated codec
	PayloadDTMF                // RFC 4733 telephone-event
)

// String returns "audio", "dtmf" or "unknown".
func (k PayloadKind) String() string {
	switch k {
	case PayloadAudio:
		return "audio"
	case PayloadDTMF:
		return "dtmf"
	case PayloadUnknown:
		return "unknown"
	}
	return "PayloadKind(" + strconv.Itoa(int(k)) + ")"
}

// Sink receives the packets a Session reads. HandleRTP is called on the
// session's read goroutine; p and its payload are valid only during the call
// (no retaining), and the sink may change the payload in place (a Bridge
// transcodes it). A sink must not call its session's Close, which waits for
// that goroutine.
type Sink interface {
	HandleRTP(kind PayloadKind, p *rtp.Packet)
}

// SessionStats are a Session's counters. A received packet is counted once:
// in PacketsIn and BytesIn when it reached the sink, else in the Dropped
// counter of the check it failed.
type SessionStats struct {
	PacketsIn, PacketsOut, BytesIn, BytesOut uint64
	// DroppedSource counts RTP from another address than the learned
	// source (strictrtp: a hijack attempt or a stale stream).
	DroppedSource uint64
	// DroppedProbation counts RTP read while no source was learned yet.
	DroppedProbation uint64
	// DroppedPT counts RTP with a payload type neither the audio format
	// nor telephone-event, or read before SetRemote.
	DroppedPT uint64
	// DroppedDirection counts RTP from a peer that said it does not send
	// (recvonly, inactive).
	DroppedDirection uint64
	// DroppedInvalid counts datagrams that are not RTP version 2.
	DroppedInvalid uint64
	// Source is the learned source, invalid while learning.
	Source netip.AddrPort
}

// remoteState is what SetRemote applied. It is replaced as a whole, never
// changed, so that each packet sees one consistent version.
type remoteState struct {
	addr    netip.AddrPort // the SDP address
	audio   Format
	dtmf    Format
	hasDTMF bool
	send    bool   // the peer receives and has an address: we send
	recv    bool   // the peer sends: we accept its packets
	gen     uint64 // SetRemote call this came from
}

// sinkHolder boxes a Sink for atomic.Pointer.
type sinkHolder struct{ k Sink }

// learning is strict RTP's source learning (res_rtp_asterisk
// rtp_learning_rtp_seq_update). Only the read goroutine uses it.
type learning struct {
	gen    uint64         // remote generation it belongs to
	cand   netip.AddrPort // candidate source
	seq    uint16         // candidate's last sequence number
	count  int            // candidate's packets in sequence
	warned bool           // a foreign source was logged
}

// writer is the state of the outgoing stream (RFC 3550 §5.1): our own SSRC,
// sequence numbers and timestamps, whatever feeds it.
type writer struct {
	buf  [maxPacket]byte
	pkt  rtp.Packet
	ssrc uint32
	seq  uint16
	// src is what the stream comes from: 0 none (start, after a pause),
	// srcLocal for WriteAudio, 1<<32|SSRC for WriteRTP.
	src uint64
	// offset maps the source's timestamps to ours.
	offset uint32
	// lastTS is the timestamp last sent, at lastSent; nextTS is the one a
	// local frame continuing the stream gets.
	lastTS, nextTS uint32
	lastSent       time.Time
}

const srcLocal = 1

// counters are SessionStats as atomics.
type counters struct {
	packetsIn, packetsOut, bytesIn, bytesOut                                     atomic.Uint64
	droppedSource, droppedProbation, droppedPT, droppedDirection, droppedInvalid atomic.Uint64
}

// Session is one call leg's RTP stream (RFC 3550): one UDP socket for RTP
// and one for RTCP at port+1 (RFC 3550 §11), taken from a PortPool.
//
// It receives as Asterisk's res_rtp_asterisk does with strictrtp=yes: while
// no source is known, a source is learned once Probation packets with
// consecutive sequence numbers arrive from it (the packets before are
// dropped); after that, RTP from any other address is dropped, so nobody
// can hijack the stream (RTPbleed). SetRemote restarts learning. Packets
// that pass go to the Sink.
//
// It sends under its own SSRC, sequence numbers and timestamps (RFC 3550
// §5.1), to the SDP address or, with Symmetric, to the learned source.
type Session struct {
	pool      *PortPool
	conn      *net.UDPConn // RTP
	rtcp      *net.UDPConn
	local     netip.AddrPort
	symmetric bool
	probation int
	log       *slog.Logger

	remote atomic.Pointer[remoteState]
	sink   atomic.Pointer[sinkHolder]
	rxTap  atomic.Pointer[sinkHolder]
	txTap  atomic.Pointer[txTapHolder]

	// srcMu serializes learning a source with SetRemote restarting it.
	srcMu sync.Mutex
	gen   uint64
	// source is the learned source, nil while learning; stored under srcMu.
	source atomic.Pointer[netip.AddrPort]

	// Read goroutine state.
	rbuf  [maxPacket]byte
	rpkt  rtp.Packet
	learn learning

	wmu sync.Mutex
	w   writer

	counters

	lifeMu   sync.Mutex
	started  bool
	closed   bool
	closeErr error
	wg       sync.WaitGroup
}

// NewSession binds a port pair of pool on ip for one call leg. Call
// SetRemote once the peer's SDP is negotiated, Start to receive, and Close
// at hangup.
func NewSession(pool *PortPool, ip netip.Addr, opts SessionOptions) (*Session, error) {
	conn, rtcp, err := pool.listen(ip)
	if err != nil {
		return nil, fmt.Errorf("new rtp session: %w", err)
	}
	s := &Session{
		pool:      pool,
		conn:      conn,
		rtcp:      rtcp,
		local:     conn.LocalAddr().(*net.UDPAddr).AddrPort(),
		symmetric: opts.Symmetric,
		probation: opts.Probation,
		log:       opts.Logger,
	}
	s.local = netip.AddrPortFrom(s.local.Addr().Unmap(), s.local.Port())
	if s.probation <= 0 {
		s.probation = DefaultProbation
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With("component", "rtp", "local", s.local.String())
	s.w.ssrc = rand.Uint32()
	s.w.seq = uint16(rand.Uint32())
	return s, nil
}

// LocalAddr returns the address and port the session's RTP socket is bound
// to, for the c= and m= lines of our SDP.
func (s *Session) LocalAddr() netip.AddrPort { return s.local }

// SetRemote applies the peer's description after negotiation: where to send
// (d.Addr), the negotiated audio and telephone-event formats (hasDTMF false:
// none) with the payload types the peer uses, and the peer's direction. A
// peer that is sendonly or inactive is not sent to; what a recvonly or
// inactive peer sends is dropped. Port 0 or address 0.0.0.0 (RFC 3264 §8.4
// hold) means send nothing. Each call (a re-INVITE) restarts source
// learning.
func (s *Session) SetRemote(d *Description, audio Format, dtmf Format, hasDTMF bool) {
	r := &remoteState{audio: audio, dtmf: dtmf, hasDTMF: hasDTMF}
	if d != nil {
		r.addr = netip.AddrPortFrom(d.Addr.Addr().Unmap(), d.Addr.Port())
		r.recv = d.Direction.sends()
		r.send = d.Direction.receives() && r.addr.Port() != 0 && r.addr.Addr().IsValid() && !r.addr.Addr().IsUnspecified()
	}
	s.srcMu.Lock()
	s.gen++
	r.gen = s.gen
	s.remote.Store(r)
	s.source.Store(nil)
	s.srcMu.Unlock()
	s.log.Debug("rtp remote", "addr", r.addr, "codec", audio.Name, "pt", audio.PT, "dtmf", hasDTMF, "send", r.send, "receive", r.recv)
}

// Audio returns the negotiated audio format (zero before SetRemote).
func (s *Session) Audio() Format {
	if r := s.remote.Load(); r != nil {
		return r.audio
	}
	return Format{}
}

// DTMFFormat returns the negotiated telephone-event format, false when there
// is none.
func (s *Session) DTMFFormat() (Format, bool) {
	if r := s.remote.Load(); r != nil && r.hasDTMF {
		return r.dtmf, true
	}
	return Format{}, false
}

// SetSink atomically replaces the receiver of the packets read (nil: they
// are read and dropped).
func (s *Session) SetSink(k Sink) {
	if k == nil {
		s.sink.Store(nil)
		return
	}
	s.sink.Store(&sinkHolder{k: k})
}

// clearSink removes k if it is still the sink.
func (s *Session) clearSink(k Sink) {
	for {
		h := s.sink.Load()
		if h == nil || h.k != k || s.sink.CompareAndSwap(h, nil) {
			return
		}
	}
}

// Start starts the read goroutines: RTP, and RTCP (read and discarded for
// now). It does nothing after Close or when started already.
func (s *Session) Start() {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.started || s.closed {
		return
	}
	s.started = true
	s.wg.Add(2)
	go s.readRTP()
	go s.readRTCP()
}

// Close closes the sockets, waits for the read goroutines and gives the
// ports back to the pool. It is idempotent. It must not be called from the
// session's own Sink, whose goroutine it waits for.
func (s *Session) Close() error {
	s.lifeMu.Lock()
	if s.closed {
		s.lifeMu.Unlock()
		return s.closeErr
	}
	s.closed = true
	s.closeErr = errors.Join(s.conn.Close(), s.rtcp.Close())
	s.lifeMu.Unlock()
	s.wg.Wait()
	s.pool.release(int(s.local.Port()))
	return s.closeErr
}

// Stats returns the session's counters.
func (s *Session) Stats() SessionStats {
	st := SessionStats{
		PacketsIn:        s.packetsIn.Load(),
		PacketsOut:       s.packetsOut.Load(),
		BytesIn:          s.bytesIn.Load(),
		BytesOut:         s.bytesOut.Load(),
		DroppedSource:    s.droppedSource.Load(),
		DroppedProbation: s.droppedProbation.Load(),
		DroppedPT:        s.droppedPT.Load(),
		DroppedDirection: s.droppedDirection.Load(),
		DroppedInvalid:   s.droppedInvalid.Load(),
	}
	if src := s.source.Load(); src != nil {
		st.Source = *src
	}
	return st
}

// readRTP is the RTP read loop: one reused buffer and packet.
func (s *Session) readRTP() {
	defer s.wg.Done()
	for {
		n, from, err := s.conn.ReadFromUDPAddrPort(s.rbuf[:])
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Debug("read rtp", "err", err)
			continue
		}
		s.receive(s.rbuf[:n], netip.AddrPortFrom(from.Addr().Unmap(), from.Port()))
	}
}

// readRTCP reads and discards RTCP (RFC 3550 §6) so that the socket buffer
// does not fill.
func (s *Session) readRTCP() {
	defer s.wg.Done()
	var buf [maxPacket]byte
	for {
		if _, _, err := s.rtcp.ReadFromUDPAddrPort(buf[:]); errors.Is(err, net.ErrClosed) {
			return
		}
	}
}

// receive checks one datagram and hands it to the sink. A panicking sink is
// logged and the loop goes on.
func (s *Session) receive(b []byte, from netip.AddrPort) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("rtp sink panicked", "panic", v, "from", from)
		}
	}()
	if len(b) < rtpHeaderSize || b[0]>>6 != 2 {
		s.droppedInvalid.Add(1)
		return
	}
	if err := s.rpkt.Unmarshal(b); err != nil {
		s.droppedInvalid.Add(1)
		return
	}
	r := s.remote.Load()
	if r == nil {
		s.droppedPT.Add(1)
		return
	}
	if !s.fromSource(r, from, s.rpkt.SequenceNumber) {
		return
	}
	if !r.recv {
		s.droppedDirection.Add(1)
		return
	}
	var kind PayloadKind
	switch pt := s.rpkt.PayloadType; {
	case pt == r.audio.PT:
		kind = PayloadAudio
	case r.hasDTMF && pt == r.dtmf.PT:
		kind = PayloadDTMF
	default:
		s.droppedPT.Add(1)
		return
	}
	s.packetsIn.Add(1)
	s.bytesIn.Add(uint64(len(b)))
	if h := s.rxTap.Load(); h != nil {
		h.k.HandleRTP(kind, &s.rpkt)
	}
	if h := s.sink.Load(); h != nil {
		h.k.HandleRTP(kind, &s.rpkt)
	}
}

// TxTap sees every packet a session sends: kind, and the payload in the
// session's negotiated format (valid only during the call).
type TxTap interface {
	HandleTx(kind PayloadKind, payload []byte)
}

type txTapHolder struct{ t TxTap }

// SetRxTap sets an observer of every packet the session accepts, called
// on the read goroutine before the Sink (which may transcode the payload
// in place): DTMF detection and recording of what the peer sends. It must
// not modify or retain the packet; nil removes it.
func (s *Session) SetRxTap(k Sink) {
	if k == nil {
		s.rxTap.Store(nil)
		return
	}
	s.rxTap.Store(&sinkHolder{k: k})
}

// SetTxTap sets an observer of every packet the session sends (recording
// of what the peer hears, whoever feeds the stream); nil removes it. It is
// called with the session's write lock held and must not write to the
// session.
func (s *Session) SetTxTap(t TxTap) {
	if t == nil {
		s.txTap.Store(nil)
		return
	}
	s.txTap.Store(&txTapHolder{t: t})
}

// fromSource is strict RTP: it reports whether a packet from from with
// sequence number seq comes from the learned source, learning one after
// probation, and counts the packets it drops.
func (s *Session) fromSource(r *remoteState, from netip.AddrPort, seq uint16) bool {
	l := &s.learn
	if l.gen != r.gen {
		*l = learning{gen: r.gen}
	}
	if src := s.source.Load(); src != nil {
		if *src == from {
			return true
		}
		s.droppedSource.Add(1)
		if !l.warned {
			l.warned = true
			s.log.Warn("rtp from another source than the learned one dropped", "from", from, "source", *src)
		}
		return false
	}
	if l.count > 0 && from == l.cand && seq == l.seq+1 {
		l.count++
	} else {
		l.cand, l.count = from, 1
	}
	l.seq = seq
	if l.count < s.probation {
		s.droppedProbation.Add(1)
		return false
	}
	s.srcMu.Lock()
	current := s.gen == r.gen
	if current {
		src := from
		s.source.Store(&src)
	}
	s.srcMu.Unlock()
	if !current {
		s.droppedProbation.Add(1)
		return false
	}
	s.log.Info("rtp source learned", "source", from, "probation", s.probation)
	return true
}

// WriteRTP sends a packet coming from elsewhere (a bridge) as part of this
// session's stream: the payload type becomes this session's negotiated one
// for kind (DTMF is dropped silently when the session has no
// telephone-event), SSRC and sequence number its own, and the timestamp is
// shifted so that the stream stays continuous when the source's SSRC
// changes (the marker bit is set on such a change, RFC 3550 §5.1). Nothing
// is sent, and nil returned, before SetRemote or while the peer does not
// receive. It does not allocate.
func (s *Session) WriteRTP(kind PayloadKind, p *rtp.Packet) error {
	r := s.remote.Load()
	if r == nil || !r.send {
		s.pause()
		return nil
	}
	var pt uint8
	switch kind {
	case PayloadAudio:
		pt = r.audio.PT
	case PayloadDTMF:
		if !r.hasDTMF {
			return nil
		}
		pt = r.dtmf.PT
	default:
		return ErrPayloadKind
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	w := &s.w
	marker := p.Marker
	if src := 1<<32 | uint64(p.SSRC); w.src != src {
		w.offset = w.continueAt(r.audio.Rate) - p.Timestamp
		w.src = src
		marker = true
	}
	return s.sendLocked(r, pt, marker, p.Timestamp+w.offset, p.Payload)
}

// WriteAudio sends locally made audio (a prompt, music on hold): payload in
// the session's codec covering samples timestamp units (160 for 20 ms of
// G.711), marker set at a talkspurt start. It shares the SSRC, sequence
// numbers and timestamps with WriteRTP, so that switching between a bridge
// and a prompt keeps the stream continuous. It does not allocate.
func (s *Session) WriteAudio(payload []byte, samples uint32, marker bool) error {
	r := s.remote.Load()
	if r == nil || !r.send {
		s.pause()
		return nil
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	w := &s.w
	ts := w.nextTS
	if w.src != srcLocal {
		ts = w.continueAt(r.audio.Rate)
		w.src = srcLocal
		marker = true
	}
	w.nextTS = ts + samples
	return s.sendLocked(r, r.audio.PT, marker, ts, payload)
}

// pause notes that nothing was sent, so that the next packet starts a new
// talkspurt at the timestamp the pause's duration gives.
func (s *Session) pause() {
	s.wmu.Lock()
	s.w.src = 0
	s.wmu.Unlock()
}

// continueAt returns the timestamp of a packet continuing the stream after
// a change of source: the last one plus the time since it was sent, at
// least 20 ms, at clock rate rate.
func (w *writer) continueAt(rate uint32) uint32 {
	if w.lastSent.IsZero() {
		return rand.Uint32()
	}
	if rate == 0 {
		rate = 8000
	}
	inc := uint32(time.Since(w.lastSent).Milliseconds() * int64(rate) / 1000)
	return w.lastTS + max(inc, rate/50)
}

// sendLocked marshals and sends one packet to the peer. s.wmu is held.
func (s *Session) sendLocked(r *remoteState, pt uint8, marker bool, ts uint32, payload []byte) error {
	dst := r.addr
	if s.symmetric {
		if src := s.source.Load(); src != nil {
			dst = *src
		}
	}
	w := &s.w
	w.pkt.Header = rtp.Header{Version: 2, Marker: marker, PayloadType: pt, SequenceNumber: w.seq, Timestamp: ts, SSRC: w.ssrc}
	w.pkt.Payload = payload
	n, err := w.pkt.MarshalTo(w.buf[:])
	w.pkt.Payload = nil
	if err != nil {
		return fmt.Errorf("write rtp: %w", err)
	}
	w.seq++
	w.lastTS = ts
	w.lastSent = time.Now()
	if h := s.txTap.Load(); h != nil {
		kind := PayloadAudio
		if r.hasDTMF && pt == r.dtmf.PT && pt != r.audio.PT {
			kind = PayloadDTMF
		}
		h.t.HandleTx(kind, payload)
	}
	if _, err := s.conn.WriteToUDPAddrPort(w.buf[:n], dst); err != nil {
		return err
	}
	s.packetsOut.Add(1)
	s.bytesOut.Add(uint64(n))
	return nil
}
