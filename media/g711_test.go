package media

import (
	"math"
	"testing"

	"github.com/zaf/g711"
)

func TestTranscoderRoundTrip(t *testing.T) {
	a2u, ok := NewTranscoder(PCMA, PCMU)
	if !ok || a2u == nil {
		t.Fatal("no A-law to µ-law")
	}
	if tr, ok := NewTranscoder(PCMU, PCMU); !ok || tr != nil {
		t.Fatal("same codec must need no transcoder")
	}
	if _, ok := NewTranscoder(PCMU, "G722"); ok {
		t.Fatal("G.722 is not G.711")
	}
	// A sine encoded in A-law, transcoded, decodes as µ-law to nearly the
	// same samples (G.711 step sizes differ slightly).
	frame := make([]byte, 160)
	want := make([]int16, 160)
	for i := range frame {
		want[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/8000))
		frame[i] = g711.EncodeAlawFrame(want[i])
	}
	a2u(frame)
	for i, b := range frame {
		got := g711.DecodeUlawFrame(b)
		// two quantizations: A-law then µ-law, each within half a step (≤ 3 %)
		if d := math.Abs(float64(got) - float64(want[i])); d > 0.07*math.Abs(float64(want[i]))+64 {
			t.Fatalf("sample %d: %d after A-law→µ-law, want about %d", i, got, want[i])
		}
	}
}

// BenchmarkTranscodeFrame converts one 20 ms G.711 frame (160 bytes).
func BenchmarkTranscodeFrame(b *testing.B) {
	a2u, _ := NewTranscoder(PCMA, PCMU)
	frame := make([]byte, 160)
	for i := range frame {
		frame[i] = byte(i)
	}
	b.ReportAllocs()
	b.SetBytes(160)
	for b.Loop() {
		a2u(frame)
	}
}
