package media

import (
	"math"
	"testing"
)

// toneAt is n samples of freq Hz at rate Hz.
func toneAt(freq float64, rate, n int, amp float64) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return s
}

func TestResample(t *testing.T) {
	tests := []struct {
		name     string
		from, to int
		freq     float64
		gain     float64 // output rms / input rms, ±2% (or at most, for a stop band tone)
		stopband bool
	}{
		{"espeak 1 kHz", 22050, 8000, 1000, 1, false},
		{"espeak 3 kHz", 22050, 8000, 3000, 1, false},
		{"espeak 5 kHz filtered out", 22050, 8000, 5000, 0.01, true},
		{"espeak 9 kHz filtered out", 22050, 8000, 9000, 0.01, true},
		{"16 kHz 440 Hz", 16000, 8000, 440, 1, false},
		{"24 kHz 2 kHz", 24000, 8000, 2000, 1, false},
		{"44.1 kHz 6 kHz filtered out", 44100, 8000, 6000, 0.01, true},
		{"up 8 to 22.05 kHz", 8000, 22050, 1000, 1, false},
		{"odd ratio", 8001, 8000, 1000, 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := toneAt(tc.freq, tc.from, tc.from, 10000) // 1 s
			out, err := Resample(in, tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if want := tc.to; abs(len(out)-want) > 1 {
				t.Fatalf("%d samples out, want %d", len(out), want)
			}
			// Leave out the filter's edges.
			mid := out[len(out)/10 : len(out)*9/10]
			gain := rms(mid) / rms(in)
			if tc.stopband {
				if gain > tc.gain {
					t.Errorf("%.0f Hz kept at %.3f (%.0f dB)", tc.freq, gain, 20*math.Log10(gain))
				}
				return
			}
			if math.Abs(gain-tc.gain) > 0.02 {
				t.Errorf("gain %.3f, want %.2f", gain, tc.gain)
			}
			if tc.to == SampleRate {
				if g := goertzel(mid, tc.freq); g < 0.99 {
					t.Errorf("%.0f Hz holds %.3f of the output's power", tc.freq, g)
				}
			}
		})
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func TestResampleEdges(t *testing.T) {
	if _, err := NewResampler(0, 8000); err == nil {
		t.Error("0 Hz accepted")
	}
	in := []int16{1, 2, 3}
	out, _ := Resample(in, 8000, 8000)
	if !equalInt16(in, out) || &out[0] == &in[0] {
		t.Errorf("same rate: %v", out)
	}
	if out, _ := Resample(nil, 22050, 8000); len(out) != 0 {
		t.Errorf("empty input gave %d samples", len(out))
	}
}

func BenchmarkResampleEspeakSecond(b *testing.B) {
	r, _ := NewResampler(22050, 8000)
	in := toneAt(1000, 22050, 22050, 10000)
	for b.Loop() {
		r.Resample(in)
	}
}
