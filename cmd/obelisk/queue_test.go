package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const queueConf = `[general]
persistentmembers=yes

[support]
strategy=random
timeout=5
retry=1
joinempty=yes
leavewhenempty=no
member => SIP/1001
`

// TestQueueAnswered: a trunk call waits in a random queue whose member
// (a sipp phone) answers; the caller is bridged with it, and queue_log
// gets ENTERQUEUE, CONNECT and COMPLETECALLER in Asterisk's format.
func TestQueueAnswered(t *testing.T) {
	sw, trunkIP, phoneDone := queueSwitch(t, 190, "phone_answer.xml")
	if code, out := sipp(t, trunkIP, sw.sipAddr, "trunk_call.xml", "-s", "0522000000"); code != 0 {
		t.Fatalf("trunk: sipp exit %d:\n%s", code, out)
	}
	if res := <-phoneDone; !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("phone: %s", res)
	}
	waitLog(t, sw, "Queue: bridged")
	log := waitQueueLog(t, sw, "COMPLETECALLER")
	for _, ev := range []string{"|NONE|NONE|QUEUESTART|", "|support|NONE|ENTERQUEUE|", "|support|SIP/1001|CONNECT|", "|support|SIP/1001|COMPLETECALLER|"} {
		if !strings.Contains(log, ev) {
			t.Errorf("queue_log lacks %q:\n%s", ev, log)
		}
	}
}

// TestQueueTimeout: the member does not answer; Queue()'s timeout of 3 s
// ends the wait with QUEUESTATUS=TIMEOUT and the dialplan goes on (seed
// 001's callback offer), queue_log says RINGNOANSWER and EXITWITHTIMEOUT.
func TestQueueTimeout(t *testing.T) {
	sw, trunkIP, phoneDone := queueSwitch(t, 193, "phone_noanswer.xml")
	scenario := writeScenario(t, "trunk_call_refused.xml", map[string]string{"WANT": "486"})
	if code, out := sipp(t, trunkIP, sw.sipAddr, scenario, "-s", "0522000000"); code != 0 {
		t.Fatalf("trunk: sipp exit %d:\n%s", code, out)
	}
	<-phoneDone
	waitLog(t, sw, "after the queue QUEUESTATUS=TIMEOUT")
	log := waitQueueLog(t, sw, "EXITWITHTIMEOUT")
	if !strings.Contains(log, "|support|SIP/1001|RINGNOANSWER|") {
		t.Errorf("queue_log lacks RINGNOANSWER:\n%s", log)
	}
}

// queueSwitch is phoneTrunkSwitch with queues.conf and a dialplan that
// queues the trunk's calls.
func queueSwitch(t *testing.T, n int, phoneScenario string) (*runningSwitch, string, <-chan string) {
	t.Helper()
	ip, trunkIP, phoneIP := loopbackIP(t, n), loopbackIP(t, n+1), loopbackIP(t, n+2)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf":    strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", trunkIP),
		"queues.conf": queueConf,
		"extensions.conf": `[from-pstn]
exten => _X.,1,Queue(support,,,,3)
 same => n,Verbose(1,after the queue QUEUESTATUS=${QUEUESTATUS})
 same => n,Hangup(17)
[phones]
`,
	})
	port := freeUDPPort(t, phoneIP)
	done := sippBackground(t, phoneIP, "", writeScenario(t, phoneScenario, map[string]string{"^ *69$": "^ *6[89]$"}), port)
	registerPhone(t, phoneIP, sw, port)
	return sw, trunkIP, done
}

func waitQueueLog(t *testing.T, sw *runningSwitch, want string) string {
	t.Helper()
	path := filepath.Join(sw.data, "log", "queue_log")
	var b []byte
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if b, _ = os.ReadFile(path); strings.Contains(string(b), want) {
			return string(b)
		}
	}
	t.Fatalf("queue_log has no %s:\n%s", want, b)
	return ""
}

// TestQueueDynamicMemberPersists: an agent's phone dials 45 to log in with
// AddQueueMember(support) (AQMSTATUS=ADDED, ADDMEMBER in queue_log); after
// a restart of the switch on the same data the member is still there
// (persistentmembers=yes): logging in again says MEMBERALREADY.
func TestQueueDynamicMemberPersists(t *testing.T) {
	ip, phoneIP := loopbackIP(t, 196), loopbackIP(t, 197)
	files := map[string]string{
		"sip.conf":    strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", loopbackIP(t, 198)),
		"queues.conf": "[general]\npersistentmembers=yes\n[support]\nstrategy=rrmemory\n",
		"extensions.conf": `[phones]
exten => 45,1,Answer()
 same => n,AddQueueMember(support)
 same => n,Verbose(1,login AQMSTATUS=${AQMSTATUS})
 same => n,Wait(3)
[from-pstn]
`,
	}
	sw := startSwitch(t, ip, files)
	agentLogin(t, sw, phoneIP, "ADDED")
	if log := waitQueueLog(t, sw, "ADDMEMBER"); !strings.Contains(log, "|support|SIP/1001|ADDMEMBER|") {
		t.Errorf("queue_log:\n%s", log)
	}
	sw.stop(t)
	again := startSwitchIn(t, ip, files, sw.data)
	agentLogin(t, again, phoneIP, "MEMBERALREADY")
}

