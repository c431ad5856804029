package main

// Integration tests of the call path inside a bridged trunk call: re-INVITE
// (hold, late offer, refused codec), UPDATE, SIP INFO DTMF, session timers
// (RFC 4028) and the media relay (telephone-event payload types,
// transcoding, strict RTP, symmetric RTP behind NAT). Each test starts the
// real switch; a sipp trunk calls a DID that Dial(SIP/1001,10)s a sipp
// phone. The trunk's sipp keeps a message trace, which the tests read to say
// exactly what the switch answered. The media tests do the RTP from Go
// sockets whose addresses the scenarios advertise.

import (
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// --- 1. hold by re-INVITE ----------------------------------------------

// TestSIPReinviteHold: the trunk puts the call on hold with a re-INVITE
// (a=sendonly, or a=inactive) and resumes it (a=sendrecv): the switch
// answers each in the same dialog with the matching direction (recvonly,
// inactive, sendrecv) on the same media port, with the o= version bumped
// (RFC 3264 §8, §8.4); the hold stays on the trunk's leg (the phone gets no
// re-INVITE, as with chan_sip, which plays it music on hold). After the
// resume the trunk's 1 kHz reaches the phone and the phone's 440 Hz reaches
// the trunk, in the payload type of the latest answer, whatever codec the
// re-INVITE's answer chose; then the trunk's BYE reaches the phone.
func TestSIPReinviteHold(t *testing.T) {
	sw, ip, trunkIP, phoneIP := mediaSwitch(t, 220, "", "")
	phonePort := freeUDPPort(t, phoneIP)
	for i, tc := range []struct{ name, offer, answer string }{
		{"sendonly", "sendonly", "recvonly"},
		{"inactive", "inactive", "inactive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := ""
			if i == 0 {
				reg = "after"
			}
			trunkMedia, phoneMedia := listenUDP(t, trunkIP), listenUDP(t, phoneIP)
			phone := startPhone(t, sw, phoneIP, phoneOpts{sipPort: phonePort, mediaPort: portOf(phoneMedia), register: reg})
			resumeFile := filepath.Join(t.TempDir(), "resume-rtp-port")
			scenario := writeScenario(t, "trunk_reinvite.xml", map[string]string{
				"a=sendonly":                        "a=" + tc.offer,
				`"a=recvonly"`:                      `"a=` + tc.answer + `"`,
				"c=IN IP[media_ip_type] [media_ip]": "c=IN IP4 " + trunkIP,
				"m=audio [media_port]":              "m=audio " + portOf(trunkMedia),
				"> resume-rtp-port":                 "> " + resumeFile,
			})
			trunk := trunkCall(t, sw, trunkIP, scenario)

			// Media after the resume.
			var phoneGot, trunkGot []rtpIn
			trunkPort, trunkPT := waitPortFile(resumeFile, 10*time.Second)
			phoneLegPort, _ := waitPortFile(phone.portFile, time.Second)
			if trunkPort != "" && phoneLegPort != "" {
				atPhone, atTrunk := make(chan []rtpIn, 1), make(chan []rtpIn, 1)
				go func() { atPhone <- readRTP(phoneMedia, 1500*time.Millisecond) }()
				go func() { atTrunk <- readRTP(trunkMedia, 1500*time.Millisecond) }()
				go newRTPOut(trunkMedia, ip, trunkPort, g711PT(trunkPT), 0x7a11).tone(1000, time.Second)
				go newRTPOut(phoneMedia, ip, phoneLegPort, 0, 0xb0b).tone(440, time.Second)
				phoneGot, trunkGot = <-atPhone, <-atTrunk
			}
			trunk.mustPass(t, fmt.Sprintf("the re-INVITE with a=%s answered 200 with a=%s, the resume with a=sendrecv answered 200 with a=sendrecv, the BYE 200", tc.offer, tc.answer))
			phoneMustPass(t, phone)
			msgs := trunk.messages()
			first, hold, resume := finalResponse(msgs, 1, "INVITE"), finalResponse(msgs, 2, "INVITE"), finalResponse(msgs, 3, "INVITE")
			if first == nil || hold == nil || resume == nil {
				t.Fatalf("missing final responses in the trace:\n%s", ladder(msgs))
			}
			port, _ := sdpAudio(first.body)
			for _, c := range []struct {
				what string
				m    *sipMsg
				want string
			}{{"hold (a=" + tc.offer + ")", hold, tc.answer}, {"resume (a=sendrecv)", resume, "sendrecv"}} {
				if d := sdpDirections(c.m.body); !slices.Equal(d, []string{c.want}) {
					t.Errorf("200 to the %s re-INVITE: direction attributes %v, want exactly [%s]\n%s", c.what, d, c.want, c.m)
				}
				if p, _ := sdpAudio(c.m.body); p != port {
					t.Errorf("200 to the %s re-INVITE: m=audio port %q, want %q as in the first answer (the relay keeps its port)\n%s", c.what, p, port, c.m)
				}
				for _, l := range sdpLines(c.m.body) {
					if strings.HasPrefix(l, "c=") && strings.HasSuffix(l, " 0.0.0.0") {
						t.Errorf("200 to the %s re-INVITE: %q; an answer keeps its real address (RFC 3264 §8.4)", c.what, l)
					}
				}
			}
			checkOriginVersion(t, "200 to the hold re-INVITE after the first answer", first.body, hold.body)
			checkOriginVersion(t, "200 to the resume re-INVITE after the hold answer", hold.body, resume.body)
			if _, a := sdpAudio(first.body); len(a) > 0 {
				if _, b := sdpAudio(resume.body); len(b) > 0 && a[0] != b[0] {
					t.Logf("note: the resume's answer moved the trunk's leg from payload type %s to %s", a[0], b[0])
				}
			}
			pcm, pts := audioOf(phoneGot)
			checkTone(t, "after the resume, phone hears the trunk", pcm, 1000, 440)
			if pts[8] > 0 {
				t.Errorf("after the resume the phone (PCMU only) got %d PCMA packets (packets per payload type %v)", pts[8], pts)
			}
			pcm, pts = audioOf(trunkGot)
			checkTone(t, "after the resume, trunk hears the phone", pcm, 440, 1000)
			for pt, n := range pts {
				if int(pt) != trunkPT {
					t.Errorf("after the resume the trunk got %d packets of payload type %d, want only %d as in the resume's answer (per type %v)", n, pt, trunkPT, pts)
				}
			}
		})
	}
}

