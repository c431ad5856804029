package outbound

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fakeOriginator records the attempts and answers them with a script.
type fakeOriginator struct {
	mu    sync.Mutex
	start time.Time
	calls []fakeCall
	// answer decides each attempt (n from 1); nil answers everything.
	answer func(ctx context.Context, n int, cf *CallFile) (Outcome, error)
}

type fakeCall struct {
	at      time.Duration // since start
	attempt int
	channel string
}

func (f *fakeOriginator) Originate(ctx context.Context, cf *CallFile) (Outcome, error) {
	f.mu.Lock()
	f.calls = append(f.calls, fakeCall{at: time.Since(f.start), attempt: cf.Retries, channel: cf.Channel})
	n := len(f.calls)
	f.mu.Unlock()
	if f.answer == nil {
		return OutcomeAnswered, nil
	}
	return f.answer(ctx, n, cf)
}

func (f *fakeOriginator) times() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ts []time.Duration
	for _, c := range f.calls {
		ts = append(ts, c.at)
	}
	return ts
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// writeCall puts a call file straight into dir/outgoing with the given mtime.
func writeCall(t *testing.T, dir, name, text string, mtime time.Time) string {
	t.Helper()
	p := filepath.Join(dir, OutgoingDir, name)
	if err := os.WriteFile(p, []byte(text), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	return p
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// runSpool starts s.Run and returns a function that stops it and waits.
func runSpool(t *testing.T, s *Spool) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
}

type results struct {
	mu  sync.Mutex
	all []Result
}

func (r *results) add(res Result) { r.mu.Lock(); r.all = append(r.all, res); r.mu.Unlock() }
func (r *results) get() []Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Result(nil), r.all...)
}

const surveyText = "Channel: Local/7001@survey-dial\nCallerID: Call centre <0777>\nMaxRetries: 2\nRetryTime: 300\nWaitTime: 45\nContext: survey\nExtension: s\nPriority: 1\nSetvar: SV_CALLER=7001\nArchive: yes\n"

// TestSpoolRetriesThenExpires: a survey call that is always busy is tried
// MaxRetries+1 times, RetryTime apart, and archived with the lines
// pbx_spool appends.
func TestSpoolRetriesThenExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		t0 := time.Now()
		busy := &fakeOriginator{start: t0, answer: func(context.Context, int, *CallFile) (Outcome, error) { return OutcomeBusy, nil }}
		var res results
		s, err := New(dir, busy, WithPID(4242), WithLogger(quiet()), WithOnDone(res.add))
		if err != nil {
			t.Fatal(err)
		}
		p := writeCall(t, dir, "survey-1.call", surveyText, t0)
		stop := runSpool(t, s)
		time.Sleep(1000 * time.Second)
		synctest.Wait()
		stop()

		// Seen at 0 s, read at the next scan (1 s), then RetryTime apart.
		want := []time.Duration{1 * time.Second, 301 * time.Second, 601 * time.Second}
		if got := busy.times(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("attempts at %v, want %v", got, want)
		}
		if exists(p) {
			t.Errorf("%s still in outgoing", p)
		}
		u := t0.Unix()
		wantText := surveyText + fmt.Sprintf("\nStartRetry: 4242 1 (%d)\n\nEndRetry: 4242 1 (%d)\n"+
			"\nStartRetry: 4242 2 (%d)\n\nEndRetry: 4242 2 (%d)\n\nStartRetry: 4242 3 (%d)\nStatus: Expired\n",
			u+301, u+1, u+601, u+301, u+901)
		if got := readFile(t, filepath.Join(dir, DoneDir, "survey-1.call")); got != wantText {
			t.Errorf("archived file:\n%s\nwant:\n%s", got, wantText)
		}
		r := res.get()
		if len(r) != 1 || r[0].Status != StatusExpired || r[0].Outcome != OutcomeBusy || r[0].CallFile.Retries != 3 {
			t.Errorf("results = %+v", r)
		}
	})
}

// TestSpoolFutureMtime: the demo touches its survey file SURVEY_DELAY
// seconds into the future; the call waits until then.
func TestSpoolFutureMtime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		t0 := time.Now()
		o := &fakeOriginator{start: t0}
		var res results
		s, _ := New(dir, o, WithLogger(quiet()), WithOnDone(res.add))
		text := strings.Replace(surveyText, "Archive: yes\n", "", 1)
		p := writeCall(t, dir, "later.call", text, t0.Add(300*time.Second))
		stop := runSpool(t, s)
		time.Sleep(299 * time.Second)
		synctest.Wait()
		if n := len(o.times()); n != 0 {
			t.Fatalf("%d calls before the file's time", n)
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		stop()
		if got := o.times(); fmt.Sprint(got) != fmt.Sprint([]time.Duration{300 * time.Second}) {
			t.Errorf("attempts at %v, want [5m0s]", got)
		}
		if exists(p) || exists(filepath.Join(dir, DoneDir, "later.call")) {
			t.Error("completed file without Archive should be deleted")
		}
		if r := res.get(); len(r) != 1 || r[0].Status != StatusCompleted {
			t.Errorf("results = %+v", r)
		}
	})
}

func TestSpoolFinishes(t *testing.T) {
	tests := []struct {
		name       string
		text       string
		outcome    Outcome
		wantStatus Status
		wantCalls  int
		archived   bool
		wantTail   string
	}{
		{"answered and archived", surveyText, OutcomeAnswered, StatusCompleted, 1, true, "Status: Completed\n"},
		{"answered and deleted", "Channel: SIP/7001\nApplication: Playback\nData: tt-monkeys\n", OutcomeAnswered, StatusCompleted, 1, false, ""},
		{"invalid and archived", "Channel: SIP/7001\nContext: survey\nArchive: yes\n", OutcomeAnswered, StatusFailed, 0, true, "Archive: yes\nStatus: Failed\n"},
		{"invalid and deleted", "Context: survey\nExtension: s\n", OutcomeAnswered, StatusFailed, 0, false, ""},
		{"already expired", "Channel: SIP/7001\nExtension: s\nArchive: yes\nEndRetry: 1 1 (1)\n", OutcomeAnswered, StatusExpired, 0, true, "EndRetry: 1 1 (1)\nStatus: Expired\n"},
		{"no retries left", "Channel: SIP/7001\nExtension: s\nArchive: yes\n", OutcomeNoAnswer, StatusExpired, 1, true, "Status: Expired\n"},
		{"negative max retries", "Channel: SIP/7001\nExtension: s\nMaxRetries: -1\n", OutcomeAnswered, StatusExpired, 0, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				dir := t.TempDir()
				o := &fakeOriginator{start: time.Now(), answer: func(context.Context, int, *CallFile) (Outcome, error) { return tc.outcome, nil }}
				var res results
				s, _ := New(dir, o, WithLogger(quiet()), WithOnDone(res.add))
				p := writeCall(t, dir, "f.call", tc.text, time.Now())
				stop := runSpool(t, s)
				time.Sleep(5 * time.Second)
				synctest.Wait()
				stop()
				if n := len(o.times()); n != tc.wantCalls {
					t.Errorf("%d calls, want %d", n, tc.wantCalls)
				}
				if r := res.get(); len(r) != 1 || r[0].Status != tc.wantStatus {
					t.Errorf("results = %+v, want one %v", r, tc.wantStatus)
				}
				if exists(p) {
					t.Error("file still in outgoing")
				}
				done := filepath.Join(dir, DoneDir, "f.call")
				if exists(done) != tc.archived {
					t.Fatalf("archived = %v, want %v", exists(done), tc.archived)
				}
				if tc.archived && !strings.HasSuffix(readFile(t, done), tc.wantTail) {
					t.Errorf("archived file:\n%s\nwant it to end with %q", readFile(t, done), tc.wantTail)
				}
			})
		})
	}
}

