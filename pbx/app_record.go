package pbx

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/media"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

// RecordStatus is Record's RECORD_STATUS.
type RecordStatus int

// Record's outcomes, as app_record names them.
const (
	RecordUnknown  RecordStatus = iota
	RecordDTMF                  // the terminator (or any key with y) was pressed
	RecordSilence               // the silence allowed was exceeded
	RecordSkip                  // not answered and option s
	RecordTimeout               // maxduration reached
	RecordHangup                // the caller hung up
	RecordError                 // the file could not be made or written
	RecordOperator              // 0 pressed with option o
)

var recordStatusNames = [...]string{"UNKNOWN", "DTMF", "SILENCE", "SKIP", "TIMEOUT", "HANGUP", "ERROR", "OPERATOR"}

// String returns the status as RECORD_STATUS holds it.
func (s RecordStatus) String() string {
	if s < 0 || int(s) >= len(recordStatusNames) {
		return "UNKNOWN"
	}
	return recordStatusNames[s]
}

// ParseRecordStatus returns the status named s (any case), or
// RecordUnknown.
func ParseRecordStatus(s string) RecordStatus {
	for i, n := range recordStatusNames {
		if strings.EqualFold(s, n) {
			return RecordStatus(i)
		}
	}
	return RecordUnknown
}

// DefaultSilenceThreshold is dsp.conf's silencethreshold: a frame whose
// mean absolute sample is below it is silence.
const DefaultSilenceThreshold = 256

// silenceDetector is ast_dsp_silence: it counts the milliseconds of
// silence at the end of the audio, a frame being silent when the mean of
// its samples' absolute values is under the threshold.
type silenceDetector struct {
	threshold int
	silence   time.Duration
}

// frame takes one frame and returns the silence that ends the audio so
// far (0 after a frame that is not silent).
func (d *silenceDetector) frame(pcm []int16) time.Duration {
	if len(pcm) == 0 {
		return d.silence
	}
	var sum int
	for _, s := range pcm {
		sum += int(math.Abs(float64(s)))
	}
	if sum/len(pcm) < d.threshold {
		d.silence += time.Duration(len(pcm)) * time.Second / media.SampleRate
	} else {
		d.silence = 0
	}
	return d.silence
}

// recordOptions are Record's arguments, parsed.
type recordOptions struct {
	name        string // the file name without its extension, as given
	ext         string
	silence     time.Duration
	maxDuration time.Duration
	appendTo    bool // a
	noAnswer    bool // n
	quiet       bool // q
	skip        bool // s
	keep        bool // k
	operator    bool // o
	anyKey      bool // y
	terminator  rune // # (t: *, x: none)
}

// parseRecordArgs reads Record(filename.format[,silence[,maxduration[,options]]])
// as record_exec does: the format is after the last dot (or a colon),
// silence and maxduration are whole seconds (invalid ones are warned of and
// ignored).
func parseRecordArgs(parts []string) (o recordOptions, warnings []string, err error) {
	file := strings.TrimSpace(arg(parts, 0))
	if file == "" {
		return o, nil, errors.New("Record requires an argument (filename)")
	}
	i := strings.LastIndexByte(file, '.')
	if i < 0 {
		i = strings.IndexByte(file, ':')
	}
	if i < 0 {
		return o, nil, fmt.Errorf("Record(%s): no extension specified to filename", file)
	}
	o.name, o.ext = file[:i], file[i+1:]
	seconds := func(s, what string) time.Duration {
		s = strings.TrimSpace(s)
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			warnings = append(warnings, fmt.Sprintf("%q is not a valid %s", s, what))
			return 0
		}
		return time.Duration(n) * time.Second
	}
	o.silence = seconds(arg(parts, 1), "silence duration")
	o.maxDuration = seconds(arg(parts, 2), "maximum duration")
	o.terminator = '#'
	opts := arg(parts, 3)
	o.appendTo = strings.ContainsRune(opts, 'a')
	o.noAnswer = strings.ContainsRune(opts, 'n')
	o.quiet = strings.ContainsRune(opts, 'q')
	o.skip = strings.ContainsRune(opts, 's')
	o.keep = strings.ContainsRune(opts, 'k')
	o.operator = strings.ContainsRune(opts, 'o')
	o.anyKey = strings.ContainsRune(opts, 'y')
	if strings.ContainsRune(opts, 't') {
		o.terminator = '*'
	}
	if strings.ContainsRune(opts, 'x') {
		o.terminator = 0
	}
	return o, warnings, nil
}

