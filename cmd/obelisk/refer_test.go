package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// referConf is a switch with phones 1001, 1002 and 1003 and a provider
// trunk at {{TRUNK}}.
const referConf = `[general]
bindaddr={{IP}}
bindport=0
realm=obelisk-test

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

[1003](phone)
secret=s3cret-1003

[pstn]
type=peer
host={{TRUNK}}
context=from-pstn
insecure=port,invite
disallow=all
allow=alaw,ulaw
`

// referDialplan: the trunk's calls ring 1001 (Dial, or the queue support
// whose member 1001 is); the phones reach each other by extension.
const referDialplan = `[from-pstn]
exten => 0522000000,1,Dial(SIP/1001,10)
 same => n,Verbose(1,after Dial DIALSTATUS=${DIALSTATUS})
 same => n,Hangup()
exten => 0522000001,1,Queue(support,t,,,10)
 same => n,Verbose(1,after Queue QUEUESTATUS=${QUEUESTATUS})
 same => n,Hangup()
[phones]
exten => 1002,1,Verbose(1,transferred ${CALLERID(num)} to 1002 BLINDTRANSFER=${BLINDTRANSFER})
 same => n,Dial(SIP/1002,10)
exten => 1003,1,Dial(SIP/1003,10)
exten => 1004,1,Verbose(1,${CALLERID(num)}'s call reached 1004 BLINDTRANSFER=${BLINDTRANSFER})
 same => n,Dial(SIP/1003,10)
exten => 500,1,Answer()
 same => n,Wait(6)
`

// referSwitch starts the switch of the REFER tests: it on .230, the
// trunk's address .231, the phones' .232.
func referSwitch(t *testing.T) (sw *runningSwitch, trunkIP, phoneIP string) {
	t.Helper()
	return referSwitchConf(t, referConf)
}

// referSwitchConf is referSwitch with another sip.conf.
func referSwitchConf(t *testing.T, conf string) (sw *runningSwitch, trunkIP, phoneIP string) {
	t.Helper()
	ip, trunkIP, phoneIP := loopbackIP(t, 230), loopbackIP(t, 231), loopbackIP(t, 232)
	sw = startSwitch(t, ip, map[string]string{
		"sip.conf":        strings.ReplaceAll(conf, "{{TRUNK}}", trunkIP),
		"extensions.conf": referDialplan,
		"queues.conf":     "[support]\nstrategy=ringall\ntimeout=5\nretry=1\njoinempty=yes\nmember => SIP/1001\n",
	})
	return sw, trunkIP, phoneIP
}

// referPhone registers ext from a port of its own on ip and runs the
// scenario there with args.
func referPhone(t *testing.T, sw *runningSwitch, ip, ext, scenario string, args ...string) *sippRun {
	t.Helper()
	port := freeUDPPort(t, ip)
	registerFrom(t, sw, ip, port, ext, "s3cret-"+ext)
	r := startSipp(t, "phone "+ext, ip, "", scenario, append([]string{"-p", port}, args...)...)
	time.Sleep(200 * time.Millisecond) // let it bind its port
	return r
}

// longTrunkCall is trunk_call.xml holding the call 4 s before its BYE.
func longTrunkCall(t *testing.T, sw *runningSwitch, trunkIP, did string) *sippRun {
	t.Helper()
	scenario := writeScenario(t, "trunk_call.xml", map[string]string{`<pause milliseconds="1000"/>`: `<pause milliseconds="4000"/>`})
	return startSipp(t, "trunk", trunkIP, sw.sipAddr, scenario, "-s", did)
}

// checkReferNotifies: the phone got 202 to its REFER (CSeq cseq), then one
// NOTIFY per wanted sipfrag status line, in order, each of Event
// refer;id=<cseq> and message/sipfrag (RFC 3515 §2.4.4, §2.4.5), active
// until the last, which terminates the subscription.
func checkReferNotifies(t *testing.T, phone *sippRun, cseq int, want ...string) {
	t.Helper()
	msgs := phone.messages()
	if res := finalResponse(msgs, cseq, "REFER"); res == nil || res.status() != 202 {
		t.Errorf("want 202 Accepted to the REFER;\n%s", ladder(msgs))
	}
	notifies := received(msgs, "NOTIFY ")
	var got []string
	for _, n := range notifies {
		got = append(got, strings.TrimSpace(strings.SplitN(n.body, "\n", 2)[0]))
	}
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Fatalf("NOTIFY sipfrags = %q, want %q;\n%s", got, want, ladder(msgs))
	}
	for i, n := range notifies {
		if ev, _ := n.get("Event"); ev != "refer;id="+strconv.Itoa(cseq) {
			t.Errorf("NOTIFY %d: Event %q, want refer;id=%d", i, ev, cseq)
		}
		if ct, _ := n.get("Content-Type"); ct != "message/sipfrag;version=2.0" {
			t.Errorf("NOTIFY %d: Content-Type %q", i, ct)
		}
		st, _ := n.get("Subscription-State")
		if last := i == len(notifies)-1; last != strings.HasPrefix(st, "terminated") {
			t.Errorf("NOTIFY %d of %d: Subscription-State %q", i+1, len(notifies), st)
		}
	}
}

