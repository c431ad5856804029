package media

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestDefaultMOH(t *testing.T) {
	sounds := DefaultMOH()
	if len(sounds) != len(defaultMOHPieces) {
		t.Fatalf("%d pieces", len(sounds))
	}
	for i, s := range sounds {
		t.Run(s.Path, func(t *testing.T) {
			pcm := s.PCM()
			if d := s.Duration(); d < 20*time.Second || d > 30*time.Second {
				t.Errorf("lasts %v, want 20 to 30 s", d)
			}
			if len(pcm)%FrameSamples != 0 {
				t.Errorf("%d samples: not whole 20 ms frames", len(pcm))
			}
			if !equalInt16(pcm, defaultMOHPieces[i].render()) {
				t.Error("rendering again gives other samples")
			}
			var peak int16
			for _, v := range pcm {
				peak = max(peak, abs16(v))
			}
			if peak != mohPeak {
				t.Errorf("peak %d, want %d", peak, mohPeak)
			}
			if v := rms(pcm); v < 1000 || v > 5000 {
				t.Errorf("rms %.0f: not soft background music", v)
			}
			// Music, not noise: the first bar's chord tones stand out from
			// the semitone next to them.
			ch := defaultMOHPieces[i].chords[0]
			bar := pcm[4000:int(4*60/defaultMOHPieces[i].bpm*SampleRate)]
			for _, note := range ch {
				if in, off := goertzel(bar, midiHz(note)), goertzel(bar, midiHz(note)*1.0293); in < 5*off {
					t.Errorf("note %d: %.4f of the power, its neighbour %.4f", note, in, off)
				}
			}
			// The loop has no click: the step from the last sample to the
			// first is no bigger than the steps inside the piece.
			var maxStep int
			for j := 1; j < len(pcm); j++ {
				maxStep = max(maxStep, abs(int(pcm[j])-int(pcm[j-1])))
			}
			if seam := abs(int(pcm[0]) - int(pcm[len(pcm)-1])); seam > maxStep {
				t.Errorf("loop seam steps %d, the piece at most %d", seam, maxStep)
			}
		})
	}
}

func TestInstallDefaultMOH(t *testing.T) {
	sounds := t.TempDir()
	dir, wrote, err := InstallDefaultMOH(sounds)
	if err != nil || !wrote || dir != filepath.Join(sounds, "moh") {
		t.Fatalf("install: %s, %v, %v", dir, wrote, err)
	}
	for _, s := range DefaultMOH() {
		for _, codec := range []string{"ulaw", "alaw"} {
			f, err := LoadSound(filepath.Join(dir, s.Path+"."+codec))
			if err != nil {
				t.Fatal(err)
			}
			want, _ := s.Encoded(codec)
			got, _ := f.Encoded(codec)
			if !bytes.Equal(got, want) {
				t.Errorf("%s.%s differs from the generated music", s.Path, codec)
			}
		}
	}
	if _, wrote, err := InstallDefaultMOH(sounds); wrote || err != nil {
		t.Errorf("second install: wrote %v, %v", wrote, err)
	}

	// A directory with the user's own music is left alone.
	own := t.TempDir()
	writeTestFile(t, own, "moh/mine.wav", EncodeWAV(WAVFormat{8000, 1, 16}, tone(440, 800, 1000)))
	if _, wrote, err := InstallDefaultMOH(own); wrote || err != nil {
		t.Errorf("install over own music: wrote %v, %v", wrote, err)
	}
	if entries, _ := os.ReadDir(filepath.Join(own, "moh")); len(entries) != 1 {
		t.Errorf("%d files in the user's moh directory", len(entries))
	}
}
