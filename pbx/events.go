package pbx

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/obelisk-pbx/obelisk/ami"
	"github.com/obelisk-pbx/obelisk/events"
	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

// The switch's event stream (events.Bus) and the registry of live
// channels it describes.
//
// Channels that run the dialplan (an inbound call, an originated
// channel) are registered by channelUp, which publishes Newchannel, and
// leave with channelDown, which publishes Hangup; the engine's Trace
// (traceApp) publishes Newexten and keeps the channel's place for
// Status; answering publishes Newstate; Set() and the engine's variables
// VarSet (the engine's OnVarSet); a channel Dial or Queue calls exists from
// the dial's begin (cdrDial: Newchannel Down, DialBegin, Newstate Ringing,
// then Newstate Up and DialEnd, or DialEnd and its Hangup); Queue's ringing
// publishes AgentCalled; bridges BridgeEnter/BridgeLeave, attended
// transfers AttendedTransfer, digits DTMFBegin/DTMFEnd, queue_log's events
// the Queue* and Agent* events (queueEvents). The fields are
// manager_channels.c's, manager_bridges.c's and app_queue's.

// Events returns the switch's event stream, for the manager and the HTTP
// API.
func (s *Switch) Events() *events.Bus { return &s.events }

// liveChannel is a channel in the registry: one that runs the dialplan
// (ch set), or an answered called leg (Dial's, a queue member's: ch nil).
type liveChannel struct {
	ch *ivr.Channel
	// leg is the channel's SIP leg (nil while an originated channel
	// rings).
	leg *b2bua.Leg
	// name, uniqueid, linkedid and the caller ID are a called leg's.
	name, uniqueid, linkedid string
	cidNum, cidName          string
	created                  time.Time
	// hangup ends the channel with a cause (the AMI Hangup action); nil
	// while a called leg rings.
	hangup func(cause int)

	mu sync.Mutex
	// account is the channel's account code as last traced (the engine
	// sets ch.AccountCode on the channel's goroutine).
	account           string
	context, exten    string
	priority          int
	application, data string
	bridge            string
	connectedNum      string
	connectedName     string
	// state is a called leg's AST_STATE_*: 0 Down when dialled, 5
	// Ringing, 6 Up once answered.
	state int
	// ringing is set once a called leg's Newstate Ringing went out.
	ringing bool
}

// channelRegistry are the live channels by name, in creation order.
type channelRegistry struct {
	mu     sync.Mutex
	byName map[string]*liveChannel
	byCh   map[*ivr.Channel]*liveChannel
	// byCall finds a channel from its ivr.Call (the digits' callback
	// knows only the call).
	byCall map[any]*liveChannel
	order  []*liveChannel
	// legSeq numbers called legs' uniqueids, apart from the channel
	// names' sequence (as Asterisk's are).
	legSeq atomic.Int64
}

func (r *channelRegistry) add(lc *liveChannel) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byName == nil {
		r.byName, r.byCh, r.byCall = map[string]*liveChannel{}, map[*ivr.Channel]*liveChannel{}, map[any]*liveChannel{}
	}
	r.byName[lc.channelName()] = lc
	if lc.ch != nil {
		r.byCh[lc.ch] = lc
		r.byCall[lc.ch.Call()] = lc
	}
	r.order = append(r.order, lc)
}

func (r *channelRegistry) remove(ch *ivr.Channel) *liveChannel {
	r.mu.Lock()
	lc := r.byCh[ch]
	r.mu.Unlock()
	if lc == nil {
		return nil
	}
	return r.removeEntry(lc)
}

// removeEntry forgets lc; it returns nil when lc was gone already.
func (r *channelRegistry) removeEntry(lc *liveChannel) *liveChannel {
	r.mu.Lock()
	defer r.mu.Unlock()
	found := false
	if lc.ch != nil {
		delete(r.byCh, lc.ch)
	}
	for call, x := range r.byCall {
		if x == lc {
			delete(r.byCall, call)
		}
	}
	if name := lc.channelName(); r.byName[name] == lc {
		delete(r.byName, name)
	}
	for i, x := range r.order {
		if x == lc {
			r.order = append(r.order[:i:i], r.order[i+1:]...)
			found = true
			break
		}
	}
	if !found {
		return nil
	}
	return lc
}

// channelName is the entry's channel name.
func (lc *liveChannel) channelName() string {
	if lc.ch != nil {
		return lc.ch.Name
	}
	return lc.name
}

