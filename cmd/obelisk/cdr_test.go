package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
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

// phone1002 is a second phone for phoneTrunkConf.
const phone1002 = `
[1002]
type=friend
host=dynamic
secret=s3cret-1002
context=phones
disallow=all
allow=ulaw
`

// cdrColumns names Master.csv's columns with loguniqueid, loguserfield and
// newcdrcolumns ([csv] of cdr.conf).
var cdrColumns = []string{"accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata",
	"start", "answer", "end", "duration", "billsec", "disposition", "amaflags", "uniqueid", "userfield", "peeraccount", "linkedid", "sequence"}

const allColumnsCDRConf = "[csv]\nloguniqueid=yes\nloguserfield=yes\nnewcdrcolumns=yes\n"

// masterCSV waits until Master.csv holds n records and returns them by
// column name.
func masterCSV(t *testing.T, sw *runningSwitch, n int) []map[string]string {
	t.Helper()
	path := filepath.Join(sw.data, "log", "cdr-csv", "Master.csv")
	var rows [][]string
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil {
			rows, _ = csv.NewReader(strings.NewReader(string(b))).ReadAll()
		}
		if len(rows) >= n {
			break
		}
	}
	time.Sleep(300 * time.Millisecond) // no record more than expected
	if b, err := os.ReadFile(path); err == nil {
		rows, _ = csv.NewReader(strings.NewReader(string(b))).ReadAll()
		t.Logf("Master.csv:\n%s", b)
	}
	if len(rows) != n {
		t.Fatalf("Master.csv has %d records, want %d: %v", len(rows), n, rows)
	}
	var out []map[string]string
	for _, r := range rows {
		if len(r) != len(cdrColumns) {
			t.Fatalf("a record of %d fields, want %d: %q", len(r), len(cdrColumns), r)
		}
		m := map[string]string{}
		for i, c := range cdrColumns {
			m[c] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// checkCDR compares the fields of a record that want names; a value
// starting with ~ is a regular expression.
func checkCDR(t *testing.T, what string, r map[string]string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		ok := r[k] == v
		if strings.HasPrefix(v, "~") {
			ok = regexp.MustCompile(v[1:]).MatchString(r[k])
		}
		if !ok {
			t.Errorf("%s: %s = %q, want %q\nrecord %v", what, k, r[k], v, r)
		}
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}

// TestCDRQueueAnswered: a trunk call waits unanswered in a ringall queue of
// two phones; 1001 answers after 1.5 s of ringing, 1002 never does, and
// the caller hangs up 3 s after being connected. As Asterisk 12+ does,
// Master.csv gets a record per member rung, both with the caller's
// uniqueid and linkedid: 1002's NO ANSWER, 1001's ANSWERED, lastapp Queue,
// answered when the caller was (at the bridge), billsec the 3 s of talk.
func TestCDRQueueAnswered(t *testing.T) {
	ip, trunkIP, phoneIP := loopbackIP(t, 248), loopbackIP(t, 249), loopbackIP(t, 250)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf":    strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", trunkIP) + phone1002,
		"queues.conf": "[support]\nstrategy=ringall\ntimeout=10\nretry=1\nmember => SIP/1001\nmember => SIP/1002\n",
		"cdr.conf":    allColumnsCDRConf,
		"extensions.conf": `[from-pstn]
exten => 0777,1,Set(CDR(userfield)=vip)
 same => n,Queue(support,,,,20)
[phones]
`,
	})
	agent := sippPhone(t, sw, phoneIP, "1001", "s3cret-1001",
		writeScenario(t, "phone_answer.xml", map[string]string{`<pause milliseconds="300"/>`: `<pause milliseconds="1500"/>`}))
	other := sippPhone(t, sw, phoneIP, "1002", "s3cret-1002", "phone_noanswer.xml")
	trunk := writeScenario(t, "trunk_call.xml", map[string]string{`<pause milliseconds="1000"/>`: `<pause milliseconds="3000"/>`})
	if code, out := sipp(t, trunkIP, sw.sipAddr, trunk, "-s", "0777"); code != 0 {
		t.Fatalf("trunk: sipp exit %d:\n%s", code, out)
	}
	agent.mustPass(t, "1001 answers and gets the BYE")
	other.mustPass(t, "1002 rings and is cancelled")
	recs := masterCSV(t, sw, 2)
	byDst := map[string]map[string]string{}
	for _, r := range recs {
		byDst[channelBaseName(r["dstchannel"])] = r
	}
	common := map[string]string{"accountcode": "", "src": "0612345678", "dst": "0777", "dcontext": "from-pstn",
		"clid": `"Customer" <0612345678>`, "channel": "~^SIP/pstn-[0-9a-f]{8}$", "lastapp": "Queue", "lastdata": "support,,,,20",
		"amaflags": "DOCUMENTATION", "userfield": "vip", "peeraccount": "", "uniqueid": "~^[0-9]+\\.[0-9]+$", "start": "~.",
		"end": "~."}
	answered, missed := byDst["SIP/1001"], byDst["SIP/1002"]
	if answered == nil || missed == nil {
		t.Fatalf("records %v, want one to SIP/1001-… and one to SIP/1002-…", recs)
	}
	checkCDR(t, "1001", answered, common)
	checkCDR(t, "1002", missed, common)
	checkCDR(t, "1001", answered, map[string]string{"dstchannel": "~^SIP/1001-[0-9a-f]{8}$", "disposition": "ANSWERED", "answer": "~."})
	checkCDR(t, "1002", missed, map[string]string{"dstchannel": "~^SIP/1002-[0-9a-f]{8}$", "disposition": "NO ANSWER", "billsec": "0"})
	if bill := atoi(t, answered["billsec"]); bill < 2 || bill > 4 {
		t.Errorf("1001: billsec %d, want the 3 s of talk (within a second)", bill)
	}
	if ring := atoi(t, answered["duration"]) - atoi(t, answered["billsec"]); ring < 1 || ring > 3 {
		t.Errorf("1001: duration %s − billsec %s = %d, want the 1.5 s it rang", answered["duration"], answered["billsec"], ring)
	}
	if answered["uniqueid"] != missed["uniqueid"] || answered["linkedid"] != answered["uniqueid"] || missed["linkedid"] != answered["linkedid"] {
		t.Errorf("uniqueid %s/%s linkedid %s/%s: one channel, one call", answered["uniqueid"], missed["uniqueid"], answered["linkedid"], missed["linkedid"])
	}
	if answered["sequence"] == missed["sequence"] {
		t.Errorf("both records have sequence %s", answered["sequence"])
	}
	b, err := os.ReadFile(filepath.Join(sw.data, "log", "cdr.json"))
	// cdr.json: the call on one line, its two records inside.
	var call struct {
		LinkedID    string `json:"linkedid"`
		BillSec     int    `json:"billsec"`
		Disposition string `json:"disposition"`
		Records     []struct {
			DstChannel string `json:"dstchannel"`
		} `json:"records"`
	}
	if err != nil || strings.Count(string(b), "\n") != 1 || json.Unmarshal(b, &call) != nil || call.LinkedID != answered["linkedid"] ||
		call.Disposition != "ANSWERED" || len(call.Records) != 2 || call.BillSec != atoi(t, answered["billsec"]) {
		t.Errorf("cdr.json (%v): %+v\n%s", err, call, b)
	}
}