// recordName returns the file name to record to: name with each %d
// replaced by the first count from 0 whose file does not exist yet, as
// app_record's FLAG_HAS_PERCENT loop does; exists reports whether a name
// (without extension) is taken.
func recordName(name string, exists func(string) bool) string {
	if !strings.Contains(name, "%d") {
		return name
	}
	for n := 0; ; n++ {
		candidate := strings.ReplaceAll(name, "%d", strconv.Itoa(n))
		if !exists(candidate) || n > 1_000_000 {
			return candidate
		}
	}
}

// recordLeg is where Record takes the caller's audio from: the caller's
// leg, or a fake in tests.
type recordLeg interface {
	AddRecorder(b2bua.AudioRecorder)
	RemoveRecorder(b2bua.AudioRecorder)
}

// recordSink is the AudioRecorder of Record: it keeps the received audio
// of the last hold frames back, so that what ends the recording (the
// silence, the terminator's press) can still be cut from the file, and
// passes older frames to the file's media.Recorder. It watches the
// silence. It does not allocate per frame.
type recordSink struct {
	silenceLimit time.Duration

	// mu guards the fields below.
	mu      sync.Mutex
	rec     *media.Recorder
	det     silenceDetector
	held    [][media.FrameSamples]int16
	heldLen []int
	heldAt  []time.Time
	first   int // index of the oldest held frame
	n       int // frames held
	last    time.Time
	silent  chan struct{}
	fired   bool
	err     error
}

func newRecordSink(rec *media.Recorder, silence time.Duration) *recordSink {
	// Asterisk cuts silence-1 s after a silence and 250 ms after a key.
	hold := max(silence-time.Second, 250*time.Millisecond)
	n := int(hold/(20*time.Millisecond)) + 2
	return &recordSink{
		silenceLimit: silence,
		rec:          rec,
		det:          silenceDetector{threshold: DefaultSilenceThreshold},
		held:         make([][media.FrameSamples]int16, n),
		heldLen:      make([]int, n),
		heldAt:       make([]time.Time, n),
		silent:       make(chan struct{}),
	}
}

// WriteRx takes a frame received from the caller.
func (s *recordSink) WriteRx(pcm []int16, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rec == nil {
		return errMonitorClosed
	}
	for len(pcm) > 0 {
		n := min(len(pcm), media.FrameSamples)
		if s.n == len(s.held) {
			s.releaseLocked()
		}
		i := (s.first + s.n) % len(s.held)
		copy(s.held[i][:], pcm[:n])
		s.heldLen[i], s.heldAt[i] = n, at
		s.n++
		end := at.Add(time.Duration(n) * time.Second / media.SampleRate)
		s.last = end
		if s.silenceLimit > 0 && s.det.frame(pcm[:n]) > s.silenceLimit && !s.fired {
			s.fired = true
			close(s.silent)
		}
		pcm, at = pcm[n:], end
	}
	return s.err
}

// WriteTx ignores the audio sent to the caller: Record keeps what the
// caller says.
func (s *recordSink) WriteTx([]int16, time.Time) error { return nil }

// releaseLocked passes the oldest held frame to the file.
func (s *recordSink) releaseLocked() {
	i := s.first
	if err := s.rec.WriteRx(s.held[i][:s.heldLen[i]], s.heldAt[i]); err != nil && s.err == nil {
		s.err = err
	}
	s.first = (s.first + 1) % len(s.held)
	s.n--
}

// lastAudio returns the end of the newest frame (zero before any).
func (s *recordSink) lastAudio() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// finish writes the audio up to cut and closes the file.
func (s *recordSink) finish(cut time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.n > 0 && s.heldAt[s.first].Before(cut) {
		s.releaseLocked()
	}
	s.n = 0
	err := errors.Join(s.err, s.rec.CloseAt(cut))
	s.rec = nil
	return err
}

// abandon closes the file without the audio held.
func (s *recordSink) abandon() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rec != nil {
		_ = s.rec.Close()
		s.rec = nil
	}
}

