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

// mwiPhoneScenario is phone 1001 waiting for the unsolicited NOTIFY of
// MWI (RFC 3842): Event message-summary, Messages-Waiting: yes.
const mwiPhoneScenario = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="phone gets MWI">
  <recv request="NOTIFY">
    <action>
      <ereg regexp="message-summary" search_in="hdr" header="Event:" check_it="true" assign_to="ev"/>
      <ereg regexp="Messages-Waiting: yes" search_in="body" check_it="true" assign_to="mw"/>
      <ereg regexp="Voice-Message: 1/0" search_in="body" check_it="true" assign_to="vm"/>
    </action>
  </recv>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
  <Reference variables="ev,mw,vm"/>
</scenario>
`

// TestVoiceMailLeft: a trunk call reaches VoiceMail(1001@default,s); after
// the beep the caller speaks (a tone) and goes silent, the recording ends
// on voicemail.conf's maxsilence, VMSTATUS=SUCCESS, the message is stored
// in Asterisk's layout (INBOX/msg0000.wav and msg0000.txt with the
// caller's number), and phone 1001 (mailbox=1001@default) gets the MWI
// NOTIFY.
func TestVoiceMailLeft(t *testing.T) {
	sw, ip, trunkIP, phoneIP := mediaSwitchWith(t, 120, "", "mailbox=1001@default", map[string]string{
		"voicemail.conf": "[general]\nmaxsilence=2\nminsecs=1\nmaxsecs=20\n[default]\n1001 => 4242,Agent One\n",
		"extensions.conf": `[from-pstn]
exten => _X.,1,VoiceMail(1001@default,s)
 same => n,Verbose(1,after voicemail VMSTATUS=${VMSTATUS})
 same => n,Wait(20)
[phones]
`,
	})
	scenarioPath := filepath.Join(t.TempDir(), "mwi.xml")
	if err := os.WriteFile(scenarioPath, []byte(mwiPhoneScenario), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freeUDPPort(t, phoneIP)
	phoneDone := sippBackground(t, phoneIP, "", scenarioPath, port)
	registerPhone(t, phoneIP, sw, port)

	trunk, o, _ := trunkMediaCall(t, sw, ip, trunkIP, 9*time.Second, 0x5ea)
	o.tone(0, 1*time.Second) // the beep plays meanwhile
	o.tone(1000, 1500*time.Millisecond)
	o.tone(0, 3*time.Second)
	waitLog(t, sw, "after voicemail VMSTATUS=SUCCESS")
	inbox := filepath.Join(sw.data, "voicemail", "default", "1001", "INBOX")
	txt, err := os.ReadFile(filepath.Join(inbox, "msg0000.txt"))
	if err != nil {
		entries, _ := os.ReadDir(inbox)
		t.Fatalf("no message metadata (%v); INBOX holds %v", err, entries)
	}
	for _, want := range []string{"[message]", "origmailbox=1001", "callerid=", "0612345678", "duration="} {
		if !strings.Contains(string(txt), want) {
			t.Errorf("msg0000.txt lacks %q:\n%s", want, txt)
		}
	}
	if st, err := os.Stat(filepath.Join(inbox, "msg0000.wav")); err != nil || st.Size() < 8000 {
		t.Errorf("msg0000.wav: %v (size %v)", err, st)
	}
	if res := <-phoneDone; !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("phone did not get the MWI NOTIFY: %s", res)
	}
	_, _ = trunk.wait(15 * time.Second)
}

// TestVoiceMailMainRetrieves: a message is in 1001's INBOX; a caller
// reaches VoiceMailMain(1001@default), enters the password 4242# and
// presses 1 to hear it; when the caller hangs up the heard message has
// moved to Old, as app_voicemail's close_mailbox moves it.
func TestVoiceMailMainRetrieves(t *testing.T) {
	sw, ip, trunkIP, _ := mediaSwitchWith(t, 123, "", "mailbox=1001@default", map[string]string{
		"voicemail.conf": "[general]\nmaxsilence=2\nminsecs=1\nmaxsecs=20\n[default]\n1001 => 4242,Agent One\n",
		"extensions.conf": `[from-pstn]
