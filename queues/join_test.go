package queues

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func check(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("got\n\t%q\nwant\n\t%q", got, want)
	}
}

// The seed's queue: nobody answers in 10 s, the caller leaves with TIMEOUT
// at exactly Queue()'s timeout so the dialplan can offer a callback.
func TestJoinTimeoutSeed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, `[general]
persistentmembers=yes
[en-queue]
strategy=random
timeout=10
retry=2
ringinuse=no
joinempty=unavailable,invalid
leavewhenempty=unavailable,invalid
member => SIP/201,0,Agent EN 1
member => SIP/202,0,Agent EN 2
`, nil)
		c := newCaller("1366720340.1")
		res, err := r.m.Join(t.Context(), c, JoinOptions{Queue: "en-queue", Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != OutcomeTimeout || res.Status != StatusTimeout || !res.StatusSet || res.Hangup {
			t.Fatalf("result %+v", res)
		}
		if d := time.Since(t0); d != 10*time.Second {
			t.Fatalf("left after %v", d)
		}
		rang := r.dialer.ringLog()
		if len(rang) != 1 {
			t.Fatalf("rings %q", rang)
		}
		agent := map[string]string{"SIP/201@0": "Agent EN 1", "SIP/202@0": "Agent EN 2"}[rang[0]]
		check(t, r.lines(), []string{
			line(0, "1366720340.1|en-queue|NONE|ENTERQUEUE||7001|1"),
			line(10, "1366720340.1|en-queue|"+agent+"|RINGNOANSWER|10000"),
			line(10, "1366720340.1|en-queue|NONE|EXITWITHTIMEOUT|1|1|10"),
		})
		if c.vars["QUEUEPOSITION"] != "1" {
			t.Errorf("vars %v", c.vars)
		}
	})
}

// timeout=5, retry=2 inside a 10 s Queue() timeout: A rings 5 s, the
// caller waits 2 s, B rings for the 3 s left.
func TestJoinRetryCycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, `[q]
strategy=rrmemory
timeout=5
retry=2
member => SIP/A
member => SIP/B
`, nil)
		res, _ := r.m.Join(t.Context(), newCaller("c1"), JoinOptions{Queue: "q", Timeout: 10 * time.Second})
		if res.Status != StatusTimeout {
			t.Fatalf("result %+v", res)
		}
		check(t, r.dialer.ringLog(), []string{"SIP/A@0", "SIP/B@7"})
		check(t, r.lines(), []string{
			line(0, "c1|q|NONE|ENTERQUEUE||7001|1"),
			line(5, "c1|q|SIP/A|RINGNOANSWER|5000"),
			line(10, "c1|q|SIP/B|RINGNOANSWER|3000"),
			line(10, "c1|q|NONE|EXITWITHTIMEOUT|1|1|10"),
		})
	})
}

func TestJoinNotJoined(t *testing.T) {
	tests := []struct {
		name  string
		conf  string
		state DeviceState
		first bool // a first caller already waits
		queue string
		want  QueueStatus
		errIs error
	}{
		{"no such queue", "[q]\nmember => SIP/A\n", DeviceNotInUse, false, "nope", StatusUnknown, ErrNoSuchQueue},
		{"joinempty unavailable", "[q]\njoinempty=unavailable,invalid\nmember => SIP/A\n", DeviceUnavailable, false, "q", StatusJoinEmpty, nil},
		{"joinempty no members", "[q]\njoinempty=yes,paused\n", DeviceNotInUse, false, "q", StatusJoinEmpty, nil},
		{"joinempty no", "[q]\njoinempty=no\nmember => SIP/A\n", DeviceInvalid, false, "q", StatusJoinEmpty, nil},
		{"maxlen", "[q]\nmaxlen=1\nmember => SIP/A\n", DeviceInUse, true, "q", StatusFull, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, tc.conf+"ringinuse=no\n", nil)
				r.states.set("SIP/A", tc.state)
				ctx, cancel := context.WithCancel(t.Context())
				var wg sync.WaitGroup
				if tc.first {
					wg.Go(func() { r.m.Join(ctx, newCaller("first"), JoinOptions{Queue: tc.queue}) })
					synctest.Wait()
				}
				res, err := r.m.Join(t.Context(), newCaller("c"), JoinOptions{Queue: tc.queue})
				cancel()
				wg.Wait()
				if !errors.Is(err, tc.errIs) || (tc.errIs == nil && err != nil) {
					t.Fatalf("err %v", err)
				}
				if res.Outcome != OutcomeNotJoined || res.Status != tc.want || !res.StatusSet {
					t.Fatalf("result %+v", res)
				}
			})
		})
	}
}

