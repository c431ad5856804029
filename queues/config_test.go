package queues

import (
	"strings"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/config/configtest"
)

func load(t *testing.T, text string) (*Config, string) {
	t.Helper()
	return configtest.Load(t, "queues.conf", text, LoadConfig)
}

func TestSeedQueue(t *testing.T) {
	cfg, msgs := load(t, `[general]
persistentmembers=yes

[lang](!)
strategy=random
timeout=10
joinempty=unavailable,invalid
leavewhenempty=yes
setinterfacevar=yes

[en-queue](lang)
member => SIP/201,0,Agent EN 1
member => SIP/202,2,Agent EN 2,SIP/202,no
`)
	if msgs != "" {
		t.Fatalf("diagnostics: %s", msgs)
	}
	q := cfg.Queue("en-queue")
	if q == nil || q.Strategy != StrategyRandom || q.Timeout != 10*time.Second || q.Retry != DefaultRetry || !q.SetInterfaceVar {
		t.Fatalf("queue %+v", q)
	}
	if q.JoinEmpty != EmptyUnavailable|EmptyInvalid {
		t.Fatalf("joinempty %b", q.JoinEmpty)
	}
	if q.LeaveWhenEmpty&EmptyUnavailable == 0 || q.LeaveWhenEmpty&EmptyPaused == 0 {
		t.Fatalf("leavewhenempty %b", q.LeaveWhenEmpty)
	}
	if len(q.Members) != 2 || q.Members[0].Name != "Agent EN 1" || q.Members[1].Penalty != 2 || q.Members[1].RingInUse == nil || *q.Members[1].RingInUse {
		t.Fatalf("members %+v", q.Members)
	}
	if cfg.Queue("lang") != nil {
		t.Fatal("template became a queue")
	}
}

func TestQueueDefaults(t *testing.T) {
	cfg, _ := load(t, "[q]\n")
	q := cfg.Queue("q")
	if q.Strategy != StrategyRingAll || q.Timeout != 15*time.Second || !q.RingInUse || q.JoinEmpty != 0 || q.MusicClass != "default" {
		t.Fatalf("defaults %+v", q)
	}
}

func TestQueueDiagnostics(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"bad strategy", "[q]\nstrategy=smartest\n", `queues.conf:2: strategy: unknown strategy "smartest"`},
		{"bad timeout", "[q]\ntimeout=ten\n", `queues.conf:2: timeout: "ten" is not a whole number`},
		{"bad member", "[q]\nmember => 201\n", `queues.conf:2: member interface "201": want Technology/resource, e.g. SIP/101`},
		{"bad penalty", "[q]\nmember => SIP/201,high\n", `queues.conf:2: member penalty "high" is not a whole number`},
		{"duplicate member", "[q]\nmember => SIP/201\nmember => SIP/201\n", `queues.conf:3: warning: member SIP/201 is listed twice in [q] (first at queues.conf:2)`},
		{"bad joinempty", "[q]\njoinempty=sometimes\n", `queues.conf:2: joinempty: unknown condition "sometimes"`},
		{"unknown option", "[q]\ncolour=red\n", `queues.conf:2: warning: unknown option "colour" in [q]`},
		{"twice", "[q]\n[q]\n", `queues.conf:2: queue [q] is defined twice`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, msgs := load(t, tc.text); !strings.Contains(msgs, tc.want) {
				t.Fatalf("want %q in:\n%s", tc.want, msgs)
			}
		})
	}
}

func TestStrategyNames(t *testing.T) {
	for s := StrategyRingAll; s <= StrategyWRandom; s++ {
		got, err := ParseStrategy(s.String())
		if err != nil || got != s {
			t.Errorf("%v: %v %v", s, got, err)
		}
	}
	if got, _ := ParseStrategy("roundrobin"); got != StrategyRRMemory {
		t.Errorf("roundrobin = %v", got)
	}
	if StrategyUnknown.String() != "unknown" {
		t.Error("zero value")
	}
}
