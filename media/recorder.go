package media

import (
	"errors"
	"fmt"
	"math"
	"os"
	"sync"
	"time"
)

// RecorderOptions are MixMonitor's file argument and options.
type RecorderOptions struct {
	// File records both directions: mixed to mono by default, or
	// interleaved with Interleave. Its extension chooses the format: .wav
	// (mono or stereo), .sln or .raw (headerless signed linear, stereo
	// interleaved with Interleave, as Asterisk's D writes), .ulaw or .alaw
	// (mono only). Empty records no combined file, only RxFile and TxFile.
	File string
	// Interleave is option D: File is two channels, left the audio
	// received from the channel, right the audio transmitted to it (as
	// app_mixmonitor's interleaved frame: read first, then write).
	Interleave bool
	// RxFile is option r(file): the audio received from the channel (what
	// its user says), in a file of its own.
	RxFile string
	// TxFile is option t(file): the audio transmitted to the channel (what
	// its user hears), in a file of its own.
	TxFile string
	// RxVolume is option v(x), from -4 to 4: the received audio is
	// multiplied by 2^x for x > 0 and divided by 2^-x for x < 0, saturating
	// (app_mixmonitor's get_volfactor on the audiohook's read volume).
	// Option W(x) sets RxVolume and TxVolume both.
	RxVolume int
	// TxVolume is option V(x): the same for the transmitted audio.
	TxVolume int
	// Append is option a: add to the files instead of replacing them.
	Append bool
	// BridgedOnly is option b: record only while the channel is bridged,
	// as the caller reports with SetBridged. The time not bridged is not
	// in the files.
	BridgedOnly bool
	// Now is the clock Close reads; nil is time.Now.
	Now func() time.Time
}

// MaxRecorderVolume bounds RxVolume and TxVolume, as Asterisk's -4..4.
const MaxRecorderVolume = 4

// Recorder timing, in 8 kHz samples.
const (
	// recorderDelay is how far behind the newest frame the files are
	// written: the time a late frame of one side has to arrive.
	recorderDelay = 5 * FrameSamples // 100 ms
	// recorderLate is how late after its expected time a frame may come and
	// still follow the previous one; later, the gap is kept as silence.
	recorderLate = 2 * FrameSamples // 40 ms
	// recorderAhead is how far ahead of the clock a side may run (a fast
	// sender, a burst after a stall) before its frames are dropped.
	recorderAhead = 10 * FrameSamples // 200 ms
	// recorderRing holds the samples not yet written: 2 s.
	recorderRing = 2 * SampleRate
	// recorderChunk is the longest frame placed at once.
	recorderChunk = 1600
)

// Recorder is MixMonitor: it records a call's two directions to files
// while the call runs.
//
// Each frame is placed on a timeline by the time it was received, in 20 ms
// ticks from the start: a side's frames follow each other while they come
// on time, a side that stops (hold, silence suppression, a dead peer) gets
// silence for as long as it is missing, and one that runs ahead of the
// clock has frames dropped. So the two directions stay aligned, as
// Asterisk's audiohook substitutes silence for a quiet side, and the files
// last as long as the call did. The files are written 100 ms behind the
// newest frame and flushed, headers included, at least once a second, so a
// crash loses at most the last second; Close writes the rest up to the
// clock's time.
//
// WriteRx and WriteTx may be called from different goroutines. Writing a
// frame does not allocate.
type Recorder struct {
	opts     RecorderOptions
	rxFactor int // multiply (> 0) or divide (< 0) by it; 0 leaves as is
	txFactor int

	// mu guards everything below.
	mu       sync.Mutex
	start    time.Time // time of sample 0; moved on while not bridged
	ring     [2][recorderRing]int16
	next     [2]int64 // where each side's next frame goes
	seen     [2]bool  // whether the side has had a frame since (re)starting
	newest   int64    // the newest frame's time, in samples
	written  int64    // samples written to the files
	bridged  bool
	paused   bool
	pausedAt time.Time
	mixed    sampleWriter
	sides    [2]sampleWriter // r() and t() files
	out      [2 * FrameSamples]int16
	err      error // the first write error: the files are then closed
	closed   bool
}

const (
	rx = 0
	tx = 1
)

