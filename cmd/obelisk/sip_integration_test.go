package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sipTestConfig is a small switch: two phones and a context.
var sipTestConfig = map[string]string{
	"sip.conf": `[general]
bindaddr={{IP}}
bindport=0
tcpenable=yes
allowguest=no
realm=obelisk-test
minexpiry=60

[phone](!)
type=friend
host=dynamic
context=phones
disallow=all
allow=ulaw

[1001](phone)
secret=s3cret-1001

[1002](phone)
secret=s3cret-1002
`,
	"extensions.conf": `[phones]
exten => _1XXX,1,NoOp(call to ${EXTEN})
`,
}

func TestSIPOptionsAnswered(t *testing.T) {
	ip := loopbackIP(t, 1)
	sw := startSwitch(t, ip, sipTestConfig)
	if code, out := sipp(t, ip, sw.sipAddr, "options.xml"); code != 0 {
		t.Fatalf("sipp exit %d:\n%s", code, out)
	}
}

func TestSIPRegisterWithDigest(t *testing.T) {
	ip := loopbackIP(t, 2)
	sw := startSwitch(t, ip, sipTestConfig)
	if code, out := sipp(t, ip, sw.sipAddr, "register.xml", "-s", "1001", "-au", "1001", "-ap", "s3cret-1001"); code != 0 {
		t.Fatalf("sipp exit %d:\n%s", code, out)
	}
	if !strings.Contains(sw.logs.String(), `msg=registered`) || !strings.Contains(sw.logs.String(), "aor=1001") {
		t.Fatalf("no registration logged:\n%s", sw.logs.String())
	}
}

// TestSIPRegisterRejectedAlike checks that a wrong password and an unknown
// extension get the same answers (401 then 403), so that extensions cannot
// be enumerated.
func TestSIPRegisterRejectedAlike(t *testing.T) {
	ip := loopbackIP(t, 3)
	sw := startSwitch(t, ip, sipTestConfig)
	for _, tc := range []struct{ name, user, pass string }{
		{"wrong password", "1001", "guess"},
		{"unknown extension", "9999", "guess"},
	} {
		if code, out := sipp(t, ip, sw.sipAddr, "register_rejected.xml", "-s", tc.user, "-au", tc.user, "-ap", tc.pass); code != 0 {
			t.Fatalf("%s: sipp exit %d:\n%s", tc.name, code, out)
		}
	}
}

// TestSIPInviteUnauthenticatedRefused: an INVITE that cannot answer the
// digest challenge never reaches the dialplan, whether the user exists or not.
func TestSIPInviteUnauthenticatedRefused(t *testing.T) {
	ip := loopbackIP(t, 4)
	sw := startSwitch(t, ip, sipTestConfig)
	for _, user := range []string{"1001", "31337"} {
		if code, out := sipp(t, ip, sw.sipAddr, "invite_rejected.xml", "-s", user, "-au", user, "-ap", "wrong"); code != 0 {
			t.Fatalf("%s: sipp exit %d:\n%s", user, code, out)
		}
	}
	if strings.Contains(sw.logs.String(), "call identified") {
		t.Fatalf("an unauthenticated call was identified:\n%s", sw.logs.String())
	}
}

// TestSIPRegistrationSurvivesRestart registers, stops the switch and starts
// it again on the same data directory: the binding is restored from bbolt.
func TestSIPRegistrationSurvivesRestart(t *testing.T) {
	ip := loopbackIP(t, 5)
	sw := startSwitch(t, ip, sipTestConfig)
	if code, out := sipp(t, ip, sw.sipAddr, "register.xml", "-s", "1002", "-au", "1002", "-ap", "s3cret-1002"); code != 0 {
		t.Fatalf("sipp exit %d:\n%s", code, out)
	}
	sw.stop(t)
	again := startSwitchIn(t, ip, sipTestConfig, sw.data)
	waitLog(t, again, `msg="registrations restored" component=pbx bindings=1`)
}

// phoneTrunkConf is a switch with phone 1001 and a provider trunk at
// {{TRUNK}}; the dialplan's [from-pstn] is {{DIALPLAN}}.
const phoneTrunkConf = `[general]
bindaddr={{IP}}
bindport=0
realm=obelisk-test

[1001]
type=friend
host=dynamic
secret=s3cret-1001
context=phones
disallow=all
allow=ulaw

[pstn]
type=peer
host={{TRUNK}}
context=from-pstn
insecure=port,invite
disallow=all
allow=alaw,ulaw
`

