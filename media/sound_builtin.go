package media

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Asterisk's core sounds include beep and silence/1 … silence/10, which
// voicemail, Record, the feature codes and many dialplans play. They are
// not speech, so the prompt catalogue cannot speak them: when no file of
// that name is installed, the Library makes them.

// BeepDuration and BeepFrequency describe the built-in beep.
const (
	BeepDuration  = 250 * time.Millisecond
	BeepFrequency = 1000.0
)

var (
	toneSoundsOnce sync.Once
	builtinBeep    *Sound
	builtinQuiet   [11]*Sound
)

// builtinSound returns the made-up sound called name, or nil.
func builtinSound(name string) *Sound {
	toneSoundsOnce.Do(func() {
		n := int(BeepDuration.Seconds() * 8000)
		pcm := make([]int16, n)
		for i := range pcm {
			// A 5 ms ramp at each end keeps the tone from clicking.
			g := math.Min(1, math.Min(float64(i), float64(n-1-i))/40)
			pcm[i] = int16(g * 12000 * math.Sin(2*math.Pi*BeepFrequency*float64(i)/8000))
		}
		builtinBeep = NewSound(pcm)
		for s := 1; s < len(builtinQuiet); s++ {
			builtinQuiet[s] = NewSound(make([]int16, s*8000))
		}
	})
	if name == "beep" {
		return builtinBeep
	}
	if rest, ok := strings.CutPrefix(name, "silence/"); ok {
		if s, err := strconv.Atoi(rest); err == nil && s >= 1 && s < len(builtinQuiet) {
			return builtinQuiet[s]
		}
	}
	return nil
}
