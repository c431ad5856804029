package dtmf

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// fullScaleDBm0 is the level of a full scale sine in µ-law (G.711: +3.17
// dBm0), so that 0 dBm0 is a sine of peak 32767·10^(-3.17/20) ≈ 22724.
const fullScaleDBm0 = 3.17

// amplitude is the peak of a sine at the given level in dBm0.
func amplitude(dBm0 float64) float64 {
	return 32767 * math.Pow(10, (dBm0-fullScaleDBm0)/20)
}

// rowCol returns the frequencies of a digit's keypad position.
func rowCol(t testing.TB, d rune) (float64, float64) {
	t.Helper()
	for i, p := range dtmfPositions {
		if p == d {
			return dtmfRow[i/4], dtmfCol[i%4]
		}
	}
	t.Fatalf("no position for %q", d)
	return 0, 0
}

// signal builds 8 kHz audio.
type signal struct {
	t     testing.TB
	buf   []float64
	phase float64 // keeps sines of consecutive calls continuous enough
}

// silence appends d of nothing.
func (s *signal) silence(d time.Duration) *signal {
	s.buf = append(s.buf, make([]float64, samplesOf(d))...)
	return s
}

// sines appends d of the sum of sines at freqs, with amplitudes amps.
func (s *signal) sines(d time.Duration, freqs, amps []float64) *signal {
	n := samplesOf(d)
	start := len(s.buf)
	for i := range n {
		v := 0.0
		for k, f := range freqs {
			v += amps[k] * math.Sin(2*math.Pi*f*float64(start+i)/SampleRate+s.phase*float64(k+1))
		}
		s.buf = append(s.buf, v)
	}
	return s
}

// digit appends d of a digit's two tones at rowDBm0 and colDBm0.
func (s *signal) digit(c rune, d time.Duration, rowDBm0, colDBm0 float64) *signal {
	r, c2 := rowCol(s.t, c)
	s.phase += 0.7
	return s.sines(d, []float64{r, c2}, []float64{amplitude(rowDBm0), amplitude(colDBm0)})
}

// noise adds white Gaussian noise of the given level in dBm0 to all of
// the signal.
func (s *signal) noise(rng *rand.Rand, dBm0 float64) *signal {
	sigma := amplitude(dBm0) / math.Sqrt2 // a sine's rms is peak/√2
	for i := range s.buf {
		s.buf[i] += sigma * rng.NormFloat64()
	}
	return s
}

// pcm returns the signal as 16-bit samples, clipped.
func (s *signal) pcm() []int16 {
	out := make([]int16, len(s.buf))
	for i, v := range s.buf {
		out[i] = int16(max(-32768, min(32767, math.Round(v))))
	}
	return out
}

func samplesOf(d time.Duration) int { return int(d * SampleRate / time.Second) }

// detect runs a Detector over audio in frames of n samples, then 200 ms of
// silence to end the last digit, and returns the events.
func detect(audio []int16, n int) []Event {
	d := NewDetector()
	var got []Event
	feed := func(a []int16) {
		for len(a) > 0 {
			k := min(n, len(a))
			if ev, ok := d.Process(a[:k]); ok {
				got = append(got, ev)
			}
			a = a[k:]
		}
		for {
			ev, ok := d.Next()
			if !ok {
				break
			}
			got = append(got, ev)
		}
	}
	feed(audio)
	feed(make([]int16, 1600))
	return got
}

func digitsOf(evs []Event) string {
	var s []rune
	for _, e := range evs {
		s = append(s, e.Digit)
	}
	return string(s)
}