// --- 2. re-INVITE without SDP ------------------------------------------

// TestSIPReinviteWithoutSDP: a re-INVITE with no body (RFC 3261 §14.1,
// RFC 3264 late offer) gets a 200 whose SDP is the switch's offer
// (m=audio with the codec in use among its payload types, a=sendrecv, same
// o= session); the trunk's ACK carries the answer and the call goes on
// until the trunk hangs up.
func TestSIPReinviteWithoutSDP(t *testing.T) {
	sw, _, trunkIP, phoneIP := mediaSwitch(t, 223, "", "")
	phone := startPhone(t, sw, phoneIP, phoneOpts{sipPort: freeUDPPort(t, phoneIP), register: "after"})
	trunk := trunkCall(t, sw, trunkIP, "trunk_reinvite_nosdp.xml")
	trunk.mustPass(t, "the re-INVITE without SDP answered 200 with an SDP offer (m=audio, a=sendrecv), the call going on after the ACK with the answer, the BYE 200")
	phoneMustPass(t, phone)
	msgs := trunk.messages()
	first, offer := finalResponse(msgs, 1, "INVITE"), finalResponse(msgs, 2, "INVITE")
	if first == nil || offer == nil {
		t.Fatalf("missing final responses in the trace:\n%s", ladder(msgs))
	}
	if ct, _ := offer.get("Content-Type"); !strings.EqualFold(ct, "application/sdp") {
		t.Errorf("200 to the re-INVITE without SDP: Content-Type %q, want application/sdp\n%s", ct, offer)
	}
	_, inUse := sdpAudio(first.body)
	port, offered := sdpAudio(offer.body)
	if len(inUse) > 0 && !slices.Contains(offered, inUse[0]) {
		t.Errorf("the switch's offer has payload types %v, want among them %s, the codec the call uses (first answer)\n%s", offered, inUse[0], offer)
	}
	if fport, _ := sdpAudio(first.body); port != fport {
		t.Logf("note: the offer moved the media port from %s to %s", fport, port)
	}
	if id, _ := sdpOrigin(first.body); func() bool { nid, _ := sdpOrigin(offer.body); return nid != id }() {
		t.Errorf("the offer's o= session id differs from the first answer's: same session, same id (RFC 3264 §8)\nfirst: %s\noffer: %s", first, offer)
	}
}

