package cdr

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// queueCall is a ringall call's records: the member who did not answer,
// then the one who did.
func queueCall() []Record {
	c := newTestChain(DefaultGeneral)
	c.App("Queue", "support", "from-pstn", "0777", 1, ts(0))
	c.DialBegin("SIP/1002-00000002", "", ts(0))
	c.DialBegin("SIP/1001-00000003", "", ts(0))
	c.PeerGone("SIP/1002-00000002", ts(4))
	c.Answer(ts(4))
	c.BridgeEnter("SIP/1001-00000003", "", ts(4))
	return c.Close(16, ts(64.5))
}

// TestJSONWriterCall: cdr.json has one line a call, its records inside,
// with the call's summary; Master.csv, written by the same MultiWriter,
// has the records one a line.
func TestJSONWriterCall(t *testing.T) {
	dir := t.TempDir()
	jw, err := NewJSONWriter(filepath.Join(dir, "cdr.json"))
	if err != nil {
		t.Fatal(err)
	}
	cw, err := NewCSVWriter(dir, CSVConfig{UseGMTime: true})
	if err != nil {
		t.Fatal(err)
	}
	recs := queueCall()
	if err := WriteCall(MultiWriter{cw, jw}, recs); err != nil {
		t.Fatal(err)
	}
	if csv := readString(t, filepath.Join(dir, MasterFile)); strings.Count(csv, "\n") != 2 {
		t.Errorf("Master.csv:\n%s", csv)
	}
	line := strings.TrimSuffix(readString(t, filepath.Join(dir, "cdr.json")), "\n")
	if strings.Contains(line, "\n") {
		t.Fatalf("cdr.json has more than one line:\n%s", line)
	}
	var sum struct {
		LinkedID    string `json:"linkedid"`
		Start       string `json:"start"`
		Answer      string `json:"answer"`
		End         string `json:"end"`
		Duration    int    `json:"duration"`
		BillSec     int    `json:"billsec"`
		Disposition string `json:"disposition"`
		Records     []json.RawMessage
	}
	if err := json.Unmarshal([]byte(line), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.LinkedID != caller.LinkedID || sum.Start != "2025-03-04T10:00:00Z" || sum.Answer != "2025-03-04T10:00:04Z" ||
		sum.End != "2025-03-04T10:01:04.5Z" || sum.Duration != 64 || sum.BillSec != 60 || sum.Disposition != "ANSWERED" || len(sum.Records) != 2 {
		t.Errorf("summary %+v of\n%s", sum, line)
	}
	var back Call
	if err := json.Unmarshal([]byte(line), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Records) != 2 || back.Records[0].DstChannel != "SIP/1002-00000002" || back.Records[1].BillSec != recs[1].BillSec ||
		back.Records[1].Disposition != DispositionAnswered {
		t.Errorf("read back %+v", back.Records)
	}
	unanswered := []Record{recs[0]}
	if b, _ := json.Marshal(Call{Records: unanswered}); !strings.Contains(string(b), `"billsec":0,"disposition":"NO ANSWER"`) {
		t.Errorf("an unanswered call: %s", b)
	}
}

// TestWriteCallRecordByRecord: a Writer that is no CallWriter gets the
// records one by one.
func TestWriteCallRecordByRecord(t *testing.T) {
	var m MemWriter
	if err := WriteCall(&m, queueCall()); err != nil || len(m.Records()) != 2 {
		t.Errorf("err %v, records %v", err, m.Records())
	}
	if err := WriteCall(&m, nil); err != nil || len(m.Records()) != 2 {
		t.Errorf("no records: err %v, records %d", err, len(m.Records()))
	}
}
