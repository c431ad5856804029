package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestCDRMasterCSV: a trunk call answered by the phone through Dial leaves
// one Master.csv record as cdr_csv writes it (accountcode, src, dst,
// dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer,
// end, duration, billsec, disposition, amaflags) and the same record in
// cdr.json.
func TestCDRMasterCSV(t *testing.T) {
	sw, trunkIP, phoneDone := phoneTrunkSwitch(t, 126, "exten => _X.,1,Dial(SIP/1001,10)\n same => n,Hangup()", "phone_answer.xml")
	if code, out := sipp(t, trunkIP, sw.sipAddr, "trunk_call.xml", "-s", "0522000000"); code != 0 {
		t.Fatalf("trunk: sipp exit %d:\n%s", code, out)
	}
	if res := <-phoneDone; !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("phone: %s", res)
	}
	path := filepath.Join(sw.data, "log", "cdr-csv", "Master.csv")
	var rows [][]string
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end) && len(rows) == 0; time.Sleep(100 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil {
			rows, _ = csv.NewReader(strings.NewReader(string(b))).ReadAll()
		}
	}
	if len(rows) != 1 {
		t.Fatalf("Master.csv has %d records, want 1: %v", len(rows), rows)
	}
	r := rows[0]
	if len(r) < 16 {
		t.Fatalf("a record of %d fields: %v", len(r), r)
	}
	want := map[int]string{1: "0612345678", 2: "0522000000", 3: "from-pstn", 7: "Dial", 8: "SIP/1001,10", 14: "ANSWERED", 15: "DOCUMENTATION"}
	for i, v := range want {
		if r[i] != v {
			t.Errorf("field %d = %q, want %q (record %v)", i, r[i], v, r)
		}
	}
	if !strings.HasPrefix(r[5], "SIP/pstn-") || !regexp.MustCompile(`^SIP/1001-[0-9a-f]{8}$`).MatchString(r[6]) || r[10] == "" || r[11] == "" {
		t.Errorf("channel %q, answer %q, end %q (record %v)", r[5], r[10], r[11], r)
	}
	if b, err := os.ReadFile(filepath.Join(sw.data, "log", "cdr.json")); err != nil || !strings.Contains(string(b), `"disposition":"ANSWERED"`) {
		t.Errorf("cdr.json: %v\n%s", err, b)
	}
}
