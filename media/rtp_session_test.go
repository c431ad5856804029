package media

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
)

var (
	loopback = netip.MustParseAddr("127.0.0.1")
	pcmu     = Format{PT: 0, Name: PCMU, Rate: 8000}
	pcma     = Format{PT: 8, Name: PCMA, Rate: 8000}
	te101    = Format{PT: 101, Name: TelephoneEvent, Rate: 8000}
	te96     = Format{PT: 96, Name: TelephoneEvent, Rate: 8000}
)

// waitTimeout bounds every poll; tests never sleep longer than needed.
const waitTimeout = 5 * time.Second

// newTestSession opens a started session on loopback that the test closes.
func newTestSession(t testing.TB, opts SessionOptions) *Session {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := NewSession(NewPortPool(0, 0), loopback, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.Start()
	return s
}

// peer is a phone's RTP socket.
type peer struct {
	conn *net.UDPConn
	buf  [maxPacket]byte
	pkt  rtp.Packet
	out  [maxPacket]byte
}

func newPeer(t testing.TB) *peer {
	t.Helper()
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, 0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &peer{conn: c}
}

func (p *peer) addr() netip.AddrPort { return p.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// describe returns the SDP a phone at p would send.
func (p *peer) describe(dir Direction, formats ...Format) *Description {
	return &Description{Addr: p.addr(), Direction: dir, Formats: formats}
}

// send sends one RTP packet to s.
func (p *peer) send(t testing.TB, to *Session, pt uint8, seq uint16, ts uint32, payload []byte) {
	t.Helper()
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: 0x1234}, Payload: payload}
	n, err := pkt.MarshalTo(p.out[:])
	if err != nil {
		t.Fatal(err)
	}
	p.sendRaw(t, to, p.out[:n])
}

func (p *peer) sendRaw(t testing.TB, to *Session, b []byte) {
	t.Helper()
	if _, err := p.conn.WriteToUDPAddrPort(b, to.LocalAddr()); err != nil {
		t.Fatal(err)
	}
}

// recv reads one RTP packet, valid until the next recv.
func (p *peer) recv(t testing.TB) *rtp.Packet {
	t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(waitTimeout))
	n, _, err := p.conn.ReadFromUDPAddrPort(p.buf[:])
	if err != nil {
		t.Fatalf("peer %s: %v", p.addr(), err)
	}
	if err := p.pkt.Unmarshal(p.buf[:n]); err != nil {
		t.Fatal(err)
	}
	return &p.pkt
}

// empty reports whether nothing is waiting on p. Loopback delivers a
// datagram into the receiving socket before sendto returns, so this is not a
// race with packets already written.
func (p *peer) empty(t testing.TB) bool {
	t.Helper()
	p.conn.SetReadDeadline(time.Now())
	_, _, err := p.conn.ReadFromUDPAddrPort(p.buf[:])
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// recorder is a Sink keeping copies of what it receives.
type recorder struct {
	mu    sync.Mutex
	kinds []PayloadKind
	pkts  []*rtp.Packet
}

func (r *recorder) HandleRTP(kind PayloadKind, p *rtp.Packet) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.kinds = append(r.kinds, kind)
	r.pkts = append(r.pkts, p.Clone())
}

func (r *recorder) got() ([]PayloadKind, []*rtp.Packet) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]PayloadKind(nil), r.kinds...), append([]*rtp.Packet(nil), r.pkts...)
}

// processed is how many datagrams s has read.
func processed(st SessionStats) uint64 {
	return st.PacketsIn + st.DroppedSource + st.DroppedProbation + st.DroppedPT + st.DroppedDirection + st.DroppedInvalid
}

// waitProcessed polls until s has read n datagrams.
func waitProcessed(t testing.TB, s *Session, n uint64) SessionStats {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		st := s.Stats()
		if processed(st) >= n {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("read %d of %d packets: %+v", processed(st), n, st)
		}
		time.Sleep(time.Millisecond)
	}
}

// learn makes s learn p as its source with packets 1..probation.
func learn(t testing.TB, s *Session, p *peer, probation int) {
	t.Helper()
	before := processed(s.Stats())
	for i := range probation {
		p.send(t, s, s.Audio().PT, uint16(1+i), uint32(160*i), make([]byte, 160))
	}
	if st := waitProcessed(t, s, before+uint64(probation)); st.Source != p.addr() {
		t.Fatalf("source %s, want %s: %+v", st.Source, p.addr(), st)
	}
}

