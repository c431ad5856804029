package media

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var callStart = time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)

// at returns the time d into the call.
func at(d time.Duration) time.Time { return callStart.Add(d) }

// playCall feeds a 2 s call: a 1 kHz tone received from the channel from
// 0 to 1 s, a 440 Hz tone transmitted to it from 1 to 2 s, one frame each
// 20 ms, each frame's time moved by jitter.
func playCall(t testing.TB, r *Recorder, jitter func() time.Duration) {
	t.Helper()
	rxTone, txTone := tone(1000, SampleRate, 8000), tone(440, SampleRate, 8000)
	for i := range 100 {
		when := at(time.Duration(i)*20*time.Millisecond + jitter())
		var err error
		if i < 50 {
			err = r.WriteRx(rxTone[i*FrameSamples:(i+1)*FrameSamples], when)
		} else {
			j := i - 50
			err = r.WriteTx(txTone[j*FrameSamples:(j+1)*FrameSamples], when)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := r.CloseAt(at(2 * time.Second)); err != nil {
		t.Fatal(err)
	}
}

func noJitter() time.Duration { return 0 }

// checkDuration fails unless n samples last d within 1%.
func checkDuration(t testing.TB, name string, n int, d time.Duration) {
	t.Helper()
	got := time.Duration(n) * time.Second / SampleRate
	if math.Abs(float64(got-d)) > 0.01*float64(d) {
		t.Errorf("%s lasts %v, want %v ± 1%%", name, got, d)
	}
}

// checkSegment fails unless x[from:to] (in seconds) holds freq, or is
// silent for freq 0.
func checkSegment(t testing.TB, name string, x []int16, from, to float64, freq float64) {
	t.Helper()
	// Leave out the 60 ms around each edge: the boundary may move by a tick.
	seg := x[int(from*SampleRate)+480 : int(to*SampleRate)-480]
	if freq == 0 {
		if v := rms(seg); v > 50 {
			t.Errorf("%s %.1f-%.1f s: rms %.0f, want silence", name, from, to, v)
		}
		return
	}
	if g := goertzel(seg, freq); g < 0.9 {
		t.Errorf("%s %.1f-%.1f s: %.0f Hz has %.2f of the power, want > 0.9", name, from, to, freq, g)
	}
}

func TestRecorderMixed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "call.wav")
	r, err := NewRecorder(callStart, RecorderOptions{File: path})
	if err != nil {
		t.Fatal(err)
	}
	playCall(t, r, noJitter)
	f, pcm := readWAVFile(t, path)
	if f != (WAVFormat{8000, 1, 16}) {
		t.Fatalf("format %+v", f)
	}
	checkDuration(t, "mixed file", len(pcm), 2*time.Second)
	checkSegment(t, "mixed", pcm, 0, 1, 1000)
	checkSegment(t, "mixed", pcm, 1, 2, 440)
}

func TestRecorderInterleaved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "call.wav")
	r, err := NewRecorder(callStart, RecorderOptions{File: path, Interleave: true})
	if err != nil {
		t.Fatal(err)
	}
	playCall(t, r, noJitter)
	f, pcm := readWAVFile(t, path)
	if f.Channels != 2 {
		t.Fatalf("format %+v, want stereo", f)
	}
	left, right := deinterleave(pcm)
	checkDuration(t, "stereo file", len(left), 2*time.Second)
	checkSegment(t, "left (rx)", left, 0, 1, 1000)
	checkSegment(t, "left (rx)", left, 1, 2, 0)
	checkSegment(t, "right (tx)", right, 0, 1, 0)
	checkSegment(t, "right (tx)", right, 1, 2, 440)
}

func deinterleave(pcm []int16) (left, right []int16) {
	for i := 0; i+1 < len(pcm); i += 2 {
		left = append(left, pcm[i])
		right = append(right, pcm[i+1])
	}
	return left, right
}

func TestRecorderSeparateFiles(t *testing.T) {
	dir := t.TempDir()
	opts := RecorderOptions{
		File:   filepath.Join(dir, "mix.ulaw"),
		RxFile: filepath.Join(dir, "rx.wav"),
		TxFile: filepath.Join(dir, "tx.sln"),
	}
	r, err := NewRecorder(callStart, opts)
	if err != nil {
		t.Fatal(err)
	}
	playCall(t, r, noJitter)
	_, rxPCM := readWAVFile(t, opts.RxFile)
	tx, err := LoadSound(opts.TxFile)
	if err != nil {
		t.Fatal(err)
	}
	mix, err := LoadSound(opts.File)
	if err != nil {
		t.Fatal(err)
	}
	txPCM, mixPCM := tx.PCM(), mix.PCM()
	for name, x := range map[string][]int16{"r()": rxPCM, "t()": txPCM, "ulaw mix": mixPCM} {
		checkDuration(t, name, len(x), 2*time.Second)
	}
	checkSegment(t, "r()", rxPCM, 0, 1, 1000)
	checkSegment(t, "r()", rxPCM, 1, 2, 0)
	checkSegment(t, "t()", txPCM, 0, 1, 0)
	checkSegment(t, "t()", txPCM, 1, 2, 440)
	checkSegment(t, "ulaw mix", mixPCM, 0, 1, 1000)
	checkSegment(t, "ulaw mix", mixPCM, 1, 2, 440)
}