// addCall makes call another way to find ch's entry, and leg its leg
// (an originated channel once answered).
func (r *channelRegistry) addCall(call any, ch *ivr.Channel, leg *b2bua.Leg) {
	r.mu.Lock()
	lc := r.byCh[ch]
	if lc != nil {
		r.byCall[call] = lc
	}
	r.mu.Unlock()
	if lc != nil {
		lc.mu.Lock()
		lc.leg = leg
		lc.mu.Unlock()
	}
}

func (r *channelRegistry) ofCall(call any) *liveChannel {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byCall[call]
}

func (r *channelRegistry) byChannel(ch *ivr.Channel) *liveChannel {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byCh[ch]
}

// lookup finds a live channel by its name, or by its uniqueid.
func (r *channelRegistry) lookup(name string) *liveChannel {
	r.mu.Lock()
	defer r.mu.Unlock()
	if lc := r.byName[name]; lc != nil {
		return lc
	}
	for _, lc := range r.order {
		if lc.ch != nil && lc.ch.UniqueID == name || lc.ch == nil && lc.uniqueid == name {
			return lc
		}
	}
	return nil
}

func (r *channelRegistry) all() []*liveChannel {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*liveChannel(nil), r.order...)
}

// amiState is the AST_STATE_* number of an engine state.
func amiState(st ivr.State) int {
	switch st {
	case ivr.StateRing:
		return 4
	case ivr.StateRinging:
		return 5
	case ivr.StateUp:
		return 6
	}
	return 0
}

// stateDesc is ast_state2str's name of an AST_STATE_* number.
func stateDesc(st int) string {
	switch st {
	case 4:
		return "Ring"
	case 5:
		return "Ringing"
	case 6:
		return "Up"
	}
	return "Down"
}

// snapshot is the channel as the manager shows it.
func (lc *liveChannel) snapshot() ami.Channel {
	ch := lc.ch
	if ch == nil {
		lc.mu.Lock()
		defer lc.mu.Unlock()
		return ami.Channel{Name: lc.name, Uniqueid: lc.uniqueid, Linkedid: lc.linkedid, State: lc.state, StateDesc: stateDesc(lc.state),
			CallerIDNum: lc.cidNum, CallerName: lc.cidName, ConnectedNum: lc.connectedNum, ConnectedName: lc.connectedName,
			Language: "en", Context: lc.context, Exten: lc.exten, Priority: 1, Application: "AppDial",
			Data: "(Outgoing Line)", BridgeID: lc.bridge, Created: lc.created}
	}
	cid := ch.CallerID()
	st := ch.State()
	lc.mu.Lock()
	defer lc.mu.Unlock()
	return ami.Channel{Name: ch.Name, Uniqueid: ch.UniqueID, Linkedid: ch.LinkedID, State: amiState(st), StateDesc: st.String(),
		CallerIDNum: cid.Num, CallerName: cid.Name, ConnectedNum: lc.connectedNum, ConnectedName: lc.connectedName,
		Language: ch.Language(), Account: lc.account, Context: lc.context, Exten: lc.exten, Priority: lc.priority,
		Application: lc.application, Data: lc.data, BridgeID: lc.bridge, Created: lc.created}
}

// publish puts an event of class on the stream.
func (s *Switch) publish(name, class string, fields ...events.Field) {
	s.events.Publish(events.Event{Name: name, Class: class, Time: time.Now(), Fields: fields})
}

// channelEvent publishes an event about ch: its snapshot, then extra.
func (s *Switch) channelEvent(name, class string, ch *ivr.Channel, extra ...events.Field) {
	s.publish(name, class, append(s.channelFields("", ch), extra...)...)
}

// channelFields are ch's standard fields with prefix, from the registry
// when ch is live (its place in the dialplan as last traced).
func (s *Switch) channelFields(prefix string, ch *ivr.Channel) []events.Field {
	if lc := s.live.byChannel(ch); lc != nil {
		return ami.ChannelFields(prefix, lc.snapshot())
	}
	cid := ch.CallerID()
	st := ch.State()
	return ami.ChannelFields(prefix, ami.Channel{Name: ch.Name, Uniqueid: ch.UniqueID, Linkedid: ch.LinkedID,
		State: amiState(st), StateDesc: st.String(), CallerIDNum: cid.Num, CallerName: cid.Name, Language: ch.Language(),
		Account: ch.AccountCode})
}

