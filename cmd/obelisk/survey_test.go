package main

// The built-in demo's after-call flows end to end (seed 001): the feedback
// survey a call file places through a Local channel after an agent's
// call, and the callback request left when no agent answers.

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// demoSecrets are the demo's sip.conf secrets of the phones the tests use.
var demoSecrets = map[string]string{"201": "en1-Demo-9Wd", "7001": "cust1-Demo-3Fa"}

// TestDemoSurvey runs seed 001's feedback survey on the built-in demo,
// SURVEY_DELAY made 1 s, in each language of the menu: customer phone
// 7001 calls 0777, picks the language, the language queue's agent (a
// registered sipp phone) answers, talks and hangs up. The queue's h
// extension writes the call file survey-<uniqueid>.call into
// spool/outgoing (Channel: Local/7001@survey-dial, Setvar:
// CHANNEL(language)=<lang> …); the spool dials the Local channel, whose ;2
// dials SIP/7001, and the leg that phone answers runs [survey] as the
// call file's channel Local/7001@survey-dial-…;1 in that language: the
// customer hears survey-intro spoken in it (closer to its synthesis than
// to the other two languages'), keys the rating by RFC 4733 and
// Complaint.csv gets "…,7001,<queue>,SIP/<agent>,<rating>". In French the
// rating is 3, under 5: the complaints mailbox is offered, the customer
// presses 1, speaks after the beep and ends with #, and the message is in
// DATA/voicemail/VoiceMail/600/INBOX. In Arabic (8#) and English (10,
// two digits end the Read) the survey thanks and hangs up without the
// offer. The call file is archived in outgoing_done with "Status:
// Completed".
func TestDemoSurvey(t *testing.T) {
	cat := demoCatalogue(t)
	intro := map[string]speechRef{}
	for _, lang := range []string{"fr", "en", "ar"} {
		intro[lang] = reference(t, cat, "callcentre/survey-intro", lang)
	}
	// The switches have addresses of their own (manager.conf's port);
	// the phones share theirs, each on ports of its own.
	trunkIP, agentIP, customerIP := loopbackIP(t, 244), loopbackIP(t, 245), loopbackIP(t, 246)
	tests := []struct {
		lang, keys, rating string
		n                  int
	}{
		{lang: "fr", keys: "3#", rating: "3", n: 241},
		{lang: "ar", keys: "8#", rating: "8", n: 242},
		{lang: "en", keys: "10", rating: "10", n: 243},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			t.Parallel()
			testSurvey(t, intro, loopbackIP(t, tc.n), trunkIP, agentIP, customerIP, tc.lang, tc.keys, tc.rating)
		})
	}
}

