package main

// Transfer tests: attended transfer (atxfer), three-way calls, automixmon
// and Queue()'s features, with sipp phones whose media are Go sockets:
// each party sends a tone of its own frequency, and what each socket
// hears tells who talks to whom.

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/media"
	"github.com/zaf/g711"
)

// xferSIPConf has two phones (1001 the agent, 1002 the transfer target)
// and the trunk.
const xferSIPConf = `[general]
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

[1002]
type=friend
host=dynamic
secret=s3cret-1002
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

// Tones of the parties.
const (
	callerHz = 600.0
	agentHz  = 440.0
	targetHz = 800.0
)

// demoFeatures is testdata/demo/features.conf (atxfer *2, abort *1,
// complete *2, three-way *3, automixmon *1, blindxfer #1) with the
// [general] options of set ("key=value" lines) in place of the demo's
// (or added).
func demoFeatures(t *testing.T, set string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir(t), "demo", "features.conf"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, line := range strings.Split(strings.TrimSpace(set), "\n") {
		key, _, ok := strings.Cut(line, "=")
		switch {
		case !ok:
		case strings.Contains(text, "\n"+key+"="):
			text = mustReplaceLine(t, "features.conf", text, key+"=", line)
		default:
			text = strings.Replace(text, "[general]\n", "[general]\n"+line+"\n", 1)
		}
	}
	return text
}

// xferSwitch starts a switch on loopbackIP n with the trunk at n+1 and
// the phones (1001 and 1002, on ports of their own) at n+2.
func xferSwitch(t *testing.T, n int, files map[string]string) (sw *runningSwitch, trunkIP, agentIP, targetIP string) {
	t.Helper()
	ip := loopbackIP(t, n)
	trunkIP, agentIP, targetIP = loopbackIP(t, n+1), loopbackIP(t, n+2), loopbackIP(t, n+2)
	all := map[string]string{"sip.conf": strings.ReplaceAll(xferSIPConf, "{{TRUNK}}", trunkIP)}
	for k, v := range files {
		all[k] = v
	}
	return startSwitch(t, ip, all), trunkIP, agentIP, targetIP
}

// earRTP records the RTP a socket receives, with arrival times.
type earRTP struct {
	conn net.PacketConn
	mu   sync.Mutex
	got  []heardPacket
}

// startEar records the packets a socket of ip receives until the test
// ends.
func startEar(t *testing.T, ip string) *earRTP {
	t.Helper()
	e := &earRTP{conn: listenUDP(t, ip)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, _, err := e.conn.ReadFrom(buf)
			if err != nil {
				return
			}
			var h heardPacket
			if h.p.Unmarshal(append([]byte(nil), buf[:n]...)) != nil {
				continue
			}
			h.at = time.Now()
			e.mu.Lock()
			e.got = append(e.got, h)
			e.mu.Unlock()
		}
	}()
	t.Cleanup(func() { _ = e.conn.Close(); <-done })
	return e
}

// pcmBetween decodes the G.711 audio that arrived between from and to.
func (e *earRTP) pcmBetween(from, to time.Time) []int16 {
	e.mu.Lock()
	defer e.mu.Unlock()
	var pcm []int16
	for _, h := range e.got {
		if h.at.Before(from) || h.at.After(to) {
			continue
		}
		for _, b := range h.p.Payload {
			switch h.p.PayloadType {
			case 0:
				pcm = append(pcm, g711.DecodeUlawFrame(b))
			case 8:
				pcm = append(pcm, g711.DecodeAlawFrame(b))
			}
		}
	}
	return pcm
}

// toneShare is the share of pcm's energy at freq, averaged over 100 ms
// blocks (a tone's phase jumps at every gap in the stream, so one Goertzel
// over the whole would miss it): about 1 for a lone sine, 0.5 for each of
// two equal ones, 0 for a frequency not there.
func toneShare(pcm []int16, freq float64) float64 {
	const block = 800
	var sum float64
	n := 0
	for i := 0; i+block <= len(pcm); i += block {
		x := pcm[i : i+block]
		var e float64
		for _, v := range x {
			e += float64(v) * float64(v)
		}
		if e == 0 {
			continue
		}
		sum += goertzel(x, freq) / (e * block / 2)
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// hears reports whether freq is what e heard in [from, to]: its share is
// 20× that of the other test frequencies.
func (e *earRTP) hears(from, to time.Time, freq float64) (heard bool, desc string) {
	pcm := e.pcmBetween(from, to)
	p := toneShare(pcm, freq)
	var others float64
	var parts []string
	for _, f := range []float64{callerHz, agentHz, targetHz} {
		q := toneShare(pcm, f)
		parts = append(parts, fmt.Sprintf("%.0f Hz %.2f", f, q))
		if f != freq {
			others = max(others, q)
		}
	}
	return len(pcm) >= 2000 && p > 0.5 && p > 20*others, fmt.Sprintf("%d samples; shares %s", len(pcm), strings.Join(parts, ", "))
}

// present reports whether freq is a strong part of what e heard (a mix
// of two tones has a share of about 0.5 each).
func (e *earRTP) present(from, to time.Time, freq float64) (bool, string) {
	pcm := e.pcmBetween(from, to)
	share := toneShare(pcm, freq)
	return len(pcm) >= 2000 && share > 0.2, fmt.Sprintf("%d samples, share of %.0f Hz %.2f", len(pcm), freq, share)
}

// xferPhone is a sipp phone running xfer_phone.xml with a Go media socket.
type xferPhone struct {
	ext      string
	run      *sippRun
	ear      *earRTP
	portFile string
	sw       *runningSwitch
	out      *rtpOut
	sipPort  string
}

// startXferPhone registers ext from ip and runs the phone: it rings for
// ring, then answers and stays up to hold before hanging up itself.
func startXferPhone(t *testing.T, sw *runningSwitch, ip, ext string, ring, hold time.Duration) *xferPhone {
	t.Helper()
	port := freeUDPPort(t, ip)
	registerFrom(t, sw, ip, port, ext, "s3cret-"+ext)
	return runXferPhone(t, sw, ip, port, ext, ring, hold)
}

// runXferPhone runs xfer_phone.xml for ext on ip:port (registered there
// already).
func runXferPhone(t *testing.T, sw *runningSwitch, ip, port, ext string, ring, hold time.Duration) *xferPhone {
	t.Helper()
	p := &xferPhone{ext: ext, ear: startEar(t, ip), portFile: filepath.Join(t.TempDir(), "phone-rtp-port"), sw: sw, sipPort: port}
	scenario := writeScenario(t, "xfer_phone.xml", map[string]string{
		"c=IN IP[media_ip_type] [media_ip]":  "c=IN IP4 " + ip,
		"m=audio [media_port] RTP/AVP 0 101": "m=audio " + portOf(p.ear.conn) + " RTP/AVP 0 101",
		"> phone-rtp-port":                   "> " + p.portFile,
		"RING_MS":                            fmt.Sprint(ring.Milliseconds()),
		"HOLD_MS":                            fmt.Sprint(hold.Milliseconds()),
	})
	p.run = startSipp(t, "phone "+ext, ip, "", scenario, "-p", port)
	time.Sleep(200 * time.Millisecond) // let it bind its port
	return p
}

// stream is the phone's RTP stream to the switch, once invited.
func (p *xferPhone) stream(t *testing.T, ssrc uint32) *rtpOut {
	t.Helper()
	if p.out != nil {
		return p.out
	}
	port, _ := waitPortFile(p.portFile, 10*time.Second)
	if port == "" {
		_, f := p.run.wait(time.Second)
		t.Fatalf("phone %s was not called:\n%s", p.ext, f)
	}
	host, _, _ := net.SplitHostPort(p.sw.sipAddr)
	p.out = newRTPOut(p.ear.conn, host, port, 0, ssrc)
	return p.out
}

// xferTrunk calls did from trunkIP with ivr_trunk_call.xml, its media the
// test's socket; the trunk hangs up after hold unless the switch does.
// It returns once the switch answered, with the trunk's stream.
func xferTrunk(t *testing.T, sw *runningSwitch, trunkIP, did string, ear *earRTP, hold time.Duration) (*sippRun, *rtpOut) {
	t.Helper()
	portFile := filepath.Join(t.TempDir(), "trunk-rtp-port")
	scenario := writeScenario(t, "ivr_trunk_call.xml", map[string]string{
		"c=IN IP[media_ip_type] [media_ip]": "c=IN IP4 " + trunkIP,
		"m=audio [media_port]":              "m=audio " + portOf(ear.conn),
		"> trunk-rtp-port":                  "> " + portFile,
		"HOLD_MS":                           fmt.Sprint(hold.Milliseconds()),
	})
	run := startSipp(t, "trunk", trunkIP, sw.sipAddr, scenario, "-s", did, "-timeout", fmt.Sprintf("%ds", int(hold.Seconds())+20))
	port, pt := waitPortFile(portFile, 15*time.Second)
	if port == "" {
		_, f := run.wait(20 * time.Second)
		t.Fatalf("the switch did not answer the trunk:\n%s", f)
	}
	host, _, _ := net.SplitHostPort(sw.sipAddr)
	return run, newRTPOut(ear.conn, host, port, g711PT(pt), 0x7a11)
}

// talk sends a tone for d in the background; the returned channel closes
// when it is sent.
func talk(o *rtpOut, freq float64, d time.Duration) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		o.tone(freq, d)
	}()
	return done
}

// window is a stretch of a call, skipping its first 300 ms (the media
// path settling after a change).
func window(d time.Duration) (from, to time.Time) {
	time.Sleep(d)
	now := time.Now()
	return now.Add(-d + 300*time.Millisecond), now
}

const xferDialplan = `[from-pstn]
exten => _X.,1,Set(TRANSFER_CONTEXT=phones)
 same => n,Dial(SIP/1001,20,{{OPTS}})
 same => n,Verbose(1,after Dial DIALSTATUS=${DIALSTATUS})