// byesFromSwitch counts the BYEs the switch sent to a phone.
func byesFromSwitch(r *sippRun) int { return len(received(r.messages(), "BYE ")) }

// testBlindREFER: the trunk's call reaches 1001 through did (Dial or
// Queue); 1001 sends REFER to 1002. The caller (the transferee) goes on at
// 1002 in 1001's context and rings phone 1002 with its own caller ID;
// 1001 gets 202, NOTIFY 100 Trying then 200 OK, and the switch's BYE.
func testBlindREFER(t *testing.T, did, app string) {
	sw, trunkIP, phoneIP := referSwitch(t)
	target := referPhone(t, sw, phoneIP, "1002", writeScenario(t, "phone_answer.xml", map[string]string{"^ *69$": "^ *6[89]$"}))
	transferer := referPhone(t, sw, phoneIP, "1001", "refer_blind.xml", "-key", "refer_to", "1002")
	trunk := longTrunkCall(t, sw, trunkIP, did)
	transferer.mustPass(t, "1001 to answer, REFER, get 202, two NOTIFYs and the switch's BYE")
	waitLog(t, sw, "transferred 0612345678 to 1002 BLINDTRANSFER=SIP/1001")
	target.mustPass(t, "1002 to be called by the transferred caller 0612345678 and get the BYE when it hangs up")
	trunk.mustPass(t, "the trunk's call to stay up through the transfer")
	checkReferNotifies(t, transferer, 101, "SIP/2.0 100 Trying", "SIP/2.0 200 OK")
	if n := byesFromSwitch(transferer); n != 1 {
		t.Errorf("the transferer got %d BYE(s) from the switch, want 1 after the final NOTIFY", n)
	}
	if logs := sw.logs.String(); strings.Contains(logs, "after "+app) {
		t.Errorf("the caller went on after %s instead of at the transfer target", app)
	}
}

// TestREFERBlindInDial: a blind REFER by the called phone of Dial.
func TestREFERBlindInDial(t *testing.T) { testBlindREFER(t, "0522000000", "Dial") }

// TestREFERBlindInQueue: a blind REFER by the queue member who answered.
func TestREFERBlindInQueue(t *testing.T) { testBlindREFER(t, "0522000001", "Queue") }

// TestREFERBlindByCaller: the calling phone 1001 blind-transfers the
// phone it called (1002) to 1004: 1002 goes on in the dialplan at 1004 on
// a channel of its own, with BLINDTRANSFER naming 1001's channel, whose
// Dial rings 1003 (a transferee's channel dials like any other); 1001
// gets NOTIFY 100 then 200 and the switch's BYE, 1002 stays up until 1003
// answers and hangs up.
func TestREFERBlindByCaller(t *testing.T) {
	sw, _, phoneIP := referSwitch(t)
	target := referPhone(t, sw, phoneIP, "1003", writeScenario(t, "phone_hangs_up.xml", map[string]string{"0612345678": "1001"}))
	transferee := referPhone(t, sw, phoneIP, "1002", writeScenario(t, "phone_answer.xml", map[string]string{"^ *69$": "^ *6[789]$", "0612345678": "1001"}))
	blind := writeScenario(t, "refer_attended.xml", map[string]string{"?Replaces=[field0]%3Bto-tag%3D[field1]%3Bfrom-tag%3D[field2]": ""})
	transferer := startSipp(t, "1001 transferer", phoneIP, sw.sipAddr, blind,
		"-s", "1002", "-key", "user", "1001", "-au", "1001", "-ap", "s3cret-1001", "-key", "refer_to", "1004")
	transferer.mustPass(t, "1001 to get 202, two NOTIFYs and the switch's BYE")
	checkReferNotifies(t, transferer, 3, "SIP/2.0 100 Trying", "SIP/2.0 200 OK")
	if n := byesFromSwitch(transferer); n != 1 {
		t.Errorf("the transferer got %d BYE(s) from the switch, want 1 after the final NOTIFY", n)
	}
	waitLog(t, sw, "1001's call reached 1004 BLINDTRANSFER=SIP/1001-")
	if n := byesFromSwitch(transferee); n != 0 {
		t.Errorf("the transferee 1002 was hung up at the transfer")
	}
	target.mustPass(t, "1003 to be called by 1002's transferred channel, answer and hang up")
	transferee.mustPass(t, "1002 to be hung up when its transferred channel's dialplan ends")
}