// channelUp registers a new channel that runs the dialplan and publishes
// Newchannel. hangup ends it (AMI Hangup).
func (s *Switch) channelUp(ch *ivr.Channel, hangup func(cause int)) {
	lc := &liveChannel{ch: ch, created: time.Now(), hangup: hangup,
		context: ch.Context, exten: ch.Exten, priority: ch.Priority, account: ch.AccountCode}
	if c, ok := ch.Call().(*sipCall); ok {
		lc.leg = c.in.Leg
	}
	s.live.add(lc)
	s.channelEvent("Newchannel", "call", ch)
}

// channelDown publishes Hangup (Cause, Cause-txt) and forgets ch.
func (s *Switch) channelDown(ch *ivr.Channel, cause int) {
	fields := s.channelFields("", ch)
	if s.live.remove(ch) == nil {
		return
	}
	s.publish("Hangup", "call", append(fields, events.Field{Key: "Cause", Value: strconv.Itoa(cause)},
		events.Field{Key: "Cause-txt", Value: causeText(cause)})...)
}

// channelState publishes Newstate for ch's state now.
func (s *Switch) channelState(ch *ivr.Channel) {
	s.channelEvent("Newstate", "call", ch)
}

// traceChannel notes where ch is before an application runs and
// publishes Newexten (class dialplan), as pbx.c's pbx_exec does.
func (s *Switch) traceChannel(ch *ivr.Channel, p *ivr.Priority, args string) {
	lc := s.live.byChannel(ch)
	if lc == nil {
		return
	}
	lc.mu.Lock()
	lc.context, lc.exten, lc.priority, lc.application, lc.data = ch.Context, ch.Exten, p.Number, p.App, args
	lc.account = ch.AccountCode
	lc.mu.Unlock()
	s.channelEvent("Newexten", "dialplan", ch, events.Field{Key: "Extension", Value: ch.Exten},
		events.Field{Key: "Application", Value: p.App}, events.Field{Key: "AppData", Value: args})
}

// dtmfEvent publishes DTMFBegin and DTMFEnd for a digit the channel of
// call received (Direction Received), as the channel core does for each
// digit.
func (s *Switch) dtmfEvent(call any, digit rune, d time.Duration) {
	lc := s.live.ofCall(call)
	if lc == nil {
		return
	}
	ch := lc.ch
	dg := events.Field{Key: "Digit", Value: string(digit)}
	dir := events.Field{Key: "Direction", Value: "Received"}
	s.channelEvent("DTMFBegin", "dtmf", ch, dg, dir)
	s.channelEvent("DTMFEnd", "dtmf", ch, dg, events.Field{Key: "DurationMs", Value: strconv.Itoa(int(d / time.Millisecond))}, dir)
}

// dialBegin registers the called channel dest as Asterisk's exists from
// ast_request on (Newchannel, state Down), then publishes DialBegin from
// ch (app_dial's and app_queue's ast_channel_publish_dial) and runs t's
// onBegin (AgentCalled). ch is nil for a leg nobody's dialplan dials.
func (s *Switch) dialBegin(ch *ivr.Channel, dest string, t dialTarget) *liveChannel {
	lc := &liveChannel{name: dest, created: time.Now(),
		uniqueid: fmt.Sprintf("%d.%d", time.Now().Unix(), legUniqueBase+s.live.legSeq.Add(1))}
	if ch != nil {
		lc.linkedid = ch.LinkedID
		cid := ch.CallerID()
		lc.connectedNum, lc.connectedName = cid.Num, cid.Name
		lc.context = ch.Context
	}
	if lc.linkedid == "" {
		lc.linkedid = lc.uniqueid
	}
	s.live.add(lc)
	s.publish("Newchannel", "call", ami.ChannelFields("", lc.snapshot())...)
	if ch != nil {
		fields := append(s.channelFields("", ch), ami.ChannelFields("Dest", lc.snapshot())...)
		s.publish("DialBegin", "call", append(fields, events.Field{Key: "DialString", Value: t.spec})...)
	}
	if t.onBegin != nil {
		t.onBegin(lc)
	}
	return lc
}

// legProgress wraps a dial's OnProgress: the called channel's first 180
// or 183 publishes its Newstate Ringing.
func (s *Switch) legProgress(lc *liveChannel, next func(*b2bua.Outbound, int, bool)) func(*b2bua.Outbound, int, bool) {
	return func(out *b2bua.Outbound, code int, early bool) {
		lc.mu.Lock()
		first := !lc.ringing && lc.state < 5
		if first {
			lc.ringing, lc.state = true, 5
		}
		lc.mu.Unlock()
		if first {
			s.publish("Newstate", "call", ami.ChannelFields("", lc.snapshot())...)
		}
		if next != nil {
			next(out, code, early)
		}
	}
}

