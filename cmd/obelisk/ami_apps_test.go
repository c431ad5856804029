package main

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// TestAMIRedirectRunningApps: Redirect of a channel that is not bridged
// interrupts the application it runs, as Asterisk's async goto does. An
// Originate to phone 1001 runs phones,800 (Playback of ten seconds); a
// Redirect while it plays sends it to phones,801 (WaitExten(10)), a
// second Redirect to phones,802, which hangs up: the phone gets the BYE
// long before either application would have ended, and neither's next
// priority ran.
func TestAMIRedirectRunningApps(t *testing.T) {
	t.Parallel()
	needAMIClient(t)
	ip, phoneIP := loopbackIP(t, 178), loopbackIP(t, 179)
	port := freeTCPPort(t, ip)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf":     strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", loopbackIP(t, 180)),
		"manager.conf": managerConf(port),
		"extensions.conf": `[from-pstn]
[phones]
exten => 800,1,Answer()
 same => n,Playback(silence/10)
 same => n,Verbose(1,playback ran out)
exten => 801,1,Verbose(1,redirected out of Playback)
 same => n,WaitExten(10)
 same => n,Verbose(1,waitexten ran out)
exten => 802,1,Verbose(1,redirected out of WaitExten)
 same => n,Hangup(21)
`,
	})
	waitLog(t, sw, `msg="manager listening"`)
	agent := writeScenario(t, "phone_answer.xml", map[string]string{"0612345678": ".*", "^ *69$": ".*"})
	phonePort := freeUDPPort(t, phoneIP)
	phoneDone := sippBackground(t, phoneIP, "", agent, phonePort)
	registerPhone(t, phoneIP, sw, phonePort)

	steps := runAMIScript(t, net.JoinHostPort(ip, port), "apps.js", "redirect", "SIP/1001")
	for _, step := range []string{"redirect1", "redirect2"} {
		if r := steps[step]; r["response"] != "Success" || r["message"] != "Redirect successful" {
			t.Errorf("%s: %v", step, r)
		}
	}
	if h := steps["hangup"]; h["cause"] != "21" {
		t.Errorf("Hangup cause %v, want 21 (phones,802's Hangup(21))", h["cause"])
	}
	want := "800:1:Answer,800:2:Playback,801:1:Verbose,801:2:WaitExten,802:1:Verbose,802:2:Hangup"
	if got := toString(steps["hangup"]["apps"]); got != want {
		t.Errorf("the channel ran %s, want %s", got, want)
	}
	if res := <-phoneDone; !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("phone: %s", res)
	}
	waitLog(t, sw, "redirected out of WaitExten")
	for _, never := range []string{"playback ran out", "waitexten ran out"} {
		if strings.Contains(sw.logs.String(), never) {
			t.Errorf("the log says %q: an interrupted application's next priority ran", never)
		}
	}
}

