package queues

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Event is a queue_log event name (the fifth field of a line).
type Event int

// The events app_queue and the logger write, with the data fields each
// carries as ast_queue_log writes them.
const (
	EventUnknown Event = iota
	// EventQueueStart is the logger's first line: NONE|NONE|NONE|QUEUESTART|.
	EventQueueStart
	// EventConfigReload: NONE|NONE|NONE|CONFIGRELOAD|.
	EventConfigReload
	// EventEnterQueue: url|callerid|position.
	EventEnterQueue
	// EventConnect: holdtime|bridgedchanneluniqueid|ringtime.
	EventConnect
	// EventCompleteCaller: holdtime|calltime|origposition.
	EventCompleteCaller
	// EventCompleteAgent: holdtime|calltime|origposition.
	EventCompleteAgent
	// EventAbandon: position|origposition|waittime.
	EventAbandon
	// EventExitWithTimeout: position|origposition|waittime.
	EventExitWithTimeout
	// EventExitWithKey: key|position|origposition|waittime.
	EventExitWithKey
	// EventExitEmpty: position|origposition|waittime.
	EventExitEmpty
	// EventRingNoAnswer: ringtime in milliseconds.
	EventRingNoAnswer
	// EventAgentDump: the member hung up before the bridge (empty data).
	EventAgentDump
	// EventSysCompat: the channels could not be made compatible.
	EventSysCompat
	// EventAddMember: empty, or PAUSED when added paused.
	EventAddMember
	// EventRemoveMember: empty.
	EventRemoveMember
	// EventPause: reason.
	EventPause
	// EventUnpause: reason.
	EventUnpause
	// EventPauseAll: empty; agent only, queue and callid NONE.
	EventPauseAll
	// EventUnpauseAll: empty.
	EventUnpauseAll
	// EventPenalty: penalty.
	EventPenalty
	// EventRingInUse: 0 or 1.
	EventRingInUse
	// EventAgentLogin: channel.
	EventAgentLogin
	// EventAgentLogoff: channel|logintime.
	EventAgentLogoff
	// EventBlindTransfer: exten|context|holdtime|calltime|origposition.
	EventBlindTransfer
	// EventAttendedTransfer: method|target|holdtime|calltime|origposition.
	EventAttendedTransfer
)

var eventNames = [...]string{
	EventUnknown: "UNKNOWN", EventQueueStart: "QUEUESTART", EventConfigReload: "CONFIGRELOAD",
	EventEnterQueue: "ENTERQUEUE", EventConnect: "CONNECT", EventCompleteCaller: "COMPLETECALLER",
	EventCompleteAgent: "COMPLETEAGENT", EventAbandon: "ABANDON", EventExitWithTimeout: "EXITWITHTIMEOUT",
	EventExitWithKey: "EXITWITHKEY", EventExitEmpty: "EXITEMPTY", EventRingNoAnswer: "RINGNOANSWER",
	EventAgentDump: "AGENTDUMP", EventSysCompat: "SYSCOMPAT", EventAddMember: "ADDMEMBER",
	EventRemoveMember: "REMOVEMEMBER", EventPause: "PAUSE", EventUnpause: "UNPAUSE",
	EventPauseAll: "PAUSEALL", EventUnpauseAll: "UNPAUSEALL", EventPenalty: "PENALTY",
	EventRingInUse: "RINGINUSE", EventAgentLogin: "AGENTLOGIN", EventAgentLogoff: "AGENTLOGOFF",
	EventBlindTransfer: "BLINDTRANSFER", EventAttendedTransfer: "ATTENDEDTRANSFER",
}

// String returns the event as written in queue_log.
func (e Event) String() string {
	if e >= 0 && int(e) < len(eventNames) {
		return eventNames[e]
	}
	return "UNKNOWN"
}

// ParseEvent reads an event name of queue_log.
func ParseEvent(s string) (Event, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	for i, n := range eventNames {
		if u == n {
			return Event(i), nil
		}
	}
	return EventUnknown, fmt.Errorf("unknown queue_log event %q", s)
}

// EventLog receives the queue runtime's queue_log events. QueueLog is the
// file writer; the switch may add its own (realtime, AMI) beside it.
type EventLog interface {
	Log(queue, callid, agent string, ev Event, data ...string) error
}

// QueueLog writes Asterisk's queue_log format, one event a line:
//
//	epoch|callid|queue|agent|event|data1|data2|…
//	1366720340|1366720340.303267|MYQUEUE|SIP/8007|RINGNOANSWER|1000
//
// as main/logger.c's ast_queue_log prints "%ld|%s|%s|%s|%s|" then the
// event's data joined by "|". Each line is written with one Write call and,
// when the writer can (an *os.File), synced before Log returns, so a crash
// loses no line that was acknowledged.
type QueueLog struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
}

var _ EventLog = (*QueueLog)(nil)

// NewQueueLog returns a QueueLog writing to w. It writes no QUEUESTART
// line; OpenQueueLog does.
func NewQueueLog(w io.Writer) *QueueLog { return &QueueLog{w: w} }

// OpenQueueLog opens (creating, 0o640) the queue_log file at path for
// appending and writes the NONE|NONE|NONE|QUEUESTART| line the Asterisk
// logger writes when it opens the file.
func OpenQueueLog(path string) (*QueueLog, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open queue_log: %w", err)
	}
	l := NewQueueLog(f)
	if err := l.Log("NONE", "NONE", "NONE", EventQueueStart); err != nil {
		return nil, errors.Join(err, f.Close())
	}
	return l, nil
}

// FormatLine returns the queue_log line of an event at t, without the
// newline. An event with no data still ends in "|" as Asterisk's lines do.
func FormatLine(t time.Time, callid, queue, agent string, ev Event, data ...string) string {
	var b strings.Builder
	b.WriteString(strconv.FormatInt(t.Unix(), 10))
	for _, s := range []string{callid, queue, agent, ev.String()} {
		b.WriteByte('|')
		b.WriteString(s)
	}
	b.WriteByte('|')
	b.WriteString(strings.Join(data, "|"))
	return b.String()
}

// Log appends one event line stamped with the current time.
func (l *QueueLog) Log(queue, callid, agent string, ev Event, data ...string) error {
	line := FormatLine(time.Now(), callid, queue, agent, ev, data...) + "\n"
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	if _, err := io.WriteString(l.w, line); err != nil {
		return fmt.Errorf("queue_log %s: %w", ev, err)
	}
	if s, ok := l.w.(interface{ Sync() error }); ok {
		if err := s.Sync(); err != nil {
			return fmt.Errorf("queue_log %s: sync: %w", ev, err)
		}
	}
	return nil
}

// Close closes the underlying writer when it is an io.Closer. It may be
// called more than once.
func (l *QueueLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if c, ok := l.w.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// discardLog is the EventLog of a Manager given none.
type discardLog struct{}

func (discardLog) Log(string, string, string, Event, ...string) error { return nil }

// itoa formats the integer data fields of queue_log lines.
func itoa(n int) string { return strconv.Itoa(n) }

// secs is app_queue's time(NULL) - start: whole seconds, truncated.
func secs(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }
