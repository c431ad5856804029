package ami

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/events"
)

// ErrNotFound is wrapped by Backend errors for a channel, queue, member,
// mailbox or database key that does not exist.
var ErrNotFound = errors.New("not found")

// ErrInvalid is wrapped by Backend errors for a request the switch
// cannot carry out as asked (a transfer to an extension that does not
// exist).
var ErrInvalid = errors.New("invalid request")

// action is one manager action and the write classes it needs (any one),
// as ast_manager_register_xml registers it.
type action struct {
	write string
	run   func(ctx context.Context, ss *session, m *Message)
}

var actions map[string]action

func init() {
	actions = map[string]action{
		"ping":               {"", actionPing},
		"events":             {"", actionEvents},
		"filter":             {"system", actionFilter},
		"originate":          {"originate", actionOriginate},
		"hangup":             {"system,call", actionHangup},
		"redirect":           {"call", actionRedirect},
		"blindtransfer":      {"call", actionBlindTransfer},
		"atxfer":             {"call", actionAtxfer},
		"mixmonitor":         {"system", actionMixMonitor},
		"stopmixmonitor":     {"system", actionStopMixMonitor},
		"getvar":             {"call,reporting", actionGetvar},
		"setvar":             {"call", actionSetvar},
		"status":             {"system,call,reporting", actionStatus},
		"coreshowchannels":   {"system,reporting", actionCoreShowChannels},
		"queuestatus":        {"", actionQueueStatus},
		"queuesummary":       {"", actionQueueSummary},
		"queueadd":           {"agent", actionQueueAdd},
		"queueremove":        {"agent", actionQueueRemove},
		"queuepause":         {"agent", actionQueuePause},
		"mailboxcount":       {"call,reporting", actionMailboxCount},
		"sippeers":           {"system,reporting", actionSIPPeers},
		"pjsipshowendpoints": {"system", actionPJSIPShowEndpoints},
		"dbget":              {"system,reporting", actionDBGet},
		"dbput":              {"system", actionDBPut},
		"dbdel":              {"system", actionDBDel},
		"userevent":          {"user", actionUserEvent},
		"command":            {"command", actionCommand},
		"coresettings":       {"system,reporting", actionCoreSettings},
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func boolYesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func actionPing(_ context.Context, ss *session, m *Message) {
	now := time.Now()
	_ = ss.send(response(m, "Success", "").Add("Ping", "Pong").Add("Timestamp", fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000)))
}

// actionEvents is Events: EventMask on, off or a class list; the answer
// says whether events flow (action_events).
func actionEvents(_ context.Context, ss *session, m *Message) {
	on := ss.setMask(m.Get("EventMask"))
	r := response(m, "Success", "")
	if on {
		r.Add("Events", "On")
	} else {
		r.Add("Events", "Off")
	}
	_ = ss.send(r)
}

// actionFilter is Filter (Operation: Add, Filter: [!]regex): adds an
// event filter to this session, as eventfilter= does for the user.
func actionFilter(_ context.Context, ss *session, m *Message) {
	if op := m.Get("Operation"); op != "" && !strings.EqualFold(op, "add") {
		ss.fail(m, "Unknown operation")
		return
	}
	expr := m.Get("Filter")
	if expr == "" {
		ss.fail(m, "Filter Required")
		return
	}
	// A new filter replaces the old, which the event pump may be reading.
	ss.mu.Lock()
	nf := &eventFilter{}
	if ss.filter != nil {
		nf.include = append(nf.include, ss.filter.include...)
		nf.exclude = append(nf.exclude, ss.filter.exclude...)
	}
	err := nf.add(expr)
	if err == nil {
		ss.filter = nf
	}
	ss.mu.Unlock()
	if err != nil {
		ss.fail(m, "Filter Not Added: invalid regular expression")
		return
	}
	ss.success(m, "Filter Added")
}

// parseCallerID splits "Name" <number> as ast_callerid_parse does.
func parseCallerID(s string) (num, name string) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			return strings.TrimSpace(s[i+1 : i+j]), strings.Trim(strings.TrimSpace(s[:i]), `"`)
		}
	}
	if s != "" && strings.Trim(s, "0123456789+*#-() ") == "" {
		return s, ""
	}
	return "", strings.Trim(s, `"`)
}

