package voicemail

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// errFakeHangup is the fake channel's hangup error.
var errFakeHangup = errors.New("fake: hung up")

// step is one thing the fake caller does: press keys while a sound plays
// (at is the sound, or its path's last element), while the application
// waits for a digit (at ""), or during a recording (at "record", which
// records rec). hangup hangs up at that point.
//
// A message cut for a skip (listen) is played from the mailbox's tmp
// directory; the fake names it "tmp/cut". after delays keys pressed during
// a sound by that much of its playback (the fake's Play sleeps, which
// advances synctest's clock).
type step struct {
	at     string
	keys   string
	rec    RecordResult
	hangup bool
	after  time.Duration
}

// fakeChannel is a scripted caller.
type fakeChannel struct {
	t          *testing.T
	lang       string
	name, num  string
	steps      []step
	buf        []rune
	played     []string
	recordings []string
	missing    map[string]bool
	idle       int
	hungup     bool
	// lengths are the durations of the WAV files played (absolute paths).
	lengths []time.Duration
	delay   time.Duration
}

func newFake(t *testing.T, steps ...step) *fakeChannel {
	return &fakeChannel{t: t, lang: "en", name: "Bob", num: "102", steps: steps}
}

func matches(sound, at string) bool {
	return at != "" && (sound == at || strings.HasSuffix(sound, "/"+at))
}

// arrive applies the next step if it happens at this sound.
func (f *fakeChannel) arrive(at string) error {
	if f.hungup {
		return errFakeHangup
	}
	if len(f.steps) == 0 {
		return nil
	}
	st := f.steps[0]
	if (at == "" && st.at == "") || (at != "" && matches(at, st.at)) {
		f.steps = f.steps[1:]
		if st.hangup {
			f.hungup = true
			return errFakeHangup
		}
		f.buf = append(f.buf, []rune(st.keys)...)
		f.delay = st.after
	}
	return nil
}

// take is the key that stops a sound: the first buffered key of stop; the
// keys before it are discarded, as Channel.Play does.
func (f *fakeChannel) take(stop string) rune {
	for len(f.buf) > 0 {
		d := f.buf[0]
		f.buf = f.buf[1:]
		if strings.ContainsRune(stop, d) {
			return d
		}
	}
	return 0
}

func (f *fakeChannel) Play(ctx context.Context, sound, lang, stop string) (rune, error) {
	if lang != f.lang {
		f.t.Errorf("played %s in %q, channel language %q", sound, lang, f.lang)
	}
	if strings.HasPrefix(sound, "/") {
		if w, err := readPCMWAV(sound + ".wav"); err == nil {
			f.lengths = append(f.lengths, w.duration())
		}
		if filepath.Base(filepath.Dir(sound)) == tmpFolder && !slices.Contains(f.recordings, sound+".wav") {
			sound = filepath.Join(filepath.Dir(sound), "cut")
		}
	}
	f.played = append(f.played, shortSound(sound))
	if f.missing[sound] {
		return 0, fmt.Errorf("fake %s: %w", sound, ErrSoundNotFound)
	}
	if err := f.arrive(sound); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if f.delay > 0 {
		time.Sleep(f.delay)
		f.delay = 0
	}
	return f.take(stop), nil
}

func (f *fakeChannel) say(ctx context.Context, what, stop string) (rune, error) {
	f.played = append(f.played, what)
	if err := f.arrive(what); err != nil {
		return 0, err
	}
	return f.take(stop), nil
}

func (f *fakeChannel) SayNumber(ctx context.Context, n int, lang, stop string) (rune, error) {
	return f.say(ctx, fmt.Sprintf("num:%d", n), stop)
}

func (f *fakeChannel) SayDigits(ctx context.Context, s, lang, stop string) (rune, error) {
	return f.say(ctx, "digits:"+s, stop)
}