// testSurvey is one language's survey of TestDemoSurvey.
func testSurvey(t *testing.T, intro map[string]speechRef, ip, trunkIP, agentIP, customerIP, lang, keys, rating string) {
	var digit, ext, secret string
	for _, a := range demoAgents {
		if a.lang == lang {
			digit, ext, secret = a.digit, a.ext, a.secret
		}
	}
	queue, agentIface := lang+"-queue", "SIP/"+ext
	sw := startSwitch(t, ip, demoFiles(t, ip, trunkIP, func(name, text string) string {
		if name == "extensions.conf" {
			return mustReplaceLine(t, name, text, "SURVEY_DELAY=300", "SURVEY_DELAY=1")
		}
		return text
	}))
	switchIP, _, _ := net.SplitHostPort(sw.sipAddr)
	agent := sippPhone(t, sw, agentIP, ext, secret,
		writeScenario(t, "survey_agent.xml", map[string]string{"CUSTOMER": "7001", "TALK_MS": "2000"}))
	// Phone 7001 registers from the port its survey scenario answers on.
	survey := newRTPCaller(t, customerIP) // hears the survey; sv sends
	surveyPortFile := filepath.Join(t.TempDir(), "survey-rtp-port")
	answer := sippPhone(t, sw, customerIP, "7001", demoSecrets["7001"], writeScenario(t, "survey_customer_answer.xml", map[string]string{
		"c=IN IP[media_ip_type] [media_ip]": "c=IN IP4 " + customerIP,
		"m=audio [media_port]":              "m=audio " + survey.port(),
		"> survey-rtp-port":                 "> " + surveyPortFile,
	}))

	// The customer's call: the menu, the language, the queue, the agent.
	caller := newRTPCaller(t, customerIP)
	call := svCustomerCall(t, sw, customerIP, "7001", caller, 60*time.Second)
	if _, ok := caller.waitSegmentDone(len(demoMenu)-1, 700*time.Millisecond, 30*time.Second); !ok {
		t.Fatalf("the menu was not heard: %s", describeSegments(caller.segments()))
	}
	caller.press(digit)
	waitLogWithin(t, sw, "Queue: bridged", 30*time.Second)
	agent.mustPass(t, "agent "+ext+" rung with the customer's caller ID, answered, and its BYE answered")
	call.mustPass(t, "the switch hangs the customer up after the agent's call")

	// The call file the queue's h extension scheduled.
	outgoing := filepath.Join(sw.data, "spool", "outgoing")
	path := waitFileMatching(t, outgoing, regexp.MustCompile(`^survey-\d+\.call$`), 10*time.Second)
	name, text := filepath.Base(path), readFile(t, path)
	for _, want := range []string{"Channel: Local/7001@survey-dial\n", "Context: survey\n", "Setvar: CHANNEL(language)=" + lang + "\n",
		"Setvar: SV_CALLER=7001\n", "Setvar: SV_QUEUE=" + queue + "\n", "Setvar: SV_AGENT=" + agentIface + "\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks %q:\n%s", name, want, text)
		}
	}

	// The survey call: Local/7001@survey-dial;2 dials SIP/7001 and the
	// answered leg is the call file's channel.
	port, _ := waitPortFile(surveyPortFile, 20*time.Second)
	if port == "" {
		_, f := answer.wait(time.Second)
		t.Fatalf("phone 7001 was not called for the survey:\n%s", f)
	}
	sv := newRTPOut(survey.conn, switchIP, port, 0, 0x5e7)
	waitLogWithin(t, sw, "Dial: Local channel optimized away", 10*time.Second)
	waitLogMatch(t, sw, regexp.MustCompile(`call file answered.*channel=Local/7001@survey-dial-[0-9a-f]{8};1 language=`+lang+` `), 5*time.Second)
	// The intro, then the rating prompt (Read plays it, then waits).
	svIdle(sv, 30*time.Second, func() bool {
		segs := survey.segments()
		return len(segs) >= 2 && time.Since(segs[1].end) > 700*time.Millisecond
	})
	segs := survey.segments()
	if len(segs) < 2 {
		t.Fatalf("the survey's prompts were not heard: %s", describeSegments(segs))
	}
	checkHeard(t, "survey intro", segs[0], intro[lang])
	want := matchSpeech(segs[0].pcm, intro[lang])
	for other, ref := range intro {
		if m := matchSpeech(segs[0].pcm, ref); other != lang && m.corr >= want.corr {
			t.Errorf("the survey intro heard is as close to the %s one (%s) as to the %s one (%s)", other, m, lang, want)
		}
	}
	waitLogWithin(t, sw, "app=Read args=RATING,callcentre/survey-rate", 5*time.Second)
	sv.tone(0, 200*time.Millisecond)
	sv.sendDigits(101, keys)
	complaints := filepath.Join(sw.data, "log", "Complaint.csv")
	entry := ",7001," + queue + "," + agentIface + "," + rating
	line := waitFileLine(t, complaints, entry, 10*time.Second)
	if !regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}` + regexp.QuoteMeta(entry) + `$`).MatchString(line) {
		t.Errorf("Complaint.csv line = %q, want date,caller,queue,agent,rating", line)
	}
	done := filepath.Join(sw.data, "spool", "outgoing_done", name)
	defer func() {
		if b, err := os.ReadFile(done); err != nil || !strings.Contains(string(b), "Status: Completed") ||
			!strings.Contains(string(b), "Channel: Local/7001@survey-dial") {
			t.Errorf("archived call file %s (%v):\n%s", done, err, b)
		}
		if _, err := os.Stat(filepath.Join(outgoing, name)); !os.IsNotExist(err) {
			t.Errorf("the call file is still in outgoing/ (%v)", err)
		}
	}()
	if r, _ := strconv.Atoi(rating); r >= 5 {
		// 5 and over: the thanks, no complaint offered.
		if ok, f := answer.wait(30 * time.Second); !ok {
			t.Errorf("want the survey to thank phone 7001 and hang up:\n%s", f)
		}
		waitLogWithin(t, sw, "app=Playback args=callcentre/survey-thanks", 5*time.Second)
		if strings.Contains(sw.logs.String(), "LEAVE_MSG") {
			t.Errorf("a rating of %s was offered the complaints mailbox", rating)
		}
		return
	}

	// The rating under 5: the complaints mailbox.
	waitLogWithin(t, sw, "app=Read args=LEAVE_MSG,callcentre/survey-leave-message", 10*time.Second)
	sv.tone(0, 300*time.Millisecond)
	sv.sendDigits(101, "1")
	waitLogWithin(t, sw, "app=VoiceMail args=600@VoiceMail,u", 10*time.Second)
	vmAt := time.Now()
	// The greeting, vm-intro and the beep; then the switch records.
	svIdle(sv, 40*time.Second, func() bool {
		segs := survey.segments()
		last := segs[len(segs)-1]
		return last.end.After(vmAt) && time.Since(last.end) > 1500*time.Millisecond
	})
	sv.tone(1000, 2500*time.Millisecond)
	sv.tone(0, 500*time.Millisecond)
	sv.sendDigits(101, "#")
	waitLogWithin(t, sw, "message left", 10*time.Second)
	if ok, f := answer.wait(30 * time.Second); !ok {
		t.Errorf("want the survey to hang phone 7001 up after the thanks:\n%s", f)
	}
	inbox := filepath.Join(sw.data, "voicemail", "VoiceMail", "600", "INBOX")
	txt, err := os.ReadFile(filepath.Join(inbox, "msg0000.txt"))
	if err != nil {
		entries, _ := os.ReadDir(inbox)
		t.Fatalf("no complaint message (%v); INBOX holds %v", err, entries)
	}
	for _, want := range []string{"origmailbox=600", "context=survey", "0777", "callerchan=Local/7001@survey-dial-"} {
		if !strings.Contains(string(txt), want) {
			t.Errorf("msg0000.txt lacks %q:\n%s", want, txt)
		}
	}
	if st, err := os.Stat(filepath.Join(inbox, "msg0000.wav")); err != nil || st.Size() < 16000 {
		t.Errorf("msg0000.wav: %v (size %v), want 2 s or more of audio", err, st)
	}
}

// TestDemoCallbackRequest: in the built-in demo an English caller (the
// trunk, 0612345678) waits in en-queue, whose only registered agent (201)
// rings and does not answer: after Queue()'s 10 s QUEUESTATUS is TIMEOUT
// and the callback offer follows. The caller keys the number 0791234567#,
// confirms it (1), the alternative 0612345678#, confirms it (1): Queue.csv
// gets "when,0612345678,0791234567,0612345678,en-queue,en", and
// DB(callback/0791234567) holds the same time, read back from the bbolt
// store once the switch has stopped. (TestDemoQueueToCallback is the
// JOINEMPTY way to the same offer, with no agent registered.)
func TestDemoCallbackRequest(t *testing.T) {
	ip, trunkIP, agentIP := loopbackIP(t, 245), loopbackIP(t, 246), loopbackIP(t, 247)
	data := t.TempDir()
	sw := startSwitchIn(t, ip, demoFiles(t, ip, trunkIP, nil), data)
	agent := sippPhone(t, sw, agentIP, "201", demoSecrets["201"], "phone_noanswer.xml")
	caller := newRTPCaller(t, trunkIP)
	trunk := goMediaTrunk(t, sw, trunkIP, "0777", caller, 90*time.Second)
	if _, ok := caller.waitSegmentDone(len(demoMenu)-1, 700*time.Millisecond, 30*time.Second); !ok {
		t.Fatalf("the menu was not heard: %s", describeSegments(caller.segments()))
	}
	caller.press("2")
	waitLogWithin(t, sw, "en-queue: no agent for 0612345678 (TIMEOUT)", 30*time.Second)
	agent.mustPass(t, "agent 201 rung while the caller waits, then CANCELled at the queue's timeout")
	for _, step := range []struct{ read, keys string }{
		{"app=Read args=CB_NUMBER,callcentre/callback-enter-number", "0791234567#"},
		{"app=Read args=CB_CONFIRM,callcentre/confirm-or-retry", "1"},
		{"app=Read args=CB_ALT,callcentre/callback-enter-alternative", "0612345678#"},
	} {
		waitLogWithin(t, sw, step.read, 30*time.Second)
		caller.press(step.keys)
	}
	// The second confirmation is the second Read of CB_CONFIRM.
	waitLogCount(t, sw, "app=Read args=CB_CONFIRM,callcentre/confirm-or-retry", 2, 30*time.Second)
	caller.press("1")
	csv := filepath.Join(data, "log", "Queue.csv")
	line := waitFileLine(t, csv, ",0612345678,0791234567,0612345678,en-queue,en", 20*time.Second)
	when, _, _ := strings.Cut(line, ",")
	if !regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$`).MatchString(when) {
		t.Errorf("Queue.csv line = %q, want the time first", line)
	}
	waitLogWithin(t, sw, "app=Playback args=callcentre/callback-thanks", 10*time.Second)
	if ok, f := trunk.wait(30 * time.Second); !ok {
		t.Errorf("want the switch to hang up after the thanks:\n%s", f)
	}
	sw.stop(t)
	if got := astdbValue(t, data, "/callback/0791234567"); got != when {
		t.Errorf("DB(callback/0791234567) = %q, want %q (the request's time, as in Queue.csv)", got, when)
	}
}