// --- 3. UPDATE, refused codec -----------------------------------------

// TestSIPMidCallOffers: inside a confirmed dialog, (UPDATE) an UPDATE
// (RFC 3311) with an SDP offer gets 200 with an SDP answer, on the relay's
// port, with payload types from the offer; (G.729 only) a re-INVITE
// offering only G.729 (payload type 18), which the switch does not have,
// gets 488 and the call stays up: no BYE from the switch, and the trunk's
// BYE gets 200 and reaches the phone.
func TestSIPMidCallOffers(t *testing.T) {
	sw, _, trunkIP, phoneIP := mediaSwitch(t, 226, "", "")
	phonePort := freeUDPPort(t, phoneIP)
	t.Run("UPDATE", func(t *testing.T) {
		phone := startPhone(t, sw, phoneIP, phoneOpts{sipPort: phonePort, register: "after"})
		trunk := trunkCall(t, sw, trunkIP, "trunk_update.xml")
		trunk.mustPass(t, "the UPDATE with an SDP offer answered 200 with an SDP answer, then the BYE 200")
		phoneMustPass(t, phone)
		msgs := trunk.messages()
		first, ans := finalResponse(msgs, 1, "INVITE"), finalResponse(msgs, 2, "UPDATE")
		if first == nil || ans == nil {
			t.Fatalf("missing final responses in the trace:\n%s", ladder(msgs))
		}
		fport, _ := sdpAudio(first.body)
		port, pts := sdpAudio(ans.body)
		if port != fport {
			t.Errorf("200 to the UPDATE: m=audio port %q, want %q as in the first answer (same relay)\n%s", port, fport, ans)
		}
		for _, pt := range pts {
			if !slices.Contains([]string{"8", "0", "101"}, pt) {
				t.Errorf("200 to the UPDATE: payload type %s was not offered (8 0 101)\n%s", pt, ans)
			}
		}
		if d := sdpDirections(ans.body); len(d) > 0 && !slices.Equal(d, []string{"sendrecv"}) {
			t.Errorf("200 to the UPDATE: direction %v, want sendrecv (the offer was sendrecv)\n%s", d, ans)
		}
		checkOriginVersion(t, "200 to the UPDATE after the first answer", first.body, ans.body)
	})
	t.Run("G.729 only", func(t *testing.T) {
		phone := startPhone(t, sw, phoneIP, phoneOpts{sipPort: phonePort})
		trunk := trunkCall(t, sw, trunkIP, "trunk_reinvite_g729.xml")
		trunk.mustPass(t, "the re-INVITE offering only G.729 answered 488, no BYE from the switch, then the trunk's BYE answered 200")
		phoneMustPass(t, phone)
	})
}

// --- 9. SIP INFO DTMF ---------------------------------------------------

