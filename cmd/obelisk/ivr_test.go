package main

// Acceptance tests of issue 4 (calls speak and listen): the real switch
// plays prompts, hears keys (RFC 4733, SIP INFO) and runs Background,
// WaitExten, Read and Playback; callers are sipp trunks whose media is a
// Go socket of the test (which decodes what the caller hears and presses
// keys by RFC 4733 from the address its SDP names) or sipp itself (sipp's
// bundled RFC 4733 recordings). The keys pressed decide where the call
// goes, which the tests check on the far side: which phone gets the
// INVITE, and what the dialplan put in it (Request-URI user, From display
// name), never a log line, except where a log line is what is asked for
// (a bad sound file is named, a TTS failure is told).
//
// Loopback addresses (loopbackIP n): 41-49, 52-59, 63-68, 76-78, 83-89, 91,
// 92.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// demoAgents are the demo's first agent of each language queue and the key
// of the language in the menu.
var demoAgents = []struct{ digit, lang, ext, secret string }{
	{"1", "ar", "101", "ar1-Demo-7Qx"},
	{"2", "en", "201", "en1-Demo-9Wd"},
	{"3", "fr", "301", "fr1-Demo-6Hn"},
}

// demoQueueStandIn replaces the demo's [queue] for the tests that look at
// where the language choice sends the call: Queue() is issue 5, so the
// language queue's first agent is dialled instead.
const demoQueueStandIn = `[queue]                 ; test stand-in: Queue() is issue 5
exten => s,1,Goto(${CC_QUEUE},1)
exten => ar-queue,1,Dial(SIP/101,10)
exten => en-queue,1,Dial(SIP/201,10)
exten => fr-queue,1,Dial(SIP/301,10)
`

// demoMenu are the prompts of the demo's language menu, in the order
// Background plays them to an English-speaking caller (the trunk's
// language is sip.conf's language=en); the three menu parts exist in one
// language each and are spoken in it.
var demoMenu = []struct{ name, lang string }{
	{"callcentre/welcome", "en"},
	{"callcentre/menu-ar", "en"},
	{"callcentre/menu-en", "en"},
	{"callcentre/menu-fr", "en"},
}

// TestIVRDemoMenuKeyFromSippPcap walks the demo call centre's language menu
// with sipp alone: the trunk calls 0777 and, once the menu has been spoken
// (the length of its four prompts and 1.5 s), plays sipp's own recording of
// key 1, 2 or 3 (dtmf_2833_<d>.pcap) from its media port. The key must
// send the call to that language: with the queues stood in for by their
// first agent (Queue() is issue 5), agent 101 (Arabic), 201 (English) or
// 301 (French) gets the INVITE, answers and hangs up, which hangs up the
// caller; the other two agents, registered from sockets of the test, get
// nothing.
func TestIVRDemoMenuKeyFromSippPcap(t *testing.T) {
	cat := demoCatalogue(t)
	var menu time.Duration
	for _, p := range demoMenu {
		menu += reference(t, cat, p.name, p.lang).duration()
	}
	for i, a := range demoAgents {
		t.Run(a.lang, func(t *testing.T) {
			t.Parallel()
			ip, trunkIP, phoneIP := loopbackIP(t, 41+3*i), loopbackIP(t, 42+3*i), loopbackIP(t, 43+3*i)
			sw := startSwitch(t, ip, demoFiles(t, ip, trunkIP, func(name, text string) string {
				if name != "extensions.conf" {
					return text
				}
				return replaceSection(t, name, text, "queue", demoQueueStandIn)
			}))
			var phone *sippRun
			var others []*sentinelPhone
			for _, b := range demoAgents {
				if b.ext != a.ext {
					others = append(others, newSentinelPhone(t, sw, phoneIP, b.ext, b.secret))
					continue
				}
				phone = sippPhone(t, sw, phoneIP, b.ext, b.secret, writeScenario(t, "ivr_phone_check.xml", map[string]string{
					"WANT_USER": b.ext, "WANT_FROM": "0612345678",
				}))
			}
			after := menu + 1500*time.Millisecond
			scenario := writeScenario(t, "ivr_trunk_dtmf_pcap.xml", map[string]string{
				"DTMF_AFTER_MS": fmt.Sprint(after.Milliseconds()),
				"DIGIT":         a.digit,
				"HOLD_MS":       "15000",
			})
			trunk := startSipp(t, "trunk", trunkIP, sw.sipAddr, scenario, "-s", "0777", "-timeout", "50s")
			phone.mustPass(t, fmt.Sprintf("agent %s (%s queue) called once key %s was pressed after the menu (%v)", a.ext, a.lang, a.digit, after.Round(time.Millisecond)))
			trunk.mustPass(t, "the call answered, then hung up by the switch when the agent hung up")
			checkSentinels(t, others...)
		})
	}
}

