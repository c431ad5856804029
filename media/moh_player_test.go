package media

import (
	"bytes"
	"errors"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// markedSounds returns n one-frame µ-law sounds, sound i filled with byte i.
func markedSounds(n int) []*Sound {
	var out []*Sound
	for i := range n {
		s, _ := DecodeSound(FormatULaw, bytes.Repeat([]byte{byte(i)}, FrameSamples))
		out = append(out, s)
	}
	return out
}

// playOrder returns which sound each of n frames came from.
func playOrder(t *testing.T, p *MOHPlayer, n int) []int {
	t.Helper()
	buf := make([]byte, FrameSamples)
	var out []int
	for range n {
		if k, err := p.Next(buf); err != nil || k != FrameSamples {
			t.Fatalf("Next: %d, %v", k, err)
		}
		out = append(out, int(buf[0]))
	}
	return out
}

func TestMOHPlayerSort(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	alpha, err := NewMOHPlayer(markedSounds(3), "ulaw", MOHPlayerOptions{Sort: "alpha", Rand: rnd})
	if err != nil {
		t.Fatal(err)
	}
	if got := playOrder(t, alpha, 7); !equalInts(got, []int{0, 1, 2, 0, 1, 2, 0}) {
		t.Errorf("alpha order %v", got)
	}

	starts := map[int]bool{}
	for range 30 {
		p, _ := NewMOHPlayer(markedSounds(3), "ulaw", MOHPlayerOptions{Sort: "randstart", Rand: rnd})
		got := playOrder(t, p, 4)
		starts[got[0]] = true
		for i := 1; i < len(got); i++ {
			if got[i] != (got[i-1]+1)%3 {
				t.Fatalf("randstart order %v", got)
			}
		}
	}
	if len(starts) != 3 {
		t.Errorf("randstart started at %v only", starts)
	}

	random, _ := NewMOHPlayer(markedSounds(3), "ulaw", MOHPlayerOptions{Rand: rnd})
	got := playOrder(t, random, 300)
	counts := map[int]int{}
	for i, v := range got {
		counts[v]++
		if i > 0 && v == got[i-1] {
			t.Fatalf("random played piece %d twice in a row", v)
		}
	}
	if len(counts) != 3 || counts[0] < 60 {
		t.Errorf("random played %v", counts)
	}

	one, _ := NewMOHPlayer(markedSounds(1), "ulaw", MOHPlayerOptions{Rand: rnd})
	if got := playOrder(t, one, 3); !equalInts(got, []int{0, 0, 0}) {
		t.Errorf("one piece: %v", got)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMOHPlayerErrors(t *testing.T) {
	if _, err := NewMOHPlayer(nil, "ulaw", MOHPlayerOptions{}); !errors.Is(err, ErrNoMusic) {
		t.Errorf("no sounds: %v", err)
	}
	if _, err := NewMOHPlayer(markedSounds(1), "g729", MOHPlayerOptions{}); !errors.Is(err, ErrUnknownCodec) {
		t.Errorf("g729: %v", err)
	}
	if _, err := NewMOHPlayer(markedSounds(1), "ulaw", MOHPlayerOptions{Sort: "shuffle"}); err == nil {
		t.Error("sort=shuffle accepted")
	}
}

func TestLoadMOHClass(t *testing.T) {
	sounds := t.TempDir()
	pcm := tone(440, 1600, 4000)
	writeTestFile(t, sounds, "jazz/a.ulaw", ulawOf(pcm))
	writeTestFile(t, sounds, "jazz/a.wav", EncodeWAV(WAVFormat{8000, 1, 16}, pcm))
	writeTestFile(t, sounds, "jazz/b.wav", EncodeWAV(WAVFormat{8000, 1, 16}, pcm))
	writeTestFile(t, sounds, "jazz/broken.wav", []byte("RIFF...."))
	writeTestFile(t, sounds, "jazz/README.txt", []byte("liner notes"))
	writeTestFile(t, sounds, "jazz/.hidden.ulaw", ulawOf(pcm))
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))

	got, err := LoadMOHClass(&MOHClass{Name: "jazz", Directory: "jazz"}, sounds, "ulaw", logger)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range got {
		names = append(names, filepath.Base(s.Path))
	}
	if strings.Join(names, " ") != "a.ulaw b.wav" {
		t.Errorf("pieces %v, want a.ulaw b.wav", names)
	}
	if !strings.Contains(logs.String(), "broken.wav") {
		t.Errorf("no warning naming broken.wav: %s", logs.String())
	}

	abs := &MOHClass{Name: "abs", Directory: filepath.Join(sounds, "jazz")}
	if got, err := LoadMOHClass(abs, "/elsewhere", "alaw", logger); err != nil || len(got) != 2 {
		t.Errorf("absolute directory: %d pieces, %v", len(got), err)
	}
	writeTestFile(t, sounds, "empty/notes.txt", nil)
	for _, dir := range []string{"empty", "missing"} {
		if _, err := LoadMOHClass(&MOHClass{Name: dir, Directory: dir}, sounds, "ulaw", logger); !errors.Is(err, ErrNoMusic) {
			t.Errorf("%s directory: %v", dir, err)
		}
	}
}

func TestDemoDefaultClassPlays(t *testing.T) {
	// musiconhold.conf's default class (directory=moh) plays the music
	// installed on first run.
	cfg, msgs := loadMOH(t, "[default]\nmode=files\ndirectory=moh\nsort=random\n")
	if msgs != "" {
		t.Fatal(msgs)
	}
	sounds := t.TempDir()
	if _, _, err := InstallDefaultMOH(sounds); err != nil {
		t.Fatal(err)
	}
	c := cfg.Class("default")
	for _, codec := range []string{"ulaw", "alaw"} {
		pieces, err := LoadMOHClass(c, sounds, codec, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range pieces {
			if s.Format.String() != codec {
				t.Errorf("%s call plays %s: transcoded", codec, s.Path)
			}
		}
		p, err := NewMOHPlayer(pieces, codec, MOHPlayerOptions{Sort: c.Sort})
		if err != nil {
			t.Fatal(err)
		}
		playOrder(t, p, 3000) // a minute, across pieces
	}
}

func TestMOHPlayerAllocs(t *testing.T) {
	// Short pieces, so that the player moves between them in the loop.
	pieces := []*Sound{NewSound(tone(440, 480, 4000)), NewSound(tone(880, 320, 4000))}
	for _, sort := range []string{"alpha", "random"} {
		p, err := NewMOHPlayer(pieces, "alaw", MOHPlayerOptions{Sort: sort})
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, FrameSamples)
		if n := testing.AllocsPerRun(500, func() { p.Next(buf) }); n != 0 {
			t.Errorf("sort=%s: a frame allocates %v times", sort, n)
		}
	}
}

func BenchmarkMOHFrame(b *testing.B) {
	p, err := NewMOHPlayer(DefaultMOH(), "ulaw", MOHPlayerOptions{})
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, FrameSamples)
	b.ReportAllocs()
	for b.Loop() {
		p.Next(buf)
	}
}
