package pbx

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/media"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

func TestRecordStatusNames(t *testing.T) {
	tests := []struct {
		status RecordStatus
		name   string
	}{
		{RecordUnknown, "UNKNOWN"}, {RecordDTMF, "DTMF"}, {RecordSilence, "SILENCE"}, {RecordSkip, "SKIP"},
		{RecordTimeout, "TIMEOUT"}, {RecordHangup, "HANGUP"}, {RecordError, "ERROR"}, {RecordOperator, "OPERATOR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.status.String(); got != tc.name {
				t.Errorf("String() = %q, want %q", got, tc.name)
			}
			if got := ParseRecordStatus(tc.name); got != tc.status {
				t.Errorf("ParseRecordStatus(%q) = %v", tc.name, got)
			}
		})
	}
	if ParseRecordStatus("nonsense") != RecordUnknown || RecordStatus(99).String() != "UNKNOWN" {
		t.Error("unknown statuses must be RecordUnknown")
	}
}

func TestParseRecordArgs(t *testing.T) {
	tests := []struct {
		name     string
		args     string
		want     recordOptions
		warnings int
		err      bool
	}{
		{name: "file", args: "msg.wav", want: recordOptions{name: "msg", ext: "wav", terminator: '#'}},
		{name: "dots in the name", args: "a.b.c.ulaw", want: recordOptions{name: "a.b.c", ext: "ulaw", terminator: '#'}},
		{name: "colon format", args: "msg:wav", want: recordOptions{name: "msg", ext: "wav", terminator: '#'}},
		{name: "silence and max", args: "msg.wav,3,60",
			want: recordOptions{name: "msg", ext: "wav", silence: 3 * time.Second, maxDuration: time.Minute, terminator: '#'}},
		{name: "options", args: "msg.wav,0,0,anqskoy",
			want: recordOptions{name: "msg", ext: "wav", appendTo: true, noAnswer: true, quiet: true, skip: true, keep: true, operator: true, anyKey: true, terminator: '#'}},
		{name: "star terminator", args: "msg.wav,,,t", want: recordOptions{name: "msg", ext: "wav", terminator: '*'}},
		{name: "no terminator", args: "msg.wav,,,x", want: recordOptions{name: "msg", ext: "wav"}},
		{name: "bad numbers", args: "msg.wav,abc,-2", warnings: 2, want: recordOptions{name: "msg", ext: "wav", terminator: '#'}},
		{name: "no extension", args: "msg", err: true},
		{name: "no file", args: "", err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, warnings, err := parseRecordArgs(ivr.SplitArgs(tc.args))
			if (err != nil) != tc.err {
				t.Fatalf("error %v, want error %v", err, tc.err)
			}
			if err == nil && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseRecordArgs(%q) = %+v, want %+v", tc.args, got, tc.want)
			}
			if len(warnings) != tc.warnings {
				t.Errorf("warnings %q, want %d", warnings, tc.warnings)
			}
		})
	}
}

func TestRecordName(t *testing.T) {
	taken := map[string]bool{"msg0": true, "msg1": true}
	exists := func(n string) bool { return taken[n] }
	for in, want := range map[string]string{"msg%d": "msg2", "plain": "plain", "x%d": "x0"} {
		if got := recordName(in, exists); got != want {
			t.Errorf("recordName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSilenceDetector(t *testing.T) {
	tone := sine(1000, 4000, media.FrameSamples)
	quiet := sine(1000, 200, media.FrameSamples) // mean |s| about 127: under 256
	loudish := sine(1000, 500, media.FrameSamples)
	tests := []struct {
		name   string
		frames [][]int16
		want   time.Duration
	}{
		{"tone", [][]int16{tone, tone}, 0},
		{"digital silence", [][]int16{make([]int16, 160), make([]int16, 160)}, 40 * time.Millisecond},
		{"quiet noise is silence", [][]int16{quiet, quiet, quiet}, 60 * time.Millisecond},
		{"over the threshold", [][]int16{loudish}, 0},
		{"tone resets", [][]int16{quiet, quiet, tone, quiet}, 20 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := silenceDetector{threshold: DefaultSilenceThreshold}
			var got time.Duration
			for _, f := range tc.frames {
				got = d.frame(f)
			}
			if got != tc.want {
				t.Errorf("silence %v, want %v", got, tc.want)
			}
		})
	}
}

func sine(freq, amp float64, n int) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(i)/media.SampleRate))
	}
	return out
}

// fakeLeg is a caller's leg that sends scripted audio: tone for toneFor,
// then silence, in real-time 20 ms frames, to the recorders added.
type fakeLeg struct {
	mu      sync.Mutex
	rec     b2bua.AudioRecorder
	added   chan struct{}
	removed bool
}

func newFakeLeg() *fakeLeg { return &fakeLeg{added: make(chan struct{})} }

func (l *fakeLeg) AddRecorder(r b2bua.AudioRecorder) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rec = r
	close(l.added)
}

func (l *fakeLeg) RemoveRecorder(r b2bua.AudioRecorder) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.removed = true
}

