package queues

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// answerAll makes every listed member answer at once and talk for talk.
func (r *rig) answerAll(talk time.Duration, ifaces ...string) {
	for _, i := range ifaces {
		r.dialer.set(i, behaviour{answers: true, talk: talk, by: PartyAgent})
	}
}

// serve runs n callers one after the other and returns the member who
// answered each.
func (r *rig) serve(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	for i := range n {
		res, err := r.m.Join(t.Context(), newCaller(fmt.Sprint("c", i)), JoinOptions{Queue: "q"})
		if err != nil || res.Outcome != OutcomeAnswered {
			t.Fatalf("call %d: %+v %v", i, res, err)
		}
		out = append(out, strings.TrimPrefix(res.Member.Interface, "SIP/"))
	}
	return out
}

func TestStrategyOrder(t *testing.T) {
	tests := []struct {
		name  string
		conf  string
		talk  time.Duration
		calls int
		want  string
	}{
		{"rrmemory remembers", "strategy=rrmemory\nmember => SIP/A\nmember => SIP/B\nmember => SIP/C\n", 0, 7, "ABCABCA"},
		{"rrordered", "strategy=rrordered\nmember => SIP/A\nmember => SIP/B\nmember => SIP/C\n", 0, 4, "ABCA"},
		{"linear starts at the first", "strategy=linear\nmember => SIP/A\nmember => SIP/B\n", 0, 3, "AAA"},
		{"fewestcalls", "strategy=fewestcalls\nmember => SIP/A\nmember => SIP/B\nmember => SIP/C\n", time.Second, 6, "ABCABC"},
		{"leastrecent", "strategy=leastrecent\nmember => SIP/A\nmember => SIP/B\nmember => SIP/C\n", 10 * time.Second, 6, "ABCABC"},
		{"penalty tiers first", "strategy=rrmemory\nmember => SIP/A,1\nmember => SIP/B\nmember => SIP/C\n", 0, 4, "BCBC"},
		{"penaltymemberslimit ignores penalties", "strategy=rrmemory\npenaltymemberslimit=3\nmember => SIP/A,1\nmember => SIP/B\nmember => SIP/C\n", 0, 3, "ABC"},
		{"fewestcalls by penalty", "strategy=fewestcalls\nmember => SIP/A,2\nmember => SIP/B,1\n", 0, 2, "BB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, "[q]\n"+tc.conf, nil)
				r.answerAll(tc.talk, "SIP/A", "SIP/B", "SIP/C")
				if got := strings.Join(r.serve(t, tc.calls), ""); got != tc.want {
					t.Fatalf("order %s, want %s", got, tc.want)
				}
			})
		})
	}
}

// linear goes on from the next member for the same caller after a
// timeout; rrmemory after a member who did not answer.
func TestStrategyAfterNoAnswer(t *testing.T) {
	for _, tc := range []struct{ strategy, want string }{
		{"linear", "SIP/A@0 SIP/B@3 SIP/A@6"},
		{"rrmemory", "SIP/A@0 SIP/B@3 SIP/A@6"},
		{"ringall", "SIP/A@0 SIP/B@0 SIP/A@3 SIP/B@3 SIP/A@6 SIP/B@6"},
	} {
		t.Run(tc.strategy, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, "[q]\nstrategy="+tc.strategy+"\ntimeout=2\nretry=1\nmember => SIP/A\nmember => SIP/B\n", nil)
				r.m.Join(t.Context(), newCaller("c"), JoinOptions{Queue: "q", Timeout: 8 * time.Second})
				if got := strings.Join(r.dialer.sortedRings(), " "); got != tc.want {
					t.Fatalf("rings %s, want %s", got, tc.want)
				}
			})
		})
	}
}

