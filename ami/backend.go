package ami

import (
	"context"
	"time"

	"github.com/obelisk-pbx/obelisk/events"
)

// Backend is what the manager needs from the switch. pbx implements it;
// tests use a fake. Errors that name a missing thing wrap ErrNotFound.
type Backend interface {
	// Subscribe opens a subscription to the switch's event stream.
	Subscribe(buffer int) *events.Subscription
	// Publish puts an event on the stream (UserEvent).
	Publish(events.Event)
	// Originate places a call (see OriginateRequest). It returns once
	// the channel answered (the call then goes on) or failed.
	Originate(ctx context.Context, r OriginateRequest) (OriginateResult, error)
	// Channels are the live channels, oldest first.
	Channels() []Channel
	// Hangup hangs channel up with a Q.850 cause.
	Hangup(channel string, cause int) error
	// BlindTransfer sends the bridge partner of channel to
	// context,exten,1 and hangs channel up; an extension that does not
	// exist wraps ErrInvalid.
	BlindTransfer(channel, context, exten string) error
	// Atxfer starts an attended transfer by channel of its bridge
	// partner to exten in context ("" the channel's transfer context),
	// as the atxfer feature code would; it returns once the transfer
	// began. A channel in no bridge wraps ErrInvalid.
	Atxfer(channel, context, exten string) error
	// MixMonitor starts recording channel as MixMonitor(file,options,
	// command) would and returns the MixMonitor's ID; StopMixMonitor
	// stops it (id "" is the last one started).
	MixMonitor(channel, file, options, command string) (string, error)
	StopMixMonitor(channel, id string) error
	// Redirect sends a channel to its place (its dialplan goes on
	// there), and extra, when not nil, to its own (ExtraChannel).
	// Errors about extra wrap ErrSecondary.
	Redirect(to RedirectTarget, extra *RedirectTarget) error
	// Getvar reads a variable or function of channel, or a global
	// variable when channel is "".
	Getvar(channel, name string) (string, error)
	// Setvar sets a variable or function of channel, or a global when
	// channel is "".
	Setvar(channel, name, value string) error
	// Queues are the queues' state now, by name.
	Queues() []Queue
	// QueueAdd adds a dynamic member (QueueAdd, AddQueueMember).
	QueueAdd(queue, iface, name string, penalty int, paused bool) error
	// QueueRemove removes a dynamic member.
	QueueRemove(queue, iface string) error
	// QueuePause pauses or unpauses a member in queue ("" for every
	// queue it is in).
	QueuePause(queue, iface, reason string, paused bool) error
	// MailboxCount returns a mailbox's urgent, new and old messages.
	MailboxCount(mailbox string) (urgent, newMsgs, old int, err error)
	// Peers are the SIP endpoints with their registration state.
	Peers() []Peer
	// DBGet, DBPut and DBDel use the AstDB.
	DBGet(family, key string) (string, error)
	DBPut(family, key, value string) error
	DBDel(family, key string) error
	// Command runs a read-only CLI command and returns its output.
	Command(cmd string) (string, error)
}

// RedirectTarget is a channel of a Redirect and where it goes:
// Context ("" keeps the channel's), Exten and Priority.
type RedirectTarget struct {
	Channel, Context, Exten string
	Priority                int
}

// OriginateRequest is the Originate action's call (manager.c
// action_originate): Channel is dialled for Timeout with CallerID; once
// it answers it runs Context/Exten/Priority, or Application(Data).
type OriginateRequest struct {
	Channel                 string
	Context, Exten          string
	Priority                int
	Application, Data       string
	CallerIDNum, CallerName string
	Account                 string
	Timeout                 time.Duration
	// Variables are the Variable: headers' name=value pairs in order.
	Variables [][2]string
	// ChannelID is the uniqueid asked for (ChannelId:), if any.
	ChannelID string
}

// Originate reasons, as OriginateResponse's Reason: the last control
// frame ast_pbx_outgoing_exten saw (AST_CONTROL_*).
const (
	ReasonFailure    = 0 // no such channel or extension, failure
	ReasonHangup     = 1 // hung up before answering
	ReasonRingTimout = 3 // rang until Timeout
	ReasonAnswered   = 4
	ReasonBusy       = 5
	ReasonCongestion = 8
)