// TestIVRDemoLanguagePrompts calls the demo call centre (its files as they
// are, the network settings aside) with a Go socket as the caller's media
// and checks what the caller hears against the project's own espeak-ng
// synthesis of prompts.txt (tts.Espeak, the switch's default engine, at
// 8 kHz): first the language menu, four prompts one after the other
// (welcome in English, then the Arabic, English and French menu parts, each
// in its own language), each within 10 % of its reference's duration and
// with a 20 ms energy envelope correlated above 0.8 with it; then, once
// the menu is over and the caller presses 1, 2 or 3 by RFC 4733 from that
// socket, the recording notice in the language chosen, which must match
// its reference as closely and better than the notice of either other
// language.
func TestIVRDemoLanguagePrompts(t *testing.T) {
	cat := demoCatalogue(t)
	var menu []speechRef
	for _, p := range demoMenu {
		menu = append(menu, reference(t, cat, p.name, p.lang))
	}
	notices := map[string]speechRef{}
	for _, a := range demoAgents {
		notices[a.lang] = reference(t, cat, "callcentre/recording-notice", a.lang)
	}
	for i, a := range demoAgents {
		t.Run(a.lang, func(t *testing.T) {
			t.Parallel()
			ip, trunkIP := loopbackIP(t, 52+2*i), loopbackIP(t, 53+2*i)
			sw := startSwitch(t, ip, demoFiles(t, ip, trunkIP, nil))
			caller := newRTPCaller(t, trunkIP)
			trunk := goMediaTrunk(t, sw, trunkIP, "0777", caller, 35*time.Second)

			segs, ok := caller.waitSegmentDone(len(menu)-1, 700*time.Millisecond, 30*time.Second)
			if !ok || len(segs) != len(menu) {
				t.Fatalf("want the menu's %d prompts, then silence while WaitExten waits; heard %d segments: %s", len(menu), len(segs), describeSegments(segs))
			}
			for j, ref := range menu {
				checkHeard(t, fmt.Sprintf("menu prompt %d", j+1), segs[j], ref)
			}
			caller.press(a.digit)
			segs, ok = caller.waitSegmentDone(len(menu), 700*time.Millisecond, 20*time.Second)
			if !ok || len(segs) <= len(menu) {
				t.Fatalf("after key %s: want the recording notice in %s; heard %s", a.digit, a.lang, describeSegments(segs))
			}
			heard := segs[len(menu)]
			checkHeard(t, "after key "+a.digit, heard, notices[a.lang])
			want := matchSpeech(heard.pcm, notices[a.lang])
			for _, o := range demoAgents {
				if o.lang == a.lang {
					continue
				}
				m := matchSpeech(heard.pcm, notices[o.lang])
				t.Logf("after key %s, compared with the %s notice: %s", a.digit, o.lang, m)
				if m.corr >= want.corr {
					t.Errorf("after key %s the notice heard is as close to the %s one (%s) as to the %s one (%s)", a.digit, o.lang, m, a.lang, want)
				}
			}
			if ok, failure := trunk.wait(40 * time.Second); !ok {
				t.Errorf("the trunk: %s", failure)
			} else if byes := received(trunk.messages(), "BYE "); len(byes) > 0 {
				t.Logf("after the notice the switch hung up (%v after it began); the demo goes on with MixMonitor and Queue", byes[0].at.Sub(heard.start).Round(time.Millisecond))
			} else {
				t.Logf("the switch kept the call after the notice; the trunk hung up")
			}
		})
	}
}

