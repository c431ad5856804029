package media

import (
	"errors"
	"math"
	"testing"
	"time"
)

// TestBuiltinSounds: with no file installed, beep is a 1 kHz tone of
// BeepDuration in every language and silence/N is N seconds of zeros; an
// installed file still wins, and other names are still not found.
func TestBuiltinSounds(t *testing.T) {
	lib := &Library{Dirs: []string{t.TempDir()}}
	for _, lang := range []string{"en", "fr", "ar"} {
		s, err := lib.Find("beep", lang, "ulaw")
		if err != nil {
			t.Fatalf("beep (%s): %v", lang, err)
		}
		if s.Duration() != BeepDuration {
			t.Errorf("beep lasts %v, want %v", s.Duration(), BeepDuration)
		}
		pcm := s.PCM()
		crossings := 0
		for i := 1; i < len(pcm); i++ {
			if (pcm[i-1] < 0) != (pcm[i] < 0) {
				crossings++
			}
		}
		if f := float64(crossings) / 2 / BeepDuration.Seconds(); math.Abs(f-BeepFrequency) > 20 {
			t.Errorf("beep is %.0f Hz, want %.0f", f, BeepFrequency)
		}
	}
	s, err := lib.Find("silence/3", "fr", "alaw")
	if err != nil || s.Duration() != 3*time.Second {
		t.Fatalf("silence/3: %v, %v", s, err)
	}
	for _, v := range s.PCM() {
		if v != 0 {
			t.Fatal("silence/3 is not silent")
		}
	}
	for _, name := range []string{"silence/0", "silence/11", "beeps", "silence/x"} {
		if _, err := lib.Find(name, "en", "ulaw"); !errors.Is(err, ErrSoundNotFound) {
			t.Errorf("%s: %v, want ErrSoundNotFound", name, err)
		}
	}
	data, builtin, _ := soundTree(t)
	files := &Library{Dirs: []string{data, builtin}}
	s, err = files.Find("beep", "fr", "ulaw")
	if err != nil || s.Path == "" {
		t.Errorf("an installed beep file must win: %v %v", s, err)
	}
}