// TestDetectorAllDigits plays the 16 digits at -10 dBm0 per tone, each of
// several lengths from 40 to 100 ms with 40 ms gaps, clean and with white
// noise 20 dB below the tones: each is detected once, with about its
// length.
func TestDetectorAllDigits(t *testing.T) {
	tests := []struct {
		name    string
		tone    time.Duration
		noise   bool
		row     float64 // dBm0
		col     float64
		frameSz int
	}{
		{"40 ms", ms(40), false, -10, -10, 160},
		{"60 ms", ms(60), false, -10, -10, 160},
		{"100 ms", ms(100), false, -10, -10, 160},
		{"100 ms, odd frames", ms(100), false, -10, -10, 77},
		{"40 ms, sample by sample", ms(40), false, -10, -10, 1},
		{"50 ms, 20 dB SNR", ms(50), true, -10, -10, 160},
		{"100 ms, 20 dB SNR", ms(100), true, -10, -10, 160},
		{"weak: -30 dBm0", ms(60), false, -30, -30, 160},
		{"phone levels: -8/-6 dBm0", ms(80), true, -8, -6, 160},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			s := &signal{t: t}
			s.silence(ms(40))
			for _, c := range Digits {
				s.digit(c, tc.tone, tc.row, tc.col).silence(ms(40))
			}
			if tc.noise {
				// Each tone at -10 dBm0: the pair is at -7 dBm0; noise
				// 20 dB below that.
				s.noise(rng, 10*math.Log10(math.Pow(10, tc.row/10)+math.Pow(10, tc.col/10))-20)
			}
			got := detect(s.pcm(), tc.frameSz)
			if digitsOf(got) != Digits {
				t.Fatalf("detected %q, want %q", digitsOf(got), Digits)
			}
			for _, ev := range got {
				if ev.Source != SourceInband {
					t.Errorf("%v: source", ev)
				}
				if diff := ev.Duration - tc.tone; diff < -ms(26) || diff > ms(13) {
					t.Errorf("%c lasted %v, tone %v", ev.Digit, ev.Duration, tc.tone)
				}
			}
		})
	}
}

func TestDetectorRepeatedDigit(t *testing.T) {
	s := &signal{t: t}
	for range 5 {
		s.digit('7', ms(45), -10, -10).silence(ms(40))
	}
	if got := digitsOf(detect(s.pcm(), 160)); got != "77777" {
		t.Errorf("detected %q, want 77777", got)
	}
}

// TestDetectorTwist: Asterisk accepts the row (low group) tone up to 8 dB
// stronger than the column one (DTMF_NORMAL_TWIST) and the column tone up
// to 4 dB stronger than the row one (DTMF_REVERSE_TWIST).
func TestDetectorTwist(t *testing.T) {
	tests := []struct {
		name     string
		row, col float64
		want     bool
	}{
		{"equal", -10, -10, true},
		{"row 6 dB stronger", -6, -12, true},
		{"row 10 dB stronger", -4, -14, false},
		{"row 12 dB stronger", -6, -18, false},
		{"column 2 dB stronger", -11, -9, true},
		{"column 3 dB stronger", -12, -9, true},
		{"column 6 dB stronger", -14, -8, false},
		{"column 8 dB stronger", -16, -8, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &signal{t: t}
			s.silence(ms(40))
			for _, c := range "159D" {
				s.digit(c, ms(80), tc.row, tc.col).silence(ms(60))
			}
			got := digitsOf(detect(s.pcm(), 160))
			want := ""
			if tc.want {
				want = "159D"
			}
			if got != want {
				t.Errorf("detected %q, want %q", got, want)
			}
		})
	}
}

// TestDetectorTalkOff: what is not a digit is not detected.
func TestDetectorTalkOff(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	tests := []struct {
		name  string
		audio func() []int16
	}{
		{"silence", func() []int16 { return make([]int16, 8000) }},
		{"1 kHz test tone", func() []int16 {
			return (&signal{t: t}).sines(time.Second, []float64{1000}, []float64{amplitude(0)}).pcm()
		}},
		{"row tone alone (770 Hz)", func() []int16 {
			return (&signal{t: t}).sines(time.Second, []float64{770}, []float64{amplitude(-6)}).pcm()
		}},
		{"column tone alone (1336 Hz)", func() []int16 {
			return (&signal{t: t}).sines(time.Second, []float64{1336}, []float64{amplitude(-6)}).pcm()
		}},
		{"two row tones (697+852 Hz)", func() []int16 {
			return (&signal{t: t}).sines(time.Second, []float64{697, 852}, []float64{amplitude(-10), amplitude(-10)}).pcm()
		}},
		{"dial tone 350+440 Hz", func() []int16 {
			return (&signal{t: t}).sines(time.Second, []float64{350, 440}, []float64{amplitude(-13), amplitude(-13)}).pcm()
		}},
		{"too weak: -45 dBm0", func() []int16 {
			return (&signal{t: t}).digit('5', ms(200), -45, -45).pcm()
		}},
		{"white noise", func() []int16 {
			return (&signal{t: t}).silence(2*time.Second).noise(rng, -10).pcm()
		}},
		{"speech-like", func() []int16 { return speechLike(rng, 5*time.Second) }},
		{"tone in loud noise (0 dB SNR)", func() []int16 {
			s := (&signal{t: t}).silence(ms(40)).digit('3', ms(100), -10, -10).silence(ms(40))
			return s.noise(rng, -7).pcm()
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := detect(tc.audio(), 160); len(got) != 0 {
				t.Errorf("detected %v", got)
			}
		})
	}
}

