package main

import (
	"encoding/binary"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/zaf/g711"
)

// amdConf is Asterisk's amd.conf.sample (at most two words).
const amdConf = `[general]
total_analysis_time = 5000
silence_threshold = 256
initial_silence = 2500
after_greeting_silence = 800
greeting = 1500
min_word_length = 100
maximum_word_length = 5000
between_words_silence = 50
maximum_number_of_words = 2
`

// amdDialplan is what a call file's answered call runs ([amd]), and a
// trunk's call ([from-pstn]): AMD with amd.conf's settings, then the
// result in the log.
const amdDialplan = `[from-pstn]
exten => _X.,1,Answer()
 same => n,AMD()
 same => n,Verbose(1,AMD inbound ${AMDSTATUS} ${AMDCAUSE})
 same => n,Hangup()
[phones]
[amd]
exten => s,1,AMD()
 same => n,Verbose(1,AMD ${AMDSTATUS} ${AMDCAUSE})
 same => n,Hangup()
`

// espeakAnswer says text with espeak-ng (English) and brings it to 8 kHz
// signed linear with sox.
func espeakAnswer(t *testing.T, text string) []int16 {
	t.Helper()
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (scripts/install-deps.sh installs it): %v", tool, err)
		}
	}
	dir := t.TempDir()
	wav := filepath.Join(dir, "answer.wav")
	if out, err := exec.Command("espeak-ng", "-v", "en", "-w", wav, text).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v\n%s", err, out)
	}
	return soxPCM(t, wav)
}

