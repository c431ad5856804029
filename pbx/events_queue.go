package pbx

import (
	"github.com/obelisk-pbx/obelisk/ami"
	"github.com/obelisk-pbx/obelisk/events"
	"github.com/obelisk-pbx/obelisk/queues"
)

// queueEvents is the queue runtime's EventLog: each queue_log line goes
// to the file, and the matching manager event (app_queue's
// QueueCallerJoin, AgentConnect, QueueMemberAdded …, class agent) to the
// event stream. The caller's channel is found by the line's callid (its
// uniqueid).
type queueEvents struct {
	file queues.EventLog
	s    *Switch
}

var _ queues.EventLog = queueEvents{}

// Log implements queues.EventLog.
func (q queueEvents) Log(queue, callid, agent string, ev queues.Event, data ...string) error {
	err := q.file.Log(queue, callid, agent, ev, data...)
	q.s.queueEvent(queue, callid, agent, ev, data)
	return err
}

func (s *Switch) queueEvent(queue, callid, agent string, ev queues.Event, data []string) {
	arg := func(i int) string {
		if i < len(data) {
			return data[i]
		}
		return ""
	}
	f := func(k, v string) events.Field { return events.Field{Key: k, Value: v} }
	caller := func() []events.Field {
		if lc := s.live.lookup(callid); lc != nil {
			return s.channelFields("", lc.ch)
		}
		return []events.Field{f("Uniqueid", callid)}
	}
	q := f("Queue", queue)
	member := []events.Field{f("MemberName", agent), f("Interface", agent)}
	switch ev {
	case queues.EventEnterQueue:
		s.publish("QueueCallerJoin", "agent", append(caller(), q, f("Position", arg(2)), f("Count", arg(2)))...)
	case queues.EventConnect:
		s.publish("QueueCallerLeave", "agent", append(caller(), q, f("Position", "1"), f("Count", "0"))...)
		s.publish("AgentConnect", "agent", append(append(caller(), q), append(member, f("HoldTime", arg(0)), f("RingTime", arg(2)))...)...)
	case queues.EventCompleteCaller, queues.EventCompleteAgent:
		reason := "caller"
		if ev == queues.EventCompleteAgent {
			reason = "agent"
		}
		s.publish("AgentComplete", "agent", append(append(caller(), q), append(member, f("HoldTime", arg(0)), f("TalkTime", arg(1)), f("Reason", reason))...)...)
	case queues.EventAbandon:
		s.publish("QueueCallerAbandon", "agent", append(caller(), q, f("Position", arg(0)), f("OriginalPosition", arg(1)), f("HoldTime", arg(2)))...)
		s.publish("QueueCallerLeave", "agent", append(caller(), q, f("Position", arg(0)))...)
	case queues.EventExitWithTimeout, queues.EventExitEmpty, queues.EventExitWithKey:
		s.publish("QueueCallerLeave", "agent", append(caller(), q, f("Position", arg(0)))...)
	case queues.EventAgentDump:
		s.publish("AgentDump", "agent", append(append(caller(), q), member...)...)
	case queues.EventRingNoAnswer:
		s.publish("AgentRingNoAnswer", "agent", append(append(caller(), q), append(member, f("RingTime", arg(0)))...)...)
	case queues.EventAddMember:
		paused := "0"
		if arg(0) == "PAUSED" {
			paused = "1"
		}
		s.publish("QueueMemberAdded", "agent", append([]events.Field{q}, append(member, f("Membership", "dynamic"), f("Paused", paused))...)...)
	case queues.EventRemoveMember:
		s.publish("QueueMemberRemoved", "agent", append([]events.Field{q}, member...)...)
	case queues.EventPause, queues.EventUnpause:
		paused := "1"
		if ev == queues.EventUnpause {
			paused = "0"
		}
		s.publish("QueueMemberPause", "agent", append([]events.Field{q}, append(member, f("Paused", paused), f("PausedReason", arg(0)))...)...)
	}
}

// agentCalled publishes AgentCalled when a member's channel is dialled
// for a waiting caller, as app_queue's ring_entry does after DialBegin:
// the caller's channel, the member's as Dest…, then Queue, Interface and
// MemberName.
func (s *Switch) agentCalled(qc *queueCaller, m queues.Member, dest *liveChannel) {
	fields := append(s.channelFields("", qc.ch), ami.ChannelFields("Dest", dest.snapshot())...)
	s.publish("AgentCalled", "agent", append(fields, events.Field{Key: "Queue", Value: qc.queue},
		events.Field{Key: "Interface", Value: m.Interface}, events.Field{Key: "MemberName", Value: firstNonEmpty(m.Name, m.Interface)})...)
}