// A member answers after 4 s and transfers the caller after 30 s: the
// call ends with BLINDTRANSFER or ATTENDEDTRANSFER in place of COMPLETE*,
// their fields before the hold time, call time and position.
func TestJoinTransferLogged(t *testing.T) {
	for _, tc := range []struct {
		ev     Event
		fields []string
		want   string
	}{
		{EventBlindTransfer, []string{"300", "agents"}, "BLINDTRANSFER|300|agents|4|30|1"},
		{EventAttendedTransfer, []string{"BRIDGE", "Local/1002@agents-00000007;1"}, "ATTENDEDTRANSFER|BRIDGE|Local/1002@agents-00000007;1|4|30|1"},
	} {
		t.Run(tc.ev.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, "[q]\nstrategy=ringall\nmember => SIP/A,0,Alice\n", nil)
				r.dialer.set("SIP/A", behaviour{answers: true, answer: 4 * time.Second, talk: 30 * time.Second, by: PartyAgent,
					xfer: tc.ev, xferFields: tc.fields})
				if _, err := r.m.Join(t.Context(), newCaller("c1"), JoinOptions{Queue: "q"}); err != nil {
					t.Fatal(err)
				}
				check(t, r.lines(), []string{
					line(0, "c1|q|NONE|ENTERQUEUE||7001|1"),
					line(4, "c1|q|Alice|CONNECT|4|peer-SIP/A|4"),
					line(34, "c1|q|Alice|"+tc.want),
				})
			})
		})
	}
}