func TestPayloadKindString(t *testing.T) {
	for k, want := range map[PayloadKind]string{PayloadUnknown: "unknown", PayloadAudio: "audio", PayloadDTMF: "dtmf", 7: "PayloadKind(7)"} {
		if got := k.String(); got != want {
			t.Errorf("%d: %q, want %q", int(k), got, want)
		}
	}
}

func TestSessionStrictRTP(t *testing.T) {
	type burst struct {
		from int // peer index
		seqs []uint16
	}
	tests := []struct {
		name      string
		probation int
		bursts    []burst
		reinvite  int // SetRemote again before this burst (0: never)
		want      SessionStats
		source    int
		delivered int
	}{
		{name: "learns after default probation", bursts: []burst{{0, []uint16{1, 2, 3, 4, 5, 6}}},
			want: SessionStats{PacketsIn: 3, DroppedProbation: 3}, delivered: 3},
		{name: "probation 1", probation: 1, bursts: []burst{{0, []uint16{9, 10}}},
			want: SessionStats{PacketsIn: 2}, delivered: 2},
		{name: "gap restarts probation", bursts: []burst{{0, []uint16{1, 2, 5, 6, 7, 8}}},
			want: SessionStats{PacketsIn: 1, DroppedProbation: 5}, delivered: 1},
		{name: "sequence wraps", bursts: []burst{{0, []uint16{65534, 65535, 0, 1}}},
			want: SessionStats{PacketsIn: 1, DroppedProbation: 3}, delivered: 1},
		{name: "interleaved sources learn neither", bursts: []burst{{0, []uint16{1}}, {1, []uint16{1}}, {0, []uint16{2}}, {1, []uint16{2}}},
			want: SessionStats{DroppedProbation: 4}, source: -1},
		{name: "hijack after learning dropped", bursts: []burst{{0, []uint16{1, 2, 3, 4}}, {1, []uint16{100, 101, 102, 103, 104}}, {0, []uint16{5}}},
			want: SessionStats{PacketsIn: 2, DroppedProbation: 3, DroppedSource: 5}, delivered: 2},
		{name: "re-INVITE restarts learning", bursts: []burst{{0, []uint16{1, 2, 3, 4}}, {1, []uint16{100, 101, 102, 103}}, {0, []uint16{5}}},
			reinvite: 1, want: SessionStats{PacketsIn: 2, DroppedProbation: 6, DroppedSource: 1}, source: 1, delivered: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSession(t, SessionOptions{Probation: tc.probation})
			peers := []*peer{newPeer(t), newPeer(t)}
			rec := &recorder{}
			s.SetSink(rec)
			s.SetRemote(peers[0].describe(SendRecv, pcmu), pcmu, Format{}, false)
			var sent uint64
			for i, b := range tc.bursts {
				if tc.reinvite != 0 && i == tc.reinvite {
					waitProcessed(t, s, sent)
					s.SetRemote(peers[1].describe(SendRecv, pcmu), pcmu, Format{}, false)
				}
				for _, seq := range b.seqs {
					peers[b.from].send(t, s, 0, seq, uint32(seq)*160, make([]byte, 160))
					sent++
				}
				waitProcessed(t, s, sent)
			}
			st := s.Stats()
			want := tc.want
			if tc.source >= 0 {
				want.Source = peers[tc.source].addr()
			}
			st.BytesIn, st.BytesOut, want.BytesIn, want.BytesOut = 0, 0, 0, 0
			if st != want {
				t.Fatalf("stats %+v\nwant  %+v", st, want)
			}
			kinds, pkts := rec.got()
			if len(pkts) != tc.delivered {
				t.Fatalf("sink got %d packets, want %d", len(pkts), tc.delivered)
			}
			for i, k := range kinds {
				if k != PayloadAudio || len(pkts[i].Payload) != 160 {
					t.Fatalf("packet %d: %v with %d bytes", i, k, len(pkts[i].Payload))
				}
			}
		})
	}
}