// TestIVRDemoMenuBargeIn: a caller who knows the menu presses 2 (RFC 4733
// from the media socket) 1 s into its second prompt (the Arabic part):
// Background stops that prompt there (the caller hears well under its
// whole length, and nothing of the last two parts) and the English
// recording notice follows.
func TestIVRDemoMenuBargeIn(t *testing.T) {
	cat := demoCatalogue(t)
	menuAR := reference(t, cat, "callcentre/menu-ar", "en")
	notice := reference(t, cat, "callcentre/recording-notice", "en")
	ip, trunkIP := loopbackIP(t, 58), loopbackIP(t, 59)
	sw := startSwitch(t, ip, demoFiles(t, ip, trunkIP, nil))
	caller := newRTPCaller(t, trunkIP)
	trunk := goMediaTrunk(t, sw, trunkIP, "0777", caller, 30*time.Second)
	segs, ok := caller.waitSegmentDone(0, 2*time.Second, 15*time.Second)
	if !ok || len(segs) < 2 {
		t.Fatalf("want the welcome, then the Arabic part of the menu; heard %s", describeSegments(segs))
	}
	time.Sleep(time.Until(segs[1].start.Add(time.Second)))
	caller.press("2")
	segs, ok = caller.waitSegmentDone(2, 700*time.Millisecond, 20*time.Second)
	if !ok || len(segs) < 3 {
		t.Fatalf("after key 2 during the menu: want the English recording notice; heard %s", describeSegments(segs))
	}
	t.Logf("the Arabic menu part stopped after %v of %v", segs[1].duration().Round(time.Millisecond), menuAR.duration().Round(time.Millisecond))
	if d := segs[1].duration(); d > menuAR.duration()*3/4 {
		t.Errorf("key 2 pressed 1 s into the Arabic menu part (%v long) did not stop it: heard %v of it%s", menuAR.duration().Round(time.Millisecond), d.Round(time.Millisecond), describeSegments(segs))
	}
	checkHeard(t, "after key 2 during the menu", segs[2], notice)
	if ok, failure := trunk.wait(40 * time.Second); !ok {
		t.Errorf("the trunk: %s", failure)
	}
}

// ivrSIPConf is a small switch for the dialplans below: phones 1001 and
// 1002 and a provider trunk at {{TRUNK}} into [from-pstn].
const ivrSIPConf = `[general]
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

[pstn]
type=peer
host={{TRUNK}}
context=from-pstn
insecure=port,invite
disallow=all
allow=alaw,ulaw
`

// ivrSwitch starts ivrSIPConf's switch on ip with the trunk at trunkIP, the
// dialplan's [from-pstn] and the demo's prompts.txt (plus extraPrompts);
// more files (tts.conf) may be given; data is its data directory ("" for a
// new one).
func ivrSwitch(t *testing.T, ip, trunkIP, fromPSTN, extraPrompts, data string, more map[string]string) *runningSwitch {
	t.Helper()
	prompts, err := os.ReadFile(filepath.Join(testdataDir(t), "demo", "prompts.txt"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"sip.conf":        strings.ReplaceAll(ivrSIPConf, "{{TRUNK}}", trunkIP),
		"extensions.conf": "[from-pstn]\n" + fromPSTN + "\n\n[phones]\n",
		"prompts.txt":     string(prompts) + extraPrompts,
	}
	for k, v := range more {
		files[k] = v
	}
	if data == "" {
		data = t.TempDir()
	}
	return startSwitchIn(t, ip, files, data)
}

// TestIVRInfoKeyChoosesPhone: a menu of Background (the demo's "For
// English, press two.") and WaitExten(8), key 1 dialling phone 1001 and key
// 2 phone 1002, driven by SIP INFO: application/dtmf-relay Signal=2 rings
// 1002 and application/dtmf 1 rings 1001 (the phone called answers and
// hangs up, which hangs up the caller); the other phone, registered from a
// socket of the test, gets no INVITE.
func TestIVRInfoKeyChoosesPhone(t *testing.T) {
	const dialplan = `exten => 0522000000,1,Answer()
 same => n,Background(callcentre/menu-en)
 same => n,WaitExten(8)
exten => 1,1,Dial(SIP/1001,10)
exten => 2,1,Dial(SIP/1002,10)
exten => t,1,Hangup(19)`
	for i, tc := range []struct{ name, ctype, body, called, other string }{
		{"dtmf-relay Signal=2", "application/dtmf-relay", "Signal=2\n      Duration=160", "1002", "1001"},
		{"dtmf 1", "application/dtmf", "1", "1001", "1002"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ip, trunkIP, phoneIP := loopbackIP(t, 63+3*i), loopbackIP(t, 64+3*i), loopbackIP(t, 65+3*i)
			sw := ivrSwitch(t, ip, trunkIP, dialplan, "", "", nil)
			phone := sippPhone(t, sw, phoneIP, tc.called, "s3cret-"+tc.called, writeScenario(t, "ivr_phone_check.xml", map[string]string{
				"WANT_USER": tc.called, "WANT_FROM": "0612345678",
			}))
			other := newSentinelPhone(t, sw, phoneIP, tc.other, "s3cret-"+tc.other)
			scenario := writeScenario(t, "ivr_trunk_info.xml", map[string]string{
				"INFO_AFTER_MS": "3000", // the prompt is about 2 s: the key comes while WaitExten waits
				"INFO_TYPE":     tc.ctype,
				"INFO_BODY":     tc.body,
				"HOLD_MS":       "15000",
			})
			trunk := startSipp(t, "trunk", trunkIP, sw.sipAddr, scenario, "-s", "0522000000", "-timeout", "40s")
			phone.mustPass(t, fmt.Sprintf("phone %s called after the INFO (%s)", tc.called, tc.ctype))
			trunk.mustPass(t, "200 to the INVITE and to the INFO, then the switch hanging up when the phone did")
			checkSentinels(t, other)
		})
	}
}

