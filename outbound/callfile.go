package outbound

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/ivr"
)

// Defaults pbx_spool gives a call file that does not set them.
const (
	// DefaultWaitTime is how long the channel may ring before the attempt
	// counts as no answer (WaitTime: 45).
	DefaultWaitTime = 45 * time.Second
	// DefaultRetryTime is the pause between two attempts (RetryTime: 300).
	DefaultRetryTime = 300 * time.Second
	// DefaultPriority is the dialplan priority the answered channel starts at.
	DefaultPriority = 1
)

// maxLine is pbx_spool's fgets buffer: it reads at most 255 bytes a line.
const maxLine = 255

// Var is one "Set: NAME=value" (or "Setvar:") line of a call file: a channel
// variable, or a function such as CHANNEL(language), set on the channel
// before it runs the dialplan.
type Var struct {
	// Name is everything before the first '=', as written (not trimmed).
	Name string
	// Value is everything after it.
	Value string
}

// CallFile is an Asterisk call file: a channel to dial, what to connect it
// to when it answers, and the retry state pbx_spool appends to the file as
// it works on it.
//
// Example, the demo's post-call survey:
//
//	Channel: Local/7001@survey-dial
//	CallerID: Call centre <0777>
//	MaxRetries: 2
//	RetryTime: 300
//	WaitTime: 45
//	Context: survey
//	Extension: s
//	Priority: 1
//	Setvar: SV_CALLER=7001
//	Archive: yes
type CallFile struct {
	// Name is the name the file was parsed under (used in errors and logs).
	Name string

	// Channel is the "Channel:" value as written: Tech/Dest.
	Channel string
	// Tech is the channel technology before the first '/' ("SIP", "Local").
	Tech string
	// Dest is what follows the '/' ("7001@survey-dial", "pstn/0612345678").
	Dest string

	// CallerID is the "CallerID:" value as written; CallerIDName and
	// CallerIDNum are its parts as ast_callerid_split makes them.
	CallerID     string
	CallerIDName string
	CallerIDNum  string

	// WaitTime is how long to ring before giving up on an attempt.
	WaitTime time.Duration
	// MaxRetries is how many times to try again after the first attempt
	// fails: a file is attempted at most MaxRetries+1 times.
	MaxRetries int
	// RetryTime is the pause between two attempts.
	RetryTime time.Duration
	// Account is the channel's account code (CDR accountcode).
	Account string

	// Context, Extension and Priority are where the answered channel enters
	// the dialplan, unless Application is set.
	Context   string
	Extension string
	Priority  int
	// Application and Data are the application the answered channel runs
	// instead of the dialplan; Application wins when both are set.
	Application string
	Data        string

	// Vars are the Set/Setvar lines in file order.
	Vars []Var
	// Codecs are the "Codecs:" values in order (comma lists split); the
	// formats offered on the outgoing channel, "!" meaning disallow.
	Codecs []string

	// AlwaysDelete (default true) removes the file when the call completes or
	// expires even when its mtime is in the future; with "AlwaysDelete: no" a
	// file whose mtime was moved into the future stays to be called again.
	AlwaysDelete bool
	// Archive moves the finished file into outgoing_done with a
	// "Status: Completed|Expired|Failed" line instead of deleting it.
	Archive bool
	// EarlyMedia ("early_media: yes") connects the channel to the dialplan
	// on early media rather than on answer.
	EarlyMedia bool

	// Retries counts the attempts the file records: one per EndRetry,
	// AbortRetry or Retry line. While the spool dials, it is the number of
	// the attempt in progress (1 for the first).
	Retries int
	// CallingPID is the process of a StartRetry line that no EndRetry or
	// AbortRetry followed: an attempt was in progress (or its process died).
	CallingPID int64
	// Status is the "Status:" line pbx_spool appends when it archives the
	// file (StatusUnknown in a file still in the spool).
	Status Status

	// Warnings are the lines pbx_spool would log and skip (unknown keys,
	// syntax errors, bad numbers); the file is still used.
	Warnings []error
}