// svCustomerCall places survey_customer_call.xml from phone ext at ip to
// 0777, its media being caller's socket, and starts the caller's stream
// once the switch answered.
func svCustomerCall(t *testing.T, sw *runningSwitch, ip, ext string, caller *rtpCaller, hold time.Duration) *sippRun {
	t.Helper()
	portFile := filepath.Join(t.TempDir(), "customer-rtp-port")
	scenario := writeScenario(t, "survey_customer_call.xml", map[string]string{
		"c=IN IP[media_ip_type] [media_ip]": "c=IN IP4 " + ip,
		"m=audio [media_port]":              "m=audio " + caller.port(),
		"> customer-rtp-port":               "> " + portFile,
		"HOLD_MS":                           fmt.Sprint(hold.Milliseconds()),
	})
	run := startSipp(t, "customer "+ext, ip, sw.sipAddr, scenario, "-s", "0777", "-key", "user", ext,
		"-au", ext, "-ap", demoSecrets[ext], "-timeout", fmt.Sprintf("%ds", int(hold.Seconds())+40))
	port, pt := waitPortFile(portFile, 15*time.Second)
	if port == "" {
		_, f := run.wait(20 * time.Second)
		t.Fatalf("the switch did not answer %s's call to 0777 with media:\n%s", ext, f)
	}
	switchIP, _, _ := net.SplitHostPort(sw.sipAddr)
	caller.start(switchIP, port, g711PT(pt), 101)
	return run
}

// svIdle sends silence on o, 100 ms at a time, until done or max.
func svIdle(o *rtpOut, max time.Duration, done func() bool) {
	for end := time.Now().Add(max); !done() && time.Now().Before(end); {
		o.tone(0, 100*time.Millisecond)
	}
}