func channelBaseName(name string) string {
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		return name[:i]
	}
	return name
}

// TestCDRQueueTimeout: the caller answered by the dialplan waits in a
// queue whose only member is not registered, so nobody is rung; Queue()
// times out and the dialplan goes on. Asterisk writes one record: no
// dstchannel, ANSWERED (the channel was up), lastapp the last application
// run, billed from the Answer().
func TestCDRQueueTimeout(t *testing.T) {
	ip, trunkIP := loopbackIP(t, 251), loopbackIP(t, 252)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf":    strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", trunkIP),
		"queues.conf": "[support]\nstrategy=ringall\ntimeout=5\njoinempty=yes\nleavewhenempty=no\nmember => SIP/1001\n",
		"cdr.conf":    allColumnsCDRConf,
		"extensions.conf": `[from-pstn]
exten => 0777,1,Answer()
 same => n,Queue(support,,,,2)
 same => n,Verbose(1,QUEUESTATUS=${QUEUESTATUS} billsec so far ${CDR(billsec)})
 same => n,Wait(1)
 same => n,Hangup(16)
[phones]
`,
	})
	if code, out := sipp(t, trunkIP, sw.sipAddr, "trunk_call_remote_bye.xml", "-s", "0777"); code != 0 {
		t.Fatalf("trunk: sipp exit %d:\n%s", code, out)
	}
	waitLog(t, sw, "QUEUESTATUS=TIMEOUT billsec so far 2")
	r := masterCSV(t, sw, 1)[0]
	checkCDR(t, "timeout", r, map[string]string{"src": "0612345678", "dst": "0777", "dcontext": "from-pstn",
		"channel": "~^SIP/pstn-[0-9a-f]{8}$", "dstchannel": "", "lastapp": "Hangup", "lastdata": "16", "disposition": "ANSWERED",
		"answer": "~.", "duration": "3", "billsec": "3", "peeraccount": ""})
	if r["linkedid"] != r["uniqueid"] {
		t.Errorf("linkedid %s, uniqueid %s", r["linkedid"], r["uniqueid"])
	}
}