exten => h,1,Verbose(1,caller gone ATTENDEDTRANSFER=${ATTENDEDTRANSFER} BLINDTRANSFER=${BLINDTRANSFER})
[phones]
exten => 1002,1,Verbose(1,transfer target 1002 TRANSFERERNAME=${TRANSFERERNAME})
 same => n,Dial(SIP/1002,20)
exten => 300,1,Verbose(1,blind transfer reached 300 BLINDTRANSFER=${BLINDTRANSFER})
 same => n,Answer()
 same => n,Wait(3)
`

// TestAtxferCompleteByCallee: the agent (Dial option t) dials *2 and 1002;
// while the target is consulted the caller hears music on hold, not the
// consultation; *2 completes: the agent gets BYE, the caller and the
// target hear each other, the target's dialplan saw TRANSFERERNAME, and
// the caller's channel ATTENDEDTRANSFER.
func TestAtxferCompleteByCallee(t *testing.T) {
	sw, trunkIP, agentIP, targetIP := xferSwitch(t, 220, map[string]string{
		"extensions.conf": strings.ReplaceAll(xferDialplan, "{{OPTS}}", "t"),
		"features.conf":   demoFeatures(t, ""),
	})
	agent := startXferPhone(t, sw, agentIP, "1001", 200*time.Millisecond, 14*time.Second)
	target := startXferPhone(t, sw, targetIP, "1002", 300*time.Millisecond, 14*time.Second)
	callerEar := startEar(t, trunkIP)
	trunk, caller := xferTrunk(t, sw, trunkIP, "0522000000", callerEar, 9*time.Second)
	callerTalks := talk(caller, callerHz, 8*time.Second)
	a := agent.stream(t, 0xa1)
	consult(t, sw, a)
	waitLog(t, sw, "transfer target 1002 TRANSFERERNAME=SIP/1001-")
	tg := target.stream(t, 0xb2)
	targetTalks := talk(tg, targetHz, 1500*time.Millisecond)
	from, to := window(1200 * time.Millisecond)
	if ok, d := agent.ear.hears(from, to, targetHz); !ok {
		t.Errorf("consulting: the agent does not hear the target (%v Hz): %s", targetHz, d)
	}
	if ok, d := callerEar.present(from, to, targetHz); ok {
		t.Errorf("consulting: the held caller hears the consultation: %s", d)
	}
	<-targetTalks
	a.sendDigits(101, "*2")
	waitLog(t, sw, "attended transfer complete")
	if ok, f := agent.run.wait(10 * time.Second); !ok {
		t.Errorf("the agent (transferer) must get BYE once the transfer completes:\n%s", f)
	}
	time.Sleep(400 * time.Millisecond) // the target's beep
	targetTalks = talk(tg, targetHz, 2*time.Second)
	from, to = window(1800 * time.Millisecond)
	if ok, d := callerEar.hears(from, to, targetHz); !ok {
		t.Errorf("after the transfer the caller does not hear the target: %s", d)
	}
	if ok, d := target.ear.hears(from, to, callerHz); !ok {
		t.Errorf("after the transfer the target does not hear the caller: %s", d)
	}
	<-targetTalks
	<-callerTalks
	trunk.mustPass(t, "the caller talks with the target until it hangs up")
	if ok, f := target.run.wait(10 * time.Second); !ok {
		t.Errorf("the target must get BYE when the caller hangs up:\n%s", f)
	}
	waitLog(t, sw, "caller gone ATTENDEDTRANSFER=SIP/1001-")
}

// TestAtxferNoAnswerReturns: the target does not answer within
// atxfernoanswertimeout (2 s here): it is cancelled and the agent is back
// with the caller (atxferdropcall=no), each hearing the other again.
func TestAtxferNoAnswerReturns(t *testing.T) {
	sw, trunkIP, agentIP, targetIP := xferSwitch(t, 223, map[string]string{
		"extensions.conf": strings.ReplaceAll(xferDialplan, "{{OPTS}}", "t"),
		"features.conf":   demoFeatures(t, "atxfernoanswertimeout=2\n"),
	})
	agent := startXferPhone(t, sw, agentIP, "1001", 200*time.Millisecond, 9*time.Second)
	target := startXferPhone(t, sw, targetIP, "1002", 12*time.Second, time.Second)
	callerEar := startEar(t, trunkIP)
	trunk, caller := xferTrunk(t, sw, trunkIP, "0522000000", callerEar, 10*time.Second)
	callerTalks := talk(caller, callerHz, 9*time.Second)
	a := agent.stream(t, 0xa1)
	a.tone(agentHz, 300*time.Millisecond)
	a.sendDigits(101, "*2")
	waitLog(t, sw, "transfer: the transferer dials the target")
	a.sendDigits(101, "1002")
	waitLog(t, sw, "attended transfer failed: back to the held party")
	if ok, f := target.run.wait(5 * time.Second); !ok {
		t.Errorf("the target that did not answer must be cancelled (CANCEL, 487):\n%s", f)
	}
	time.Sleep(300 * time.Millisecond)
	agentTalks := talk(a, agentHz, 1500*time.Millisecond)
	from, to := window(1300 * time.Millisecond)
	if ok, d := callerEar.hears(from, to, agentHz); !ok {
		t.Errorf("back from the failed transfer the caller does not hear the agent: %s", d)
	}
	if ok, d := agent.ear.hears(from, to, callerHz); !ok {
		t.Errorf("back from the failed transfer the agent does not hear the caller: %s", d)
	}
	<-agentTalks
	<-callerTalks
	trunk.mustPass(t, "the call goes on after the failed transfer")
	if ok, f := agent.run.wait(10 * time.Second); !ok {
		t.Errorf("the agent must get BYE when the caller hangs up:\n%s", f)
	}
}

// TestAtxferThreeway: during the consultation the agent dials *3: the
// three hear each other (each the other two); when the agent hangs up,
// the caller and the target stay together.
func TestAtxferThreeway(t *testing.T) {
	sw, trunkIP, agentIP, targetIP := xferSwitch(t, 226, map[string]string{
		"extensions.conf": strings.ReplaceAll(xferDialplan, "{{OPTS}}", "t"),
		"features.conf":   demoFeatures(t, ""),
	})
	agent := startXferPhone(t, sw, agentIP, "1001", 200*time.Millisecond, 6500*time.Millisecond)
	target := startXferPhone(t, sw, targetIP, "1002", 300*time.Millisecond, 14*time.Second)
	callerEar := startEar(t, trunkIP)
	trunk, caller := xferTrunk(t, sw, trunkIP, "0522000000", callerEar, 10*time.Second)
	callerTalks := talk(caller, callerHz, 9500*time.Millisecond)
	a := agent.stream(t, 0xa1)
	consult(t, sw, a)
	a.sendDigits(101, "*3")
	waitLog(t, sw, "attended transfer: three-way call")
	tg := target.stream(t, 0xb2)
	time.Sleep(400 * time.Millisecond) // the beep
	targetTalks := talk(tg, targetHz, 2*time.Second)
	agentTalks := talk(a, agentHz, 2*time.Second)
	from, to := window(1800 * time.Millisecond)
	for _, c := range []struct {
		who  string
		ear  *earRTP
		hear []float64
	}{
		{"caller", callerEar, []float64{agentHz, targetHz}},
		{"agent", agent.ear, []float64{callerHz, targetHz}},
		{"target", target.ear, []float64{callerHz, agentHz}},
	} {
		for _, f := range c.hear {
			if ok, d := c.ear.present(from, to, f); !ok {
				_, all := c.ear.hears(from, to, f)
				t.Errorf("three-way: the %s does not hear %.0f Hz: %s (%s)", c.who, f, d, all)
			}
		}
	}
	<-targetTalks
	<-agentTalks
	if ok, f := agent.run.wait(10 * time.Second); !ok {
		t.Errorf("the agent hangs up the three-way call:\n%s", f)
	}
	time.Sleep(300 * time.Millisecond)
	targetTalks = talk(tg, targetHz, 1500*time.Millisecond)
	from, to = window(1300 * time.Millisecond)
	if ok, d := callerEar.hears(from, to, targetHz); !ok {
		t.Errorf("after the agent left the three-way call the caller does not hear the target: %s", d)
	}
	<-targetTalks
	<-callerTalks
	trunk.mustPass(t, "the caller talks with the target until it hangs up")
	if ok, f := target.run.wait(10 * time.Second); !ok {
		t.Errorf("the target must get BYE when the caller hangs up:\n%s", f)
	}
}

const xferQueueDialplan = `[from-pstn]
exten => _X.,1,Queue(support,{{OPTS}},,,10)
 same => n,Verbose(1,after the queue QUEUESTATUS=${QUEUESTATUS})
