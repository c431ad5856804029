package campaign

import (
	"strings"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
	"github.com/obelisk-pbx/obelisk/outbound"
)

func TestLoadConfig(t *testing.T) {
	const text = `[general]

[spring]
trunk = pstn
callerid = "Acme Billing" <0312345678>
window = mon-fri 09:00-20:00
window = sat 10:00-13:00
timezone = Europe/Paris
rate = 0.5
concurrent = 2
maxattempts = 4
waittime = 25
retry_busy = 120
retry_machine = no
never_retry = 404, 484
customers = spring.csv
autostart = yes

[bad]
trunk = pstn
window = someday
retry_busy = soon
colour = blue

[notrunk]
context = collections
`
	f, diags := config.Parse("campaigns.conf", strings.NewReader(text))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	defs, diags := LoadConfig(f)
	var msgs []string
	for _, d := range diags {
		msgs = append(msgs, d.Error())
	}
	wantDiags := []string{
		"campaigns.conf:21: ", // window
		"campaigns.conf:22: ", // retry_busy
		"campaigns.conf:23: ", // colour
		"campaigns.conf:25: ", // notrunk
	}
	if len(msgs) != len(wantDiags) {
		t.Fatalf("diagnostics:\n%s", strings.Join(msgs, "\n"))
	}
	for i, w := range wantDiags {
		if !strings.Contains(msgs[i], w) {
			t.Errorf("diagnostic %d = %q, want it at %q", i, msgs[i], w)
		}
	}
	if len(defs) != 2 || defs[0].Name != "spring" || defs[1].Name != "bad" {
		t.Fatalf("campaigns %+v, want spring and bad", defs)
	}
	c := defs[0]
	if c.CustomersFile != "spring.csv" || c.State != StateRunning || c.Context != DefaultContext || c.Extension != "s" {
		t.Errorf("spring = %+v", c)
	}
	if c.Limit != (outbound.Limit{Rate: 0.5, Burst: 1, Concurrent: 2}) || c.MaxAttempts != 4 || c.WaitTime != Seconds(25*time.Second) {
		t.Errorf("spring limit %v, attempts %d, wait %v", c.Limit, c.MaxAttempts, c.WaitTime)
	}
	if len(c.Windows) != 2 || c.Windows[1].String() != "sat 10:00-13:00" || c.Timezone != "Europe/Paris" {
		t.Errorf("spring windows %v in %s", c.Windows, c.Timezone)
	}
	r := c.Retry
	if r.Busy.Delay != 2*time.Minute || !r.Machine.Never || r.NoAnswer != DefaultRetry.NoAnswer || len(r.NeverCodes) != 2 || r.NeverCodes[1] != 484 {
		t.Errorf("spring retry %+v", r)
	}
	if defs[1].State != StateIdle {
		t.Errorf("bad is %s, want idle (no autostart)", defs[1].State)
	}
}

func TestStateNames(t *testing.T) {
	for s := StateIdle; s <= StateFinished; s++ {
		got, err := ParseState(strings.ToUpper(s.String()))
		if err != nil || got != s {
			t.Errorf("ParseState(%q) = %v, %v", s.String(), got, err)
		}
	}
	if _, err := ParseState("dancing"); err == nil {
		t.Error("ParseState(dancing) succeeded")
	}
	if got := State(42).String(); got != "State(42)" {
		t.Errorf("State(42) = %q", got)
	}
}