// A member answers after 4 s and hangs up after 30 s of talk.
func TestJoinConnectComplete(t *testing.T) {
	for _, tc := range []struct {
		name      string
		by        Party
		continue_ bool
		event     string
	}{
		{"agent hangs up", PartyAgent, false, "COMPLETEAGENT"},
		{"caller hangs up", PartyCaller, false, "COMPLETECALLER"},
		{"agent hangs up, option c", PartyAgent, true, "COMPLETEAGENT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, `[q]
strategy=ringall
setinterfacevar=yes
servicelevel=20
member => SIP/A,0,Alice
`, nil)
				r.dialer.set("SIP/A", behaviour{answers: true, answer: 4 * time.Second, talk: 30 * time.Second, by: tc.by})
				c := newCaller("c1")
				res, err := r.m.Join(t.Context(), c, JoinOptions{Queue: "q", Continue: tc.continue_})
				if err != nil {
					t.Fatal(err)
				}
				check(t, r.lines(), []string{
					line(0, "c1|q|NONE|ENTERQUEUE||7001|1"),
					line(4, "c1|q|Alice|CONNECT|4|peer-SIP/A|4"),
					line(34, "c1|q|Alice|"+tc.event+"|4|30|1"),
				})
				if res.Outcome != OutcomeAnswered || res.Member.Interface != "SIP/A" || res.TalkTime != 30*time.Second {
					t.Fatalf("result %+v", res)
				}
				if tc.continue_ != res.StatusSet || tc.continue_ == res.Hangup || tc.continue_ && res.Status != StatusContinue {
					t.Fatalf("status %+v", res)
				}
				if c.vars["MEMBERINTERFACE"] != "SIP/A" || c.vars["MEMBERNAME"] != "Alice" || c.vars["MEMBERCALLS"] != "0" {
					t.Fatalf("vars %v", c.vars)
				}
				ms, _ := r.m.Members("q")
				if ms[0].Calls != 1 || !ms[0].LastCall.Equal(t0.Add(34*time.Second)) || ms[0].InCall {
					t.Fatalf("member after call %+v", ms[0])
				}
			})
		})
	}
}

// A key of the queue's context takes the caller out (EXITWITHKEY), while
// waiting between attempts; a key that leads nowhere does not.
func TestJoinExitWithKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, "[q]\ncontext=qexit\ntimeout=2\nretry=10\nmember => SIP/A\n", nil)
		c := newCaller("c1")
		done := make(chan Result)
		go func() {
			res, _ := r.m.Join(t.Context(), c, JoinOptions{Queue: "q", Dialplan: fakeDialplan{"qexit,5": true}})
			done <- res
		}()
		time.Sleep(3 * time.Second)
		c.digits <- '9'
		synctest.Wait()
		time.Sleep(time.Second)
		c.digits <- '5'
		res := <-done
		if res.Outcome != OutcomeExitKey || res.ExitContext != "qexit" || res.ExitExten != "5" || res.StatusSet || res.Hangup {
			t.Fatalf("result %+v", res)
		}
		lines := r.lines()
		if got := lines[len(lines)-1]; got != line(4, "c1|q|NONE|EXITWITHKEY|5|1|1|4") {
			t.Fatalf("last line %q", got)
		}
	})
}

// The caller hangs up while a member rings: ABANDON.
func TestJoinAbandon(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, "[q]\ntimeout=20\nmember => SIP/A\n", nil)
		ctx, cancel := context.WithTimeout(t.Context(), 7*time.Second)
		defer cancel()
		res, _ := r.m.Join(ctx, newCaller("c1"), JoinOptions{Queue: "q"})
		if res.Outcome != OutcomeAbandon || !res.Hangup || res.StatusSet {
			t.Fatalf("result %+v", res)
		}
		check(t, r.lines(), []string{
			line(0, "c1|q|NONE|ENTERQUEUE||7001|1"),
			line(7, "c1|q|NONE|ABANDON|1|1|7"),
		})
	})
}

// leavewhenempty: the only member logs out while the caller waits.
func TestJoinLeaveEmpty(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, "[q]\nleavewhenempty=unavailable\ntimeout=3\nretry=2\nmember => SIP/A\n", nil)
		done := make(chan Result)
		go func() {
			res, _ := r.m.Join(t.Context(), newCaller("c1"), JoinOptions{Queue: "q"})
			done <- res
		}()
		time.Sleep(time.Second)
		r.states.set("SIP/A", DeviceUnavailable)
		res := <-done
		if res.Status != StatusLeaveEmpty || res.Outcome != OutcomeLeaveEmpty {
			t.Fatalf("result %+v", res)
		}
		check(t, r.lines(), []string{
			line(0, "c1|q|NONE|ENTERQUEUE||7001|1"),
			line(3, "c1|q|SIP/A|RINGNOANSWER|3000"),
			line(3, "c1|q|NONE|EXITEMPTY|1|1|3"),
		})
	})
}

// Busy members: ringinuse=no keeps an in-use agent from ringing, so the
// caller waits in the holding pen; the position is announced every
// announce-frequency and the periodic announcement every
// periodic-announce-frequency.
func TestJoinAnnouncements(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, `[q]
ringinuse=no
announce-frequency=20
announce-holdtime=no
periodic-announce=sorry-wait
periodic-announce-frequency=25
member => SIP/A
`, nil)
		r.states.set("SIP/A", DeviceInUse)
		c1, c2 := newCaller("c1"), newCaller("c2")
		ctx, cancel := context.WithTimeout(t.Context(), 52*time.Second)
		defer cancel()
		var wg sync.WaitGroup
		wg.Go(func() { r.m.Join(ctx, c1, JoinOptions{Queue: "q"}) })
		synctest.Wait()
		wg.Go(func() { r.m.Join(ctx, c2, JoinOptions{Queue: "q"}) })
		wg.Wait()
		check(t, c1.sounds(), []string{
			"play:queue-youarenext@0", "play:queue-thankyou@0",
			"play:queue-youarenext@20", "play:queue-thankyou@20",
			"play:sorry-wait@25",
			"play:queue-youarenext@40", "play:queue-thankyou@40",
			"play:sorry-wait@50",
		})
		check(t, c2.sounds()[:5], []string{
			"play:queue-thereare@0", "say:2@0", "play:queue-callswaiting@0", "play:queue-thankyou@0",
			"play:queue-thereare@20",
		})
		if got := r.dialer.ringLog(); len(got) != 0 {
			t.Fatalf("an in-use member with ringinuse=no rang: %q", got)
		}
	})
}

// The estimated hold time: after a call that waited 200 s the average is
// 50 s, so a new caller hears "1 minute" (50+30 s rounded down).
func TestJoinHoldTimeAnnouncement(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, "[q]\nringinuse=no\nannounce-frequency=30\nannounce-position=no\nmember => SIP/A\n", nil)
		r.dialer.set("SIP/A", behaviour{answers: true})
		r.states.set("SIP/A", DeviceInUse)
		var wg sync.WaitGroup
		wg.Go(func() { r.m.Join(t.Context(), newCaller("first"), JoinOptions{Queue: "q"}) })
		time.Sleep(199*time.Second + 500*time.Millisecond) // seen at the 200 s recheck
		r.states.set("SIP/A", DeviceNotInUse)
		wg.Wait()
		r.states.set("SIP/A", DeviceInUse)
		c := newCaller("second")
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		r.m.Join(ctx, c, JoinOptions{Queue: "q"})
		check(t, c.sounds(), []string{"play:queue-holdtime@200", "say:1@200", "play:queue-minute@200", "play:queue-thankyou@200"})
	})
}

// autofill=yes lets as many callers ring as there are free members;
// autofill=no only the head caller. QUEUE_PRIO puts a caller in front.
func TestJoinAutofillAndPriority(t *testing.T) {
	for _, tc := range []struct {
		autofill string
		want     []string
	}{
		{"yes", []string{"SIP/A@0", "SIP/B@0"}},
		{"no", []string{"SIP/A@0", "SIP/B@5"}},
	} {
		t.Run("autofill="+tc.autofill, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, "[q]\nstrategy=linear\nautofill="+tc.autofill+"\nringinuse=no\nmember => SIP/A\nmember => SIP/B\n", nil)
				r.dialer.states = r.states
				r.answerAll(20*time.Second, "SIP/A", "SIP/B")
				r.dialer.set("SIP/A", behaviour{answers: true, answer: 4500 * time.Millisecond, talk: 20 * time.Second})
				var wg sync.WaitGroup
				wg.Go(func() { r.m.Join(t.Context(), newCaller("c1"), JoinOptions{Queue: "q"}) })
				synctest.Wait()
				wg.Go(func() { r.m.Join(t.Context(), newCaller("c2"), JoinOptions{Queue: "q"}) })
				wg.Wait()
				check(t, r.dialer.sortedRings()[:2], tc.want)
			})
		})
	}
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, "[q]\nringinuse=no\nmember => SIP/A\n", nil)
		r.states.set("SIP/A", DeviceInUse)
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		var wg sync.WaitGroup
		for i, prio := range []int{0, 0, 5} {
			wg.Go(func() { r.m.Join(ctx, newCaller(string(rune('a'+i))), JoinOptions{Queue: "q", Prio: prio}) })
			synctest.Wait()
		}
		wg.Wait()
		check(t, r.lines()[:3], []string{
			line(0, "a|q|NONE|ENTERQUEUE||7001|1"),
			line(0, "b|q|NONE|ENTERQUEUE||7001|2"),
			line(0, "c|q|NONE|ENTERQUEUE||7001|1"),
		})
	})
}

// Option n: one round of ringing, then TIMEOUT without waiting retry.
func TestJoinNoRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, "[q]\nstrategy=ringall\ntimeout=4\nmember => SIP/A\nmember => SIP/B\n", nil)
		res, _ := r.m.Join(t.Context(), newCaller("c"), JoinOptions{Queue: "q", NoRetry: true})
		if res.Status != StatusTimeout || time.Since(t0) != 4*time.Second {
			t.Fatalf("result %+v after %v", res, time.Since(t0))
		}
	})
}