// TestAMIQueueStatusWaitingCaller: while a trunk caller waits in a queue
// whose only member, phone 1001, rings and never answers, QueueStatus
// lists QueueParams (Calls 1), the member and the caller's QueueEntry
// (position 1, its channel, uniqueid and caller ID). The member's
// channel is announced by Newchannel (Down) before DialBegin names it,
// then AgentCalled and Newstate Ringing. A Redirect takes the caller out
// of Queue()'s wait to from-pstn,900, which hangs up; the member's
// ringing is cancelled (Hangup), QueueStatus then has no entry and
// counts the call abandoned, and QueueSummary agrees.
func TestAMIQueueStatusWaitingCaller(t *testing.T) {
	t.Parallel()
	needAMIClient(t)
	ip, trunkIP, phoneIP := loopbackIP(t, 181), loopbackIP(t, 182), loopbackIP(t, 183)
	port := freeTCPPort(t, ip)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf":     strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", trunkIP),
		"manager.conf": managerConf(port),
		"queues.conf":  "[support]\nstrategy=ringall\nservicelevel=30\nweight=2\nmember => SIP/1001\n",
		"extensions.conf": `[from-pstn]
exten => 5000,1,Answer()
 same => n,Queue(support,,,,20)
 same => n,Verbose(1,queue returned ${QUEUESTATUS})
exten => 900,1,Verbose(1,redirected out of the queue)
 same => n,Hangup()
[phones]
`,
	})
	waitLog(t, sw, `msg="manager listening"`)
	phonePort := freeUDPPort(t, phoneIP)
	phone := startSipp(t, "member", phoneIP, "", "phone_noanswer.xml", "-p", phonePort)
	registerPhone(t, phoneIP, sw, phonePort)
	// The caller comes once the client is logged in, so that it sees the
	// member's events from the first.
	client := goAMIScript(t, net.JoinHostPort(ip, port), "apps.js", "queue", "support")
	waitLog(t, sw, `msg="manager: login" component=ami username=crm`)
	caller := startSipp(t, "caller", trunkIP, sw.sipAddr, "trunk_call_remote_bye.xml", "-s", "5000", "-p", "5060")
	steps := <-client
	if steps == nil {
		t.FailNow()
	}
	w := steps["waiting"]
	if got := toString(w["events"]); got != "QueueParams,QueueMember,QueueEntry,QueueStatusComplete" {
		t.Errorf("QueueStatus events %s", got)
	}
	params, _ := w["params"].(map[string]any)
	for k, want := range map[string]string{"queue": "support", "strategy": "ringall", "calls": "1", "completed": "0",
		"abandoned": "0", "servicelevel": "30", "weight": "2", "max": "0"} {
		if params[k] != want {
			t.Errorf("QueueParams %s = %v, want %s", k, params[k], want)
		}
	}
	entry, _ := w["entry"].(map[string]any)
	ch, _ := entry["channel"].(string)
	if entry["position"] != "1" || !strings.HasPrefix(ch, "SIP/pstn-") || entry["calleridnum"] != "0612345678" ||
		entry["calleridname"] != "Customer" || entry["uniqueid"] == "" || entry["priority"] != "0" {
		t.Errorf("QueueEntry %v", entry)
	}
	if w["complete"] != "3" {
		t.Errorf("QueueStatusComplete ListItems %v, want 3", w["complete"])
	}
	ac := steps["agentcalled"]
	dest, _ := ac["destchannel"].(string)
	if ac["queue"] != "support" || ac["interface"] != "SIP/1001" || ac["membername"] != "SIP/1001" || ac["channel"] != ch ||
		!strings.HasPrefix(dest, "SIP/1001-") || ac["ringing"] != "Ringing" {
		t.Errorf("AgentCalled %v", ac)
	}
	if got := toString(steps["member"]["events"]); !strings.HasPrefix(got, "Newchannel,DialBegin(dest),") ||
		!strings.Contains(got, "Newstate") || !strings.HasSuffix(got, "Hangup") || steps["member"]["newchannelstate"] != "Down" {
		t.Errorf("the member channel's events %s (Newchannel %v), want Newchannel (Down) and DialBegin first, Hangup last",
			got, steps["member"]["newchannelstate"])
	}
	if r := steps["redirect"]; r["response"] != "Success" {
		t.Errorf("Redirect of the waiting caller: %v", r)
	}
	after := steps["after"]
	if after["calls"] != "0" || after["entries"] != float64(0) || after["abandoned"] != "1" || after["completed"] != "0" {
		t.Errorf("after the redirect: %v, want no caller and one abandoned", after)
	}
	sum, _ := after["summary"].(map[string]any)
	if sum["queue"] != "support" || sum["callers"] != "0" || sum["loggedin"] != "1" {
		t.Errorf("QueueSummary %v", sum)
	}
	waitLog(t, sw, "redirected out of the queue")
	caller.mustPass(t, "the caller gets the BYE of from-pstn,900's Hangup")
	phone.mustPass(t, "the member's ringing is cancelled when the caller leaves the queue")
	if strings.Contains(sw.logs.String(), "queue returned") {
		t.Error("Queue()'s next priority ran after the redirect")
	}
}