[phones]
exten => 300,1,Verbose(1,blind transfer reached 300 BLINDTRANSFER=${BLINDTRANSFER} caller ${CALLERID(num)})
 same => n,Wait(2)
`

// xferQueueConf is one queue whose member is 1001.
const xferQueueConf = "[support]\nstrategy=ringall\ntimeout=8\nretry=1\njoinempty=yes\nmember => SIP/1001\n"

// TestQueueAgentBlindTransfer: Queue(support,tx) as seed 001's dialplan
// has it; the agent who answers dials #1 and 300: the agent gets BYE and
// the caller goes on in the agent's context at 300 with BLINDTRANSFER the
// agent's channel, not after Queue().
func TestQueueAgentBlindTransfer(t *testing.T) {
	sw, trunkIP, agentIP, _ := xferSwitch(t, 220, map[string]string{
		"extensions.conf": strings.ReplaceAll(xferQueueDialplan, "{{OPTS}}", "tx"),
		"queues.conf":     xferQueueConf,
		"features.conf":   demoFeatures(t, ""),
	})
	agent := startXferPhone(t, sw, agentIP, "1001", 200*time.Millisecond, 14*time.Second)
	callerEar := startEar(t, trunkIP)
	trunk, caller := xferTrunk(t, sw, trunkIP, "0522000000", callerEar, 8*time.Second)
	waitLog(t, sw, "Queue: bridged")
	callerTalks := talk(caller, callerHz, 1500*time.Millisecond)
	a := agent.stream(t, 0xa1)
	a.tone(agentHz, 300*time.Millisecond)
	a.sendDigits(101, "#1")
	waitLog(t, sw, "transfer: the transferer dials the target")
	a.sendDigits(101, "300")
	waitLog(t, sw, "blind transfer reached 300 BLINDTRANSFER=SIP/1001-")
	waitLog(t, sw, "caller 0612345678")
	if ok, f := agent.run.wait(10 * time.Second); !ok {
		t.Errorf("the agent (transferer) must get BYE:\n%s", f)
	}
	<-callerTalks
	trunk.mustPass(t, "the caller goes on at 300 and is hung up after Wait(2)")
	if strings.Contains(sw.logs.String(), "after the queue QUEUESTATUS") {
		t.Error("the transferred caller went on after Queue() instead of at the transfer target")
	}
	if evs := teEvents(callerEar.packets()); len(evs) > 0 {
		t.Errorf("the caller heard %d telephone-events of the agent's feature code and target: %v", len(evs), evs)
	}
	// queue_log: BLINDTRANSFER exten|context|holdtime|calltime|position,
	// in place of COMPLETECALLER/COMPLETEAGENT (app_queue).
	log := waitQueueLog(t, sw, "|BLINDTRANSFER|")
	if !regexp.MustCompile(`\|support\|SIP/1001\|BLINDTRANSFER\|300\|[a-z-]+\|\d+\|\d+\|1\n`).MatchString(log) || strings.Contains(log, "|COMPLETE") {
		t.Errorf("queue_log after the agent's blind transfer:\n%s", log)
	}
}

// TestQueueAgentAutoMixMonitor: Queue(support,tx); the agent dials *1
// (automixmon): both hear the beep, the call is recorded to
// DATA/recordings/auto-<time>-1001-0612345678.wav; *1 again stops it: the
// file holds both parties (the caller's 600 Hz and the agent's 440 Hz) for
// the time between the two presses.
func TestQueueAgentAutoMixMonitor(t *testing.T) {
	sw, trunkIP, agentIP, _ := xferSwitch(t, 223, map[string]string{
		"extensions.conf": strings.ReplaceAll(xferQueueDialplan, "{{OPTS}}", "tx"),
		"queues.conf":     xferQueueConf,
		"features.conf":   demoFeatures(t, ""),
	})
	agent := startXferPhone(t, sw, agentIP, "1001", 200*time.Millisecond, 9*time.Second)
	callerEar := startEar(t, trunkIP)
	trunk, caller := xferTrunk(t, sw, trunkIP, "0522000000", callerEar, 10*time.Second)
	waitLog(t, sw, "Queue: bridged")
	callerTalks := talk(caller, callerHz, 6*time.Second)
	a := agent.stream(t, 0xa1)
	a.tone(agentHz, 300*time.Millisecond)
	a.sendDigits(101, "*1")
	waitLog(t, sw, "automixmon recording")
	started := time.Now()
	a.tone(agentHz, 2*time.Second)
	a.sendDigits(101, "*1")
	waitLog(t, sw, "automixmon stopped")
	recorded := time.Since(started)
	waitLog(t, sw, "MixMonitor: recording ended")
	files, _ := filepath.Glob(filepath.Join(sw.data, "recordings", "auto-*-1001-0612345678.wav"))
	if len(files) != 1 {
		all, _ := filepath.Glob(filepath.Join(sw.data, "recordings", "*"))
		t.Fatalf("want one recording auto-<time>-1001-0612345678.wav, found %v", all)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	_, pcm, err := media.DecodeWAV(b)
	if err != nil {
		t.Fatalf("%s: %v", files[0], err)
	}
	d := time.Duration(len(pcm)) * time.Second / 8000
	t.Logf("%s: %v of audio, %v between the presses", filepath.Base(files[0]), d, recorded)
	if d < time.Second || d > recorded+time.Second {
		t.Errorf("the recording lasts %v, want about the %v between the two presses", d, recorded)
	}
	for _, f := range []float64{callerHz, agentHz} {
		if share := toneShare(pcm, f); share < 0.2 {
			t.Errorf("the recording lacks %.0f Hz (share %.2f, want about 0.5): both parties must be in it", f, share)
		}
	}
	<-callerTalks
	trunk.mustPass(t, "the call goes on after the recording")
	if ok, f := agent.run.wait(10 * time.Second); !ok {
		t.Errorf("the agent must get BYE when the caller hangs up:\n%s", f)
	}
}

// packets returns what e heard.
func (e *earRTP) packets() []rtpIn {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]rtpIn, 0, len(e.got))
	for _, h := range e.got {
		out = append(out, rtpIn{p: h.p})
	}
	return out
}

// TestAtxferByCallerHangsUp: the caller (Dial option T, TRANSFER_CONTEXT
// phones) dials *2 and 1002, talks with the target while the agent is
// held, then hangs up: the transfer completes (Asterisk's default), the
// agent and the target hear each other, and the target's hangup reaches
// the agent.
func TestAtxferByCallerHangsUp(t *testing.T) {
	sw, trunkIP, agentIP, targetIP := xferSwitch(t, 226, map[string]string{
		"extensions.conf": strings.ReplaceAll(xferDialplan, "{{OPTS}}", "T"),
		"features.conf":   demoFeatures(t, ""),
	})
	agent := startXferPhone(t, sw, agentIP, "1001", 200*time.Millisecond, 14*time.Second)
	target := startXferPhone(t, sw, targetIP, "1002", 300*time.Millisecond, 5*time.Second)
	callerEar := startEar(t, trunkIP)
	trunk, caller := xferTrunk(t, sw, trunkIP, "0522000000", callerEar, 4500*time.Millisecond)
	caller.tone(callerHz, 300*time.Millisecond)
	caller.sendDigits(101, "*2")
	waitLog(t, sw, "transfer: the transferer dials the target")
	caller.sendDigits(101, "1002")
	waitLog(t, sw, "attended transfer: consulting the target")
	tg := target.stream(t, 0xb2)
	consult := talk(caller, callerHz, time.Second)
	from, to := window(900 * time.Millisecond)
	if ok, d := target.ear.hears(from, to, callerHz); !ok {
		t.Errorf("consulting: the target does not hear the caller: %s", d)
	}
	if ok, d := agent.ear.present(from, to, callerHz); ok {
		t.Errorf("consulting: the held agent hears the consultation: %s", d)
	}
	<-consult
	trunk.mustPass(t, "the caller (transferer) hangs up during the consultation")
	waitLog(t, sw, "attended transfer complete")
	a := agent.stream(t, 0xa1)
	time.Sleep(400 * time.Millisecond) // the target's beep
	agentTalks, targetTalks := talk(a, agentHz, 1500*time.Millisecond), talk(tg, targetHz, 1500*time.Millisecond)
	from, to = window(1300 * time.Millisecond)
	if ok, d := target.ear.hears(from, to, agentHz); !ok {
		t.Errorf("after the transfer the target does not hear the agent: %s", d)
	}
	if ok, d := agent.ear.hears(from, to, targetHz); !ok {
		t.Errorf("after the transfer the agent does not hear the target: %s", d)
	}
	<-agentTalks
	<-targetTalks
	if ok, f := target.run.wait(10 * time.Second); !ok {
		t.Errorf("the target hangs up:\n%s", f)
	}
	if ok, f := agent.run.wait(10 * time.Second); !ok {
		t.Errorf("the agent must get BYE when the target hangs up:\n%s", f)
	}
}

// TestAtxferAbort: during the consultation the agent dials *1
// (atxferabort): the target gets BYE and the agent and the caller hear
// each other again.
func TestAtxferAbort(t *testing.T) {
	sw, trunkIP, agentIP, targetIP := xferSwitch(t, 220, map[string]string{
		"extensions.conf": strings.ReplaceAll(xferDialplan, "{{OPTS}}", "t"),
		"features.conf":   demoFeatures(t, ""),
	})
	agent := startXferPhone(t, sw, agentIP, "1001", 200*time.Millisecond, 9*time.Second)
	target := startXferPhone(t, sw, targetIP, "1002", 300*time.Millisecond, 12*time.Second)
	callerEar := startEar(t, trunkIP)
	trunk, caller := xferTrunk(t, sw, trunkIP, "0522000000", callerEar, 8*time.Second)
	callerTalks := talk(caller, callerHz, 7*time.Second)
	a := agent.stream(t, 0xa1)
	consult(t, sw, a)
	a.sendDigits(101, "*1")
	waitLog(t, sw, "attended transfer aborted")
	if ok, f := target.run.wait(5 * time.Second); !ok {
		t.Errorf("the target must get BYE when the transfer is aborted:\n%s", f)
	}
	agentTalks := talk(a, agentHz, 1500*time.Millisecond)
	from, to := window(1300 * time.Millisecond)
	if ok, d := callerEar.hears(from, to, agentHz); !ok {
		t.Errorf("after the abort the caller does not hear the agent: %s", d)
	}
	if ok, d := agent.ear.hears(from, to, callerHz); !ok {
		t.Errorf("after the abort the agent does not hear the caller: %s", d)
	}
	<-agentTalks
	<-callerTalks
	trunk.mustPass(t, "the call goes on after the abort")
	if ok, f := agent.run.wait(10 * time.Second); !ok {
		t.Errorf("the agent must get BYE when the caller hangs up:\n%s", f)
	}
}

// dialFrom has ext on ip dial a number with phone_call_media.xml, its
// media ear's socket, and returns once answered with its stream; the phone
// hangs up after hold unless the switch does.
func dialFrom(t *testing.T, sw *runningSwitch, ip, ext, dial string, ear *earRTP, hold time.Duration) (*sippRun, *rtpOut) {
	t.Helper()
	portFile := filepath.Join(t.TempDir(), "phone-rtp-port")
	scenario := writeScenario(t, "phone_call_media.xml", map[string]string{
		"c=IN IP[media_ip_type] [media_ip]": "c=IN IP4 " + ip,
		"m=audio [media_port]":              "m=audio " + portOf(ear.conn),
		"> phone-rtp-port":                  "> " + portFile,
		"HOLD_MS":                           fmt.Sprint(hold.Milliseconds()),
	})
	run := startSipp(t, "phone "+ext, ip, sw.sipAddr, scenario, "-s", dial, "-key", "user", ext, "-au", ext, "-ap", "s3cret-"+ext)
	port, _ := waitPortFile(portFile, 10*time.Second)
	if port == "" {
		_, f := run.wait(15 * time.Second)
		t.Fatalf("%s dialling %s: no answer with media:\n%s", ext, dial, f)
	}
	host, _, _ := net.SplitHostPort(sw.sipAddr)
	return run, newRTPOut(ear.conn, host, port, 0, 0xc3)
}

const parkDialplan = `[from-pstn]
exten => _X.,1,Dial(SIP/1001,20,k)
 same => n,Verbose(1,after Dial DIALSTATUS=${DIALSTATUS})
