package media

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sync"
)

// The default music on hold is made by Obelisk itself, so it is free of
// any licence: two short pieces of soft chords and arpeggios, synthesized
// deterministically at 8 kHz. Each loops without a click (the notes still
// sounding at the end ring on into the beginning).
//
//	obelisk-calm   C  Am  F  G  C  Am  F  G   (80 bpm, 24 s)
//	obelisk-drift  Am F   C  G  Am F   Dm E   (72 bpm, 26.7 s)
//
// InstallDefaultMOH writes them to the sounds directory's moh/, the
// directory of musiconhold.conf's default class, on first run.

// mohPiece is one generated piece.
type mohPiece struct {
	name   string
	bpm    float64
	chords [][3]int // MIDI notes of each bar's triad
}

var defaultMOHPieces = []mohPiece{
	{"obelisk-calm", 80, [][3]int{
		{60, 64, 67}, {57, 60, 64}, {53, 57, 60}, {55, 59, 62},
		{60, 64, 67}, {57, 60, 64}, {53, 57, 60}, {55, 59, 62},
	}},
	{"obelisk-drift", 72, [][3]int{
		{57, 60, 64}, {53, 57, 60}, {60, 64, 67}, {55, 59, 62},
		{57, 60, 64}, {53, 57, 60}, {50, 53, 57}, {52, 56, 59},
	}},
}

// mohPeak is the loudest sample of the default music: -11 dBFS, soft next
// to speech.
const mohPeak = 9000

func midiHz(n int) float64 { return 440 * math.Pow(2, float64(n-69)/12) }

// render synthesizes p as 8 kHz samples.
func (p mohPiece) render() []int16 {
	beat := 60 / p.bpm
	bar := 4 * beat
	n := int(math.Round(bar * float64(len(p.chords)) * SampleRate))
	n = (n + FrameSamples - 1) / FrameSamples * FrameSamples // whole frames
	acc := make([]float64, n)
	// add puts a note on the loop: what runs past the end wraps to the
	// start, so the loop is seamless.
	add := func(start, length, freq float64, amp float64, env func(t float64) float64, partials []float64) {
		i0 := int(start * SampleRate)
		m := int(length * SampleRate)
		w := 2 * math.Pi * freq / SampleRate
		for i := range m {
			e := env(float64(i) / SampleRate)
			if e == 0 {
				continue
			}
			var v float64
			for k, a := range partials {
				if freq*float64(k+1) < 0.95*SampleRate/2 { // no aliases
					v += a * math.Sin(w*float64(k+1)*float64(i))
				}
			}
			acc[(i0+i)%n] += amp * e * v
		}
	}
	pad := func(length float64) func(float64) float64 {
		const attack, release = 0.5, 0.8
		return func(t float64) float64 {
			switch {
			case t < attack:
				return t / attack
			case t < length:
				return 1
			case t < length+release:
				return 1 - (t-length)/release
			}
			return 0
		}
	}
	pluck := func(t float64) float64 {
		const attack = 0.006
		if t < attack {
			return t / attack
		}
		return math.Exp(-(t - attack) / 0.35)
	}
	// The arpeggio's order through the triad and its octave above.
	arp := [8]int{0, 1, 2, 3, 2, 1, 0, 1}
	for b, ch := range p.chords {
		t0 := float64(b) * bar
		for _, note := range ch {
			add(t0, bar+0.8, midiHz(note), 0.18, pad(bar), []float64{1, 0.3, 0.1})
		}
		for k := range 8 { // eighth notes
			step := arp[(k+b)%len(arp)]
			note := ch[step%3] + 12*(1+step/3)
			add(t0+float64(k)*beat/2, 2.0, midiHz(note), 0.22, pluck, []float64{1, 0.25, 0.08})
		}
	}
	var peak float64
	for _, v := range acc {
		peak = max(peak, math.Abs(v))
	}
	out := make([]int16, n)
	for i, v := range acc {
		out[i] = int16(math.Round(v / peak * mohPeak))
	}
	return out
}

var (
	defaultMOHOnce   sync.Once
	defaultMOHSounds []*Sound
)

// DefaultMOH returns the default music on hold, generated once and held in
// memory: one Sound per piece, in alphabetical order of their names.
func DefaultMOH() []*Sound {
	defaultMOHOnce.Do(func() {
		for _, p := range defaultMOHPieces {
			s := NewSound(p.render())
			s.Path = p.name
			defaultMOHSounds = append(defaultMOHSounds, s)
		}
	})
	return defaultMOHSounds
}

// InstallDefaultMOH writes the default music on hold to
// <soundsDir>/moh/<piece>.ulaw and .alaw, so that the default class plays
// it in either codec without transcoding. It does nothing when that
// directory already holds a sound file (the user's own music, or an
// earlier run's), and reports whether it wrote.
func InstallDefaultMOH(soundsDir string) (dir string, wrote bool, err error) {
	dir = filepath.Join(soundsDir, DefaultMOHDirectory)
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return dir, false, fmt.Errorf("install default music on hold: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() && ParseSoundFormat(filepath.Ext(e.Name())) != FormatUnknown {
			return dir, false, nil
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return dir, false, fmt.Errorf("install default music on hold: %w", err)
	}
	for _, s := range DefaultMOH() {
		for _, codec := range []SoundFormat{FormatULaw, FormatALaw} {
			path := filepath.Join(dir, s.Path+"."+codec.String())
			if err := writeFileAtomic(path, s.encoded(codec)); err != nil {
				return dir, false, fmt.Errorf("install default music on hold: %w", err)
			}
		}
	}
	return dir, true, nil
}

// writeFileAtomic writes data to path through a temporary file and a
// rename, so no reader sees half a file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	err = errors.Join(err, tmp.Chmod(0o644), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