// TestSIPInfoDTMF: INFO with application/dtmf-relay (Signal=5,
// Duration=160) and with application/dtmf (5) inside the call each get
// 200 OK (chan_sip takes both; diago answered 406), and the digits reach
// the phone, whose dtmfmode is rfc2833, as RFC 4733 events of digit 5 on
// its telephone-event payload type 101.
func TestSIPInfoDTMF(t *testing.T) {
	sw, _, trunkIP, phoneIP := mediaSwitch(t, 229, "", "")
	phoneMedia := listenUDP(t, phoneIP)
	phone := startPhone(t, sw, phoneIP, phoneOpts{sipPort: freeUDPPort(t, phoneIP), mediaPort: portOf(phoneMedia), register: "after"})
	heard := make(chan []rtpIn, 1)
	go func() { heard <- readRTP(phoneMedia, 7*time.Second) }()
	trunk := trunkCall(t, sw, trunkIP, "trunk_info_dtmf.xml")
	trunk.mustPass(t, "200 OK to the INFO with application/dtmf-relay (Signal=5) and to the INFO with application/dtmf (5)")
	phoneMustPass(t, phone)
	_ = phoneMedia.SetReadDeadline(time.Now()) // the call is over
	evs := teEvents(<-heard)
	ended := map[uint32]bool{}
	for _, e := range evs {
		if e.pt != 101 || e.event != 5 {
			t.Errorf("the phone got a telephone-event packet with payload type %d, event %d; want payload type 101, event 5", e.pt, e.event)
		}
		if e.end {
			ended[e.ts] = true
		}
	}
	if len(ended) < 2 {
		t.Errorf("the phone got %d ended RFC 4733 events (%d telephone-event packets: %v); want 2, one per INFO digit 5", len(ended), len(evs), evs)
	}
}

// --- 4. session timers --------------------------------------------------

// TestSIPSessionTimerAccepted: with the defaults (session-timers=accept),
// an INVITE with Supported: timer and Session-Expires: 1800;refresher=uac
// gets a 200 with Session-Expires: 1800;refresher=uac and Require: timer
// (RFC 4028 §9).
func TestSIPSessionTimerAccepted(t *testing.T) {
	sw, _, trunkIP, phoneIP := mediaSwitch(t, 232, "", "")
	phone := startPhone(t, sw, phoneIP, phoneOpts{sipPort: freeUDPPort(t, phoneIP), register: "after"})
	trunk := trunkCall(t, sw, trunkIP, "trunk_timer.xml")
	trunk.mustPass(t, "the 200 to an INVITE with Session-Expires: 1800;refresher=uac to carry Session-Expires: 1800;refresher=uac and Require: timer")
	phoneMustPass(t, phone)
}

// TestSIPSessionTimerTooSmall: Session-Expires: 30 is below session-minse
// (90): 422 with Min-SE: 90, before any phone rings (the phone is called
// once); the trunk's retry with Session-Expires: 90 and Min-SE: 90 is
// answered 200 with Session-Expires: 90.
func TestSIPSessionTimerTooSmall(t *testing.T) {
	sw, _, trunkIP, phoneIP := mediaSwitch(t, 235, `session-timers=accept
session-expires=1800
session-minse=90
session-refresher=uas`, "")
	phone := startPhone(t, sw, phoneIP, phoneOpts{sipPort: freeUDPPort(t, phoneIP), register: "after"})
	trunk := trunkCall(t, sw, trunkIP, "trunk_timer_422.xml")
	trunk.mustPass(t, "422 with Min-SE: 90 to Session-Expires: 30, then 200 with Session-Expires: 90 to the retry")
	phoneMustPass(t, phone)
}

// TestSIPSessionTimerRefused: with session-timers=refuse the switch answers
// an INVITE offering a timer (Supported: timer, Session-Expires) without
// one: no Session-Expires, no Require: timer.
func TestSIPSessionTimerRefused(t *testing.T) {
	sw, _, trunkIP, phoneIP := mediaSwitch(t, 241, "session-timers=refuse", "")
	phone := startPhone(t, sw, phoneIP, phoneOpts{sipPort: freeUDPPort(t, phoneIP), register: "after"})
	trunk := trunkCall(t, sw, trunkIP, "trunk_timer_offered.xml")
	trunk.mustPass(t, "the call answered and hung up")
	phoneMustPass(t, phone)
	ok := finalResponse(trunk.messages(), 1, "INVITE")
	if ok == nil {
		t.Fatalf("no final response to the INVITE:\n%s", ladder(trunk.messages()))
	}
	if v, has := ok.get("Session-Expires"); has {
		t.Errorf("session-timers=refuse: the 200 has Session-Expires: %s, want none", v)
	}
	if v, _ := ok.get("Require"); strings.Contains(strings.ToLower(v), "timer") {
		t.Errorf("session-timers=refuse: the 200 has Require: %s, want no timer", v)
	}
}