// dialEnd publishes DialEnd with the DIALSTATUS.
func (s *Switch) dialEnd(ch *ivr.Channel, lc *liveChannel, status string) {
	if ch == nil {
		return
	}
	fields := append(s.channelFields("", ch), ami.ChannelFields("Dest", lc.snapshot())...)
	s.publish("DialEnd", "call", append(fields, events.Field{Key: "DialStatus", Value: status})...)
}

// legFailed publishes the Hangup of a called channel that did not answer
// (its cause from the DIALSTATUS, originate.go's dialStatusCause) and
// forgets it.
func (s *Switch) legFailed(lc *liveChannel, status string) {
	fields := ami.ChannelFields("", lc.snapshot())
	if s.live.removeEntry(lc) == nil {
		return
	}
	cause := dialStatusCause(status)
	s.publish("Hangup", "call", append(fields, events.Field{Key: "Cause", Value: strconv.Itoa(cause)},
		events.Field{Key: "Cause-txt", Value: causeText(cause)})...)
}

// bridgeEvent publishes BridgeEnter or BridgeLeave for ch in bridge id
// (a basic two-party bridge), and remembers the bridge for Status.
func (s *Switch) bridgeEvent(name string, ch *ivr.Channel, id string, peer string) {
	if ch == nil {
		return
	}
	if lc := s.live.byChannel(ch); lc != nil {
		lc.mu.Lock()
		if name == "BridgeEnter" {
			lc.bridge, lc.connectedName = id, peer
		} else {
			lc.bridge = ""
		}
		lc.mu.Unlock()
	}
	s.publish(name, "call", append(bridgeFields("", id), s.channelFields("", ch)...)...)
}

// bridgeFields are a basic two-party bridge's fields with prefix, as
// ast_manager_build_bridge_state_string_prefix prints them.
func bridgeFields(prefix, id string) []events.Field {
	f := func(k, v string) events.Field { return events.Field{Key: prefix + k, Value: v} }
	return []events.Field{f("BridgeUniqueid", id), f("BridgeType", "basic"), f("BridgeTechnology", "simple_bridge"),
		f("BridgeCreator", "<unknown>"), f("BridgeName", "<unknown>"), f("BridgeNumChannels", "2"), f("BridgeVideoSourceMode", "none")}
}

// partyFields are a bridge party's channel fields with prefix: from the
// registry when the manager knows its channel (a dialplan channel, a
// called leg), else its name alone (the Local channel of a transfer's
// target).
func (s *Switch) partyFields(prefix string, p *bridgeParty) []events.Field {
	if p.call != nil && p.call.ch != nil {
		if lc := s.live.byChannel(p.call.ch); lc != nil {
			return ami.ChannelFields(prefix, lc.snapshot())
		}
	}
	if lc := s.live.ofLeg(p.leg); lc != nil {
		return ami.ChannelFields(prefix, lc.snapshot())
	}
	return ami.ChannelFields(prefix, ami.Channel{Name: p.name, State: 6, StateDesc: "Up", Language: p.lang})
}

// publishAttendedTransfer publishes AttendedTransfer (class call) for a
// completed attended transfer: transferer p, transferee h (held) and
// target t, the held party's bridge being where t goes (DestType Bridge),
// with the fields of stasis_bridges.c's attended_transfer_to_ami. The
// transferer's consultation is no bridge of its own here: SecondTransferer
// is p again and SecondBridge this session.
func (bs *bridgeSession) publishAttendedTransfer(p, h, t *bridgeParty) {
	s, id := bs.sw, fmt.Sprintf("%p", bs)
	fields := []events.Field{{Key: "Result", Value: "Success"}}
	fields = append(fields, s.partyFields("OrigTransferer", p)...)
	fields = append(fields, bridgeFields("Orig", id)...)
	fields = append(fields, s.partyFields("SecondTransferer", p)...)
	fields = append(fields, bridgeFields("Second", id)...)
	fields = append(fields, s.partyFields("Transferee", h)...)
	fields = append(fields, s.partyFields("TransferTarget", t)...)
	fields = append(fields, events.Field{Key: "IsExternal", Value: "No"}, events.Field{Key: "DestType", Value: "Bridge"},
		events.Field{Key: "DestBridgeUniqueid", Value: id})
	s.publish("AttendedTransfer", "call", fields...)
}