// random picks uniformly within the lowest penalty; wrandom weighs the
// draw by penalty: metric rand%((1+penalty)*1000), so a penalty-1 member
// beats a penalty-0 one a quarter of the time.
func TestStrategyRandomDistribution(t *testing.T) {
	tests := []struct {
		name string
		conf string
		want map[string]float64
	}{
		{"random", "strategy=random\nmember => SIP/A\nmember => SIP/B\nmember => SIP/C\nmember => SIP/D,1\n",
			map[string]float64{"A": 1.0 / 3, "B": 1.0 / 3, "C": 1.0 / 3}},
		{"wrandom", "strategy=wrandom\nmember => SIP/A\nmember => SIP/B,1\n",
			map[string]float64{"A": 0.75, "B": 0.25}},
	}
	const n = 3000
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, "[q]\n"+tc.conf, nil)
				r.answerAll(0, "SIP/A", "SIP/B", "SIP/C", "SIP/D")
				count := map[string]int{}
				for _, who := range r.serve(t, n) {
					count[who]++
				}
				for who, p := range tc.want {
					got := float64(count[who]) / n
					if got < p-0.03 || got > p+0.03 {
						t.Errorf("%s chosen %.3f of the time, want %.3f±0.03 (%v)", who, got, p, count)
					}
				}
				if count["D"] != 0 {
					t.Errorf("penalty-1 member chosen %d times by random", count["D"])
				}
			})
		})
	}
}

// ringall rings the whole lowest penalty level at once and the next level
// only when that one is done.
func TestRingAllPenaltyLevels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, "[q]\nstrategy=ringall\ntimeout=5\nmember => SIP/A\nmember => SIP/B\nmember => SIP/C,1\n", nil)
		r.dialer.set("SIP/A", behaviour{err: ErrMemberBusy, errAfter: time.Second})
		r.dialer.set("SIP/B", behaviour{err: ErrMemberBusy, errAfter: 2 * time.Second})
		r.dialer.set("SIP/C", behaviour{answers: true, answer: time.Second})
		res, _ := r.m.Join(t.Context(), newCaller("c"), JoinOptions{Queue: "q"})
		if res.Member == nil || res.Member.Interface != "SIP/C" {
			t.Fatalf("result %+v", res)
		}
		check(t, r.dialer.sortedRings(), []string{"SIP/A@0", "SIP/B@0", "SIP/C@2"})
		check(t, r.lines()[1:], []string{
			line(1, "c|q|SIP/A|RINGNOANSWER|1000"),
			line(2, "c|q|SIP/B|RINGNOANSWER|2000"),
			line(3, "c|q|SIP/C|CONNECT|3|peer-SIP/C|3"),
			line(3, "c|q|SIP/C|COMPLETEAGENT|3|0|1"),
		})
	})
}

// Members that cannot take a call are skipped: paused, in use with
// ringinuse=no (per member too), unavailable with ringinuse=no, in wrapup.
func TestSkippedMembers(t *testing.T) {
	tests := []struct {
		name  string
		conf  string
		setup func(r *rig)
		want  string
	}{
		{"paused", "ringinuse=yes\nmember => SIP/A\nmember => SIP/B\n", func(r *rig) { r.m.PauseMember("q", "SIP/A", "lunch") }, "B"},
		{"inuse with ringinuse=no", "ringinuse=no\nmember => SIP/A\nmember => SIP/B\n", func(r *rig) { r.states.set("SIP/A", DeviceInUse) }, "B"},
		{"inuse with ringinuse=yes", "ringinuse=yes\nmember => SIP/A\nmember => SIP/B\n", func(r *rig) { r.states.set("SIP/A", DeviceInUse) }, "A"},
		{"member line ringinuse=no", "ringinuse=yes\nmember => SIP/A,0,A,SIP/A,no\nmember => SIP/B\n", func(r *rig) { r.states.set("SIP/A", DeviceRinging) }, "B"},
		{"busy device", "ringinuse=no\nmember => SIP/A\nmember => SIP/B\n", func(r *rig) { r.states.set("SIP/A", DeviceBusy) }, "B"},
		{"state interface", "ringinuse=no\nmember => SIP/A,0,A,SIP/desk-A\nmember => SIP/B\n", func(r *rig) { r.states.set("SIP/desk-A", DeviceInUse) }, "B"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, "[q]\nstrategy=linear\n"+tc.conf, nil)
				r.answerAll(0, "SIP/A", "SIP/B")
				tc.setup(r)
				if got := strings.Join(r.serve(t, 1), ""); got != tc.want {
					t.Fatalf("answered by %s, want %s", got, tc.want)
				}
			})
		})
	}
}

