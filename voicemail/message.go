package voicemail

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// MessageInfo is a message's msgNNNN.txt, the "Message Information file"
// leave_voicemail writes beside the recording. Obelisk writes it byte for
// byte as app_voicemail does, so tools that read an Asterisk spool read
// Obelisk's:
//
//	;
//	; Message Information file
//	;
//	[message]
//	origmailbox=101
//	context=from-phones
//	macrocontext=
//	exten=101
//	rdnis=unknown
//	priority=2
//	callerchan=SIP/102-00000001
//	callerid="Bob" <102>
//	origdate=Mon Jan  2 03:04:05 PM UTC 2006
//	origtime=1136214245
//	category=
//	msg_id=1136214245-00000000
//	flag=
//	duration=7
type MessageInfo struct {
	// OrigMailbox is the box the message was left for.
	OrigMailbox string
	// Context, MacroContext, Exten and Priority locate the caller's dialplan
	// when VoiceMail() ran.
	Context, MacroContext, Exten string
	// RDNIS is the redirecting number, "unknown" when there is none.
	RDNIS    string
	Priority int
	// CallerChan is the calling channel's name.
	CallerChan string
	// CallerID is ast_callerid_merge's `"name" <number>` ("Unknown" when absent).
	CallerID string
	// OrigDate is the time in get_date's format ("%a %b %e %r UTC %Y");
	// OrigTime the same instant in Unix seconds.
	OrigDate string
	OrigTime int64
	// Category is the channel's VM_CATEGORY.
	Category string
	// MsgID is "origtime-counter" (generate_msg_id).
	MsgID string
	// Flag is "", "Urgent" or "PRIORITY".
	Flag string
	// Duration is the recording's length in whole seconds.
	Duration int
}

// Message flags of VoiceMail's U and P options.
const (
	FlagUrgent   = "Urgent"
	FlagPriority = "PRIORITY"
)

// origDateLayout is get_date's "%a %b %e %r UTC %Y" in Go.
const origDateLayout = "Mon Jan _2 03:04:05 PM UTC 2006"

// FormatOrigDate formats t as app_voicemail's get_date does (in UTC).
func FormatOrigDate(t time.Time) string { return t.UTC().Format(origDateLayout) }

// msgIDCounter is generate_msg_id's process-wide counter.
var msgIDCounter atomic.Uint32

// NewMsgID returns a msg_id as generate_msg_id makes it: "%ld-%08x" of the
// time and a counter unique in the process.
func NewMsgID(t time.Time) string {
	return fmt.Sprintf("%d-%08x", t.Unix(), msgIDCounter.Add(1)-1)
}

// MergeCallerID returns ast_callerid_merge(name, number, unknown):
// `"name" <number>`, the one that is set, or unknown.
func MergeCallerID(name, number, unknown string) string {
	switch {
	case name != "" && number != "":
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `" <` + number + ">"
	case name != "":
		return name
	case number != "":
		return number
	}
	return unknown
}

// SplitCallerID is ast_callerid_split for the forms MergeCallerID writes:
// `"name" <number>`, `name <number>`, a bare number or a bare name.
func SplitCallerID(cid string) (name, number string) {
	cid = strings.TrimSpace(cid)
	if i := strings.LastIndexByte(cid, '<'); i >= 0 && strings.HasSuffix(cid, ">") {
		number = cid[i+1 : len(cid)-1]
		name = strings.TrimSpace(cid[:i])
		if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
			name = strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(name[1 : len(name)-1])
		}
		return name, number
	}
	if cid == "" || strings.EqualFold(cid, "unknown") {
		return "", ""
	}
	if strings.Trim(cid, "0123456789+*#") == "" {
		return "", cid
	}
	return cid, ""
}

// MarshalText returns the file exactly as leave_voicemail writes it.
func (m *MessageInfo) MarshalText() ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, ";\n; Message Information file\n;\n[message]\n"+
		"origmailbox=%s\ncontext=%s\nmacrocontext=%s\nexten=%s\nrdnis=%s\npriority=%d\n"+
		"callerchan=%s\ncallerid=%s\norigdate=%s\norigtime=%d\ncategory=%s\nmsg_id=%s\n"+
		"flag=%s\nduration=%d\n",
		m.OrigMailbox, m.Context, m.MacroContext, m.Exten, m.RDNIS, m.Priority,
		m.CallerChan, m.CallerID, m.OrigDate, m.OrigTime, m.Category, m.MsgID,
		m.Flag, m.Duration)
	return b.Bytes(), nil
}

// ParseMessageInfo reads a msgNNNN.txt. It accepts the older files of
// Asterisk too (no rdnis, msg_id, flag or duration; '#' comments) and
// ignores keys it does not know.
func ParseMessageInfo(r io.Reader) (MessageInfo, error) {
	var m MessageInfo
	sc := bufio.NewScanner(r)
	section := ""
	seen := false
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == ';' || s[0] == '#' {
			continue
		}
		if s[0] == '[' {
			section = strings.Trim(s, "[]")
			continue
		}
		if section != "message" && section != "" {
			continue
		}
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return m, fmt.Errorf("line %d: %q: %w", line, s, ErrBadMessageInfo)
		}
		seen = true
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "origmailbox":
			m.OrigMailbox = v
		case "context":
			m.Context = v
		case "macrocontext":
			m.MacroContext = v
		case "exten":
			m.Exten = v
		case "rdnis":
			m.RDNIS = v
		case "priority":
			m.Priority, _ = strconv.Atoi(v)
		case "callerchan":
			m.CallerChan = v
		case "callerid":
			m.CallerID = v
		case "origdate":
			m.OrigDate = v
		case "origtime":
			m.OrigTime, _ = strconv.ParseInt(v, 10, 64)
		case "category":
			m.Category = v
		case "msg_id":
			m.MsgID = v
		case "flag":
			m.Flag = v
		case "duration":
			m.Duration, _ = strconv.Atoi(v)
		}
	}
	if err := sc.Err(); err != nil {
		return m, err
	}
	if !seen {
		return m, ErrBadMessageInfo
	}
	return m, nil
}

// Message is one message of a folder.
type Message struct {
	// Num is the message's number in its folder, from 0 (msg0000).
	Num    int
	Folder Folder
	// Path is the recording without extension, as Channel.Play takes it.
	Path string
	Info MessageInfo
}

// MessageFile returns "msgNNNN" (make_file's "%s/msg%04d").
func MessageFile(num int) string { return fmt.Sprintf("msg%04d", num) }
