package ivr

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// blockingCall is a Call whose Play lasts until its context ends and
// whose WaitDigit waits out its timeout: nothing is ever pressed.
type blockingCall struct {
	mu     sync.Mutex
	played []string
	cause  int
}

func (*blockingCall) Answer(context.Context) error { return nil }
func (c *blockingCall) Hangup(_ context.Context, cause int) error {
	c.mu.Lock()
	c.cause = cause
	c.mu.Unlock()
	return nil
}
func (*blockingCall) Indicate(context.Context, Indication) error { return nil }
func (*blockingCall) SendDigits(context.Context, string) error   { return nil }
func (c *blockingCall) Play(ctx context.Context, sound, _, _ string) (rune, error) {
	c.mu.Lock()
	c.played = append(c.played, sound)
	c.mu.Unlock()
	<-ctx.Done()
	return 0, ctx.Err()
}
func (*blockingCall) WaitDigit(ctx context.Context, d time.Duration) (rune, error) {
	select {
	case <-time.After(d):
		return 0, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// asyncRun starts conf's default,s on a blockingCall; steps has the
// "context,exten,priority App" of each application run.
type asyncRun struct {
	ch    *Channel
	call  *blockingCall
	mu    sync.Mutex
	steps []string
	res   chan Result
}

func startAsync(t *testing.T, ctx context.Context, conf string) *asyncRun {
	t.Helper()
	r := &asyncRun{call: &blockingCall{}, res: make(chan Result, 1)}
	e := New(loadTestDialplan(t, conf), Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Trace: func(ch *Channel, p *Priority, args string) {
			r.mu.Lock()
			r.steps = append(r.steps, ch.Location()+" "+p.App+"("+args+")")
			r.mu.Unlock()
		},
	})
	r.ch = e.NewChannel(r.call, ChannelOptions{Name: "SIP/1001-00000001", Context: "default", Exten: "s", State: StateUp})
	go func() { r.res <- e.Run(ctx, r.ch) }()
	return r
}

func (r *asyncRun) stepList() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.steps)
}

// A channel in Playback is redirected: Playback returns, the dialplan
// goes on at the new place and ends there normally (ast_async_goto).
func TestAsyncGotoInterruptsPlayback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startAsync(t, t.Context(), `
[default]
exten => s,1,Playback(tt-monkeys)
 same => n,Set(NOTREACHED=1)
[other]
exten => 700,1,Set(MOVED=yes)
 same => n,Hangup(17)
`)
		synctest.Wait()
		if err := r.ch.AsyncGoto("other", "700", 1); err != nil {
			t.Fatalf("AsyncGoto: %v", err)
		}
		res := <-r.res
		want := []string{"default,s,1 Playback(tt-monkeys)", "other,700,1 Set(MOVED=yes)", "other,700,2 Hangup(17)"}
		if got := r.stepList(); !slices.Equal(got, want) {
			t.Errorf("steps %q, want %q", got, want)
		}
		if res.Cause != CauseUserBusy || r.ch.Var("MOVED") != "yes" || r.ch.Var("NOTREACHED") != "" {
			t.Errorf("result %+v MOVED=%q NOTREACHED=%q", res, r.ch.Var("MOVED"), r.ch.Var("NOTREACHED"))
		}
	})
}

// WaitExten is interrupted the same way; an empty context keeps the
// channel's, and the given priority is honoured.
func TestAsyncGotoInterruptsWaitExten(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startAsync(t, t.Context(), `
[default]
exten => s,1,WaitExten(30)
exten => 2,1,NoOp(one)
 same => n,Set(AT=two)
`)
		synctest.Wait()
		start := time.Now()
		if err := r.ch.AsyncGoto("", "2", 2); err != nil {
			t.Fatalf("AsyncGoto: %v", err)
		}
		res := <-r.res
		if waited := time.Since(start); waited != 0 {
			t.Errorf("the redirect waited %v for WaitExten", waited)
		}
		want := []string{"default,s,1 WaitExten(30)", "default,2,2 Set(AT=two)"}
		if got := r.stepList(); !slices.Equal(got, want) {
			t.Errorf("steps %q, want %q", got, want)
		}
		if res.Reason != "no more priorities" || res.Cause != CauseNormalClearing {
			t.Errorf("result %+v", res)
		}
	})
}

// A goto between applications is taken before the next one runs; after
// the dialplan ended AsyncGoto fails.
func TestAsyncGotoAfterRunFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startAsync(t, t.Context(), "[default]\nexten => s,1,NoOp(done)\n")
		<-r.res
		err := r.ch.AsyncGoto("default", "s", 1)
		if !errors.Is(err, ErrNotInDialplan) {
			t.Errorf("AsyncGoto after the end: %v, want ErrNotInDialplan", err)
		}
	})
}

// The caller hanging up while a goto is pending ends the call: the
// hangup wins and the new place never runs.
func TestAsyncGotoLosesToHangup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		r := startAsync(t, ctx, `
[default]
exten => s,1,Playback(tt-monkeys)
[other]
exten => s,1,Set(MOVED=yes)
`)
		synctest.Wait()
		cancel()
		_ = r.ch.AsyncGoto("other", "s", 1)
		res := <-r.res
		if r.ch.Var("MOVED") != "" || res.Reason != "hangup by caller" {
			t.Errorf("result %+v MOVED=%q: the hangup should win", res, r.ch.Var("MOVED"))
		}
	})
}