// readDialplan reads up to 10 digits (the first key may cut the prompt
// short; 5 s for each key) and shows the result on the far side: the
// INVITE to phone 1001 has NUM (or "none") as its Request-URI user and
// READSTATUS as the caller ID name.
const readDialplan = `exten => _X.,1,Answer()
 same => n,Read(NUM,callcentre/callback-enter-number,10,,1,5)
 same => n,Set(CALLERID(name)=${READSTATUS})
 same => n,Dial(SIP/1001/${IF($["${NUM}" = ""]?none:${NUM})},10)
 same => n,Hangup()`

// TestIVRRead: Read(NUM,callcentre/callback-enter-number,10,,1,5) with keys
// pressed by RFC 4733 from the caller's media socket once the prompt has
// begun (the first key cuts it short and counts); the dialplan then puts
// READSTATUS in the caller ID name and NUM (or "none") in the Request-URI
// of the INVITE to phone 1001, which checks both: "0791234567#" gives
// 0791234567 and OK (ten digits, maxdigits reached), "4455#" gives 4455 and
// OK (ended by #), no key gives none and TIMEOUT after the whole prompt
// (which must be the catalogue's English text) and 5 s.
func TestIVRRead(t *testing.T) {
	ip, trunkIP, phoneIP := loopbackIP(t, 76), loopbackIP(t, 77), loopbackIP(t, 78)
	sw := ivrSwitch(t, ip, trunkIP, readDialplan, "", "", nil)
	prompt := reference(t, demoCatalogue(t), "callcentre/callback-enter-number", "en")
	phonePort := freeUDPPort(t, phoneIP)
	registerFrom(t, sw, phoneIP, phonePort, "1001", "s3cret-1001")
	for _, tc := range []struct{ name, keys, user, status string }{
		{"ten digits", "0791234567#", "0791234567", "OK"},
		{"ended by hash", "4455#", "4455", "OK"},
		{"timeout", "", "none", "TIMEOUT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			phone := startSipp(t, "phone 1001", phoneIP, "", writeScenario(t, "ivr_phone_check.xml", map[string]string{
				"WANT_USER": tc.user, "WANT_FROM": fromName(tc.status),
			}), "-p", phonePort, "-timeout", "40s")
			time.Sleep(200 * time.Millisecond)
			caller := newRTPCaller(t, trunkIP)
			trunk := goMediaTrunk(t, sw, trunkIP, "0522000000", caller, 30*time.Second)
			if tc.keys != "" {
				if segs, _ := caller.waitSegmentDone(-1, 0, 10*time.Second); len(segs) == 0 {
					t.Fatal("the Read prompt never began")
				}
				time.Sleep(500 * time.Millisecond)
				caller.press(tc.keys)
			}
			phone.mustPass(t, fmt.Sprintf("phone 1001 called with Request-URI user %s and From display name %s", tc.user, tc.status))
			trunk.mustPass(t, "the call answered, then hung up by the switch when the phone did")
			segs := caller.segments()
			if len(segs) == 0 {
				t.Fatal("the caller heard no prompt")
			}
			if tc.keys == "" {
				checkHeard(t, "the Read prompt", segs[0], prompt)
			} else if segs[0].duration() > prompt.duration()*6/10 {
				t.Errorf("the first key, pressed 0.5 s into the prompt, did not cut it short: heard %v of it, the whole is %v%s",
					segs[0].duration().Round(time.Millisecond), prompt.duration().Round(time.Millisecond), describeSegments(segs))
			}
		})
	}
}

