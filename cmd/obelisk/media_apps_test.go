package main

// Integration tests of the media applications on the real switch: a sipp
// trunk calls in (its RTP on a Go socket, as in sip_media_test.go) and the
// dialplan records the call (MixMonitor, Record) or plays to it
// (MusicOnHold, PlayTones, Busy on an answered call). Each test has its
// own loopback addresses, from 170 to 199.

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/media"
)

// appCall is a trunk call into a dialplan of the test's, optionally
// bridged to the sipp phone 1001; the media of both are the test's
// sockets.
type appCall struct {
	*mediaCall
	sw *runningSwitch
}

// startAppCall starts a switch on loopbackIP n (trunk n+1, phone n+2)
// whose [from-pstn] is dialplan, places the trunk call (it lasts 3 s after
// the answer, then the trunk hangs up) and waits for the RTP ports of the
// legs: the trunk's, and the phone's when withPhone.
func startAppCall(t *testing.T, n int, dialplan string, withPhone bool) *appCall {
	t.Helper()
	return startAppCallRinging(t, n, dialplan, withPhone, 0)
}

// startAppCallRinging is startAppCall with the phone ringing for ring
// before it answers (0: phone_media.xml's 200 ms).
func startAppCallRinging(t *testing.T, n int, dialplan string, withPhone bool, ring time.Duration) *appCall {
	t.Helper()
	if n < 170 || n+2 > 199 {
		t.Fatalf("startAppCall(%d): the media application tests use addresses 170 to 199", n)
	}
	ip, trunkIP, phoneIP := loopbackIP(t, n), loopbackIP(t, n+1), loopbackIP(t, n+2)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf":        strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", trunkIP),
		"extensions.conf": "[from-pstn]\n" + dialplan + "\n[phones]\n",
	})
	mc := &mediaCall{ip: ip, trunkIP: trunkIP, phoneIP: phoneIP, trunkMedia: listenUDP(t, trunkIP)}
	if withPhone {
		mc.phoneSock = listenUDP(t, phoneIP)
		if ring == 0 {
			mc.phone = startPhone(t, sw, phoneIP, phoneOpts{sipPort: freeUDPPort(t, phoneIP), mediaPort: portOf(mc.phoneSock), register: "after"})
		} else {
			mc.phone = &phoneLeg{portFile: filepath.Join(t.TempDir(), "phone-rtp-port")}
			sipPort := freeUDPPort(t, phoneIP)
			scenario := writeScenario(t, "phone_media.xml", map[string]string{
				"> phone-rtp-port":                   "> " + mc.phone.portFile,
				"c=IN IP[media_ip_type] [media_ip]":  "c=IN IP4 " + phoneIP,
				"m=audio [media_port] RTP/AVP 0 101": "m=audio " + portOf(mc.phoneSock) + " RTP/AVP 0 101",
				`<pause milliseconds="200"/>`:        fmt.Sprintf(`<pause milliseconds="%d"/>`, ring.Milliseconds()),
			})
			mc.phone.run = startSipp(t, "phone", phoneIP, sw.sipAddr, scenario, "-p", sipPort)
			registerPhone(t, phoneIP, sw, sipPort)
		}
	}
	trunkPortFile := filepath.Join(t.TempDir(), "trunk-rtp-port")
	scenario := writeScenario(t, "trunk_media.xml", map[string]string{
		"c=IN IP[media_ip_type] [media_ip]":    "c=IN IP4 " + trunkIP,
		"> trunk-rtp-port":                     "> " + trunkPortFile,
		"m=audio [media_port] RTP/AVP 8 0 101": "m=audio " + portOf(mc.trunkMedia) + " RTP/AVP 8 0 101",
	})
	mc.trunk = trunkCall(t, sw, trunkIP, scenario)
	mc.trunkPort, mc.trunkPT = waitPortFile(trunkPortFile, 10*time.Second)
	if withPhone {
		mc.phonePort, _ = waitPortFile(mc.phone.portFile, 10*time.Second)
	}
	if mc.trunkPort == "" || (withPhone && mc.phonePort == "") {
		_, tf := mc.trunk.wait(20 * time.Second)
		t.Fatalf("the call did not come up with its media ports (trunk leg %q, phone leg %q)\n%s", mc.trunkPort, mc.phonePort, tf)
	}
	return &appCall{mediaCall: mc, sw: sw}
}

// end waits for the trunk's scenario (and the phone's) to pass.
func (ac *appCall) end(t *testing.T) {
	t.Helper()
	ac.trunk.mustPass(t, "the call answered, then hung up by the trunk after 3 s")
	if ac.phone != nil {
		phoneMustPass(t, ac.phone)
	}
}