// TestAMIAtxfer: the manager's Atxfer on the agent of a click-to-call
// (phone 1001 bridged with a trunk target) holds the target and calls
// Local/1002@phones, whose Dial rings phone 1002: the agent consults
// with it. Hanging the agent up then completes the transfer, as the
// atxfer feature does (bridge_basic.c): AttendedTransfer (Result
// Success, the agent as transferer, the trunk target as transferee, the
// Local channel as target, DestType Bridge) and the target talks with
// phone 1002 until it hangs up, when phone 1002 gets the BYE.
func TestAMIAtxfer(t *testing.T) {
	t.Parallel()
	needAMIClient(t)
	ip, trunkIP, agentIP, consultIP := loopbackIP(t, 184), loopbackIP(t, 185), loopbackIP(t, 186), loopbackIP(t, 187)
	port := freeTCPPort(t, ip)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf": strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", trunkIP) +
			"\n[1002]\ntype=friend\nhost=dynamic\nsecret=s3cret-1002\ncontext=phones\ndisallow=all\nallow=ulaw\n",
		"manager.conf": managerConf(port),
		"extensions.conf": `[from-pstn]
[phones]
exten => _0X.,1,Dial(SIP/pstn/${EXTEN},20)
exten => 1002,1,Verbose(1,consultation of ${TRANSFERERNAME})
 same => n,Dial(SIP/1002,10)
`,
	})
	waitLog(t, sw, `msg="manager listening"`)
	// The target stays 6 s on the line after it answered: long enough for
	// the transfer, then it hangs up.
	target := writeScenario(t, "ami_target_answer.xml", map[string]string{`<pause milliseconds="1000"/>`: `<pause milliseconds="6000"/>`})
	targetRun := startSipp(t, "target", trunkIP, "", target, "-p", "5060")
	answer := writeScenario(t, "phone_answer.xml", map[string]string{"^ *69$": ".*"})
	agentPort, consultPort := freeUDPPort(t, agentIP), freeUDPPort(t, consultIP)
	agentRun := startSipp(t, "agent", agentIP, "", answer, "-p", agentPort)
	consultRun := startSipp(t, "consult", consultIP, "", answer, "-p", consultPort)
	registerPhone(t, agentIP, sw, agentPort)
	if code, out := sipp(t, consultIP, sw.sipAddr, "register.xml", "-s", "1002", "-au", "1002", "-ap", "s3cret-1002", "-key", "contact_port", consultPort); code != 0 {
		t.Fatalf("register 1002: sipp exit %d:\n%s", code, out)
	}

	addr := net.JoinHostPort(ip, port)
	client := goAMIScript(t, addr, "apps.js", "atxfer", "SIP/1001", "0655443322", "1002")
	// Once the agent talks with phone 1002, the agent hangs up.
	waitLog(t, sw, "attended transfer: consulting the target")
	if got := amiAction(t, addr, "Action: Hangup", "Channel: SIP/1001-00000001"); !strings.Contains(got, "Message: Channel Hungup") {
		t.Fatalf("Hangup of the transferer: %q", got)
	}
	steps := <-client
	if steps == nil {
		t.FailNow()
	}
	if r := steps["atxfer"]; r["response"] != "Success" || r["message"] != "Atxfer successfully queued" {
		t.Fatalf("Atxfer: %v", r)
	}
	agent, _ := steps["atxfer"]["channel"].(string)
	tr := steps["transferred"]
	if tr["result"] != "Success" || tr["origtransfererchannel"] != agent || tr["secondtransfererchannel"] != agent ||
		!strings.HasPrefix(toString(tr["transfereechannel"]), "SIP/pstn-") ||
		!strings.HasPrefix(toString(tr["transfertargetchannel"]), "Local/1002@phones") ||
		tr["desttype"] != "Bridge" || tr["isexternal"] != "No" || tr["destbridgeuniqueid"] == "" {
		t.Errorf("AttendedTransfer %v", tr)
	}
	waitLog(t, sw, "consultation of "+agent)
	agentRun.mustPass(t, "the transferer's phone gets the BYE of the manager's Hangup")
	targetRun.mustPass(t, "the held target is bridged with phone 1002, then hangs up")
	consultRun.mustPass(t, "phone 1002 talks with the target, then gets its BYE")
}