exten => h,1,Verbose(1,parked caller gone PARKINGSLOT=${PARKINGSLOT})
[phones]
exten => _7[0-4]X,1,Verbose(1,retrieving ${EXTEN})
 same => n,ParkedCall(default,${EXTEN})
`

// parkFeatures is the demo's features.conf with parkcall => #72 and the
// [general] options of set.
func parkFeatures(t *testing.T, set string) string {
	t.Helper()
	return strings.Replace(demoFeatures(t, set), "[featuremap]\n", "[featuremap]\nparkcall => #72\n", 1)
}

// TestParkCallRetrieved: with Dial's k the agent dials #72 (parkcall):
// the caller is parked in 701 (the first space) with music on hold, the
// agent hears the space and gets BYE; phone 1002 dials 701 (ParkedCall)
// and talks with the caller; its hangup reaches the caller, whose channel
// had PARKINGSLOT=701.
func TestParkCallRetrieved(t *testing.T) {
	sw, trunkIP, agentIP, targetIP := xferSwitch(t, 223, map[string]string{
		"extensions.conf": parkDialplan,
		"features.conf":   parkFeatures(t, ""),
	})
	agent := startXferPhone(t, sw, agentIP, "1001", 200*time.Millisecond, 14*time.Second)
	callerEar := startEar(t, trunkIP)
	trunk, caller := xferTrunk(t, sw, trunkIP, "0522000000", callerEar, 10*time.Second)
	callerTalks := talk(caller, callerHz, 9*time.Second)
	a := agent.stream(t, 0xa1)
	a.tone(agentHz, 300*time.Millisecond)
	a.sendDigits(101, "#72")
	waitLog(t, sw, "call parked")
	if !strings.Contains(sw.logs.String(), "space=701") {
		t.Errorf("the caller was not parked in 701, the lot's first space")
	}
	if ok, f := agent.run.wait(10 * time.Second); !ok {
		t.Errorf("the parker must get BYE after hearing the space:\n%s", f)
	}
	retrieveParked(t, sw, targetIP, callerEar, trunk)
	<-callerTalks
	waitLog(t, sw, "parked caller gone PARKINGSLOT=701")
}

// TestParkCallComesBack: parkingtime=2: nobody takes the parked caller,
// so after 2 s the parker's phone (comebacktoorigin) rings again and,
// answered, talks with the caller.
func TestParkCallComesBack(t *testing.T) {
	sw, trunkIP, agentIP, _ := xferSwitch(t, 226, map[string]string{
		"extensions.conf": parkDialplan,
		"features.conf":   parkFeatures(t, "parkingtime=2\n"),
	})
	agent := startXferPhone(t, sw, agentIP, "1001", 200*time.Millisecond, 14*time.Second)
	callerEar := startEar(t, trunkIP)
	trunk, caller := xferTrunk(t, sw, trunkIP, "0522000000", callerEar, 10*time.Second)
	callerTalks := talk(caller, callerHz, 9*time.Second)
	a := agent.stream(t, 0xa1)
	a.tone(agentHz, 300*time.Millisecond)
	a.sendDigits(101, "#72")
	waitLog(t, sw, "call parked")
	if ok, f := agent.run.wait(10 * time.Second); !ok {
		t.Fatalf("the parker must get BYE after hearing the space:\n%s", f)
	}
	again := runXferPhone(t, sw, agentIP, agent.sipPort, "1001", 200*time.Millisecond, 4*time.Second)
	waitLog(t, sw, "parked call timed out")
	waitLog(t, sw, "parked call came back to the parker")
	b := again.stream(t, 0xa2)
	agentTalks := talk(b, agentHz, 1500*time.Millisecond)
	from, to := window(1300 * time.Millisecond)
	if ok, d := again.ear.hears(from, to, callerHz); !ok {
		t.Errorf("the parker rung again does not hear the caller: %s", d)
	}
	if ok, d := callerEar.hears(from, to, agentHz); !ok {
		t.Errorf("the caller who came back does not hear the parker: %s", d)
	}
	<-agentTalks
	if ok, f := again.run.wait(10 * time.Second); !ok {
		t.Errorf("the parker hangs up:\n%s", f)
	}
	trunk.mustPass(t, "the caller gets BYE when the parker hangs up")
	<-callerTalks
}

// TestQueueAgentAttendedTransferSeed001 is seed 001's transfer: the
// caller waits in Queue(support,tx) as the demo's queues do; the agent
// who answers dials *2 and 1002, which puts the customer on hold and
// calls 1002; 1002 picks up, the agent hangs up, and the customer talks
// with 1002.
func TestQueueAgentAttendedTransferSeed001(t *testing.T) {
	sw, trunkIP, agentIP, targetIP := xferSwitch(t, 220, map[string]string{
		"extensions.conf": strings.ReplaceAll(xferQueueDialplan, "{{OPTS}}", "tx") + `exten => 1002,1,Dial(SIP/1002,20)