exten => _X.,1,VoiceMailMain(1001@default)
 same => n,Hangup()
[phones]
`,
	})
	inbox := filepath.Join(sw.data, "voicemail", "default", "1001", "INBOX")
	if err := os.MkdirAll(inbox, 0o750); err != nil {
		t.Fatal(err)
	}
	// A message as Asterisk writes one: 2 s of 1 kHz in an 8 kHz WAV.
	wav := filepath.Join(t.TempDir(), "tone.wav")
	writeToneWAV(t, wav, 1000, 2*time.Second)
	b, err := os.ReadFile(wav)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(inbox, "msg0000.wav"), b, 0o640); err != nil {
		t.Fatal(err)
	}
	meta := "[message]\norigmailbox=1001\ncontext=from-pstn\nmacrocontext=\nexten=1001\nrdnis=unknown\npriority=1\ncallerchan=SIP/pstn-00000001\ncallerid=\"Customer\" <0612345678>\norigdate=Tue Dec  1 10:00:00 AM UTC 2026\norigtime=1796119200\ncategory=\nmsg_id=1796119200-00000000\nflag=\nduration=2\n"
	if err := os.WriteFile(filepath.Join(inbox, "msg0000.txt"), []byte(meta), 0o640); err != nil {
		t.Fatal(err)
	}
	trunk, o, trunkMedia := trunkMediaCall(t, sw, ip, trunkIP, 12*time.Second, 0x7e1)
	heard := make(chan []rtpIn, 1)
	go func() { heard <- readRTP(trunkMedia, 15*time.Second) }()
	o.tone(0, 2500*time.Millisecond) // vm-password
	o.sendDigits(101, "4242#")
	o.tone(0, 2*time.Second)
	o.sendDigits(101, "1") // read the new messages
	_, _ = trunk.wait(25 * time.Second)
	old := filepath.Join(sw.data, "voicemail", "default", "1001", "Old", "msg0000.txt")
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(old); err == nil {
			break
		}
	}
	if _, err := os.Stat(old); err != nil {
		t.Fatalf("the message heard was not moved to Old: %v\n%s", err, sw.logs.String())
	}
	pcm, _ := audioOf(<-heard)
	if p, q := goertzel(pcm, 1000), goertzel(pcm, 440); p < 20*q {
		t.Errorf("the caller did not hear the message's 1 kHz (power %.3g vs %.3g at 440 Hz)", p, q)
	}
}

// trunkMediaCall is a trunk call (trunk_media.xml, holding the call hold
// after the answer) whose media the test sends from a socket of trunkIP:
// it returns the run, the stream to the switch at ip (ssrc) and the socket.
func trunkMediaCall(t *testing.T, sw *runningSwitch, ip, trunkIP string, hold time.Duration, ssrc uint32) (*sippRun, *rtpOut, net.PacketConn) {
	t.Helper()
	trunkMedia := listenUDP(t, trunkIP)
	portFile := filepath.Join(t.TempDir(), "trunk-rtp-port")
	scenario := writeScenario(t, "trunk_media.xml", map[string]string{
		"c=IN IP[media_ip_type] [media_ip]": "c=IN IP4 " + trunkIP,
		"m=audio [media_port]":              "m=audio " + portOf(trunkMedia),
		"> trunk-rtp-port":                  "> " + portFile,
		`<pause milliseconds="3000"/>`:      fmt.Sprintf(`<pause milliseconds="%d"/>`, hold.Milliseconds()),
	})
	trunk := trunkCall(t, sw, trunkIP, scenario)
	rport, pt := waitPortFile(portFile, 10*time.Second)
	if rport == "" {
		_, f := trunk.wait(10 * time.Second)
		t.Fatalf("no answer to the trunk:\n%s", f)
	}
	return trunk, newRTPOut(trunkMedia, ip, rport, g711PT(pt), ssrc), trunkMedia
}
