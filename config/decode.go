package config

import (
	"strconv"
	"strings"
	"time"
)

// SectionReader reads one section's entries into typed Go values the way an
// Asterisk module does (option names case-insensitive, the last of repeated
// single-valued options wins) and remembers which entries were used, so that
// Unknown can report the rest as unsupported options with their file:line.
//
// Bad values are errors; unknown options are warnings, as Asterisk ignores
// them with a log line.
type SectionReader struct {
	s     *Section
	file  string
	diags *Diagnostics
	used  []bool
}

// NewSectionReader returns a reader of s that appends its messages to diags.
// file names the configuration file for messages ("sip.conf").
func NewSectionReader(file string, s *Section, diags *Diagnostics) *SectionReader {
	return &SectionReader{s: s, file: file, diags: diags, used: make([]bool, len(s.Entries))}
}

// Diagnostics returns the list the reader appends its messages to, for
// helpers that check entries themselves.
func (r *SectionReader) Diagnostics() *Diagnostics { return r.diags }

// Section returns the section being read.
func (r *SectionReader) Section() *Section { return r.s }

// last returns the index of the last entry named key and marks every entry of
// that name used; -1 when there is none.
func (r *SectionReader) last(key string) int {
	idx := -1
	for i, e := range r.s.Entries {
		if strings.EqualFold(e.Key, key) {
			r.used[i] = true
			idx = i
		}
	}
	return idx
}

// Has reports whether the section sets key, without marking it used.
func (r *SectionReader) Has(key string) bool {
	_, ok := r.s.Get(key)
	return ok
}

// Lookup returns the last value of key, marking it used.
func (r *SectionReader) Lookup(key string) (Entry, bool) {
	i := r.last(key)
	if i < 0 {
		return Entry{}, false
	}
	return r.s.Entries[i], true
}

// String sets *dst to the last value of key, if any.
func (r *SectionReader) String(key string, dst *string) bool {
	e, ok := r.Lookup(key)
	if ok {
		*dst = e.Value
	}
	return ok
}

// Bool sets *dst from key with Asterisk's ast_true/ast_false words (yes, true,
// y, t, 1, on / no, false, n, f, 0, off); anything else is an error.
func (r *SectionReader) Bool(key string, dst *bool) bool {
	e, ok := r.Lookup(key)
	if !ok {
		return false
	}
	b, valid := ParseBool(e.Value)
	if !valid {
		r.Errorf(e.Pos, "%s: %q is not yes or no", e.Key, e.Value)
		return false
	}
	*dst = b
	return true
}

// Int sets *dst from key, which must be a whole number in [min, max].
func (r *SectionReader) Int(key string, dst *int, min, max int) bool {
	e, ok := r.Lookup(key)
	if !ok {
		return false
	}
	n, err := strconv.Atoi(strings.TrimSpace(e.Value))
	if err != nil {
		r.Errorf(e.Pos, "%s: %q is not a whole number", e.Key, e.Value)
		return false
	}
	if n < min || n > max {
		r.Errorf(e.Pos, "%s: %d is out of range %d..%d", e.Key, n, min, max)
		return false
	}
	*dst = n
	return true
}

// Duration sets *dst from key, a whole number of unit (time.Second for most
// Asterisk options, time.Millisecond for a few), in [0, max].
func (r *SectionReader) Duration(key string, dst *time.Duration, unit, max time.Duration) bool {
	n := 0
	if !r.Int(key, &n, 0, int(max/unit)) {
		return false
	}
	*dst = time.Duration(n) * unit
	return true
}

// Enum sets *dst from key, which must be one of allowed (case-insensitive);
// *dst receives the allowed spelling.
func (r *SectionReader) Enum(key string, dst *string, allowed ...string) bool {
	e, ok := r.Lookup(key)
	if !ok {
		return false
	}
	for _, a := range allowed {
		if strings.EqualFold(strings.TrimSpace(e.Value), a) {
			*dst = a
			return true
		}
	}
	r.Errorf(e.Pos, "%s: %q is not one of %s", e.Key, e.Value, strings.Join(allowed, ", "))
	return false
}

// Each calls fn for every entry named key, in order, marking them used; for
// options that may repeat (allow, member, permit, register …).
func (r *SectionReader) Each(key string, fn func(e Entry)) {
	for i, e := range r.s.Entries {
		if strings.EqualFold(e.Key, key) {
			r.used[i] = true
			fn(e)
		}
	}
}

// Ignore marks options as known but without effect in Obelisk (Asterisk
// options that make no sense here), so Unknown does not report them.
func (r *SectionReader) Ignore(keys ...string) {
	for _, k := range keys {
		r.last(k)
	}
}

// Unknown reports every entry not read as a warning `unknown option "x" in
// [section]` and returns how many there were.
func (r *SectionReader) Unknown() int {
	n := 0
	for i, e := range r.s.Entries {
		if !r.used[i] {
			n++
			*r.diags = append(*r.diags, Warnf(e.Pos, "unknown option %q in [%s]", e.Key, r.s.Name))
		}
	}
	return n
}

// Errorf records an error at pos.
func (r *SectionReader) Errorf(pos Pos, format string, args ...any) {
	*r.diags = append(*r.diags, Errorf(pos, format, args...))
}

// Warnf records a warning at pos.
func (r *SectionReader) Warnf(pos Pos, format string, args ...any) {
	*r.diags = append(*r.diags, Warnf(pos, format, args...))
}

// ParseBool reads Asterisk's boolean words (ast_true and ast_false) and
// reports whether s was one of them.
func ParseBool(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "true", "y", "t", "1", "on":
		return true, true
	case "no", "false", "n", "f", "0", "off":
		return false, true
	}
	return false, false
}
