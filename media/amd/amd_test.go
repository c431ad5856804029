package amd

import (
	"math"
	"testing"
	"time"
)

// segment is a stretch of synthesized audio: a 440 Hz tone (voice) or
// quiet noise (silence) for d.
type segment struct {
	voice bool
	d     time.Duration
}

func voice(ms int) segment   { return segment{voice: true, d: time.Duration(ms) * time.Millisecond} }
func silence(ms int) segment { return segment{d: time.Duration(ms) * time.Millisecond} }

// words returns n words of wordMS voice, each followed by gapMS of silence.
func words(n, wordMS, gapMS int) []segment {
	var s []segment
	for range n {
		s = append(s, voice(wordMS), silence(gapMS))
	}
	return s
}

// synth renders segments as 8 kHz audio: voice is a 440 Hz sine of
// amplitude 8000 (mean absolute sample ≈ 5100), silence a ±100 noise (mean
// ≈ 50), under the threshold of 256.
func synth(segs ...segment) []int16 {
	var pcm []int16
	n := 0
	for _, s := range segs {
		for range int(s.d.Seconds() * 8000) {
			if s.voice {
				pcm = append(pcm, int16(8000*math.Sin(2*math.Pi*440*float64(n)/8000)))
			} else {
				pcm = append(pcm, int16((n*7919)%201-100))
			}
			n++
		}
	}
	return pcm
}

// run feeds pcm to d in 20 ms frames until it decides, and returns the
// result and the audio fed (ms).
func run(d *Detector, pcm []int16) (Result, int) {
	fed := 0
	for len(pcm) > 0 {
		n := min(len(pcm), 160)
		r, done := d.Frame(pcm[:n])
		fed += n / 8
		if done {
			return r, fed
		}
		pcm = pcm[n:]
	}
	return d.Result(), fed
}

func sampleConfig() Config {
	c := DefaultConfig()
	c.MaximumNumberOfWords = 2 // amd.conf.sample
	return c
}

func TestDetector(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		audio  []segment
		status Status
		cause  string
		fed    int // ms of audio when it decided
	}{
		{"silence only", DefaultConfig(), []segment{silence(4000)}, Machine, "INITIALSILENCE-2500-2500", 2500},
		{"a short hello then silence", DefaultConfig(), []segment{silence(300), voice(500), silence(2000)}, Human, "HUMAN-800-800", 1600},
		{"a long continuous greeting", DefaultConfig(), []segment{silence(300), voice(3000)}, Machine, "LONGGREETING-1500-1500", 1800},
		{"many words", DefaultConfig(), append([]segment{silence(300)}, words(6, 200, 100)...), Machine, "MAXWORDS-4-3", 300 + 3*300 + 100},
		{"many words, amd.conf.sample's maximum of 2", sampleConfig(), append([]segment{silence(300)}, words(6, 200, 100)...), Machine, "MAXWORDS-3-2", 300 + 2*300 + 100},
		// The first word is not counted when no silence came before it:
		// app_amd starts in STATE_IN_WORD.
		{"three words from the first frame", sampleConfig(), append(words(3, 200, 100), silence(1000)), Human, "HUMAN-800-800", 3*300 - 100 + 800},
		{"too long a word", withCfg(func(c *Config) { c.MaximumWordLength = time.Second; c.Greeting = 3 * time.Second }),
			[]segment{silence(300), voice(2000)}, Machine, "MAXWORDLENGTH-1000", 1300},
		{"words without end", withCfg(func(c *Config) { c.MaximumNumberOfWords = 100; c.Greeting = 10 * time.Second }),
			words(20, 200, 500), NotSure, "TOOLONG-5000", 5000},
		{"a threshold above the voice", withCfg(func(c *Config) { c.SilenceThreshold = 6000 }),
			[]segment{voice(3000)}, Machine, "INITIALSILENCE-2500-2500", 2500},
		{"initial silence of arguments", withCfg(func(c *Config) { c.InitialSilence = time.Second }),
			[]segment{silence(300), silence(900), voice(500)}, Machine, "INITIALSILENCE-1000-1000", 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := New(tc.cfg)
			r, fed := run(d, synth(tc.audio...))
			if r.Status != tc.status || r.Cause() != tc.cause || fed != tc.fed {
				t.Errorf("got %s after %d ms, want %s %s after %d ms", r, fed, tc.status, tc.cause, tc.fed)
			}
			if !d.Done() || d.Result() != r {
				t.Errorf("Done %v, Result %v after deciding %v", d.Done(), d.Result(), r)
			}
			// Decided, it keeps its result.
			if again, done := d.Frame(synth(voice(20))); !done || again != r {
				t.Errorf("a frame after the decision gave %v %v", again, done)
			}
		})
	}
}

func withCfg(edit func(*Config)) Config {
	c := DefaultConfig()
	edit(&c)
	return c
}

