package main

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

// sendDigits sends each digit as one RFC 4733 event on o's stream (first
// packet duration 0 as many gateways send it, growing durations, three
// end packets), 100 ms per digit with 60 ms between digits.
func (o *rtpOut) sendDigits(pt uint8, digits string) {
	codes := map[rune]byte{'*': 10, '#': 11}
	for _, d := range digits {
		code, ok := codes[d]
		if !ok {
			code = byte(d - '0')
		}
		for i := 0; i < 5; i++ {
			b := []byte{code, 10, 0, 0}
			binary.BigEndian.PutUint16(b[2:], uint16(i*160))
			o.send(pt, i == 0, b)
			time.Sleep(20 * time.Millisecond)
		}
		for i := 0; i < 3; i++ {
			b := []byte{code, 10 | 0x80, 0, 0}
			binary.BigEndian.PutUint16(b[2:], 800)
			o.send(pt, false, b)
		}
		o.p.Timestamp += 800 + 480
		time.Sleep(60 * time.Millisecond)
	}
}

// TestSIPBlindTransferByCallee: with Dial's t option the called phone
// dials the blind-transfer code of features.conf (#1) and an extension;
// the code's digits do not reach the caller (they are held back for the
// feature, as Asterisk's bridge does), the phone is hung up and the caller
// goes on in the dialplan at the extension, in the phone's context.
func TestSIPBlindTransferByCallee(t *testing.T) {
	mc := startMediaCall(t, 155, mediaOpts{files: map[string]string{
		"extensions.conf": `[from-pstn]
exten => _X.,1,Dial(SIP/1001,10,t)
 same => n,Verbose(1,no transfer DIALSTATUS=${DIALSTATUS})
 same => n,Hangup()
[phones]
exten => 200,1,Verbose(1,transferred caller ${CALLERID(num)} reached 200 BLINDTRANSFER=${BLINDTRANSFER})
 same => n,Wait(5)
`,
		"features.conf": "[featuremap]\nblindxfer => #1\n",
	}})
	atTrunk := make(chan []rtpIn, 1)
	go func() { atTrunk <- readRTP(mc.trunkMedia, 2500*time.Millisecond) }()
	go newRTPOut(mc.trunkMedia, mc.ip, mc.trunkPort, g711PT(mc.trunkPT), 0x7a11).tone(1000, 1500*time.Millisecond)
	phone := newRTPOut(mc.phoneSock, mc.ip, mc.phonePort, 0, 0xb0b)
	phone.tone(440, 200*time.Millisecond) // the switch learns the phone's source
	phone.sendDigits(101, "#1200")
	waitLog(t, mc.sw, "transferred caller 0612345678 reached 200 BLINDTRANSFER=sip:1001@")
	got := <-atTrunk
	if evs := teEvents(got); len(evs) > 0 {
		t.Errorf("the caller heard %d telephone-events of the feature code: %v", len(evs), evs)
	}
	mc.end(t)
	if strings.Contains(mc.sw.logs.String(), "no transfer DIALSTATUS") {
		t.Error("the caller went on after Dial instead of at the transfer target")
	}
}

// TestSIPDTMFToInfoPhone: a phone with dtmfmode=info is offered no
// telephone-event (as chan_sip offers none), and the digit the trunk sends
// as RFC 4733 reaches it as SIP INFO (application/dtmf-relay Signal=5).
func TestSIPDTMFToInfoPhone(t *testing.T) {
	mc := startMediaCall(t, 158, mediaOpts{
		phoneConf:   "dtmfmode=info",
		phoneAnswer: "m=audio PORT RTP/AVP 0\na=rtpmap:0 PCMU/8000",
		phoneBeforeBye: `<recv request="INFO">
    <action>
      <ereg regexp="Signal=5" search_in="body" check_it="true" assign_to="sig"/>
    </action>
  </recv>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
  <Reference variables="sig"/>`,
	})
	trunk := newRTPOut(mc.trunkMedia, mc.ip, mc.trunkPort, g711PT(mc.trunkPT), 0x7a11)
	trunk.tone(1000, 200*time.Millisecond)
	trunk.sendDigits(101, "5")
	mc.end(t)
	for _, m := range received(mc.phone.run.messages(), "INVITE") {
		if strings.Contains(m.body, "telephone-event") {
			t.Errorf("the INVITE to a dtmfmode=info phone offers telephone-event:\n%s", m.body)
		}
	}
}
