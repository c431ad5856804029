package dtmf

import (
	"errors"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// step is one input of a Receiver: a packet arriving at at, or (expire) a
// call of Expire at at.
type step struct {
	at     time.Duration
	expire bool
	ts     uint32
	marker bool
	code   uint8
	end    bool
	dur    uint16
}

func (s step) payload() []byte {
	b := Payload{Code: s.code, End: s.end, Volume: 10, Duration: s.dur}.Marshal()
	return b[:]
}

// press is the packets of one press as a phone sends them: every 20 ms at
// 8 kHz a duration 160 higher, starting from first (0 or 160), then the end
// three times.
func press(at time.Duration, ts uint32, code uint8, first uint16, updates int) []step {
	var s []step
	dur := first
	for i := range updates {
		s = append(s, step{at: at, ts: ts, marker: i == 0, code: code, dur: dur})
		at += 20 * time.Millisecond
		dur += 160
	}
	dur -= 160
	for range 3 {
		s = append(s, step{at: at, ts: ts, code: code, end: true, dur: dur})
	}
	return s
}

func cat(parts ...[]step) []step {
	var all []step
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

// run feeds steps to a Receiver and returns the events, in order.
func run(t *testing.T, rate uint32, steps []step) []Event {
	t.Helper()
	r := NewReceiver(rate)
	t0 := time.Unix(1700000000, 0)
	var got []Event
	for i, s := range steps {
		if s.expire {
			if ev, ok := r.Expire(t0.Add(s.at), 0); ok {
				got = append(got, ev)
			}
			continue
		}
		ev, ok, err := r.Packet(t0.Add(s.at), s.ts, s.marker, s.payload())
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if ok {
			got = append(got, ev)
		}
	}
	if ev, ok := r.Next(); ok {
		t.Errorf("event left in the queue: %v", ev)
	}
	return got
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestReceiverSequences(t *testing.T) {
	five := press(0, 1000, 5, 160, 5) // 5 updates to 800: 100 ms
	tests := []struct {
		name string
		rate uint32
		in   []step
		want []Event
	}{
		{
			name: "normal press, end sent three times",
			in:   five,
			want: []Event{{'5', ms(100), SourceRFC4733}},
		},
		{
			name: "first packet has duration 0",
			in:   press(0, 1000, 11, 0, 6),
			want: []Event{{'#', ms(100), SourceRFC4733}},
		},
		{
			name: "start packets lost",
			in:   five[2:],
			want: []Event{{'5', ms(100), SourceRFC4733}},
		},
		{
			name: "only the end packets arrive",
			in:   five[5:],
			want: []Event{{'5', ms(100), SourceRFC4733}},
		},
		{
			name: "only the last end packet arrives",
			in:   five[7:],
			want: []Event{{'5', ms(100), SourceRFC4733}},
		},
		{
			name: "end packets lost, Expire ends it after 150 ms of silence",
			in: cat(five[:5],
				[]step{{at: ms(80 + 100), expire: true}}, // too early
				[]step{{at: ms(80 + 151), expire: true}},
				[]step{{at: ms(80 + 152), expire: true}}, // once
				five[5:]),                                // late end packets: same press, ignored
			want: []Event{{'5', ms(100), SourceRFC4733}},
		},
		{
			name: "end lost, the next press ends it",
			in:   cat(five[:5], press(ms(300), 5000, 5, 160, 5)),
			want: []Event{{'5', ms(100), SourceRFC4733}, {'5', ms(100), SourceRFC4733}},
		},
		{
			name: "end lost, next press has only its end packets",
			in:   cat(five[:5], press(ms(300), 5000, 7, 160, 5)[5:]),
			want: []Event{{'5', ms(100), SourceRFC4733}, {'7', ms(100), SourceRFC4733}},
		},
		{
			name: "same digit twice, back to back",
			in:   cat(five, press(ms(140), 1000+1120, 5, 160, 5)),
			want: []Event{{'5', ms(100), SourceRFC4733}, {'5', ms(100), SourceRFC4733}},
		},
		{
			name: "two digits",
			in:   cat(press(0, 1000, 1, 0, 6), press(ms(200), 2600, 2, 0, 11)),
			want: []Event{{'1', ms(100), SourceRFC4733}, {'2', ms(200), SourceRFC4733}},
		},
		{
			name: "every packet duplicated",
			in: func() []step {
				var s []step
				for _, p := range five {
					s = append(s, p, p)
				}
				return s
			}(),
			want: []Event{{'5', ms(100), SourceRFC4733}},
		},
		{
			name: "end overtakes the last updates",
			in:   []step{five[0], five[1], five[2], five[5], five[3], five[4], five[6], five[7]},
			want: []Event{{'5', ms(100), SourceRFC4733}},
		},
		{
			name: "updates reordered among themselves",
			in:   []step{five[0], five[2], five[1], five[4], five[3], five[5], five[6], five[7]},
			want: []Event{{'5', ms(100), SourceRFC4733}},
		},
		{
			name: "late packet of the previous press after the next began",
			in:   cat(five[:5], press(ms(300), 5000, 9, 160, 2)[:1], five[5:6], press(ms(300), 5000, 9, 160, 2)[1:]),
			want: []Event{{'5', ms(100), SourceRFC4733}, {'9', ms(40), SourceRFC4733}},
		},
		{
			name: "another digit on the same timestamp is ignored",
			in:   cat(five[:3], []step{{at: ms(50), ts: 1000, code: 6, dur: 480}}, five[3:]),
			want: []Event{{'5', ms(100), SourceRFC4733}},
		},
		{
			name: "timestamps wrap past 2^32",
			in:   cat(press(0, 0xffffff00, 3, 160, 5), press(ms(200), 0x00000300, 4, 160, 5)),
			want: []Event{{'3', ms(100), SourceRFC4733}, {'4', ms(100), SourceRFC4733}},
		},
		{
			name: "stream restarts its timestamps far behind",
			in:   cat(press(0, 9_000_000, 3, 160, 5), press(ms(200), 1000, 3, 160, 5)),
			want: []Event{{'3', ms(100), SourceRFC4733}, {'3', ms(100), SourceRFC4733}},
		},
		{
			name: "long press: duration wraps past 0xFFFF on one timestamp",
			in: []step{
				{at: 0, ts: 50, marker: true, code: 0, dur: 0},
				{at: ms(8000), ts: 50, code: 0, dur: 64000},
				{at: ms(8100), ts: 50, code: 0, dur: 64800},
				{at: ms(8200), ts: 50, code: 0, dur: 64800 + 800 - 65536}, // wrapped
				{at: ms(8300), ts: 50, code: 0, dur: 64800 + 1600 - 65536},
				{at: ms(8300), ts: 50, code: 0, end: true, dur: 64800 + 1600 - 65536},
				{at: ms(8300), ts: 50, code: 0, end: true, dur: 64800 + 1600 - 65536},
			},
			want: []Event{{'0', ms(8300), SourceRFC4733}},
		},
		{
			name: "long press without end expires once",
			in: []step{
				{at: 0, ts: 50, marker: true, code: 0, dur: 160},
				{at: ms(8100), ts: 50, code: 0, dur: 64800},
				{at: ms(8200), ts: 50, code: 0, dur: 64800 + 800 - 65536},
				{at: ms(8500), expire: true},
				{at: ms(8600), ts: 50, code: 0, end: true, dur: 64800 + 1600 - 65536},
			},
			want: []Event{{'0', ms(8200), SourceRFC4733}},
		},
		{
			name: "16 kHz",
			rate: 16000,
			in:   press(0, 1000, 10, 160, 5), // scaled below to 320 per 20 ms: 1600 units
			want: []Event{{'*', ms(100), SourceRFC4733}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.rate == 16000 { // scale the 8 kHz steps of press
				for i := range tc.in {
					tc.in[i].dur = tc.in[i].dur / 160 * 320
				}
			}
			got := run(t, tc.rate, tc.in)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d events %v, want %v", len(got), got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("event %d = %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestReceiverAppendPress sends presses as AppendPress builds them, long
// ones in RFC 4733 §2.5.1.3 segments, at every rate: one digit each, of the
// sent duration.
func TestReceiverAppendPress(t *testing.T) {
	tests := []struct {
		name  string
		rate  uint32
		digit rune
		d     time.Duration
	}{
		{"40 ms", 8000, '1', ms(40)},
		{"100 ms", 8000, '#', 0},
		{"2 s", 8000, 'D', 2 * time.Second},
		{"10 s in two segments", 8000, '0', 10 * time.Second},
		{"20 s in three segments", 8000, '5', 20 * time.Second},
		{"16 kHz 5 s", 16000, '*', 5 * time.Second},
		{"48 kHz 3 s", 48000, '9', 3 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pkts, ok := AppendPress(nil, tc.digit, tc.d, tc.rate, 0)
			if !ok {
				t.Fatal("AppendPress not ok")
			}
			const base = 123456
			var in []step
			for _, p := range pkts {
				in = append(in, step{at: p.At, ts: base + p.TSOffset, marker: p.Marker,
					code: p.Payload.Code, end: p.Payload.End, dur: p.Payload.Duration})
			}
			got := run(t, tc.rate, in)
			want := tc.d
			if want == 0 {
				want = DefaultDuration
			}
			d := normalize(tc.digit)
			if len(got) != 1 || got[0].Digit != d || got[0].Duration != want {
				t.Fatalf("got %v, want one %c of %v", got, d, want)
			}
		})
	}
}

func TestAppendPress(t *testing.T) {
	pkts, ok := AppendPress(nil, '5', ms(100), 8000, ms(20))
	if !ok {
		t.Fatal("not ok")
	}
	if len(pkts) != 5+EndRetransmits {
		t.Fatalf("%d packets, want %d", len(pkts), 5+EndRetransmits)
	}
	for i, p := range pkts {
		if p.Marker != (i == 0) {
			t.Errorf("packet %d marker %v", i, p.Marker)
		}
		if p.TSOffset != 0 || p.Payload.Code != 5 || p.Payload.Volume != DefaultVolume {
			t.Errorf("packet %d = %+v", i, p)
		}
		end := i >= 5
		if p.Payload.End != end {
			t.Errorf("packet %d end %v", i, p.Payload.End)
		}
	}
	if d := pkts[len(pkts)-1].Payload.Duration; d != 800 {
		t.Errorf("end duration %d, want 800", d)
	}
	if _, ok := AppendPress(nil, 'x', 0, 0, 0); ok {
		t.Error("AppendPress('x') ok")
	}
	// Segments: the first one ends within a packet of 0xFFFF, the next
	// starts 0xFFFF later without a marker.
	pkts, _ = AppendPress(pkts[:0], '1', 10*time.Second, 8000, 0)
	var prev SendPacket
	for i, p := range pkts {
		if i > 0 && p.TSOffset != prev.TSOffset {
			if prev.Payload.Duration < 0xffff-160 || p.TSOffset != prev.TSOffset+0xffff || p.Marker {
				t.Errorf("segment change at %d: %+v after %+v", i, p, prev)
			}
		}
		prev = p
	}
	if prev.TSOffset != 0xffff || !prev.Payload.End {
		t.Errorf("last packet %+v", prev)
	}
}

func TestReceiverErrors(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    []error
	}{
		{"empty", nil, []error{ErrShortPayload}},
		{"three bytes", []byte{1, 0x80, 0}, []error{ErrShortPayload}},
		{"flash", []byte{16, 0x0a, 0, 160}, []error{ErrNotDigit, ErrFlash}},
		{"tone event", []byte{70, 0x0a, 0, 160}, []error{ErrNotDigit}},
		{"255", []byte{255, 0xff, 0xff, 0xff}, []error{ErrNotDigit}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReceiver(0)
			now := time.Now()
			if _, _, err := r.Packet(now, 1000, true, []byte{4, 0x0a, 0, 160}); err != nil {
				t.Fatal(err)
			}
			ev, ok, err := r.Packet(now, 1000, false, tc.payload)
			if ok || err == nil {
				t.Fatalf("Packet = %v, %v, %v; want an error", ev, ok, err)
			}
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Errorf("error %v is not %v", err, w)
				}
			}
			// The press in progress is untouched.
			if d, ok := r.Active(); !ok || d != '4' {
				t.Errorf("Active() = %q, %v; want 4", d, ok)
			}
			ev, ok, _ = r.Packet(now, 1000, false, []byte{4, 0x8a, 0, 160})
			if !ok || ev.Digit != '4' {
				t.Errorf("end = %v, %v", ev, ok)
			}
		})
	}
}

func TestReceiverExtraReportsIgnored(t *testing.T) {
	// §2.5.1.5: only the first report of a packet counts.
	r := NewReceiver(8000)
	now := time.Now()
	ev, ok, err := r.Packet(now, 1, true, []byte{1, 0x8a, 0, 160, 2, 0x8a, 0, 160})
	if err != nil || !ok || ev.Digit != '1' {
		t.Fatalf("Packet = %v, %v, %v", ev, ok, err)
	}
	if ev, ok := r.Next(); ok {
		t.Errorf("extra event %v", ev)
	}
}

func TestReceiverRTPAndReset(t *testing.T) {
	r := NewReceiver(8000)
	now := time.Now()
	p := &rtp.Packet{Header: rtp.Header{Timestamp: 77, Marker: true}, Payload: []byte{12, 0x0a, 0, 0}}
	if _, ok, err := r.RTP(now, p); ok || err != nil {
		t.Fatalf("start: %v %v", ok, err)
	}
	if d, ok := r.Active(); !ok || d != 'A' {
		t.Errorf("Active() = %q, %v", d, ok)
	}
	r.Reset()
	if _, ok := r.Active(); ok {
		t.Error("active after Reset")
	}
	if _, ok := r.Expire(now.Add(time.Hour), 0); ok {
		t.Error("Expire after Reset reported a press")
	}
}

func TestReceiverPacketAllocs(t *testing.T) {
	r := NewReceiver(8000)
	now := time.Now()
	pkts := press(0, 1000, 5, 160, 5)
	ts := uint32(0)
	allocs := testing.AllocsPerRun(1000, func() {
		ts += 2000
		for _, s := range pkts {
			r.Packet(now, ts, s.marker, s.payload())
		}
		r.Expire(now, 0)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per press, want 0", allocs)
	}
}

func BenchmarkReceiverPacket(b *testing.B) {
	r := NewReceiver(8000)
	now := time.Now()
	payload := []byte{5, 0x0a, 0, 160}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		payload[1] = 0x0a
		if i%8 == 7 {
			payload[1] |= 0x80
		}
		r.Packet(now, uint32(i/8)*2000, i%8 == 0, payload)
	}
}