// variables reads Variable: headers, each a comma-separated name=value
// list (astman_get_variables).
func variables(m *Message) [][2]string {
	var out [][2]string
	for _, v := range m.All("Variable") {
		for _, kv := range strings.Split(v, ",") {
			k, val, ok := strings.Cut(kv, "=")
			if ok && strings.TrimSpace(k) != "" {
				out = append(out, [2]string{strings.TrimSpace(k), val})
			}
		}
	}
	return out
}

func isTrue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "true", "y", "t", "1", "on":
		return true
	}
	return false
}

// actionOriginate is Originate (manager.c action_originate): Channel,
// then Exten/Context/Priority or Application/Data, Timeout in ms
// (default 30000), CallerID, Variable, Account, Async. Synchronous, the
// answer waits for the outcome: Success at the answer, Error
// "Originate failed" otherwise. Async answers "Originate successfully
// queued" at once and reports the outcome in an OriginateResponse event
// with the action's ActionID. An Application that runs shell commands
// (System, Exec…) needs the system write class too.
func actionOriginate(ctx context.Context, ss *session, m *Message) {
	r := OriginateRequest{
		Channel: m.Get("Channel"), Context: m.Get("Context"), Exten: m.Get("Exten"),
		Application: m.Get("Application"), Data: m.Get("Data"), Account: m.Get("Account"),
		Variables: variables(m), Timeout: 30 * time.Second, ChannelID: m.Get("ChannelId"), Priority: 1,
	}
	if r.Channel == "" {
		ss.fail(m, "Channel not specified")
		return
	}
	if !strings.Contains(r.Channel, "/") {
		ss.fail(m, "Invalid channel")
		return
	}
	if p := m.Get("Priority"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			ss.fail(m, "Invalid priority")
			return
		}
		r.Priority = n
	}
	if t := m.Get("Timeout"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 {
			ss.fail(m, "Invalid timeout")
			return
		}
		r.Timeout = time.Duration(n) * time.Millisecond
	}
	if r.Application == "" && r.Exten == "" {
		ss.fail(m, "Exten not specified") // neither an application nor an extension to run
		return
	}
	if r.Context == "" && r.Application == "" {
		r.Context = "default"
	}
	if app := strings.ToLower(r.Application); app == "system" || app == "exec" || app == "trysystem" || app == "mixmonitor" {
		ss.mu.Lock()
		u := ss.user
		ss.mu.Unlock()
		if !u.CanWrite("system") {
			ss.fail(m, "Originate with certain 'Application' arguments requires the additional System privilege")
			return
		}
	}
	r.CallerIDNum, r.CallerName = parseCallerID(m.Get("CallerID"))
	if isTrue(m.Get("Async")) {
		ss.success(m, "Originate successfully queued")
		go func() {
			res, err := ss.srv.backend.Originate(context.WithoutCancel(ctx), r)
			ss.srv.backend.Publish(originateResponse(m.Get("ActionID"), r, res, err))
		}()
		return
	}
	res, err := ss.srv.backend.Originate(ctx, r)
	if err != nil || res.Reason != ReasonAnswered {
		ss.fail(m, "Originate failed")
		return
	}
	ss.success(m, "Originate successfully queued")
}

// originateResponse is the OriginateResponse event of an Async
// Originate (manager.c's fast_originate).
func originateResponse(actionID string, r OriginateRequest, res OriginateResult, err error) events.Event {
	resp := "Success"
	if err != nil || res.Reason != ReasonAnswered {
		resp = "Failure"
	}
	ch := res.Channel
	if ch == "" {
		ch = r.Channel
	}
	f := []events.Field{}
	if actionID != "" {
		f = append(f, events.Field{Key: "ActionID", Value: actionID})
	}
	f = append(f,
		events.Field{Key: "Response", Value: resp},
		events.Field{Key: "Channel", Value: ch},
		events.Field{Key: "Context", Value: r.Context},
		events.Field{Key: "Exten", Value: r.Exten},
		events.Field{Key: "Application", Value: r.Application},
		events.Field{Key: "Data", Value: r.Data},
		events.Field{Key: "Reason", Value: itoa(res.Reason)},
		events.Field{Key: "Uniqueid", Value: orDefault(res.Uniqueid, "<null>")},
		events.Field{Key: "CallerIDNum", Value: orUnknown(r.CallerIDNum)},
		events.Field{Key: "CallerIDName", Value: orUnknown(r.CallerName)},
	)
	return events.Event{Name: "OriginateResponse", Class: "call", Time: time.Now(), Fields: f}
}

