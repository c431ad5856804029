package pbx

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/obelisk-pbx/obelisk/media/amd"
)

// TestDetectMachine runs AMD over a fake leg sending toneFor of 1 kHz
// (voice from the first frame), then silence, 20 ms a frame, for sendFor
// (then nothing), in a bubble whose clock is the analysis' clock.
func TestDetectMachine(t *testing.T) {
	tests := []struct {
		name             string
		toneFor, sendFor time.Duration
		hangAt           time.Duration
		status           amd.Status
		cause            string
		after            time.Duration // when AMD returns (a frame arrives when it starts: the 20 ms it holds are sent by then)
	}{
		{name: "a short greeting then silence", toneFor: 500 * time.Millisecond, sendFor: 10 * time.Second,
			status: amd.Human, cause: "HUMAN-800-800", after: 1280 * time.Millisecond},
		{name: "a long greeting", toneFor: 3 * time.Second, sendFor: 10 * time.Second,
			status: amd.Machine, cause: "LONGGREETING-1500-1500", after: 1480 * time.Millisecond},
		{name: "silence", sendFor: 10 * time.Second,
			status: amd.Machine, cause: "INITIALSILENCE-2500-2500", after: 2480 * time.Millisecond},
		// The frames stop: each 100 ms without one counts, as app_amd
		// counts ast_waitfor's timeouts.
		{name: "the audio stops", toneFor: 500 * time.Millisecond, sendFor: 600 * time.Millisecond,
			status: amd.NotSure, cause: "TOOLONG-5000", after: 5 * time.Second},
		{name: "no audio at all", status: amd.NotSure, cause: "TOOLONG-5000", after: 5 * time.Second},
		{name: "hang-up", toneFor: 500 * time.Millisecond, sendFor: 10 * time.Second, hangAt: time.Second,
			status: amd.Hangup, cause: "", after: time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				leg := newFakeLeg()
				hungUp := make(chan struct{})
				var wg sync.WaitGroup
				defer wg.Wait()
				if tc.sendFor > 0 {
					wg.Go(func() { leg.send(tc.toneFor, tc.sendFor) })
				}
				if tc.hangAt > 0 {
					wg.Go(func() {
						time.Sleep(tc.hangAt)
						close(hungUp)
					})
				}
				start := time.Now()
				r := detectMachine(context.Background(), leg, hungUp, amd.DefaultConfig())
				if r.Status != tc.status || r.Cause() != tc.cause {
					t.Errorf("AMDSTATUS %s AMDCAUSE %q, want %s %q", r.Status, r.Cause(), tc.status, tc.cause)
				}
				if got := time.Since(start); got != tc.after {
					t.Errorf("decided after %v, want %v", got, tc.after)
				}
				if !leg.removed {
					t.Error("the detector was not removed from the leg")
				}
			})
		})
	}
}

// TestDetectMachineStalled: frames that come too slowly for the
// detector's count to reach total_analysis_time end the analysis on the
// clock (app_amd's amd_tvstart check): TOOLONG with the time counted.
func TestDetectMachineStalled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		leg := newFakeLeg()
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			<-leg.added
			frame := make([]int16, 160)
			for {
				leg.mu.Lock()
				if leg.removed {
					leg.mu.Unlock()
					return
				}
				_ = leg.rec.WriteRx(frame, time.Now())
				leg.mu.Unlock()
				select {
				case <-stop:
					return
				case <-time.After(90 * time.Millisecond): // under MaxWait: no wait is counted
				}
			}
		}()
		cfg := amd.DefaultConfig()
		cfg.InitialSilence = time.Hour
		r := detectMachine(context.Background(), leg, nil, cfg)
		close(stop)
		<-done
		// 56 frames of 20 ms in 5 s.
		if r.Status != amd.NotSure || r.Cause() != "TOOLONG-1120" {
			t.Errorf("stalled frames: %s, want NOTSURE TOOLONG-1120", r)
		}
	})
}

func TestAMDSinkDoesNotAllocate(t *testing.T) {
	s := newAMDSink(amd.DefaultConfig(), time.Now())
	frame := make([]int16, 160)
	at := time.Now()
	allocs := testing.AllocsPerRun(100, func() { _ = s.WriteRx(frame, at) })
	if allocs != 0 {
		t.Errorf("WriteRx allocates %.1f times a frame", allocs)
	}
}

// TestAMDConfigReload: without amd.conf AMD has app_amd's defaults; an
// amd.conf added is read on reload; a broken one is refused with its
// file:line and the one in force stays.
func TestAMDConfigReload(t *testing.T) {
	dir := copyDemo(t)
	sw, err := New(Options{ConfigFS: os.DirFS(dir), ConfigName: dir, DataDir: t.TempDir(), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sw.Close() })
	if got := sw.amdConfig(); got != amd.DefaultConfig() {
		t.Errorf("without amd.conf: %+v, want app_amd's defaults", got)
	}
	conf := filepath.Join(dir, AMDConf)
	if err := os.WriteFile(conf, []byte("[general]\nmaximum_number_of_words = 2\ngreeting = 2000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sw.Reload(); err != nil {
		t.Fatal(err)
	}
	want := amd.DefaultConfig()
	want.MaximumNumberOfWords, want.Greeting = 2, 2*time.Second
	if got := sw.amdConfig(); got != want {
		t.Errorf("after the reload: %+v, want %+v", got, want)
	}
	if err := os.WriteFile(conf, []byte("[general]\ngreeting = long\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	diags, err := sw.Reload()
	if err == nil || !strings.Contains(diags.Error(), "amd.conf:2: greeting") {
		t.Errorf("reload of a broken amd.conf: %v, want the error at amd.conf:2", diags)
	}
	if got := sw.amdConfig(); got != want {
		t.Errorf("after a refused reload: %+v, want the last good %+v", got, want)
	}
}