func TestSessionReceiveChecks(t *testing.T) {
	valid := func(pt uint8, seq uint16) []byte {
		b, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq}, Payload: []byte{1, 2, 3, 4}}).Marshal()
		return b
	}
	version1 := valid(0, 9)
	version1[0] = 1 << 6
	tests := []struct {
		name  string
		peer  Direction
		pkt   []byte
		kind  PayloadKind
		field func(SessionStats) uint64
	}{
		{"audio", SendRecv, valid(8, 5), PayloadAudio, func(s SessionStats) uint64 { return s.PacketsIn }},
		{"telephone-event", SendRecv, valid(101, 5), PayloadDTMF, func(s SessionStats) uint64 { return s.PacketsIn }},
		{"payload type not negotiated", SendRecv, valid(0, 5), PayloadUnknown, func(s SessionStats) uint64 { return s.DroppedPT }},
		{"comfort noise not negotiated", SendRecv, valid(13, 5), PayloadUnknown, func(s SessionStats) uint64 { return s.DroppedPT }},
		{"version 1", SendRecv, version1, PayloadUnknown, func(s SessionStats) uint64 { return s.DroppedInvalid }},
		{"too short", SendRecv, []byte{0x80, 0, 0, 1}, PayloadUnknown, func(s SessionStats) uint64 { return s.DroppedInvalid }},
		{"bad padding", SendRecv, []byte{0xa0, 8, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0}, PayloadUnknown, func(s SessionStats) uint64 { return s.DroppedInvalid }},
		{"peer recvonly", RecvOnly, valid(8, 5), PayloadUnknown, func(s SessionStats) uint64 { return s.DroppedDirection }},
		{"peer inactive", Inactive, valid(8, 5), PayloadUnknown, func(s SessionStats) uint64 { return s.DroppedDirection }},
		{"peer sendonly", SendOnly, valid(8, 5), PayloadAudio, func(s SessionStats) uint64 { return s.PacketsIn }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSession(t, SessionOptions{Probation: 1})
			p := newPeer(t)
			rec := &recorder{}
			s.SetSink(rec)
			s.SetRemote(p.describe(tc.peer, pcma, te101), pcma, te101, true)
			p.sendRaw(t, s, tc.pkt)
			st := waitProcessed(t, s, 1)
			if tc.field(st) != 1 {
				t.Fatalf("stats %+v", st)
			}
			kinds, _ := rec.got()
			if tc.kind == PayloadUnknown && len(kinds) != 0 || tc.kind != PayloadUnknown && (len(kinds) != 1 || kinds[0] != tc.kind) {
				t.Fatalf("sink got %v, want %v", kinds, tc.kind)
			}
		})
	}
}

func TestSessionBeforeSetRemote(t *testing.T) {
	s := newTestSession(t, SessionOptions{Probation: 1})
	p := newPeer(t)
	p.send(t, s, 0, 1, 0, []byte{0})
	if st := waitProcessed(t, s, 1); st.DroppedPT != 1 {
		t.Fatalf("stats %+v", st)
	}
	if err := s.WriteAudio(make([]byte, 160), 160, false); err != nil || s.Stats().PacketsOut != 0 {
		t.Fatalf("sent before SetRemote: %v", err)
	}
	if f := s.Audio(); f != (Format{}) {
		t.Fatalf("Audio() = %+v", f)
	}
	if _, ok := s.DTMFFormat(); ok {
		t.Fatal("DTMFFormat() found")
	}
}

// TestSessionSendsTo checks where RTP goes: the SDP address, or with
// Symmetric the learned source (a phone behind NAT whose SDP carries its
// private address).
func TestSessionSendsTo(t *testing.T) {
	tests := []struct {
		name      string
		symmetric bool
		learned   bool
		toSource  bool
	}{
		{"SDP address", false, true, false},
		{"symmetric: learned source", true, true, true},
		{"symmetric before learning: SDP address", true, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSession(t, SessionOptions{Symmetric: tc.symmetric})
			sdpAddr, nat := newPeer(t), newPeer(t)
			s.SetRemote(sdpAddr.describe(SendRecv, pcmu), pcmu, Format{}, false)
			if tc.learned {
				learn(t, s, nat, DefaultProbation)
			}
			if err := s.WriteAudio(make([]byte, 160), 160, false); err != nil {
				t.Fatal(err)
			}
			want, other := sdpAddr, nat
			if tc.toSource {
				want, other = nat, sdpAddr
			}
			if p := want.recv(t); p.PayloadType != 0 || len(p.Payload) != 160 {
				t.Fatalf("got %v", p)
			}
			if !other.empty(t) {
				t.Fatal("the other address got RTP too")
			}
		})
	}
}

func TestSessionSendDirection(t *testing.T) {
	tests := []struct {
		name  string
		dir   Direction
		addr  string // instead of the peer's
		sends bool
	}{
		{"sendrecv", SendRecv, "", true},
		{"recvonly", RecvOnly, "", true},
		{"sendonly", SendOnly, "", false},
		{"inactive", Inactive, "", false},
		{"old-style hold", SendRecv, "0.0.0.0:4000", false},
		{"rejected", SendRecv, "127.0.0.1:0", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSession(t, SessionOptions{})
			p := newPeer(t)
			d := p.describe(tc.dir, pcmu)
			if tc.addr != "" {
				d.Addr = netip.MustParseAddrPort(tc.addr)
			}
			s.SetRemote(d, pcmu, Format{}, false)
			if err := s.WriteAudio(make([]byte, 160), 160, true); err != nil {
				t.Fatal(err)
			}
			fwd := rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 7}, Payload: make([]byte, 160)}
			if err := s.WriteRTP(PayloadAudio, &fwd); err != nil {
				t.Fatal(err)
			}
			if got := s.Stats().PacketsOut; got != map[bool]uint64{true: 2, false: 0}[tc.sends] {
				t.Fatalf("sent %d packets", got)
			}
			if tc.sends {
				p.recv(t)
				p.recv(t)
			}
			if !p.empty(t) {
				t.Fatal("peer got more RTP")
			}
		})
	}
}

// TestSessionOutgoingStream checks that the outgoing stream keeps one SSRC
// and consecutive sequence numbers while its source changes (a bridged
// peer's SSRC changes, a prompt interrupts), that timestamps go forward and
// that the marker bit flags each change (RFC 3550 §5.1).
func TestSessionOutgoingStream(t *testing.T) {
	s := newTestSession(t, SessionOptions{})
	p := newPeer(t)
	s.SetRemote(p.describe(SendRecv, pcma, te96), pcma, te96, true)
	type write struct {
		name    string
		local   bool // WriteAudio instead of WriteRTP
		kind    PayloadKind
		ssrc    uint32
		ts      uint32
		marker  bool
		wantPT  uint8
		wantM   bool
		tsDelta int64 // -1: at least 160 (a change of source)
	}
	writes := []write{
		{name: "first packet", kind: PayloadAudio, ssrc: 1, ts: 1000, wantPT: 8, wantM: true},
		{name: "same source", kind: PayloadAudio, ssrc: 1, ts: 1160, wantPT: 8, tsDelta: 160},
		{name: "dtmf keeps the source's clock", kind: PayloadDTMF, ssrc: 1, ts: 1320, marker: true, wantPT: 96, wantM: true, tsDelta: 160},
		{name: "dtmf end", kind: PayloadDTMF, ssrc: 1, ts: 1320, wantPT: 96, tsDelta: 0},
		{name: "new SSRC far away", kind: PayloadAudio, ssrc: 2, ts: 4_000_000_000, wantPT: 8, wantM: true, tsDelta: -1},
		{name: "new SSRC continues", kind: PayloadAudio, ssrc: 2, ts: 4_000_000_160, wantPT: 8, tsDelta: 160},
		{name: "prompt starts", local: true, wantPT: 8, wantM: true, tsDelta: -1},
		{name: "prompt continues", local: true, wantPT: 8, tsDelta: 160},
		{name: "prompt talkspurt", local: true, marker: true, wantPT: 8, wantM: true, tsDelta: 160},
		{name: "back to the bridge", kind: PayloadAudio, ssrc: 2, ts: 4_000_000_320, wantPT: 8, wantM: true, tsDelta: -1},
	}
	var last *rtp.Packet
	for _, w := range writes {
		var err error
		if w.local {
			err = s.WriteAudio(make([]byte, 160), 160, w.marker)
		} else {
			in := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 127, SequenceNumber: uint16(w.ts), Timestamp: w.ts, SSRC: w.ssrc, Marker: w.marker}, Payload: make([]byte, 160)}
			err = s.WriteRTP(w.kind, &in)
		}
		if err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		got := p.recv(t).Clone()
		if got.PayloadType != w.wantPT || got.Marker != w.wantM {
			t.Errorf("%s: PT %d marker %v, want %d %v", w.name, got.PayloadType, got.Marker, w.wantPT, w.wantM)
		}
		if last != nil {
			if got.SSRC != last.SSRC {
				t.Errorf("%s: SSRC %x after %x", w.name, got.SSRC, last.SSRC)
			}
			if got.SequenceNumber != last.SequenceNumber+1 {
				t.Errorf("%s: seq %d after %d", w.name, got.SequenceNumber, last.SequenceNumber)
			}
			d := int64(got.Timestamp - last.Timestamp)
			if w.tsDelta >= 0 && d != w.tsDelta || w.tsDelta < 0 && (d < 160 || d > 8000*60) {
				t.Errorf("%s: timestamp +%d, want +%d", w.name, d, w.tsDelta)
			}
		}
		last = got
	}
	if err := s.WriteRTP(PayloadUnknown, &rtp.Packet{}); !errors.Is(err, ErrPayloadKind) {
		t.Errorf("unknown kind: %v", err)
	}
}

