package ivr

import (
	"context"
	"errors"
	"log/slog"
	"testing"
)

func TestRunSub(t *testing.T) {
	tests := []struct {
		name    string
		conf    string
		spec    string
		wantErr error
		want    map[string]string
	}{
		{"return sets GOSUB_RESULT", `[screen]
exten => s,1,Set(SEEN=${ARG1})
 same => n,Set(GOSUB_RESULT=CONTINUE)
 same => n,Return()
`, "screen,s,1(vip)", nil, map[string]string{"SEEN": "vip", "GOSUB_RESULT": "CONTINUE"}},
		{"nested gosub returns to the routine", `[screen]
exten => s,1,Gosub(inner,s,1)
 same => n,Set(AFTER=yes)
 same => n,Return()
[inner]
exten => s,1,Set(INNER=yes)
 same => n,Return()
`, "screen,s,1", nil, map[string]string{"INNER": "yes", "AFTER": "yes"}},
		{"runs off the end", "[screen]\nexten => s,1,Set(X=1)\n", "screen,s,1", nil, map[string]string{"X": "1"}},
		{"hangup ends it", "[screen]\nexten => s,1,Hangup()\n same => n,Set(X=1)\n", "screen,s,1", ErrHangup, map[string]string{"X": ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := New(loadTestDialplan(t, tc.conf), Options{Logger: slog.New(slog.DiscardHandler)})
			ch := e.NewChannel(&timerCall{}, ChannelOptions{Context: "screen", Exten: "s"})
			err := e.RunSub(context.Background(), ch, tc.spec)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("RunSub error %v, want %v", err, tc.wantErr)
			}
			for k, v := range tc.want {
				if got := ch.Var(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}
