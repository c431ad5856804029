package dtmf

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// prompt is a 3 s sound file: it ends early when its context does.
func prompt(ctx context.Context) error {
	select {
	case <-time.After(3 * time.Second):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func TestInterruptible(t *testing.T) {
	errNoFile := errors.New("no such file")
	tests := []struct {
		name     string
		escape   string
		keys     []key
		close    bool
		cancelAt time.Duration
		play     func(context.Context) error
		want     rune
		wantErr  error
		elapsed  time.Duration
	}{
		{name: "Read: any digit stops the prompt", escape: EscapeAny,
			keys: []key{{time.Second, '5'}}, want: '5', elapsed: time.Second},
		{name: "Playback: digits are dropped, the prompt plays out", escape: EscapeNone,
			keys: []key{{time.Second, '5'}, {time.Second, '#'}}, want: 0, elapsed: 3 * time.Second},
		{name: "only escape digits stop it", escape: "#",
			keys: []key{{time.Second, '1'}, {time.Second, '#'}}, want: '#', elapsed: 2 * time.Second},
		{name: "lower case escape digit", escape: EscapeAny,
			keys: []key{{time.Second, 'a'}}, want: 'A', elapsed: time.Second},
		{name: "prompt ends first", escape: EscapeAny,
			keys: []key{{4 * time.Second, '5'}}, want: 0, elapsed: 3 * time.Second},
		{name: "prompt fails", escape: EscapeAny,
			play: func(context.Context) error { return errNoFile }, wantErr: errNoFile},
		{name: "hang-up: digit channel closed", escape: EscapeAny, close: true,
			want: 0, wantErr: context.Canceled},
		{name: "hang-up: ctx", escape: EscapeNone, cancelAt: 2 * time.Second,
			want: 0, wantErr: context.Canceled, elapsed: 2 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				digits := make(chan rune)
				go func() {
					for _, k := range tc.keys {
						select {
						case <-time.After(k.after):
						case <-ctx.Done():
							return
						}
						select {
						case digits <- k.d:
						case <-ctx.Done():
							return
						}
					}
					if tc.close {
						close(digits)
					}
				}()
				if tc.cancelAt > 0 {
					time.AfterFunc(tc.cancelAt, cancel)
				}
				play := tc.play
				if play == nil {
					play = prompt
				}
				start := time.Now()
				got, err := Interruptible(ctx, digits, tc.escape, play)
				elapsed := time.Since(start)
				cancel()
				if got != tc.want || !errors.Is(err, tc.wantErr) {
					t.Errorf("Interruptible = %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
				}
				if elapsed != tc.elapsed {
					t.Errorf("returned after %v, want %v", elapsed, tc.elapsed)
				}
			})
		})
	}
}

// TestInterruptibleThenCollect is Read: the digit that stops the prompt is
// the first digit collected.
func TestInterruptibleThenCollect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		digits := make(chan rune)
		go func() {
			for _, d := range "42#" {
				time.Sleep(500 * time.Millisecond)
				digits <- d
			}
		}()
		esc, _ := AppEscape("Read")
		first, err := Interruptible(t.Context(), digits, esc, prompt)
		if err != nil {
			t.Fatal(err)
		}
		got, status := Collector{}.Collect(t.Context(), digits, first)
		if got != "42" || status != StatusOK {
			t.Errorf("Read = %q, %v; want 42, OK", got, status)
		}
	})
}

func TestAppEscape(t *testing.T) {
	tests := []struct {
		app  string
		want string
		ok   bool
	}{
		{"Background", EscapeAny, true},
		{"Read", EscapeAny, true},
		{"read", EscapeAny, true},
		{"Playback", EscapeNone, true},
		{"SayDigits", EscapeNone, true},
		{"SayNumber", EscapeNone, true},
		{"Dial", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.app, func(t *testing.T) {
			got, ok := AppEscape(tc.app)
			if got != tc.want || ok != tc.ok {
				t.Errorf("AppEscape(%q) = %q, %v; want %q, %v", tc.app, got, ok, tc.want, tc.ok)
			}
		})
	}
}