// NewCallFile returns a CallFile with pbx_spool's defaults (WaitTime 45 s,
// RetryTime 300 s, Priority 1, AlwaysDelete) for channel, e.g.
// "Local/7001@survey-dial".
func NewCallFile(channel string) *CallFile {
	cf := &CallFile{WaitTime: DefaultWaitTime, RetryTime: DefaultRetryTime, Priority: DefaultPriority, AlwaysDelete: true}
	cf.Channel = channel
	cf.Tech, cf.Dest, _ = strings.Cut(channel, "/")
	return cf
}

// ParseCallFile reads a call file as pbx_spool's apply_outgoing does:
//
//   - a '#' at the start of a line or after a blank starts a comment, a ';'
//     always does unless escaped as "\;";
//   - blank lines are skipped; "key: value" lines have their key matched
//     without case and exactly as written (no blanks around it), the value
//     taken from the first non-blank after the colon to the last non-blank;
//   - numbers are read like sscanf("%d"): "2 tries" is 2; a bad MaxRetries is
//     0, a bad or non-positive Priority 1, RetryTime 300 s, WaitTime 45 s;
//   - the StartRetry/EndRetry/AbortRetry/DelayedRetry/Retry lines the spool
//     appends give Retries and CallingPID; a Status line (what archiving
//     appends) gives Status.
//
// Lines pbx_spool skips with a warning are kept in CallFile.Warnings. The
// file is refused, as pbx_spool refuses it, when it has no Channel of the
// form Tech/Dest or names neither Application nor Extension: the error is a
// *ParseError ("name:line: message") wrapping ErrNoChannel or
// ErrNoDestination, and the CallFile read so far is returned with it so that
// the spool can still honour its Archive line. Read errors are returned
// alone.
func ParseCallFile(r io.Reader, name string) (*CallFile, error) {
	cf := NewCallFile("")
	cf.Name = name
	br := bufio.NewReader(r)
	lineno := 0
	channelLine := 0 // the last Channel line, for the error
	badChannel := false
	channelValue := ""
	for {
		raw, err := br.ReadBytes('\n')
		if len(raw) == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("read call file %s: %w", name, err)
		}
		lineno++
		if len(bytes.TrimRight(raw, "\r\n")) > maxLine {
			cf.warn(lineno, ErrLongLine, "line longer than %d bytes (Asterisk splits it)", maxLine)
		}
		key, value, ok := lexLine(raw)
		if key == "" && !ok {
			continue // blank or comment
		}
		if !ok {
			cf.warn(lineno, ErrSyntax, "syntax error: no ':' in %q", key)
			continue
		}
		if strings.EqualFold(key, "channel") {
			channelLine, channelValue = lineno, value
			badChannel = !strings.Contains(value, "/")
		}
		cf.apply(lineno, key, value)
		if err != nil {
			break
		}
	}
	last := max(lineno, 1)
	switch {
	case cf.Tech == "" || cf.Dest == "":
		line, msg := last, "no Channel: a call file needs \"Channel: Tech/Dest\""
		if channelLine > 0 {
			line, msg = channelLine, fmt.Sprintf("Channel %q should be in form Tech/Dest", channelValue)
			if !badChannel {
				msg = fmt.Sprintf("Channel %q has an empty technology or destination", channelValue)
			}
		}
		return cf, &ParseError{File: name, Line: line, Msg: msg, Err: ErrNoChannel}
	case cf.Application == "" && cf.Extension == "":
		return cf, &ParseError{File: name, Line: last,
			Msg: "neither Application nor Extension: at least one of app or extension must be specified", Err: ErrNoDestination}
	}
	return cf, nil
}

