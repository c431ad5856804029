package pbx

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/obelisk-pbx/obelisk/features"
)

func TestFeatureWatcher(t *testing.T) {
	tests := []struct {
		name       string
		digits     string
		wait       time.Duration // after the digits
		wantPassed string
		wantFired  string
	}{
		{"code fires and is not passed", "#1", 0, "", features.BlindTransfer},
		{"other digits pass at once", "57", 0, "57", ""},
		{"a prefix is held, then passed after the timeout", "#", 2 * time.Second, "#", ""},
		{"a prefix then a non-code passes both", "#5", 0, "#5", ""},
		{"digits before a code pass, the code fires", "9*0", 0, "9", features.Disconnect},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var mu sync.Mutex
				passed, fired := "", ""
				w := newFeatureWatcher(map[string]string{"#1": features.BlindTransfer, "*0": features.Disconnect}, time.Second,
					func(d rune) { mu.Lock(); passed += string(d); mu.Unlock() },
					func(f string) { mu.Lock(); fired = f; mu.Unlock() })
				for _, d := range tc.digits {
					w.digit(d)
				}
				time.Sleep(tc.wait)
				synctest.Wait()
				mu.Lock()
				defer mu.Unlock()
				if passed != tc.wantPassed || fired != tc.wantFired {
					t.Errorf("passed %q fired %q, want %q %q", passed, fired, tc.wantPassed, tc.wantFired)
				}
				w.stop()
			})
		})
	}
}

func TestBridgeFeatures(t *testing.T) {
	cfg := &features.Config{Map: map[string]string{features.BlindTransfer: "#1", features.Disconnect: "*0"}}
	caller, callee := bridgeFeatures(cfg, map[rune]string{'T': "", 'h': ""})
	if len(caller) != 1 || caller["#1"] != features.BlindTransfer || len(callee) != 1 || callee["*0"] != features.Disconnect {
		t.Errorf("caller %v callee %v", caller, callee)
	}
	if caller, callee := bridgeFeatures(cfg, map[rune]string{'g': ""}); caller != nil || callee != nil {
		t.Errorf("no feature options: caller %v callee %v", caller, callee)
	}
}
