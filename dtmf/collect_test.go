package dtmf

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// key is a digit pressed after a wait since the previous one.
type key struct {
	after time.Duration
	d     rune
}

func keys(after time.Duration, s string) []key {
	var k []key
	for _, d := range s {
		k = append(k, key{after, d})
	}
	return k
}

func TestCollect(t *testing.T) {
	sec := time.Second
	tests := []struct {
		name     string
		c        Collector
		first    rune
		keys     []key
		close    bool          // close the digit channel after the keys
		cancelAt time.Duration // hang up (ctx) then
		want     string
		status   Status
		elapsed  time.Duration // when Collect returns
	}{
		{name: "nothing: first-digit timeout, TIMEOUT(response) 10 s",
			want: "", status: StatusTimeout, elapsed: 10 * sec},
		{name: "first timeout set", c: Collector{FirstTimeout: 3 * sec},
			want: "", status: StatusTimeout, elapsed: 3 * sec},
		{name: "inter-digit timeout keeps the digits, status TIMEOUT",
			keys: []key{{2 * sec, '1'}, {sec, '2'}},
			want: "12", status: StatusTimeout, elapsed: 3*sec + DefaultInterTimeout},
		{name: "each digit restarts the inter-digit timer",
			keys: []key{{sec, '1'}, {4900 * time.Millisecond, '2'}, {4900 * time.Millisecond, '3'}},
			want: "123", status: StatusTimeout, elapsed: sec + 9800*time.Millisecond + DefaultInterTimeout},
		{name: "a digit just after the inter-digit timeout is too late",
			keys: []key{{sec, '1'}, {DefaultInterTimeout + time.Millisecond, '2'}},
			want: "1", status: StatusTimeout, elapsed: sec + DefaultInterTimeout},
		{name: "inter-digit timeout set", c: Collector{InterTimeout: 2 * sec},
			keys: []key{{sec, '7'}},
			want: "7", status: StatusTimeout, elapsed: 3 * sec},
		{name: "Read's timeout argument sets both", c: Collector{FirstTimeout: 3 * sec, InterTimeout: 3 * sec},
			keys: []key{{2500 * time.Millisecond, '4'}},
			want: "4", status: StatusTimeout, elapsed: 5500 * time.Millisecond},
		{name: "max digits ends without a terminator", c: Collector{MaxDigits: 3},
			keys: keys(sec, "1234"),
			want: "123", status: StatusOK, elapsed: 3 * sec},
		{name: "terminator is not part of the result",
			keys: keys(sec, "12#"),
			want: "12", status: StatusOK, elapsed: 3 * sec},
		{name: "terminator alone: empty and OK",
			keys: keys(sec, "#"),
			want: "", status: StatusOK, elapsed: sec},
		{name: "other terminators", c: Collector{Terminators: "*"},
			keys: keys(sec, "4#*"),
			want: "4#", status: StatusOK, elapsed: 3 * sec},
		{name: "no terminator", c: Collector{MaxDigits: 2, NoTerminator: true},
			keys: keys(sec, "#5"),
			want: "#5", status: StatusOK, elapsed: 2 * sec},
		{name: "first digit from the prompt, then more", first: '9',
			keys: keys(sec, "8#"),
			want: "98", status: StatusOK, elapsed: 2 * sec},
		{name: "first digit from the prompt: inter-digit timeout, not first", first: '9',
			want: "9", status: StatusTimeout, elapsed: DefaultInterTimeout},
		{name: "first digit is the terminator", first: '#',
			want: "", status: StatusOK, elapsed: 0},
		{name: "first digit fills max digits", c: Collector{MaxDigits: 1}, first: '3',
			want: "3", status: StatusOK, elapsed: 0},
		{name: "first digit lower case", first: 'c', keys: keys(sec, "#"),
			want: "C", status: StatusOK, elapsed: sec},
		{name: "not digits are ignored",
			keys: []key{{sec, 'x'}, {sec, '1'}, {sec, 'E'}, {sec, '#'}},
			want: "1", status: StatusOK, elapsed: 4 * sec},
		{name: "hang-up keeps the digits", keys: keys(sec, "12"), cancelAt: 4 * sec,
			want: "12", status: StatusHangup, elapsed: 4 * sec},
		{name: "digit channel closed is a hang-up", keys: keys(sec, "5"), close: true,
			want: "5", status: StatusHangup, elapsed: sec},
		{name: "negative timeouts wait forever", c: Collector{FirstTimeout: -1, InterTimeout: -1},
			keys: []key{{time.Hour, '1'}}, cancelAt: 3 * time.Hour,
			want: "1", status: StatusHangup, elapsed: 3 * time.Hour},
		{name: "more than 255 digits need MaxDigits", c: Collector{MaxDigits: 300},
			keys: keys(time.Millisecond, repeat('1', 300)),
			want: repeat('1', 300), status: StatusOK, elapsed: 300 * time.Millisecond},
		{name: "MaxDigits 0 is Read's 255",
			keys: keys(time.Millisecond, repeat('2', 256)),
			want: repeat('2', 255), status: StatusOK, elapsed: 255 * time.Millisecond},
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
				start := time.Now()
				got, status := tc.c.Collect(ctx, digits, tc.first)
				elapsed := time.Since(start)
				cancel()
				if got != tc.want || status != tc.status {
					t.Errorf("Collect = %q, %v; want %q, %v", got, status, tc.want, tc.status)
				}
				if elapsed != tc.elapsed {
					t.Errorf("returned after %v, want %v", elapsed, tc.elapsed)
				}
			})
		})
	}
}

func repeat(d rune, n int) string {
	b := make([]rune, n)
	for i := range b {
		b[i] = d
	}
	return string(b)
}

func TestCollectHungUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, status := Collector{}.Collect(ctx, make(chan rune), '5')
	if got != "" || status != StatusHangup {
		t.Errorf("Collect on a hung-up channel = %q, %v", got, status)
	}
}

func TestStatusString(t *testing.T) {
	tests := []struct {
		s    Status
		want string
	}{
		{StatusUnknown, "UNKNOWN"},
		{StatusOK, "OK"},
		{StatusError, "ERROR"},
		{StatusHangup, "HANGUP"},
		{StatusInterrupted, "INTERRUPTED"},
		{StatusSkipped, "SKIPPED"},
		{StatusTimeout, "TIMEOUT"},
		{Status(99), "UNKNOWN"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.s.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			if tc.s == StatusUnknown || tc.s == Status(99) {
				if _, err := ParseStatus(tc.want); err == nil {
					t.Errorf("ParseStatus(%q) accepted", tc.want)
				}
				return
			}
			if got, err := ParseStatus(tc.want); err != nil || got != tc.s {
				t.Errorf("ParseStatus(%q) = %v, %v", tc.want, got, err)
			}
		})
	}
	if _, err := ParseStatus("ok"); err == nil {
		t.Error(`ParseStatus("ok") accepted: READSTATUS values are upper case`)
	}
}