// lexLine cuts one raw line (newline included) into key and value as
// apply_outgoing does. It returns ok=false with an empty key for a blank or
// comment line, and ok=false with the text as key for a line without ':'.
func lexLine(raw []byte) (key, value string, ok bool) {
	buf := append([]byte(nil), raw...)
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		buf = buf[:i] // C strings end at NUL
	}
	// '#' is a comment at the start of the line or after a blank.
	for i := 0; i < len(buf); i++ {
		if buf[i] == '#' && (i == 0 || buf[i-1] == ' ' || buf[i-1] == '\t') {
			buf = buf[:i]
			break
		}
	}
	// ';' is a comment unless escaped by '\'; the escape is removed and, as
	// in apply_outgoing, the byte after the ';' is not looked at again.
	for c := 0; ; {
		i := bytes.IndexByte(buf[c:], ';')
		if i < 0 {
			break
		}
		i += c
		if i > 0 && buf[i-1] == '\\' {
			buf = append(buf[:i-1], buf[i:]...)
			c = i + 1
			if c > len(buf) {
				break
			}
			continue
		}
		buf = buf[:i]
		break
	}
	buf = trimBlanksRight(buf)
	if len(buf) == 0 {
		return "", "", false
	}
	k, v, found := bytes.Cut(buf, []byte(":"))
	if !found {
		return string(buf), "", false
	}
	return string(k), string(skipBlanks(v)), true
}

// trimBlanksRight is ast_trim_blanks: it drops trailing bytes below '!'.
func trimBlanksRight(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] < 33 {
		b = b[:len(b)-1]
	}
	return b
}

// skipBlanks is ast_skip_blanks: it drops leading bytes below '!'.
func skipBlanks(b []byte) []byte {
	for len(b) > 0 && b[0] < 33 {
		b = b[1:]
	}
	return b
}

func (cf *CallFile) warn(line int, err error, format string, args ...any) {
	cf.Warnings = append(cf.Warnings, &ParseError{File: cf.Name, Line: line, Msg: fmt.Sprintf(format, args...), Err: err})
}

// apply sets what one key: value line means.
func (cf *CallFile) apply(line int, key, value string) {
	switch strings.ToLower(key) {
	case "channel":
		if tech, dest, ok := strings.Cut(value, "/"); ok {
			cf.Channel, cf.Tech, cf.Dest = value, tech, dest
		} else {
			cf.warn(line, ErrBadValue, "Channel %q should be in form Tech/Dest", value)
		}
	case "callerid":
		cf.CallerID = value
		cf.CallerIDName, cf.CallerIDNum = splitCallerID(value)
	case "application":
		cf.Application = value
	case "data":
		cf.Data = value
	case "maxretries":
		n, ok := scanInt(value)
		if !ok {
			cf.warn(line, ErrBadValue, "invalid max retries %q", value)
			n = 0
		}
		cf.MaxRetries = n
	case "codecs":
		for c := range strings.SplitSeq(value, ",") {
			if c = strings.TrimSpace(c); c != "" {
				cf.Codecs = append(cf.Codecs, c)
			}
		}
	case "context":
		cf.Context = value
	case "extension":
		cf.Extension = value
	case "priority":
		n, ok := scanInt(value)
		if !ok || n < 1 {
			cf.warn(line, ErrBadValue, "invalid priority %q", value)
			n = DefaultPriority
		}
		cf.Priority = n
	case "retrytime":
		n, ok := scanInt(value)
		if !ok || n < 1 {
			cf.warn(line, ErrBadValue, "invalid retrytime %q", value)
			cf.RetryTime = DefaultRetryTime
		} else {
			cf.RetryTime = time.Duration(n) * time.Second
		}
	case "waittime":
		n, ok := scanInt(value)
		if !ok || n < 1 {
			cf.warn(line, ErrBadValue, "invalid waittime %q", value)
			cf.WaitTime = DefaultWaitTime
		} else {
			cf.WaitTime = time.Duration(n) * time.Second
		}
	case "retry":
		cf.Retries++
	case "startretry":
		pid, ok := scanInt64(value)
		if !ok {
			cf.warn(line, ErrBadValue, "unable to retrieve calling PID from %q", value)
			pid = 0
		}
		cf.CallingPID = pid
	case "endretry", "abortretry":
		cf.CallingPID = 0
		cf.Retries++
	case "delayedretry":
	case "setvar", "set":
		name, val, ok := strings.Cut(value, "=")
		if !ok {
			cf.warn(line, ErrBadValue, "malformed %q argument, should be \"%s: variable=value\"", key, key)
			return
		}
		cf.Vars = append(cf.Vars, Var{Name: name, Value: val})
	case "account":
		cf.Account = value
	case "alwaysdelete":
		cf.AlwaysDelete = isTrue(value)
	case "archive":
		cf.Archive = isTrue(value)
	case "early_media":
		cf.EarlyMedia = isTrue(value)
	case "status":
		// Appended by archiving; pbx_spool itself never reads it back.
		st, err := ParseStatus(value)
		if err != nil {
			cf.warn(line, ErrBadValue, "%v", err)
		}
		cf.Status = st
	default:
		cf.warn(line, ErrUnknownKey, "unknown keyword %q", key)
	}
}