// phoneTrunkSwitch starts a switch on loopback addresses of its own (n
// picks them) with phone 1001 and a trunk; when phoneScenario is set, a
// sipp phone running it listens and registers as 1001, and its result
// arrives on the returned channel.
func phoneTrunkSwitch(t *testing.T, n int, dialplan, phoneScenario string) (sw *runningSwitch, trunkIP string, phoneDone <-chan string) {
	t.Helper()
	ip, trunkIP, phoneIP := loopbackIP(t, n), loopbackIP(t, n+1), loopbackIP(t, n+2)
	sw = startSwitch(t, ip, map[string]string{
		"sip.conf":        strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", trunkIP),
		"extensions.conf": "[from-pstn]\n" + dialplan + "\n[phones]\n",
	})
	done := make(chan string, 1)
	if phoneScenario == "" {
		done <- "exit 0"
		return sw, trunkIP, done
	}
	phonePort := freeUDPPort(t, phoneIP)
	go func() {
		code, out := sipp(t, phoneIP, sw.sipAddr, phoneScenario, "-p", phonePort)
		done <- fmt.Sprintf("exit %d\n%s", code, out)
	}()
	registerPhone(t, phoneIP, sw, phonePort)
	return sw, trunkIP, done
}

// TestSIPTrunkCallDialsRegisteredPhone: a provider trunk delivers a call,
// the dialplan Dial()s a registered phone, the phone rings and answers, the
// switch bridges both legs, the trunk's BYE reaches the phone.
func TestSIPTrunkCallDialsRegisteredPhone(t *testing.T) {
	sw, trunkIP, phoneDone := phoneTrunkSwitch(t, 6, `exten => _X.,1,NoOp(DID ${EXTEN} from ${CALLERID(num)})
 same => n,Dial(SIP/1001,10)
 same => n,Hangup()`, "phone_answer.xml")
	if code, out := sipp(t, trunkIP, sw.sipAddr, "trunk_call.xml", "-s", "0522000000"); code != 0 {
		t.Fatalf("trunk: sipp exit %d:\n%s", code, out)
	}
	if res := <-phoneDone; !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("phone: %s", res)
	}
	waitLog(t, sw, `Dial: bridged`)
}

// TestSIPDialStatus: the dialplan sees DIALSTATUS as app_dial sets it and
// ends the trunk call accordingly; the trunk's final response tells which
// (Hangup(17) → 486, Hangup(19) → 480, Hangup(34) → 503).
func TestSIPDialStatus(t *testing.T) {
	tests := []struct {
		name     string
		phone    string // scenario of the phone, "" for an unregistered one
		want     string // final response the trunk must get
		logValue string
	}{
		{"busy", "phone_busy.xml", "486", "DIALSTATUS=BUSY"},
		{"no answer", "phone_noanswer.xml", "480", "DIALSTATUS=NOANSWER"},
		{"not registered", "", "503", "DIALSTATUS=CHANUNAVAIL"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sw, trunkIP, phoneDone := phoneTrunkSwitch(t, 10+3*i, `exten => _X.,1,Dial(SIP/1001,2)
 same => n,Verbose(1,DIALSTATUS=${DIALSTATUS})
 same => n,GotoIf($["${DIALSTATUS}" = "BUSY"]?busy)
 same => n,GotoIf($["${DIALSTATUS}" = "NOANSWER"]?noanswer)
 same => n,Hangup(34)
 same => n(busy),Hangup(17)
 same => n(noanswer),Hangup(19)`, tc.phone)
			scenario := writeScenario(t, "trunk_call_refused.xml", map[string]string{"WANT": tc.want})
			if code, out := sipp(t, trunkIP, sw.sipAddr, scenario, "-s", "0522000000"); code != 0 {
				t.Fatalf("trunk: sipp exit %d:\n%s", code, out)
			}
			if res := <-phoneDone; !strings.HasPrefix(res, "exit 0") {
				t.Fatalf("phone: %s", res)
			}
			waitLog(t, sw, tc.logValue)
		})
	}
}