func (f *fakeChannel) WaitDigit(ctx context.Context, timeout time.Duration) (rune, error) {
	if len(f.buf) == 0 {
		if err := f.arrive(""); err != nil {
			return 0, err
		}
	}
	if len(f.buf) > 0 {
		d := f.buf[0]
		f.buf = f.buf[1:]
		return d, nil
	}
	select {
	case <-time.After(timeout):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	if len(f.steps) == 0 {
		if f.idle++; f.idle > 20 {
			f.hungup = true
			return 0, errFakeHangup
		}
	}
	return 0, nil
}

func (f *fakeChannel) Record(ctx context.Context, path string, opts RecordOptions) (RecordResult, error) {
	f.played = append(f.played, "record")
	if len(f.steps) == 0 || f.steps[0].at != "record" {
		f.t.Fatalf("unexpected recording to %s (script %+v)", path, f.steps)
	}
	st := f.steps[0]
	f.steps = f.steps[1:]
	f.recordings = append(f.recordings, path)
	if err := os.WriteFile(path, fakeWAV(st.rec.Duration, 0), 0o644); err != nil {
		f.t.Fatal(err)
	}
	if st.rec.Stop == RecordStopMaxDuration && opts.MaxDuration > 0 {
		st.rec.Duration = opts.MaxDuration
	}
	if st.hangup {
		f.hungup = true
		st.rec.Stop = RecordStopHangup
		return st.rec, errFakeHangup
	}
	return st.rec, nil
}

func (f *fakeChannel) Language() string                { return f.lang }
func (f *fakeChannel) CallerID() (name, number string) { return f.name, f.num }

// shortSound names a played file by its last two path elements.
func shortSound(s string) string {
	if !strings.HasPrefix(s, "/") {
		return s
	}
	parts := strings.Split(s, "/")
	if len(parts) >= 2 {
		return parts[len(parts)-2] + "/" + parts[len(parts)-1]
	}
	return s
}

// fakeWAV returns an 8 kHz 16-bit mono WAV of d, its sizes in the header
// written as declared (dataSize 0 means "fill in").
func fakeWAV(d time.Duration, declared uint32) []byte {
	n := int(d / time.Second * 16000)
	b := make([]byte, 44+n)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], 8000)
	binary.LittleEndian.PutUint32(b[28:], 16000)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(n))
	for i := 44; i < len(b); i++ {
		b[i] = byte(i * 7)
	}
	return b
}

// mwiRecorder records Notifier calls.
type mwiRecorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *mwiRecorder) MailboxChanged(box MailboxID, newMsgs, oldMsgs, urgent int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf("%s %d/%d/%d", box, newMsgs, oldMsgs, urgent))
}

func (r *mwiRecorder) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) == 0 {
		return ""
	}
	return r.calls[len(r.calls)-1]
}

// fakeMailer records e-mails.
type fakeMailer struct {
	mu   sync.Mutex
	sent []sentMail
}

type sentMail struct {
	from string
	to   []string
	msg  []byte
}

func (m *fakeMailer) SendMail(ctx context.Context, from string, to []string, msg []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, sentMail{from, to, msg})
	return nil
}

const testConf = `[general]
format=wav
maxmsg=3
maxsecs=60
minsecs=2
maxsilence=5
serveremail=vm@pbx.example.com

[default]
101 => 1234,Alice Martin,alice@example.com
102 => 4321,Bob
103 => 0000,Operator Box,,,operator=yes|exitcontext=attendant
104 => 1111,Greeting Only,,,maxmsg=0
`

// testService returns a Service over a fresh spool and testConf (or conf).
func testService(t *testing.T, conf string, opts ...Option) (*Service, *mwiRecorder) {
	t.Helper()
	if conf == "" {
		conf = testConf
	}
	cfg, msgs := load(t, conf)
	if msgs != "" {
		t.Fatalf("config: %s", msgs)
	}
	spool, err := NewSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mwi := &mwiRecorder{}
	clock := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	opts = append([]Option{WithNotifier(mwi), WithLogger(slog.New(slog.DiscardHandler)), WithHostname("pbx"), WithClock(func() time.Time { return clock }),
		WithMailer(&fakeMailer{})}, opts...)
	s, err := New(cfg, spool, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, mwi
}

func joined(ss []string) string { return strings.Join(ss, " ") }
