package main

import (
	"net"
	"strings"
	"testing"
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
// whose only member is not registered, QueueStatus lists QueueParams
// (Calls 1), the member and the caller's QueueEntry (position 1, its
// channel, uniqueid and caller ID); a Redirect takes the caller out of
// Queue()'s wait to from-pstn,900, which hangs up; QueueStatus then has
// no entry and counts the call abandoned, and QueueSummary agrees.
func TestAMIQueueStatusWaitingCaller(t *testing.T) {
	t.Parallel()
	needAMIClient(t)
	ip, trunkIP := loopbackIP(t, 181), loopbackIP(t, 182)
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
	caller := startSipp(t, "caller", trunkIP, sw.sipAddr, "trunk_call_remote_bye.xml", "-s", "5000", "-p", "5060")

	steps := runAMIScript(t, net.JoinHostPort(ip, port), "apps.js", "queue", "support")
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
	if r := steps["redirect"]; r["response"] != "Success" {
		t.Errorf("Redirect of the waiting caller: %v", r)
	}
	after := steps["after"]
	if after["calls"] != "0" || after["entries"] != float64(0) || after["abandoned"] != "1" || after["completed"] != "0" {
		t.Errorf("after the redirect: %v, want no caller and one abandoned", after)
	}
	sum, _ := after["summary"].(map[string]any)
	if sum["queue"] != "support" || sum["callers"] != "0" || sum["loggedin"] != "0" || sum["available"] != "0" {
		t.Errorf("QueueSummary %v", sum)
	}
	waitLog(t, sw, "redirected out of the queue")
	caller.mustPass(t, "the caller gets the BYE of from-pstn,900's Hangup")
	if strings.Contains(sw.logs.String(), "queue returned") {
		t.Error("Queue()'s next priority ran after the redirect")
	}
}
