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
	// Hint is the `hint` priority's value, e.g. "SIP/1001"; empty if none.
	Hint string
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
	raw string
	// The implementation adds its private fields here.
}

// ParseTimeSpec parses `times,weekdays,mdays,months[,timezone]` (also with
// `|` as the separator) as Asterisk's ast_build_timing does: `*` for any,
// ranges `a-b` that may wrap (`fri-mon`, `22:00-06:00`), lists with `&`,
// day and month names in English, case-insensitive.
func ParseTimeSpec(s string) (*TimeSpec, error) { panic("TODO") }

// Match reports whether t falls within the spec (in the spec's time zone
// when one is given, else in t's location).
func (ts *TimeSpec) Match(t time.Time) bool { panic("TODO") }

// String returns the spec as written.
func (ts *TimeSpec) String() string { return ts.raw }

// LoadOptions tunes LoadDialplan.
type LoadOptions struct {
	// KnownApp reports whether an application name is implemented; unknown
	// applications produce a warning `unknown application "Foo"`. Nil means
	// every application is accepted.
	KnownApp func(name string) bool
}

// LoadDialplan builds a Dialplan from a parsed extensions.conf. Problems are
// returned as diagnostics with file:line; the Dialplan is usable whenever the
// diagnostics hold no errors.
func LoadDialplan(f *config.File, opts LoadOptions) (*Dialplan, config.Diagnostics) {
	panic("TODO")
}

// Context returns the named context or nil.
func (d *Dialplan) Context(name string) *Context { return d.Contexts[name] }

// Lookup finds the extension that handles exten (dialled from callerID) in
// context the way Asterisk's pbx_find_extension does with E_MATCH: the
// context's own extensions in match order, then each include (active at now)
// depth first, each context visited once. It returns the extension and the
// context it was found in, or nil.
func (d *Dialplan) Lookup(context, exten, callerID string, now time.Time) (*Extension, *Context) {
	panic("TODO")
}

// CanMatch reports whether exten could still match some extension reachable
// from context if more digits were dialled, or matches already (E_CANMATCH).
func (d *Dialplan) CanMatch(context, exten, callerID string, now time.Time) bool {
	panic("TODO")
}

// MatchMore reports whether exten is a strict prefix of something reachable
// from context that needs more digits (E_MATCHMORE); a pattern ending in `!`
// stops that, `.` asks for more.
func (d *Dialplan) MatchMore(context, exten, callerID string, now time.Time) bool {
	panic("TODO")
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
func MatchExtension(pattern, exten string) bool { panic("TODO") }

// ComparePatterns orders two extension names as Asterisk's ext_cmp does:
// negative when a sorts (and so is tried) before b.
func ComparePatterns(a, b string) int { panic("TODO") }