func TestDetectorWithoutFrames(t *testing.T) {
	d := New(DefaultConfig())
	if got := d.MaxWait(); got != 100*time.Millisecond {
		t.Errorf("MaxWait %v, want 100ms (twice between_words_silence)", got)
	}
	var r Result
	var done bool
	n := 0
	for !done {
		r, done = d.Idle(d.MaxWait())
		n++
	}
	if r.Status != NotSure || r.Cause() != "TOOLONG-5000" || n != 50 {
		t.Errorf("waits without frames: %v after %d waits, want NOTSURE TOOLONG-5000 after 50", r, n)
	}

	d = New(DefaultConfig())
	d.Idle(300 * time.Millisecond)
	if r := d.Expire(); r.Status != NotSure || r.Cause() != "NOAUDIODATA-300" {
		t.Errorf("expiry without audio: %v, want NOTSURE NOAUDIODATA-300", r)
	}

	d = New(DefaultConfig())
	run(d, synth(silence(400)))
	if r := d.Expire(); r.Status != NotSure || r.Cause() != "TOOLONG-400" {
		t.Errorf("expiry after 400 ms of audio: %v, want NOTSURE TOOLONG-400", r)
	}

	d = New(DefaultConfig())
	run(d, synth(silence(200), voice(300)))
	if r := d.Hangup(); r.Status != Hangup || r.Cause() != "" || r.String() != "HANGUP" {
		t.Errorf("hangup: %v, want HANGUP and no cause", r)
	}
}

// TestDetectorCNG: comfort noise counts as silence the DSP does not see,
// so a greeting followed by CNG frames is a HUMAN once they add up.
func TestDetectorCNG(t *testing.T) {
	d := New(DefaultConfig())
	run(d, synth(silence(300), voice(400)))
	var r Result
	var done bool
	n := 0
	for !done && n < 100 {
		r, done = d.CNG(100 * time.Millisecond)
		n++
	}
	if r.Status != Human || r.Cause() != "HUMAN-800-800" || n != 8 {
		t.Errorf("CNG after a greeting: %v after %d frames, want HUMAN HUMAN-800-800 after 8", r, n)
	}
}

func TestSilenceDetector(t *testing.T) {
	tests := []struct {
		name   string
		frames [][]int16
		want   []int
	}{
		{"silence adds up", [][]int16{make([]int16, 160), make([]int16, 160), make([]int16, 240)}, []int{20, 40, 70}},
		{"voice resets", [][]int16{make([]int16, 160), constant(160, 256), make([]int16, 160)}, []int{20, 0, 20}},
		{"just under the threshold", [][]int16{constant(160, 255), constant(160, -255)}, []int{20, 40}},
		// 159 samples of 0 and one of 32767: mean 204 (integer division).
		{"integer mean", [][]int16{append(make([]int16, 159), 32767)}, []int{20}},
		{"the most negative sample", [][]int16{constant(160, -32768)}, []int{0}},
		{"an empty frame changes nothing", [][]int16{make([]int16, 160), nil, make([]int16, 160)}, []int{20, 0, 40}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := SilenceDetector{Threshold: DefaultSilenceThreshold}
			for i, f := range tc.frames {
				if got := d.Frame(f); got != tc.want[i] {
					t.Errorf("frame %d: silence %d ms, want %d", i, got, tc.want[i])
				}
			}
		})
	}
	if e := Energy([]int16{-3, 3, 4, -32768}); e != (3+3+4+32768)/4 {
		t.Errorf("Energy = %d", e)
	}
}

func constant(n int, v int16) []int16 {
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = v
	}
	return pcm
}

func TestStatusAndReasonNames(t *testing.T) {
	for s := StatusUnknown; s <= Hangup; s++ {
		if s != StatusUnknown && ParseStatus(s.String()) != s {
			t.Errorf("ParseStatus(%q) = %v", s.String(), ParseStatus(s.String()))
		}
	}
	if ParseStatus("human") != Human || ParseStatus("") != StatusUnknown || Status(99).String() != "" {
		t.Error("status names")
	}
	for r := ReasonNone + 1; r <= ReasonMaxWords; r++ {
		if ParseReason(r.String()) != r {
			t.Errorf("ParseReason(%q) = %v", r.String(), ParseReason(r.String()))
		}
	}
	if ParseReason("bogus") != ReasonNone || Reason(-1).String() != "" {
		t.Error("reason names")
	}
}

func TestFrameDoesNotAllocate(t *testing.T) {
	d := New(DefaultConfig())
	frames := [][]int16{synth(voice(20)), synth(silence(20))}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		if _, done := d.Frame(frames[i%2]); done {
			d.Reset(DefaultConfig())
		}
		i++
	})
	if allocs != 0 {
		t.Errorf("Frame allocates %.1f times a frame", allocs)
	}
}

// BenchmarkDetectorFrame is the cost of one 20 ms frame: the silence
// detector's energy and a step of the state machine.
func BenchmarkDetectorFrame(b *testing.B) {
	cfg := DefaultConfig()
	cfg.TotalAnalysisTime = time.Hour
	cfg.InitialSilence = time.Hour
	d := New(cfg)
	frame := synth(silence(20))
	b.ReportAllocs()
	for b.Loop() {
		if _, done := d.Frame(frame); done {
			d.Reset(cfg)
		}
	}
}