// NewRecorder starts a recording at start, the call's time of sample 0,
// creating its files.
func NewRecorder(start time.Time, opts RecorderOptions) (*Recorder, error) {
	if opts.File == "" && opts.RxFile == "" && opts.TxFile == "" {
		return nil, errors.New("record: no file to record to")
	}
	for _, v := range []int{opts.RxVolume, opts.TxVolume} {
		if v < -MaxRecorderVolume || v > MaxRecorderVolume {
			return nil, fmt.Errorf("record: volume %d is not between -%d and %d", v, MaxRecorderVolume, MaxRecorderVolume)
		}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := &Recorder{
		opts:     opts,
		rxFactor: volumeFactor(opts.RxVolume),
		txFactor: volumeFactor(opts.TxVolume),
		start:    start,
		paused:   opts.BridgedOnly,
		pausedAt: start,
	}
	var err error
	open := func(path string, channels int) sampleWriter {
		if path == "" || err != nil {
			return nil
		}
		var w sampleWriter
		w, err = createRecording(path, channels, opts.Append)
		return w
	}
	if opts.Interleave {
		r.mixed = open(opts.File, 2)
	} else {
		r.mixed = open(opts.File, 1)
	}
	r.sides[rx] = open(opts.RxFile, 1)
	r.sides[tx] = open(opts.TxFile, 1)
	if err != nil {
		return nil, errors.Join(err, r.closeFiles())
	}
	return r, nil
}

// volumeFactor is app_mixmonitor's get_volfactor: 2^v, negative to divide.
func volumeFactor(v int) int {
	switch {
	case v > 0:
		return 1 << v
	case v < 0:
		return -(1 << -v)
	}
	return 0
}

// applyVolume scales s by factor as ast_frame_adjust_volume, saturating.
func applyVolume(s int16, factor int) int16 {
	switch {
	case factor > 0:
		return saturate(int32(s) * int32(factor))
	case factor < 0:
		return s / int16(-factor)
	}
	return s
}

func saturate(v int32) int16 {
	return int16(max(math.MinInt16, min(math.MaxInt16, v)))
}

// WriteRx records a frame of audio received from the channel at time at.
func (r *Recorder) WriteRx(pcm []int16, at time.Time) error { return r.write(rx, pcm, at) }

// WriteTx records a frame of audio transmitted to the channel at time at.
func (r *Recorder) WriteTx(pcm []int16, at time.Time) error { return r.write(tx, pcm, at) }

func (r *Recorder) write(side int, pcm []int16, at time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return os.ErrClosed
	}
	if r.err != nil {
		return r.err
	}
	if r.paused {
		return nil
	}
	for len(pcm) > 0 {
		n := min(len(pcm), recorderChunk)
		r.placeLocked(side, pcm[:n], at)
		pcm = pcm[n:]
		at = at.Add(time.Duration(n) * time.Second / SampleRate)
	}
	return r.flushLocked(r.newest - recorderDelay)
}

// samplesAt returns the timeline position of time at, in samples.
func (r *Recorder) samplesAt(at time.Time) int64 {
	return int64(math.Round(at.Sub(r.start).Seconds() * SampleRate))
}

// placeLocked puts a frame on side's timeline.
func (r *Recorder) placeLocked(side int, pcm []int16, at time.Time) {
	tick := (r.samplesAt(at) + FrameSamples/2) / FrameSamples * FrameSamples
	tick = max(tick, 0)
	r.newest = max(r.newest, tick)
	pos := r.next[side]
	if !r.seen[side] || tick > pos+recorderLate {
		pos = tick // the side was missing: keep the gap
	}
	pos = max(pos, r.written) // too late for its place: as soon as possible
	if pos+int64(len(pcm)) > r.newest+recorderAhead+FrameSamples {
		return // too far ahead of the clock
	}
	factor := r.rxFactor
	if side == tx {
		factor = r.txFactor
	}
	ring := &r.ring[side]
	for i, s := range pcm {
		ring[(pos+int64(i))%recorderRing] = applyVolume(s, factor)
	}
	r.next[side] = pos + int64(len(pcm))
	r.seen[side] = true
}

// flushLocked writes the timeline up to sample upTo to the files.
func (r *Recorder) flushLocked(upTo int64) error {
	for r.written < upTo && r.err == nil {
		n := int(min(upTo-r.written, FrameSamples))
		i0 := int(r.written % recorderRing)
		n = min(n, recorderRing-i0)
		a, b := r.ring[rx][i0:i0+n], r.ring[tx][i0:i0+n]
		if r.mixed != nil {
			var out []int16
			if r.opts.Interleave {
				out = r.out[:2*n]
				for i := range n {
					out[2*i], out[2*i+1] = a[i], b[i]
				}
			} else {
				out = r.out[:n]
				for i := range n {
					out[i] = saturate(int32(a[i]) + int32(b[i]))
				}
			}
			r.err = r.mixed.Write(out)
		}
		for side, w := range r.sides {
			if w != nil && r.err == nil {
				r.err = w.Write(r.ring[side][i0 : i0+n])
			}
		}
		clear(a)
		clear(b)
		r.written += int64(n)
	}
	if r.err != nil {
		r.err = errors.Join(r.err, r.closeFiles())
		return r.err
	}
	return nil
}

// SetBridged tells the recorder whether the channel is bridged at time at.
// With BridgedOnly the recording pauses while it is not (option b): the
// audio up to at is written, and the time until it is bridged again is
// left out of the files. Without BridgedOnly it has no effect.
func (r *Recorder) SetBridged(bridged bool, at time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return os.ErrClosed
	}
	r.bridged = bridged
	if !r.opts.BridgedOnly || bridged != r.paused {
		return r.err
	}
	if !bridged {
		r.paused, r.pausedAt = true, at
		return r.flushLocked(r.samplesAt(at))
	}
	r.paused = false
	r.start = r.start.Add(at.Sub(r.pausedAt))
	r.seen = [2]bool{}
	return r.err
}

// Duration returns the length of what has been written to the files.
func (r *Recorder) Duration() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return time.Duration(r.written) * time.Second / SampleRate
}

// Close ends the recording at the clock's time: the audio up to then is
// written, silence filling a side that has gone quiet, and the files are
// closed. It is idempotent.
func (r *Recorder) Close() error {
	return r.CloseAt(r.opts.Now())
}

// CloseAt ends the recording at time at, as Close.
func (r *Recorder) CloseAt(at time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	end := r.samplesAt(at)
	if r.paused {
		end = r.samplesAt(r.pausedAt)
	}
	err := r.err
	if err == nil {
		err = r.flushLocked(end)
	}
	r.closed = true
	if r.err != nil {
		return err // the files were closed on the error
	}
	return r.closeFiles()
}

func (r *Recorder) closeFiles() error {
	var errs []error
	for _, w := range []sampleWriter{r.mixed, r.sides[rx], r.sides[tx]} {
		if w != nil {
			errs = append(errs, w.Close())
		}
	}
	return errors.Join(errs...)
}
