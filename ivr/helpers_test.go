package ivr

import (
	"context"
	"os"
	"testing"
	"testing/synctest"
	"time"
)

func readFile(name string) (string, error) {
	b, err := os.ReadFile(name)
	return string(b), err
}

func synctestRun(t *testing.T, f func(t *testing.T)) {
	synctest.Test(t, f)
}

// timerCall is a Call on real timers: no key is ever pressed.
type timerCall struct{}

func (*timerCall) Answer(context.Context) error               { return nil }
func (*timerCall) Hangup(context.Context, int) error          { return nil }
func (*timerCall) Indicate(context.Context, Indication) error { return nil }
func (*timerCall) SendDigits(context.Context, string) error   { return nil }
func (*timerCall) Play(context.Context, string, string, string) (rune, error) {
	return 0, nil
}
func (*timerCall) WaitDigit(ctx context.Context, d time.Duration) (rune, error) {
	select {
	case <-time.After(d):
		return 0, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