// sendSilence sends d of digital silence in the stream's G.711.
func (o *rtpOut) sendSilence(d time.Duration) {
	silence := byte(media.ULawSilence)
	if o.p.PayloadType == 8 {
		silence = media.ALawSilence
	}
	for i := 0; i < int(d/(20*time.Millisecond)); i++ {
		payload := make([]byte, 160)
		for j := range payload {
			payload[j] = silence
		}
		o.send(o.p.PayloadType, false, payload)
		o.p.Timestamp += 160
		time.Sleep(20 * time.Millisecond)
	}
}

// readWAV reads a recording: its channels' samples and its duration.
func readWAV(t *testing.T, path string) (channels [][]int16, d time.Duration) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the recording: %v", err)
	}
	f, pcm, err := media.DecodeWAV(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if f.SampleRate != 8000 {
		t.Fatalf("%s: %d Hz, want 8000", path, f.SampleRate)
	}
	channels = make([][]int16, f.Channels)
	for i, s := range pcm {
		channels[i%f.Channels] = append(channels[i%f.Channels], s)
	}
	return channels, time.Duration(len(channels[0])) * time.Second / 8000
}

func rmsOf(pcm []int16) float64 {
	var e float64
	for _, v := range pcm {
		e += float64(v) * float64(v)
	}
	return math.Sqrt(e / float64(max(len(pcm), 1)))
}

// TestMixMonitorStereoOfABridgedCall: MixMonitor(mix.wav,D) then Dial of
// the phone; the trunk sends 1 kHz, the phone 440 Hz. The WAV is stereo:
// left (received from the trunk's channel) holds the 1 kHz tone, right
// (sent to it, the phone through the bridge) the 440 Hz; it lasts from the
// MixMonitor to the hang-up, the trunk's INVITE to its BYE (±1 %); its
// path is MIXMONITOR_FILENAME, under the data directory's recordings/.
func TestMixMonitorStereoOfABridgedCall(t *testing.T) {
	ac := startAppCall(t, 170, `exten => _X.,1,MixMonitor(mix.wav,D)
 same => n,Verbose(MIXMONITOR_FILENAME=${MIXMONITOR_FILENAME})
 same => n,Dial(SIP/1001,10)
 same => n,Hangup()`, true)
	go newRTPOut(ac.trunkMedia, ac.ip, ac.trunkPort, g711PT(ac.trunkPT), 0x1000).tone(1000, 2*time.Second)
	go newRTPOut(ac.phoneSock, ac.ip, ac.phonePort, 0, 0x440).tone(440, 2*time.Second)
	ac.end(t)
	waitLog(t, ac.sw, "MixMonitor: recording ended")
	path := filepath.Join(ac.sw.data, "recordings", "mix.wav")
	abs, _ := filepath.Abs(path)
	waitLog(t, ac.sw, "MIXMONITOR_FILENAME="+abs)
	ch, got := readWAV(t, path)
	if len(ch) != 2 {
		t.Fatalf("%s has %d channels, want 2 (option D)", path, len(ch))
	}
	for _, c := range []struct {
		what           string
		pcm            []int16
		want, unwanted float64
	}{{"left (received from the trunk)", ch[0], 1000, 440}, {"right (sent to the trunk)", ch[1], 440, 1000}} {
		p, q := goertzel(c.pcm, c.want), goertzel(c.pcm, c.unwanted)
		t.Logf("%s: RMS %.0f, power %.0f Hz / %.0f Hz = %.1f", c.what, rmsOf(c.pcm), c.want, c.unwanted, p/max(q, 1))
		if p < 20*q || rmsOf(c.pcm) < 1000 {
			t.Errorf("%s: want the %.0f Hz tone, with 20× the power at %.0f Hz; RMS %.0f, ratio %.2f", c.what, c.want, c.unwanted, rmsOf(c.pcm), p/max(q, 1))
		}
	}
	msgs := ac.trunk.messages()
	var invite, bye time.Time
	for _, m := range msgs {
		switch {
		case m.sent && strings.HasPrefix(m.first, "INVITE") && invite.IsZero():
			invite = m.at
		case m.sent && strings.HasPrefix(m.first, "BYE") && bye.IsZero():
			bye = m.at
		}
	}
	if invite.IsZero() || bye.IsZero() {
		t.Fatalf("no INVITE and BYE in the trunk's trace:\n%s", ladder(msgs))
	}
	want := bye.Sub(invite)
	t.Logf("recording %v, INVITE to BYE %v", got, want)
	if math.Abs(float64(got-want)) > 0.01*float64(want) {
		t.Errorf("the recording lasts %v, want the call's %v (INVITE to BYE) ±1%%", got, want)
	}
}

