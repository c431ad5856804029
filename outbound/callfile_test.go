package outbound

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// dumpCallFile is the golden form of a parse: every field, one a line.
func dumpCallFile(cf *CallFile, err error) string {
	var b strings.Builder
	if err != nil {
		fmt.Fprintf(&b, "error: %v\n", err)
	}
	if cf == nil {
		return b.String()
	}
	fmt.Fprintf(&b, "channel: %q tech=%q dest=%q\n", cf.Channel, cf.Tech, cf.Dest)
	fmt.Fprintf(&b, "callerid: %q name=%q num=%q\n", cf.CallerID, cf.CallerIDName, cf.CallerIDNum)
	fmt.Fprintf(&b, "waittime: %v maxretries: %d retrytime: %v\n", cf.WaitTime, cf.MaxRetries, cf.RetryTime)
	fmt.Fprintf(&b, "account: %q\n", cf.Account)
	fmt.Fprintf(&b, "context: %q extension: %q priority: %d\n", cf.Context, cf.Extension, cf.Priority)
	fmt.Fprintf(&b, "application: %q data: %q\n", cf.Application, cf.Data)
	for _, v := range cf.Vars {
		fmt.Fprintf(&b, "var: %q = %q\n", v.Name, v.Value)
	}
	fmt.Fprintf(&b, "codecs: %q\n", cf.Codecs)
	fmt.Fprintf(&b, "alwaysdelete: %v archive: %v early_media: %v\n", cf.AlwaysDelete, cf.Archive, cf.EarlyMedia)
	fmt.Fprintf(&b, "retries: %d callingpid: %d status: %v\n", cf.Retries, cf.CallingPID, cf.Status)
	for _, w := range cf.Warnings {
		fmt.Fprintf(&b, "warning: %v\n", w)
	}
	return b.String()
}