// TestCDRCallFile: a call file's channel (SIP/1001, answered) runs its
// context; its record is the originated channel's own, as pbx_spool's
// channel has in Asterisk: channel SIP/1001-…, no dstchannel, the file's
// caller ID and account code (also in survey.csv, accountlogs), dst and
// dcontext where it ran, lastapp Hangup, ANSWERED.
func TestCDRCallFile(t *testing.T) {
	ip, phoneIP := loopbackIP(t, 248), loopbackIP(t, 250)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf": strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", loopbackIP(t, 249)),
		"cdr.conf": allColumnsCDRConf,
		"extensions.conf": `[survey]
exten => s,1,Answer()
 same => n,Wait(2)
 same => n,Hangup(16)
[from-pstn]
[phones]
`,
	})
	phone := sippPhone(t, sw, phoneIP, "1001", "s3cret-1001",
		writeScenario(t, "phone_answer.xml", map[string]string{"^ *69$": "^ *70$"}))
	callFile := "Channel: SIP/1001\nCallerID: \"Call centre\" <0612345678>\nContext: survey\nExtension: s\nPriority: 1\nAccount: survey\n"
	tmp := filepath.Join(sw.data, "spool", "survey.call")
	if err := os.WriteFile(tmp, []byte(callFile), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(sw.data, "spool", "outgoing", "survey.call")); err != nil {
		t.Fatal(err)
	}
	phone.mustPass(t, "the call file's call is answered and hung up by the switch")
	r := masterCSV(t, sw, 1)[0]
	checkCDR(t, "call file", r, map[string]string{"accountcode": "survey", "src": "0612345678", "dst": "s", "dcontext": "survey",
		"clid": `"Call centre" <0612345678>`, "channel": "~^SIP/1001-[0-9a-f]{8}$", "dstchannel": "", "lastapp": "Hangup",
		"lastdata": "16", "disposition": "ANSWERED", "answer": "~.", "amaflags": "DOCUMENTATION"})
	if d, b := atoi(t, r["duration"]), atoi(t, r["billsec"]); d < 1 || d > 3 || b < d-1 || b > d+1 {
		t.Errorf("duration %d billsec %d: want the 2 s the channel ran, billed from its answer", d, b)
	}
	if r["linkedid"] != r["uniqueid"] || r["uniqueid"] == "" {
		t.Errorf("linkedid %s, uniqueid %s", r["linkedid"], r["uniqueid"])
	}
	if b, err := os.ReadFile(filepath.Join(sw.data, "log", "cdr-csv", "survey.csv")); err != nil || !strings.HasPrefix(string(b), `"survey","0612345678"`) {
		t.Errorf("survey.csv (accountlogs): %v %q", err, b)
	}
}

