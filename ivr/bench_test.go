package ivr

import (
	"context"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
	"github.com/obelisk-pbx/obelisk/testdata"
)

func loadDemo(b *testing.B) *Dialplan {
	b.Helper()
	f, diags := config.Load(testdata.Demo, "extensions.conf")
	if err := diags.Err(); err != nil {
		b.Fatal(err)
	}
	dp, diags := LoadDialplan(f, LoadOptions{})
	if err := diags.Err(); err != nil {
		b.Fatal(err)
	}
	return dp
}

// BenchmarkDemoLookup finds extensions of the demo call centre the way a
// call does: an exact extension through an include, and a pattern.
func BenchmarkDemoLookup(b *testing.B) {
	dp := loadDemo(b)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if e, _ := dp.Lookup("agents", "302", "201", now); e == nil {
			b.Fatal("302 not found from agents")
		}
		if e, _ := dp.Lookup("from-pstn", "21255512345", "0612345678", now); e == nil {
			b.Fatal("DID not found")
		}
	}
}

// BenchmarkDemoCallbackFlow runs a whole simulated call through the demo:
// language menu, queue timeout, callback request with two numbers read,
// said back and confirmed (about 40 applications).
func BenchmarkDemoCallbackFlow(b *testing.B) {
	dp := loadDemo(b)
	reg := NewCoreRegistry()
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		res := Simulate(context.Background(), dp, reg, SimOptions{
			Context: "incoming", Exten: "0777", CallerID: CallerID{Num: "7001"},
			Keys: "2 0791234567# 1 0612345678# 1", QueueStatus: "TIMEOUT", Start: start,
		}, nil)
		if res.Err != nil || res.Channel.Var("CB_ALT") != "0612345678" {
			b.Fatalf("flow failed: %v %q", res.Err, res.Channel.Var("CB_ALT"))
		}
	}
}