// wrapuptime: the member rests after a call before the next caller rings
// it; the caller waits meanwhile.
func TestWrapupTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, "[q]\nwrapuptime=5\nmember => SIP/A\n", nil)
		r.answerAll(10*time.Second, "SIP/A")
		r.serve(t, 2)
		check(t, r.dialer.ringLog(), []string{"SIP/A@0", "SIP/A@15"})
	})
}

// autopause=yes pauses a member who does not answer, in this queue only;
// autopause=all in every queue; a busy member only with autopausebusy.
func TestAutoPause(t *testing.T) {
	tests := []struct {
		name   string
		conf   string
		b      behaviour
		paused map[string]bool
		tail   []string
	}{
		{"yes", "autopause=yes\n", behaviour{}, map[string]bool{"q": true, "other": false},
			[]string{line(2, "c|q|SIP/A|RINGNOANSWER|2000"), line(2, "NONE|q|SIP/A|PAUSE|Auto-Pause")}},
		{"all", "autopause=all\n", behaviour{}, map[string]bool{"q": true, "other": true},
			[]string{line(2, "c|q|SIP/A|RINGNOANSWER|2000"), line(2, "NONE|NONE|SIP/A|PAUSEALL|"),
				line(2, "NONE|other|SIP/A|PAUSE|Auto-Pause"), line(2, "NONE|q|SIP/A|PAUSE|Auto-Pause")}},
		{"busy without autopausebusy", "autopause=yes\n", behaviour{err: ErrMemberBusy, errAfter: time.Second},
			map[string]bool{"q": false}, []string{line(1, "c|q|SIP/A|RINGNOANSWER|1000")}},
		{"busy with autopausebusy", "autopause=yes\nautopausebusy=yes\n", behaviour{err: ErrMemberBusy, errAfter: time.Second},
			map[string]bool{"q": true}, []string{line(1, "c|q|SIP/A|RINGNOANSWER|1000"), line(1, "NONE|q|SIP/A|PAUSE|Auto-Pause")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, "[q]\ntimeout=2\n"+tc.conf+"member => SIP/A\n[other]\nmember => SIP/A\n", nil)
				r.dialer.set("SIP/A", tc.b)
				r.m.Join(t.Context(), newCaller("c"), JoinOptions{Queue: "q", Timeout: 2 * time.Second})
				lines := r.lines()
				check(t, lines[1:len(lines)-1], tc.tail)
				for q, want := range tc.paused {
					ms, _ := r.m.Members(q)
					if ms[0].Paused != want {
						t.Errorf("%s: paused %v, want %v", q, ms[0].Paused, want)
					}
				}
			})
		})
	}
}

// timeoutpriority=conf lets a started attempt ring its full timeout past
// Queue()'s.
func TestTimeoutPriorityConf(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, "[q]\ntimeout=8\ntimeoutpriority=conf\nmember => SIP/A\n", nil)
		r.m.Join(t.Context(), newCaller("c"), JoinOptions{Queue: "q", Timeout: 5 * time.Second})
		check(t, r.lines()[1:], []string{
			line(8, "c|q|SIP/A|RINGNOANSWER|8000"),
			line(8, "c|q|NONE|EXITWITHTIMEOUT|1|1|8"),
		})
	})
}

// timeoutrestart gives the next member a full timeout after a busy one.
func TestTimeoutRestart(t *testing.T) {
	for _, tc := range []struct {
		restart string
		want    []string
	}{
		{"no", []string{line(1, "c|q|SIP/A|RINGNOANSWER|1000"), line(5, "c|q|SIP/B|RINGNOANSWER|5000")}},
		{"yes", []string{line(1, "c|q|SIP/A|RINGNOANSWER|1000"), line(6, "c|q|SIP/B|RINGNOANSWER|5000")}},
	} {
		t.Run(tc.restart, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, "[q]\nstrategy=linear\ntimeout=5\ntimeoutrestart="+tc.restart+"\nmember => SIP/A\nmember => SIP/B\n", nil)
				r.dialer.set("SIP/A", behaviour{err: ErrMemberBusy, errAfter: time.Second})
				r.m.Join(t.Context(), newCaller("c"), JoinOptions{Queue: "q", NoRetry: true})
				lines := r.lines()
				check(t, lines[1:3], tc.want)
			})
		})
	}
}