// amiAction logs in to the manager at addr as crm on a raw socket, with
// no events, sends one action and returns its response as written.
func amiAction(t *testing.T, addr string, lines ...string) string {
	t.Helper()
	c, r := amiLogin(t, addr, "off")
	defer c.Close()
	_, _ = c.Write([]byte(strings.Join(lines, "\r\n") + "\r\n\r\n"))
	for {
		got := readAMI(r)
		if got == "" || strings.HasPrefix(got, "Response: ") {
			return got
		}
	}
}

// TestAMIDualRedirect: a Redirect with ExtraChannel of the two parties
// of a click-to-call (agent 1001 and its trunk target) takes both out of
// their bridge, each to its own place, as manager.c's dual redirect
// does: the agent runs phones,701 (which hangs it up), the target
// phones,702 (under the name the bridge gave it). Before, CoreShowChannels
// shows both in the one bridge (BridgeEnter of the called leg too).
func TestAMIDualRedirect(t *testing.T) {
	t.Parallel()
	needAMIClient(t)
	ip, trunkIP, agentIP := loopbackIP(t, 188), loopbackIP(t, 189), loopbackIP(t, 190)
	port := freeTCPPort(t, ip)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf":     strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", trunkIP),
		"manager.conf": managerConf(port),
		"extensions.conf": `[from-pstn]
[phones]
exten => _0X.,1,Dial(SIP/pstn/${EXTEN},20)
 same => n,Verbose(1,the agent went on after Dial)
exten => 701,1,Verbose(1,agent ${CHANNEL} at 701)
 same => n,Hangup()
exten => 702,1,Verbose(1,target ${CHANNEL} at 702 after ${BLINDTRANSFER})
 same => n,Wait(10)
`,
	})
	waitLog(t, sw, `msg="manager listening"`)
	// The target stays on the line 4 s, in 702's Wait after the redirect.
	target := writeScenario(t, "ami_target_answer.xml", map[string]string{`<pause milliseconds="1000"/>`: `<pause milliseconds="4000"/>`})
	targetRun := startSipp(t, "target", trunkIP, "", target, "-p", "5060")
	answer := writeScenario(t, "phone_answer.xml", map[string]string{"^ *69$": "^ *70$"})
	agentPort := freeUDPPort(t, agentIP)
	agentRun := startSipp(t, "agent", agentIP, "", answer, "-p", agentPort)
	registerPhone(t, agentIP, sw, agentPort)

	steps := runAMIScript(t, net.JoinHostPort(ip, port), "apps.js", "dual", "SIP/1001", "0655443322")
	r := steps["redirect"]
	if r["response"] != "Success" || r["message"] != "Dual Redirect successful" || !strings.HasPrefix(toString(r["extrachannel"]), "SIP/pstn-") {
		t.Fatalf("Redirect: %v", r)
	}
	agent := toString(r["channel"])
	// While bridged, CoreShowChannels gives both channels the bridge's id.
	if b, _ := r["bridges"].([]any); len(b) != 2 || b[0] == "" || b[0] != b[1] {
		t.Errorf("BridgeId of the agent and the target: %v, want one id", r["bridges"])
	}
	if got := toString(steps["hangup"]["agentapps"]); got != "0655443322:Dial,701:Verbose,701:Hangup" {
		t.Errorf("the agent ran %s, want Dial then 701's Verbose and Hangup", got)
	}
	waitLog(t, sw, "agent "+agent+" at 701")
	waitLog(t, sw, "at 702 after "+agent)
	agentRun.mustPass(t, "the agent's phone gets 701's BYE")
	targetRun.mustPass(t, "the target, in 702's Wait, hangs up")
	if strings.Contains(sw.logs.String(), "the agent went on after Dial") {
		t.Error("the agent ran Dial's next priority instead of 701")
	}
}

// amiLogin opens a manager session to addr as the tests' crm user with
// the Events mask given, reads the greeting and checks the login; the
// connection has a 10 s deadline.
func amiLogin(t *testing.T, addr, events string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	_, _ = r.ReadString('\n')
	_, _ = c.Write([]byte("Action: Login\r\nUsername: crm\r\nSecret: crm-secret\r\nEvents: " + events + "\r\n\r\n"))
	if got := readAMI(r); !strings.Contains(got, "Message: Authentication accepted") {
		c.Close()
		t.Fatalf("login: %q", got)
	}
	return c, r
}
