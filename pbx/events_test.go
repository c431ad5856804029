package pbx

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/events"
	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/outbound"
	"github.com/obelisk-pbx/obelisk/queues"
)

func eventSwitch(t *testing.T) *Switch {
	t.Helper()
	dir := t.TempDir()
	plan := "[test]\nexten => 600,1,Set(X=1)\n same => n,NoOp(done)\n same => n,Hangup(17)\n"
	if err := os.WriteFile(filepath.Join(dir, "extensions.conf"), []byte(plan), 0o600); err != nil {
		t.Fatal(err)
	}
	sw, err := New(Options{ConfigFS: os.DirFS(dir), ConfigName: dir, DataDir: t.TempDir(), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sw.Close() })
	return sw
}

func drain(sub *events.Subscription) []events.Event {
	var out []events.Event
	for {
		select {
		case e := <-sub.C():
			out = append(out, e)
		default:
			return out
		}
	}
}

// TestChannelEvents: a channel that runs the dialplan is announced
// (Newchannel), traced (Newexten per priority, its place kept for
// Status), then gone (Hangup with Cause and Cause-txt); the registry
// finds it by name and uniqueid while it lives.
func TestChannelEvents(t *testing.T) {
	sw := eventSwitch(t)
	sub := sw.Events().Subscribe(64)
	defer sub.Close()
	clock := ivr.NewVirtualClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	ch := sw.Engine().NewChannel(ivr.NewSimCaller(clock, "", nil), ivr.ChannelOptions{Name: "SIP/7001-00000001",
		Context: "test", Exten: "600", CallerID: ivr.CallerID{Num: "7001", Name: "Client"}, State: ivr.StateUp})
	hungUp := 0
	sw.channelUp(ch, func(cause int) { hungUp = cause })
	if lc := sw.live.lookup(ch.UniqueID); lc == nil || sw.live.lookup("SIP/7001-00000001") != lc {
		t.Fatal("the live channel is not found by uniqueid and name")
	}
	(&amiBackend{s: sw}).Hangup("SIP/7001-00000001", 21)
	if hungUp != 21 {
		t.Fatalf("Hangup action gave cause %d", hungUp)
	}
	res := sw.Engine().Run(context.Background(), ch)
	if got := (&amiBackend{s: sw}).Channels(); len(got) != 1 || got[0].Application != "Hangup" || got[0].Priority != 3 || got[0].State != 6 {
		t.Fatalf("Channels %+v", got)
	}
	sw.channelDown(ch, res.Cause)
	sw.channelDown(ch, res.Cause) // once only
	var names []string
	var last, varSet events.Event
	for _, e := range drain(sub) {
		names = append(names, e.Name+"/"+e.Get("Priority"))
		last = e
		if e.Name == "VarSet" {
			varSet = e
		}
	}
	if got, want := strings.Join(names, " "), "Newchannel/1 Newexten/1 VarSet/1 Newexten/2 Newexten/3 Hangup/3"; got != want {
		t.Fatalf("events %s, want %s", got, want)
	}
	// Set(X=1) is told as pbx_builtin_setvar_helper's VarSet.
	if varSet.Class != "dialplan" || varSet.Get("Channel") != "SIP/7001-00000001" || varSet.Get("Variable") != "X" || varSet.Get("Value") != "1" {
		t.Errorf("VarSet %+v", varSet)
	}
	if last.Get("Cause") != "17" || last.Get("Cause-txt") != "User busy" || last.Get("CallerIDNum") != "7001" ||
		last.Get("Uniqueid") != ch.UniqueID || last.Get("ChannelStateDesc") != "Up" || last.Class != "call" {
		t.Fatalf("Hangup %+v", last)
	}
	if sw.live.lookup(ch.UniqueID) != nil {
		t.Fatal("the channel is still live")
	}
}

// TestQueueEvents: queue_log's lines become app_queue's manager events.
func TestQueueEvents(t *testing.T) {
	sw := eventSwitch(t)
	sub := sw.Events().Subscribe(64)
	defer sub.Close()
	tests := []struct {
		ev     queues.Event
		data   []string
		want   string
		fields map[string]string
	}{
		{queues.EventEnterQueue, []string{"", "0612", "2"}, "QueueCallerJoin", map[string]string{"Queue": "support", "Position": "2"}},
		{queues.EventConnect, []string{"4", "1.2", "3"}, "QueueCallerLeave AgentConnect", map[string]string{"HoldTime": "4", "RingTime": "3", "Interface": "SIP/1001"}},
		{queues.EventCompleteAgent, []string{"4", "60", "1"}, "AgentComplete", map[string]string{"TalkTime": "60", "Reason": "agent"}},
		{queues.EventAbandon, []string{"1", "1", "9"}, "QueueCallerAbandon QueueCallerLeave", map[string]string{"Position": "1"}},
		{queues.EventAddMember, []string{"PAUSED"}, "QueueMemberAdded", map[string]string{"Paused": "1", "MemberName": "SIP/1001"}},
		{queues.EventPause, []string{"lunch"}, "QueueMemberPause", map[string]string{"Paused": "1", "PausedReason": "lunch"}},
		{queues.EventRemoveMember, nil, "QueueMemberRemoved", map[string]string{"Interface": "SIP/1001"}},
		{queues.EventRingNoAnswer, []string{"15000"}, "AgentRingNoAnswer", map[string]string{"RingTime": "15000"}},
	}
	for _, tc := range tests {
		t.Run(tc.ev.String(), func(t *testing.T) {
			sw.queueEvent("support", "1700000000.5", "SIP/1001", tc.ev, tc.data)
			evs := drain(sub)
			var names []string
			for _, e := range evs {
				names = append(names, e.Name)
				if e.Class != "agent" {
					t.Errorf("%s class %q", e.Name, e.Class)
				}
			}
			if got := strings.Join(names, " "); got != tc.want {
				t.Fatalf("events %q, want %q", got, tc.want)
			}
			e := evs[len(evs)-1]
			if tc.want == "QueueCallerAbandon QueueCallerLeave" {
				e = evs[0]
			}
			for k, v := range tc.fields {
				if e.Get(k) != v {
					t.Errorf("%s %s = %q, want %q", e.Name, k, e.Get(k), v)
				}
			}
		})
	}
}