// TestRecordStopsOnSilence: Record(rec-test.wav,1,10) of a call whose
// trunk sends 1 s of 1 kHz then digital silence: the recording ends on the
// silence (RECORD_STATUS=SILENCE), and the file, under sounds/, holds the
// tone and then the second of silence app_record keeps; RECORDED_FILE is
// its name. The trunk hears the beep first.
func TestRecordStopsOnSilence(t *testing.T) {
	ac := startAppCall(t, 173, `exten => _X.,1,Answer()
 same => n,Record(rec-test.wav,1,10)
 same => n,Verbose(RECORD_STATUS=${RECORD_STATUS} RECORDED_FILE=${RECORDED_FILE})
 same => n,Wait(10)`, false)
	heard := make(chan []rtpIn, 1)
	go func() { heard <- readRTP(ac.trunkMedia, 400*time.Millisecond) }()
	time.Sleep(300 * time.Millisecond) // the beep: 250 ms
	o := newRTPOut(ac.trunkMedia, ac.ip, ac.trunkPort, g711PT(ac.trunkPT), 0x2000)
	o.tone(1000, time.Second)
	o.sendSilence(1500 * time.Millisecond)
	waitLog(t, ac.sw, "RECORD_STATUS=SILENCE RECORDED_FILE=rec-test")
	ac.end(t)
	beep, _ := audioOf(<-heard)
	if p, q := goertzel(beep, 1000), goertzel(beep, 440); len(beep) < 1600 || p < 20*q {
		t.Errorf("the trunk heard %d samples before recording, want the 1 kHz beep", len(beep))
	}
	ch, d := readWAV(t, filepath.Join(ac.sw.data, "sounds", "rec-test.wav"))
	pcm := ch[0]
	t.Logf("recording %v", d)
	// Recorded from after the beep: up to 1 s of tone, then 1 s of silence.
	if d < 1500*time.Millisecond || d > 2300*time.Millisecond {
		t.Errorf("the recording lasts %v, want the tone (up to 1 s) and 1 s of silence", d)
	}
	toneEnd := 0
	for i := 0; i+160 <= len(pcm); i += 160 {
		if rmsOf(pcm[i:i+160]) > 2000 {
			toneEnd = i + 160
		}
	}
	if toneEnd < 5600 {
		t.Fatalf("the recording holds %d samples of tone, want at least 0.7 s", toneEnd)
	}
	if p, q := goertzel(pcm[:toneEnd], 1000), goertzel(pcm[:toneEnd], 440); p < 20*q {
		t.Errorf("the recorded tone is not 1 kHz (ratio %.1f)", p/max(q, 1))
	}
	if tail := pcm[toneEnd:]; rmsOf(tail) > 50 || len(tail) < 6400 {
		t.Errorf("after the tone: %d samples at RMS %.0f, want about 1 s of silence", len(tail), rmsOf(tail))
	}
}

// TestMusicOnHoldReachesTheCaller: MusicOnHold() on an answered call sends
// the default class (the music installed in sounds/moh) to the caller:
// RTP every 20 ms with the energy of music, not silence.
func TestMusicOnHoldReachesTheCaller(t *testing.T) {
	ac := startAppCall(t, 176, `exten => _X.,1,Answer()
 same => n,MusicOnHold()`, false)
	in := readRTP(ac.trunkMedia, 2*time.Second)
	ac.end(t)
	pcm, pts := audioOf(in)
	t.Logf("%d packets %v, RMS %.0f", len(in), pts, rmsOf(pcm))
	if len(in) < 80 {
		t.Errorf("%d RTP packets in 2 s, want about 100", len(in))
	}
	if r := rmsOf(pcm); r < 300 {
		t.Errorf("the music arrives at RMS %.0f: silence, want music", r)
	}
	if !strings.Contains(ac.sw.logs.String(), "default music on hold installed") {
		t.Errorf("the default music was not installed in the data directory")
	}
}

// TestPlayTonesBusy: PlayTones(busy) on an answered call plays the us busy
// tone, 480+620 Hz at 500 ms on, 500 ms off.
func TestPlayTonesBusy(t *testing.T) {
	ac := startAppCall(t, 179, `exten => _X.,1,Answer()
 same => n,PlayTones(busy)
 same => n,Wait(10)`, false)
	in := readRTP(ac.trunkMedia, 2*time.Second)
	ac.end(t)
	checkBusyTone(t, in)
}

// TestBusyAnsweredPlaysTheTone: Busy() on an answered call cannot send 486
// any more: the caller hears the busy tone until hanging up, as Asterisk
// emulates the indication.
func TestBusyAnsweredPlaysTheTone(t *testing.T) {
	ac := startAppCall(t, 182, `exten => _X.,1,Answer()
 same => n,Busy()`, false)
	in := readRTP(ac.trunkMedia, 2*time.Second)
	ac.end(t)
	checkBusyTone(t, in)
}