// recordInput is what a recording waits on besides its audio.
type recordInput struct {
	hungUp <-chan struct{}
	digits <-chan rune
}

// record runs a recording whose file rec was opened at start, with the
// caller's audio from leg: it ends on the terminator, the silence, the
// maximum duration or the hangup, cuts the end as app_record does (the
// silence but its first second, or 250 ms before a key), and returns the
// status.
func record(ctx context.Context, leg recordLeg, in recordInput, rec *media.Recorder, start time.Time, o recordOptions) (RecordStatus, error) {
	sink := newRecordSink(rec, o.silence)
	leg.AddRecorder(sink)
	defer leg.RemoveRecorder(sink)
	var timeout <-chan time.Time
	if o.maxDuration > 0 {
		t := time.NewTimer(time.Until(start.Add(o.maxDuration)))
		defer t.Stop()
		timeout = t.C
	}
	for {
		select {
		case <-in.hungUp:
			if o.keep {
				return RecordHangup, sink.finish(time.Now())
			}
			sink.abandon()
			return RecordHangup, nil
		case <-ctx.Done():
			sink.abandon()
			return RecordHangup, ctx.Err()
		case <-timeout:
			return RecordTimeout, sink.finish(start.Add(o.maxDuration))
		case <-sink.silent:
			end := sink.lastAudio()
			return RecordSilence, sink.finish(end.Add(-(o.silence - time.Second)))
		case d := <-in.digits:
			status := RecordUnknown
			switch {
			case o.operator && d == '0':
				status = RecordOperator
			case o.anyKey || (o.terminator != 0 && d == o.terminator):
				status = RecordDTMF
			}
			if status != RecordUnknown {
				return status, sink.finish(time.Now().Add(-250 * time.Millisecond))
			}
		}
	}
}

// beepSound is the tone Record plays when no "beep" sound file exists:
// 1 kHz for 250 ms at -10 dBFS, faded in and out over 5 ms.
var beepSound = sync.OnceValue(func() *media.Sound {
	const n = media.SampleRate / 4
	const fade = media.SampleRate / 200
	pcm := make([]int16, n)
	for i := range pcm {
		env := min(1, float64(i)/fade, float64(n-1-i)/fade)
		pcm[i] = int16(10362 * env * math.Sin(2*math.Pi*1000*float64(i)/media.SampleRate))
	}
	return media.NewSound(pcm)
})

// playBeep plays the "beep" sound of the channel's language, or the built
// one.
func (c *sipCall) playBeep(ctx context.Context, lang string) error {
	codec, err := c.mediaCodec()
	if err != nil {
		return err
	}
	snd, err := c.sw.prompts.lib.Find("beep", lang, codec)
	if err != nil {
		snd = beepSound()
	}
	fr, err := snd.Frames(codec)
	if err != nil {
		return err
	}
	_, err = c.playFrames(ctx, fr, "")
	return err
}

// recordApp is Asterisk's Record.
//
// # Syntax
//
//	Record(filename.format[,silence[,maxduration[,options]]])
//
// Records what the caller says to filename.format (wav, sln, raw, ulaw,
// alaw), after a beep, until the caller presses # (the terminator), stays
// silent for silence seconds, or maxduration seconds have passed (0 or
// none: no limit), or hangs up. A relative filename is under the data
// directory's sounds/, as Asterisk's is under its sounds directory, so
// that Playback(filename) plays it; missing directories are created. %d
// in the name becomes the first number from 0 that makes a new file.
//
// Silence is detected as Asterisk's DSP does: a 20 ms frame whose mean
// absolute sample is under 256 (dsp.conf's silencethreshold). A recording
// that ends on silence keeps one second of it; one ended by a key loses
// its last 250 ms (the key's tone), as app_record trims them. A hang-up
// deletes the file unless option k.
//
// RECORD_STATUS is DTMF, SILENCE, SKIP, TIMEOUT, HANGUP, ERROR (or
// OPERATOR with option o); RECORDED_FILE is the file's name without its
// extension, as given (Asterisk sets it only when the name has %d). As in
// Asterisk, a missing file name or format, or the hang-up, ends the call.
//
// # Options
//
//   - a: append to the file instead of replacing it.
//   - n: do not answer; record anyway (the caller sends early media).
//   - q: quiet, no beep first.
//   - s: skip the recording if the call is not answered
//     (RECORD_STATUS=SKIP).
//   - t: the terminator is * instead of #.
//   - x: no terminator key; record until the silence, the time limit or
//     the hang-up.
//   - y: any key ends the recording.
//   - k: keep the file when the caller hangs up.
//   - o: 0 ends the recording with RECORD_STATUS=OPERATOR.
//
// If the channel's language has a "beep" sound file it is the beep;
// otherwise a 1 kHz tone of 250 ms.
//
// # Example
//
//	exten => 700,1,Answer()
//	 same => n,Playback(vm-intro)
//	 same => n,Record(greetings/msg%d.wav,3,60)
//	 same => n,Playback(${RECORDED_FILE})
func recordApp() *ivr.App {
	return &ivr.App{
		Name:     "Record",
		Synopsis: "Record the caller to a file: Record(filename.format[,silence[,maxduration[,options]]]); sets RECORD_STATUS and RECORDED_FILE",
		Exec:     execRecord,
	}
}