// send plays toneFor of 1 kHz then silence until total, stopping when the
// recorder is removed.
func (l *fakeLeg) send(toneFor, total time.Duration) {
	<-l.added
	tone := sine(1000, 8000, 8000)
	silence := make([]int16, media.FrameSamples)
	for i := 0; time.Duration(i)*20*time.Millisecond < total; i++ {
		frame := silence
		if at := time.Duration(i) * 20 * time.Millisecond; at < toneFor {
			j := (i * media.FrameSamples) % len(tone)
			frame = tone[j : j+media.FrameSamples]
		}
		l.mu.Lock()
		if l.removed {
			l.mu.Unlock()
			return
		}
		_ = l.rec.WriteRx(frame, time.Now())
		_ = l.rec.WriteTx(frame, time.Now())
		l.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
}

// recorded reads a WAV recording and returns its samples.
func recorded(t *testing.T, path string) []int16 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, pcm, err := media.DecodeWAV(b)
	if err != nil || f.Channels != 1 || f.SampleRate != 8000 {
		t.Fatalf("%s: %+v, %v", path, f, err)
	}
	return pcm
}

func TestRecordOutcomes(t *testing.T) {
	tests := []struct {
		name    string
		opts    recordOptions
		toneFor time.Duration
		digit   rune          // pressed at press
		press   time.Duration // after the start
		hangAt  time.Duration
		want    RecordStatus
		// wantLen is the file's length; wantTone how much of it is tone.
		wantLen, wantTone time.Duration
	}{
		{name: "silence keeps one second of it", opts: recordOptions{silence: 2 * time.Second, terminator: '#'},
			toneFor: time.Second, want: RecordSilence, wantLen: 2 * time.Second, wantTone: time.Second},
		{name: "terminator cuts 250 ms", opts: recordOptions{terminator: '#'},
			toneFor: 5 * time.Second, digit: '#', press: 2 * time.Second, want: RecordDTMF, wantLen: 1750 * time.Millisecond, wantTone: 1750 * time.Millisecond},
		{name: "other keys do not end", opts: recordOptions{terminator: '#', maxDuration: 3 * time.Second},
			toneFor: 5 * time.Second, digit: '5', press: time.Second, want: RecordTimeout, wantLen: 3 * time.Second, wantTone: 3 * time.Second},
		{name: "any key with y", opts: recordOptions{terminator: '#', anyKey: true},
			toneFor: 5 * time.Second, digit: '5', press: time.Second, want: RecordDTMF, wantLen: 750 * time.Millisecond, wantTone: 750 * time.Millisecond},
		{name: "star with t", opts: recordOptions{terminator: '*'},
			toneFor: 5 * time.Second, digit: '*', press: time.Second, want: RecordDTMF, wantLen: 750 * time.Millisecond, wantTone: 750 * time.Millisecond},
		{name: "x ignores the terminator", opts: recordOptions{maxDuration: 2 * time.Second},
			toneFor: 5 * time.Second, digit: '#', press: time.Second, want: RecordTimeout, wantLen: 2 * time.Second, wantTone: 2 * time.Second},
		{name: "operator", opts: recordOptions{terminator: '#', operator: true},
			toneFor: 5 * time.Second, digit: '0', press: time.Second, want: RecordOperator, wantLen: 750 * time.Millisecond, wantTone: 750 * time.Millisecond},
		{name: "max duration", opts: recordOptions{terminator: '#', maxDuration: 2 * time.Second, silence: 5 * time.Second},
			toneFor: time.Second, want: RecordTimeout, wantLen: 2 * time.Second, wantTone: time.Second},
		{name: "hangup", opts: recordOptions{terminator: '#'}, toneFor: 5 * time.Second, hangAt: time.Second, want: RecordHangup},
		{name: "hangup kept with k", opts: recordOptions{terminator: '#', keep: true},
			toneFor: 5 * time.Second, hangAt: time.Second, want: RecordHangup, wantLen: time.Second, wantTone: time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "msg.wav")
				start := time.Now()
				rec, err := media.NewRecorder(start, media.RecorderOptions{RxFile: path})
				if err != nil {
					t.Fatal(err)
				}
				leg := newFakeLeg()
				digits := make(chan rune, 1)
				hungUp := make(chan struct{})
				var wg sync.WaitGroup
				defer wg.Wait()
				wg.Go(func() { leg.send(tc.toneFor, 10*time.Second) })
				if tc.digit != 0 {
					wg.Go(func() {
						time.Sleep(tc.press)
						digits <- tc.digit
					})
				}
				if tc.hangAt > 0 {
					wg.Go(func() {
						time.Sleep(tc.hangAt)
						close(hungUp)
					})
				}
				got, err := record(context.Background(), leg, recordInput{hungUp: hungUp, digits: digits}, rec, start, tc.opts)
				if err != nil {
					t.Fatalf("record: %v", err)
				}
				if got != tc.want {
					t.Fatalf("status %v, want %v", got, tc.want)
				}
				if !leg.removed {
					t.Error("the recorder was not removed from the leg")
				}
				if tc.wantLen == 0 {
					return // the caller (execRecord) deletes the file
				}
				pcm := recorded(t, path)
				gotLen := time.Duration(len(pcm)) * time.Second / media.SampleRate
				if d := gotLen - tc.wantLen; d < -40*time.Millisecond || d > 40*time.Millisecond {
					t.Errorf("file lasts %v, want %v", gotLen, tc.wantLen)
				}
				toneSamples := int(tc.wantTone.Seconds() * media.SampleRate)
				if toneSamples > 800 {
					if r := rms(pcm[400 : toneSamples-400]); r < 5000 {
						t.Errorf("RMS of the tone part %.0f, want about 5657", r)
					}
				}
				if rest := pcm[min(toneSamples+400, len(pcm)):]; len(rest) > 0 && rms(rest) > 50 {
					t.Errorf("after the tone: RMS %.0f, want silence", rms(rest))
				}
			})
		})
	}
}