// speechLike is a crude vowel-like signal: a glottal pulse train whose
// pitch glides between 90 and 250 Hz, through two formant resonators that
// move, with a syllabic envelope and some breath noise.
func speechLike(rng *rand.Rand, d time.Duration) []int16 {
	n := samplesOf(d)
	out := make([]int16, n)
	var phase float64
	var y1a, y2a, y1b, y2b float64
	for i := range n {
		tsec := float64(i) / SampleRate
		f0 := 170 + 80*math.Sin(2*math.Pi*0.7*tsec) + 20*math.Sin(2*math.Pi*3.1*tsec)
		phase += f0 / SampleRate
		x := 0.0
		if phase >= 1 {
			phase -= 1
			x = 1
		}
		x += 0.02 * rng.NormFloat64()
		f1 := 600 + 250*math.Sin(2*math.Pi*1.3*tsec)
		f2 := 1500 + 600*math.Sin(2*math.Pi*0.9*tsec+1)
		ya := resonate(x, f1, 80, &y1a, &y2a)
		yb := resonate(x, f2, 120, &y1b, &y2b)
		env := 0.5 + 0.5*math.Sin(2*math.Pi*4*tsec)
		v := 3000 * env * (ya + 0.6*yb)
		out[i] = int16(max(-32768, min(32767, v)))
	}
	return out
}

// resonate is a two-pole resonator at f Hz of bandwidth bw.
func resonate(x, f, bw float64, y1, y2 *float64) float64 {
	r := math.Exp(-math.Pi * bw / SampleRate)
	y := x + 2*r*math.Cos(2*math.Pi*f/SampleRate)**y1 - r*r**y2
	*y2, *y1 = *y1, y
	return y * (1 - r)
}

func TestDetectorCurrentAndReset(t *testing.T) {
	d := NewDetector()
	tone := (&signal{t: t}).digit('8', ms(60), -10, -10).pcm()
	if _, ok := d.Process(tone); ok {
		t.Fatal("reported at begin")
	}
	if c, ok := d.Current(); !ok || c != '8' {
		t.Fatalf("Current() = %q, %v; want 8 in progress", c, ok)
	}
	d.Reset()
	if _, ok := d.Current(); ok {
		t.Error("digit in progress after Reset")
	}
	if ev, ok := d.Process(make([]int16, 800)); ok {
		t.Errorf("reported %v after Reset", ev)
	}
}

func TestDetectorProcessAllocs(t *testing.T) {
	s := &signal{t: t}
	for _, c := range "0123" {
		s.digit(c, ms(60), -10, -10).silence(ms(40))
	}
	audio := s.pcm()
	d := NewDetector()
	i := 0
	allocs := testing.AllocsPerRun(2000, func() {
		if i+160 > len(audio) {
			i = 0
		}
		d.Process(audio[i : i+160])
		i += 160
	})
	if allocs != 0 {
		t.Errorf("%v allocations per frame, want 0", allocs)
	}
}

// BenchmarkDetectorFrame is the per-frame cost of in-band detection: one
// 20 ms frame of 160 samples of digits and gaps.
func BenchmarkDetectorFrame(b *testing.B) {
	s := &signal{t: b}
	for _, c := range Digits {
		s.digit(c, ms(60), -10, -10).silence(ms(40))
	}
	audio := s.pcm()
	audio = audio[:len(audio)/160*160]
	d := NewDetector()
	b.ReportAllocs()
	b.SetBytes(160 * 2)
	i := 0
	for b.Loop() {
		d.Process(audio[i : i+160])
		i += 160
		if i == len(audio) {
			i = 0
		}
	}
}