func execRecord(ctx context.Context, ch *ivr.Channel, args string) error {
	log := ch.Logger()
	o, warnings, err := parseRecordArgs(ivr.SplitArgs(args))
	for _, w := range warnings {
		log.Warn("Record: " + w)
	}
	if err != nil {
		log.Warn("Record: " + err.Error())
		ch.SetVar("RECORD_STATUS", RecordError.String())
		return err
	}
	c, ok := mediaCall(ch)
	if !ok {
		log.Info("Record: the call has no media", "file", o.name+"."+o.ext)
		ch.SetVar("RECORDED_FILE", o.name)
		ch.SetVar("RECORD_STATUS", RecordSilence.String())
		return nil
	}
	sounds := filepath.Join(c.sw.opts.DataDir, "sounds")
	name := recordName(o.name, func(n string) bool {
		_, err := os.Stat(resolveUnder(sounds, n) + "." + o.ext)
		return err == nil
	})
	ch.SetVar("RECORDED_FILE", name)
	path := resolveUnder(sounds, name) + "." + o.ext
	status := func(s RecordStatus) { ch.SetVar("RECORD_STATUS", s.String()) }
	if ch.State() != ivr.StateUp {
		switch {
		case o.skip:
			status(RecordSkip)
			return nil
		case !o.noAnswer:
			if err := ch.Answer(ctx); err != nil {
				status(RecordError)
				return err
			}
		}
	}
	if _, err := c.mediaCodec(); err != nil {
		if errors.Is(err, ivr.ErrHangup) {
			status(RecordHangup)
			return err
		}
		log.Warn("Record: the call has no media", "error", err)
		status(RecordError)
		return nil
	}
	if !o.quiet {
		if err := c.playBeep(ctx, ch.Language()); err != nil {
			if errors.Is(err, ivr.ErrHangup) || c.in.Context().Err() != nil {
				status(RecordHangup)
				return ivr.ErrHangup
			}
			log.Warn("Record: beep failed", "error", err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		log.Warn("Record: could not create the directory", "file", path, "error", err)
		status(RecordError)
		return nil
	}
	start := time.Now()
	rec, err := media.NewRecorder(start, media.RecorderOptions{RxFile: path, Append: o.appendTo})
	if err != nil {
		log.Warn("Record: could not create the file", "file", path, "error", err)
		status(RecordError)
		return nil
	}
	log.Info("Record: recording", "file", path, "silence", o.silence, "maxduration", o.maxDuration)
	st, err := record(ctx, c.in, recordInput{hungUp: c.in.Context().Done(), digits: c.digits}, rec, start, o)
	if st == RecordHangup && !o.keep {
		_ = os.Remove(path)
	}
	if err != nil && st != RecordHangup {
		log.Warn("Record: problem writing the file", "file", path, "error", err)
		st = RecordError
	}
	status(st)
	log.Info("Record: done", "file", path, "status", st.String(), "duration", time.Since(start).Round(time.Millisecond))
	if st == RecordHangup {
		return ivr.ErrHangup
	}
	return nil
}