// TestSIGKILLLosesNothing: with a dynamic queue member logged in, a call
// file scheduled for later (future mtime) in the spool and a voicemail
// left, the switch is killed with SIGKILL and started again on the same
// data: the member is still there (MEMBERALREADY), the call file is still
// pending in outgoing/, and the message is still in the INBOX.
func TestSIGKILLLosesNothing(t *testing.T) {
	ip, phoneIP := loopbackIP(t, 130), loopbackIP(t, 131)
	files := map[string]string{
		"sip.conf":       strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", loopbackIP(t, 132)),
		"queues.conf":    "[general]\npersistentmembers=yes\n[support]\nstrategy=rrmemory\n",
		"voicemail.conf": "[default]\n1001 => 4242,Agent One\n",
		"extensions.conf": `[phones]
exten => 45,1,Answer()
 same => n,AddQueueMember(support)
 same => n,Verbose(1,login AQMSTATUS=${AQMSTATUS})
 same => n,Wait(3)
[from-pstn]
`,
	}
	sw := startSwitch(t, ip, files)
	agentLogin(t, sw, phoneIP, "ADDED")
	outgoing := filepath.Join(sw.data, "spool", "outgoing", "later.call")
	if err := os.WriteFile(outgoing, []byte("Channel: SIP/1001\nContext: phones\nExtension: 45\nPriority: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(outgoing, later, later); err != nil {
		t.Fatal(err)
	}
	inbox := filepath.Join(sw.data, "voicemail", "default", "1001", "INBOX")
	if err := os.MkdirAll(inbox, 0o750); err != nil {
		t.Fatal(err)
	}
	writeToneWAV(t, filepath.Join(inbox, "msg0000.wav"), 1000, time.Second)
	if err := os.WriteFile(filepath.Join(inbox, "msg0000.txt"), []byte("[message]\norigmailbox=1001\nduration=1\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // the spool sees the file
	p, err := os.FindProcess(sw.pid)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Kill(); err != nil { // SIGKILL: no shutdown runs
		t.Fatal(err)
	}
	sw.stop(t) // reaps the killed process
	again := startSwitchIn(t, ip, files, sw.data)
	agentLogin(t, again, phoneIP, "MEMBERALREADY")
	if _, err := os.Stat(outgoing); err != nil {
		t.Errorf("the pending call file is gone after the kill: %v", err)
	}
	if _, err := os.Stat(filepath.Join(inbox, "msg0000.wav")); err != nil {
		t.Errorf("the voicemail is gone after the kill: %v", err)
	}
}

// TestDemoQueueToCallback: in the built-in demo a caller who chose English
// reaches en-queue while no agent is registered: Queue(en-queue,tx,,,10)
// does not let the caller join (QUEUESTATUS=JOINEMPTY, as joinempty's
// unavailable members dictate) and the dialplan goes on to the callback
// offer, as seed 001's call centre does.
func TestDemoQueueToCallback(t *testing.T) {
	ip, trunkIP := loopbackIP(t, 133), loopbackIP(t, 134)
	sw := startSwitch(t, ip, demoFiles(t, ip, trunkIP, nil))
	caller := newRTPCaller(t, trunkIP)
	trunk := goMediaTrunk(t, sw, trunkIP, "0777", caller, 40*time.Second)
	if _, ok := caller.waitSegmentDone(len(demoMenu)-1, 700*time.Millisecond, 30*time.Second); !ok {
		t.Fatalf("the menu was not heard: %s", describeSegments(caller.segments()))
	}
	caller.press("2")
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(sw.logs.String(), "app=Playback args=callcentre/callback-offer") {
		if time.Now().After(deadline) {
			t.Fatalf("no callback offer after the queue")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !regexp.MustCompile(`en-queue: no agent for \d* \((TIMEOUT|JOINEMPTY|LEAVEEMPTY)\)`).MatchString(sw.logs.String()) {
		t.Errorf("the demo's Verbose after Queue() shows no QUEUESTATUS")
	}
	_ = trunk
}

// agentLogin has phone 1001 dial 45 (AddQueueMember in the tests'
// dialplans) and waits for the AQMSTATUS it logs.
func agentLogin(t *testing.T, sw *runningSwitch, phoneIP, want string) {
	t.Helper()
	if code, out := sipp(t, phoneIP, sw.sipAddr, "phone_call.xml", "-s", "45", "-key", "user", "1001", "-au", "1001", "-ap", "s3cret-1001"); code != 0 {
		t.Fatalf("phone: sipp exit %d:\n%s", code, out)
	}
	waitLog(t, sw, "login AQMSTATUS="+want)
}
