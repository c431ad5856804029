package tts

import (
	"math"
	"os/exec"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/media"
)

func needEspeak(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Fatal("espeak-ng is not installed: run scripts/install-deps.sh (make test does)")
	}
}

func duration(pcm []int16) time.Duration {
	return time.Duration(len(pcm)) * time.Second / media.SampleRate
}

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

func tone(freq float64, rate, n int) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(8000 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return s
}