func actionHangup(_ context.Context, ss *session, m *Message) {
	name := m.Get("Channel")
	if name == "" {
		ss.fail(m, "No channel specified")
		return
	}
	cause := 16
	if c := m.Get("Cause"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 || n > 127 {
			ss.fail(m, "Invalid cause")
			return
		}
		cause = n
	}
	if err := ss.srv.backend.Hangup(name, cause); err != nil {
		ss.fail(m, "No such channel")
		return
	}
	ss.success(m, "Channel Hungup")
}

// ErrSecondary is wrapped by Backend.Redirect's errors about the
// ExtraChannel.
var ErrSecondary = errors.New("secondary redirect")

// priorityHeader reads a Priority header: a number (1 when empty).
func priorityHeader(v string) (int, bool) {
	if v == "" {
		return 1, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 1
}

// actionRedirect is Redirect (manager.c action_redirect): Channel goes
// to Context,Exten,Priority as ast_async_goto sends it, interrupting the
// application it runs; with ExtraChannel a second channel goes to
// ExtraContext,ExtraExten,ExtraPriority (the first channel's place when
// ExtraContext is empty), both leaving a bridge they share.
func actionRedirect(_ context.Context, ss *session, m *Message) {
	to := RedirectTarget{Channel: m.Get("Channel"), Context: m.Get("Context"), Exten: m.Get("Exten")}
	if to.Channel == "" {
		ss.fail(m, "Channel not specified")
		return
	}
	var ok bool
	if to.Priority, ok = priorityHeader(m.Get("Priority")); !ok {
		ss.fail(m, "Invalid priority")
		return
	}
	if to.Exten == "" {
		ss.fail(m, "Exten not specified")
		return
	}
	var extra *RedirectTarget
	if name2 := m.Get("ExtraChannel"); name2 != "" {
		x := RedirectTarget{Channel: name2, Context: to.Context, Exten: to.Exten, Priority: to.Priority}
		if c := m.Get("ExtraContext"); c != "" {
			x.Context, x.Exten = c, m.Get("ExtraExten")
			if x.Priority, ok = priorityHeader(m.Get("ExtraPriority")); !ok {
				ss.fail(m, "Invalid ExtraPriority")
				return
			}
		}
		extra = &x
	}
	err := ss.srv.backend.Redirect(to, extra)
	switch {
	case err == nil && extra != nil:
		ss.success(m, "Dual Redirect successful")
	case err == nil:
		ss.success(m, "Redirect successful")
	case errors.Is(err, ErrSecondary) && errors.Is(err, ErrNotFound):
		ss.fail(m, "ExtraChannel does not exist: "+extra.Channel)
	case errors.Is(err, ErrSecondary):
		ss.fail(m, "Secondary redirect failed")
	case errors.Is(err, ErrNotFound):
		ss.fail(m, "Channel does not exist: "+to.Channel)
	case errors.Is(err, ErrInvalid):
		ss.fail(m, "Extension does not exist.")
	default:
		ss.fail(m, "Redirect failed")
	}
}

// actionBlindTransfer is BlindTransfer (manager.c
// action_blind_transfer): Channel's bridge partner goes to Context,Exten.
func actionBlindTransfer(_ context.Context, ss *session, m *Message) {
	name, exten := m.Get("Channel"), m.Get("Exten")
	if name == "" {
		ss.fail(m, "No channel specified")
		return
	}
	if exten == "" {
		ss.fail(m, "No extension specified")
		return
	}
	switch err := ss.srv.backend.BlindTransfer(name, m.Get("Context"), exten); {
	case err == nil:
		ss.success(m, "Transfer succeeded")
	case errors.Is(err, ErrNotFound):
		ss.fail(m, "No such channel")
	case errors.Is(err, ErrInvalid):
		ss.fail(m, "Transfer invalid")
	default:
		ss.fail(m, "Transfer failed")
	}
}

// actionAtxfer is Atxfer (manager.c action_atxfer): Channel, the
// transferer, starts an attended transfer of its bridge partner to
// Exten@Context, as if it had dialled the atxfer feature code and the
// extension (TRANSFER_CONTEXT is set to Context); the transfer then runs
// as the feature's does (features.conf's atxfer keys, the
// AttendedTransfer event when it completes).
func actionAtxfer(_ context.Context, ss *session, m *Message) {
	name, exten := m.Get("Channel"), m.Get("Exten")
	if name == "" {
		ss.fail(m, "No channel specified")
		return
	}
	if exten == "" {
		ss.fail(m, "No extension specified")
		return
	}
	switch err := ss.srv.backend.Atxfer(name, m.Get("Context"), exten); {
	case err == nil:
		ss.success(m, "Atxfer successfully queued")
	case errors.Is(err, ErrNotFound):
		ss.fail(m, "Channel specified does not exist")
	case errors.Is(err, ErrInvalid):
		ss.fail(m, "Channel is not bridged")
	default:
		ss.fail(m, "Atxfer failed")
	}
}

// actionMixMonitor is MixMonitor (app_mixmonitor's manager_mixmonitor):
// Channel, File, Options, Command; the answer carries MixMonitorID.
func actionMixMonitor(_ context.Context, ss *session, m *Message) {
	name := m.Get("Channel")
	if name == "" {
		ss.fail(m, "No channel specified")
		return
	}
	id, err := ss.srv.backend.MixMonitor(name, m.Get("File"), m.Get("Options"), m.Get("Command"))
	switch {
	case errors.Is(err, ErrNotFound):
		ss.fail(m, "No such channel")
	case err != nil:
		ss.fail(m, "Could not start monitoring channel")
	default:
		_ = ss.send(response(m, "Success", "").Add("MixMonitorID", id))
	}
}

// actionStopMixMonitor is StopMixMonitor: Channel, MixMonitorID.
func actionStopMixMonitor(_ context.Context, ss *session, m *Message) {
	name := m.Get("Channel")
	if name == "" {
		ss.fail(m, "No channel specified")
		return
	}
	switch err := ss.srv.backend.StopMixMonitor(name, m.Get("MixMonitorID")); {
	case errors.Is(err, ErrNotFound):
		ss.fail(m, "No such channel")
	case err != nil:
		ss.fail(m, "Could not stop monitoring channel")
	default:
		ss.success(m, "Stopped monitoring channel")
	}
}

func actionGetvar(_ context.Context, ss *session, m *Message) {
	name := m.Get("Variable")
	if name == "" {
		ss.fail(m, "No variable specified")
		return
	}
	v, err := ss.srv.backend.Getvar(m.Get("Channel"), name)
	if err != nil {
		ss.fail(m, "No such channel")
		return
	}
	_ = ss.send(response(m, "Success", "").Add("Variable", name).Add("Value", v))
}

func actionSetvar(_ context.Context, ss *session, m *Message) {
	name := m.Get("Variable")
	if name == "" {
		ss.fail(m, "No variable specified")
		return
	}
	if err := ss.srv.backend.Setvar(m.Get("Channel"), name, m.Get("Value")); err != nil {
		ss.fail(m, "No such channel")
		return
	}
	ss.success(m, "Variable Set")
}

// list answers a list action as astman_send_listack does, then sends
// items, then the complete event with EventList: Complete and ListItems.
func (ss *session) list(m *Message, msg string, items []events.Event, complete string, extra ...events.Field) {
	_ = ss.send(response(m, "Success", "").Add("EventList", "start").Add("Message", msg))
	id := m.Get("ActionID")
	for _, e := range items {
		out := (&Message{}).Add("Event", e.Name)
		if id != "" {
			out.Add("ActionID", id)
		}
		out.Fields = append(out.Fields, e.Fields...)
		_ = ss.send(out)
	}
	done := (&Message{}).Add("Event", complete)
	if id != "" {
		done.Add("ActionID", id)
	}
	done.Add("EventList", "Complete").Add("ListItems", itoa(len(items)))
	done.Fields = append(done.Fields, extra...)
	_ = ss.send(done)
}

func f(k, v string) events.Field { return events.Field{Key: k, Value: v} }

// actionStatus is Status: a Status event per channel (or the one named).
func actionStatus(_ context.Context, ss *session, m *Message) {
	want := m.Get("Channel")
	var items []events.Event
	for _, c := range ss.srv.backend.Channels() {
		if want != "" && !strings.EqualFold(want, "all") && c.Name != want {
			continue
		}
		fs := c.snapshot()
		fs = append(fs, f("Type", strings.SplitN(c.Name, "/", 2)[0]), f("DNID", ""),
			f("TimeToHangup", "0"), f("BridgeID", c.BridgeID), f("Application", c.Application), f("Data", c.Data),
			f("Nativeformats", "(ulaw|alaw)"), f("Readformat", "ulaw"), f("Writeformat", "ulaw"),
			f("Callgroup", "0"), f("Pickupgroup", "0"), f("Seconds", itoa(int(time.Since(c.Created).Seconds()))))
		items = append(items, events.Event{Name: "Status", Fields: fs})
	}
	if want != "" && !strings.EqualFold(want, "all") && len(items) == 0 {
		ss.fail(m, "No such channel")
		return
	}
	ss.list(m, "Channel status will follow", items, "StatusComplete", f("Items", itoa(len(items))))
}

func actionCoreShowChannels(_ context.Context, ss *session, m *Message) {
	var items []events.Event
	for _, c := range ss.srv.backend.Channels() {
		d := time.Since(c.Created)
		fs := append(c.snapshot(), f("BridgeId", c.BridgeID), f("Application", c.Application), f("ApplicationData", c.Data),
			f("Duration", fmt.Sprintf("%02d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)),
			f("BridgedChannel", ""), f("BridgedUniqueID", ""))
		items = append(items, events.Event{Name: "CoreShowChannel", Fields: fs})
	}
	ss.list(m, "Channels will follow", items, "CoreShowChannelsComplete")
}

func (ss *session) queues(name string) []Queue {
	var out []Queue
	for _, q := range ss.srv.backend.Queues() {
		if name == "" || q.Name == name {
			out = append(out, q)
		}
	}
	return out
}

// actionQueueStatus is QueueStatus (app_queue's manager_queues_status):
// QueueParams, then QueueMember and QueueEntry events of each queue (or
// of Queue:, or only Member:), then QueueStatusComplete. The fields and
// their order are app_queue's (Asterisk 16+: ServicelevelPerf2).
func actionQueueStatus(_ context.Context, ss *session, m *Message) {
	member := m.Get("Member")
	var items []events.Event
	for _, q := range ss.queues(m.Get("Queue")) {
		items = append(items, events.Event{Name: "QueueParams", Fields: []events.Field{
			f("Queue", q.Name), f("Max", itoa(q.Max)), f("Strategy", q.Strategy), f("Calls", itoa(q.Calls)),
			f("Holdtime", itoa(q.HoldTime)), f("TalkTime", itoa(q.TalkTime)), f("Completed", itoa(q.Completed)),
			f("Abandoned", itoa(q.Abandoned)), f("ServiceLevel", itoa(q.ServiceLevel)),
			f("ServicelevelPerf", strconv.FormatFloat(q.ServiceLevelPerf, 'f', 1, 64)),
			f("ServicelevelPerf2", strconv.FormatFloat(q.ServiceLevelPerf2, 'f', 1, 64)), f("Weight", itoa(q.Weight)),
		}})
		for _, mb := range q.Members {
			if member != "" && member != mb.Location && member != mb.Name {
				continue
			}
			membership := "static"
			if mb.Dynamic {
				membership = "dynamic"
			}
			last := 0
			if !mb.LastCall.IsZero() {
				last = int(mb.LastCall.Unix())
			}
			items = append(items, events.Event{Name: "QueueMember", Fields: []events.Field{
				f("Queue", q.Name), f("Name", mb.Name), f("Location", mb.Location), f("StateInterface", mb.StateInterface),
				f("Membership", membership), f("Penalty", itoa(mb.Penalty)), f("CallsTaken", itoa(mb.CallsTaken)),
				f("LastCall", itoa(last)), f("LastPause", "0"), f("InCall", boolDigit(mb.InCall)), f("Status", itoa(mb.Status)),
				f("Paused", boolDigit(mb.Paused)), f("PausedReason", mb.PausedReason), f("Wrapuptime", itoa(q.Wrapuptime)),
			}})
		}
		for _, e := range q.Entries {
			items = append(items, events.Event{Name: "QueueEntry", Fields: []events.Field{
				f("Queue", q.Name), f("Position", itoa(e.Position)), f("Channel", e.Channel), f("Uniqueid", e.Uniqueid),
				f("CallerIDNum", orUnknown(e.CallerIDNum)), f("CallerIDName", orUnknown(e.CallerName)),
				f("ConnectedLineNum", orUnknown(e.ConnectedNum)), f("ConnectedLineName", orUnknown(e.ConnectedName)),
				f("Wait", itoa(e.Wait)), f("Priority", itoa(e.Priority)),
			}})
		}
	}
	ss.list(m, "Queue status will follow", items, "QueueStatusComplete")
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func actionQueueSummary(_ context.Context, ss *session, m *Message) {
	var items []events.Event
	for _, q := range ss.queues(m.Get("Queue")) {
		items = append(items, events.Event{Name: "QueueSummary", Fields: []events.Field{
			f("Queue", q.Name), f("LoggedIn", itoa(q.LoggedIn)), f("Available", itoa(q.Available)),
			f("Callers", itoa(q.Calls)), f("HoldTime", itoa(q.HoldTime)), f("TalkTime", itoa(q.TalkTime)),
			f("LongestHoldTime", itoa(q.LongestHoldTime)),
		}})
	}
	ss.list(m, "Queue summary will follow", items, "QueueSummaryComplete")
}

func actionQueueAdd(_ context.Context, ss *session, m *Message) {
	q, iface := m.Get("Queue"), m.Get("Interface")
	if q == "" || iface == "" {
		ss.fail(m, "'Queue' and 'Interface' must be specified.")
		return
	}
	pen := 0
	if p := m.Get("Penalty"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			ss.fail(m, "Invalid penalty")
			return
		}
		pen = n
	}
	switch err := ss.srv.backend.QueueAdd(q, iface, m.Get("MemberName"), pen, isTrue(m.Get("Paused"))); {
	case err == nil:
		ss.success(m, "Added interface to queue")
	case errors.Is(err, ErrNotFound):
		ss.fail(m, "Unable to add interface to queue: No such queue")
	default:
		ss.fail(m, "Unable to add interface: Already there")
	}
}

func actionQueueRemove(_ context.Context, ss *session, m *Message) {
	q, iface := m.Get("Queue"), m.Get("Interface")
	if q == "" || iface == "" {
		ss.fail(m, "Need 'Queue' and 'Interface' parameters.")
		return
	}
	switch err := ss.srv.backend.QueueRemove(q, iface); {
	case err == nil:
		ss.success(m, "Removed interface from queue")
	case errors.Is(err, ErrNotFound):
		ss.fail(m, "Unable to remove interface: Not there")
	default:
		ss.fail(m, "Unable to remove interface from queue: "+err.Error())
	}
}

func actionQueuePause(_ context.Context, ss *session, m *Message) {
	iface, paused := m.Get("Interface"), m.Get("Paused")
	if iface == "" || paused == "" {
		ss.fail(m, "Need 'Interface' and 'Paused' parameters.")
		return
	}
	p := isTrue(paused)
	if err := ss.srv.backend.QueuePause(m.Get("Queue"), iface, m.Get("Reason"), p); err != nil {
		ss.fail(m, "Interface not found")
		return
	}
	if p {
		ss.success(m, "Interface paused successfully")
	} else {
		ss.success(m, "Interface unpaused successfully")
	}
}

func actionMailboxCount(_ context.Context, ss *session, m *Message) {
	mb := m.Get("Mailbox")
	if mb == "" {
		ss.fail(m, "Mailbox not specified")
		return
	}
	u, n, o, err := ss.srv.backend.MailboxCount(mb)
	if err != nil {
		u, n, o = 0, 0, 0 // Asterisk answers zeros for an unknown mailbox
	}
	_ = ss.send(response(m, "Success", "Mailbox Message Count").Add("Mailbox", mb).
		Add("UrgMessages", itoa(u)).Add("NewMessages", itoa(n)).Add("OldMessages", itoa(o)))
}

func actionSIPPeers(_ context.Context, ss *session, m *Message) {
	var items []events.Event
	for _, p := range ss.srv.backend.Peers() {
		host := orDefault(p.Host, "-none-")
		items = append(items, events.Event{Name: "PeerEntry", Fields: []events.Field{
			f("Channeltype", "SIP"), f("ObjectName", p.Name), f("ChanObjectType", "peer"), f("IPaddress", host),
			f("IPport", itoa(p.Port)), f("Dynamic", boolYesNo(p.Dynamic)), f("AutoForcerport", "no"), f("Forcerport", "no"),
			f("AutoComedia", "no"), f("Comedia", "no"), f("VideoSupport", "no"), f("TextSupport", "no"), f("ACL", "no"),
			f("Status", p.Status), f("RealtimeDevice", "no"), f("Description", ""), f("Accountcode", ""),
		}})
	}
	ss.list(m, "Peer status list will follow", items, "PeerlistComplete")
}

func actionPJSIPShowEndpoints(_ context.Context, ss *session, m *Message) {
	var items []events.Event
	for _, p := range ss.srv.backend.Peers() {
		state := "Unavailable"
		if p.Host != "" {
			state = "Not in use"
			if p.Channels > 0 {
				state = "In use"
			}
		}
		items = append(items, events.Event{Name: "EndpointList", Fields: []events.Field{
			f("ObjectType", "endpoint"), f("ObjectName", p.Name), f("Transport", p.Transport), f("Aor", p.Name),
			f("Auths", p.Name), f("OutboundAuths", ""), f("Contacts", contacts(p)), f("DeviceState", state),
			f("ActiveChannels", itoa(p.Channels)),
		}})
	}
	if len(items) == 0 {
		ss.fail(m, "No endpoints found")
		return
	}
	ss.list(m, "A listing of Endpoints follows, presented as EndpointList events", items, "EndpointListComplete")
}

func contacts(p Peer) string {
	if p.Host == "" {
		return ""
	}
	return fmt.Sprintf("%s/sip:%s@%s:%d,", p.Name, p.Name, p.Host, p.Port)
}

// actionDBGet answers as Asterisk 13+ does: a list of one DBGetResponse.
func actionDBGet(_ context.Context, ss *session, m *Message) {
	fam, key := m.Get("Family"), m.Get("Key")
	if fam == "" || key == "" {
		ss.fail(m, "No family specified.")
		return
	}
	v, err := ss.srv.backend.DBGet(fam, key)
	if err != nil {
		ss.fail(m, "Database entry not found")
		return
	}
	ss.list(m, "Result will follow", []events.Event{{Name: "DBGetResponse", Fields: []events.Field{
		f("Family", fam), f("Key", key), f("Val", v)}}}, "DBGetComplete")
}

func actionDBPut(_ context.Context, ss *session, m *Message) {
	fam, key := m.Get("Family"), m.Get("Key")
	if fam == "" || key == "" {
		ss.fail(m, "No family specified")
		return
	}
	if err := ss.srv.backend.DBPut(fam, key, m.Get("Val")); err != nil {
		ss.fail(m, "Failed to update entry")
		return
	}
	ss.success(m, "Updated database successfully")
}

func actionDBDel(_ context.Context, ss *session, m *Message) {
	fam, key := m.Get("Family"), m.Get("Key")
	if fam == "" || key == "" {
		ss.fail(m, "No family specified.")
		return
	}
	if err := ss.srv.backend.DBDel(fam, key); err != nil {
		ss.fail(m, "Database entry not found")
		return
	}
	ss.success(m, "Key deleted successfully")
}

// actionUserEvent publishes a UserEvent with the action's other headers,
// as action_userevent does.
func actionUserEvent(_ context.Context, ss *session, m *Message) {
	name := m.Get("UserEvent")
	if name == "" {
		ss.fail(m, "Missing UserEvent")
		return
	}
	fs := []events.Field{f("UserEvent", name)}
	for _, h := range m.Fields {
		switch strings.ToLower(h.Key) {
		case "action", "actionid", "userevent":
			continue
		}
		fs = append(fs, h)
	}
	ss.srv.backend.Publish(events.Event{Name: "UserEvent", Class: "user", Time: time.Now(), Fields: fs})
	ss.success(m, "Event Sent")
}

// actionCommand runs a read-only CLI command; the output comes as
// Output: lines (Asterisk 14+).
func actionCommand(_ context.Context, ss *session, m *Message) {
	cmd := m.Get("Command")
	if cmd == "" {
		ss.fail(m, "No command provided")
		return
	}
	out, err := ss.srv.backend.Command(cmd)
	if err != nil {
		ss.fail(m, "Command not permitted: only read-only show commands are")
		return
	}
	r := response(m, "Success", "Command output follows")
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for _, l := range lines {
		r.Add("Output", l)
	}
	_ = ss.send(r)
}

func actionCoreSettings(_ context.Context, ss *session, m *Message) {
	_ = ss.send(response(m, "Success", "").Add("AMIversion", Version).Add("AsteriskVersion", "obelisk").
		Add("SystemName", "obelisk").Add("CoreMaxCalls", "0").Add("CoreRunUser", "").Add("CoreRunGroup", ""))
}
