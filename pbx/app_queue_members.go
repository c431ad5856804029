package pbx

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/queues"
)

// channelInterface is the interface a member application defaults to:
// the channel's own, without its -%08x suffix (SIP/201-0000002a → SIP/201).
func channelInterface(ch *ivr.Channel) string {
	name := ch.Name
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		name = name[:i]
	}
	return name
}

// queueMemberApps are app_queue's member management applications:
//
//	AddQueueMember(queuename[,interface[,penalty[,options[,membername[,stateinterface]]]]])  AQMSTATUS: ADDED MEMBERALREADY NOSUCHQUEUE
//	RemoveQueueMember(queuename[,interface])                                               RQMSTATUS: REMOVED NOTINQUEUE NOSUCHQUEUE NOTDYNAMIC
//	PauseQueueMember([queuename],interface[,options[,reason]])                             PQMSTATUS: PAUSED NOTFOUND
//	UnpauseQueueMember([queuename],interface[,options[,reason]])                           UPQMSTATUS: UNPAUSED NOTFOUND
//
// The interface defaults to the channel's (an agent logging itself in);
// an empty queue name pauses or unpauses the member in every queue. Members
// added this way are dynamic: stored in bbolt with persistentmembers=yes,
// so they come back after a restart.
func queueMemberApps() []*ivr.App {
	mgr := func(ch *ivr.Channel) *queues.Manager {
		if c, ok := ch.Call().(*sipCall); ok {
			return c.sw.queueMgr
		}
		if c, ok := ch.Call().(*calleeCall); ok {
			return c.sw.queueMgr
		}
		return nil
	}
	arg := func(parts []string, i int) string {
		if i < len(parts) {
			return strings.TrimSpace(parts[i])
		}
		return ""
	}
	return []*ivr.App{
		{Name: "AddQueueMember", Synopsis: "Add a dynamic queue member: AddQueueMember(queuename[,interface[,penalty[,options[,membername[,stateinterface]]]]]); sets AQMSTATUS",
			Exec: func(_ context.Context, ch *ivr.Channel, args string) error {
				m := mgr(ch)
				p := ivr.SplitArgs(args)
				iface := firstNonEmpty(arg(p, 1), channelInterface(ch))
				pen, _ := strconv.Atoi(arg(p, 2))
				if m == nil {
					ch.SetVar("AQMSTATUS", "NOSUCHQUEUE")
					return nil
				}
				err := m.AddMember(ch.UniqueID, queues.DynamicMember{Queue: arg(p, 0), Interface: iface, Penalty: pen,
					Name: arg(p, 4), StateInterface: arg(p, 5)})
				switch {
				case err == nil:
					ch.SetVar("AQMSTATUS", "ADDED")
				case errors.Is(err, queues.ErrMemberExists):
					ch.SetVar("AQMSTATUS", "MEMBERALREADY")
				case errors.Is(err, queues.ErrNoSuchQueue):
					ch.SetVar("AQMSTATUS", "NOSUCHQUEUE")
				default:
					ch.Logger().Warn("AddQueueMember failed", "error", err)
					ch.SetVar("AQMSTATUS", "NOSUCHQUEUE")
				}
				return nil
			}},
		{Name: "RemoveQueueMember", Synopsis: "Remove a dynamic queue member: RemoveQueueMember(queuename[,interface]); sets RQMSTATUS",
			Exec: func(_ context.Context, ch *ivr.Channel, args string) error {
				m := mgr(ch)
				p := ivr.SplitArgs(args)
				if m == nil {
					ch.SetVar("RQMSTATUS", "NOSUCHQUEUE")
					return nil
				}
				err := m.RemoveMember(ch.UniqueID, arg(p, 0), firstNonEmpty(arg(p, 1), channelInterface(ch)))
				switch {
				case err == nil:
					ch.SetVar("RQMSTATUS", "REMOVED")
				case errors.Is(err, queues.ErrNotInQueue):
					ch.SetVar("RQMSTATUS", "NOTINQUEUE")
				case errors.Is(err, queues.ErrNotDynamic):
					ch.SetVar("RQMSTATUS", "NOTDYNAMIC")
				default:
					ch.SetVar("RQMSTATUS", "NOSUCHQUEUE")
				}
				return nil
			}},
		pauseApp("PauseQueueMember", "PQMSTATUS", "PAUSED", true, mgr, arg),
		pauseApp("UnpauseQueueMember", "UPQMSTATUS", "UNPAUSED", false, mgr, arg),
	}
}

func pauseApp(name, status, ok string, pause bool, mgr func(*ivr.Channel) *queues.Manager, arg func([]string, int) string) *ivr.App {
	return &ivr.App{Name: name, Synopsis: name + "([queuename],interface[,options[,reason]]); sets " + status,
		Exec: func(_ context.Context, ch *ivr.Channel, args string) error {
			m := mgr(ch)
			p := ivr.SplitArgs(args)
			if m == nil {
				ch.SetVar(status, "NOTFOUND")
				return nil
			}
			iface := firstNonEmpty(arg(p, 1), channelInterface(ch))
			var err error
			if pause {
				err = m.PauseMember(arg(p, 0), iface, arg(p, 3))
			} else {
				err = m.UnpauseMember(arg(p, 0), iface, arg(p, 3))
			}
			if err != nil {
				ch.SetVar(status, "NOTFOUND")
				return nil
			}
			ch.SetVar(status, ok)
			return nil
		}}
}
