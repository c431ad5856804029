package pbx

import (
	"path/filepath"
	"reflect"
	"regexp"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/obelisk-pbx/obelisk/features"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
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

func TestBridgeFeaturesOptions(t *testing.T) {
	cfg := &features.Config{Map: map[string]string{features.BlindTransfer: "#1", features.AttendedTransfer: "*2",
		features.Disconnect: "*0", features.AutoMixMon: "*1", features.ParkCall: "#72"}}
	tests := []struct {
		name           string
		opts           string
		caller, callee map[string]string
	}{
		{"t: the called party transfers, blind and attended", "t", nil, map[string]string{"#1": features.BlindTransfer, "*2": features.AttendedTransfer}},
		{"T: the caller transfers", "T", map[string]string{"#1": features.BlindTransfer, "*2": features.AttendedTransfer}, nil},
		{"x X: automixmon for both", "xX", map[string]string{"*1": features.AutoMixMon}, map[string]string{"*1": features.AutoMixMon}},
		{"k K: parking", "kK", map[string]string{"#72": features.ParkCall}, map[string]string{"#72": features.ParkCall}},
		{"h H: disconnect", "hH", map[string]string{"*0": features.Disconnect}, map[string]string{"*0": features.Disconnect}},
		{"others enable nothing", "gcn", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			caller, callee := bridgeFeatures(cfg, parseDialOptions(tc.opts))
			if !reflect.DeepEqual(caller, tc.caller) || !reflect.DeepEqual(callee, tc.callee) {
				t.Errorf("caller %v callee %v, want %v %v", caller, callee, tc.caller, tc.callee)
			}
		})
	}
}

type fakeVars map[string]string

func (f fakeVars) Var(name string) string { return f[name] }

func TestAutoMonitorFile(t *testing.T) {
	s := &Switch{opts: Options{DataDir: t.TempDir()}}
	tests := []struct {
		name string
		vars fakeVars
		want string // with TS for the time
	}{
		{"the two caller IDs", fakeVars{}, `^auto-\d+-1001-0612345678\.wav$`},
		{"prefix and format", fakeVars{"TOUCH_MIXMONITOR_PREFIX": "rec", "TOUCH_MIXMONITOR_FORMAT": "sln"}, `^rec-\d+-1001-0612345678\.sln$`},
		{"TOUCH_MIXMONITOR names it, / becomes -", fakeVars{"TOUCH_MIXMONITOR": "sales/call"}, `^auto-\d+-sales-call\.wav$`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.autoMonitorFile(tc.vars, "1001", "0612345678")
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Dir(got) != filepath.Join(must(filepath.Abs(s.opts.DataDir)), "recordings") {
				t.Errorf("%s is not in DATA/recordings", got)
			}
			if !regexp.MustCompile(tc.want).MatchString(filepath.Base(got)) {
				t.Errorf("file %s, want %s", filepath.Base(got), tc.want)
			}
		})
	}
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}

func TestBridgeRegistry(t *testing.T) {
	s := &Switch{}
	a, b, c := &b2bua.Leg{}, &b2bua.Leg{}, &b2bua.Leg{}
	bs1, bs2 := &bridgeSession{sw: s}, &bridgeSession{sw: s}
	s.bridges.add(bs1, a, b)
	s.bridges.add(bs2, c)
	if s.bridgeOf(a) != bs1 || s.bridgeOf(b) != bs1 || s.bridgeOf(c) != bs2 {
		t.Fatal("the registry does not find the sessions of their legs")
	}
	// A transfer puts c in b's place in bs1.
	s.bridges.move(bs1, b, c)
	if s.bridgeOf(b) != nil || s.bridgeOf(c) != bs1 {
		t.Errorf("after the move: b in %p, c in %p; want nil and bs1", s.bridgeOf(b), s.bridgeOf(c))
	}
	s.bridges.move(bs1, a, nil) // a leaves bs1 for good
	if s.bridgeOf(a) != nil {
		t.Error("a leg that left is still registered")
	}
	s.bridges.remove(bs1)
	if s.bridgeOf(c) != nil {
		t.Error("an ended session is still registered")
	}
}
