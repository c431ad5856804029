package ami

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/obelisk-pbx/obelisk/events"
)

// Message is one AMI packet: an action from a client, or a response or
// event from the switch. On the wire it is "Key: Value" lines ended by
// CRLF and a blank line (manager.c's get_input / astman_append):
//
//	Action: Ping\r\n
//	ActionID: 42\r\n
//	\r\n
//
// Keys are case-insensitive on input; a key may repeat (Variable).
type Message struct {
	Fields []events.Field
}

// Get returns the value of the first header named key, case-insensitive
// as astman_get_header reads it, with surrounding spaces trimmed.
func (m *Message) Get(key string) string {
	for _, f := range m.Fields {
		if strings.EqualFold(f.Key, key) {
			return strings.TrimSpace(f.Value)
		}
	}
	return ""
}

// All returns every value of key in order (Variable: a=1, Variable: b=2).
func (m *Message) All(key string) []string {
	var out []string
	for _, f := range m.Fields {
		if strings.EqualFold(f.Key, key) {
			out = append(out, strings.TrimSpace(f.Value))
		}
	}
	return out
}

// Add appends a header.
func (m *Message) Add(key, value string) *Message {
	m.Fields = append(m.Fields, events.Field{Key: key, Value: value})
	return m
}

// MaxMessageSize bounds an action's size, as manager.c bounds its input
// buffer; a longer one closes the session.
const MaxMessageSize = 64 << 10

// ErrTooLong is returned by ReadMessage for an action over MaxMessageSize.
var ErrTooLong = errors.New("ami: message too long")

// ReadMessage reads one message: header lines up to a blank line. Lines
// without a colon are ignored, as astman_get_header would never match
// them. It returns io.EOF at a clean end of stream.
func ReadMessage(r *bufio.Reader) (*Message, error) {
	m := &Message{}
	size := 0
	for {
		line, err := r.ReadString('\n')
		size += len(line)
		if size > MaxMessageSize {
			return nil, ErrTooLong
		}
		if err != nil {
			if errors.Is(err, io.EOF) && len(m.Fields) > 0 {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if len(m.Fields) == 0 {
				continue // stray blank lines between messages
			}
			return m, nil
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		m.Fields = append(m.Fields, events.Field{Key: strings.TrimSpace(k), Value: strings.TrimLeft(v, " ")})
	}
}

// WriteTo writes m in AMI framing: "Key: Value\r\n" each, then "\r\n".
// Values are written on one line: CR and LF inside a value become spaces,
// so a value cannot forge a header.
func (m *Message) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	for _, f := range m.Fields {
		b.WriteString(f.Key)
		b.WriteString(": ")
		b.WriteString(oneLine(f.Value))
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
}

// String is the message as written.
func (m *Message) String() string {
	var b strings.Builder
	_, _ = m.WriteTo(&b)
	return b.String()
}

// eventMessage frames an event as manager.c's manager_event does:
// Event, Privilege (the class and "all"), then the fields.
func eventMessage(e events.Event, timestamp bool) *Message {
	m := &Message{Fields: make([]events.Field, 0, len(e.Fields)+3)}
	m.Add("Event", e.Name)
	if e.Class != "" {
		m.Add("Privilege", e.Class+",all")
	}
	if timestamp {
		m.Add("Timestamp", fmt.Sprintf("%d.%06d", e.Time.Unix(), e.Time.Nanosecond()/1000))
	}
	m.Fields = append(m.Fields, e.Fields...)
	return m
}
