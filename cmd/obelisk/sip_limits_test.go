package main

import (
	"strings"
	"testing"
	"time"
)

// TestSIPCallLimit: a trunk with call-limit=1 has one call up (ringing in a
// Wait); a second call from it is refused with 480 before the dialplan, as
// chan_sip's update_call_counter refuses it, and once the first call ended
// the trunk may call again.
func TestSIPCallLimit(t *testing.T) {
	ip, trunkIP := loopbackIP(t, 140), loopbackIP(t, 141)
	conf := strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", trunkIP)
	conf = strings.Replace(conf, "insecure=port,invite\n", "insecure=port,invite\ncall-limit=1\n", 1)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf": conf,
		"extensions.conf": `[from-pstn]
exten => 1,1,Wait(2)
 same => n,Hangup(17)
exten => 2,1,Hangup(17)
[phones]
`,
	})
	busy := writeScenario(t, "trunk_call_refused.xml", map[string]string{"WANT": "486"})
	limited := writeScenario(t, "trunk_call_refused.xml", map[string]string{"WANT": "480"})
	first := make(chan string, 1)
	go func() {
		code, out := sipp(t, trunkIP, sw.sipAddr, busy, "-s", "1")
		if code != 0 {
			first <- out
		}
		close(first)
	}()
	waitLog(t, sw, "app=Wait")
	if code, out := sipp(t, trunkIP, sw.sipAddr, limited, "-s", "2"); code != 0 {
		t.Fatalf("second call: want 480, sipp exit %d:\n%s", code, out)
	}
	waitLog(t, sw, "Call from peer 'pstn' rejected due to usage limit of 1")
	if out, failed := <-first; failed {
		t.Fatalf("first call: want 486 after the Wait:\n%s", out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, out := sipp(t, trunkIP, sw.sipAddr, busy, "-s", "2")
		if code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the limit was not released after the first call:\n%s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