// TestCDRBlindTransfer: a trunk call bridged by Dial(…,t) with phone 1001,
// which blind-transfers it after a second of talk (#1, then 200): as in
// Asterisk 12+, the caller's channel has two records with its uniqueid
// and linkedid: the part with 1001 (dstchannel SIP/1001-…, lastapp Dial,
// ended by the transfer) and the part at the target (dcontext phones,
// dst 200, begun and answered at the transfer), each billed for its own
// part.
func TestCDRBlindTransfer(t *testing.T) {
	mc := startMediaCall(t, 248, mediaOpts{files: map[string]string{
		"extensions.conf": `[from-pstn]
exten => _X.,1,Dial(SIP/1001,10,t)
 same => n,Hangup()
[phones]
exten => 200,1,Answer()
 same => n,Verbose(1,transferred caller reached 200)
 same => n,Wait(10)
`,
		"features.conf": "[featuremap]\nblindxfer => #1\n",
		"cdr.conf":      allColumnsCDRConf,
	}})
	phone := newRTPOut(mc.phoneSock, mc.ip, mc.phonePort, 0, 0xb0b)
	phone.tone(440, time.Second)
	phone.sendDigits(101, "#1200")
	waitLog(t, mc.sw, "transferred caller reached 200")
	mc.end(t)
	recs := masterCSV(t, mc.sw, 2)
	first, second := recs[0], recs[1]
	checkCDR(t, "before the transfer", first, map[string]string{"src": "0612345678", "dcontext": "from-pstn",
		"channel": "~^SIP/pstn-[0-9a-f]{8}$", "dstchannel": "~^SIP/1001-[0-9a-f]{8}$", "lastapp": "Dial", "lastdata": "SIP/1001,10,t",
		"disposition": "ANSWERED", "answer": "~."})
	checkCDR(t, "after the transfer", second, map[string]string{"src": "0612345678", "dst": "200", "dcontext": "phones",
		"channel": first["channel"], "dstchannel": "", "lastapp": "Wait", "lastdata": "10", "disposition": "ANSWERED",
		"answer": second["start"], "uniqueid": first["uniqueid"], "linkedid": first["linkedid"]})
	if first["linkedid"] != first["uniqueid"] || first["sequence"] == second["sequence"] {
		t.Errorf("linkedid %s uniqueid %s sequences %s %s", first["linkedid"], first["uniqueid"], first["sequence"], second["sequence"])
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05", s, time.Local)
		if err != nil {
			t.Fatalf("time %q: %v", s, err)
		}
		return v
	}
	if gap := at(second["start"]).Sub(at(first["end"])); gap < 0 || gap > time.Second {
		t.Errorf("the first part ends at %s, the second starts at %s: want the transfer's moment for both", first["end"], second["start"])
	}
	for _, r := range []map[string]string{first, second} {
		if part, bill := int(at(r["end"]).Sub(at(r["answer"])).Seconds()), atoi(t, r["billsec"]); bill < part-1 || bill > part {
			t.Errorf("billsec %d of the part from %s to %s", bill, r["answer"], r["end"])
		}
	}
	b1, b2 := atoi(t, first["billsec"]), atoi(t, second["billsec"])
	if whole := int(at(second["end"]).Sub(at(first["answer"])).Seconds()); b1+b2 < whole-2 || b1+b2 > whole+1 {
		t.Errorf("billsec %d + %d, want the call's %d s shared by the parts", b1, b2, whole)
	}
}