// TestREFERNotAllowed: an endpoint with allowtransfer=no gets 603 to its
// REFER, as chan_sip's TRANSFER_CLOSED, with no NOTIFY; the call goes on
// until the phone hangs up.
func TestREFERNotAllowed(t *testing.T) {
	sw, trunkIP, phoneIP := referSwitchConf(t, strings.Replace(referConf, "[1001](phone)\n", "[1001](phone)\nallowtransfer=no\n", 1))
	refused := writeScenario(t, "refer_blind.xml", map[string]string{`<recv response="202"/>`: `<recv response="603" next="selfbye"/>`})
	transferer := referPhone(t, sw, phoneIP, "1001", refused, "-key", "refer_to", "1002")
	trunk := startSipp(t, "trunk", trunkIP, sw.sipAddr, "trunk_call_remote_bye.xml", "-s", "0522000000")
	transferer.mustPass(t, "1001's REFER to get 603, its BYE later 200")
	trunk.mustPass(t, "the caller to stay connected until 1001 hangs up")
	if n := len(received(transferer.messages(), "NOTIFY ")); n != 0 {
		t.Errorf("a refused REFER got %d NOTIFY", n)
	}
	waitLog(t, sw, "REFER declined: transfers are not allowed for the endpoint")
}

// TestREFERNoSubscription: with Refer-Sub: false (RFC 4488) the blind
// transfer is done without any NOTIFY; the REFER's own final response is
// its outcome (200 OK with Refer-Sub: false, as res_pjsip_refer answers),
// and the switch then hangs the transferer up.
func TestREFERNoSubscription(t *testing.T) {
	sw, trunkIP, phoneIP := referSwitch(t)
	target := referPhone(t, sw, phoneIP, "1002", writeScenario(t, "phone_answer.xml", map[string]string{"^ *69$": "^ *6[89]$"}))
	b, err := os.ReadFile(filepath.Join(testdataDir(t), "sipp", "refer_blind.xml"))
	if err != nil {
		t.Fatal(err)
	}
	sc := string(b)
	i, j := strings.Index(sc, `<recv response="202"/>`), strings.Index(sc, `<recv request="BYE" timeout=`)
	sc = sc[:i] + "<recv response=\"200\"/>\n  " + sc[j:]
	sc = strings.Replace(sc, "      Content-Length: 0\n\n    ]]>\n  </send>\n  <recv response=\"200\"/>",
		"      Refer-Sub: false\n      Content-Length: 0\n\n    ]]>\n  </send>\n  <recv response=\"200\"/>", 1)
	if !strings.Contains(sc, "Refer-Sub: false") {
		t.Fatal("the scenario's REFER did not get its Refer-Sub header")
	}
	path := filepath.Join(t.TempDir(), "refer_nosub.xml")
	if err := os.WriteFile(path, []byte(sc), 0o600); err != nil {
		t.Fatal(err)
	}
	transferer := referPhone(t, sw, phoneIP, "1001", path, "-key", "refer_to", "1002")
	trunk := longTrunkCall(t, sw, trunkIP, "0522000000")
	transferer.mustPass(t, "1001's REFER (Refer-Sub: false) to get 200 and then the switch's BYE")
	target.mustPass(t, "1002 to be called by the transferred caller")
	trunk.mustPass(t, "the trunk's call to stay up through the transfer")
	msgs := transferer.messages()
	res := finalResponse(msgs, 101, "REFER")
	if v, _ := res.get("Refer-Sub"); res.status() != 200 || v != "false" {
		t.Errorf("REFER answered %d with Refer-Sub %q, want 200 and false;\n%s", res.status(), v, ladder(msgs))
	}
	if n := len(received(msgs, "NOTIFY ")); n != 0 {
		t.Errorf("%d NOTIFY sent without a subscription", n)
	}
}