// isTrue is ast_true: yes, true, y, t, 1 and on, in any case.
func isTrue(s string) bool {
	switch strings.ToLower(s) {
	case "yes", "true", "y", "t", "1", "on":
		return true
	}
	return false
}

// scanInt reads a number as sscanf("%30d") does: leading blanks, an
// optional sign, at least one digit, anything after ignored.
func scanInt(s string) (int, bool) {
	n, ok := scanInt64(s)
	if !ok || n != int64(int32(n)) {
		return 0, false
	}
	return int(n), true
}

func scanInt64(s string) (int64, bool) {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	end := 0
	if end < len(s) && (s[end] == '+' || s[end] == '-') {
		end++
	}
	digits := end
	for end < len(s) && end < 30 && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == digits {
		return 0, false
	}
	n, err := strconv.ParseInt(s[:end], 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// splitCallerID is ast_callerid_split: `"Name" <num>`, `Name <num>`,
// `<num>`, a bare number or a bare name; the number loses the '(', ')',
// ' ', '-' and '.' ast_shrink_phone_number drops.
func splitCallerID(s string) (name, num string) {
	instr := stripBlanks(s)
	unquoted := stripQuoted(instr)
	quotesStripped := len(unquoted) != len(instr)
	instr = unquoted
	var loc string
	haveName, haveLoc := false, false
	if ls := strings.LastIndexByte(instr, '<'); ls >= 0 {
		loc = instr[ls+1:]
		if le := strings.LastIndexByte(loc, '>'); le >= 0 {
			loc = loc[:le]
		}
		haveLoc = true
		name, haveName = stripQuoted(instr[:ls]), true
	} else {
		tmp := ivr.ShrinkPhoneNumber(instr)
		if !quotesStripped && isPhoneNumber(tmp) {
			loc, haveLoc = tmp, true
		} else {
			name, haveName = stripQuoted(instr), true
		}
	}
	if haveName {
		name = unescapeQuoted(name)
	}
	if haveLoc {
		num = ivr.ShrinkPhoneNumber(loc)
	}
	return name, num
}

// stripBlanks is ast_strip: blanks (bytes below '!') off both ends.
func stripBlanks(s string) string {
	return string(trimBlanksRight(skipBlanks([]byte(s))))
}

// stripQuoted is ast_strip_quoted(s, "\"", "\""): blanks off, then one pair
// of surrounding double quotes.
func stripQuoted(s string) string {
	s = stripBlanks(s)
	if len(s) > 0 && s[0] == '"' && s[len(s)-1] == '"' {
		if len(s) == 1 {
			return ""
		}
		return s[1 : len(s)-1]
	}
	return s
}

// unescapeQuoted is ast_unescape_quoted: "\x" becomes "x".
func unescapeQuoted(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			if i >= len(s) {
				break
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// isPhoneNumber is ast_isphonenumber: non-empty, only 0-9 * # +.
func isPhoneNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789*#+", rune(s[i])) {
			return false
		}
	}
	return true
}