// panicker panics on its first packet.
type panicker struct {
	recorder
	once sync.Once
}

func (p *panicker) HandleRTP(kind PayloadKind, pkt *rtp.Packet) {
	p.once.Do(func() { panic("bad sink") })
	p.recorder.HandleRTP(kind, pkt)
}

func TestSessionSinkPanicKeepsReading(t *testing.T) {
	s := newTestSession(t, SessionOptions{Probation: 1})
	p := newPeer(t)
	k := &panicker{}
	s.SetSink(k)
	s.SetRemote(p.describe(SendRecv, pcmu), pcmu, Format{}, false)
	p.send(t, s, 0, 1, 0, []byte{1})
	p.send(t, s, 0, 2, 160, []byte{2})
	waitProcessed(t, s, 2)
	if _, pkts := k.got(); len(pkts) != 1 || pkts[0].Payload[0] != 2 {
		t.Fatalf("after the panic the sink got %v", pkts)
	}
}

func TestSessionClose(t *testing.T) {
	pool := NewPortPool(0, 0)
	s, err := NewSession(pool, loopback, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	s.Start()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	s.Start() // no goroutine after Close
	p := newPeer(t)
	s.SetRemote(p.describe(SendRecv, pcmu), pcmu, Format{}, false)
	if err := s.WriteAudio([]byte{0}, 160, false); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after Close: %v", err)
	}
}

func TestPortPool(t *testing.T) {
	// A range below Linux's ephemeral ports, so that other tests' sockets
	// do not land in it.
	const start, end = 23410, 23417
	for port := start; port <= end+1; port++ {
		c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, uint16(port))))
		if err != nil {
			t.Skipf("port %d busy: %v", port, err)
		}
		c.Close()
	}
	// Another program holds the RTCP port of 23414: that pair is skipped.
	other, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, 23415)))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	pool := NewPortPool(start-1, end) // rounded up to 23410
	var (
		mu       sync.Mutex
		sessions []*Session
		wg       sync.WaitGroup
	)
	for range 3 {
		wg.Go(func() {
			s, err := NewSession(pool, loopback, SessionOptions{})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			sessions = append(sessions, s)
			mu.Unlock()
		})
	}
	wg.Wait()
	ports := map[uint16]bool{}
	for _, s := range sessions {
		ports[s.LocalAddr().Port()] = true
	}
	want := map[uint16]bool{23410: true, 23412: true, 23416: true}
	if fmt.Sprint(ports) != fmt.Sprint(want) {
		t.Fatalf("ports %v, want %v", ports, want)
	}
	if _, err := NewSession(pool, loopback, SessionOptions{}); !errors.Is(err, ErrNoPort) {
		t.Fatalf("pool exhausted: %v", err)
	}
	freed := sessions[0].LocalAddr().Port()
	sessions[0].Close()
	s, err := NewSession(pool, loopback, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.LocalAddr().Port() != freed {
		t.Fatalf("got port %d, want the freed %d", s.LocalAddr().Port(), freed)
	}
	for _, s := range append(sessions[1:], s) {
		s.Close()
	}
}

// sinkFunc adapts a function to Sink.
type sinkFunc func(PayloadKind, *rtp.Packet)

func (f sinkFunc) HandleRTP(k PayloadKind, p *rtp.Packet) { f(k, p) }

// BenchmarkSessionRead is one packet from a phone through a session's
// strict RTP checks into its sink.
func BenchmarkSessionRead(b *testing.B) {
	s := newTestSession(b, SessionOptions{Probation: 1})
	p := newPeer(b)
	got := make(chan struct{}, 1)
	s.SetSink(sinkFunc(func(PayloadKind, *rtp.Packet) { got <- struct{}{} }))
	s.SetRemote(p.describe(SendRecv, pcmu), pcmu, Format{}, false)
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 1}, Payload: make([]byte, 160)}
	buf := make([]byte, maxPacket)
	b.ReportAllocs()
	b.SetBytes(172)
	for b.Loop() {
		pkt.SequenceNumber++
		pkt.Timestamp += 160
		n, _ := pkt.MarshalTo(buf)
		if _, err := p.conn.WriteToUDPAddrPort(buf[:n], s.LocalAddr()); err != nil {
			b.Fatal(err)
		}
		<-got
	}
}
