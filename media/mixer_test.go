package media

import (
	"testing"
)

// constFrame is 20 ms of the constant v.
func constFrame(v int16) []int16 {
	s := make([]int16, mixFrame)
	for i := range s {
		s[i] = v
	}
	return s
}

// TestMixerEachHearsTheOthers: three parties (two µ-law, one A-law) each
// say a constant level; after one tick each hears the sum of the other
// two, in its own codec, and not itself.
func TestMixerEachHearsTheOthers(t *testing.T) {
	legs := []*leg{newLeg(t, pcmu, Format{}, false), newLeg(t, pcmu, Format{}, false), newLeg(t, pcma, Format{}, false)}
	m := NewMixer(legs[0].s, legs[1].s, legs[2].s)
	levels := []int16{1000, 2000, 4000}
	for i, l := range legs {
		m.parts[i].push(constFrame(levels[i]))
		_ = l
	}
	m.tick()
	for i, l := range legs {
		want := int32(0)
		for j, v := range levels {
			if j != i {
				want += int32(v)
			}
		}
		p := l.phone.recv(t)
		codec := PCMU
		if i == 2 {
			codec = PCMA
		}
		got := decode(codec, p.Payload)
		if len(got) != mixFrame {
			t.Fatalf("party %d: %d samples, want %d", i, len(got), mixFrame)
		}
		// G.711 quantizes: within 3 %.
		if d := int32(got[80]) - want; d > want/32 || d < -want/32 {
			t.Errorf("party %d hears %d, want the others' sum %d", i, got[80], want)
		}
	}
}

func TestMixerQueue(t *testing.T) {
	tests := []struct {
		name   string
		pushed int // samples pushed (value = index+1)
		want   []int16
	}{
		{"empty is silence", 0, []int16{0, 0}},
		{"short frame is padded", 80, []int16{1, 0}},
		{"overflow drops the oldest", mixQueue + 40, []int16{41, 41 + mixFrame - 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &mixPart{}
			pcm := make([]int16, tc.pushed)
			for i := range pcm {
				pcm[i] = int16(i + 1)
			}
			p.push(pcm)
			p.take()
			if got := []int16{p.in[0], p.in[mixFrame-1]}; got[0] != tc.want[0] || got[1] != tc.want[1] {
				t.Errorf("first and last samples %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMixOthersClips(t *testing.T) {
	parts := []*mixPart{{}, {}, {}}
	for i := range parts {
		copy(parts[i].in[:], constFrame(30000))
	}
	var dst [mixFrame]int16
	mixOthers(dst[:], parts, 0)
	if dst[0] != 32767 {
		t.Errorf("sum of two 30000 = %d, want 32767 (clipped)", dst[0])
	}
}

func TestMixerTickAllocates(t *testing.T) {
	legs := []*leg{newLeg(t, pcmu, Format{}, false), newLeg(t, pcma, Format{}, false), newLeg(t, pcmu, Format{}, false)}
	m := NewMixer(legs[0].s, legs[1].s, legs[2].s)
	frame := constFrame(1000)
	if n := testing.AllocsPerRun(50, func() {
		for _, p := range m.parts {
			p.push(frame)
		}
		m.tick()
	}); n != 0 {
		t.Errorf("a mixed frame allocates %v times, want 0", n)
	}
}

// BenchmarkMixerTick: one 20 ms tick of a three-way call (an attended
// transfer's atxferthreeway): each party's frame in, each party's mix of
// the other two encoded and sent.
func BenchmarkMixerTick(b *testing.B) {
	legs := []*leg{newLeg(b, pcmu, Format{}, false), newLeg(b, pcma, Format{}, false), newLeg(b, pcmu, Format{}, false)}
	m := NewMixer(legs[0].s, legs[1].s, legs[2].s)
	frame := constFrame(1000)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range m.parts {
			p.push(frame)
		}
		m.tick()
	}
}