// causeText is ast_cause2str's description of a Q.850 cause.
func causeText(cause int) string {
	if t, ok := causeTexts[cause]; ok {
		return t
	}
	return "Unknown"
}

var causeTexts = map[int]string{
	1: "Unallocated (unassigned) number", 2: "No route to specified transmit network", 3: "No route to destination",
	16: "Normal Clearing", 17: "User busy", 18: "No user responding", 19: "User alerting, no answer",
	20: "Subscriber absent", 21: "Call Rejected", 22: "Number changed", 27: "Destination out of order",
	28: "Invalid number format", 29: "Facility rejected", 31: "Normal, unspecified",
	34: "Circuit/channel congestion", 38: "Network out of order", 41: "Temporary failure",
	42: "Switching equipment congestion", 44: "Requested channel not available", 47: "Resource unavailable, unspecified",
	58: "Bearer capability not available", 88: "Incompatible destination", 102: "Recovery on timer expiry",
	127: "Interworking, unspecified",
}

// publishBridge publishes BridgeEnter or BridgeLeave for the session's
// channels the manager knows (dialplan channels, called legs), with the
// session as the bridge.
func (bs *bridgeSession) publishBridge(name string) {
	if bs.a == nil || bs.b == nil {
		return
	}
	id := fmt.Sprintf("%p", bs)
	for _, pair := range [2][2]*bridgeParty{{bs.a, bs.b}, {bs.b, bs.a}} {
		if p := pair[0]; p.call != nil && p.call.ch != nil {
			bs.sw.bridgeEvent(name, p.call.ch, id, pair[1].name)
		} else if lc := bs.sw.live.ofLeg(p.leg); lc != nil && lc.ch == nil {
			bs.sw.legBridgeEvent(name, lc, id, pair[1].name)
		}
	}
}

// ofLeg finds the live channel of a SIP leg.
func (r *channelRegistry) ofLeg(leg *b2bua.Leg) *liveChannel {
	if leg == nil {
		return nil
	}
	for _, lc := range r.all() {
		lc.mu.Lock()
		same := lc.leg == leg
		lc.mu.Unlock()
		if same {
			return lc
		}
	}
	return nil
}

// legBridgeEvent is bridgeEvent for a called leg.
func (s *Switch) legBridgeEvent(name string, lc *liveChannel, id, peer string) {
	lc.mu.Lock()
	if name == "BridgeEnter" {
		lc.bridge = id
	} else {
		lc.bridge = ""
	}
	lc.mu.Unlock()
	s.publish(name, "call", append(bridgeFields("", id), ami.ChannelFields("", lc.snapshot())...)...)
}

// legUniqueBase keeps called legs' uniqueids (epoch.n) apart from the
// engine's, which count dialplan channels from 1.
const legUniqueBase = 1_000_000

// legUp marks the called channel lc answered by out (Newstate Up), so
// the manager can hang it up, and publishes its Hangup once the leg
// ends.
func (s *Switch) legUp(lc *liveChannel, out *b2bua.Outbound) {
	lc.mu.Lock()
	lc.leg, lc.state = out.Leg, 6
	lc.hangup = func(int) { _ = out.Hangup(context.Background()) }
	if ep := out.Endpoint(); ep != nil {
		lc.cidNum = ep.Name
		if ep.Context != "" {
			lc.context = ep.Context
		}
	}
	lc.mu.Unlock()
	s.publish("Newstate", "call", ami.ChannelFields("", lc.snapshot())...)
	context.AfterFunc(out.Context(), func() {
		fields := ami.ChannelFields("", lc.snapshot())
		if s.live.removeEntry(lc) == nil {
			return
		}
		s.publish("Hangup", "call", append(fields, events.Field{Key: "Cause", Value: "16"},
			events.Field{Key: "Cause-txt", Value: causeText(16)})...)
	})
}

// varSet is the engine's OnVarSet: VarSet (class dialplan) with the
// variable's name and value, as pbx_builtin_setvar_helper publishes it
// for a channel the manager knows (not yet for the variables a channel
// starts with, set before its Newchannel).
func (s *Switch) varSet(ch *ivr.Channel, name, value string) {
	if s.live.byChannel(ch) == nil {
		return
	}
	s.channelEvent("VarSet", "dialplan", ch, events.Field{Key: "Variable", Value: name}, events.Field{Key: "Value", Value: value})
}