// TestParseCallFileCorpus parses testdata/callfiles: valid-* files (the
// demo's survey, seed 001 callbacks, files Asterisk appended retry lines
// to, odd spelling) and invalid-* ones, against their golden dumps
// (go test -update rewrites them).
func TestParseCallFileCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/callfiles/*.call")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, ".call"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			cf, err := ParseCallFile(bytes.NewReader(data), name)
			if strings.HasPrefix(name, "valid-") && err != nil {
				t.Errorf("valid file refused: %v", err)
			}
			if strings.HasPrefix(name, "invalid-") {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Errorf("invalid file: err = %v, want a *ParseError", err)
				}
			}
			got := dumpCallFile(cf, err)
			golden := strings.TrimSuffix(f, ".call") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("parse of %s:\n%s\nwant:\n%s", name, got, want)
			}
		})
	}
}

func TestParseCallFileErrors(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    error
		wantMsg string
	}{
		{"no channel", "Extension: s\nContext: survey\n", ErrNoChannel, "t.call:2: no Channel"},
		{"empty file", "", ErrNoChannel, "t.call:1: no Channel"},
		{"channel without slash", "Channel: 7001\nExtension: s\n", ErrNoChannel, `t.call:1: Channel "7001" should be in form Tech/Dest`},
		{"empty technology", "Extension: s\nChannel: /7001\n", ErrNoChannel, `t.call:2: Channel "/7001" has an empty technology`},
		{"no extension nor application", "Channel: SIP/1\nContext: x\nPriority: 2\n", ErrNoDestination, "t.call:3: neither Application nor Extension"},
		{"commented-out channel", "# Channel: SIP/1\nExtension: s\n", ErrNoChannel, "t.call:2: no Channel"},
		{"channel key with a blank", "Channel : SIP/1\nExtension: s\n", ErrNoChannel, "t.call:2: no Channel"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cf, err := ParseCallFile(strings.NewReader(tc.text), "t.call")
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), tc.wantMsg) {
				t.Errorf("err = %q, want prefix %q", err, tc.wantMsg)
			}
			if cf == nil {
				t.Errorf("no partial CallFile with the error")
			}
		})
	}
}

func TestParseCallFileValues(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		check func(*CallFile) bool
	}{
		{"defaults", "Channel: SIP/1\nExtension: s\n", func(cf *CallFile) bool {
			return cf.WaitTime == 45*time.Second && cf.RetryTime == 300*time.Second && cf.Priority == 1 &&
				cf.MaxRetries == 0 && cf.AlwaysDelete && !cf.Archive && !cf.EarlyMedia && cf.Context == ""
		}},
		{"later line wins", "Channel: SIP/1\nChannel: SIP/2\nExtension: s\n", func(cf *CallFile) bool { return cf.Dest == "2" }},
		{"sscanf numbers", "Channel: SIP/1\nExtension: s\nMaxRetries:  +3tries\nWaitTime: 20s\n", func(cf *CallFile) bool {
			return cf.MaxRetries == 3 && cf.WaitTime == 20*time.Second
		}},
		{"negative max retries kept", "Channel: SIP/1\nExtension: s\nMaxRetries: -1\n", func(cf *CallFile) bool { return cf.MaxRetries == -1 }},
		{"hash inside a value", "Channel: SIP/1\nExtension: s\nData: 12#34\n", func(cf *CallFile) bool { return cf.Data == "12#34" }},
		{"escaped semicolon skips the next byte", "Channel: SIP/1\nExtension: s\nData: a\\;;b\n", func(cf *CallFile) bool { return cf.Data == "a;;b" }},
		{"escaped semicolons", "Channel: SIP/1\nExtension: s\nData: a\\;b\\;c;d\n", func(cf *CallFile) bool { return cf.Data == "a;b;c" }},
		{"set splits at the first equals", "Channel: SIP/1\nExtension: s\nSet: A=b=c\n", func(cf *CallFile) bool {
			return reflect.DeepEqual(cf.Vars, []Var{{"A", "b=c"}})
		}},
		{"retry lines count", "Channel: SIP/1\nExtension: s\nRetry: x\nStartRetry: 9 1 (1)\nAbortRetry: 10 1 (2)\nStartRetry: 10 2 (3)\nDelayedRetry: 10 2 (4)\n", func(cf *CallFile) bool {
			return cf.Retries == 2 && cf.CallingPID == 10
		}},
		{"no final newline", "Channel: SIP/1\nExtension: s", func(cf *CallFile) bool { return cf.Extension == "s" }},
		{"NUL ends a line", "Channel: SIP/1\x00junk\nExtension: s\n", func(cf *CallFile) bool { return cf.Dest == "1" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cf, err := ParseCallFile(strings.NewReader(tc.text), "t.call")
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(cf) {
				t.Errorf("unexpected parse:\n%s", dumpCallFile(cf, nil))
			}
		})
	}
}

func TestSplitCallerID(t *testing.T) {
	tests := []struct{ in, name, num string }{
		{`Call centre <0777>`, "Call centre", "0777"},
		{`"Call centre" <0777>`, "Call centre", "0777"},
		{`<0777>`, "", "0777"},
		{`0777`, "", "0777"},
		{`(555) 123-4567`, "", "5551234567"},
		{`"0777"`, "0777", ""},
		{`Support`, "Support", ""},
		{`"O\"Neil" <+33 1 23>`, `O"Neil`, "+33123"},
		{`Name <123`, "Name", "123"},
		{``, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			name, num := splitCallerID(tc.in)
			if name != tc.name || num != tc.num {
				t.Errorf("splitCallerID(%q) = %q, %q; want %q, %q", tc.in, name, num, tc.name, tc.num)
			}
		})
	}
}

func TestOutcomeAndStatusStrings(t *testing.T) {
	for o := OutcomeAnswered; o <= OutcomeFailed; o++ {
		got, err := ParseOutcome(strings.ToLower(o.String()))
		if err != nil || got != o {
			t.Errorf("ParseOutcome(%q) = %v, %v", o.String(), got, err)
		}
	}
	if got, _ := ParseOutcome("CANCEL"); got != OutcomeNoAnswer {
		t.Errorf("CANCEL = %v, want NOANSWER", got)
	}
	if _, err := ParseOutcome("UNKNOWN"); !errors.Is(err, ErrBadValue) {
		t.Errorf("ParseOutcome(UNKNOWN) err = %v", err)
	}
	for st := StatusCompleted; st <= StatusFailed; st++ {
		got, err := ParseStatus(st.String())
		if err != nil || got != st {
			t.Errorf("ParseStatus(%q) = %v, %v", st.String(), got, err)
		}
	}
	if Outcome(99).String() != "Outcome(99)" || Status(-1).String() != "Status(-1)" {
		t.Error("out of range names")
	}
}

// TestMarshalTextRoundTrip writes each valid corpus file back out and reads
// it again: the same call.
func TestMarshalTextRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/callfiles/valid-*.call")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, _ := os.ReadFile(f)
			cf, err := ParseCallFile(bytes.NewReader(data), "a")
			if err != nil {
				t.Fatal(err)
			}
			checkRoundTrip(t, cf)
		})
	}
}

func checkRoundTrip(t *testing.T, cf *CallFile) {
	t.Helper()
	text, err := cf.MarshalText()
	if err != nil {
		if errors.Is(err, ErrBadValue) {
			return
		}
		t.Fatalf("MarshalText: %v", err)
	}
	back, err := ParseCallFile(bytes.NewReader(text), "a")
	if err != nil {
		t.Fatalf("parse of\n%s: %v", text, err)
	}
	for _, w := range back.Warnings {
		if !errors.Is(w, ErrLongLine) {
			t.Errorf("warning reading\n%s: %v", text, w)
		}
	}
	want := *cf
	want.Retries, want.CallingPID, want.Status, want.Warnings = 0, 0, StatusUnknown, nil
	if want.Application != "" {
		want.Context, want.Extension, want.Priority = "", "", DefaultPriority
	} else {
		want.Data = ""
	}
	back.Warnings = nil
	if a, b := dumpCallFile(&want, nil), dumpCallFile(back, nil); a != b {
		t.Errorf("round trip through\n%s\ngot:\n%s\nwant:\n%s", text, b, a)
	}
}

func TestMarshalTextRefuses(t *testing.T) {
	tests := []struct {
		name string
		edit func(*CallFile)
		want error
	}{
		{"no channel", func(cf *CallFile) { cf.Channel = "x" }, ErrNoChannel},
		{"no destination", func(cf *CallFile) { cf.Extension = "" }, ErrNoDestination},
		{"newline", func(cf *CallFile) { cf.Context = "a\nChannel: SIP/evil" }, ErrBadValue},
		{"comment", func(cf *CallFile) { cf.Vars = []Var{{"A", "x #1"}} }, ErrBadValue},
		{"trailing blank", func(cf *CallFile) { cf.Account = "acct " }, ErrBadValue},
		{"equals in a name", func(cf *CallFile) { cf.Vars = []Var{{"A=B", "c"}} }, ErrBadValue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cf := NewCallFile("SIP/7001")
			cf.Extension = "s"
			tc.edit(cf)
			if _, err := cf.MarshalText(); !errors.Is(err, tc.want) {
				t.Errorf("MarshalText err = %v, want %v", err, tc.want)
			}
		})
	}
}

// FuzzParseCallFile checks that any input parses without panicking, that
// errors are *ParseError with a line, and that a file written back by
// MarshalText reads as the same call.
func FuzzParseCallFile(f *testing.F) {
	files, _ := filepath.Glob("testdata/callfiles/*.call")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cf, err := ParseCallFile(bytes.NewReader(data), "fuzz.call")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("err = %#v", err)
			}
			return
		}
		for _, w := range cf.Warnings {
			var pe *ParseError
			if !errors.As(w, &pe) || pe.Line < 1 {
				t.Fatalf("warning = %#v", w)
			}
		}
		checkRoundTrip(t, cf)
	})
}