// TestREFERNotBridged: a REFER from a phone talking to the dialplan (no
// bridge: Answer and Wait) is declined with 603, as chan_sip refuses the
// transfer of a channel that is not bridged; the call goes on.
func TestREFERNotBridged(t *testing.T) {
	sw, _, phoneIP := referSwitch(t)
	sc := writeScenario(t, "refer_attended.xml", map[string]string{
		"?Replaces=[field0]%3Bto-tag%3D[field1]%3Bfrom-tag%3D[field2]": "",
		`<recv response="202"/>`: `<recv response="603" next="selfbye"/>`,
	})
	transferer := startSipp(t, "1001 transferer", phoneIP, sw.sipAddr, sc,
		"-s", "500", "-key", "user", "1001", "-au", "1001", "-ap", "s3cret-1001", "-key", "refer_to", "1002")
	transferer.mustPass(t, "1001's REFER to get 603 and its BYE 200")
	waitLog(t, sw, "REFER declined: the channel is not bridged")
}

// TestREFERBlindNoSuchExtension: a REFER to an extension that does not
// exist in the transferer's context is accepted, then reported failed
// (NOTIFY 404, as Asterisk sends it) and the call stays up: no BYE comes,
// and the phone's own BYE later is answered 200 in its dialog; the
// caller, whose called party hung up, is hung up then (Dial without g).
func TestREFERBlindNoSuchExtension(t *testing.T) {
	sw, trunkIP, phoneIP := referSwitch(t)
	transferer := referPhone(t, sw, phoneIP, "1001", "refer_blind.xml", "-key", "refer_to", "1999")
	trunk := startSipp(t, "trunk", trunkIP, sw.sipAddr, "trunk_call_remote_bye.xml", "-s", "0522000000")
	transferer.mustPass(t, "1001 to REFER, get 202 and two NOTIFYs, then hang up itself")
	trunk.mustPass(t, "the caller to stay connected until 1001 hangs up")
	checkReferNotifies(t, transferer, 101, "SIP/2.0 100 Trying", "SIP/2.0 404 Not Found")
	if n := byesFromSwitch(transferer); n != 0 {
		t.Errorf("a failed transfer hung the transferer up (%d BYE)", n)
	}
	if res := finalResponse(transferer.messages(), 102, "BYE"); res == nil || res.status() != 200 {
		t.Errorf("the transferer's BYE after the failed transfer: %v, want 200 (the dialog still up)", res)
	}
	waitLog(t, sw, "REFER: blind transfer to an extension that does not exist")
}