// TestSIPSessionTimerExpiry runs short sessions (session-minse=4 in the
// test's config; chan_sip would not go below 90 s): (refresh) with
// refresher=uas the switch refreshes the session itself with a re-INVITE
// or UPDATE in the dialog within 3.5 s of the answer (half the interval is
// 2 s, RFC 4028 §10); (expire) with refresher=uac and no refresh from the
// trunk, the switch sends BYE to the trunk, no sooner than 1 s and no later
// than 6.5 s after the answer, and to the phone.
func TestSIPSessionTimerExpiry(t *testing.T) {
	sw, _, trunkIP, phoneIP := mediaSwitch(t, 238, `session-timers=accept
session-expires=1800
session-minse=4
session-refresher=uas`, "")
	phonePort := freeUDPPort(t, phoneIP)
	t.Run("refresh", func(t *testing.T) {
		phone := startPhone(t, sw, phoneIP, phoneOpts{sipPort: phonePort, register: "after"})
		trunk := trunkCall(t, sw, trunkIP, "trunk_timer_refresh.xml")
		trunk.mustPass(t, "200 with Session-Expires: 4;refresher=uas, then a refresh (re-INVITE or UPDATE) from the switch within 3.5 s")
		phoneMustPass(t, phone)
		msgs := trunk.messages()
		refresh := append(received(msgs, "INVITE "), received(msgs, "UPDATE ")...)
		if len(refresh) > 0 {
			if _, ok := refresh[0].get("Session-Expires"); !ok {
				t.Logf("note: the refresh has no Session-Expires (RFC 4028 §7.4 has the refresher keep it)")
			}
		}
	})
	t.Run("expire", func(t *testing.T) {
		phone := startPhone(t, sw, phoneIP, phoneOpts{sipPort: phonePort})
		trunk := trunkCall(t, sw, trunkIP, "trunk_timer_expire.xml")
		trunk.mustPass(t, "200 with Session-Expires: 4;refresher=uac, then a BYE from the switch within 6.5 s as the trunk never refreshes")
		phoneMustPass(t, phone)
		msgs := trunk.messages()
		var ack *sipMsg
		for i := range msgs {
			if msgs[i].sent && strings.HasPrefix(msgs[i].first, "ACK ") {
				ack = &msgs[i]
			}
		}
		if byes := received(msgs, "BYE "); ack != nil && len(byes) > 0 {
			d := byes[0].at.Sub(ack.at)
			t.Logf("the switch hung up %v after the answer (RFC 4028 §10: about 2.7 s for a 4 s interval)", d.Round(time.Millisecond))
			if d < time.Second {
				t.Errorf("the switch sent BYE %v after the answer, want it near the 4 s session's end (not before 1 s)", d)
			}
		}
	})
}

