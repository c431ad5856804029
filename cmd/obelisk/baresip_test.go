package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
// and answers a trunk call the dialplan Dial()s to it; the trunk's BYE ends
// the call on the softphone.
func TestBaresipRegistersAndAnswers(t *testing.T) {
	ip, trunkIP, phoneIP := loopbackIP(t, 80), loopbackIP(t, 81), loopbackIP(t, 82)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf":        strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", trunkIP),
		"extensions.conf": "[from-pstn]\nexten => _X.,1,Dial(SIP/1001,10)\n same => n,Hangup()\n[phones]\n",
	})
	output := startBaresip(t, phoneIP, sw.sipAddr, "1001", "s3cret-1001")
	waitLog(t, sw, `msg=registered component=registrar aor=1001`)
	if code, out := sipp(t, trunkIP, sw.sipAddr, "trunk_call.xml", "-s", "0522000000"); code != 0 {
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
