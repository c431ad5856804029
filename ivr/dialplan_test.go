package ivr

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// loadConf parses extensions.conf text and loads it, returning the
// loader's diagnostics (the parser's must be clean).
func loadConf(t *testing.T, text string, opts LoadOptions) (*Dialplan, config.Diagnostics) {
	t.Helper()
	f, diags := config.Parse("extensions.conf", strings.NewReader(text))
	if len(diags) > 0 {
		t.Fatalf("parse: %v", diags)
	}
	return LoadDialplan(f, opts)
}

// mustLoad is loadConf that fails the test on any diagnostic.
func mustLoad(t *testing.T, text string) *Dialplan {
	t.Helper()
	dp, diags := loadConf(t, text, LoadOptions{})
	if len(diags) > 0 {
		t.Fatalf("load: %v", diags)
	}
	return dp
}

func diagLines(ds config.Diagnostics) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.Error())
	}
	return out
}

// wed10 is Wednesday 2026-03-04 10:00 UTC.
var wed10 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

// lookupArgs returns the Args of priority 1 of what context,exten finds.
func lookupArgs(dp *Dialplan, context, exten, cid string, now time.Time) string {
	e, _ := dp.Lookup(context, exten, cid, now)
	if e == nil {
		return "<none>"
	}
	if p := e.Priority(1); p != nil {
		return p.Args
	}
	return "<no priority 1>"
}

// pbx_find_extension: own extensions first, then includes in the order
// written, depth first, each context searched once.
func TestLookupIncludeOrder(t *testing.T) {
	dp := mustLoad(t, `[main]
exten => 100,1,NoOp(main)
include => a
include => b
[a]
include => a2
exten => 200,1,NoOp(a)
[a2]
exten => 300,1,NoOp(a2)
exten => 400,1,NoOp(a2)
[b]
exten => 300,1,NoOp(b)
exten => _X50,1,NoOp(b pattern)
include => main
[own]
exten => _1XX,1,NoOp(own pattern)
include => exact
[exact]
exten => 100,1,NoOp(included exact)
exten => 200,1,NoOp(included exact)
`)
	tests := []struct {
		name, context, exten, want, foundIn string
	}{
		{"own extension", "main", "100", "main", "main"},
		{"first include", "main", "200", "a", "a"},
		{"include of the first include before the second include", "main", "300", "a2", "a2"},
		{"nested include", "main", "400", "a2", "a2"},
		{"second include, pattern", "main", "550", "b pattern", "b"},
		{"include cycle ends", "main", "999", "<none>", ""},
		{"searching from a context in the cycle", "b", "200", "a", "a"},
		{"own pattern of a context in the cycle", "b", "150", "b pattern", "b"},
		{"include of a context in the cycle", "b", "100", "main", "main"},
		{"own pattern before an included exact name", "own", "100", "own pattern", "own"},
		{"included when own does not match", "own", "200", "included exact", "exact"},
		{"unknown context", "nosuch", "100", "<none>", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := lookupArgs(dp, tc.context, tc.exten, "", wed10); got != tc.want {
				t.Errorf("Lookup(%s, %s) = %q, want %q", tc.context, tc.exten, got, tc.want)
			}
			_, c := dp.Lookup(tc.context, tc.exten, "", wed10)
			if name := ""; c != nil {
				name = c.Name
				if name != tc.foundIn {
					t.Errorf("found in %q, want %q", name, tc.foundIn)
				}
			} else if tc.foundIn != "" {
				t.Errorf("no context, want %q", tc.foundIn)
			}
		})
	}
}

// A context included twice along the way is searched once, and a cycle
// with CanMatch/MatchMore ends too.
func TestLookupCycleAllModes(t *testing.T) {
	dp := mustLoad(t, `[x]
include => y
include => y2
[y]
include => x
include => y2
[y2]
include => y
exten => 12,1,NoOp(y2)
`)
	if got := lookupArgs(dp, "x", "12", "", wed10); got != "y2" {
		t.Errorf("Lookup = %q", got)
	}
	if !dp.CanMatch("x", "1", "", wed10) || !dp.MatchMore("x", "1", "", wed10) {
		t.Error("CanMatch/MatchMore through the cycle failed")
	}
	if dp.CanMatch("x", "3", "", wed10) || dp.MatchMore("x", "12", "", wed10) {
		t.Error("CanMatch(3) or MatchMore(12) true")
	}
}