// TestSIPTelephoneEventRemap: the trunk offers telephone-event on payload
// type 96 at 8 kHz and 97 at 48 kHz (as Asterisk 18+ does); the switch's
// answer keeps 96 telephone-event/8000 and drops the 48 kHz one; the phone
// answers telephone-event on 101 (both legs A-law, so no transcoding is
// involved). RFC 4733 digit 5 sent by the trunk on 96 reaches the phone on
// 101 with the same payloads (event, E bit, duration), and the phone's on
// 101 reaches the trunk on 96.
func TestSIPTelephoneEventRemap(t *testing.T) {
	mc := startMediaCall(t, 244, mediaOpts{
		phoneConf: "allow=alaw",
		offer: `m=audio PORT RTP/AVP 8 96 97
a=rtpmap:8 PCMA/8000
a=rtpmap:96 telephone-event/8000
a=fmtp:96 0-16
a=rtpmap:97 telephone-event/48000
a=fmtp:97 0-16`,
		phoneAnswer: `m=audio PORT RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16`,
	})
	atPhone, atTrunk := make(chan []rtpIn, 1), make(chan []rtpIn, 1)
	go func() { atPhone <- readRTP(mc.phoneSock, 2500*time.Millisecond) }()
	go func() { atTrunk <- readRTP(mc.trunkMedia, 2500*time.Millisecond) }()
	var wg sync.WaitGroup
	for _, s := range []struct {
		conn net.PacketConn
		port string
		te   uint8
	}{{mc.trunkMedia, mc.trunkPort, 96}, {mc.phoneSock, mc.phonePort, 101}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := newRTPOut(s.conn, mc.ip, s.port, 8, 0x5eed0000+uint32(s.te))
			o.tone(1000, 300*time.Millisecond)
			o.dtmf(s.te)
			o.tone(1000, 300*time.Millisecond)
		}()
	}
	wg.Wait()
	phoneGot, trunkGot := <-atPhone, <-atTrunk
	mc.end(t)

	ans := mc.trunkAnswer(t)
	_, pts := sdpAudio(ans.body)
	maps := sdpRtpmaps(ans.body)
	if !slices.Contains(pts, "96") || maps["96"] != "telephone-event/8000" {
		t.Errorf("the answer to the trunk: want payload type 96 as telephone-event/8000 (the trunk's); m=audio formats %v, rtpmap:96 %q\n%s", pts, maps["96"], ans)
	}
	for pt, enc := range maps {
		if strings.HasPrefix(enc, "telephone-event/") && enc != "telephone-event/8000" {
			t.Errorf("the answer to the trunk keeps %s on payload type %s; want only the 8 kHz telephone-event\n%s", enc, pt, ans)
		}
	}
	if slices.Contains(pts, "97") {
		t.Errorf("the answer to the trunk has payload type 97 (telephone-event/48000 in the offer) in m=audio %v", pts)
	}
	for _, c := range []struct {
		what string
		got  []rtpIn
		pt   uint8
	}{{"trunk's digit at the phone", phoneGot, 101}, {"phone's digit at the trunk", trunkGot, 96}} {
		evs := teEvents(c.got)
		_, audio := audioOf(c.got)
		t.Logf("%s: packets per payload type %v; telephone-event payloads %v", c.what, audio, evs)
		if len(evs) == 0 {
			t.Errorf("%s: no telephone-event packet arrived (packets per payload type: %v); want RFC 4733 digit 5 on payload type %d", c.what, audio, c.pt)
			continue
		}
		var distinct []teEvent
		ends := 0
		for _, e := range evs {
			if e.pt != c.pt {
				t.Errorf("%s: telephone-event packet on payload type %d, want %d (%v)", c.what, e.pt, c.pt, e)
			}
			e.pt, e.ts = 0, 0
			if e.end {
				ends++
			}
			if len(distinct) == 0 || distinct[len(distinct)-1] != e {
				distinct = append(distinct, e)
			}
		}
		want := slices.Compact(slices.Clone(sentDigit))
		if !slices.Equal(distinct, want) || ends == 0 {
			t.Errorf("%s: payloads %v; want those sent, %v (%d end packets, want ≥ 1)", c.what, evs, sentDigit, ends)
		}
	}
}

