package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/ivr"
	bolt "go.etcd.io/bbolt"
)

// TestSeed001Story plays seed 001's call centre on the built-in demo, on
// one switch, from the first caller to a SIGKILL and a restart:
//
//  1. An Arabic caller (the trunk, caller 7001) picks 1 in the menu, hears
//     the recording notice in Arabic and reaches agent 101 (ar-queue), who
//     hears the caller; the call is recorded (MixMonitor) and, after the
//     caller hangs up, the feedback survey is scheduled as a call file
//     SURVEY_DELAY (300 s) ahead.
//  2. The survey call file comes due (the test moves its mtime to now):
//     the spool calls Local/7001@survey-dial, phone 7001 answers, hears the
//     survey in Arabic, rates 3: Complaint.csv gets the line, and the rating
//     under 5 offers the complaints mailbox, where the customer leaves a
//     message; phone 600 (mailbox=600@VoiceMail) gets the MWI NOTIFY.
//  3. Phone 600 dials 2000 (VoiceMailMain), logs in and hears the message,
//     which moves to Old; the MWI NOTIFY says so.
//  4. A French caller waits in fr-queue, whose agent 301 does not answer:
//     after Queue()'s 10 s (QUEUESTATUS=TIMEOUT) the caller leaves a number
//     and an alternative number, confirms both, and the request is stored:
//     Queue.csv and DB(callback/<number>).
//  5. English callers reach en-queue and are answered by agent 201 or 202
//     (TestSeed001RandomDistribution checks the random strategy's fair
//     share over many calls), each leaving a survey call pending.
//  6. Agent 201 logs in to fr-queue too (*453, a dynamic member).
//  7. The switch is killed with SIGKILL while a caller is in the menu and
//     started again on the same data: no callback request, pending survey
//     call file, voicemail, registration or queue member is lost.
//
// queue_log (whose agent field is the member's name, as app_queue writes
// it), Master.csv and the CSV files are checked along the way.
func TestSeed001Story(t *testing.T) {
	t.Parallel() // with TestSeed001RandomDistribution, after the other tests
	cat := demoCatalogue(t)
	ip, trunkIP := loopbackIP(t, 170), loopbackIP(t, 171)
	agentIP, customerIP, qaIP := loopbackIP(t, 172), loopbackIP(t, 173), loopbackIP(t, 174)
	files, data, sw := storySwitch(t, ip, trunkIP, agentIP)
	switchIP, _, _ := net.SplitHostPort(sw.sipAddr)
	phase := time.Now()
	logPhase := func(what string) {
		t.Logf("%s: %v", what, time.Since(phase).Round(100*time.Millisecond))
		phase = time.Now()
	}

	qa := newRecordingPhone(t, sw, qaIP, "600", "qa-Demo-1Lc", hour)
	agent101 := newGoPhone(t, sw, agentIP, "101", "ar1-Demo-7Qx", hour)
	customer := newGoPhone(t, sw, customerIP, "7001", "cust1-Demo-3Fa", hour)
	port301 := freeUDPPort(t, agentIP)
	registerFor(t, sw, agentIP, port301, "301", "fr1-Demo-6Hn", hour)
	startSipp(t, "agent 301", agentIP, "", "phone_noanswer.xml", "-p", port301, "-timeout", "120s", "-aa")
	time.Sleep(300 * time.Millisecond) // the sipp phones bind their ports (-aa: they answer qualify's OPTIONS)

	// 1. The Arabic caller and agent 101.
	arCaller := newRTPCaller(t, trunkIP)
	const arHold = 24 * time.Second // the Arabic caller hangs up then
	arStart := time.Now()
	arTrunk := goMediaTrunkFrom(t, sw, trunkIP, "0777", "7001", arCaller, arHold)
	if segs, ok := arCaller.waitSegmentDone(0, 2*time.Second, 15*time.Second); !ok || len(segs) < 2 {
		t.Fatalf("want the welcome, then the menu; heard %s", describeSegments(segs))
	}
	arCaller.press("1")
	segs, ok := arCaller.waitSegmentDone(2, 700*time.Millisecond, 20*time.Second)
	if !ok {
		t.Fatalf("after key 1: want the Arabic recording notice; heard %s", describeSegments(segs))
	}
	checkHeard(t, "the Arabic caller after key 1", segs[2], reference(t, cat, "callcentre/recording-notice", "ar"))
	agent101.answered(t, switchIP, 20*time.Second)
	bridgedAt := time.Now()
	time.Sleep(3 * time.Second)
	if n := agent101.media.audioPackets(bridgedAt); n < 50 {
		t.Errorf("agent 101 got %d audio packets from the caller in 3 s of the bridge, want ~150", n)
	}
	if ok, failure := arTrunk.wait(time.Until(arStart.Add(arHold)) + 10*time.Second); !ok {
		t.Fatalf("the Arabic caller's call: %s", failure)
	}
	talk := time.Since(bridgedAt)
	log := waitQueueLog(t, sw, "|ar-queue|Agent AR 1|COMPLETECALLER|")
	for _, ev := range []string{"|ar-queue|NONE|ENTERQUEUE||7001|", "|ar-queue|Agent AR 1|CONNECT|"} {
		if !strings.Contains(log, ev) {
			t.Errorf("queue_log lacks %q:\n%s", ev, log)
		}
	}
	rec := waitFileMatching(t, data, regexp.MustCompile(`^\d{8}-\d{6}-7001-.*\.wav$`), 10*time.Second)
	if _, d := readWAV(t, rec); d < talk-2*time.Second || d > talk+time.Second {
		t.Errorf("the recording %s lasts %v; the agent and the caller talked for %v", filepath.Base(rec), d, talk.Round(time.Millisecond))
	}
	survey := waitFileMatching(t, filepath.Join(data, "spool", "outgoing"), regexp.MustCompile(`^survey-\d+\.call$`), 10*time.Second)
	text := readFile(t, survey)
	for _, want := range []string{"Channel: Local/7001@survey-dial\n", "Context: survey\n", "Setvar: CHANNEL(language)=ar\n", "Setvar: SV_AGENT=SIP/101\n", "Setvar: SV_QUEUE=ar-queue\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("the survey call file lacks %q:\n%s", want, text)
		}
	}
	if st, err := os.Stat(survey); err != nil || time.Until(st.ModTime()) < 200*time.Second {
		t.Errorf("the survey call file is not scheduled SURVEY_DELAY ahead: %v %v", st.ModTime(), err)
	}
	cdrs := waitFileLine(t, filepath.Join(data, "log", "cdr-csv", "Master.csv"), `"7001"`, 10*time.Second)
	// dst and dcontext are where the call was when the CDR closed (s in
	// [queue]), as Asterisk's CDRs show them after a Goto.
	for _, want := range []string{`,"s","queue",`, `"SIP/101-`, `"Queue","ar-queue,tx,,,10"`, `"ANSWERED"`} {
		if !strings.Contains(cdrs, want) {
			t.Errorf("the Arabic call's CDR lacks %s:\n%s", want, cdrs)
		}
	}

	logPhase("the Arabic call")

	// 2. The survey call, the rating and the complaint.
	now := time.Now()
	if err := os.Chtimes(survey, now, now); err != nil {
		t.Fatal(err)
	}
	customer.answered(t, switchIP, 20*time.Second)
	segs, ok = customer.media.waitSegmentDone(0, 700*time.Millisecond, 15*time.Second)
	if !ok {
		t.Fatalf("the survey call: want the survey's introduction; heard %s", describeSegments(segs))
	}
	checkHeard(t, "the customer's survey call", segs[0], reference(t, cat, "callcentre/survey-intro", "ar"))
	waitLogWithin(t, sw, "app=Read args=RATING", 10*time.Second)
	customer.media.press("3#")
	complaint := waitFileLine(t, filepath.Join(data, "log", "Complaint.csv"), ",7001,ar-queue,SIP/101,3", 10*time.Second)
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,7001,ar-queue,SIP/101,3$`).MatchString(complaint) {
		t.Errorf("Complaint.csv: %q", complaint)
	}
	waitLogWithin(t, sw, "app=Read args=LEAVE_MSG", 10*time.Second)
	customer.media.press("1")
	waitLogWithin(t, sw, "app=VoiceMail args=600@VoiceMail,u", 10*time.Second)
	// The greeting and the beep, then the complaint (a 1 kHz "voice").
	if !customer.media.waitQuiet(time.Second, 30*time.Second) {
		t.Fatalf("the voicemail greeting did not end: %s", describeSegments(customer.media.segments()))
	}
	customer.media.speak(1000, 3*time.Second)
	customer.media.press("#")
	if ok, failure := customer.run.wait(30 * time.Second); !ok {
		t.Errorf("the survey call did not end with the switch's BYE: %s", failure)
	}
	inbox := filepath.Join(data, "voicemail", "VoiceMail", "600", "INBOX")
	meta := readFile(t, waitFileMatching(t, inbox, regexp.MustCompile(`^msg0000\.txt$`), 10*time.Second))
	for _, want := range []string{"origmailbox=600", "context=survey"} {
		if !strings.Contains(meta, want) {
			t.Errorf("the complaint's msg0000.txt lacks %q:\n%s", want, meta)
		}
	}
	if _, d := readWAV(t, filepath.Join(inbox, "msg0000.wav")); d < 2*time.Second || d > 5*time.Second {
		t.Errorf("the complaint's recording lasts %v, want the 3 s spoken", d)
	}
	qa.waitBody(t, "Voice-Message: 1/0", 10*time.Second)
	done := waitFileMatching(t, filepath.Join(data, "spool", "outgoing_done"), regexp.MustCompile(`^`+regexp.QuoteMeta(filepath.Base(survey))+`$`), 10*time.Second)
	if text := readFile(t, done); !strings.Contains(text, "Status: Completed") {
		t.Errorf("the archived survey call file has no Status: Completed:\n%s", text)
	}

	logPhase("the survey call")

	// 3. The quality team listens to the complaint.
	qaCall := newRTPCaller(t, qaIP)
	// VoiceMailMain speaks for about 40 s before the test presses # (the
	// switch then hangs up): the phone would hang up only after 90 s.
	qaRun, qaPort := phoneCallMedia(t, sw, qaIP, "600", "qa-Demo-1Lc", "2000", qaCall, 90*time.Second)
	qaCall.start(switchIP, qaPort.port, g711PT(qaPort.pt), 101)
	// Each key goes once the prompt before it has ended (the switch
	// sends nothing while it waits for a key).
	heardBefore := 0
	for _, keys := range []string{"600#", "1600#", "1"} { // vm-login, vm-password, the new messages
		if !qaCall.waitNew(heardBefore, 700*time.Millisecond, 20*time.Second) {
			t.Fatalf("VoiceMailMain: no prompt before %q; heard %s", keys, describeSegments(qaCall.segments()))
		}
		heardBefore = len(qaCall.segments())
		qaCall.press(keys)
	}
	old := filepath.Join(data, "voicemail", "VoiceMail", "600", "Old", "msg0000.txt")
	qaCall.waitNew(heardBefore, 1500*time.Millisecond, 30*time.Second)
	message := false
	for _, seg := range qaCall.segments()[heardBefore:] {
		for i := 0; i+8000 <= len(seg.pcm); i += 800 {
			if purity(seg.pcm[i:i+8000], 1000) > 0.8 { // a second of the tone
				message = true
			}
		}
	}
	if !message {
		t.Errorf("phone 600 did not hear the complaint (3 s of 1 kHz) after key 1:%s", describeSegments(qaCall.segments()[heardBefore:]))
	}
	qaCall.press("#") // leave VoiceMailMain: vm-goodbye and the switch hangs up
	if ok, failure := qaRun.wait(20 * time.Second); !ok {
		t.Errorf("phone 600's VoiceMailMain call: %s", failure)
	}
	waitFileMatching(t, filepath.Dir(old), regexp.MustCompile(`^msg0000\.txt$`), 10*time.Second)
	qa.waitBody(t, "Voice-Message: 0/1", 10*time.Second)

	logPhase("VoiceMailMain")

	// 4. The French caller: agent 301 does not answer; the callback request.
	frCaller := newRTPCaller(t, trunkIP)
	frTrunk := goMediaTrunk(t, sw, trunkIP, "0777", frCaller, 90*time.Second)
	if segs, ok := frCaller.waitSegmentDone(0, 2*time.Second, 15*time.Second); !ok || len(segs) < 2 {
		t.Fatalf("want the welcome, then the menu; heard %s", describeSegments(segs))
	}
	frCaller.press("3")
	segs, ok = frCaller.waitSegmentDone(2, 700*time.Millisecond, 20*time.Second)
	if !ok {
		t.Fatalf("after key 3: want the French recording notice; heard %s", describeSegments(segs))
	}
	checkHeard(t, "the French caller after key 3", segs[2], reference(t, cat, "callcentre/recording-notice", "fr"))
	waitLogWithin(t, sw, "fr-queue: no agent for 0612345678 (TIMEOUT)", 25*time.Second)
	for _, step := range []struct{ read, keys string }{
		{"app=Read args=CB_NUMBER", "0611111111#"},
		{"app=Read args=CB_CONFIRM", "1"},
		{"app=Read args=CB_ALT", "0622222222#"},
	} {
		waitLogWithin(t, sw, step.read, 20*time.Second)
		frCaller.press(step.keys)
	}
	waitLogCount(t, sw, "app=Read args=CB_CONFIRM", 2, 30*time.Second)
	frCaller.press("1")
	callback := waitFileLine(t, filepath.Join(data, "log", "Queue.csv"), ",0612345678,0611111111,0622222222,fr-queue,fr", 20*time.Second)
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,0612345678,0611111111,0622222222,fr-queue,fr$`).MatchString(callback) {
		t.Errorf("Queue.csv: %q", callback)
	}
	if ok, failure := frTrunk.wait(20 * time.Second); !ok {
		t.Errorf("the French caller's call did not end with the switch's BYE: %s", failure)
	}
	log = waitQueueLog(t, sw, "|fr-queue|NONE|EXITWITHTIMEOUT|")
	if !strings.Contains(log, "|fr-queue|Agent FR 1|RINGNOANSWER|") {
		t.Errorf("queue_log lacks fr-queue's RINGNOANSWER:\n%s", log)
	}

	logPhase("the French caller's callback request")

	// 5. English callers (each answered call leaves a survey pending).
	const calls = 3
	englishCallers(t, sw, trunkIP, calls)
	pending := surveyFiles(t, data, "outgoing")
	if len(pending) != calls {
		t.Errorf("want %d survey calls pending (one per answered English caller), have %d", calls, len(pending))
	}

	logPhase(fmt.Sprintf("%d English callers", calls))

	// 6. Agent 201 also takes French calls.
	agentDials(t, sw, agentIP, "201", "en1-Demo-9Wd", "*453", "agent 201 login fr-queue AQMSTATUS=ADDED")
	waitQueueLog(t, sw, "|fr-queue|SIP/201|ADDMEMBER|")

	// 7. SIGKILL while a caller is in the menu, and a restart.
	victim := newRTPCaller(t, trunkIP)
	goMediaTrunk(t, sw, trunkIP, "0777", victim, 20*time.Second)
	if _, ok := victim.waitSegmentDone(-1, 0, 10*time.Second); !ok {
		t.Fatalf("the last caller heard nothing")
	}
	p, err := os.FindProcess(sw.pid)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	sw.stop(t) // reaps the killed process
	again := startSwitchIn(t, ip, files, data)
	agentDials(t, again, agentIP, "201", "en1-Demo-9Wd", "*453", "agent 201 login fr-queue AQMSTATUS=MEMBERALREADY")
	if after := surveyFiles(t, data, "outgoing"); strings.Join(after, " ") != strings.Join(pending, " ") {
		t.Errorf("the pending survey calls changed over the kill: %d before, %d after", len(pending), len(after))
	}
	if n := len(surveyFiles(t, data, "outgoing_done")); n != 1 {
		t.Errorf("outgoing_done holds %d survey call files after the restart, want the 1 made", n)
	}
	if _, err := os.Stat(filepath.Join(data, "voicemail", "VoiceMail", "600", "Old", "msg0000.wav")); err != nil {
		t.Errorf("the complaint's voicemail is gone after the kill: %v", err)
	}
	if got := readFile(t, filepath.Join(data, "log", "Queue.csv")); !strings.Contains(got, callback) {
		t.Errorf("the callback request is gone from Queue.csv after the kill:\n%s", got)
	}
	// The registrations survived: an English caller still reaches an agent.
	englishCallers(t, again, trunkIP, 1)
	waitQueueLogCount(t, again, "|en-queue|Agent EN ", "|COMPLETEAGENT|", calls+1)
	logPhase("the kill and the restart")
	again.stop(t)
	if v := astdbValue(t, data, "/callback/0611111111"); !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`).MatchString(v) {
		t.Errorf("DB(callback/0611111111) after the kill and restart = %q, want the request's time", v)
	}
}

// TestSeed001RandomDistribution: English callers of the demo, one after
// another, reach en-queue (strategy random) with agents 201 and 202 both
// free: each agent answers a fair share.
func TestSeed001RandomDistribution(t *testing.T) {
	t.Parallel() // with TestSeed001Story, after the other tests
	ip, trunkIP, agentIP := loopbackIP(t, 175), loopbackIP(t, 176), loopbackIP(t, 177)
	_, _, sw := storySwitch(t, ip, trunkIP, agentIP)
	const calls = 24
	got := englishCallers(t, sw, trunkIP, calls)
	t.Logf("en-queue (random) over %d calls: %v", calls, got)
	// Binomial(24, 1/2): fewer than 4 calls for one agent happens with
	// probability 3e-4 when the choice is random.
	if got["Agent EN 1"]+got["Agent EN 2"] != calls || got["Agent EN 1"] < 4 || got["Agent EN 2"] < 4 {
		t.Errorf("en-queue's random strategy gave %v over %d calls", got, calls)
	}
}

// --- the story's switch, phones and files --------------------------------

const hour = 3600 // the story's phones register for an hour (maxexpiry)

// storySwitch starts the built-in demo on ip (trunk at trunkIP) with its
// English agents 201 and 202 registered from agentIP: sipp phones that
// answer each call and hang up half a second later. Agents take the next
// call at once (wrapuptime=0), so that callers one after another each find
// both free.
func storySwitch(t *testing.T, ip, trunkIP, agentIP string) (files map[string]string, data string, sw *runningSwitch) {
	t.Helper()
	files = demoFiles(t, ip, trunkIP, func(name, text string) string {
		if name == "queues.conf" {
			return mustReplaceLine(t, name, text, "wrapuptime=5", "wrapuptime=0")
		}
		return text
	})
	data = t.TempDir()
	sw = startSwitchIn(t, ip, files, data)
	for ext, secret := range map[string]string{"201": "en1-Demo-9Wd", "202": "en2-Demo-3Zr"} {
		port := freeUDPPort(t, agentIP)
		registerFor(t, sw, agentIP, port, ext, secret, hour)
		// -aa: the phones answer qualify's OPTIONS.
		startSipp(t, "agent "+ext, agentIP, "", "phone_hangs_up.xml", "-p", port, "-m", "100", "-timeout", "600s", "-aa")
	}
	return files, data, sw
}

// englishCallers has n trunk callers, one after another, press 2 (SIP
// INFO) in the menu and wait in en-queue until the agent who answers hangs
// up; it returns how many calls each agent (queue_log's member name)
// connected, over the whole queue_log.
func englishCallers(t *testing.T, sw *runningSwitch, trunkIP string, n int) map[string]int {
	t.Helper()
	info := writeScenario(t, "ivr_trunk_info.xml", map[string]string{
		"INFO_TYPE": "application/dtmf-relay", "INFO_BODY": "Signal=2\r\nDuration=160", "INFO_AFTER_MS": "300", "HOLD_MS": "30000",
	})
	before := strings.Count(readFileOr(filepath.Join(sw.data, "log", "queue_log")), "|COMPLETEAGENT|")
	for i := range n {
		if code, out := sipp(t, trunkIP, sw.sipAddr, info, "-s", "0777"); code != 0 {
			t.Fatalf("English caller %d: sipp exit %d:\n%s", i+1, code, out)
		}
	}
	log := waitQueueLogCount(t, sw, "|en-queue|Agent EN ", "|COMPLETEAGENT|", before+n)
	got := map[string]int{}
	for _, m := range regexp.MustCompile(`\|en-queue\|(Agent EN [12])\|CONNECT\|`).FindAllStringSubmatch(log, -1) {
		got[m[1]]++
	}
	return got
}

func readFileOr(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// goPhone is a registered phone that answers one call with media by the
// test (phone_media.xml; the test's socket is in the answer's SDP).
type goPhone struct {
	media    *rtpCaller
	run      *sippRun
	portFile string
}

func newGoPhone(t *testing.T, sw *runningSwitch, ip, ext, secret string, expires int) *goPhone {
	t.Helper()
	p := &goPhone{media: newRTPCaller(t, ip), portFile: filepath.Join(t.TempDir(), "phone-rtp-port")}
	scenario := writeScenario(t, "phone_media.xml", map[string]string{
		"> phone-rtp-port":                   "> " + p.portFile,
		"c=IN IP[media_ip_type] [media_ip]":  "c=IN IP4 " + ip,
		"m=audio [media_port] RTP/AVP 0 101": "m=audio " + p.media.port() + " RTP/AVP 0 101",
	})
	port := freeUDPPort(t, ip)
	registerFor(t, sw, ip, port, ext, secret, expires)
	p.run = startSipp(t, "phone "+ext, ip, "", scenario, "-p", port, "-timeout", "600s", "-aa") // -aa: 200 to qualify's OPTIONS
	return p
}

// answered waits until the phone answered a call and starts its stream to
// the switch's port of that leg.
func (p *goPhone) answered(t *testing.T, switchIP string, within time.Duration) {
	t.Helper()
	port, _ := waitPortFile(p.portFile, within)
	if port == "" {
		_, failure := p.run.wait(time.Second)
		t.Fatalf("%s was not called within %v: %s", p.run.name, within, failure)
	}
	p.media.start(switchIP, port, 0, 101)
}

// audioPackets counts the G.711 packets heard since t0.
func (c *rtpCaller) audioPackets(t0 time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, h := range c.heard {
		if h.at.After(t0) && (h.p.PayloadType == 0 || h.p.PayloadType == 8) {
			n++
		}
	}
	return n
}

// waitNew waits until segments beyond the first n were heard and the
// switch then went quiet for quiet.
func (c *rtpCaller) waitNew(n int, quiet, timeout time.Duration) bool {
	end := time.Now().Add(timeout)
	for len(c.segments()) <= n {
		if time.Now().After(end) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return c.waitQuiet(quiet, time.Until(end))
}

// waitQuiet waits until no packet came for quiet (the switch stopped
// playing), up to timeout.
func (c *rtpCaller) waitQuiet(quiet, timeout time.Duration) bool {
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		c.mu.Lock()
		last := time.Time{}
		if len(c.heard) > 0 {
			last = c.heard[len(c.heard)-1].at
		}
		c.mu.Unlock()
		if !last.IsZero() && time.Since(last) >= quiet {
			return true
		}
	}
	return false
}

// mediaPort is the switch's RTP port and payload type of a call's leg.
type mediaPort struct {
	port string
	pt   int
}

// phoneCallMedia has ext (secret) on ip call dial with media by caller
// (phone_call_media.xml) and returns once the call is answered; the phone
// hangs up after hold unless the switch does first.
func phoneCallMedia(t *testing.T, sw *runningSwitch, ip, ext, secret, dial string, caller *rtpCaller, hold time.Duration) (*sippRun, mediaPort) {
	t.Helper()
	portFile := filepath.Join(t.TempDir(), "phone-rtp-port")
	scenario := writeScenario(t, "phone_call_media.xml", map[string]string{
		"c=IN IP[media_ip_type] [media_ip]": "c=IN IP4 " + ip,
		"m=audio [media_port]":              "m=audio " + caller.port(),
		"> phone-rtp-port":                  "> " + portFile,
		"HOLD_MS":                           fmt.Sprint(hold.Milliseconds()),
	})
	run := startSipp(t, "phone "+ext, ip, sw.sipAddr, scenario, "-s", dial, "-key", "user", ext, "-au", ext, "-ap", secret,
		"-timeout", fmt.Sprintf("%ds", int(hold.Seconds())+30))
	port, pt := waitPortFile(portFile, 15*time.Second)
	if port == "" {
		_, failure := run.wait(20 * time.Second)
		t.Fatalf("%s calling %s: no answer with media:\n%s", ext, dial, failure)
	}
	return run, mediaPort{port, pt}
}

// agentDials has ext (secret) call dial from ip and waits for the switch
// to log want (the phone hangs up after 5 s unless the switch does first).
func agentDials(t *testing.T, sw *runningSwitch, ip, ext, secret, dial, want string) {
	t.Helper()
	run, _ := phoneCallMedia(t, sw, ip, ext, secret, dial, newRTPCaller(t, ip), 5*time.Second)
	waitLogWithin(t, sw, want, 10*time.Second)
	if ok, failure := run.wait(15 * time.Second); !ok {
		t.Errorf("%s dialling %s: %s", ext, dial, failure)
	}
}

// phoneSocket is a phone registered from a Go socket of the test, which
// keeps every request the switch sends there and, with reply, answers it
// 200 OK (a phone taking MWI NOTIFYs and qualify's OPTIONS).
type phoneSocket struct {
	ext  string
	conn net.PacketConn
	mu   sync.Mutex
	reqs []string
}

// recordingPhone is a phoneSocket that answers.
type recordingPhone = phoneSocket

func newRecordingPhone(t *testing.T, sw *runningSwitch, ip, ext, secret string, expires int) *recordingPhone {
	t.Helper()
	return newPhoneSocket(t, sw, ip, ext, secret, expires, true)
}

func newPhoneSocket(t *testing.T, sw *runningSwitch, ip, ext, secret string, expires int, reply bool) *phoneSocket {
	t.Helper()
	port := freeUDPPort(t, ip)
	registerFor(t, sw, ip, port, ext, secret, expires)
	c, err := net.ListenPacket("udp", net.JoinHostPort(ip, port))
	if err != nil {
		t.Fatalf("phone %s: %v", ext, err)
	}
	p := &phoneSocket{ext: ext, conn: c}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65535)
		for {
			n, from, err := c.ReadFrom(buf)
			if err != nil {
				return
			}
			msg := string(buf[:n])
			if strings.HasPrefix(msg, "SIP/2.0 ") {
				continue
			}
			p.mu.Lock()
			p.reqs = append(p.reqs, msg)
			p.mu.Unlock()
			if reply {
				_, _ = c.WriteTo([]byte(okFor(msg)), from)
			}
		}
	}()
	t.Cleanup(func() { _ = c.Close(); <-done })
	return p
}

// okFor is the 200 OK to a request (RFC 3261 §8.2.6: Via, From, To with a
// tag, Call-ID and CSeq copied).
func okFor(req string) string {
	head, _, _ := strings.Cut(req, "\r\n\r\n")
	var b strings.Builder
	b.WriteString("SIP/2.0 200 OK\r\n")
	for _, line := range strings.Split(head, "\r\n")[1:] {
		name, _, _ := strings.Cut(line, ":")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "via", "v", "from", "f", "call-id", "i", "cseq":
			b.WriteString(line + "\r\n")
		case "to", "t":
			if !strings.Contains(line, "tag=") {
				line += ";tag=rec-phone"
			}
			b.WriteString(line + "\r\n")
		}
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return b.String()
}

// waitBody waits for a request whose text contains want.
func (p *phoneSocket) waitBody(t *testing.T, want string, within time.Duration) string {
	t.Helper()
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		p.mu.Lock()
		for _, r := range p.reqs {
			if strings.Contains(r, want) {
				p.mu.Unlock()
				return r
			}
		}
		p.mu.Unlock()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t.Fatalf("phone %s got no request with %q; it got %d:\n%s", p.ext, want, len(p.reqs), strings.Join(p.reqs, "\n----\n"))
	return ""
}

// waitFileMatching waits for a file under dir (at any depth) whose name
// matches re and returns its path.
func waitFileMatching(t *testing.T, dir string, re *regexp.Regexp, within time.Duration) string {
	t.Helper()
	for end := time.Now().Add(within); ; time.Sleep(100 * time.Millisecond) {
		found := ""
		_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && found == "" && re.MatchString(d.Name()) {
				found = path
			}
			return nil
		})
		if found != "" {
			return found
		}
		if time.Now().After(end) {
			t.Fatalf("no file matching %s under %s after %v", re, dir, within)
		}
	}
}

// waitFileLine waits for a line of path containing want and returns it.
func waitFileLine(t *testing.T, path, want string, within time.Duration) string {
	t.Helper()
	var b []byte
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		b, _ = os.ReadFile(path)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, want) {
				return line
			}
		}
	}
	t.Fatalf("%s has no line with %q after %v:\n%s", path, want, within, b)
	return ""
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// waitLogWithin is waitLog with a deadline of its own.
func waitLogWithin(t *testing.T, sw *runningSwitch, want string, within time.Duration) {
	t.Helper()
	waitLogCount(t, sw, want, 1, within)
}

// waitLogCount waits until the switch's log holds want n times.
func waitLogCount(t *testing.T, sw *runningSwitch, want string, n int, within time.Duration) {
	t.Helper()
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if strings.Count(sw.logs.String(), want) >= n {
			return
		}
	}
	t.Fatalf("the switch did not log %q %d time(s) within %v; log tail:\n%s", want, n, within, tail(sw.logs.String(), 40))
}

// waitLogMatch waits until a line of the switch's log matches re.
func waitLogMatch(t *testing.T, sw *runningSwitch, re *regexp.Regexp, within time.Duration) {
	t.Helper()
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if re.MatchString(sw.logs.String()) {
			return
		}
	}
	t.Fatalf("the switch logged no line matching %s within %v; log tail:\n%s", re, within, tail(sw.logs.String(), 40))
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitQueueLogCount waits until queue_log has n lines containing both a
// and b, and returns it.
func waitQueueLogCount(t *testing.T, sw *runningSwitch, a, b string, n int) string {
	t.Helper()
	path := filepath.Join(sw.data, "log", "queue_log")
	var text string
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		raw, _ := os.ReadFile(path)
		text = string(raw)
		count := 0
		for _, line := range strings.Split(text, "\n") {
			if strings.Contains(line, a) && strings.Contains(line, b) {
				count++
			}
		}
		if count >= n {
			return text
		}
	}
	t.Fatalf("queue_log has fewer than %d lines with %q and %q:\n%s", n, a, b, text)
	return ""
}

// surveyFiles lists the survey call files in the spool directory dir
// (outgoing or outgoing_done), sorted.
func surveyFiles(t *testing.T, data, dir string) []string {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(data, "spool", dir, "survey-*.call"))
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	return names
}

// astdbValue reads an AstDB key ("/family/key") from the switch's bbolt
// file once the switch has stopped.
func astdbValue(t *testing.T, data, key string) string {
	t.Helper()
	db, err := bolt.Open(filepath.Join(data, "obelisk.db"), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	family, k, _ := strings.Cut(strings.TrimPrefix(key, "/"), "/")
	adb, err := ivr.NewBoltDB(db)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := adb.Get(family, k)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
