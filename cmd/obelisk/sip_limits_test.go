package main

import (
	"net"
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

// TestSIPDialCalleeGosub: Dial's U(context^args) runs on the called channel
// after it answers and before the bridge (app_dial): a routine that
// returns plainly lets the call be bridged; GOSUB_RESULT=BUSY hangs the
// called party up and the caller goes on with DIALSTATUS=BUSY; GOTO: sends
// the caller elsewhere.
func TestSIPDialCalleeGosub(t *testing.T) {
	dialplan := `exten => _X.,1,Dial(SIP/1001,10,U(screen^${EXTEN}))
 same => n,Verbose(1,after U DIALSTATUS=${DIALSTATUS})
 same => n,Hangup(17)
exten => moved,1,Verbose(1,moved by the routine)
 same => n,Hangup(19)
[screen]
exten => s,1,Verbose(1,screening ${ARG1} for ${CALLERID(num)})
 same => n,ExecIf($["${ARG1}" = "0522000002"]?Set(GOSUB_RESULT=BUSY))
 same => n,ExecIf($["${ARG1}" = "0522000003"]?Set(GOSUB_RESULT=GOTO:from-pstn^moved^1))
 same => n,Return()`
	tests := []struct {
		name, number, trunk, want string
	}{
		{"routine returns: bridged", "0522000001", "trunk_call.xml", "Dial: bridged"},
		{"GOSUB_RESULT=BUSY", "0522000002", "486", "after U DIALSTATUS=BUSY"},
		{"GOSUB_RESULT=GOTO", "0522000003", "480", "moved by the routine"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sw, trunkIP, phoneDone := phoneTrunkSwitch(t, 143+3*i, dialplan, "phone_answer.xml")
			scenario := tc.trunk
			if !strings.HasSuffix(scenario, ".xml") {
				scenario = writeScenario(t, "trunk_call_refused.xml", map[string]string{"WANT": tc.trunk})
			}
			if code, out := sipp(t, trunkIP, sw.sipAddr, scenario, "-s", tc.number); code != 0 {
				t.Fatalf("trunk: sipp exit %d:\n%s", code, out)
			}
			if res := <-phoneDone; !strings.HasPrefix(res, "exit 0") {
				t.Fatalf("phone: %s", res)
			}
			waitLog(t, sw, "screening "+tc.number+" for 0612345678")
			waitLog(t, sw, tc.want)
		})
	}
}

// TestSIPTCPRequestChecks: over TCP, where the UDP guard does not sit, a
// request whose CSeq names another method (PROTOS c07-sip case 1922 and
// its kin) or that lacks To gets 400 from the server before any handler.
func TestSIPTCPRequestChecks(t *testing.T) {
	ip := loopbackIP(t, 152)
	sw := startSwitch(t, ip, sipTestConfig)
	for _, tc := range []struct{ name, cseq, to string }{
		{"CSeq of another method", "1 aaaaaaaaa", "To: <sip:1001@" + ip + ">\r\n"},
		{"no To", "1 INVITE", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.DialTimeout("tcp", sw.sipAddr, 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			local := c.LocalAddr().String()
			msg := "INVITE sip:1001@" + ip + " SIP/2.0\r\n" +
				"Via: SIP/2.0/TCP " + local + ";branch=z9hG4bK-check-" + strings.ReplaceAll(tc.name, " ", "") + "\r\n" +
				"From: <sip:0612345678@" + ip + ">;tag=1\r\n" + tc.to +
				"Call-ID: tcp-check-" + strings.ReplaceAll(tc.name, " ", "") + "\r\n" +
				"CSeq: " + tc.cseq + "\r\nMax-Forwards: 70\r\nContact: <sip:x@" + local + ";transport=tcp>\r\nContent-Length: 0\r\n\r\n"
			if _, err := c.Write([]byte(msg)); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
			buf := make([]byte, 4096)
			n, err := c.Read(buf)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			if got := string(buf[:n]); !strings.HasPrefix(got, "SIP/2.0 400") {
				t.Fatalf("answer %q, want 400", strings.SplitN(got, "\r\n", 2)[0])
			}
		})
	}
}