// TestSIPTranscodedRTPBothWays: an A-law-only trunk (RTP/AVP 8 101) and a
// µ-law-only phone: the switch answers the trunk with PCMA and transcodes;
// the trunk's 1 kHz tone reaches the phone as PCMU (payload type 0 only)
// and the phone's 440 Hz reaches the trunk as PCMA (payload type 8 only).
func TestSIPTranscodedRTPBothWays(t *testing.T) {
	mc := startMediaCall(t, 247, mediaOpts{offer: `m=audio PORT RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16`})
	atPhone, atTrunk := make(chan []rtpIn, 1), make(chan []rtpIn, 1)
	go func() { atPhone <- readRTP(mc.phoneSock, 2500*time.Millisecond) }()
	go func() { atTrunk <- readRTP(mc.trunkMedia, 2500*time.Millisecond) }()
	go newRTPOut(mc.trunkMedia, mc.ip, mc.trunkPort, 8, 0x7a11).tone(1000, time.Second)
	go newRTPOut(mc.phoneSock, mc.ip, mc.phonePort, 0, 0xb0b).tone(440, time.Second)
	phoneGot, trunkGot := <-atPhone, <-atTrunk
	mc.end(t)
	ans := mc.trunkAnswer(t)
	if _, pts := sdpAudio(ans.body); len(pts) == 0 || pts[0] != "8" || slices.Contains(pts, "0") {
		t.Errorf("the answer to the A-law-only trunk: m=audio formats %v, want PCMA (8) first and no PCMU (not offered)\n%s", pts, ans)
	}
	for _, c := range []struct {
		what           string
		got            []rtpIn
		pt             uint8
		want, unwanted float64
	}{{"phone hears the trunk", phoneGot, 0, 1000, 440}, {"trunk hears the phone", trunkGot, 8, 440, 1000}} {
		pcm, pts := audioOf(c.got)
		for pt, n := range pts {
			if pt != c.pt {
				t.Errorf("%s: %d packets of payload type %d, want only %d (packets per type %v)", c.what, n, pt, c.pt, pts)
			}
		}
		checkTone(t, c.what, pcm, c.want, c.unwanted)
	}
}

// TestSIPStrictRTP: while the trunk's 1 kHz tone flows, a second socket on
// the trunk's address (another port) sends a 2 kHz tone to the switch's
// RTP port of the trunk's leg: the switch keeps to the source the SDP
// negotiated (strictrtp), so the phone hears 1 kHz and no 2 kHz.
func TestSIPStrictRTP(t *testing.T) {
	mc := startMediaCall(t, 250, mediaOpts{})
	intruder := listenUDP(t, mc.trunkIP)
	atPhone := make(chan []rtpIn, 1)
	go func() { atPhone <- readRTP(mc.phoneSock, 2500*time.Millisecond) }()
	pt := g711PT(mc.trunkPT)
	go newRTPOut(mc.trunkMedia, mc.ip, mc.trunkPort, pt, 0x600d).tone(1000, 1500*time.Millisecond)
	go func() {
		time.Sleep(300 * time.Millisecond)
		newRTPOut(intruder, mc.ip, mc.trunkPort, pt, 0xbad).tone(2000, time.Second)
	}()
	go newRTPOut(mc.phoneSock, mc.ip, mc.phonePort, 0, 0xb0b).tone(440, 1500*time.Millisecond)
	got := <-atPhone
	mc.end(t)
	pcm, _ := audioOf(got)
	checkTone(t, "phone hears the trunk, not the intruder", pcm, 1000, 2000)
}

// TestSIPSymmetricRTPBehindNAT: phone 1001 has nat=force_rport,comedia;
// its SDP advertises a port where nobody listens (what a phone behind NAT
// puts there) and it sends its RTP from another port: the switch latches
// onto where the phone's RTP comes from, so the trunk's 1 kHz reaches that
// socket; the phone's 440 Hz reaches the trunk.
func TestSIPSymmetricRTPBehindNAT(t *testing.T) {
	mc := startMediaCall(t, 253, mediaOpts{phoneConf: "nat=force_rport,comedia", nat: true})
	atPhone, atTrunk := make(chan []rtpIn, 1), make(chan []rtpIn, 1)
	go func() { atPhone <- readRTP(mc.phoneSock, 2500*time.Millisecond) }()
	go func() { atTrunk <- readRTP(mc.trunkMedia, 2500*time.Millisecond) }()
	go newRTPOut(mc.trunkMedia, mc.ip, mc.trunkPort, g711PT(mc.trunkPT), 0x7a11).tone(1000, 1500*time.Millisecond)
	go newRTPOut(mc.phoneSock, mc.ip, mc.phonePort, 0, 0xb0b).tone(440, 1500*time.Millisecond)
	phoneGot, trunkGot := <-atPhone, <-atTrunk
	mc.end(t)
	pcm, _ := audioOf(phoneGot)
	checkTone(t, "the NATed phone's real socket hears the trunk", pcm, 1000, 440)
	pcm, _ = audioOf(trunkGot)
	checkTone(t, "trunk hears the NATed phone", pcm, 440, 1000)
}
