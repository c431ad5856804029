package main

import (
	"encoding/binary"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zaf/g711"
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
// goes on in the dialplan at the extension, in the phone's context, with
// BLINDTRANSFER the transferer's channel name (as Asterisk sets it).
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
	waitLog(t, mc.sw, "transferred caller 0612345678 reached 200 BLINDTRANSFER=SIP/1001-")
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

// TestSIPInbandDTMF: a trunk with dtmfmode=inband sends its keys as tones
// in the audio; the switch's Goertzel detector finds the 7 (852 + 1209 Hz)
// while WaitExten waits, and the dialplan's extension 7 rings the phone:
// the far side proves the digit was heard.
func TestSIPInbandDTMF(t *testing.T) {
	ip, trunkIP, phoneIP := loopbackIP(t, 161), loopbackIP(t, 162), loopbackIP(t, 163)
	conf := strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", trunkIP)
	conf = strings.Replace(conf, "insecure=port,invite\n", "insecure=port,invite\ndtmfmode=inband\n", 1)
	sw := startSwitch(t, ip, map[string]string{"sip.conf": conf, "extensions.conf": `[from-pstn]
exten => _X.,1,Goto(menu,s,1)
[menu]
exten => s,1,Answer()
 same => n,WaitExten(6)
exten => 7,1,Verbose(1,in-band 7 heard)
 same => n,Dial(SIP/1001,10)
[phones]
`})
	trunkMedia, phoneSock := listenUDP(t, trunkIP), listenUDP(t, phoneIP)
	phone := startPhone(t, sw, phoneIP, phoneOpts{sipPort: freeUDPPort(t, phoneIP), mediaPort: portOf(phoneSock), register: "after"})
	portFile := filepath.Join(t.TempDir(), "trunk-rtp-port")
	scenario := writeScenario(t, "trunk_media.xml", map[string]string{
		"c=IN IP[media_ip_type] [media_ip]": "c=IN IP4 " + trunkIP,
		"m=audio [media_port]":              "m=audio " + portOf(trunkMedia),
		"> trunk-rtp-port":                  "> " + portFile,
	})
	trunk := trunkCall(t, sw, trunkIP, scenario)
	port, pt := waitPortFile(portFile, 10*time.Second)
	if port == "" {
		_, f := trunk.wait(10 * time.Second)
		t.Fatalf("no answer to the trunk:\n%s", f)
	}
	o := newRTPOut(trunkMedia, ip, port, g711PT(pt), 0x1b)
	o.tone(1000, 200*time.Millisecond) // strict RTP learns the trunk
	o.dualTone(852, 1209, 120*time.Millisecond)
	o.tone(0, 300*time.Millisecond)
	waitLog(t, sw, "in-band 7 heard")
	phoneMustPass(t, phone)
}

// dualTone sends d of two sines (a DTMF key), each at about -10 dBm0.
func (o *rtpOut) dualTone(f1, f2 float64, d time.Duration) {
	for i := 0; i < int(d/(20*time.Millisecond)); i++ {
		payload := make([]byte, 160)
		for j := range payload {
			x := float64(o.n) / 8000
			v := int16(5000*math.Sin(2*math.Pi*f1*x) + 5000*math.Sin(2*math.Pi*f2*x))
			if o.p.PayloadType == 8 {
				payload[j] = g711.EncodeAlawFrame(v)
			} else {
				payload[j] = g711.EncodeUlawFrame(v)
			}
			o.n++
		}
		o.send(o.p.PayloadType, false, payload)
		o.p.Timestamp += 160
		time.Sleep(20 * time.Millisecond)
	}
}
