package cdr

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDispositionStrings(t *testing.T) {
	tests := []struct {
		d    Disposition
		want string
	}{
		{DispositionNull, "NO ANSWER"},
		{DispositionNoAnswer, "NO ANSWER"},
		{DispositionFailed, "FAILED"},
		{DispositionBusy, "BUSY"},
		{DispositionAnswered, "ANSWERED"},
		{DispositionCongestion, "CONGESTION"},
		{Disposition(99), "UNKNOWN"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.d.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			if tc.d == DispositionNull || tc.want == "UNKNOWN" {
				return
			}
			if got, err := ParseDisposition(strings.ToLower(tc.want)); err != nil || got != tc.d {
				t.Errorf("ParseDisposition(%q) = %v, %v", tc.want, got, err)
			}
		})
	}
	if _, err := ParseDisposition("MAYBE"); !errors.Is(err, ErrBadValue) {
		t.Errorf("ParseDisposition(MAYBE) err = %v", err)
	}
}

func TestAMAFlags(t *testing.T) {
	tests := []struct {
		in   string
		want AMAFlags
		str  string
	}{
		{"default", AMADocumentation, "DOCUMENTATION"},
		{"OMIT", AMAOmit, "OMIT"},
		{"Billing", AMABilling, "BILLING"},
		{"documentation", AMADocumentation, "DOCUMENTATION"},
		{"Unknown", AMAUnknown, "Unknown"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseAMAFlags(tc.in)
			if err != nil || got != tc.want || got.String() != tc.str {
				t.Errorf("ParseAMAFlags(%q) = %v (%q), %v", tc.in, got, got.String(), err)
			}
		})
	}
	if _, err := ParseAMAFlags("bill"); !errors.Is(err, ErrBadValue) {
		t.Errorf("ParseAMAFlags(bill) err = %v", err)
	}
	if AMAFlags(9).String() != "Unknown" {
		t.Error("out of range flags")
	}
}

func TestDispositionFromDialStatus(t *testing.T) {
	tests := []struct {
		status     string
		congestion bool
		want       Disposition
	}{
		{"ANSWER", false, DispositionAnswered},
		{"BUSY", false, DispositionBusy},
		{"NOANSWER", false, DispositionNoAnswer},
		{"CANCEL", false, DispositionNoAnswer},
		{"CONGESTION", false, DispositionFailed},
		{"CONGESTION", true, DispositionCongestion},
		{"CHANUNAVAIL", false, DispositionFailed},
		{"FAILED", false, DispositionFailed},
		{"DONTCALL", false, DispositionFailed},
		{"answer", false, DispositionFailed}, // strcmp: exact words only
		{"", false, DispositionFailed},
	}
	for _, tc := range tests {
		t.Run(tc.status, func(t *testing.T) {
			if got := DispositionFromDialStatus(tc.status, tc.congestion); got != tc.want {
				t.Errorf("DispositionFromDialStatus(%q, %v) = %v, want %v", tc.status, tc.congestion, got, tc.want)
			}
		})
	}
}

func TestFinalDisposition(t *testing.T) {
	tests := []struct {
		name           string
		answered       bool
		causeA, causeB int
		congestion     bool
		want           Disposition
		wantStr        string
	}{
		{"answered", true, 16, 0, false, DispositionAnswered, "ANSWERED"},
		{"busy", false, 17, 0, false, DispositionBusy, "BUSY"},
		{"normal clearing unanswered", false, 16, 0, false, DispositionNoAnswer, "NO ANSWER"},
		{"no answer", false, 19, 0, false, DispositionNoAnswer, "NO ANSWER"},
		{"congestion off", false, 34, 0, false, DispositionFailed, "FAILED"},
		{"congestion on", false, 34, 0, true, DispositionCongestion, "CONGESTION"},
		{"no route", false, 3, 0, false, DispositionFailed, "FAILED"},
		{"unregistered", false, 20, 0, false, DispositionFailed, "FAILED"},
		{"rejected leaves it unset", false, 21, 0, false, DispositionNull, "NO ANSWER"},
		{"party b's cause", false, 0, 17, false, DispositionBusy, "BUSY"},
		{"no cause at all", false, 0, 0, false, DispositionFailed, "FAILED"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := FinalDisposition(tc.answered, tc.causeA, tc.causeB, tc.congestion)
			if got != tc.want || got.String() != tc.wantStr {
				t.Errorf("FinalDisposition = %v (%v), want %v", got, got.String(), tc.wantStr)
			}
		})
	}
}

func TestSetDurations(t *testing.T) {
	r := Record{Start: at("2020-08-27 11:02:16", 500), Answer: at("2020-08-27 11:02:20", 100), End: at("2020-08-27 11:02:25", 200)}
	r.SetDurations()
	if r.Duration != 8*time.Second || r.BillSec != 5*time.Second {
		t.Errorf("durations %v %v, want 8s 5s", r.Duration, r.BillSec)
	}
	r.Answer = time.Time{}
	r.SetDurations()
	if r.BillSec != 0 {
		t.Errorf("unanswered billsec %v", r.BillSec)
	}
}

func TestJSONWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log", "cdr.jsonl")
	w, err := NewJSONWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	recs := asteriskRecords()
	for _, r := range recs {
		if err := w.WriteRecord(&r); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSuffix(readString(t, path), "\n"), "\n")
	if len(lines) != len(recs) {
		t.Fatalf("%d lines, want %d", len(lines), len(recs))
	}
	want := `{"accountcode":"","src":"8001","dst":"8002","dcontext":"sip0","clid":"\"8001\" \u003c8001\u003e","channel":"TELCHAN/5/22","dstchannel":"SIP/sip0-00000013","lastapp":"Dial","lastdata":"SIP/8002@sip0,,gT","start":"2020-08-27T11:02:40.2Z","answer":"","end":"2020-08-27T11:02:40.7Z","duration":0,"billsec":0,"disposition":"BUSY","amaflags":"DOCUMENTATION","uniqueid":"1598518960.99","userfield":"","linkedid":"","peeraccount":"","sequence":0}`
	if lines[1] != want {
		t.Errorf("line 2:\n got %s\nwant %s", lines[1], want)
	}
	for i, l := range lines {
		var back Record
		if err := json.Unmarshal([]byte(l), &back); err != nil {
			t.Fatal(err)
		}
		if !back.Start.Equal(recs[i].Start) || !back.Answer.Equal(recs[i].Answer) || back.Disposition != recs[i].Disposition ||
			back.BillSec != recs[i].BillSec || back.CLID != recs[i].CLID {
			t.Errorf("line %d read back as %+v", i+1, back)
		}
	}
	if err := json.Unmarshal([]byte(`{"disposition":"MAYBE"}`), new(Record)); !errors.Is(err, ErrBadValue) {
		t.Errorf("bad disposition err = %v", err)
	}
}

func TestMultiAndMemWriter(t *testing.T) {
	var a, b MemWriter
	failing := writerFunc(func(*Record) error { return os.ErrPermission })
	m := MultiWriter{&a, failing, &b}
	if err := m.WriteRecord(&Record{Src: "1"}); !errors.Is(err, os.ErrPermission) {
		t.Errorf("err = %v", err)
	}
	if len(a.Records()) != 1 || len(b.Records()) != 1 || b.Records()[0].Src != "1" {
		t.Errorf("records %v %v", a.Records(), b.Records())
	}
}

type writerFunc func(*Record) error

func (f writerFunc) WriteRecord(r *Record) error { return f(r) }
