package cdr

import (
	"bytes"
	"encoding/csv"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func at(s string, ms int) time.Time {
	t, err := time.ParseInLocation(TimeFormat, s, time.UTC)
	if err != nil {
		panic(err)
	}
	return t.Add(time.Duration(ms) * time.Millisecond)
}

// asteriskRecords are the calls behind testdata/asterisk-master.csv; the
// milliseconds are chosen so that Asterisk's truncated durations come out.
func asteriskRecords() []Record {
	recs := []Record{
		{Src: "anonymous", Dst: "333", DContext: "inbound", CLID: `"Anonymous" <anonymous>`,
			Channel: "PJSIP/desperate_poitras-00000000", LastApp: "Hangup",
			Start: at("2017-05-31 19:49:18", 100), Answer: at("2017-05-31 19:49:18", 120), End: at("2017-05-31 19:49:18", 900),
			Disposition: DispositionAnswered, AMAFlags: AMADocumentation, UniqueID: "1496260158.0"},
		{Src: "8001", Dst: "8002", DContext: "sip0", CLID: `"8001" <8001>`, Channel: "TELCHAN/5/22",
			DstChannel: "SIP/sip0-00000013", LastApp: "Dial", LastData: "SIP/8002@sip0,,gT",
			Start: at("2020-08-27 11:02:40", 200), End: at("2020-08-27 11:02:40", 700),
			Disposition: DispositionFromDialStatus("BUSY", false), AMAFlags: DefaultAMAFlags, UniqueID: "1598518960.99"},
		{Src: "8001", Dst: "8002", DContext: "sip0", CLID: `"8001" <8001>`, Channel: "TELCHAN/5/19",
			DstChannel: "SIP/sip0-00000011", LastApp: "Dial", LastData: "SIP/8002@sip0,,gT",
			Start: at("2020-08-27 11:02:16", 500), Answer: at("2020-08-27 11:02:20", 100), End: at("2020-08-27 11:02:25", 200),
			Disposition: DispositionFromDialStatus("ANSWER", false), AMAFlags: AMADocumentation, UniqueID: "1598518936.86"},
		{Src: "7001", Dst: "8001", DContext: "call_line", CLID: `"" <7001>`, Channel: "SIP/sip0-00000015",
			DstChannel: "TELCHAN/5/25", LastApp: "Dial", LastData: `TELCHAN\/5,,tF(hangup,h,2)`,
			Start: at("2020-08-27 11:09:40", 0), Answer: at("2020-08-27 11:09:45", 600), End: at("2020-08-27 11:20:40", 200),
			Disposition: DispositionAnswered, AMAFlags: AMADocumentation, UniqueID: "1598519380.114"},
		{Src: "2889", Dst: "09243820431", DContext: "pre-rec", CLID: `"2889" <2889>`, Channel: "SIP/2889-0000098e",
			DstChannel: "Local/09243820431@default-000005a6;1", LastApp: "Dial", LastData: "Local/09243820431@default,30,t",
			Start: at("2018-09-07 11:05:01", 0), Answer: at("2018-09-07 11:05:20", 300), End: at("2018-09-07 11:05:20", 400),
			Disposition: DispositionAnswered, AMAFlags: AMADocumentation, UniqueID: "1536293101.12458"},
	}
	for i := range recs {
		recs[i].SetDurations()
	}
	return recs
}

// TestCSVWriterMatchesAsterisk writes the records behind lines real
// Asterisk systems wrote and compares Master.csv byte for byte.
func TestCSVWriterMatchesAsterisk(t *testing.T) {
	want, err := os.ReadFile("testdata/asterisk-master.csv")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), DefaultCSVDir)
	w, err := NewCSVWriter(dir, CSVConfig{UseGMTime: true, LogUniqueID: true, LogUserField: true, AccountLogs: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range asteriskRecords() {
		if err := w.WriteRecord(&r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(filepath.Join(dir, MasterFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Errorf("line %d:\n got %s\nwant %s", i+1, gl[i], wl[i])
			}
		}
		if len(gl) != len(wl) {
			t.Errorf("%d lines, want %d", len(gl), len(wl))
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files %v: no account code, only Master.csv expected", entries)
	}
}

func TestAppendCSVColumns(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	r := Record{AccountCode: "callback", Src: "0612345678", Dst: "s", DContext: "survey",
		CLID: `"Call centre" <0777>`, Channel: "Local/7001@survey-dial-00000001;1", LastApp: "Hangup", LastData: "16",
		Start: at("2025-01-01 10:00:00", 0), Answer: at("2025-01-01 10:00:05", 0), End: at("2025-01-01 10:01:05", 0),
		Disposition: DispositionAnswered, AMAFlags: AMABilling, UniqueID: "1735725600.7", UserField: "rating=9",
		LinkedID: "1735725600.6", PeerAccount: "agents", Sequence: 42}
	r.SetDurations()
	base := `"callback","0612345678","s","survey","""Call centre"" <0777>","Local/7001@survey-dial-00000001;1","","Hangup","16",`
	tests := []struct {
		name string
		cfg  CSVConfig
		want string
	}{
		{"default 16 columns in local time", CSVConfig{Location: paris},
			base + `"2025-01-01 11:00:00","2025-01-01 11:00:05","2025-01-01 11:01:05",65,60,"ANSWERED","BILLING"` + "\n"},
		{"usegmtime", CSVConfig{UseGMTime: true, Location: paris},
			base + `"2025-01-01 10:00:00","2025-01-01 10:00:05","2025-01-01 10:01:05",65,60,"ANSWERED","BILLING"` + "\n"},
		{"loguniqueid", CSVConfig{UseGMTime: true, LogUniqueID: true},
			base + `"2025-01-01 10:00:00","2025-01-01 10:00:05","2025-01-01 10:01:05",65,60,"ANSWERED","BILLING","1735725600.7"` + "\n"},
		{"loguserfield alone", CSVConfig{UseGMTime: true, LogUserField: true},
			base + `"2025-01-01 10:00:00","2025-01-01 10:00:05","2025-01-01 10:01:05",65,60,"ANSWERED","BILLING","rating=9"` + "\n"},
		{"newcdrcolumns", CSVConfig{UseGMTime: true, LogUniqueID: true, LogUserField: true, NewCDRColumns: true},
			base + `"2025-01-01 10:00:00","2025-01-01 10:00:05","2025-01-01 10:01:05",65,60,"ANSWERED","BILLING","1735725600.7","rating=9","agents","1735725600.6",42` + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AppendCSV(nil, &r, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestAppendCSVZeroRecord(t *testing.T) {
	got, err := AppendCSV([]byte("x"), &Record{}, CSVConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if want := `x"","","","","","","","","",,,,0,0,"NO ANSWER","Unknown"` + "\n"; string(got) != want {
		t.Errorf("got %s want %s", got, want)
	}
}

// TestAppendCSVBufferLimit: cdr_csv's 1024-byte buffer holds a line of at
// most 1017 bytes; a longer record is not written.
func TestAppendCSVBufferLimit(t *testing.T) {
	r := Record{}
	empty, _ := AppendCSV(nil, &r, CSVConfig{})
	fill := maxCSVLine - (len(empty) - 1)
	r.LastData = strings.Repeat("x", fill)
	line, err := AppendCSV(nil, &r, CSVConfig{})
	if err != nil || len(line) != 1018 {
		t.Fatalf("1017-byte line: len %d, err %v", len(line), err)
	}
	r.LastData += "x"
	if out, err := AppendCSV([]byte("keep"), &r, CSVConfig{}); !errors.Is(err, ErrRecordTooLong) || string(out) != "keep" {
		t.Errorf("1018-byte line: %q, %v; want ErrRecordTooLong and dst unchanged", out, err)
	}
}

func TestCSVWriterAccountLogs(t *testing.T) {
	tests := []struct {
		name    string
		cfg     CSVConfig
		account string
		want    []string
	}{
		{"account file", DefaultCSVConfig, "survey", []string{MasterFile, "survey.csv"}},
		{"accountlogs off", CSVConfig{}, "survey", []string{MasterFile}},
		{"slash is insecure", DefaultCSVConfig, "../etc", []string{MasterFile}},
		{"leading dot is insecure", DefaultCSVConfig, ".hidden", []string{MasterFile}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			w, _ := NewCSVWriter(dir, tc.cfg, WithLogger(slog.New(slog.DiscardHandler)))
			r := Record{AccountCode: tc.account, Start: at("2025-01-01 10:00:00", 0)}
			if err := w.WriteRecord(&r); err != nil {
				t.Fatal(err)
			}
			entries, _ := os.ReadDir(dir)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if strings.Join(names, " ") != strings.Join(tc.want, " ") {
				t.Errorf("files %v, want %v", names, tc.want)
			}
			for _, n := range names {
				if b, _ := os.ReadFile(filepath.Join(dir, n)); !strings.HasPrefix(string(b), `"`+tc.account+`"`) {
					t.Errorf("%s = %q", n, b)
				}
			}
		})
	}
}

// TestCSVWriterEndsTornLine: a line a crash left half written is ended
// before the next record, so that the record stays whole.
func TestCSVWriterEndsTornLine(t *testing.T) {
	dir := t.TempDir()
	master := filepath.Join(dir, MasterFile)
	if err := os.WriteFile(master, []byte("\"\",\"1\"\n\"\",\"70"), 0o640); err != nil {
		t.Fatal(err)
	}
	w, _ := NewCSVWriter(dir, CSVConfig{UseGMTime: true})
	for range 2 {
		if err := w.WriteRecord(&Record{Src: "7001"}); err != nil {
			t.Fatal(err)
		}
	}
	rec := `"","7001","","","","","","","",,,,0,0,"NO ANSWER","Unknown"` + "\n"
	if got, want := readString(t, master), "\"\",\"1\"\n\"\",\"70\n"+rec+rec; got != want {
		t.Errorf("Master.csv = %q, want %q", got, want)
	}
}

func readString(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// FuzzAppendCSV checks that every line AppendCSV writes is one CSV record
// of 16 fields that a CSV reader reads back to the text written.
func FuzzAppendCSV(f *testing.F) {
	f.Add("7001", `"Call centre" <0777>`, "Dial", "SIP/8002@sip0,,gT")
	f.Add("", `""""`, "a\nb", "x\r\n,\"")
	f.Fuzz(func(t *testing.T, src, clid, app, data string) {
		r := Record{Src: src, CLID: clid, LastApp: app, LastData: data, Start: at("2025-01-01 10:00:00", 0)}
		line, err := AppendCSV(nil, &r, CSVConfig{UseGMTime: true})
		if errors.Is(err, ErrRecordTooLong) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(line)-1 > maxCSVLine || line[len(line)-1] != '\n' {
			t.Fatalf("line %q", line)
		}
		cr := csv.NewReader(bytes.NewReader(line))
		fields, err := cr.Read()
		if err != nil {
			t.Fatalf("csv read of %q: %v", line, err)
		}
		cut := func(s string) string {
			if i := strings.IndexByte(s, 0); i >= 0 {
				return s[:i]
			}
			return s
		}
		norm := func(s string) string { return strings.ReplaceAll(cut(s), "\r\n", "\n") }
		if len(fields) != 16 || fields[1] != norm(src) || fields[4] != norm(clid) || fields[7] != norm(app) || fields[8] != norm(data) {
			t.Fatalf("fields %q of %q", fields, line)
		}
	})
}