func TestTimedIncludes(t *testing.T) {
	for _, sep := range []string{",", "|"} {
		conf := strings.ReplaceAll(`[incoming]
include => daytime,08:00-17:59,mon-fri,*,*
include => night
[daytime]
exten => s,1,NoOp(day)
[night]
exten => s,1,NoOp(night)
`, "daytime,08:00-17:59,mon-fri,*,*", strings.ReplaceAll("daytime,08:00-17:59,mon-fri,*,*", ",", sep))
		dp := mustLoad(t, conf)
		tests := []struct {
			name string
			at   time.Time
			want string
		}{
			{"weekday morning", wed10, "day"},
			{"weekday last minute", time.Date(2026, 3, 4, 17, 59, 30, 0, time.UTC), "day"},
			{"weekday evening", time.Date(2026, 3, 4, 18, 0, 0, 0, time.UTC), "night"},
			{"saturday", time.Date(2026, 3, 7, 10, 0, 0, 0, time.UTC), "night"},
		}
		for _, tc := range tests {
			t.Run(sep+" "+tc.name, func(t *testing.T) {
				if got := lookupArgs(dp, "incoming", "s", "", tc.at); got != tc.want {
					t.Errorf("got %q, want %q", got, tc.want)
				}
			})
		}
		inc := dp.Context("incoming").Includes[0]
		if inc.Context != "daytime" || inc.Time == nil || inc.Time.String() != "08:00-17:59"+sep+"mon-fri"+sep+"*"+sep+"*" {
			t.Errorf("include = %+v", inc)
		}
	}
}

// Caller ID matching: extensions with a caller ID match are tried before
// the same extension without; `123/` only matches calls without a caller ID.
func TestLookupCallerID(t *testing.T) {
	dp := mustLoad(t, `[cid]
exten => 100,1,NoOp(anyone)
exten => 100/_0791XXXXXX,1,NoOp(mobile)
exten => 100/5551212,1,NoOp(boss)
exten => 200/,1,NoOp(anonymous)
exten => 200,1,NoOp(known)
exten => 300/(555) 121-2,1,NoOp(shrunk)
exten => _4XX/_0791X.,1,NoOp(pattern both)
 same => n,NoOp(second)
`)
	tests := []struct {
		name, exten, cid, want string
	}{
		{"caller ID pattern", "100", "0791234567", "mobile"},
		{"caller ID exact", "100", "5551212", "boss"},
		{"other caller", "100", "123", "anyone"},
		{"no caller ID skips caller ID matches", "100", "", "anyone"},
		{"empty caller ID match, anonymous call", "200", "", "anonymous"},
		{"empty caller ID match, known caller", "200", "123", "known"},
		{"caller ID shrunk like a phone number", "300", "5551212", "shrunk"},
		{"shrunk caller ID does not match the written form", "300", "(555) 121-2", "<none>"},
		{"caller ID pattern needs its dot filled", "401", "07915", "<none>"},
		{"pattern with caller ID pattern", "401", "079155", "pattern both"},
		{"pattern with caller ID pattern, other caller", "401", "0612", "<none>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := lookupArgs(dp, "cid", tc.exten, tc.cid, wed10); got != tc.want {
				t.Errorf("Lookup(%s from %q) = %q, want %q", tc.exten, tc.cid, got, tc.want)
			}
		})
	}
	var order []string
	for _, e := range dp.Context("cid").Extensions {
		s := e.Name
		if e.MatchCID {
			s += "/" + e.CallerID
		}
		order = append(order, s)
	}
	want := []string{"100/5551212", "100/_0791XXXXXX", "100", "200/", "200", "300/5551212", "_4XX/_0791X."}
	if !slices.Equal(order, want) {
		t.Errorf("order %q, want %q", order, want)
	}
	// The `same` line continues the caller ID extension.
	if e, _ := dp.Lookup("cid", "401", "079155", wed10); e == nil || e.Priority(2) == nil {
		t.Error("same => n after a caller ID extension was not added to it")
	}
}