func TestRecorderJitter(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	path := filepath.Join(t.TempDir(), "call.wav")
	r, err := NewRecorder(callStart, RecorderOptions{File: path, Interleave: true})
	if err != nil {
		t.Fatal(err)
	}
	// ±8 ms of network jitter on every frame.
	playCall(t, r, func() time.Duration { return time.Duration(rnd.IntN(17)-8) * time.Millisecond })
	_, pcm := readWAVFile(t, path)
	left, right := deinterleave(pcm)
	checkDuration(t, "jittered call", len(left), 2*time.Second)
	checkSegment(t, "left (rx)", left, 0, 1, 1000)
	checkSegment(t, "right (tx)", right, 1, 2, 440)
}

func TestRecorderGapIsSilence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "call.sln")
	r, err := NewRecorder(callStart, RecorderOptions{File: path})
	if err != nil {
		t.Fatal(err)
	}
	// The received side stops from 0.5 s to 1.5 s (hold, no RTP).
	frame := tone(1000, FrameSamples, 8000)
	for i := range 150 {
		if i >= 25 && i < 75 {
			continue
		}
		if err := r.WriteRx(frame, at(time.Duration(i)*20*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.CloseAt(at(3 * time.Second)); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSound(path)
	if err != nil {
		t.Fatal(err)
	}
	pcm := s.PCM()
	checkDuration(t, "file", len(pcm), 3*time.Second)
	checkSegment(t, "before the gap", pcm, 0, 0.5, 1000)
	checkSegment(t, "gap", pcm, 0.5, 1.5, 0)
	checkSegment(t, "after the gap", pcm, 1.5, 3, 1000)
}

func TestRecorderClockDrift(t *testing.T) {
	// Frames from a sender whose clock is 2% fast, then 2% slow: 10 s of
	// each. The file follows the wall clock, not the sender.
	tests := []struct {
		name   string
		period time.Duration
	}{
		{"fast sender", 19600 * time.Microsecond},
		{"slow sender", 20400 * time.Microsecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "call.wav")
			r, err := NewRecorder(callStart, RecorderOptions{File: path})
			if err != nil {
				t.Fatal(err)
			}
			frame := tone(1000, FrameSamples, 8000)
			var d time.Duration
			for ; d < 10*time.Second; d += tc.period {
				if err := r.WriteRx(frame, at(d)); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.CloseAt(at(10 * time.Second)); err != nil {
				t.Fatal(err)
			}
			_, pcm := readWAVFile(t, path)
			checkDuration(t, "file", len(pcm), 10*time.Second)
		})
	}
}

func TestRecorderReadableWhileRecording(t *testing.T) {
	path := filepath.Join(t.TempDir(), "call.wav")
	r, err := NewRecorder(callStart, RecorderOptions{File: path, Interleave: true})
	if err != nil {
		t.Fatal(err)
	}
	frame := tone(1000, FrameSamples, 8000)
	for i := range 100 { // 2 s
		if err := r.WriteRx(frame, at(time.Duration(i)*20*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	// No Close, as if the switch had died here: the file is valid and has
	// all but at most the last second.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, pcm, err := DecodeWAV(data)
	if err != nil || f.Channels != 2 {
		t.Fatalf("mid-call file: %+v, %v", f, err)
	}
	if got := time.Duration(len(pcm)/2) * time.Second / SampleRate; got < time.Second || got > 2*time.Second {
		t.Errorf("mid-call file holds %v of a 2 s call", got)
	}
	if err := r.CloseAt(at(2 * time.Second)); err != nil {
		t.Fatal(err)
	}
}

func TestRecorderVolume(t *testing.T) {
	tests := []struct {
		volume int
		in     int16
		want   int16
	}{
		{0, 1000, 1000},
		{1, 1000, 2000},
		{2, 1000, 4000},
		{4, 1000, 16000},
		{4, 3000, math.MaxInt16},
		{4, -3000, math.MinInt16},
		{-1, 1000, 500},
		{-4, 1600, 100},
		{-2, -1000, -250},
	}
	for _, tc := range tests {
		name := strings.NewReplacer("-", "minus").Replace(time.Duration(tc.volume).String())
		t.Run(name, func(t *testing.T) {
			if got := applyVolume(tc.in, volumeFactor(tc.volume)); got != tc.want {
				t.Errorf("volume %d on %d = %d, want %d", tc.volume, tc.in, got, tc.want)
			}
		})
	}

	dir := t.TempDir()
	opts := RecorderOptions{RxFile: filepath.Join(dir, "rx.sln"), TxFile: filepath.Join(dir, "tx.sln"), RxVolume: 1, TxVolume: -1}
	r, err := NewRecorder(callStart, opts)
	if err != nil {
		t.Fatal(err)
	}
	frame := tone(1000, FrameSamples, 4000)
	for i := range 10 {
		r.WriteRx(frame, at(time.Duration(i)*20*time.Millisecond))
		r.WriteTx(frame, at(time.Duration(i)*20*time.Millisecond))
	}
	r.CloseAt(at(200 * time.Millisecond))
	rxS, _ := LoadSound(opts.RxFile)
	txS, _ := LoadSound(opts.TxFile)
	if a, b := rms(rxS.PCM()), rms(txS.PCM()); math.Abs(a/b-4) > 0.05 {
		t.Errorf("v(1) and V(-1): rx rms %.0f, tx rms %.0f, want a ratio of 4", a, b)
	}

	if _, err := NewRecorder(callStart, RecorderOptions{File: filepath.Join(dir, "x.wav"), RxVolume: 5}); err == nil {
		t.Error("volume 5 accepted")
	}
}

func TestRecorderAppend(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.wav", "a.sln"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			for range 2 {
				r, err := NewRecorder(callStart, RecorderOptions{File: path, Append: true})
				if err != nil {
					t.Fatal(err)
				}
				r.WriteRx(tone(1000, FrameSamples, 8000), at(0))
				if err := r.CloseAt(at(time.Second)); err != nil {
					t.Fatal(err)
				}
			}
			s, err := LoadSound(path)
			if err != nil {
				t.Fatal(err)
			}
			checkDuration(t, "appended file", s.Samples(), 2*time.Second)
		})
	}
}

func TestRecorderBridgedOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "call.wav")
	r, err := NewRecorder(callStart, RecorderOptions{File: path, BridgedOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	frame := tone(1000, FrameSamples, 8000)
	for i := range 150 { // 3 s of audio, bridged from 0.5 s to 1.5 s and from 2 s to 2.5 s
		d := time.Duration(i) * 20 * time.Millisecond
		switch d {
		case 500 * time.Millisecond, 2 * time.Second:
			r.SetBridged(true, at(d))
		case 1500 * time.Millisecond, 2500 * time.Millisecond:
			r.SetBridged(false, at(d))
		}
		if err := r.WriteRx(frame, at(d)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.CloseAt(at(3 * time.Second)); err != nil {
		t.Fatal(err)
	}
	_, pcm := readWAVFile(t, path)
	checkDuration(t, "bridged time", len(pcm), 1500*time.Millisecond)
	checkSegment(t, "bridged audio", pcm, 0, 1.5, 1000)
}

func TestRecorderErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		opts RecorderOptions
		err  error
	}{
		{"no file", RecorderOptions{}, nil},
		{"no extension", RecorderOptions{File: filepath.Join(dir, "call")}, ErrUnsupportedAudio},
		{"unknown extension", RecorderOptions{File: filepath.Join(dir, "call.mp3")}, ErrUnsupportedAudio},
		{"stereo ulaw", RecorderOptions{File: filepath.Join(dir, "call.ulaw"), Interleave: true}, ErrUnsupportedAudio},
		{"missing directory", RecorderOptions{RxFile: filepath.Join(dir, "a.wav"), TxFile: filepath.Join(dir, "no", "b.wav")}, os.ErrNotExist},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewRecorder(callStart, tc.opts)
			if err == nil || (tc.err != nil && !errors.Is(err, tc.err)) {
				t.Errorf("err = %v, want %v", err, tc.err)
			}
		})
	}

	clock := func() time.Time { return at(time.Second) }
	r, err := NewRecorder(callStart, RecorderOptions{File: filepath.Join(dir, "ok.raw"), Interleave: true, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if r.Duration() != time.Second {
		t.Errorf("Close at 1 s wrote %v", r.Duration())
	}
	if err := r.WriteRx(make([]int16, 160), at(0)); !errors.Is(err, os.ErrClosed) {
		t.Errorf("WriteRx after Close: %v", err)
	}
}

func TestRecorderAllocs(t *testing.T) {
	dir := t.TempDir()
	r, err := NewRecorder(callStart, RecorderOptions{File: filepath.Join(dir, "a.wav"), RxFile: filepath.Join(dir, "rx.ulaw")})
	if err != nil {
		t.Fatal(err)
	}
	frame := tone(440, FrameSamples, 8000)
	i := 0
	defer func() { r.CloseAt(at(time.Duration(i) * 20 * time.Millisecond)) }()
	if n := testing.AllocsPerRun(500, func() {
		d := time.Duration(i) * 20 * time.Millisecond
		r.WriteRx(frame, at(d))
		r.WriteTx(frame, at(d))
		i++
	}); n != 0 {
		t.Errorf("recording a 20 ms frame allocates %v times", n)
	}
}

func BenchmarkRecorderFrame(b *testing.B) {
	dir := b.TempDir()
	r, err := NewRecorder(callStart, RecorderOptions{File: filepath.Join(dir, "a.wav"), Interleave: true})
	if err != nil {
		b.Fatal(err)
	}
	frame := tone(440, FrameSamples, 8000)
	b.ReportAllocs()
	i := 0
	defer func() { r.CloseAt(at(time.Duration(i) * 20 * time.Millisecond)) }()
	for b.Loop() {
		d := time.Duration(i) * 20 * time.Millisecond
		r.WriteRx(frame, at(d))
		r.WriteTx(frame, at(d))
		i++
	}
}
