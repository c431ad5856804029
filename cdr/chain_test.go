package cdr

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// t0 is the start of every scenario; ts(s) is s seconds later.
var t0 = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

func ts(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

var caller = Party{Channel: "SIP/pstn-00000001", UniqueID: "1741082400.1", LinkedID: "1741082400.1",
	CallerNum: "0612345678", CallerName: "Client"}

func newTestChain(cfg General) *Chain {
	return NewChain(caller, cfg, &Sequence{}, "from-pstn", "0777", t0)
}

// brief is a record as the tests compare it.
func brief(r Record) string {
	ans := "-"
	if !r.Answer.IsZero() {
		ans = fmt.Sprint(r.Answer.Sub(t0).Seconds())
	}
	return fmt.Sprintf("%s>%s %s/%s %s(%s) start=%v answer=%s end=%v dur=%d bill=%d %s seq=%d",
		r.Channel, r.DstChannel, r.DContext, r.Dst, r.LastApp, r.LastData, r.Start.Sub(t0).Seconds(), ans,
		r.End.Sub(t0).Seconds(), r.Duration/time.Second, r.BillSec/time.Second, r.Disposition, r.Sequence)
}

func checkRecords(t *testing.T, got []Record, want ...string) {
	t.Helper()
	var lines []string
	for _, r := range got {
		lines = append(lines, brief(r))
		if r.UniqueID != caller.UniqueID || r.LinkedID != caller.LinkedID || r.Src != caller.CallerNum || r.CLID != `"Client" <0612345678>` {
			t.Errorf("record %s: uniqueid %q linkedid %q src %q clid %q", brief(r), r.UniqueID, r.LinkedID, r.Src, r.CLID)
		}
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("records:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// TestChainQueue follows cdr.c through the queue calls of a call centre:
// every member rung has a record of its own (app_queue publishes a dial
// for each), the one who answered bills from the caller's answer when
// the caller waited unanswered, from the record's start when the dialplan
// had answered already; a queue left without a member rung is one
// ANSWERED record without dstchannel.
func TestChainQueue(t *testing.T) {
	tests := []struct {
		name string
		run  func(c *Chain)
		want []string
	}{
		{"ringall, the caller answered when the second member answers", func(c *Chain) {
			c.App("Queue", "support,,,,30", "from-pstn", "0777", 1, ts(0.1))
			c.DialBegin("SIP/1001-00000002", "", ts(0.2))
			c.DialBegin("SIP/1002-00000003", "", ts(0.2))
			c.PeerGone("SIP/1001-00000002", ts(3.4)) // hangupcalls: CANCEL
			c.Answer(ts(3.45))                       // the caller is answered for the bridge
			c.BridgeEnter("SIP/1002-00000003", "", ts(3.5))
			c.BridgeLeave(ts(13.6))
			c.Hangup(16, ts(13.7))
		}, []string{
			"SIP/pstn-00000001>SIP/1001-00000002 from-pstn/0777 Queue(support,,,,30) start=0 answer=- end=3.4 dur=3 bill=0 NO ANSWER seq=0",
			"SIP/pstn-00000001>SIP/1002-00000003 from-pstn/0777 Queue(support,,,,30) start=0.2 answer=3.45 end=13.6 dur=13 bill=10 ANSWERED seq=1",
		}},
		{"ringall after Answer(): the second member's record bills from its dial", func(c *Chain) {
			c.App("Answer", "", "from-pstn", "0777", 1, ts(0))
			c.Answer(ts(0.1))
			c.App("Queue", "support", "from-pstn", "0777", 2, ts(1))
			c.DialBegin("SIP/1001-00000002", "", ts(1))
			c.DialBegin("SIP/1002-00000003", "", ts(1))
			c.PeerGone("SIP/1001-00000002", ts(4))
			c.BridgeEnter("SIP/1002-00000003", "", ts(4))
			c.BridgeLeave(ts(20))
			c.Hangup(16, ts(20))
		}, []string{
			"SIP/pstn-00000001>SIP/1001-00000002 from-pstn/0777 Queue(support) start=0 answer=0.1 end=4 dur=4 bill=3 NO ANSWER seq=0",
			"SIP/pstn-00000001>SIP/1002-00000003 from-pstn/0777 Queue(support) start=1 answer=1 end=20 dur=19 bill=19 ANSWERED seq=1",
		}},
		{"the first member dialled answers after Answer(): billed from the answer", func(c *Chain) {
			c.App("Answer", "", "from-pstn", "0777", 1, ts(0))
			c.Answer(ts(0.1))
			c.App("Queue", "support", "from-pstn", "0777", 2, ts(1))
			c.DialBegin("SIP/1001-00000002", "", ts(1))
			c.BridgeEnter("SIP/1001-00000002", "", ts(3))
			c.Hangup(16, ts(9))
		}, []string{
			"SIP/pstn-00000001>SIP/1001-00000002 from-pstn/0777 Queue(support) start=0 answer=0.1 end=9 dur=9 bill=8 ANSWERED seq=0",
		}},
		{"timeout with nobody rung: one record, no dstchannel", func(c *Chain) {
			c.App("Answer", "", "from-pstn", "0777", 1, ts(0))
			c.Answer(ts(0))
			c.App("Queue", "support,,,,10", "from-pstn", "0777", 2, ts(0.5))
			c.App("Playback", "callback-offer", "from-pstn", "0777", 3, ts(10.5))
			c.Hangup(16, ts(14))
		}, []string{
			"SIP/pstn-00000001> from-pstn/0777 Playback(callback-offer) start=0 answer=0 end=14 dur=14 bill=14 ANSWERED seq=0",
		}},
		{"timeout after a member rang twice: its attempts, then the dialplan's record", func(c *Chain) {
			c.App("Answer", "", "from-pstn", "0777", 1, ts(0))
			c.Answer(ts(0))
			c.App("Queue", "support,,,,12", "from-pstn", "0777", 2, ts(0.5))
			c.DialBegin("SIP/1001-00000002", "", ts(0.5))
			c.DialEnd("SIP/1001-00000002", "NOANSWER", ts(5.5))
			c.DialBegin("SIP/1001-00000003", "", ts(6.5))
			c.DialEnd("SIP/1001-00000003", "CANCEL", ts(11.5))
			c.App("Playback", "callback-offer", "from-pstn", "0777", 3, ts(12.5))
			c.Hangup(16, ts(15))
		}, []string{
			"SIP/pstn-00000001>SIP/1001-00000002 from-pstn/0777 Queue(support,,,,12) start=0 answer=0 end=5.5 dur=5 bill=5 NO ANSWER seq=0",
			"SIP/pstn-00000001>SIP/1001-00000003 from-pstn/0777 Queue(support,,,,12) start=6.5 answer=6.5 end=11.5 dur=5 bill=5 NO ANSWER seq=1",
			"SIP/pstn-00000001> from-pstn/0777 Playback(callback-offer) start=12.5 answer=12.5 end=15 dur=2 bill=2 ANSWERED seq=2",
		}},
		{"a busy member is BUSY, a congested one FAILED", func(c *Chain) {
			c.App("Queue", "support", "from-pstn", "0777", 1, ts(0))
			c.DialBegin("SIP/1001-00000002", "", ts(0))
			c.DialBegin("SIP/1002-00000003", "", ts(0))
			c.DialEnd("SIP/1001-00000002", "BUSY", ts(0.5))
			c.DialEnd("SIP/1002-00000003", "CONGESTION", ts(0.6))
			c.Hangup(16, ts(3))
		}, []string{
			"SIP/pstn-00000001>SIP/1001-00000002 from-pstn/0777 Queue(support) start=0 answer=- end=0.5 dur=0 bill=0 BUSY seq=0",
			"SIP/pstn-00000001>SIP/1002-00000003 from-pstn/0777 Queue(support) start=0 answer=- end=0.6 dur=0 bill=0 FAILED seq=1",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestChain(DefaultGeneral)
			tc.run(c)
			checkRecords(t, c.Close(16, ts(30)), tc.want...)
		})
	}
}

// TestChainDial: Dial locks lastapp (a U() routine or a later Set does not
// show), each target of Dial(a&b) has its record, and Dial(g) going on in
// the dialplan after the bridge opens a new record.
func TestChainDial(t *testing.T) {
	c := newTestChain(DefaultGeneral)
	c.App("Dial", "SIP/1001&SIP/1002,20,g", "from-pstn", "0777", 1, ts(0))
	c.DialBegin("SIP/1001-00000002", "", ts(0))
	c.DialBegin("SIP/1002-00000003", "", ts(0))
	c.Answer(ts(2))
	c.PeerGone("SIP/1002-00000003", ts(2))
	c.BridgeEnter("SIP/1001-00000002", "", ts(2))
	c.PeerGone("SIP/1001-00000002", ts(12))
	c.App("Playback", "thanks", "from-pstn", "0777", 2, ts(12.2))
	c.App("Hangup", "", "from-pstn", "0777", 3, ts(14))
	c.Hangup(16, ts(14))
	checkRecords(t, c.Close(16, ts(14)),
		"SIP/pstn-00000001>SIP/1001-00000002 from-pstn/0777 Dial(SIP/1001&SIP/1002,20,g) start=0 answer=2 end=12 dur=12 bill=10 ANSWERED seq=0",
		"SIP/pstn-00000001>SIP/1002-00000003 from-pstn/0777 Dial(SIP/1001&SIP/1002,20,g) start=0 answer=2 end=2 dur=2 bill=0 NO ANSWER seq=1",
		"SIP/pstn-00000001> from-pstn/0777 Hangup() start=12.2 answer=12.2 end=14 dur=1 bill=1 ANSWERED seq=2",
	)
}

// TestChainTransfer: a blind transfer changes the caller's bridge partner;
// the part with each partner is a record of its own, all with the call's
// uniqueid and linkedid, each billed for its own part.
func TestChainTransfer(t *testing.T) {
	t.Run("partner replaced in the bridge", func(t *testing.T) {
		c := newTestChain(DefaultGeneral)
		c.App("Queue", "support", "from-pstn", "0777", 1, ts(0))
		c.DialBegin("SIP/1001-00000002", "", ts(0))
		c.Answer(ts(2))
		c.BridgeEnter("SIP/1001-00000002", "", ts(2))
		c.Transfer("SIP/1002-00000005", "", ts(32))
		c.Hangup(16, ts(92.5))
		checkRecords(t, c.Close(16, ts(93)),
			"SIP/pstn-00000001>SIP/1001-00000002 from-pstn/0777 Queue(support) start=0 answer=2 end=32 dur=32 bill=30 ANSWERED seq=0",
			"SIP/pstn-00000001>SIP/1002-00000005 from-pstn/0777 Queue(support) start=32 answer=32 end=92.5 dur=60 bill=60 ANSWERED seq=1",
		)
	})
	t.Run("Partner: the same partner again changes nothing, another one is a transfer", func(t *testing.T) {
		c := newTestChain(DefaultGeneral)
		c.App("Queue", "support", "from-pstn", "0777", 1, ts(0))
		c.DialBegin("SIP/1001-00000002", "", ts(0))
		c.Answer(ts(2))
		c.Partner("SIP/1001-00000002", "", ts(2))
		c.Partner("SIP/1001-00000002", "", ts(12)) // back from a hold
		c.Partner("SIP/1002-00000005", "", ts(32)) // attended transfer completed
		c.Hangup(16, ts(92.5))
		checkRecords(t, c.Close(16, ts(93)),
			"SIP/pstn-00000001>SIP/1001-00000002 from-pstn/0777 Queue(support) start=0 answer=2 end=32 dur=32 bill=30 ANSWERED seq=0",
			"SIP/pstn-00000001>SIP/1002-00000005 from-pstn/0777 Queue(support) start=32 answer=32 end=92.5 dur=60 bill=60 ANSWERED seq=1",
		)
	})
	t.Run("caller sent to an extension that dials the target", func(t *testing.T) {
		c := newTestChain(DefaultGeneral)
		c.App("Dial", "SIP/1001,,t", "from-pstn", "0777", 1, ts(0))
		c.DialBegin("SIP/1001-00000002", "", ts(0))
		c.Answer(ts(1))
		c.BridgeEnter("SIP/1001-00000002", "", ts(1))
		c.Transfer("", "", ts(11))
		c.App("Dial", "SIP/1002,20", "staff", "1002", 1, ts(11.1))
		c.DialBegin("SIP/1002-00000004", "", ts(11.1))
		c.BridgeEnter("SIP/1002-00000004", "", ts(14))
		c.Hangup(16, ts(44))
		checkRecords(t, c.Close(16, ts(44)),
			"SIP/pstn-00000001>SIP/1001-00000002 from-pstn/0777 Dial(SIP/1001,,t) start=0 answer=1 end=11 dur=11 bill=10 ANSWERED seq=0",
			"SIP/pstn-00000001>SIP/1002-00000004 staff/1002 Dial(SIP/1002,20) start=11.1 answer=11.1 end=44 dur=32 bill=32 ANSWERED seq=1",
		)
	})
}

// TestChainOriginated: a call file's channel is its own party A; its record
// starts when the dialplan starts (answered just before), and an
// unanswered attempt has no party B, so only unanswered=yes writes it.
func TestChainOriginated(t *testing.T) {
	cf := Party{Channel: "SIP/7001-00000009", UniqueID: "1741082400.9", CallerNum: "0777", CallerName: "Call centre", AccountCode: "survey"}
	t.Run("answered", func(t *testing.T) {
		c := NewChain(cf, DefaultGeneral, nil, "survey", "s", t0)
		c.Originated(t0)
		c.Answer(ts(4.2))
		c.DialEnd("", "ANSWER", ts(4.2))
		c.App("Answer", "", "survey", "s", 1, ts(4.3))
		c.App("Playback", "survey-intro", "survey", "s", 2, ts(4.3))
		c.App("Hangup", "16", "survey", "s", 3, ts(20))
		c.Hangup(16, ts(20))
		recs := c.Close(16, ts(20))
		if len(recs) != 1 {
			t.Fatalf("%d records", len(recs))
		}
		r := recs[0]
		if got := brief(r); got != "SIP/7001-00000009> survey/s Hangup(16) start=4.3 answer=4.2 end=20 dur=15 bill=15 ANSWERED seq=0" {
			t.Errorf("record %s", got)
		}
		if r.AccountCode != "survey" || r.CLID != `"Call centre" <0777>` || r.Src != "0777" || r.LinkedID != "" {
			t.Errorf("accountcode %q clid %q src %q linkedid %q", r.AccountCode, r.CLID, r.Src, r.LinkedID)
		}
	})
	for _, unanswered := range []bool{false, true} {
		t.Run(fmt.Sprintf("no answer, unanswered=%v", unanswered), func(t *testing.T) {
			c := NewChain(cf, General{Enable: true, EndBeforeHExten: true, Unanswered: unanswered}, nil, "survey", "s", t0)
			c.Originated(t0)
			c.DialEnd("", "NOANSWER", ts(45))
			recs := c.Close(0, ts(45))
			if !unanswered {
				if len(recs) != 0 {
					t.Errorf("unanswered=no wrote %v", recs)
				}
				return
			}
			if len(recs) != 1 || brief(recs[0]) != "SIP/7001-00000009> survey/s AppDial2((Outgoing Line)) start=0 answer=- end=45 dur=45 bill=0 NO ANSWER seq=0" {
				t.Errorf("records %v", recs)
			}
		})
	}
}

// TestChainOptions: cdr.conf's enable, unanswered, congestion,
// endbeforehexten and initiatedseconds.
func TestChainOptions(t *testing.T) {
	unansweredCall := func(c *Chain) []Record {
		c.App("Playback", "closed", "from-pstn", "0777", 1, ts(0))
		c.Hangup(16, ts(5))
		return c.Close(16, ts(5))
	}
	if recs := unansweredCall(newTestChain(DefaultGeneral)); len(recs) != 0 {
		t.Errorf("unanswered=no: %v", recs)
	}
	recs := unansweredCall(newTestChain(General{Enable: true, Unanswered: true, EndBeforeHExten: true}))
	checkRecords(t, recs, "SIP/pstn-00000001> from-pstn/0777 Playback(closed) start=0 answer=- end=5 dur=5 bill=0 NO ANSWER seq=0")

	congested := func(cfg General) []Record {
		c := newTestChain(cfg)
		c.App("Dial", "SIP/trunk/123", "from-pstn", "0777", 1, ts(0))
		c.DialBegin("SIP/trunk-00000002", "", ts(0))
		c.DialEnd("SIP/trunk-00000002", "CONGESTION", ts(1))
		return c.Close(34, ts(1))
	}
	if recs := congested(DefaultGeneral); len(recs) != 1 || recs[0].Disposition != DispositionFailed {
		t.Errorf("congestion=no: %v", recs)
	}
	if recs := congested(General{Enable: true, Congestion: true, EndBeforeHExten: true}); len(recs) != 1 || recs[0].Disposition != DispositionCongestion {
		t.Errorf("congestion=yes: %v", recs)
	}

	hExten := func(cfg General) Record {
		c := newTestChain(cfg)
		c.App("Answer", "", "from-pstn", "0777", 1, ts(0))
		c.Answer(ts(0))
		c.App("Wait", "10", "from-pstn", "0777", 2, ts(0))
		c.Hangup(16, ts(4))
		c.App("System", "schedule-survey", "from-pstn", "h", 1, ts(4.1))
		recs := c.Close(16, ts(6.7))
		if len(recs) != 1 {
			t.Fatalf("records %v", recs)
		}
		return recs[0]
	}
	if r := hExten(DefaultGeneral); r.LastApp != "Wait" || r.Dst != "0777" || r.End != ts(4) {
		t.Errorf("endbeforehexten=yes: %s", brief(r))
	}
	if r := hExten(General{Enable: true}); r.LastApp != "System" || r.Dst != "h" || r.End != ts(6.7) {
		t.Errorf("endbeforehexten=no: %s", brief(r))
	}

	billed := func(cfg General, talk float64) time.Duration {
		c := newTestChain(cfg)
		c.App("Answer", "", "from-pstn", "0777", 1, ts(0))
		c.Answer(ts(1))
		return c.Close(16, ts(1+talk))[0].BillSec
	}
	for _, tc := range []struct {
		initiated bool
		talk      float64
		want      time.Duration
	}{{false, 9.7, 9 * time.Second}, {true, 9.7, 10 * time.Second}, {true, 9.4, 9 * time.Second}, {true, 9.5, 10 * time.Second}} {
		if got := billed(General{Enable: true, EndBeforeHExten: true, InitiatedSeconds: tc.initiated}, tc.talk); got != tc.want {
			t.Errorf("initiatedseconds=%v, %.1f s: billsec %v, want %v", tc.initiated, tc.talk, got, tc.want)
		}
	}
	off := newTestChain(General{})
	off.App("Answer", "", "from-pstn", "0777", 1, ts(0))
	off.Answer(ts(0))
	if recs := off.Close(16, ts(3)); len(recs) != 0 {
		t.Errorf("enable=no: %v", recs)
	}
}

// TestChainDialedChannel: a called channel that goes on in the dialplan
// (a transferred callee) writes only the records where it has a party B.
func TestChainDialedChannel(t *testing.T) {
	p := caller
	p.Dialed = true
	c := NewChain(p, DefaultGeneral, nil, "staff", "1002", t0)
	c.Answer(t0)
	c.App("Playback", "hello", "staff", "1002", 1, ts(0))
	c.App("Dial", "SIP/1002", "staff", "1002", 2, ts(1))
	c.DialBegin("SIP/1002-00000007", "", ts(1))
	c.BridgeEnter("SIP/1002-00000007", "", ts(3))
	recs := c.Close(16, ts(8))
	checkRecords(t, recs, "SIP/pstn-00000001>SIP/1002-00000007 staff/1002 Dial(SIP/1002) start=0 answer=0 end=8 dur=8 bill=8 ANSWERED seq=0")
}

// TestSequence: a switch's chains share one sequence.
func TestSequence(t *testing.T) {
	var seq Sequence
	a := NewChain(caller, DefaultGeneral, &seq, "c", "s", t0)
	b := NewChain(caller, DefaultGeneral, &seq, "c", "s", t0)
	a.Answer(t0)
	b.Answer(t0)
	ra, rb := a.Close(16, ts(1)), b.Close(16, ts(1))
	if ra[0].Sequence != 0 || rb[0].Sequence != 1 {
		t.Errorf("sequences %d %d", ra[0].Sequence, rb[0].Sequence)
	}
	if again := a.Close(16, ts(2)); again != nil {
		t.Errorf("second Close: %v", again)
	}
}