// soxPCM runs sox from in (a file, or -n) to 8 kHz mono 16-bit raw
// through effects and returns the samples.
func soxPCM(t *testing.T, in string, effects ...string) []int16 {
	t.Helper()
	raw := filepath.Join(t.TempDir(), "out.raw")
	args := append([]string{in, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw", raw}, effects...)
	if out, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
		t.Fatalf("sox %q: %v\n%s", args, err, out)
	}
	b, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, len(b)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return pcm
}

// playPCM sends pcm as G.711 RTP (payload type pt: 0 µ-law, 8 A-law)
// from conn to ip:port, 20 ms a packet, paced, until it is sent or stop
// is closed.
func playPCM(conn net.PacketConn, ip, port string, pt uint8, pcm []int16, stop <-chan struct{}) {
	dst, err := net.ResolveUDPAddr("udp", net.JoinHostPort(ip, port))
	if err != nil {
		return
	}
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SSRC: 0xa3d, SequenceNumber: 1, Timestamp: 160}}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for len(pcm) > 0 {
		n := min(len(pcm), 160)
		payload := make([]byte, 160)
		for i := range payload {
			var v int16
			if i < n {
				v = pcm[i]
			}
			if pt == 8 {
				payload[i] = g711.EncodeAlawFrame(v)
			} else {
				payload[i] = g711.EncodeUlawFrame(v)
			}
		}
		p.Payload = payload
		b, _ := p.Marshal()
		_, _ = conn.WriteTo(b, dst)
		p.SequenceNumber++
		p.Timestamp += 160
		pcm = pcm[n:]
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// TestAMD: a call file calls phone 1001, whose answer is the
// test's audio; the answered channel runs AMD() with amd.conf.sample's
// settings. An espeak-ng "Hello?" after half a second, then silence, is a
// HUMAN (HUMAN-800-800: 800 ms of silence after the greeting); a
// voicemail greeting followed by a beep is a MACHINE (a third word is
// more than maximum_number_of_words = 2). Each call ends with the
// dialplan's hang-up.
//
// On a trunk's inbound call, AMD listens to the caller: "Hello?" is a
// HUMAN again.
func TestAMD(t *testing.T) {
	hello := espeakAnswer(t, "Hello?")
	greeting := espeakAnswer(t, "Hi, you have reached the voicemail of John Smith. I am not available right now, please leave your message after the tone.")
	beep := soxPCM(t, "-n", "synth", "0.5", "sine", "1000", "vol", "0.5")
	quiet := func(d time.Duration) []int16 { return make([]int16, int(d.Seconds()*8000)) }
	join := func(parts ...[]int16) []int16 {
		var all []int16
		for _, p := range parts {
			all = append(all, p...)
		}
		return all
	}

	ip, phoneIP := loopbackIP(t, 210), loopbackIP(t, 212)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf":        strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", loopbackIP(t, 211)),
		"extensions.conf": amdDialplan,
		"amd.conf":        amdConf,
	})
	spool := filepath.Join(sw.data, "spool")
	for i, c := range []struct {
		name   string
		answer []int16
		want   string // the Verbose line
	}{
		{"a person says hello", join(quiet(500*time.Millisecond), hello, quiet(4*time.Second)), "AMD HUMAN HUMAN-800-800"},
		{"a voicemail greeting and its beep", join(quiet(500*time.Millisecond), greeting, beep, quiet(2*time.Second)), "AMD MACHINE MAXWORDS-3-2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sock := listenUDP(t, phoneIP)
			phone := startPhone(t, sw, phoneIP, phoneOpts{sipPort: freeUDPPort(t, phoneIP), mediaPort: portOf(sock), register: "after"})
			name := []string{"human", "machine"}[i] + ".call"
			file := "Channel: SIP/1001\nCallerID: \"Campaign\" <0522000000>\nWaitTime: 10\nContext: amd\nExtension: s\nPriority: 1\n"
			tmp := filepath.Join(spool, "tmp", name)
			if err := os.WriteFile(tmp, []byte(file), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, filepath.Join(spool, "outgoing", name)); err != nil {
				t.Fatal(err)
			}
			port, _ := waitPortFile(phone.portFile, 10*time.Second)
			if port == "" {
				_, failure := phone.run.wait(time.Second)
				t.Fatalf("the call file's call did not reach the phone with media:\n%s", failure)
			}
			stop := make(chan struct{})
			played := make(chan struct{})
			go func() {
				defer close(played)
				time.Sleep(250 * time.Millisecond) // the phone rings for 200 ms first
				playPCM(sock, ip, port, 0, c.answer, stop)
			}()
			t.Cleanup(func() {
				close(stop)
				<-played
			})
			waitLog(t, sw, c.want)
			// The dialplan hangs up once AMD has decided.
			if ok, failure := phone.run.wait(10 * time.Second); !ok {
				t.Errorf("want the phone answered, then the switch's BYE:\n%s", failure)
			}
		})
	}
	// AMD on an inbound call listens to the caller.
	t.Run("a caller says hello", func(t *testing.T) {
		trunkIP := loopbackIP(t, 211)
		sock := listenUDP(t, trunkIP)
		portFile := filepath.Join(t.TempDir(), "trunk-rtp-port")
		scenario := writeScenario(t, "ivr_trunk_call.xml", map[string]string{
			"c=IN IP[media_ip_type] [media_ip]": "c=IN IP4 " + trunkIP,
			"m=audio [media_port]":              "m=audio " + portOf(sock),
			"> trunk-rtp-port":                  "> " + portFile,
			"HOLD_MS":                           "10000",
		})
		trunk := startSipp(t, "trunk", trunkIP, sw.sipAddr, scenario, "-s", "0522000000", "-timeout", "15s")
		port, pt := waitPortFile(portFile, 10*time.Second)
		if port == "" {
			_, failure := trunk.wait(time.Second)
			t.Fatalf("the switch did not answer the trunk's call with media:\n%s", failure)
		}
		stop := make(chan struct{})
		played := make(chan struct{})
		go func() {
			defer close(played)
			playPCM(sock, ip, port, g711PT(pt), join(quiet(500*time.Millisecond), hello, quiet(4*time.Second)), stop)
		}()
		t.Cleanup(func() {
			close(stop)
			<-played
		})
		waitLog(t, sw, "AMD inbound HUMAN HUMAN-800-800")
		trunk.mustPass(t, "the call answered, then hung up by the switch once AMD decided")
	})
}