`,
		"queues.conf":   xferQueueConf,
		"features.conf": demoFeatures(t, ""),
	})
	agent := startXferPhone(t, sw, agentIP, "1001", 200*time.Millisecond, 5*time.Second)
	target := startXferPhone(t, sw, targetIP, "1002", 300*time.Millisecond, 6*time.Second)
	callerEar := startEar(t, trunkIP)
	trunk, caller := xferTrunk(t, sw, trunkIP, "0522000000", callerEar, 13*time.Second)
	waitLog(t, sw, "Queue: bridged")
	callerTalks := talk(caller, callerHz, 12*time.Second)
	a := agent.stream(t, 0xa1)
	consult(t, sw, a)
	if ok, f := agent.run.wait(10 * time.Second); !ok {
		t.Fatalf("the agent hangs up during the consultation:\n%s", f)
	}
	waitLog(t, sw, "attended transfer complete")
	tg := target.stream(t, 0xb2)
	time.Sleep(400 * time.Millisecond) // the target's beep
	targetTalks := talk(tg, targetHz, 1500*time.Millisecond)
	from, to := window(1300 * time.Millisecond)
	if ok, d := callerEar.hears(from, to, targetHz); !ok {
		t.Errorf("after the agent hung up the customer does not hear 1002: %s", d)
	}
	if ok, d := target.ear.hears(from, to, callerHz); !ok {
		t.Errorf("after the agent hung up 1002 does not hear the customer: %s", d)
	}
	<-targetTalks
	if ok, f := target.run.wait(10 * time.Second); !ok {
		t.Errorf("1002 hangs up:\n%s", f)
	}
	trunk.mustPass(t, "the customer gets BYE when 1002 hangs up")
	<-callerTalks
	log := waitQueueLog(t, sw, "|support|SIP/1001|ATTENDEDTRANSFER|")
	if !regexp.MustCompile(`\|support\|SIP/1001\|CONNECT\|`).MatchString(log) ||
		!regexp.MustCompile(`\|support\|SIP/1001\|ATTENDEDTRANSFER\|BRIDGE\|[^|]+\|\d+\|\d+\|1\n`).MatchString(log) || strings.Contains(log, "|COMPLETE") {
		t.Errorf("queue_log after the agent's attended transfer:\n%s", log)
	}
}

// TestBlindTransferToParkExt: the agent blind-transfers the caller (#1)
// to 700, whose Park() parks it in 701 (the space is said to the parked
// caller); phone 1002 dials 701 and talks with the caller.
func TestBlindTransferToParkExt(t *testing.T) {
	sw, trunkIP, agentIP, targetIP := xferSwitch(t, 223, map[string]string{
		"extensions.conf": strings.ReplaceAll(parkDialplan, "Dial(SIP/1001,20,k)", "Dial(SIP/1001,20,t)") + "exten => 700,1,Park()\n",
		"features.conf":   demoFeatures(t, ""),
	})
	agent := startXferPhone(t, sw, agentIP, "1001", 200*time.Millisecond, 14*time.Second)
	callerEar := startEar(t, trunkIP)
	trunk, caller := xferTrunk(t, sw, trunkIP, "0522000000", callerEar, 10*time.Second)
	callerTalks := talk(caller, callerHz, 9*time.Second)
	a := agent.stream(t, 0xa1)
	a.tone(agentHz, 300*time.Millisecond)
	a.sendDigits(101, "#1")
	waitLog(t, sw, "transfer: the transferer dials the target")
	a.sendDigits(101, "700")
	waitLog(t, sw, "Park: call parked")
	if !strings.Contains(sw.logs.String(), "space=701 parker=SIP/1001-") {
		t.Errorf("Park() did not park the caller in 701 with the agent as its parker")
	}
	if ok, f := agent.run.wait(10 * time.Second); !ok {
		t.Errorf("the agent (transferer) must get BYE:\n%s", f)
	}
	retrieveParked(t, sw, targetIP, callerEar, trunk)
	<-callerTalks
}

// TestAtxferSwap: during the consultation the agent dials *4
// (atxferswap) and talks with the caller again while the target waits on
// hold; *2 then completes the transfer: the caller and the target talk.
func TestAtxferSwap(t *testing.T) {
	sw, trunkIP, agentIP, targetIP := xferSwitch(t, 226, map[string]string{
		"extensions.conf": strings.ReplaceAll(xferDialplan, "{{OPTS}}", "t"),
		"features.conf":   demoFeatures(t, "atxferswap=*4"),
	})
	agent := startXferPhone(t, sw, agentIP, "1001", 200*time.Millisecond, 14*time.Second)
	target := startXferPhone(t, sw, targetIP, "1002", 300*time.Millisecond, 14*time.Second)
	callerEar := startEar(t, trunkIP)
	trunk, caller := xferTrunk(t, sw, trunkIP, "0522000000", callerEar, 9*time.Second)
	callerTalks := talk(caller, callerHz, 8*time.Second)
	a := agent.stream(t, 0xa1)
	consult(t, sw, a)
	tg := target.stream(t, 0xb2)
	a.sendDigits(101, "*4")
	waitLog(t, sw, "attended transfer: the transferer swaps to the held party")
	targetTalks := talk(tg, targetHz, 1500*time.Millisecond)
	from, to := window(1300 * time.Millisecond)
	if ok, d := agent.ear.hears(from, to, callerHz); !ok {
		t.Errorf("swapped: the agent does not hear the caller: %s", d)
	}
	if ok, d := callerEar.present(from, to, targetHz); ok {
		t.Errorf("swapped: the caller hears the target on hold: %s", d)
	}
	<-targetTalks
	a.sendDigits(101, "*2")
	waitLog(t, sw, "attended transfer complete")
	if ok, f := agent.run.wait(10 * time.Second); !ok {
		t.Errorf("the agent must get BYE once the transfer completes:\n%s", f)
	}
	time.Sleep(400 * time.Millisecond) // the target's beep
	targetTalks = talk(tg, targetHz, 1500*time.Millisecond)
	from, to = window(1300 * time.Millisecond)
	if ok, d := callerEar.hears(from, to, targetHz); !ok {
		t.Errorf("after the transfer the caller does not hear the target: %s", d)
	}
	<-targetTalks
	<-callerTalks
	trunk.mustPass(t, "the caller talks with the target until it hangs up")
	if ok, f := target.run.wait(10 * time.Second); !ok {
		t.Errorf("the target must get BYE when the caller hangs up:\n%s", f)
	}
}

// retrieveParked: phone 1002 (on targetIP) dials 701 and takes the parked
// caller; each hears the other, then 1002 hangs up and the caller's trunk
// gets BYE.
func retrieveParked(t *testing.T, sw *runningSwitch, targetIP string, callerEar *earRTP, trunk *sippRun) {
	t.Helper()
	registerFrom(t, sw, targetIP, freeUDPPort(t, targetIP), "1002", "s3cret-1002")
	e := startEar(t, targetIP)
	run, out := dialFrom(t, sw, targetIP, "1002", "701", e, 3*time.Second)
	waitLog(t, sw, "ParkedCall: call taken")
	retrieverTalks := talk(out, targetHz, 2*time.Second)
	from, to := window(1800 * time.Millisecond)
	if ok, d := e.hears(from, to, callerHz); !ok {
		t.Errorf("the retriever does not hear the parked caller: %s", d)
	}
	if ok, d := callerEar.hears(from, to, targetHz); !ok {
		t.Errorf("the parked caller does not hear the retriever: %s", d)
	}
	<-retrieverTalks
	if ok, f := run.wait(10 * time.Second); !ok {
		t.Errorf("the retriever hangs up:\n%s", f)
	}
	trunk.mustPass(t, "the caller gets BYE when the retriever hangs up")
}

// consult: the agent (its stream a) talks, dials *2 (atxfer), then 1002
// once it hears pbx-transfer, until the switch consults the target.
func consult(t *testing.T, sw *runningSwitch, a *rtpOut) {
	t.Helper()
	a.tone(agentHz, 300*time.Millisecond)
	a.sendDigits(101, "*2")
	waitLog(t, sw, "transfer: the transferer dials the target")
	a.sendDigits(101, "1002")
	waitLog(t, sw, "attended transfer: consulting the target")
}