// TestSpoolStopMidAttemptRetriesOnce: a Spool stopped while its call rings
// leaves the file as a crash would; the next Spool on the directory aborts
// that attempt and places the call once more, and only once.
func TestSpoolStopMidAttemptRetriesOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		t0 := time.Now()
		ringing := &fakeOriginator{start: t0, answer: func(ctx context.Context, _ int, _ *CallFile) (Outcome, error) {
			<-ctx.Done() // rings until the spool stops
			return OutcomeUnknown, ctx.Err()
		}}
		s1, _ := New(dir, ringing, WithPID(100), WithLogger(quiet()))
		text := "Channel: SIP/7001\nMaxRetries: 0\nRetryTime: 30\nExtension: s\nContext: survey\nArchive: yes\n"
		writeCall(t, dir, "cb.call", text, t0)
		stop1 := runSpool(t, s1)
		time.Sleep(10 * time.Second)
		synctest.Wait()
		stop1()
		if n := len(ringing.times()); n != 1 {
			t.Fatalf("first spool placed %d calls, want 1", n)
		}
		p := filepath.Join(dir, OutgoingDir, "cb.call")
		if got, want := readFile(t, p), text+fmt.Sprintf("\nStartRetry: 100 1 (%d)\n", t0.Unix()+31); got != want {
			t.Fatalf("file after the stop:\n%s\nwant:\n%s", got, want)
		}

		answered := &fakeOriginator{start: t0}
		var res results
		s2, _ := New(dir, answered, WithPID(200), WithLogger(quiet()), WithOnDone(res.add))
		stop2 := runSpool(t, s2)
		time.Sleep(200 * time.Second)
		synctest.Wait()
		stop2()
		// Started at 1 s, the file's time is 1+2×30 s.
		if got := answered.times(); fmt.Sprint(got) != fmt.Sprint([]time.Duration{61 * time.Second}) {
			t.Errorf("second spool's attempts at %v, want [1m1s]", got)
		}
		want := text + fmt.Sprintf("\nStartRetry: 100 1 (%d)\n\nAbortRetry: 200 1 (%d)\n\nStartRetry: 200 1 (%d)\nStatus: Completed\n",
			t0.Unix()+31, t0.Unix()+61, t0.Unix()+91)
		if got := readFile(t, filepath.Join(dir, DoneDir, "cb.call")); got != want {
			t.Errorf("archived:\n%s\nwant:\n%s", got, want)
		}
	})
}

// TestSpoolLongAttemptDelaysRetry: an attempt still ringing when the file's
// time comes (2×RetryTime) is not started again; pbx_spool notes a
// DelayedRetry (with the attempts the file records, not counting this one).
func TestSpoolLongAttemptDelaysRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		t0 := time.Now()
		slow := &fakeOriginator{start: t0, answer: func(context.Context, int, *CallFile) (Outcome, error) {
			time.Sleep(25 * time.Second)
			return OutcomeAnswered, nil
		}}
		s, _ := New(dir, slow, WithPID(7), WithLogger(quiet()))
		text := "Channel: SIP/7001\nRetryTime: 10\nMaxRetries: 5\nExtension: s\nArchive: yes\n"
		writeCall(t, dir, "slow.call", text, t0)
		stop := runSpool(t, s)
		time.Sleep(60 * time.Second)
		synctest.Wait()
		stop()
		if n := len(slow.times()); n != 1 {
			t.Errorf("%d attempts, want 1", n)
		}
		u := t0.Unix()
		want := text + fmt.Sprintf("\nStartRetry: 7 1 (%d)\n\nDelayedRetry: 7 0 (%d)\nStatus: Completed\n", u+11, u+21)
		if got := readFile(t, filepath.Join(dir, DoneDir, "slow.call")); got != want {
			t.Errorf("archived:\n%s\nwant:\n%s", got, want)
		}
	})
}

// TestSpoolWaitsForStableFile: a file still growing between two scans is
// not read until it stops changing.
func TestSpoolWaitsForStableFile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		t0 := time.Now()
		o := &fakeOriginator{start: t0}
		s, _ := New(dir, o, WithLogger(quiet()))
		p := writeCall(t, dir, "w.call", "Channel: SIP/7001\n", t0)
		stop := runSpool(t, s)
		time.Sleep(500 * time.Millisecond)
		f, _ := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
		_, _ = f.WriteString("Extension: s\n")
		_ = f.Close()
		_ = os.Chtimes(p, t0, t0)
		time.Sleep(10 * time.Second)
		synctest.Wait()
		stop()
		if got := o.times(); fmt.Sprint(got) != fmt.Sprint([]time.Duration{2 * time.Second}) {
			t.Errorf("attempts at %v, want [2s]", got)
		}
	})
}

