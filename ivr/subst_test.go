package ivr

import (
	"io"
	"log/slog"
	"testing"
	"time"
)

func newTestChannel(t *testing.T) *Channel {
	t.Helper()
	e := New(nil, Options{Clock: NewVirtualClock(time.Date(2026, 3, 4, 10, 30, 0, 0, time.UTC)), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return e.NewChannel(NewSimCaller(NewVirtualClock(time.Unix(0, 0)), "", nil), ChannelOptions{
		Context: "default", Exten: "5551234", CallerID: CallerID{Num: "0791234567", Name: "Alice"},
	})
}

// Substring rules from Asterisk's documentation of ${VAR:offset:length}.
func TestSubstring(t *testing.T) {
	tests := []struct {
		name           string
		value          string
		offset, length int
		want           string
	}{
		{"strip first digit", "918005551234", 1, maxInt, "18005551234"},
		{"last four", "18005551234", -4, maxInt, "1234"},
		{"first three", "18005551234", 0, 3, "180"},
		{"three from the fifth last", "18005551234", -4, 3, "123"},
		{"negative length trims the end", "18005551234", 2, -1, "00555123"},
		{"offset past the end", "123", 5, maxInt, ""},
		{"negative offset beyond start", "123", -10, 2, "12"},
		{"length zero", "123", 1, 0, ""},
		{"negative length eats everything", "123", 1, -5, ""},
		{"whole string", "abc", 0, maxInt, "abc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Substring(tc.value, tc.offset, tc.length); got != tc.want {
				t.Errorf("Substring(%q, %d, %d) = %q, want %q", tc.value, tc.offset, tc.length, got, tc.want)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	ch := newTestChannel(t)
	ch.SetVar("NUM", "918005551234")
	ch.SetVar("X", "NUM")
	ch.SetVar("EMPTY", "")
	ch.engine.SetGlobal("COMPANY", "Obelisk")
	ch.SetVar("LIST", "a-b-c-d")
	tests := []struct {
		name, in, want string
	}{
		{"plain text", "hello", "hello"},
		{"variable", "${NUM}", "918005551234"},
		{"substring", "${NUM:1}", "18005551234"},
		{"substring offset and length", "${NUM:-4:2}", "12"},
		{"builtin EXTEN with offset", "${EXTEN:3}", "1234"},
		{"unknown variable is empty", "[${NOPE}]", "[]"},
		{"global", "${COMPANY} calling", "Obelisk calling"},
		{"channel var shadows nothing global", "${CONTEXT},${PRIORITY}", "default,1"},
		{"nested name", "${${X}:0:1}", "9"},
		{"function", "${CALLERID(num)}", "0791234567"},
		{"function with substring", "${CALLERID(num):-4}", "4567"},
		{"function with colon in args", "${CUT(LIST,-,2)}", "b"},
		{"function range", "${CUT(LIST,-,2-3)}", "b-c"},
		{"nested function", "${LEN(${NUM})}", "12"},
		{"dollar alone", "cost $5", "cost $5"},
		{"trailing dollar", "x$", "x$"},
		{"unterminated reference", "${NUM", "918005551234"},
		{"two references", "${CALLERID(name)}:${EXTEN}", "Alice:5551234"},
		{"IF true", "${IF($[1]?yes:no)}", "yes"},
		{"ISNULL", "${ISNULL(${EMPTY})}${EXISTS(${NUM})}", "11"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ch.Expand(tc.in); got != tc.want {
				t.Errorf("Expand(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseVariableName(t *testing.T) {
	tests := []struct {
		in               string
		name             string
		offset, length   int
		hasRange, isFunc bool
	}{
		{"VAR", "VAR", 0, maxInt, false, false},
		{"VAR:2", "VAR", 2, maxInt, true, false},
		{"VAR:-3:2", "VAR", -3, 2, true, false},
		{"VAR::3", "VAR", 0, maxInt, true, false}, // sscanf("%d:%d") stops at the empty offset
		{"CUT(A,:,1):1", "CUT(A,:,1)", 1, maxInt, true, true},
		{"FUNC(x)", "FUNC(x)", 0, maxInt, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			name, off, length, hasRange, isFunc := parseVariableName(tc.in)
			if name != tc.name || off != tc.offset || length != tc.length || hasRange != tc.hasRange || isFunc != tc.isFunc {
				t.Errorf("parseVariableName(%q) = %q,%d,%d,%v,%v", tc.in, name, off, length, hasRange, isFunc)
			}
		})
	}
}

// CheckCondition is pbx_checkcondition: sscanf("%d") decides for numbers.
func TestCheckCondition(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", false}, {"0", false}, {"00", false}, {"1", true}, {"-1", true},
		{"1.5", true}, {"0.9", false}, {" 0", false}, {"abc", true}, {"0abc", false}, {"12abc", true},
	}
	for _, tc := range tests {
		if got := CheckCondition(tc.in); got != tc.want {
			t.Errorf("CheckCondition(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// SplitArgs follows ast_app_separate_args.
func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"a,b,,c", []string{"a", "b", "", "c"}},
		{"SIP/1001&SIP/1002,20,tT", []string{"SIP/1001&SIP/1002", "20", "tT"}},
		{`"a,b",c`, []string{"a,b", "c"}},
		{"x(1,2),y", []string{"x(1,2)", "y"}},
		{"x[1,2],y", []string{"x[1,2]", "y"}},
		{`a\,b,c`, []string{"a,b", "c"}},
	}
	for _, tc := range tests {
		got := SplitArgs(tc.in)
		if len(got) != len(tc.want) {
			t.Errorf("SplitArgs(%q) = %q, want %q", tc.in, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("SplitArgs(%q) = %q, want %q", tc.in, got, tc.want)
				break
			}
		}
	}
}

func TestStrftime(t *testing.T) {
	ts := time.Date(2026, 3, 4, 9, 5, 7, 123456000, time.UTC)
	tests := []struct{ format, want string }{
		{"%Y%m%d%H%M", "202603040905"},
		{"%Y-%m-%d %H:%M:%S", "2026-03-04 09:05:07"},
		{"%a %b %e", "Wed Mar  4"},
		{"%I:%M %p", "09:05 AM"},
		{"%s", "1772615107"},
		{"%3q", "123"},
		{"%j %u %w %%", "063 3 3 %"},
	}
	for _, tc := range tests {
		if got := Strftime(tc.format, ts); got != tc.want {
			t.Errorf("Strftime(%q) = %q, want %q", tc.format, got, tc.want)
		}
	}
	back, err := Strptime("2026-03-04 09:05:07", "%Y-%m-%d %H:%M:%S", time.UTC)
	if err != nil || !back.Equal(ts.Truncate(time.Second)) {
		t.Errorf("Strptime = %v, %v", back, err)
	}
}

func TestParseCause(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"16", 16, true}, {"USER_BUSY", 17, true}, {"user_busy", 17, true}, {"AST_CAUSE_NO_ANSWER", 19, true},
		{"BUSY", 17, true}, {"CONGESTION", 34, true}, {"0", 0, false}, {"bogus", 0, false}, {"200", 200, false},
	}
	for _, tc := range tests {
		got, ok := ParseCause(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseCause(%q) = %d,%v want %d,%v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if CauseName(17) != "USER_BUSY" || CauseName(16) != "NORMAL_CLEARING" || CauseName(999) != "999" {
		t.Errorf("CauseName: %s %s %s", CauseName(17), CauseName(16), CauseName(999))
	}
}

func TestParseCallerID(t *testing.T) {
	tests := []struct {
		in   string
		want CallerID
	}{
		{`"Alice" <1001>`, CallerID{Name: "Alice", Num: "1001"}},
		{`Bob Smith <+15551234>`, CallerID{Name: "Bob Smith", Num: "+15551234"}},
		{`<1002>`, CallerID{Num: "1002"}},
		{`0791234567`, CallerID{Num: "0791234567"}},
		{`Reception`, CallerID{Name: "Reception"}},
	}
	for _, tc := range tests {
		if got := ParseCallerID(tc.in); got != tc.want {
			t.Errorf("ParseCallerID(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
	if s := (CallerID{Name: "Alice", Num: "1001"}).String(); s != `"Alice" <1001>` {
		t.Errorf("String = %s", s)
	}
}

func TestInheritance(t *testing.T) {
	ch := newTestChannel(t)
	ch.SetVar("_ONCE", "1")
	ch.SetVar("__ALWAYS", "2")
	ch.SetVar("LOCALONLY", "3")
	got := ch.InheritedVars()
	if len(got) != 2 || got["ONCE"] != "1" || got["__ALWAYS"] != "2" {
		t.Fatalf("InheritedVars = %v", got)
	}
	child := ch.engine.NewChannel(ch.call, ChannelOptions{Context: "c", Exten: "s", Vars: got})
	if child.Var("ONCE") != "1" || child.Var("ALWAYS") != "2" {
		t.Fatalf("child vars: ONCE=%q ALWAYS=%q", child.Var("ONCE"), child.Var("ALWAYS"))
	}
	grand := child.InheritedVars()
	if _, ok := grand["ONCE"]; ok || grand["__ALWAYS"] != "2" {
		t.Fatalf("grandchild inherits %v; want only __ALWAYS", grand)
	}
	// Setting without the prefix drops the inheritance, as pbx_builtin_setvar_helper.
	ch.SetVar("ONCE", "x")
	if _, ok := ch.InheritedVars()["ONCE"]; ok {
		t.Fatal("ONCE still inherited after Set(ONCE=x)")
	}
}