// TestREFERAttended: 1001 talks to 1003 (consultation), calls 1002 and
// sends REFER on the 1001–1002 dialog with Refer-To: 1003 and a Replaces
// naming its dialog with 1003 (RFC 5589 §7.2). The switch bridges 1002
// with 1003: a tone 1002 sends is heard by 1003 and the other way; 1001
// gets 202, NOTIFY 100 then 200, and BYEs on both its dialogs.
func TestREFERAttended(t *testing.T) {
	sw, _, phoneIP := referSwitch(t)
	ip := loopbackIP(t, 230)
	bSock, cSock := listenUDP(t, phoneIP), listenUDP(t, phoneIP)
	dir := t.TempDir()
	bPortFile, cPortFile := filepath.Join(dir, "b-port"), filepath.Join(dir, "c-port")
	phone := func(ext, portFile, port string) *sippRun {
		return referPhone(t, sw, phoneIP, ext, writeScenario(t, "phone_media.xml", map[string]string{
			"> phone-rtp-port":                   "> " + portFile,
			"c=IN IP[media_ip_type] [media_ip]":  "c=IN IP4 " + phoneIP,
			"m=audio [media_port] RTP/AVP 0 101": "m=audio " + port + " RTP/AVP 0 101",
		}))
	}
	b := phone("1002", bPortFile, portOf(bSock))
	c := phone("1003", cPortFile, portOf(cSock))
	tagFile := filepath.Join(dir, "consult-tag")
	consultPort := freeUDPPort(t, phoneIP)
	consult := startSipp(t, "1001 consultation", phoneIP, sw.sipAddr,
		writeScenario(t, "refer_consult.xml", map[string]string{"> consult-tag": "> " + tagFile}),
		"-p", consultPort, "-s", "1003", "-key", "user", "1001", "-au", "1001", "-ap", "s3cret-1001", "-cid_str", "atxfer-consult@obelisk-test")
	cPort, _ := waitPortFile(cPortFile, 10*time.Second)
	tag := waitTagFile(tagFile, 10*time.Second)
	if cPort == "" || tag == "" {
		_, f := consult.wait(time.Second)
		t.Fatalf("the consultation call to 1003 was not answered:\n%s", f)
	}
	inf := filepath.Join(dir, "replaces.csv")
	if err := os.WriteFile(inf, []byte("SEQUENTIAL\natxfer-consult%40obelisk-test;"+tag+";consult-a;\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	transfer := startSipp(t, "1001 transferer", phoneIP, sw.sipAddr, "refer_attended.xml",
		"-s", "1002", "-key", "user", "1001", "-au", "1001", "-ap", "s3cret-1001", "-key", "refer_to", "1003", "-inf", inf)
	bPort, _ := waitPortFile(bPortFile, 10*time.Second)
	if bPort == "" {
		_, f := transfer.wait(time.Second)
		t.Fatalf("1002 was not called:\n%s", f)
	}
	waitLog(t, sw, "REFER: attended transfer done")
	transfer.mustPass(t, "1001 to get 202, two NOTIFYs and the BYE of the transferred dialog")
	consult.mustPass(t, "1001's consultation dialog to be hung up by the switch")
	checkReferNotifies(t, transfer, 3, "SIP/2.0 100 Trying", "SIP/2.0 200 OK")

	// 1002 and 1003 are bridged: each hears the other's tone.
	atC := make(chan []rtpIn, 1)
	go func() { atC <- readRTP(cSock, 1500*time.Millisecond) }()
	newRTPOut(bSock, ip, bPort, 0, 0xb2).tone(700, time.Second)
	pcm, _ := audioOf(<-atC)
	checkTone(t, "1003 hearing 1002", pcm, 700, 1100)
	atB := make(chan []rtpIn, 1)
	go func() { atB <- readRTP(bSock, 1500*time.Millisecond) }()
	newRTPOut(cSock, ip, cPort, 0, 0xc3).tone(1100, time.Second)
	pcm, _ = audioOf(<-atB)
	checkTone(t, "1002 hearing 1003", pcm, 1100, 700)
	for _, p := range []*sippRun{b, c} {
		if n := byesFromSwitch(p); n != 0 {
			t.Errorf("%s was hung up by the transfer", p.name)
		}
	}
}

// TestREFERAttendedUnknownDialog: a REFER whose Replaces names a dialog
// the switch does not have is accepted, then reported failed (NOTIFY 481,
// as chan_sip's local_attended_transfer) and the call with 1002 stays up
// until 1001 hangs up itself.
func TestREFERAttendedUnknownDialog(t *testing.T) {
	sw, _, phoneIP := referSwitch(t)
	b := referPhone(t, sw, phoneIP, "1002", writeScenario(t, "phone_answer.xml", map[string]string{"^ *69$": "^ *6[89]$", "0612345678": "1001"}))
	inf := filepath.Join(t.TempDir(), "replaces.csv")
	if err := os.WriteFile(inf, []byte("SEQUENTIAL\nno-such-call%40elsewhere;x1;y2;\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	transfer := startSipp(t, "1001 transferer", phoneIP, sw.sipAddr, "refer_attended.xml",
		"-s", "1002", "-key", "user", "1001", "-au", "1001", "-ap", "s3cret-1001", "-key", "refer_to", "1003", "-inf", inf)
	transfer.mustPass(t, "1001 to get 202 and two NOTIFYs, then hang up itself")
	b.mustPass(t, "1002 to stay in the call until 1001 hangs up")
	checkReferNotifies(t, transfer, 3, "SIP/2.0 100 Trying", "SIP/2.0 481 Call/Transaction Does Not Exist")
	if n := byesFromSwitch(transfer); n != 0 {
		t.Errorf("a failed transfer hung the transferer up (%d BYE)", n)
	}
	if res := finalResponse(transfer.messages(), 4, "BYE"); res == nil || res.status() != 200 {
		t.Errorf("the transferer's BYE after the failed transfer: %v, want 200 (the dialog still up)", res)
	}
}

// waitTagFile waits up to d for path to hold a line and returns it.
func waitTagFile(path string, d time.Duration) string {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil {
			if s := strings.TrimSpace(string(b)); s != "" {
				return s
			}
		}
	}
	return ""
}