// TestSIPHangupsCross: a CANCEL from the caller while the phone rings
// cancels the phone; a BYE from the phone after answer reaches the caller.
func TestSIPHangupsCross(t *testing.T) {
	tests := []struct{ name, phone, trunk string }{
		{"caller cancels while ringing", "phone_noanswer.xml", "trunk_cancel.xml"},
		{"callee hangs up first", "phone_hangs_up.xml", "trunk_call_remote_bye.xml"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sw, trunkIP, phoneDone := phoneTrunkSwitch(t, 30+3*i, "exten => _X.,1,Dial(SIP/1001,20)\n same => n,Hangup()", tc.phone)
			if code, out := sipp(t, trunkIP, sw.sipAddr, tc.trunk, "-s", "0522000000"); code != 0 {
				t.Fatalf("trunk: sipp exit %d:\n%s", code, out)
			}
			if res := <-phoneDone; !strings.HasPrefix(res, "exit 0") {
				t.Fatalf("phone: %s", res)
			}
		})
	}
}

// TestSIPMalformedInputSurvives sends garbage and broken SIP over UDP and
// TCP: the switch drops what it cannot parse, never crashes, and answers
// the next OPTIONS.
func TestSIPMalformedInputSurvives(t *testing.T) {
	ip := loopbackIP(t, 40)
	sw := startSwitch(t, ip, sipTestConfig)
	junk := []string{
		"\x00\x01\x02garbage",
		"INVITE sip:x SIP/2.0\r\n\r\n",
		"REGISTER sip:obelisk SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4\r\nContact: <<<>>>\r\nContent-Length: 99999\r\n\r\n",
		"OPTIONS  SIP/2.0\r\nCSeq: x\r\n\r\n",
		strings.Repeat("A", 60000),
	}
	for _, network := range []string{"udp", "tcp"} {
		for _, j := range junk {
			c, err := net.DialTimeout(network, sw.sipAddr, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = c.Write([]byte(j))
			_ = c.Close()
		}
	}
	if code, out := sipp(t, ip, sw.sipAddr, "options.xml"); code != 0 {
		t.Fatalf("after garbage, sipp exit %d:\n%s", code, out)
	}
	if strings.Contains(sw.logs.String(), "panic") {
		t.Fatalf("panic logged:\n%s", sw.logs.String())
	}
}

// TestSIPOutboundRegistration: a `register =>` line registers the switch
// with a provider's registrar (sipp), answering its digest challenge.
func TestSIPOutboundRegistration(t *testing.T) {
	ip, provIP := loopbackIP(t, 50), loopbackIP(t, 51)
	provPort := freeUDPPort(t, provIP)
	provDone := sippBackground(t, provIP, "", "provider_registrar.xml", provPort)
	time.Sleep(300 * time.Millisecond) // let the registrar bind
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf": `[general]
bindaddr={{IP}}
bindport=0
register => 0312345:trunk-pw@` + provIP + `:` + provPort + `/0777

[provider]
type=peer
host=` + provIP + `
port=` + provPort + `
context=from-pstn
insecure=port,invite
`,
		"extensions.conf": "[from-pstn]\nexten => 0777,1,Hangup()\n",
	})
	if res := <-provDone; !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("provider: %s", res)
	}
	waitLog(t, sw, `msg="registered with provider" component=register server=`+provIP+` user=0312345 expires=1m0s`)
}

// TestSIPQualify: a peer with qualify=yes that answers OPTIONS is OK; once
// it stops answering it becomes UNREACHABLE and Dial refuses it with
// CHANUNAVAIL without sending an INVITE.
func TestSIPQualify(t *testing.T) {
	ip, peerIP, trunkIP := loopbackIP(t, 60), loopbackIP(t, 61), loopbackIP(t, 62)
	peerPort := freeUDPPort(t, peerIP)
	peerDone := sippBackground(t, peerIP, "", "options_uas.xml", peerPort)
	time.Sleep(300 * time.Millisecond)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf": `[general]
bindaddr={{IP}}
bindport=0
qualifyfreq=1

[peerpbx]
type=peer
host=` + peerIP + `
port=` + peerPort + `
context=from-pbx
insecure=port,invite
qualify=yes

[pstn]
type=peer
host=` + trunkIP + `
context=from-pstn
insecure=port,invite
`,
		"extensions.conf": `[from-pstn]
exten => _X.,1,Dial(SIP/peerpbx/${EXTEN},5)
 same => n,Verbose(1,DIALSTATUS=${DIALSTATUS})
 same => n,Hangup(34)
[from-pbx]
`,
	})
	if res := <-peerDone; !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("peer: %s", res)
	}
	waitLog(t, sw, `msg="peer status changed" component=qualify peer=peerpbx status=OK`)
	waitLog(t, sw, `msg="peer status changed" component=qualify peer=peerpbx status=UNREACHABLE`)
	scenario := writeScenario(t, "trunk_call_refused.xml", map[string]string{"WANT": "503"})
	if code, out := sipp(t, trunkIP, sw.sipAddr, scenario, "-s", "0522000000"); code != 0 {
		t.Fatalf("trunk: sipp exit %d:\n%s", code, out)
	}
	waitLog(t, sw, "DIALSTATUS=CHANUNAVAIL")
	waitLog(t, sw, "peerpbx is UNREACHABLE (qualify)")
}

// TestSIPDialOptions: L() ends a bridged call when its time is up (both
// parties get a BYE); F() sends the caller on in the dialplan when the
// callee hangs up.
func TestSIPDialOptions(t *testing.T) {
	t.Run("L limit", func(t *testing.T) {
		sw, trunkIP, phoneDone := phoneTrunkSwitch(t, 70, "exten => _X.,1,Dial(SIP/1001,10,L(1000))\n same => n,Hangup()", "phone_answer.xml")
		if code, out := sipp(t, trunkIP, sw.sipAddr, "trunk_call_remote_bye.xml", "-s", "0522000000"); code != 0 {
			t.Fatalf("trunk: sipp exit %d:\n%s", code, out)
		}
		if res := <-phoneDone; !strings.HasPrefix(res, "exit 0") {
			t.Fatalf("phone: %s", res)
		}
		waitLog(t, sw, `msg="Dial: call limit reached"`)
	})
	t.Run("F continues the caller", func(t *testing.T) {
		sw, trunkIP, phoneDone := phoneTrunkSwitch(t, 73, `exten => _X.,1,Dial(SIP/1001,10,F(from-pstn^after^1))
 same => n,Verbose(1,not here)
exten => after,1,Verbose(1,continued after the callee hung up, DIALSTATUS=${DIALSTATUS})
 same => n,Hangup()`, "phone_hangs_up.xml")
		if code, out := sipp(t, trunkIP, sw.sipAddr, "trunk_call_remote_bye.xml", "-s", "0522000000"); code != 0 {
			t.Fatalf("trunk: sipp exit %d:\n%s", code, out)
		}
		if res := <-phoneDone; !strings.HasPrefix(res, "exit 0") {
			t.Fatalf("phone: %s", res)
		}
		waitLog(t, sw, "continued after the callee hung up, DIALSTATUS=ANSWER")
		if strings.Contains(sw.logs.String(), "not here") {
			t.Fatal("F() did not jump")
		}
	})
}

// TestSIPStrayRequests: a BYE for no dialog gets 481; an INVITE with
// Max-Forwards 0 gets 483.
func TestSIPStrayRequests(t *testing.T) {
	ip := loopbackIP(t, 90)
	sw := startSwitch(t, ip, sipTestConfig)
	if code, out := sipp(t, ip, sw.sipAddr, "stray_requests.xml"); code != 0 {
		t.Fatalf("sipp exit %d:\n%s", code, out)
	}
}

// pjsipConf is phoneTrunkConf in pjsip.conf terms: a transport, phone 1001
// with its auth and aor, and a provider matched by identify.
const pjsipConf = `[udp]
type=transport
protocol=udp
bind={{IP}}:0

[1001]
type=endpoint
context=phones
disallow=all
allow=ulaw
auth=1001-auth
aors=1001

[1001-auth]
type=auth
auth_type=userpass
username=1001
password=s3cret-1001

[1001]
type=aor
max_contacts=1

[provider]
type=endpoint
context=from-pstn
disallow=all
allow=alaw,ulaw
aors=provider

[provider]
type=aor
contact=sip:{{TRUNK}}:5060

[provider-identify]
type=identify
endpoint=provider
match={{TRUNK}}
`

// TestPJSIPTrunkCallDialsRegisteredPhone is the trunk-to-phone call with a
// pjsip.conf: digest from the auth section, the trunk found by identify,
// Dial(PJSIP/1001).
func TestPJSIPTrunkCallDialsRegisteredPhone(t *testing.T) {
	ip, trunkIP, phoneIP := loopbackIP(t, 95), loopbackIP(t, 96), loopbackIP(t, 97)
	sw := startSwitch(t, ip, map[string]string{
		"pjsip.conf":      strings.ReplaceAll(pjsipConf, "{{TRUNK}}", trunkIP),
		"extensions.conf": "[from-pstn]\nexten => _X.,1,Dial(PJSIP/1001,10)\n same => n,Hangup()\n[phones]\n",
	})
	phonePort := freeUDPPort(t, phoneIP)
	phoneDone := sippBackground(t, phoneIP, sw.sipAddr, "phone_answer.xml", phonePort)
	registerPhone(t, phoneIP, sw, phonePort)
	if code, out := sipp(t, trunkIP, sw.sipAddr, "trunk_call.xml", "-s", "0522000000"); code != 0 {
		t.Fatalf("trunk: sipp exit %d:\n%s", code, out)
	}
	if res := <-phoneDone; !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("phone: %s", res)
	}
	waitLog(t, sw, "Dial: bridged")
}

// TestSIPPhoneCallsOutThroughTrunk: a registered phone dials a number; the
// switch authenticates the INVITE, the dialplan dials the provider trunk,
// answers the provider's 401 with the trunk's credentials, and bridges.
func TestSIPPhoneCallsOutThroughTrunk(t *testing.T) {
	ip, provIP, phoneIP := loopbackIP(t, 100), loopbackIP(t, 101), loopbackIP(t, 102)
	provPort := freeUDPPort(t, provIP)
	provDone := sippBackground(t, provIP, "", "provider_answer.xml", provPort)
	time.Sleep(300 * time.Millisecond)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf": `[general]
bindaddr={{IP}}
bindport=0

[1001]
type=friend
host=dynamic
secret=s3cret-1001
context=phones

[pstn]
type=peer
host=` + provIP + `
port=` + provPort + `
defaultuser=0312345
secret=trunk-pw
context=from-pstn
insecure=port,invite
`,
		"extensions.conf": "[phones]\nexten => _0X.,1,Dial(SIP/pstn/${EXTEN},10)\n same => n,Hangup()\n[from-pstn]\n",
	})
	if code, out := sipp(t, phoneIP, sw.sipAddr, "phone_call.xml", "-s", "0655443322", "-key", "user", "1001", "-au", "1001", "-ap", "s3cret-1001"); code != 0 {
		t.Fatalf("phone: sipp exit %d:\n%s", code, out)
	}
	if res := <-provDone; !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("provider: %s", res)
	}
	waitLog(t, sw, "Dial: bridged")
}

// TestSIPRTPBothWays: during a trunk call bridged to a phone, a 1 kHz tone
// sent by the trunk reaches the phone and a 440 Hz tone sent by the phone
// reaches the trunk, through the switch's media relay (directmedia=no).
func TestSIPRTPBothWays(t *testing.T) {
	t.Run("same codec", func(t *testing.T) { testRTPBothWays(t, 110, "8 0 101", 0) })
	// The A-law-only trunk with a µ-law-only phone (transcoded relay) is
	// TestSIPTranscodedRTPBothWays in sip_media_test.go.
}

func testRTPBothWays(t *testing.T, n int, trunkOffer string, trunkPT uint8) {
	ip, trunkIP, phoneIP := loopbackIP(t, n), loopbackIP(t, n+1), loopbackIP(t, n+2)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf":        strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", trunkIP),
		"extensions.conf": "[from-pstn]\nexten => _X.,1,Dial(SIP/1001,10)\n same => n,Hangup()\n[phones]\n",
	})
	trunkMedia, phoneMedia := listenUDP(t, trunkIP), listenUDP(t, phoneIP)
	dir := t.TempDir()
	trunkPortFile, phonePortFile := filepath.Join(dir, "trunk-leg"), filepath.Join(dir, "phone-leg")
	// The scenarios advertise the test's sockets as their media and write
	// the switch's RTP port of their leg (from its SDP) to a file.
	capture := func(recvTag, file string) string {
		return recvTag[:len(recvTag)-2] + `><action>` +
			`<ereg regexp="m=audio ([0-9]+)" search_in="body" check_it="true" assign_to="m,rtpport"/>` +
			`<exec command="echo [$rtpport] > ` + file + `"/></action></recv><Reference variables="m"/>`
	}
	phoneScenario := writeScenario(t, "phone_answer.xml", map[string]string{
		"c=IN IP[media_ip_type] [media_ip]": "c=IN IP4 " + phoneIP,
		"m=audio [media_port]":              "m=audio " + portOf(phoneMedia),
	})
	phoneScenario = rewrite(t, phoneScenario, `  <recv request="INVITE">
    <action>`, `  <recv request="INVITE">
    <action>
      <ereg regexp="m=audio ([0-9]+)" search_in="body" check_it="true" assign_to="pm,prtp"/>
      <exec command="echo [$prtp] > `+phonePortFile+`"/>`)
	phoneScenario = rewrite(t, phoneScenario, `<Reference variables="caller,hops"/>`, `<Reference variables="caller,hops,pm"/>`)
	trunkScenario := writeScenario(t, "trunk_call.xml", map[string]string{
		"c=IN IP[media_ip_type] [media_ip]":    "c=IN IP4 " + trunkIP,
		"m=audio [media_port] RTP/AVP 8 0 101": "m=audio " + portOf(trunkMedia) + " RTP/AVP " + trunkOffer,
		`<recv response="200" rtd="true"/>`:    capture(`<recv response="200" rtd="true"/>`, trunkPortFile),
	})

	phonePort := freeUDPPort(t, phoneIP)
	phoneDone := sippBackground(t, phoneIP, sw.sipAddr, phoneScenario, phonePort)
	registerPhone(t, phoneIP, sw, phonePort)
	atPhone, atTrunk := make(chan []int16, 1), make(chan []int16, 1)
	go func() { atPhone <- collectRTP(phoneMedia, 4*time.Second) }()
	go func() { atTrunk <- collectRTP(trunkMedia, 4*time.Second) }()
	go playToneAs(t, trunkMedia, ip, trunkPortFile, 1000, 900*time.Millisecond, trunkPT)
	go playTone(t, phoneMedia, ip, phonePortFile, 440, 900*time.Millisecond)
	if code, out := sipp(t, trunkIP, sw.sipAddr, trunkScenario, "-s", "0522000000"); code != 0 {
		t.Fatalf("trunk: sipp exit %d:\n%s", code, out)
	}
	if res := <-phoneDone; !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("phone: %s", res)
	}
	for _, c := range []struct {
		name           string
		pcm            []int16
		want, unwanted float64
	}{
		{"phone hears the trunk", <-atPhone, 1000, 440},
		{"trunk hears the phone", <-atTrunk, 440, 1000},
	} {
		p, q := goertzel(c.pcm, c.want), goertzel(c.pcm, c.unwanted)
		t.Logf("%s: %d samples, power %.0f Hz / %.0f Hz = %.0f", c.name, len(c.pcm), c.want, c.unwanted, p/max(q, 1))
		if len(c.pcm) < 2000 || p < 20*q {
			t.Errorf("%s: %d samples, power at %.0f Hz %.3g, at %.0f Hz %.3g", c.name, len(c.pcm), c.want, p, c.unwanted, q)
		}
	}
}

func listenUDP(t *testing.T, ip string) net.PacketConn {
	t.Helper()
	c, err := net.ListenPacket("udp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func portOf(c net.PacketConn) string {
	_, p, _ := net.SplitHostPort(c.LocalAddr().String())
	return p
}

// rewrite replaces old by new in the scenario file at path.
func rewrite(t *testing.T, path, old, new string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s lacks %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// sippBackground runs a sipp UAS scenario on ip:port in the background and
// returns a channel that gets "exit N" and sipp's output when it ends.
func sippBackground(t *testing.T, ip, addr, scenario, port string) <-chan string {
	t.Helper()
	done := make(chan string, 1)
	go func() {
		code, out := sipp(t, ip, addr, scenario, "-p", port)
		done <- fmt.Sprintf("exit %d\n%s", code, out)
	}()
	return done
}

// registerPhone registers 1001 (secret s3cret-1001) with the contact
// ip:port, where a sipp phone waits.
func registerPhone(t *testing.T, ip string, sw *runningSwitch, port string) {
	t.Helper()
	if code, out := sipp(t, ip, sw.sipAddr, "register.xml", "-s", "1001", "-au", "1001", "-ap", "s3cret-1001", "-key", "contact_port", port); code != 0 {
		t.Fatalf("register: sipp exit %d:\n%s", code, out)
	}
}