// E_CANMATCH and E_MATCHMORE: `.` keeps asking for digits, `!` stops the
// search of its context, exact names want more only when longer ones exist.
func TestCanMatchMatchMore(t *testing.T) {
	dp := mustLoad(t, `[dots]
exten => _1X.,1,NoOp(dot)
exten => 2,1,NoOp(two)
exten => 23,1,NoOp(twenty-three)
exten => 5,hint,SIP/5
exten => 55,2,NoOp(no priority 1)
[bang]
exten => _X!,1,NoOp(bang)
exten => _[0-9a-z].,1,NoOp(dot)
[top]
include => bang
include => more
[more]
exten => _1XXX,1,NoOp(more)
`)
	tests := []struct {
		context, exten string
		canMatch, more bool
		lookup         string
	}{
		{"dots", "1", true, true, "<none>"},
		{"dots", "12", true, true, "<none>"},
		{"dots", "123", true, true, "dot"},
		{"dots", "123456", true, true, "dot"},
		{"dots", "2", true, true, "two"},
		{"dots", "23", true, false, "twenty-three"},
		{"dots", "24", false, false, "<none>"},
		{"dots", "3", false, false, "<none>"},
		{"dots", "", true, true, "<none>"},
		{"dots", "5", false, false, "<none>"},
		{"dots", "55", false, false, "<no priority 1>"},
		{"bang", "1", true, false, "bang"},
		{"bang", "123", true, false, "bang"},
		{"bang", "", true, true, "<none>"},
		{"bang", "a", true, true, "<none>"},
		{"bang", "ab", true, true, "dot"},
		{"top", "1", true, true, "bang"},
		{"top", "1234", true, false, "bang"},
	}
	for _, tc := range tests {
		t.Run(tc.context+"/"+tc.exten, func(t *testing.T) {
			if got := dp.CanMatch(tc.context, tc.exten, "", wed10); got != tc.canMatch {
				t.Errorf("CanMatch = %v, want %v", got, tc.canMatch)
			}
			if got := dp.MatchMore(tc.context, tc.exten, "", wed10); got != tc.more {
				t.Errorf("MatchMore = %v, want %v", got, tc.more)
			}
			if got := lookupArgs(dp, tc.context, tc.exten, "", wed10); got != tc.lookup {
				t.Errorf("Lookup = %q, want %q", got, tc.lookup)
			}
		})
	}
}

// LookupPriority passes over a matching extension that lacks the priority,
// as pbx_find_extension does; Lookup passes over hint-only extensions.
func TestLookupPriority(t *testing.T) {
	dp := mustLoad(t, `[p]
exten => 123,1,NoOp(exact)
exten => _1XX,1,NoOp(pattern 1)
 same => n(two),NoOp(pattern 2)
exten => 150,hint,SIP/150
`)
	if _, p, _ := dp.LookupPriority("p", "123", "", 1, wed10); p == nil || p.Args != "exact" {
		t.Errorf("123,1 = %+v", p)
	}
	if e, p, c := dp.LookupPriority("p", "123", "", 2, wed10); p == nil || p.Args != "pattern 2" || e.Name != "_1XX" || c.Name != "p" {
		t.Errorf("123,2 = %+v", p)
	}
	if _, p, _ := dp.LookupPriority("p", "123", "", 3, wed10); p != nil {
		t.Errorf("123,3 = %+v", p)
	}
	if e, _ := dp.Lookup("p", "150", "", wed10); e == nil || e.Name != "_1XX" {
		t.Errorf("Lookup(150) = %+v, want _1XX", e)
	}
	if e, n, _ := dp.LookupLabel("p", "123", "two", "", wed10); e == nil || n != 2 || e.Name != "_1XX" {
		t.Errorf("LookupLabel(123, two) = %v, %d", e, n)
	}
	hint := dp.Context("p").Extensions[1]
	if hint.Name != "150" || hint.Hint != "SIP/150" || len(hint.Priorities) != 0 || hint.HintPos.Line != 5 {
		t.Errorf("hint extension = %+v", hint)
	}
}

