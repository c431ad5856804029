package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
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

// startBaresip runs baresip as a softphone registering as user/secret on
// the switch at sipAddr, answering calls automatically; it returns its
// output so far on demand.
func startBaresip(t *testing.T, ip, sipAddr, user, secret string) func() string {
	t.Helper()
	bin, err := exec.LookPath("baresip")
	if err != nil {
		t.Fatal("baresip is not installed: run scripts/install-deps.sh (make test does)")
	}
	dir := t.TempDir()
	conf := fmt.Sprintf(`poll_method		epoll
sip_listen		%s:%s
module_path		/usr/lib/baresip/modules
module			g711.so
module			aufile.so
module_app		account.so
module_app		menu.so
audio_player		aufile,%s
audio_source		aufile,%s
audio_alert		aufile,/dev/null
`, ip, freeUDPPort(t, ip), filepath.Join(dir, "heard.wav"), filepath.Join(dir, "tone.wav"))
	writeToneWAV(t, filepath.Join(dir, "tone.wav"), 440, 5*time.Second)
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	account := fmt.Sprintf("<sip:%s@%s;transport=udp>;auth_pass=%s;answermode=auto;regint=60\n", user, sipAddr, secret)
	if err := os.WriteFile(filepath.Join(dir, "accounts"), []byte(account), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-f", dir, "-n", ip)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 3 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("baresip output:\n%s", out.String())
		}
	})
	return out.String
}

// TestBaresipRegistersAndAnswers: a real softphone registers with digest
// and answers a trunk call the dialplan Dial()s to it; the tone its
// microphone plays (440 Hz) crosses the switch's bridge and reaches the
// trunk's media address as RTP; the trunk's BYE ends the call on the
// softphone.
func TestBaresipRegistersAndAnswers(t *testing.T) {
	ip, trunkIP, phoneIP := loopbackIP(t, 80), loopbackIP(t, 81), loopbackIP(t, 82)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf":        strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", trunkIP),
		"extensions.conf": "[from-pstn]\nexten => _X.,1,Dial(SIP/1001,10)\n same => n,Hangup()\n[phones]\n",
	})
	output := startBaresip(t, phoneIP, sw.sipAddr, "1001", "s3cret-1001")
	waitLog(t, sw, `msg=registered component=registrar aor=1001`)

	// The trunk's media goes to a socket of the test, not to sipp.
	media, err := net.ListenPacket("udp", trunkIP+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer media.Close()
	_, mport, _ := net.SplitHostPort(media.LocalAddr().String())
	received := make(chan []int16, 1)
	go func() { received <- collectRTP(media, 3*time.Second) }()
	scenario := writeScenario(t, "trunk_call.xml", map[string]string{
		"c=IN IP[media_ip_type] [media_ip]": "c=IN IP4 " + trunkIP,
		"m=audio [media_port]":              "m=audio " + mport,
	})
	if code, out := sipp(t, trunkIP, sw.sipAddr, scenario, "-s", "0522000000"); code != 0 {
		t.Fatalf("trunk: sipp exit %d:\n%s", code, out)
	}
	waitLog(t, sw, "Dial: bridged")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(output(), "terminated") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if o := output(); !strings.Contains(o, "Call established") || !strings.Contains(o, "terminated") {
		t.Fatalf("baresip did not answer and end the call:\n%s", o)
	}
	pcm := <-received
	if len(pcm) < 8000/2 { // at least half a second of the one-second call
		t.Fatalf("the trunk received %d samples of audio through the switch, want ≥ 4000", len(pcm))
	}
	tone, other := goertzel(pcm, 440), goertzel(pcm, 1000)
	t.Logf("trunk received %d samples through the switch; power at 440 Hz / 1 kHz = %.0f", len(pcm), tone/max(other, 1))
	if tone < 20*other {
		t.Fatalf("audio at the trunk is not the softphone's 440 Hz tone: power 440 Hz %.3g, 1 kHz %.3g", tone, other)
	}
}

// collectRTP reads RTP from c for d and returns the decoded G.711 audio.
func collectRTP(c net.PacketConn, d time.Duration) []int16 {
	var pcm []int16
	buf := make([]byte, 1500)
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		_ = c.SetReadDeadline(end)
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			break
		}
		var p rtp.Packet
		if p.Unmarshal(buf[:n]) != nil {
			continue
		}
		for _, b := range p.Payload {
			switch p.PayloadType {
			case 0:
				pcm = append(pcm, g711.DecodeUlawFrame(b))
			case 8:
				pcm = append(pcm, g711.DecodeAlawFrame(b))
			}
		}
	}
	return pcm
}

// goertzel returns the power of freq in 8 kHz samples.
func goertzel(x []int16, freq float64) float64 {
	k := 2 * math.Cos(2*math.Pi*freq/8000)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + k*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - k*s1*s2
}

// writeToneWAV writes an 8 kHz 16-bit mono WAV of a sine at freq Hz, the
// softphone's microphone.
func writeToneWAV(t *testing.T, path string, freq float64, d time.Duration) {
	t.Helper()
	n := int(d.Seconds() * 8000)
	b := make([]byte, 44+2*n)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1) // PCM
	binary.LittleEndian.PutUint16(b[22:], 1) // mono
	binary.LittleEndian.PutUint32(b[24:], 8000)
	binary.LittleEndian.PutUint32(b[28:], 16000)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*n))
	for i := 0; i < n; i++ {
		v := int16(8000 * math.Sin(2*math.Pi*freq*float64(i)/8000))
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(v))
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// playTone waits for the switch's RTP port in portFile and sends it a
// µ-law tone of freq Hz for d from conn, 20 ms a packet.
func playTone(t *testing.T, conn net.PacketConn, ip, portFile string, freq float64, d time.Duration) {
	playToneAs(t, conn, ip, portFile, freq, d, 0)
}

// playToneAs is playTone in G.711 payload type pt (0 µ-law, 8 A-law).
func playToneAs(t *testing.T, conn net.PacketConn, ip, portFile string, freq float64, d time.Duration, pt uint8) {
	var port string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(portFile); err == nil && len(strings.TrimSpace(string(b))) > 0 {
			port = strings.TrimSpace(string(b))
			break
		}
	}
	if port == "" {
		return
	}
	dst, err := net.ResolveUDPAddr("udp", net.JoinHostPort(ip, port))
	if err != nil {
		return
	}
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SSRC: 0x0b3115c, Timestamp: 1000, SequenceNumber: 1}}
	n := 0
	for i := 0; i < int(d/(20*time.Millisecond)); i++ {
		payload := make([]byte, 160)
		for j := range payload {
			v := int16(8000 * math.Sin(2*math.Pi*freq*float64(n)/8000))
			if pt == 8 {
				payload[j] = g711.EncodeAlawFrame(v)
			} else {
				payload[j] = g711.EncodeUlawFrame(v)
			}
			n++
		}
		p.Payload = payload
		b, _ := p.Marshal()
		_, _ = conn.WriteTo(b, dst)
		p.SequenceNumber++
		p.Timestamp += 160
		time.Sleep(20 * time.Millisecond)
	}
}
