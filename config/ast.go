package config

import (
	"fmt"
	"strings"
)

// Pos is where a token was read: the file name as it was named to the loader
// (relative to the configuration directory) and the 1-based line number.
type Pos struct {
	File string
	Line int
}

// String formats the position as "file:line", the prefix of every message
// Obelisk prints about a configuration file.
func (p Pos) String() string {
	if p.File == "" {
		return fmt.Sprintf("line %d", p.Line)
	}
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Severity tells whether a Diagnostic stops a configuration from loading.
type Severity int

// Severities, from least to most serious.
const (
	SeverityUnknown Severity = iota
	// SeverityWarning is a problem the switch works around (an unknown option,
	// an unsupported application); `obelisk check` prints it and exits 0.
	SeverityWarning
	// SeverityError makes the file unusable; a running switch keeps its last
	// good configuration.
	SeverityError
)

// String returns "warning" or "error".
func (s Severity) String() string {
	switch s {
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	}
	return "unknown"
}

// Diagnostic is one message about a configuration file, tied to a position.
type Diagnostic struct {
	Pos      Pos
	Severity Severity
	Msg      string
}

// Error formats the diagnostic as "file:line: message", with "warning: "
// before the message for warnings.
func (d *Diagnostic) Error() string {
	if d.Severity == SeverityWarning {
		return d.Pos.String() + ": warning: " + d.Msg
	}
	return d.Pos.String() + ": " + d.Msg
}

// Errorf returns an error-severity diagnostic at pos.
func Errorf(pos Pos, format string, args ...any) *Diagnostic {
	return &Diagnostic{Pos: pos, Severity: SeverityError, Msg: fmt.Sprintf(format, args...)}
}

// Warnf returns a warning-severity diagnostic at pos.
func Warnf(pos Pos, format string, args ...any) *Diagnostic {
	return &Diagnostic{Pos: pos, Severity: SeverityWarning, Msg: fmt.Sprintf(format, args...)}
}

// Diagnostics is an ordered list of messages about one or more files. As an
// error it prints one message a line.
type Diagnostics []*Diagnostic

// Error joins the messages, one a line.
func (ds Diagnostics) Error() string {
	var b strings.Builder
	for i, d := range ds {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.Error())
	}
	return b.String()
}

// HasErrors reports whether any diagnostic is an error (not a warning).
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Err returns ds as an error when it holds at least one error, else nil.
func (ds Diagnostics) Err() error {
	if ds.HasErrors() {
		return ds
	}
	return nil
}

// Entry is one `key = value` or `key => value` line of a section.
type Entry struct {
	Pos   Pos
	Key   string // as written, surrounding blanks trimmed
	Value string // blanks trimmed, comments removed, `\;` unescaped to `;`
	// Arrow is true for `=>` (Asterisk treats `=` and `=>` alike; the
	// distinction is kept for printing).
	Arrow bool
	// Inherited is true for entries copied from a template.
	Inherited bool
}

// Section is one `[name]` category with its entries in file order. Entries
// inherited from templates come first, in the order of the templates named.
type Section struct {
	Pos  Pos
	Name string
	// Template is true for `[name](!)`: a template is not a real section and
	// is left out of File.Sections, but other sections may inherit from it.
	Template bool
	// Inherits names the templates listed in `[name](a,b)`.
	Inherits []string
	Entries  []Entry
}

// Get returns the value of the last entry named key (case-insensitive), the
// one that wins when a channel driver reads entries in order, and whether one
// was found.
func (s *Section) Get(key string) (string, bool) {
	for i := len(s.Entries) - 1; i >= 0; i-- {
		if strings.EqualFold(s.Entries[i].Key, key) {
			return s.Entries[i].Value, true
		}
	}
	return "", false
}

// All returns every entry named key (case-insensitive), in order.
func (s *Section) All(key string) []Entry {
	var out []Entry
	for _, e := range s.Entries {
		if strings.EqualFold(e.Key, key) {
			out = append(out, e)
		}
	}
	return out
}

// File is a parsed configuration file with its includes expanded and its
// templates applied. Sections keeps every non-template section in order;
// a name that appears twice gives two sections, as in Asterisk.
type File struct {
	Name     string
	Sections []*Section
	// Templates holds the `(!)` sections by name.
	Templates map[string]*Section
	// Files lists every file read, the top one first, then includes in the
	// order they were read.
	Files []string
}

// Section returns the first section named name (case-sensitive, as
// Asterisk's category names are), or nil.
func (f *File) Section(name string) *Section {
	for _, s := range f.Sections {
		if s.Name == name {
			return s
		}
	}
	return nil
}