func TestIgnorePattern(t *testing.T) {
	dp := mustLoad(t, "[out]\nignorepat => 9\nignorepat => _0X\ninclude => in\n[in]\nignorepat => 8\n")
	if !dp.IgnorePattern("out", "9") || !dp.IgnorePattern("out", "05") || dp.IgnorePattern("out", "8") || dp.IgnorePattern("nosuch", "9") {
		t.Error("IgnorePattern")
	}
	if got := dp.Context("out").IgnorePats; !slices.Equal(got, []string{"9", "_0X"}) {
		t.Errorf("IgnorePats %q", got)
	}
}

type prioView struct {
	Number int
	Label  string
	App    string
	Args   string
	Line   int
}

func prios(e *Extension) []prioView {
	var out []prioView
	for _, p := range e.Priorities {
		out = append(out, prioView{p.Number, p.Label, p.App, p.Args, p.Pos.Line})
	}
	return out
}

func extByName(t *testing.T, c *Context, name string) *Extension {
	t.Helper()
	for _, e := range c.Extensions {
		if e.Name == name && !e.MatchCID {
			return e
		}
	}
	t.Fatalf("no extension %q in %s", name, c.Name)
	return nil
}

// Priorities as pbx_config numbers them: n, n(label), s, +N, label+N, hint.
func TestLoadPriorities(t *testing.T) {
	dp, diags := loadConf(t, `[default]
exten => s,1,Answer()
 same => n(menu),Background(menu)
 same => n,WaitExten(5)
exten => s,10(again),Goto(menu)
 same => n,Hangup()
exten => 100,hint,SIP/100&Custom:DND100
exten => 100,1,Dial(SIP/100,20)
 same => n+1,VoiceMail(100@default)
exten => 200,1(start),NoOp()
exten => 200,start+2,NoOp(three)
exten => 300,1,NoOp(first)
 same => s,NoOp(same priority)
exten => 400,1,NoOp
exten => 500,n,NoOp(after 400)
`, LoadOptions{})
	want := []string{`extensions.conf:13: warning: extension "300" priority 1 in context "default" already in use (extensions.conf:12): ignored`}
	if got := diagLines(diags); !slices.Equal(got, want) {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	c := dp.Context("default")
	tests := []struct {
		exten string
		want  []prioView
	}{
		{"s", []prioView{
			{1, "", "Answer", "", 2}, {2, "menu", "Background", "menu", 3}, {3, "", "WaitExten", "5", 4},
			{10, "again", "Goto", "menu", 5}, {11, "", "Hangup", "", 6},
		}},
		{"100", []prioView{{1, "", "Dial", "SIP/100,20", 8}, {3, "", "VoiceMail", "100@default", 9}}},
		{"200", []prioView{{1, "start", "NoOp", "", 10}, {3, "", "NoOp", "three", 11}}},
		{"300", []prioView{{1, "", "NoOp", "first", 12}}},
		{"400", []prioView{{1, "", "NoOp", "", 14}}},
		// `n` continues the previous line's priority, whatever its extension.
		{"500", []prioView{{2, "", "NoOp", "after 400", 15}}},
	}
	for _, tc := range tests {
		if got := prios(extByName(t, c, tc.exten)); !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got  %+v\n want %+v", tc.exten, got, tc.want)
		}
	}
	e := extByName(t, c, "100")
	if e.Hint != "SIP/100&Custom:DND100" || e.HintPos.Line != 7 || e.Pos.Line != 7 {
		t.Errorf("hint %q at %v, extension at %v", e.Hint, e.HintPos, e.Pos)
	}
	if n := extByName(t, c, "s").Label("again"); n != 10 {
		t.Errorf("Label(again) = %d", n)
	}
}