// checkBusyTone: the audio is 480+620 Hz, on and off.
func checkBusyTone(t *testing.T, in []rtpIn) {
	t.Helper()
	pcm, pts := audioOf(in)
	p480, p620, p1000, p440 := goertzel(pcm, 480), goertzel(pcm, 620), goertzel(pcm, 1000), goertzel(pcm, 440)
	t.Logf("%d packets %v, RMS %.0f; power 480 %.3g, 620 %.3g, 440 %.3g, 1000 %.3g", len(in), pts, rmsOf(pcm), p480, p620, p440, p1000)
	if len(pcm) < 12000 || p480 < 20*p1000 || p620 < 20*p1000 || p480 < 20*p440 {
		t.Fatalf("want ≥ 1.5 s of 480+620 Hz; got %d samples", len(pcm))
	}
	on, off := 0, 0
	for i := 0; i+160 <= len(pcm); i += 160 {
		if rmsOf(pcm[i:i+160]) > 3000 {
			on++
		} else if rmsOf(pcm[i:i+160]) < 50 {
			off++
		}
	}
	if on < 30 || off < 30 {
		t.Errorf("frames on %d, off %d: want the 500 ms on, 500 ms off cadence", on, off)
	}
}

// purity is how much of pcm's energy is the frequency freq: 1 for a pure
// sine, far less for music.
func purity(pcm []int16, freq float64) float64 {
	var e float64
	for _, v := range pcm {
		e += float64(v) * float64(v)
	}
	return goertzel(pcm, freq) / max(float64(len(pcm))*e/2, 1)
}

// TestDialMusicOnHoldUntilAnswer: Dial(SIP/1001,10,m) plays the default
// music on hold to the caller from the 183, while the phone rings for
// 1.5 s, and stops it at the answer: from then the caller hears the phone
// (a pure 440 Hz) and no music.
func TestDialMusicOnHoldUntilAnswer(t *testing.T) {
	ac := startAppCallRinging(t, 185, `exten => _X.,1,Dial(SIP/1001,10,m)
 same => n,Hangup()`, true, 1500*time.Millisecond)
	// The music came while ringing: it waits in the trunk's socket.
	go newRTPOut(ac.phoneSock, ac.ip, ac.phonePort, 0, 0x440).tone(440, 2500*time.Millisecond)
	in := readRTP(ac.trunkMedia, 2*time.Second)
	ac.end(t)
	if m := received(ac.trunk.messages(), "SIP/2.0 183"); len(m) == 0 {
		t.Errorf("the caller got no 183 (early media for the music)")
	}
	pcm, pts := audioOf(in)
	t.Logf("%d packets %v", len(in), pts)
	if len(pcm) < 2*8000 {
		t.Fatalf("the caller heard %d samples, want the music while ringing and the phone after", len(pcm))
	}
	early, late := pcm[:8000], pcm[len(pcm)-6000:]
	t.Logf("while ringing: RMS %.0f, 440 Hz purity %.2f; after the answer: RMS %.0f, purity %.2f",
		rmsOf(early), purity(early, 440), rmsOf(late), purity(late, 440))
	if rmsOf(early) < 300 || purity(early, 440) > 0.5 {
		t.Errorf("while the phone rang the caller heard RMS %.0f (440 Hz purity %.2f), want music", rmsOf(early), purity(early, 440))
	}
	if purity(late, 440) < 0.8 {
		t.Errorf("after the answer the caller hears 440 Hz purity %.2f, want the phone's tone alone (the music stopped)", purity(late, 440))
	}
}

// TestSpeakSaysDynamicText: Speak() synthesizes the text in the channel's
// language with the default engine (espeak-ng) and the caller hears it;
// SPEAKSTATUS=SUCCESS.
func TestSpeakSaysDynamicText(t *testing.T) {
	ac := startAppCall(t, 188, `exten => _X.,1,Answer()
 same => n,Speak(Your balance is 42 euros)
 same => n,Verbose(SPEAKSTATUS=${SPEAKSTATUS})
 same => n,Wait(10)`, false)
	in := readRTP(ac.trunkMedia, 2500*time.Millisecond)
	waitLog(t, ac.sw, "SPEAKSTATUS=SUCCESS")
	ac.end(t)
	pcm, _ := audioOf(in)
	speech := 0
	for i := 0; i+160 <= len(pcm); i += 160 {
		if rmsOf(pcm[i:i+160]) > 500 {
			speech++
		}
	}
	t.Logf("%d packets, %d frames of speech", len(in), speech)
	if speech < 25 {
		t.Errorf("the caller heard %d frames of speech (RMS > 500), want the sentence (≥ 0.5 s)", speech)
	}
}
