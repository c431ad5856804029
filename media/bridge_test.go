package media

import (
	"bytes"
	"math"
	"testing"

	"github.com/pion/rtp"
	"github.com/zaf/g711"
)

// leg is one side of a bridged call: Obelisk's session and the phone.
type leg struct {
	s     *Session
	phone *peer
	seq   uint16
}

// newLeg negotiates audio (and dtmf when hasDTMF) with a phone and learns
// the phone as the source.
func newLeg(t testing.TB, audio, dtmf Format, hasDTMF bool) *leg {
	t.Helper()
	l := &leg{s: newTestSession(t, SessionOptions{}), phone: newPeer(t)}
	formats := []Format{audio}
	if hasDTMF {
		formats = append(formats, dtmf)
	}
	l.s.SetRemote(l.phone.describe(SendRecv, formats...), audio, dtmf, hasDTMF)
	learn(t, l.s, l.phone, DefaultProbation)
	l.seq = DefaultProbation + 1
	return l
}

// send sends one packet from the phone.
func (l *leg) send(t testing.TB, pt uint8, payload []byte) {
	t.Helper()
	l.phone.send(t, l.s, pt, l.seq, uint32(l.seq)*160, payload)
	l.seq++
}

// bridged returns two bridged legs.
func bridged(t testing.TB, a, b *leg) *Bridge {
	t.Helper()
	br := NewBridge(a.s, b.s)
	br.Start()
	t.Cleanup(br.Stop)
	return br
}

// sine is 20 ms of a 440 Hz tone.
func sine() []int16 {
	s := make([]int16, 160)
	for i := range s {
		s[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/8000))
	}
	return s
}

func encode(codec string, samples []int16) []byte {
	out := make([]byte, len(samples))
	for i, v := range samples {
		if codec == PCMA {
			out[i] = g711.EncodeAlawFrame(v)
		} else {
			out[i] = g711.EncodeUlawFrame(v)
		}
	}
	return out
}

func decode(codec string, payload []byte) []int16 {
	out := make([]int16, len(payload))
	for i, b := range payload {
		if codec == PCMA {
			out[i] = g711.DecodeAlawFrame(b)
		} else {
			out[i] = g711.DecodeUlawFrame(b)
		}
	}
	return out
}

func TestBridgeAudio(t *testing.T) {
	tests := []struct {
		name   string
		aCodec Format
		bCodec Format
	}{
		{"same codec", pcmu, pcmu},
		{"PCMA to PCMU", pcma, pcmu},
		{"PCMU to PCMA", pcmu, pcma},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := newLeg(t, tc.aCodec, Format{}, false), newLeg(t, tc.bCodec, Format{}, false)
			bridged(t, a, b)
			want := sine()
			for _, dir := range []struct {
				name     string
				from, to *leg
			}{{"a to b", a, b}, {"b to a", b, a}} {
				in := encode(dir.from.s.Audio().Name, want)
				dir.from.send(t, dir.from.s.Audio().PT, in)
				got := dir.to.phone.recv(t)
				if got.PayloadType != dir.to.s.Audio().PT {
					t.Fatalf("%s: PT %d, want %d", dir.name, got.PayloadType, dir.to.s.Audio().PT)
				}
				if dir.from.s.Audio() == dir.to.s.Audio() && !bytes.Equal(got.Payload, in) {
					t.Fatalf("%s: payload changed without transcoding", dir.name)
				}
				for i, v := range decode(dir.to.s.Audio().Name, got.Payload) {
					// two quantizations, each within half a G.711 step
					if d := math.Abs(float64(v) - float64(want[i])); d > 0.07*math.Abs(float64(want[i]))+64 {
						t.Fatalf("%s: sample %d is %d, want about %d", dir.name, i, v, want[i])
					}
				}
			}
		})
	}
}

func TestBridgeDTMF(t *testing.T) {
	event := []byte{5, 0x8a, 0x03, 0x20} // RFC 4733 §2.3: digit 5, end, volume 10, 800 units
	tests := []struct {
		name    string
		aDTMF   Format
		aHas    bool
		bDTMF   Format
		bHas    bool
		wantB   uint8 // PT phone b gets; the audio PT when the event is dropped
		dropped bool
	}{
		{"same payload type", te101, true, te101, true, 101, false},
		{"96 to 101", te96, true, te101, true, 101, false},
		{"101 to 96", te101, true, te96, true, 96, false},
		{"leg without telephone-event", te101, true, Format{}, false, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := newLeg(t, pcmu, tc.aDTMF, tc.aHas), newLeg(t, pcmu, tc.bDTMF, tc.bHas)
			bridged(t, a, b)
			a.send(t, tc.aDTMF.PT, event)
			a.send(t, pcmu.PT, make([]byte, 160)) // in order after the event
			got := b.phone.recv(t)
			if got.PayloadType != tc.wantB {
				t.Fatalf("phone b got PT %d, want %d", got.PayloadType, tc.wantB)
			}
			if tc.dropped {
				if len(got.Payload) != 160 {
					t.Fatalf("phone b got %d bytes: the event was not dropped", len(got.Payload))
				}
				return
			}
			if !bytes.Equal(got.Payload, event) {
				t.Fatalf("event payload % x, want % x", got.Payload, event)
			}
			if got := b.phone.recv(t); got.PayloadType != 0 {
				t.Fatalf("audio after the event has PT %d", got.PayloadType)
			}
		})
	}
}