// OriginateResult is how an Originate ended.
type OriginateResult struct {
	// Reason is one of the Reason* codes.
	Reason int
	// Channel and Uniqueid name the channel made.
	Channel, Uniqueid string
}

// Channel is a live channel as Status and CoreShowChannels list it.
type Channel struct {
	Name, Uniqueid, Linkedid string
	State                    int // AST_STATE_*: 4 Ring, 5 Ringing, 6 Up
	StateDesc                string
	CallerIDNum, CallerName  string
	ConnectedNum             string
	ConnectedName            string
	Language, Account        string
	Context, Exten           string
	Priority                 int
	Application, Data        string
	BridgeID                 string
	Created                  time.Time
}

// snapshot is the channel's fields as manager_channels.c's
// ast_manager_build_channel_state_string prints them.
func (c Channel) snapshot() []events.Field {
	return ChannelFields("", c)
}

// ChannelFields returns the standard channel fields of c, each key
// prefixed with prefix ("Dest" for DialBegin's called channel), as
// ast_manager_build_channel_state_string_prefix does.
func ChannelFields(prefix string, c Channel) []events.Field {
	f := func(k, v string) events.Field { return events.Field{Key: prefix + k, Value: v} }
	cid, name := c.CallerIDNum, c.CallerName
	return []events.Field{
		f("Channel", c.Name), f("ChannelState", itoa(c.State)), f("ChannelStateDesc", c.StateDesc),
		f("CallerIDNum", orUnknown(cid)), f("CallerIDName", orUnknown(name)),
		f("ConnectedLineNum", orUnknown(c.ConnectedNum)), f("ConnectedLineName", orUnknown(c.ConnectedName)),
		f("Language", c.Language), f("AccountCode", c.Account),
		f("Context", c.Context), f("Exten", c.Exten), f("Priority", itoa(c.Priority)),
		f("Uniqueid", c.Uniqueid), f("Linkedid", c.Linkedid),
	}
}

// orUnknown is "<unknown>" for an empty caller ID, as the manager prints
// S_COR(…, "<unknown>").
func orUnknown(s string) string {
	if s == "" {
		return "<unknown>"
	}
	return s
}

// Queue is one queue's parameters, members and callers (QueueStatus,
// QueueSummary), with app_queue's statistics.
type Queue struct {
	Name, Strategy     string
	Max                int
	Calls              int
	HoldTime, TalkTime int // seconds, app_queue's running averages
	// Completed and Abandoned count the calls answered and ended, and the
	// callers who left unanswered.
	Completed, Abandoned int
	// ServiceLevel is the SL target in seconds; ServiceLevelPerf and
	// ServiceLevelPerf2 the percentages app_queue computes from it.
	ServiceLevel                        int
	ServiceLevelPerf, ServiceLevelPerf2 float64
	Weight                              int
	// Wrapuptime is the members' rest after a call, in seconds.
	Wrapuptime                      int
	Members                         []QueueMember
	Entries                         []QueueEntry
	LongestHoldTime                 int
	LoggedIn, Available, CallersNow int
}

// QueueMember is a member as QueueMember events show it.
type QueueMember struct {
	Name, Location, StateInterface string
	Dynamic                        bool
	Penalty, CallsTaken            int
	LastCall                       time.Time
	InCall                         bool
	Status                         int // AST_DEVICE_*: 1 not in use, 2 in use, 6 ringing …
	Paused                         bool
	PausedReason                   string
}

// QueueEntry is a waiting caller.
type QueueEntry struct {
	Position                    int
	Channel, Uniqueid           string
	CallerIDNum, CallerName     string
	ConnectedNum, ConnectedName string
	Wait                        int // seconds
	Priority                    int
}

// Peer is a SIP endpoint as SIPpeers and PJSIPShowEndpoints show it.
type Peer struct {
	Name      string
	Host      string // registered contact's IP, or the configured host
	Port      int
	Dynamic   bool
	Status    string // "OK (12 ms)", "UNKNOWN", "UNREACHABLE", "Unmonitored"
	Transport string
	Channels  int
	Context   string
}
