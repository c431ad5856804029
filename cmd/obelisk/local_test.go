package main

import (
	"strings"
	"testing"
)

// localDialplan sends the trunk's calls to Dial(Local/1001@local-phones),
// whose ;2 dials phone 1001; each side logs its DIALSTATUS.
const localDialplan = `exten => _X.,1,Dial(Local/1001@local-phones,10)
 same => n,Verbose(1,outer DIALSTATUS=${DIALSTATUS})
 same => n,Hangup(${IF($["${DIALSTATUS}" = "BUSY"]?17:16)})
[local-phones]
exten => 1001,1,Verbose(1,inner caller ${CALLERID(num)})
 same => n,Dial(SIP/1001,5)
 same => n,Verbose(1,inner DIALSTATUS=${DIALSTATUS})
 same => n,Hangup()
exten => h,1,Verbose(1,inner h DIALSTATUS=${DIALSTATUS})`

// TestLocalDialAnswered: Dial(Local/1001@local-phones) from a trunk call;
// ;2 runs [local-phones] with the trunk's caller ID and dials phone 1001,
// which answers: the phone's leg is bridged with the trunk (the Local
// channel optimized away, as Asterisk does), ;2's Dial ends with ANSWER
// and its h extension runs at once; the phone sees the caller's number
// and a Max-Forwards two hops down (one per Dial), and the trunk's BYE
// reaches it.
func TestLocalDialAnswered(t *testing.T) {
	sw, trunkIP, phoneDone := phoneTrunkSwitchLocal(t, 241, localDialplan, "phone_answer.xml")
	if code, out := sipp(t, trunkIP, sw.sipAddr, "trunk_call.xml", "-s", "0522000000"); code != 0 {
		t.Fatalf("trunk: sipp exit %d:\n%s", code, out)
	}
	if res := <-phoneDone; !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("phone: %s", res)
	}
	for _, want := range []string{"inner caller 0612345678", "Dial: Local channel optimized away", "inner h DIALSTATUS=ANSWER", "Dial: bridged"} {
		waitLog(t, sw, want)
	}
	if strings.Contains(sw.logs.String(), "inner DIALSTATUS=") {
		t.Errorf(";2's dialplan went on after its Dial was answered")
	}
}

// TestLocalDialBusy: phone 1001 answers ;2's Dial with 486; ;2's
// DIALSTATUS is BUSY and its Hangup() passes cause 17 to ;1, so the outer
// Dial's DIALSTATUS is BUSY too (Asterisk propagates the Local channel's
// hangup cause), and the trunk gets 486.
func TestLocalDialBusy(t *testing.T) {
	sw, trunkIP, phoneDone := phoneTrunkSwitchLocal(t, 241, localDialplan, "phone_busy.xml")
	scenario := writeScenario(t, "trunk_call_refused.xml", map[string]string{"WANT": "486"})
	if code, out := sipp(t, trunkIP, sw.sipAddr, scenario, "-s", "0522000000"); code != 0 {
		t.Fatalf("trunk: sipp exit %d:\n%s", code, out)
	}
	if res := <-phoneDone; !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("phone: %s", res)
	}
	waitLog(t, sw, "inner DIALSTATUS=BUSY")
	waitLog(t, sw, "outer DIALSTATUS=BUSY")
}

// TestQueueLocalMember: a queue member named Local/1001@agents/n (as
// FreePBX writes them) is rung through the Local channel: ;2 dials phone
// 1001, which answers, and the caller is bridged with it; queue_log names
// the member by its interface; with /n ;2's Dial stays until the call
// ends, then its h extension runs.
func TestQueueLocalMember(t *testing.T) {
	ip, trunkIP, phoneIP := loopbackIP(t, 245), loopbackIP(t, 246), loopbackIP(t, 247)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf": strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", trunkIP),
		"queues.conf": `[support]
strategy=ringall
timeout=5
retry=1
joinempty=yes
member => Local/1001@agents/n
`,
		"extensions.conf": `[from-pstn]
exten => _X.,1,Queue(support,,,,8)
 same => n,Hangup()
[agents]
exten => 1001,1,Dial(SIP/1001,5)
 same => n,Hangup()
exten => h,1,Verbose(1,member h DIALSTATUS=${DIALSTATUS} ANSWEREDTIME=${ANSWEREDTIME})
[phones]
`,
	})
	port := freeUDPPort(t, phoneIP)
	done := sippBackground(t, phoneIP, "", writeScenario(t, "phone_answer.xml", map[string]string{"^ *69$": "^ *68$"}), port)
	registerPhone(t, phoneIP, sw, port)
	if code, out := sipp(t, trunkIP, sw.sipAddr, "trunk_call.xml", "-s", "0522000000"); code != 0 {
		t.Fatalf("trunk: sipp exit %d:\n%s", code, out)
	}
	if res := <-done; !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("phone: %s", res)
	}
	waitLog(t, sw, "no_optimize=true")
	waitLog(t, sw, "member h DIALSTATUS=ANSWER ANSWEREDTIME=")
	log := waitQueueLog(t, sw, "COMPLETECALLER")
	if !strings.Contains(log, "|support|Local/1001@agents/n|CONNECT|") {
		t.Errorf("queue_log has no CONNECT of Local/1001@agents/n:\n%s", log)
	}
}

// phoneTrunkSwitchLocal is phoneTrunkSwitch whose phone expects the
// Max-Forwards of a call that went through two Dials (the outer one and
// the Local channel's).
func phoneTrunkSwitchLocal(t *testing.T, n int, dialplan, phoneScenario string) (*runningSwitch, string, <-chan string) {
	t.Helper()
	return phoneTrunkSwitch(t, n, dialplan, writeScenario(t, phoneScenario, map[string]string{"^ *69$": "^ *68$"}))
}