// TestIVRBadSounds: what cannot be played never stops a call. Each case
// plays one sound, then puts PLAYBACKSTATUS in the caller ID name and
// dials phone 1001 with the case's name as Request-URI user, so that the
// next priority running and the status show on the far side:
//
//   - missing: no such file, no catalogue text: FAILED, nothing heard;
//   - corrupt: DATA/sounds/en/foo.wav holds junk: the switch logs the
//     file's name, FAILED;
//   - corrupt with text: DATA/sounds/en/bar.wav holds junk, prompts.txt has
//     a text for bar: the file is named in the log, the text is spoken
//     (heard as its espeak-ng reference), SUCCESS;
//   - TTS failure (a switch of its own whose tts.conf has
//     espeak_path=/nonexistent): callcentre/goodbye has no file and its text
//     cannot be spoken: a log line says so, FAILED, nothing heard.
func TestIVRBadSounds(t *testing.T) {
	const barText = "This recording was damaged, so the switch reads its text instead."
	dialplan := ""
	for _, c := range []struct{ exten, sound string }{
		{"missing", "callcentre/no-such-prompt"},
		{"corrupt", "foo"},
		{"corrupt-text", "bar"},
		{"tts", "callcentre/goodbye"},
	} {
		dialplan += fmt.Sprintf(`exten => %s,1,Answer()
 same => n,Playback(%s)
 same => n,Set(CALLERID(name)=${PLAYBACKSTATUS})
 same => n,Dial(SIP/1001/${EXTEN},10)
 same => n,Hangup()
`, c.exten, c.sound)
	}
	junk := []byte("RIFF\x10\x00\x00\x00WAVEjunk, not a sound at all \x00\xff\x13\x37")
	data := t.TempDir()
	if err := os.MkdirAll(filepath.Join(data, "sounds", "en"), 0o750); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"foo.wav", "bar.wav"} {
		if err := os.WriteFile(filepath.Join(data, "sounds", "en", f), junk, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	bar := referenceText(t, "bar", "en", barText)

	call := func(t *testing.T, sw *runningSwitch, trunkIP, phoneIP, phonePort, exten, status string) []heardSegment {
		t.Helper()
		phone := startSipp(t, "phone 1001", phoneIP, "", writeScenario(t, "ivr_phone_check.xml", map[string]string{
			"WANT_USER": exten, "WANT_FROM": fromName(status),
		}), "-p", phonePort, "-timeout", "40s")
		time.Sleep(200 * time.Millisecond)
		caller := newRTPCaller(t, trunkIP)
		trunk := goMediaTrunk(t, sw, trunkIP, exten, caller, 30*time.Second)
		phone.mustPass(t, fmt.Sprintf("phone 1001 called (the priority after Playback ran) with Request-URI user %s and PLAYBACKSTATUS %s as the From display name", exten, status))
		trunk.mustPass(t, "the call answered, then hung up by the switch when the phone did")
		return caller.segments()
	}

	t.Run("files", func(t *testing.T) {
		ip, trunkIP, phoneIP := loopbackIP(t, 83), loopbackIP(t, 84), loopbackIP(t, 85)
		sw := ivrSwitch(t, ip, trunkIP, dialplan, "\nbar|en|"+barText+"\n", data, nil)
		phonePort := freeUDPPort(t, phoneIP)
		registerFrom(t, sw, phoneIP, phonePort, "1001", "s3cret-1001")
		t.Run("missing", func(t *testing.T) {
			if segs := call(t, sw, trunkIP, phoneIP, phonePort, "missing", "FAILED"); len(segs) > 0 {
				t.Errorf("a missing sound with no text: the caller heard %s", describeSegments(segs))
			}
		})
		t.Run("corrupt", func(t *testing.T) {
			segs := call(t, sw, trunkIP, phoneIP, phonePort, "corrupt", "FAILED")
			if len(segs) > 0 {
				t.Errorf("a corrupt sound with no text: the caller heard %s", describeSegments(segs))
			}
			waitLog(t, sw, filepath.Join(data, "sounds", "en", "foo.wav"))
		})
		t.Run("corrupt with text", func(t *testing.T) {
			segs := call(t, sw, trunkIP, phoneIP, phonePort, "corrupt-text", "SUCCESS")
			waitLog(t, sw, filepath.Join(data, "sounds", "en", "bar.wav"))
			if len(segs) != 1 {
				t.Fatalf("want the catalogue's text for bar spoken instead of the corrupt bar.wav; heard %d segments: %s", len(segs), describeSegments(segs))
			}
			checkHeard(t, "bar, spoken", segs[0], bar)
		})
	})

	t.Run("TTS failure", func(t *testing.T) {
		ip, trunkIP, phoneIP := loopbackIP(t, 86), loopbackIP(t, 87), loopbackIP(t, 88)
		sw := ivrSwitch(t, ip, trunkIP, dialplan, "", "", map[string]string{
			"tts.conf": "[general]\nengine=espeak\nespeak_path=/nonexistent\n",
		})
		phonePort := freeUDPPort(t, phoneIP)
		registerFrom(t, sw, phoneIP, phonePort, "1001", "s3cret-1001")
		if segs := call(t, sw, trunkIP, phoneIP, phonePort, "tts", "FAILED"); len(segs) > 0 {
			t.Errorf("text-to-speech failing: the caller heard %s", describeSegments(segs))
		}
		var line string
		for _, l := range strings.Split(sw.logs.String(), "\n") {
			if strings.Contains(l, "text-to-speech") && strings.Contains(l, "/nonexistent") {
				line = l
			}
		}
		if line == "" {
			t.Errorf("no log line tells that text-to-speech failed and names espeak_path /nonexistent:\n%s", sw.logs.String())
		} else {
			t.Logf("the switch logged: %s", line)
		}
	})
}

// TestIVRReadKeysFromSippPcap is TestIVRRead's "0791234567#" with sipp's
// media alone: 1 s after the answer (while the prompt plays) the trunk
// plays a pcap of the eleven keys that bench/mkpcap -dtmf writes (200 ms of
// A-law silence, then each key a 100 ms RFC 4733 event and 100 ms of
// silence, timestamps only going forward; sipp's per-digit pcaps cannot be
// chained, their timestamps run backwards between some digits): phone 1001
// must get the INVITE for 0791234567 with READSTATUS OK.
func TestIVRReadKeysFromSippPcap(t *testing.T) {
	ip, trunkIP, phoneIP := loopbackIP(t, 89), loopbackIP(t, 91), loopbackIP(t, 92)
	sw := ivrSwitch(t, ip, trunkIP, readDialplan, "", "", nil)
	keys := keysPcap(t, "0791234567#")
	phone := sippPhone(t, sw, phoneIP, "1001", "s3cret-1001", writeScenario(t, "ivr_phone_check.xml", map[string]string{
		"WANT_USER": "0791234567", "WANT_FROM": fromName("OK"),
	}))
	scenario := writeScenario(t, "ivr_trunk_dtmf_pcap.xml", map[string]string{
		"/usr/share/sip-tester/dtmf_2833_DIGIT.pcap": keys,
		"DTMF_AFTER_MS": "1000",
		"HOLD_MS":       "15000",
	})
	trunk := startSipp(t, "trunk", trunkIP, sw.sipAddr, scenario, "-s", "0522000000", "-timeout", "40s")
	phone.mustPass(t, "phone 1001 called with Request-URI user 0791234567 and From display name OK")
	trunk.mustPass(t, "the call answered, then hung up by the switch when the phone did")
}