// App(args) parsing of pbx_config: the arguments run to the last ')'.
func TestLoadApplications(t *testing.T) {
	dp, diags := loadConf(t, `[apps]
exten => 1,1,NoOp(a(b)c)
exten => 1,2,Set(X=${Y}))
exten => 1,3,Hangup
exten => 1,4,Playback(hello
exten => 1,5,Dial,SIP/100,20
exten => 1,6, NoOp ( x )
exten => 1,7,Set(A=$[1 + 2])
exten => 1,8,NoOp(a,b,,c)
`, LoadOptions{})
	want := []string{
		`extensions.conf:5: warning: no closing parenthesis in "Playback(hello"`,
		`extensions.conf:6: warning: old "App,args" syntax: Asterisk 1.6 and later read "Dial,SIP/100,20" as the application name; write Dial(SIP/100,20)`,
	}
	if got := diagLines(diags); !slices.Equal(got, want) {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	got := prios(extByName(t, dp.Context("apps"), "1"))
	wantP := []prioView{
		{1, "", "NoOp", "a(b)c", 2},
		{2, "", "Set", "X=${Y})", 3},
		{3, "", "Hangup", "", 4},
		{4, "", "Playback", "hello", 5},
		{5, "", "Dial", "SIP/100,20", 6},
		{6, "", "NoOp", " x ", 7},
		{7, "", "Set", "A=$[1 + 2]", 8},
		{8, "", "NoOp", "a,b,,c", 9},
	}
	if !slices.Equal(got, wantP) {
		t.Errorf("priorities:\n got  %+v\n want %+v", got, wantP)
	}
}

// Every diagnostic of the loader, with its file:line.
func TestLoadDiagnostics(t *testing.T) {
	known := func(name string) bool {
		return slices.Contains([]string{"noop", "answer", "goto", "dial"}, strings.ToLower(name))
	}
	dp, diags := loadConf(t, `[general]
autofallthrough=maybe
colour=blue
[ctx]
 same => n,NoOp(no extension yet)
exten => 1,n,NoOp(n first)
exten => 1,1,Foo(bar)
exten => 1,2,
exten => 1,3(lbl,NoOp()
exten => 1,0,NoOp()
exten => 1,nolabel,NoOp()
exten => 1,4(lbl),NoOp()
exten => 1,5(lbl),NoOp()
exten => 1,4,Answer()
exten => ,1,NoOp()
exten => _.,1,NoOp()
include => nowhere
include => other
include => OTHER
include => other,25:00-26:00,*,*,*
ignorepat => 9
ignorepat => 9
switch => IAX2/user:secret@host/context
lswitch => Loopback/${EXTEN}@other
eswitch => X/y
foo => bar
exten => 2,hint,SIP/2
exten => 2,hint,SIP/3
exten => 2,n,NoOp(after hint)
exten => 2,1,answer
[other]
`, LoadOptions{KnownApp: known})
	want := []string{
		`extensions.conf:2: warning: invalid value "maybe" for autofallthrough (want yes or no): taken as no`,
		`extensions.conf:3: warning: unknown option "colour" in [general]`,
		`extensions.conf:5: "same" with no extension before it in context "ctx"`,
		`extensions.conf:6: warning: can't use "n" priority on the first entry of context "ctx"`,
		`extensions.conf:7: warning: unknown application "Foo"`,
		`extensions.conf:8: extension "1" priority 2 has no application`,
		`extensions.conf:9: warning: label missing trailing ')' in priority "3(lbl"`,
		`extensions.conf:10: warning: invalid priority "0"`,
		`extensions.conf:11: warning: invalid priority/label "nolabel"`,
		`extensions.conf:13: warning: extension "1" priority 5 in context "ctx": label "lbl" already in use at priority 4: label ignored`,
		`extensions.conf:14: warning: extension "1" priority 4 in context "ctx" already in use (extensions.conf:12): ignored`,
		`extensions.conf:15: extension with no name in context "ctx"`,
		`extensions.conf:16: warning: the use of "_." for an extension is strongly discouraged and can have unexpected behavior (it also matches h, i, t...): use "_X." instead`,
		`extensions.conf:19: warning: context "OTHER" already included in context "ctx": ignored`,
		`extensions.conf:20: warning: include "other": invalid start time "25:00" in time range "25:00-26:00": the include is never active`,
		`extensions.conf:22: warning: ignorepat "9" already in context "ctx": ignored`,
		`extensions.conf:23: warning: switch is not supported`,
		`extensions.conf:24: warning: lswitch is not supported`,
		`extensions.conf:25: warning: eswitch is not supported`,
		`extensions.conf:26: warning: unknown directive "foo" in context "ctx" ignored`,
		`extensions.conf:28: warning: extension "2" hint in context "ctx" already in use (extensions.conf:27): ignored`,
		`extensions.conf:29: warning: priority "n" after a hint is 0: entry ignored`,
		`extensions.conf:17: warning: included context "nowhere" does not exist`,
	}
	if got := diagLines(diags); !slices.Equal(got, want) {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !diags.HasErrors() {
		t.Error("no errors")
	}
	if dp.General.Autofallthrough {
		t.Error("autofallthrough=maybe is not no")
	}
	c := dp.Context("ctx")
	if len(c.Includes) != 3 || c.Includes[2].Time == nil || c.Includes[2].Time.Match(wed10) {
		t.Errorf("includes %+v", c.Includes)
	}
	e := extByName(t, c, "2")
	if e.Hint != "SIP/2" || len(e.Priorities) != 1 || e.Priorities[0].App != "answer" {
		t.Errorf("extension 2 = %+v", e)
	}
}

func TestLoadGeneralAndGlobals(t *testing.T) {
	dp := mustLoad(t, "[ctx]\nexten => s,1,NoOp()\n")
	if !dp.General.Autofallthrough || dp.General.ClearGlobalVars {
		t.Errorf("defaults %+v", dp.General)
	}
	dp, diags := loadConf(t, `[General]
autofallthrough=no
clearglobalvars=yes
static=yes
writeprotect=no
extenpatternmatchnew=yes
userscontext=default
[globals]
A=1
B=${A}2
A=3
[ctx]
exten => ${B}3,1,NoOp(${A})
include => ${UNSET}
[globals]
C=4
`, LoadOptions{})
	want := []string{
		`extensions.conf:6: warning: extenpatternmatchnew is not supported: extensions are matched in the classic order`,
		`extensions.conf:15: warning: [globals] written again (first at extensions.conf:8): only the first is read, as in Asterisk`,
		`extensions.conf:14: warning: included context "${UNSET}" does not exist`,
	}
	// The [globals] warning comes first: sections are looked at before contexts.
	want[0], want[1] = want[1], want[0]
	if got := diagLines(diags); !slices.Equal(got, want) {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if dp.General.Autofallthrough || !dp.General.ClearGlobalVars {
		t.Errorf("general %+v", dp.General)
	}
	var globals []string
	for _, g := range dp.Globals {
		globals = append(globals, g.Name+"="+g.Value)
	}
	if !slices.Equal(globals, []string{"A=1", "B=${A}2", "A=3"}) {
		t.Errorf("globals %q", globals)
	}
	if len(dp.Contexts) != 1 || dp.Context("General") != nil || dp.Context("globals") != nil {
		t.Errorf("contexts %v", dp.Contexts)
	}
	// Extension names take [globals] values, as pbx_config substitutes them.
	if e, _ := dp.Lookup("ctx", "123", "", wed10); e == nil || e.Priority(1).Args != "${A}" {
		t.Errorf("${B}3 = %+v", e)
	}
}

// The same extension written in several places, even in a second section
// of the same name or with dashes, collects its priorities.
func TestLoadMergesExtensions(t *testing.T) {
	dp := mustLoad(t, `[m]
exten => 555-1212,1,NoOp(one)
exten => _X.,1,NoOp(pattern)
[other]
exten => x,1,NoOp()
[m]
exten => 5551212,2,NoOp(two)
exten => _[0-9].,2,NoOp(pattern two)
`)
	c := dp.Context("m")
	if len(c.Extensions) != 2 || c.Pos.Line != 1 {
		t.Fatalf("extensions %+v at %v", c.Extensions, c.Pos)
	}
	e := c.Extensions[0]
	if e.Name != "555-1212" || len(e.Priorities) != 2 || e.Priorities[1].Args != "two" || e.Pos.Line != 2 {
		t.Errorf("merged extension %+v", prios(e))
	}
	if p := c.Extensions[1]; p.Name != "_X." || len(p.Priorities) != 2 {
		t.Errorf("merged pattern %+v", prios(p))
	}
	if got := lookupArgs(dp, "m", "555-1212", "", wed10); got != "one" {
		t.Errorf("dialled with dash: %q", got)
	}
}

// Extensions are kept in Asterisk's order; pbx_strsep keeps a comma inside
// brackets in the name.
func TestLoadSortsExtensions(t *testing.T) {
	dp := mustLoad(t, `[sorted]
exten => _X.,1,NoOp()
exten => _1XX,1,NoOp()
exten => _12X,1,NoOp()
exten => 123,1,NoOp()
exten => _[1-3]XX,1,NoOp()
exten => _NXXNXXXXXX,1,NoOp()
exten => s,1,NoOp()
exten => _[1,2]X,1,NoOp(comma set)
exten => 1 2 3 4,1,NoOp(spaces dropped)
`)
	var names []string
	for _, e := range dp.Context("sorted").Extensions {
		names = append(names, e.Name)
	}
	want := []string{"123", "1234", "s", "_12X", "_1XX", "_[1,2]X", "_[1-3]XX", "_NXXNXXXXXX", "_X."}
	if !slices.Equal(names, want) {
		t.Errorf("order %q\nwant  %q", names, want)
	}
	if got := lookupArgs(dp, "sorted", ",5", "", wed10); got != "comma set" {
		t.Errorf("comma set: %q", got)
	}
}

func TestLoadNilFile(t *testing.T) {
	dp, diags := LoadDialplan(nil, LoadOptions{})
	if dp == nil || len(diags) != 0 || dp.Contexts == nil || !dp.General.Autofallthrough {
		t.Fatalf("LoadDialplan(nil) = %+v, %v", dp, diags)
	}
	var nilDP *Dialplan
	if e, c := nilDP.Lookup("x", "1", "", wed10); e != nil || c != nil || nilDP.Context("x") != nil {
		t.Error("nil dialplan found something")
	}
}

func fuzzSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "dialplan", "*.conf"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
}

func FuzzLoadDialplan(f *testing.F) {
	fuzzSeeds(f)
	f.Add("[a]\nexten => 1/_X.,n(x)+2,Foo(\ninclude => a,*|*|*|*|UTC\nsame => x+1,Bar,baz\n")
	f.Fuzz(func(t *testing.T, text string) {
		file, _ := config.Parse("extensions.conf", strings.NewReader(text))
		if file == nil {
			return
		}
		dp, _ := LoadDialplan(file, LoadOptions{KnownApp: func(string) bool { return false }})
		if dp == nil {
			t.Fatal("nil dialplan")
		}
		n := 0
		for _, c := range dp.Contexts {
			for i, e := range c.Extensions {
				if i > 0 && compareExtensions(c.Extensions[i-1], e) >= 0 {
					t.Errorf("context %s: %q not before %q", c.Name, c.Extensions[i-1].Name, e.Name)
				}
				for j := 1; j < len(e.Priorities); j++ {
					if e.Priorities[j-1].Number >= e.Priorities[j].Number {
						t.Errorf("priorities of %s out of order", e.Name)
					}
				}
				if n++; n > 50 {
					continue
				}
				probe := strings.TrimPrefix(e.Name, "_")
				dp.Lookup(c.Name, probe, e.CallerID, wed10)
				dp.CanMatch(c.Name, probe, "", wed10)
				dp.MatchMore(c.Name, probe[:len(probe)/2], e.CallerID, wed10)
			}
		}
	})
}