func TestOriginateReasonAndCauses(t *testing.T) {
	tests := []struct {
		status string
		cause  int
		text   string
	}{
		{"BUSY", 17, "User busy"},
		{"NOANSWER", 19, "User alerting, no answer"},
		{"CONGESTION", 34, "Circuit/channel congestion"},
		{"CHANUNAVAIL", 44, "Requested channel not available"},
	}
	for _, tc := range tests {
		if c := dialStatusCause(tc.status); c != tc.cause || causeText(c) != tc.text {
			t.Errorf("%s: cause %d %q, want %d %q", tc.status, c, causeText(c), tc.cause, tc.text)
		}
	}
	for o, want := range map[outbound.Outcome]int{outbound.OutcomeAnswered: 4, outbound.OutcomeBusy: 5, outbound.OutcomeNoAnswer: 3,
		outbound.OutcomeCongestion: 8, outbound.OutcomeChanUnavail: 0, outbound.OutcomeFailed: 0} {
		if got := originateReason(o); got != want {
			t.Errorf("%s: Reason %d, want %d", o, got, want)
		}
	}
	if causeText(999) != "Unknown" {
		t.Error("an unknown cause")
	}
}

// TestUserEventApp: UserEvent(name,key: value…) publishes a UserEvent
// with the channel's fields and the body's headers.
func TestUserEventApp(t *testing.T) {
	sw := eventSwitch(t)
	sub := sw.Events().Subscribe(16)
	defer sub.Close()
	clock := ivr.NewVirtualClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	call := &originatedCall{Call: ivr.NewSimCaller(clock, "", nil), leg: &sipCall{sw: sw}}
	ch := sw.Engine().NewChannel(call, ivr.ChannelOptions{Name: "SIP/7001-00000002", Context: "test", Exten: "600"})
	if err := userEventApp().Exec(context.Background(), ch, "CallbackRequested,Number: 0612345678,Queue:support,bare"); err != nil {
		t.Fatal(err)
	}
	evs := drain(sub)
	if len(evs) != 1 {
		t.Fatalf("events %+v", evs)
	}
	e := evs[0]
	if e.Name != "UserEvent" || e.Class != "user" || e.Get("UserEvent") != "CallbackRequested" || e.Get("Number") != "0612345678" ||
		e.Get("Queue") != "support" || e.Get("Channel") != "SIP/7001-00000002" || e.Get("Uniqueid") != ch.UniqueID {
		t.Fatalf("UserEvent %+v", e)
	}
}

// TestCalledLegEvents: a called channel exists from the dial's begin, as
// Asterisk's does from ast_request: Newchannel (Down) before the DialBegin
// that names it as DestChannel, one Newstate Ringing however many 180s
// come, then, unanswered, DialEnd and its Hangup with the DIALSTATUS's
// cause; the manager cannot hang it up while it rings.
func TestCalledLegEvents(t *testing.T) {
	sw := eventSwitch(t)
	sub := sw.Events().Subscribe(64)
	defer sub.Close()
	clock := ivr.NewVirtualClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	ch := sw.Engine().NewChannel(ivr.NewSimCaller(clock, "", nil), ivr.ChannelOptions{Name: "SIP/7001-00000001",
		Context: "test", Exten: "600", CallerID: ivr.CallerID{Num: "7001"}, State: ivr.StateUp})
	sw.channelUp(ch, func(int) {})
	began := ""
	lc := sw.dialBegin(ch, "SIP/1001-0000000a", dialTarget{spec: "SIP/1001", onBegin: func(lc *liveChannel) { began = lc.name }})
	progress := sw.legProgress(lc, nil)
	progress(nil, 180, false)
	progress(nil, 183, true)
	if err := (&amiBackend{s: sw}).Hangup("SIP/1001-0000000a", 16); err == nil {
		t.Error("Hangup of a ringing called leg: no error")
	}
	sw.dialEnd(ch, lc, "BUSY")
	sw.legFailed(lc, "BUSY")
	var got []string
	var evs []events.Event
	for _, e := range drain(sub) {
		got = append(got, e.Name+"/"+e.Get("Channel")+"/"+e.Get("DestChannel"))
		evs = append(evs, e)
	}
	want := "Newchannel/SIP/7001-00000001/ Newchannel/SIP/1001-0000000a/ DialBegin/SIP/7001-00000001/SIP/1001-0000000a " +
		"Newstate/SIP/1001-0000000a/ DialEnd/SIP/7001-00000001/SIP/1001-0000000a Hangup/SIP/1001-0000000a/"
	if strings.Join(got, " ") != want {
		t.Fatalf("events\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
	if evs[1].Get("ChannelStateDesc") != "Down" || evs[2].Get("DestChannelState") != "0" || evs[3].Get("ChannelStateDesc") != "Ringing" ||
		evs[4].Get("DialStatus") != "BUSY" || evs[5].Get("Cause") != "17" || evs[1].Get("Linkedid") != ch.LinkedID {
		t.Errorf("fields: %v", evs)
	}
	if began != "SIP/1001-0000000a" {
		t.Errorf("onBegin saw %q", began)
	}
	if sw.live.lookup("SIP/1001-0000000a") != nil {
		t.Error("the failed leg is still registered")
	}
}
