package ivr

import (
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// Dialplan is a loaded extensions.conf: contexts of extensions, their
// includes and the [globals] section. It is immutable once loaded; a reload
// builds a new Dialplan and swaps it in whole.
type Dialplan struct {
	// Contexts by name (case-sensitive, as in Asterisk).
	Contexts map[string]*Context
	// Globals are the [globals] entries in file order.
	Globals []Global
	// General holds the [general] section's settings.
	General General
}

// General is the [general] section of extensions.conf.
type General struct {
	// Autofallthrough: when a channel runs out of priorities it is hung up
	// (Asterisk's default, yes) instead of waiting for more digits.
	Autofallthrough bool
	// ClearGlobalVars clears globals on reload (default no).
	ClearGlobalVars bool
}

// Global is one variable set in [globals].
type Global struct {
	Pos   config.Pos
	Name  string
	Value string
}

// Context is one dialplan context.
type Context struct {
	Pos  config.Pos
	Name string
	// Extensions in Asterisk's match order (exact names before patterns, more
	// specific patterns first; see ComparePatterns).
	Extensions []*Extension
	// Includes in the order they were written; searched after the context's
	// own extensions, depth first.
	Includes []Include
	// IgnorePats are `ignorepat =>` patterns (dial tone is kept while they match).
	IgnorePats []string
}

// Include is an `include => context[,timespec]` line.
type Include struct {
	Pos     config.Pos
	Context string
	// Time limits when the include is active; nil means always.
	Time *TimeSpec
}

// Extension is one extension (exact name or `_pattern`) of a context, with
// its priorities.
type Extension struct {
	Pos config.Pos
	// Name is the extension as written, e.g. "s", "1234", "_X.".
	Name string
	// CallerID is the optional caller ID match of `exten => 123/5551212,...`
	// (itself a pattern when it starts with `_`); empty when there is none.
	CallerID string
	// MatchCID is true when the extension was written with a `/`: it then
	// matches only calls whose caller ID matches CallerID, and an empty
	// CallerID (`exten => 123/,...`) only calls without a caller ID.
	MatchCID bool
	// Hint is the `hint` priority's value, e.g. "SIP/1001"; empty if none.
	Hint string
	// HintPos is where the hint was written (zero when there is none).
	HintPos config.Pos
	// Priorities sorted by number.
	Priorities []*Priority
}

// Priority is one step of an extension: an application with its arguments.
type Priority struct {
	Pos    config.Pos
	Number int
	// Label is the `(label)` of `n(label)`, or "".
	Label string
	// App is the application name as written, e.g. "Playback".
	App string
	// Args is the raw argument string between the parentheses, variables
	// not yet substituted.
	Args string
}

// TimeSpec is Asterisk's time range `times,weekdays,mdays,months[,timezone]`
// as used by GotoIfTime, ExecIfTime and timed includes.
type TimeSpec struct {
	raw  string
	data timeSpecData
}

// ParseTimeSpec parses `times,weekdays,mdays,months[,timezone]` (also with
// `|` as the separator) as Asterisk's ast_build_timing does: `*` for any,
// ranges `a-b` that may wrap (`fri-mon`, `22:00-06:00`), lists with `&`,
// day and month names in English, case-insensitive.
//
// A bad element is an error (Asterisk logs it and skips the element).
func ParseTimeSpec(s string) (*TimeSpec, error) { return parseTimeSpec(s) }

// Match reports whether t falls within the spec (in the spec's time zone
// when one is given, else in t's location).
// A nil spec matches every time.
func (ts *TimeSpec) Match(t time.Time) bool { return ts.match(t) }

// String returns the spec as written.
func (ts *TimeSpec) String() string { return ts.raw }

// LoadOptions tunes LoadDialplan.
type LoadOptions struct {
	// KnownApp reports whether an application name is implemented; unknown
	// applications produce a warning `unknown application "Foo"`. Nil means
	// every application is accepted.
	KnownApp func(name string) bool
	// AsteriskApp reports whether a name that KnownApp rejects is a real
	// Asterisk application; such applications are reported as
	// `unsupported application "Queue"` rather than as unknown (a typo).
	// Nil means IsAsteriskApp.
	AsteriskApp func(name string) bool
}

// LoadDialplan builds a Dialplan from a parsed extensions.conf. Problems are
// returned as diagnostics with file:line; the Dialplan is usable whenever the
// diagnostics hold no errors.
//
// It follows pbx_load_config of Asterisk's pbx_config.c; see
// dialplan_load.go for the details.
func LoadDialplan(f *config.File, opts LoadOptions) (*Dialplan, config.Diagnostics) {
	return loadDialplan(f, opts)
}

// Context returns the named context or nil.
func (d *Dialplan) Context(name string) *Context {
	if d == nil {
		return nil
	}
	return d.Contexts[name]
}

// Lookup finds the extension that handles exten (dialled from callerID) in
// context the way Asterisk's pbx_find_extension does with E_MATCH: the
// context's own extensions in match order, then each include (active at now)
// depth first, each context visited once. It returns the extension and the
// context it was found in, or nil.
//
// Asterisk searches for a context, extension and priority together and
// passes over a matching extension that lacks the priority; Lookup, which
// has no priority, passes over extensions that have none (a lone `hint`).
// LookupPriority is the exact search.
func (d *Dialplan) Lookup(context, exten, callerID string, now time.Time) (*Extension, *Context) {
	return d.find(&findQuery{exten: exten, callerID: callerID, now: now, mode: modeMatch}, context)
}

// LookupPriority is pbx_find_extension for context, exten and priority
// with E_MATCH: the first extension in search order that matches exten and
// callerID and has that priority. It returns the extension, the priority
// and the context they were found in, or nils.
func (d *Dialplan) LookupPriority(context, exten, callerID string, priority int, now time.Time) (*Extension, *Priority, *Context) {
	q := &findQuery{exten: exten, callerID: callerID, now: now, mode: modeMatch, priority: priority}
	e, c := d.find(q, context)
	if e == nil {
		return nil, nil, nil
	}
	return e, e.Priority(priority), c
}

// LookupLabel is ast_findlabel_extension: the first extension in search
// order that matches exten and callerID and has label, with the label's
// priority number; nil and 0 when there is none.
func (d *Dialplan) LookupLabel(context, exten, label, callerID string, now time.Time) (*Extension, int, *Context) {
	q := &findQuery{exten: exten, callerID: callerID, now: now, mode: modeMatch, label: label}
	e, c := d.find(q, context)
	if e == nil {
		return nil, 0, nil
	}
	return e, e.Label(label), c
}

// IgnorePattern reports whether digits match one of the context's own
// `ignorepat` patterns (ast_ignore_pattern; includes are not searched).
func (d *Dialplan) IgnorePattern(context, digits string) bool {
	c := d.Context(context)
	if c == nil {
		return false
	}
	for _, p := range c.IgnorePats {
		if MatchExtension(p, digits) {
			return true
		}
	}
	return false
}

// findQuery is one pbx_find_extension search.
type findQuery struct {
	exten, callerID string
	now             time.Time
	mode            matchMode
	// priority the extension must have: 0 means any (but a hint).
	priority int
	// label the extension must have, when not empty.
	label string
	// visited holds the contexts searched (Asterisk's incstack): a short
	// list, searched linearly.
	visited []*Context
}

// accepts reports whether a matching extension has what q looks for.
func (q *findQuery) accepts(e *Extension) bool {
	switch {
	case q.label != "":
		return e.Label(q.label) != 0
	case q.priority != 0:
		return e.Priority(q.priority) != nil
	}
	return len(e.Priorities) > 0
}

// find is pbx_find_extension's classic search: the context's extensions in
// order, then its includes that are active at q.now, depth first, each
// context once.
func (d *Dialplan) find(q *findQuery, context string) (*Extension, *Context) {
	if d == nil {
		return nil, nil
	}
	c := d.Contexts[context]
	if c == nil {
		return nil, nil
	}
	for _, v := range q.visited {
		if v == c {
			return nil, nil
		}
	}
	for _, e := range c.Extensions {
		m := matchCore(e.Name, q.exten, q.mode)
		if m == 0 || (e.MatchCID && !matchCallerID(e.CallerID, q.callerID)) {
			continue
		}
		if m == 2 && q.mode == modeMatchMore {
			// An extension ending in '!' matched: the decision is final,
			// nothing in this context (or its includes) wants more.
			return nil, nil
		}
		if q.accepts(e) {
			return e, c
		}
	}
	q.visited = append(q.visited, c)
	for _, inc := range c.Includes {
		if inc.Time != nil && !inc.Time.Match(q.now) {
			continue
		}
		if e, ic := d.find(q, inc.Context); e != nil {
			return e, ic
		}
	}
	return nil, nil
}

// CanMatch reports whether exten could still match some extension reachable
// from context if more digits were dialled, or matches already (E_CANMATCH).
//
// As in Asterisk (ast_canmatch_extension with priority 1), only extensions
// that have a priority 1 count.
func (d *Dialplan) CanMatch(context, exten, callerID string, now time.Time) bool {
	e, _ := d.find(&findQuery{exten: exten, callerID: callerID, now: now, mode: modeCanMatch, priority: 1}, context)
	return e != nil
}

// MatchMore reports whether exten is a strict prefix of something reachable
// from context that needs more digits (E_MATCHMORE); a pattern ending in `!`
// stops that, `.` asks for more.
//
// As in Asterisk (ast_matchmore_extension with priority 1), only extensions
// that have a priority 1 count; a matching `!` pattern ends the search of
// its context with "no".
func (d *Dialplan) MatchMore(context, exten, callerID string, now time.Time) bool {
	e, _ := d.find(&findQuery{exten: exten, callerID: callerID, now: now, mode: modeMatchMore, priority: 1}, context)
	return e != nil
}

// Priority returns the priority numbered n of e, or nil.
func (e *Extension) Priority(n int) *Priority {
	for _, p := range e.Priorities {
		if p.Number == n {
			return p
		}
	}
	return nil
}

// Label returns the number of the priority labelled label, or 0.
func (e *Extension) Label(label string) int {
	for _, p := range e.Priorities {
		if p.Label == label {
			return p.Number
		}
	}
	return 0
}

// MatchExtension reports whether the dialled string exten matches the
// extension name pattern (a plain name, or `_` followed by a pattern) with
// Asterisk's rules: X=[0-9], Z=[1-9], N=[2-9], [..] sets with ranges, `.`
// one or more characters, `!` zero or more; `-` in a pattern is ignored.
//
// Literal characters and `[...]` sets compare case-sensitively; sets have
// no negation. A dialled string that is itself a pattern (`_X.`) matches an
// identical pattern.
func MatchExtension(pattern, exten string) bool { return matchExtension(pattern, exten) }

// ComparePatterns orders two extension names as Asterisk's ext_cmp does:
// negative when a sorts (and so is tried) before b.
//
// Plain names come before patterns and compare bytewise; patterns compare
// position by position, the position matching fewer characters first (a
// literal, then smaller sets: N before Z before X; `.` and then `!` last;
// sets of equal size by their lowest characters). A pattern that goes on
// where the other has ended comes first. `-` is ignored, so "555-1212" and
// "5551212" are the same extension. It returns 0 only for names Asterisk
// treats as the same extension.
func ComparePatterns(a, b string) int { return comparePatterns(a, b) }