// TestSpoolKeepsFutureFileWithoutAlwaysDelete: "AlwaysDelete: no" keeps a
// completed file whose mtime is in the future (StartRetry moved it 2×RetryTime
// ahead), as remove_from_queue does.
func TestSpoolKeepsFutureFileWithoutAlwaysDelete(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		o := &fakeOriginator{start: time.Now()}
		var res results
		s, _ := New(dir, o, WithLogger(quiet()), WithOnDone(res.add))
		p := writeCall(t, dir, "keep.call", "Channel: SIP/7001\nExtension: s\nRetryTime: 100\nAlwaysDelete: no\n", time.Now())
		stop := runSpool(t, s)
		time.Sleep(5 * time.Second)
		synctest.Wait()
		stop()
		if r := res.get(); len(r) != 1 || r[0].Status != StatusCompleted || !r[0].Kept {
			t.Errorf("results = %+v", r)
		}
		if !exists(p) {
			t.Error("file removed")
		}
	})
}

func TestSpoolOriginatorPanicAndErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		o := &fakeOriginator{start: time.Now(), answer: func(_ context.Context, n int, _ *CallFile) (Outcome, error) {
			switch n {
			case 1:
				panic("boom")
			case 2:
				return OutcomeUnknown, errors.New("no such peer")
			}
			return OutcomeAnswered, nil
		}}
		var res results
		s, _ := New(dir, o, WithLogger(quiet()), WithOnDone(res.add))
		writeCall(t, dir, "p.call", "Channel: SIP/7001\nExtension: s\nMaxRetries: 2\nRetryTime: 5\n", time.Now())
		stop := runSpool(t, s)
		time.Sleep(60 * time.Second)
		synctest.Wait()
		stop()
		if got := o.times(); fmt.Sprint(got) != fmt.Sprint([]time.Duration{1 * time.Second, 6 * time.Second, 11 * time.Second}) {
			t.Errorf("attempts at %v", got)
		}
		if r := res.get(); len(r) != 1 || r[0].Status != StatusCompleted {
			t.Errorf("results = %+v", r)
		}
	})
}

func TestSpoolRunTwice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, _ := New(t.TempDir(), &fakeOriginator{}, WithLogger(quiet()))
		stop := runSpool(t, s)
		synctest.Wait()
		if err := s.Run(context.Background()); !errors.Is(err, ErrRunning) {
			t.Errorf("second Run = %v, want ErrRunning", err)
		}
		stop()
	})
}

// TestSubmit: a call file submitted through spool/tmp for later is dialled
// at its time with the variables it was given.
func TestSubmit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		t0 := time.Now()
		o := &fakeOriginator{start: t0}
		var got *CallFile
		o.answer = func(_ context.Context, _ int, cf *CallFile) (Outcome, error) { got = cf; return OutcomeAnswered, nil }
		s, _ := New(dir, o, WithLogger(quiet()))
		cf := NewCallFile("Local/7001@survey-dial")
		cf.CallerIDName, cf.CallerIDNum = "Call centre", "0777"
		cf.Context, cf.Extension, cf.MaxRetries = "survey", "s", 2
		cf.Vars = []Var{{"SV_CALLER", "7001"}, {"MSG", "a;b"}}
		cf.Archive = true
		if err := Submit(dir, "survey-9.call", cf, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := Submit(dir, "../x.call", cf, time.Time{}); !errors.Is(err, ErrBadName) {
			t.Errorf("Submit ../x.call = %v", err)
		}
		if entries, _ := os.ReadDir(filepath.Join(dir, TmpDir)); len(entries) != 0 {
			t.Errorf("tmp not empty: %v", entries)
		}
		stop := runSpool(t, s)
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		stop()
		if ts := o.times(); fmt.Sprint(ts) != fmt.Sprint([]time.Duration{time.Minute}) {
			t.Fatalf("attempts at %v, want [1m0s]", ts)
		}
		if got.CallerIDName != "Call centre" || got.CallerIDNum != "0777" || len(got.Vars) != 2 || got.Vars[1].Value != "a;b" {
			t.Errorf("originated %+v", got)
		}
	})
}