// TestBridgeReinvite changes leg b's codec while bridged.
func TestBridgeReinvite(t *testing.T) {
	a, b := newLeg(t, pcmu, Format{}, false), newLeg(t, pcmu, Format{}, false)
	bridged(t, a, b)
	in := encode(PCMU, sine())
	a.send(t, 0, in)
	if got := b.phone.recv(t); got.PayloadType != 0 || !bytes.Equal(got.Payload, in) {
		t.Fatalf("before re-INVITE: PT %d", got.PayloadType)
	}
	b.s.SetRemote(b.phone.describe(SendRecv, pcma), pcma, Format{}, false)
	a.send(t, 0, in)
	got := b.phone.recv(t)
	if got.PayloadType != 8 {
		t.Fatalf("after re-INVITE: PT %d, want 8", got.PayloadType)
	}
	want := make([]byte, len(in))
	copy(want, in)
	u2a, _ := NewTranscoder(PCMU, PCMA)
	u2a(want)
	if !bytes.Equal(got.Payload, want) {
		t.Fatal("after re-INVITE the audio is not transcoded")
	}
}

func TestBridgeStop(t *testing.T) {
	a, b := newLeg(t, pcmu, Format{}, false), newLeg(t, pcmu, Format{}, false)
	br := bridged(t, a, b)
	other := &recorder{}
	br.Stop()
	br.Stop()
	br.Start() // no effect after Stop
	a.send(t, 0, make([]byte, 160))
	waitProcessed(t, a.s, DefaultProbation+1)
	if n := b.s.Stats().PacketsOut; n != 0 {
		t.Fatalf("b sent %d packets after Stop", n)
	}
	// Stop leaves alone a sink set after Start.
	br2 := NewBridge(a.s, b.s)
	br2.Start()
	b.s.SetSink(other)
	br2.Stop()
	b.send(t, 0, make([]byte, 160))
	waitProcessed(t, b.s, DefaultProbation+1)
	if _, pkts := other.got(); len(pkts) != 1 {
		t.Fatalf("the later sink got %d packets", len(pkts))
	}
}

// TestBridgeForwardAllocs checks that forwarding a packet, transcoded or
// not, allocates nothing: the sink's work and the other session's write.
func TestBridgeForwardAllocs(t *testing.T) {
	tests := []struct {
		name string
		a, b Format
		kind PayloadKind
		pt   uint8
		wire bool // from phone a's socket, through a's read goroutine
	}{
		{"copy", pcmu, pcmu, PayloadAudio, 0, false},
		{"transcode", pcma, pcmu, PayloadAudio, 8, false},
		{"dtmf", pcmu, pcmu, PayloadDTMF, 96, false},
		{"copy from the wire", pcmu, pcmu, PayloadAudio, 0, true},
		{"transcode from the wire", pcma, pcmu, PayloadAudio, 8, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := newLeg(t, tc.a, te96, true), newLeg(t, tc.b, te101, true)
			br := NewBridge(a.s, b.s)
			if tc.wire {
				br.Start()
				defer br.Stop()
			}
			pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: tc.pt, SSRC: 9, SequenceNumber: a.seq}, Payload: make([]byte, 160)}
			buf := make([]byte, maxPacket)
			allocs := testing.AllocsPerRun(100, func() {
				pkt.SequenceNumber++
				pkt.Timestamp += 160
				if tc.wire {
					n, _ := pkt.MarshalTo(buf)
					a.phone.conn.WriteToUDPAddrPort(buf[:n], a.s.LocalAddr())
				} else {
					br.ab.HandleRTP(tc.kind, &pkt)
				}
				b.phone.recv(t)
			})
			if allocs != 0 {
				t.Fatalf("%v allocations per packet", allocs)
			}
		})
	}
}

// benchmarkBridge is one packet from phone a through the bridge to phone b
// over loopback UDP.
func benchmarkBridge(b *testing.B, aCodec, bCodec Format) {
	a, c := newLeg(b, aCodec, Format{}, false), newLeg(b, bCodec, Format{}, false)
	bridged(b, a, c)
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: aCodec.PT, SSRC: 1, SequenceNumber: a.seq}, Payload: encode(aCodec.Name, sine())}
	buf := make([]byte, maxPacket)
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt.Payload)))
	for b.Loop() {
		pkt.SequenceNumber++
		pkt.Timestamp += 160
		n, _ := pkt.MarshalTo(buf)
		if _, err := a.phone.conn.WriteToUDPAddrPort(buf[:n], a.s.LocalAddr()); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.phone.conn.ReadFromUDPAddrPort(c.phone.buf[:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBridgeForward relays G.711 µ-law between two µ-law legs.
func BenchmarkBridgeForward(b *testing.B) { benchmarkBridge(b, pcmu, pcmu) }

// BenchmarkBridgeTranscode relays A-law to a µ-law leg.
func BenchmarkBridgeTranscode(b *testing.B) { benchmarkBridge(b, pcma, pcmu) }