// TestCDRAttendedTransfer: the agent (Dial option t) takes a trunk call,
// dials *2 and 1002, consults the target and completes with *2; the
// caller talks with the target until it hangs up. As Asterisk 12+
// writes it, the caller's channel has a record with the agent (until the
// agent left the bridge to call the target) and one with the target (from
// the completion, its dstchannel the Local channel the target was called
// through), with one uniqueid and linkedid; the held time in between is
// on neither.
func TestCDRAttendedTransfer(t *testing.T) {
	sw, trunkIP, agentIP, targetIP := xferSwitch(t, 248, map[string]string{
		"extensions.conf": strings.ReplaceAll(xferDialplan, "{{OPTS}}", "t"),
		"features.conf":   demoFeatures(t, ""),
		"cdr.conf":        allColumnsCDRConf,
	})
	agent := startXferPhone(t, sw, agentIP, "1001", 200*time.Millisecond, 14*time.Second)
	target := startXferPhone(t, sw, targetIP, "1002", 300*time.Millisecond, 14*time.Second)
	callerEar := startEar(t, trunkIP)
	trunk, caller := xferTrunk(t, sw, trunkIP, "0522000000", callerEar, 7*time.Second)
	callerTalks := talk(caller, callerHz, 6*time.Second)
	a := agent.stream(t, 0xa1)
	a.tone(agentHz, 1300*time.Millisecond)
	a.sendDigits(101, "*2")
	waitLog(t, sw, "transfer: the transferer dials the target")
	a.sendDigits(101, "1002")
	waitLog(t, sw, "attended transfer: consulting the target")
	tg := target.stream(t, 0xb2)
	<-talk(tg, targetHz, 1500*time.Millisecond)
	a.sendDigits(101, "*2")
	waitLog(t, sw, "attended transfer complete")
	<-callerTalks
	trunk.mustPass(t, "the caller talks with the target until it hangs up")
	if ok, f := target.run.wait(10 * time.Second); !ok {
		t.Errorf("the target must get BYE when the caller hangs up:\n%s", f)
	}
	recs := masterCSV(t, sw, 2)
	first, second := recs[0], recs[1]
	common := map[string]string{"src": "0612345678", "dst": "0522000000", "dcontext": "from-pstn", "channel": "~^SIP/pstn-[0-9a-f]{8}$",
		"lastapp": "Dial", "lastdata": "SIP/1001,20,t", "disposition": "ANSWERED", "answer": "~."}
	checkCDR(t, "with the agent", first, common)
	checkCDR(t, "with the target", second, common)
	checkCDR(t, "with the agent", first, map[string]string{"dstchannel": "~^SIP/1001-[0-9a-f]{8}$"})
	checkCDR(t, "with the target", second, map[string]string{"dstchannel": "~^Local/1002@phones-[0-9a-f]{8};1$",
		"answer": second["start"], "uniqueid": first["uniqueid"], "linkedid": first["linkedid"]})
	if first["linkedid"] != first["uniqueid"] {
		t.Errorf("linkedid %s, uniqueid %s", first["linkedid"], first["uniqueid"])
	}
	if b1, b2 := atoi(t, first["billsec"]), atoi(t, second["billsec"]); b1 < 1 || b1 > 3 || b2 < 1 || b2 > 5 {
		t.Errorf("billsec %d with the agent (1.3 s and the digits), %d with the target (the rest of 7 s after the consultation)", b1, b2)
	}
}

// TestCDRReferBlindInQueue: the queue member who answered (1001) sends a
// blind REFER to 1002; the caller goes on at 1002 in the phones' context
// and Dial()s phone 1002. The caller's channel has the record with 1001
// (lastapp Queue, until the transfer) and the record of its new dialplan
// position (dst 1002, dcontext phones, lastapp Dial, dstchannel 1002's
// channel), one uniqueid and linkedid.
func TestCDRReferBlindInQueue(t *testing.T) {
	ip, trunkIP, phoneIP := loopbackIP(t, 248), loopbackIP(t, 249), loopbackIP(t, 250)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf":        strings.ReplaceAll(referConf, "{{TRUNK}}", trunkIP),
		"extensions.conf": referDialplan,
		"queues.conf":     "[support]\nstrategy=ringall\ntimeout=5\nretry=1\njoinempty=yes\nmember => SIP/1001\n",
		"cdr.conf":        allColumnsCDRConf,
	})
	target := referPhone(t, sw, phoneIP, "1002", writeScenario(t, "phone_answer.xml", map[string]string{"^ *69$": "^ *6[89]$"}))
	transferer := referPhone(t, sw, phoneIP, "1001", "refer_blind.xml", "-key", "refer_to", "1002")
	trunk := longTrunkCall(t, sw, trunkIP, "0522000001")
	transferer.mustPass(t, "1001 to answer, REFER, get 202, two NOTIFYs and the switch's BYE")
	target.mustPass(t, "1002 to be called by the transferred caller and get the BYE when it hangs up")
	trunk.mustPass(t, "the trunk's call to stay up through the transfer")
	recs := masterCSV(t, sw, 2)
	first, second := recs[0], recs[1]
	checkCDR(t, "with 1001", first, map[string]string{"src": "0612345678", "channel": "~^SIP/pstn-[0-9a-f]{8}$",
		"dstchannel": "~^SIP/1001-[0-9a-f]{8}$", "lastapp": "Queue", "lastdata": "support,t,,,10", "dst": "0522000001",
		"dcontext": "from-pstn", "disposition": "ANSWERED", "answer": "~."})
	checkCDR(t, "with 1002", second, map[string]string{"src": "0612345678", "channel": first["channel"],
		"dstchannel": "~^SIP/1002-[0-9a-f]{8}$", "lastapp": "Dial", "lastdata": "SIP/1002,10", "dst": "1002", "dcontext": "phones",
		"disposition": "ANSWERED", "answer": second["start"], "uniqueid": first["uniqueid"], "linkedid": first["linkedid"]})
}
