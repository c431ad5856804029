package media

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// tone returns n samples of a freq Hz sine at amplitude amp.
func tone(freq float64, n int, amp float64) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(i)/SampleRate))
	}
	return s
}

// goertzel returns the power of freq in x relative to x's total power: near
// 1 for a pure tone at freq, near 0 without it.
func goertzel(x []int16, freq float64) float64 {
	if len(x) == 0 {
		return 0
	}
	w := 2 * math.Pi * freq / SampleRate
	c := 2 * math.Cos(w)
	var s1, s2, total float64
	for _, v := range x {
		f := float64(v)
		total += f * f
		s0 := f + c*s1 - s2
		s2, s1 = s1, s0
	}
	if total == 0 {
		return 0
	}
	p := s1*s1 + s2*s2 - c*s1*s2
	return 2 * p / (float64(len(x)) * total)
}

// rms returns the root mean square of x.
func rms(x []int16) float64 {
	if len(x) == 0 {
		return 0
	}
	var sum float64
	for _, v := range x {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(len(x)))
}

// writeTestFile writes data to dir/name, making its directories.
func writeTestFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func ulawOf(pcm []int16) []byte {
	b := make([]byte, len(pcm))
	EncodeULaw(b, pcm)
	return b
}

func alawOf(pcm []int16) []byte {
	b := make([]byte, len(pcm))
	EncodeALaw(b, pcm)
	return b
}
