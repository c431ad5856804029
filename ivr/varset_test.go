package ivr

import (
	"io"
	"log/slog"
	"slices"
	"testing"
)

// OnVarSet sees every channel variable set, by Set() or by the engine's
// applications, with the name as written (inheritance prefix kept), as
// Asterisk's VarSet event shows it; functions (CHANNEL(language)) are
// not variables and are not reported.
func TestOnVarSet(t *testing.T) {
	var got []string
	e := New(loadTestDialplan(t, `
[default]
exten => s,1,Set(A=1)
 same => n,Set(__B=two)
 same => n,Set(CHANNEL(language)=fr)
`), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnVarSet: func(ch *Channel, name, value string) {
			got = append(got, ch.Name+" "+name+"="+value)
		}})
	ch := e.NewChannel(&timerCall{}, ChannelOptions{Name: "SIP/1001-00000001", Context: "default", Exten: "s", State: StateUp})
	e.Run(t.Context(), ch)
	want := []string{"SIP/1001-00000001 A=1", "SIP/1001-00000001 __B=two"}
	if !slices.Equal(got, want) {
		t.Errorf("OnVarSet saw %q, want %q", got, want)
	}
}
