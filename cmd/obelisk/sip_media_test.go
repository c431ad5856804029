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
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/zaf/g711"
)

// mediaDialplan sends every DID of the trunk to phone 1001.
const mediaDialplan = "[from-pstn]\nexten => _X.,1,Dial(SIP/1001,10)\n same => n,Hangup()\n[phones]\n"

// mediaSwitch starts phoneTrunkConf's switch on loopbackIP n (the trunk is
// at n+1, the phone at n+2) with general appended to [general] and phone
// appended to [1001].
func mediaSwitch(t *testing.T, n int, general, phone string) (sw *runningSwitch, ip, trunkIP, phoneIP string) {
	t.Helper()
	return mediaSwitchWith(t, n, general, phone, map[string]string{"extensions.conf": mediaDialplan})
}

// mediaSwitchWith is mediaSwitch with other files beside sip.conf (an
// extensions.conf of the test's, features.conf …).
func mediaSwitchWith(t *testing.T, n int, general, phone string, files map[string]string) (sw *runningSwitch, ip, trunkIP, phoneIP string) {
	t.Helper()
	if n < 1 || n+2 > 255 {
		t.Fatalf("mediaSwitch(%d): the addresses n..n+2 must be valid octets", n)
	}
	ip, trunkIP, phoneIP = loopbackIP(t, n), loopbackIP(t, n+1), loopbackIP(t, n+2)
	conf := strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", trunkIP)
	for _, r := range []struct{ anchor, extra string }{
		{"realm=obelisk-test\n", general},
		{"allow=ulaw\n\n[pstn]", phone}, // the end of [1001]
	} {
		if r.extra == "" {
			continue
		}
		if !strings.Contains(conf, r.anchor) {
			t.Fatalf("phoneTrunkConf lacks %q", r.anchor)
		}
		at := strings.Index(conf, r.anchor) + strings.Index(r.anchor, "\n") + 1
		conf = conf[:at] + strings.TrimSpace(r.extra) + "\n" + conf[at:]
	}
	all := map[string]string{"sip.conf": conf}
	for k, v := range files {
		all[k] = v
	}
	sw = startSwitch(t, ip, all)
	return sw, ip, trunkIP, phoneIP
}

// sippRun is a sipp process of the test, killed when the test ends; its
// message trace is kept.
type sippRun struct {
	name  string
	trace string
	done  chan struct{}
	code  int
	out   string
}

// startSipp runs a scenario (a testdata/sipp name or a path) as sipp()
// does, in the background, with a message trace.
func startSipp(t *testing.T, name, localIP, addr, scenario string, args ...string) *sippRun {
	t.Helper()
	bin := needSipp(t)
	dir := t.TempDir()
	sf := scenario
	if !filepath.IsAbs(sf) {
		sf = filepath.Join(testdataDir(t), "sipp", scenario)
	}
	r := &sippRun{name: name, trace: filepath.Join(dir, "messages.log"), done: make(chan struct{})}
	all := []string{"-sf", sf, "-i", localIP, "-m", "1", "-timeout", "15s", "-timeout_error", "-nostdin",
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log"), "-trace_msg", "-message_file", r.trace}
	if !slices.Contains(args, "-p") {
		all = append(all, "-p", freeUDPPort(t, localIP))
	}
	all = append(all, args...)
	if addr != "" {
		all = append(all, addr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, all...)
	cmd.Dir = dir
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		_ = cmd.Wait()
		errs, _ := os.ReadFile(filepath.Join(dir, "errors.log"))
		r.code, r.out = cmd.ProcessState.ExitCode(), out.String()+string(errs)
		close(r.done)
	}()
	t.Cleanup(func() {
		cancel() // kills this sipp only, if it still runs
		<-r.done
	})
	return r
}

// wait waits up to d for the scenario to end and reports whether it passed;
// failure is a description of what happened (exit code, the message
// ladder, sipp's output).
func (r *sippRun) wait(d time.Duration) (ok bool, failure string) {
	select {
	case <-r.done:
	case <-time.After(d):
		return false, fmt.Sprintf("%s: sipp still running after %v\nmessages:\n%s", r.name, d, ladder(r.messages()))
	}
	if r.code == 0 {
		return true, ""
	}
	return false, fmt.Sprintf("%s: sipp exit %d\nmessages:\n%s\nsipp output:\n%s", r.name, r.code, ladder(r.messages()), r.out)
}

// mustPass fails the test unless the scenario passes; want says what the
// scenario expected of the switch.
func (r *sippRun) mustPass(t *testing.T, want string) {
	t.Helper()
	if ok, failure := r.wait(25 * time.Second); !ok {
		t.Fatalf("want %s;\n%s", want, failure)
	}
	if testing.Verbose() {
		t.Logf("%s passed: %s\n%s", r.name, want, ladder(r.messages()))
	}
}

// sipMsg is a SIP message from sipp's trace.
type sipMsg struct {
	sent   bool
	at     time.Time
	first  string
	header []string
	body   string
}

func (m *sipMsg) get(name string) (string, bool) {
	for _, h := range m.header {
		k, v, ok := strings.Cut(h, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

func (m *sipMsg) status() int {
	if f := strings.Fields(m.first); len(f) > 1 && f[0] == "SIP/2.0" {
		n, _ := strconv.Atoi(f[1])
		return n
	}
	return 0
}

func (m *sipMsg) cseq() (int, string) {
	v, _ := m.get("CSeq")
	f := strings.Fields(v)
	if len(f) != 2 {
		return 0, ""
	}
	n, _ := strconv.Atoi(f[0])
	return n, f[1]
}

func (m *sipMsg) String() string {
	dir := "←"
	if m.sent {
		dir = "→"
	}
	s := fmt.Sprintf("%s %s %s", m.at.Format("15:04:05.000"), dir, m.first)
	if v, ok := m.get("CSeq"); ok {
		s += "  (CSeq " + v + ")"
	}
	for _, h := range []string{"Session-Expires", "Min-SE", "Require", "Content-Type"} {
		if v, ok := m.get(h); ok {
			s += "  " + h + ": " + v
		}
	}
	if m.body != "" {
		s += "\n      " + strings.ReplaceAll(strings.TrimSpace(m.body), "\n", "\n      ")
	}
	return s
}

var traceSep = regexp.MustCompile(`^-{20,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)$`)

// messages parses sipp's -trace_msg file.
func (r *sippRun) messages() []sipMsg {
	f, err := os.Open(r.trace)
	if err != nil {
		return nil
	}
	defer f.Close()
	var msgs []sipMsg
	var cur *sipMsg
	state := 0 // 0 direction line, 1 blank, 2 start line, 3 headers, 4 body
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if m := traceSep.FindStringSubmatch(line); m != nil {
			at, _ := time.ParseInLocation("2006-01-02 15:04:05.000000", m[1], time.Local)
			msgs = append(msgs, sipMsg{at: at})
			cur, state = &msgs[len(msgs)-1], 0
			continue
		}
		if cur == nil {
			continue
		}
		switch state {
		case 0:
			cur.sent = strings.Contains(line, "message sent")
			state = 1
		case 1:
			if line != "" {
				cur.first, state = line, 3
			} else {
				state = 2
			}
		case 2:
			if line != "" {
				cur.first, state = line, 3
			}
		case 3:
			if line == "" {
				state = 4
			} else {
				cur.header = append(cur.header, line)
			}
		case 4:
			cur.body += line + "\n"
		}
	}
	for i := range msgs {
		msgs[i].body = strings.TrimRight(msgs[i].body, "\n")
		if msgs[i].body != "" {
			msgs[i].body += "\n"
		}
	}
	return msgs
}

func ladder(msgs []sipMsg) string {
	if len(msgs) == 0 {
		return "  (no message traced)"
	}
	var b strings.Builder
	for i := range msgs {
		b.WriteString("  " + msgs[i].String() + "\n")
	}
	return b.String()
}

// finalResponse is the first final response received to the request
// CSeq cseq method, or nil.
func finalResponse(msgs []sipMsg, cseq int, method string) *sipMsg {
	for i := range msgs {
		m := &msgs[i]
		n, meth := m.cseq()
		if !m.sent && m.status() >= 200 && n == cseq && meth == method {
			return m
		}
	}
	return nil
}

// received returns the messages received from the switch whose start line
// begins with prefix (a method or "SIP/2.0 200").
func received(msgs []sipMsg, prefix string) []*sipMsg {
	var out []*sipMsg
	for i := range msgs {
		if !msgs[i].sent && strings.HasPrefix(msgs[i].first, prefix) {
			out = append(out, &msgs[i])
		}
	}
	return out
}

// --- SDP --------------------------------------------------------------

func sdpLines(body string) []string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// sdpAudio returns the port and payload types of the m=audio line.
func sdpAudio(body string) (port string, pts []string) {
	for _, l := range sdpLines(body) {
		if rest, ok := strings.CutPrefix(l, "m=audio "); ok {
			f := strings.Fields(rest)
			if len(f) >= 2 {
				return f[0], f[2:]
			}
		}
	}
	return "", nil
}

// sdpDirections lists the direction attributes (session and media level).
func sdpDirections(body string) []string {
	var out []string
	for _, l := range sdpLines(body) {
		switch l {
		case "a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive":
			out = append(out, strings.TrimPrefix(l, "a="))
		}
	}
	return out
}

// sdpOrigin returns the session id and version of the o= line.
func sdpOrigin(body string) (id string, version int64) {
	for _, l := range sdpLines(body) {
		if rest, ok := strings.CutPrefix(l, "o="); ok {
			f := strings.Fields(rest)
			if len(f) >= 3 {
				v, _ := strconv.ParseInt(f[2], 10, 64)
				return f[1], v
			}
		}
	}
	return "", -1
}

// sdpRtpmaps maps payload types to their rtpmap encodings (lower case).
func sdpRtpmaps(body string) map[string]string {
	out := map[string]string{}
	for _, l := range sdpLines(body) {
		if rest, ok := strings.CutPrefix(l, "a=rtpmap:"); ok {
			if pt, enc, ok := strings.Cut(rest, " "); ok {
				out[pt] = strings.ToLower(strings.TrimSpace(enc))
			}
		}
	}
	return out
}

// withoutOrigin is an SDP body without its o= line, to tell whether two
// SDPs of a session differ (RFC 3264 §8: then the version goes up by one).
func withoutOrigin(body string) string {
	var out []string
	for _, l := range sdpLines(body) {
		if !strings.HasPrefix(l, "o=") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// checkOriginVersion checks the o= line of an SDP the switch sent after
// prev in the same session: same session id; version one greater when the
// SDP changed (RFC 3264 §8), the same or one greater when it did not.
func checkOriginVersion(t *testing.T, what string, prev, next string) {
	t.Helper()
	pid, pv := sdpOrigin(prev)
	nid, nv := sdpOrigin(next)
	if pid != nid {
		t.Errorf("%s: o= session id changed from %q to %q (RFC 3264 §8: same session, same id)", what, pid, nid)
	}
	changed := withoutOrigin(prev) != withoutOrigin(next)
	switch {
	case changed && nv != pv+1:
		t.Errorf("%s: the SDP changed but its o= version went from %d to %d, want %d (RFC 3264 §8)", what, pv, nv, pv+1)
	case !changed && nv != pv && nv != pv+1:
		t.Errorf("%s: the SDP is unchanged but its o= version went from %d to %d, want %d (or %d)", what, pv, nv, pv, pv+1)
	}
}

// --- phones and trunks -------------------------------------------------

// phoneLeg is the sipp phone 1001 of one call, running phone_media.xml.
type phoneLeg struct {
	run      *sippRun
	portFile string // gets the switch's RTP port of the phone's leg
}

type phoneOpts struct {
	sipPort   string // the phone's SIP port, where its contact points
	mediaPort string // the port its SDP advertises; "" for sipp's own
	answer    string // replaces the answer's m= and a= lines when set
	// register: "after" registers from another port once the phone runs
	// (as registerPhone does), "from-phone" registers from the phone's own
	// port before it runs (a NATed phone's source), "" not at all (done).
	register string
	// beforeBye is scenario XML the phone runs between the ACK and the BYE
	// (e.g. an INFO it must receive).
	beforeBye string
}

func startPhone(t *testing.T, sw *runningSwitch, phoneIP string, o phoneOpts) *phoneLeg {
	t.Helper()
	dir := t.TempDir()
	leg := &phoneLeg{portFile: filepath.Join(dir, "phone-rtp-port")}
	repl := map[string]string{"> phone-rtp-port": "> " + leg.portFile}
	if o.mediaPort != "" {
		repl["c=IN IP[media_ip_type] [media_ip]"] = "c=IN IP4 " + phoneIP
		repl["m=audio [media_port] RTP/AVP 0 101"] = "m=audio " + o.mediaPort + " RTP/AVP 0 101"
	}
	scenario := writeScenario(t, "phone_media.xml", repl)
	if o.answer != "" {
		port := "[media_port]"
		if o.mediaPort != "" {
			port = o.mediaPort
		}
		scenario = rewrite(t, scenario, "m=audio "+port+` RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-16`, indentSDP(strings.ReplaceAll(o.answer, "PORT", port)))
	}
	if o.beforeBye != "" {
		scenario = rewrite(t, scenario, `<recv request="BYE"/>`, o.beforeBye+"\n  <recv request=\"BYE\"/>")
	}
	if o.register == "from-phone" {
		if code, out := sipp(t, phoneIP, sw.sipAddr, "register.xml", "-s", "1001", "-au", "1001", "-ap", "s3cret-1001",
			"-p", o.sipPort, "-key", "contact_port", o.sipPort); code != 0 {
			t.Fatalf("register from the phone's port: sipp exit %d:\n%s", code, out)
		}
	}
	leg.run = startSipp(t, "phone", phoneIP, sw.sipAddr, scenario, "-p", o.sipPort)
	if o.register == "after" {
		registerPhone(t, phoneIP, sw, o.sipPort)
	} else {
		time.Sleep(300 * time.Millisecond) // let the phone bind its port
	}
	return leg
}

// indentSDP puts SDP lines at the scenarios' indentation.
func indentSDP(lines string) string {
	return strings.Join(strings.Split(strings.TrimSpace(lines), "\n"), "\n      ")
}

// trunkCall runs a trunk scenario to the DID 0522000000 in the background.
func trunkCall(t *testing.T, sw *runningSwitch, trunkIP, scenario string) *sippRun {
	t.Helper()
	return startSipp(t, "trunk", trunkIP, sw.sipAddr, scenario, "-s", "0522000000")
}

// phoneMustPass: the phone's scenario passed (it got its INVITE, ACK and
// BYE, nothing else).
func phoneMustPass(t *testing.T, p *phoneLeg) {
	t.Helper()
	if ok, failure := p.run.wait(20 * time.Second); !ok {
		t.Errorf("want the phone to be called once and get the BYE when the trunk hangs up (and no other request);\n%s", failure)
	}
}

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

// --- media --------------------------------------------------------------

// rtpIn is a received RTP packet.
type rtpIn struct {
	p    rtp.Packet
	from string
}

// readRTP reads RTP from c for d (or until its read deadline is moved).
func readRTP(c net.PacketConn, d time.Duration) []rtpIn {
	var out []rtpIn
	buf := make([]byte, 1500)
	_ = c.SetReadDeadline(time.Now().Add(d))
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			return out
		}
		var p rtp.Packet
		if p.Unmarshal(append([]byte(nil), buf[:n]...)) != nil {
			continue
		}
		out = append(out, rtpIn{p: p, from: from.String()})
	}
}

// audioOf decodes the G.711 packets and counts packets per payload type.
func audioOf(in []rtpIn) (pcm []int16, pts map[uint8]int) {
	pts = map[uint8]int{}
	for _, r := range in {
		pts[r.p.PayloadType]++
		for _, b := range r.p.Payload {
			switch r.p.PayloadType {
			case 0:
				pcm = append(pcm, g711.DecodeUlawFrame(b))
			case 8:
				pcm = append(pcm, g711.DecodeAlawFrame(b))
			}
		}
	}
	return pcm, pts
}

// teEvent is an RFC 4733 telephone-event payload (§2.3) as received.
type teEvent struct {
	pt    uint8
	ts    uint32
	event byte
	end   bool
	vol   byte
	dur   uint16
}

func (e teEvent) String() string {
	end := ""
	if e.end {
		end = " E"
	}
	return fmt.Sprintf("pt%d ev%d%s vol%d dur%d", e.pt, e.event, end, e.vol, e.dur)
}

// teEvents picks the non-audio 4-byte payloads (telephone-event).
func teEvents(in []rtpIn) []teEvent {
	var out []teEvent
	for _, r := range in {
		pl := r.p.Payload
		if r.p.PayloadType == 0 || r.p.PayloadType == 8 || r.p.PayloadType == 13 || len(pl) != 4 {
			continue
		}
		out = append(out, teEvent{pt: r.p.PayloadType, ts: r.p.Timestamp, event: pl[0], end: pl[1]&0x80 != 0,
			vol: pl[1] & 0x3f, dur: binary.BigEndian.Uint16(pl[2:])})
	}
	return out
}

// rtpOut sends one RTP stream from conn to dst.
type rtpOut struct {
	conn net.PacketConn
	dst  net.Addr
	p    rtp.Packet
	n    int // samples of tone sent
}

func newRTPOut(conn net.PacketConn, ip, port string, pt uint8, ssrc uint32) *rtpOut {
	dst, _ := net.ResolveUDPAddr("udp", net.JoinHostPort(ip, port))
	return &rtpOut{conn: conn, dst: dst, p: rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SSRC: ssrc,
		SequenceNumber: uint16(ssrc), Timestamp: ssrc * 7}}}
}

func (o *rtpOut) send(pt uint8, marker bool, payload []byte) {
	p := o.p
	p.PayloadType, p.Marker, p.Payload = pt, marker, payload
	b, _ := p.Marshal()
	_, _ = o.conn.WriteTo(b, o.dst)
	o.p.SequenceNumber++
}

// tone sends d of a sine at freq Hz in the stream's G.711 payload type,
// 20 ms a packet, paced.
func (o *rtpOut) tone(freq float64, d time.Duration) {
	for i := 0; i < int(d/(20*time.Millisecond)); i++ {
		payload := make([]byte, 160)
		for j := range payload {
			v := int16(8000 * math.Sin(2*math.Pi*freq*float64(o.n)/8000))
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

// sentDigit is the RFC 4733 digit 5 dtmf sends: 4 packets growing by 160,
// then 3 end packets (§2.5.1.4), volume 10, one timestamp (§2.5.1.2).
var sentDigit = []teEvent{
	{event: 5, vol: 10, dur: 160}, {event: 5, vol: 10, dur: 320}, {event: 5, vol: 10, dur: 480}, {event: 5, vol: 10, dur: 640},
	{event: 5, end: true, vol: 10, dur: 800}, {event: 5, end: true, vol: 10, dur: 800}, {event: 5, end: true, vol: 10, dur: 800},
}

// dtmf sends sentDigit on payload type pt, then moves the timestamp past it.
func (o *rtpOut) dtmf(pt uint8) {
	for i, e := range sentDigit {
		b := []byte{e.event, e.vol, 0, 0}
		if e.end {
			b[1] |= 0x80
		}
		binary.BigEndian.PutUint16(b[2:], e.dur)
		o.send(pt, i == 0, b)
		time.Sleep(20 * time.Millisecond)
	}
	o.p.Timestamp += 800
}

// waitPortFile waits for a scenario's port file ("port" or "port pt").
func waitPortFile(path string, d time.Duration) (port string, pt int) {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile(path)
		if f := strings.Fields(string(b)); err == nil && len(f) > 0 && strings.HasSuffix(string(b), "\n") {
			pt := -1
			if len(f) > 1 {
				pt, _ = strconv.Atoi(f[1])
			}
			return f[0], pt
		}
	}
	return "", -1
}

// mediaCall is a trunk call whose media are the test's sockets.
type mediaCall struct {
	sw                    *runningSwitch
	ip, trunkIP, phoneIP  string
	trunkMedia, phoneSock net.PacketConn // phoneSock sends and hears the phone's RTP
	trunk                 *sippRun
	phone                 *phoneLeg
	trunkPort, phonePort  string // the switch's RTP ports of the two legs
	trunkPT               int    // first payload type of the switch's answer to the trunk
}

type mediaOpts struct {
	general, phoneConf string
	offer              string // the trunk's m=audio formats and a= lines; PORT is its port
	phoneAnswer        string // the phone's, likewise ("" for PCMU and 101)
	nat                bool   // the phone advertises a dead port and sends from phoneSock
	// files are configuration files of the test's (extensions.conf,
	// features.conf …) over mediaDialplan.
	files map[string]string
	// phoneBeforeBye is phoneOpts.beforeBye.
	phoneBeforeBye string
}

var defaultOfferRE = regexp.MustCompile(`(?s)m=audio \[media_port\] RTP/AVP 8 0 101\n.*?a=fmtp:101 0-16`)

// startMediaCall places the call and waits until both legs' RTP ports are
// known; on failure it reports what the trunk and the phone saw.
func startMediaCall(t *testing.T, n int, o mediaOpts) *mediaCall {
	t.Helper()
	files := map[string]string{"extensions.conf": mediaDialplan}
	for k, v := range o.files {
		files[k] = v
	}
	sw, ip, trunkIP, phoneIP := mediaSwitchWith(t, n, o.general, o.phoneConf, files)
	mc := &mediaCall{sw: sw, ip: ip, trunkIP: trunkIP, phoneIP: phoneIP, trunkMedia: listenUDP(t, trunkIP), phoneSock: listenUDP(t, phoneIP)}
	sdpPort := portOf(mc.phoneSock)
	reg := "after"
	if o.nat {
		sdpPort = freeUDPPort(t, phoneIP) // closed again: nobody listens there
		reg = "from-phone"
	}
	mc.phone = startPhone(t, sw, phoneIP, phoneOpts{sipPort: freeUDPPort(t, phoneIP), mediaPort: sdpPort, answer: o.phoneAnswer, register: reg, beforeBye: o.phoneBeforeBye})
	dir := t.TempDir()
	trunkPortFile := filepath.Join(dir, "trunk-rtp-port")
	scenario := writeScenario(t, "trunk_media.xml", map[string]string{
		"c=IN IP[media_ip_type] [media_ip]": "c=IN IP4 " + trunkIP,
		"> trunk-rtp-port":                  "> " + trunkPortFile,
	})
	offer := "m=audio PORT RTP/AVP 8 0 101\na=rtpmap:8 PCMA/8000\na=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-16"
	if o.offer != "" {
		offer = o.offer
	}
	b, err := os.ReadFile(scenario)
	if err != nil || !defaultOfferRE.Match(b) {
		t.Fatalf("trunk_media.xml lacks its default offer (%v)", err)
	}
	b = defaultOfferRE.ReplaceAllLiteral(b, []byte(indentSDP(strings.ReplaceAll(offer, "PORT", portOf(mc.trunkMedia)))))
	if err := os.WriteFile(scenario, b, 0o600); err != nil {
		t.Fatal(err)
	}
	mc.trunk = trunkCall(t, sw, trunkIP, scenario)
	mc.phonePort, _ = waitPortFile(mc.phone.portFile, 10*time.Second)
	mc.trunkPort, mc.trunkPT = waitPortFile(trunkPortFile, 10*time.Second)
	if mc.phonePort == "" || mc.trunkPort == "" {
		_, tf := mc.trunk.wait(20 * time.Second)
		_, pf := mc.phone.run.wait(5 * time.Second)
		t.Fatalf("the call did not come up with media ports on both legs (trunk leg %q, phone leg %q)\n%s\n%s", mc.trunkPort, mc.phonePort, tf, pf)
	}
	return mc
}

// end waits for both scenarios to pass.
func (mc *mediaCall) end(t *testing.T) {
	t.Helper()
	mc.trunk.mustPass(t, "the call answered and hung up by the trunk after 3 s")
	phoneMustPass(t, mc.phone)
}

// trunkAnswer is the switch's 200 to the trunk's INVITE.
func (mc *mediaCall) trunkAnswer(t *testing.T) *sipMsg {
	t.Helper()
	m := finalResponse(mc.trunk.messages(), 1, "INVITE")
	if m == nil || m.status() != 200 {
		t.Fatalf("no 200 to the trunk's INVITE in the trace:\n%s", ladder(mc.trunk.messages()))
	}
	return m
}

// checkTone checks heard audio is want Hz, not unwanted Hz (20× the power),
// at the level sent (a sine of amplitude 8000, RMS 5657, within ±3 dB): G.711
// decoded with the wrong law keeps the tone's frequency but not its level,
// so the level tells a payload relayed under the wrong payload type or
// transcoded twice.
func checkTone(t *testing.T, what string, pcm []int16, want, unwanted float64) {
	t.Helper()
	p, q := goertzel(pcm, want), goertzel(pcm, unwanted)
	var e float64
	for _, v := range pcm {
		e += float64(v) * float64(v)
	}
	rms := math.Sqrt(e / float64(max(len(pcm), 1)))
	t.Logf("%s: %d samples, RMS %.0f, power %.0f Hz / %.0f Hz = %.1f", what, len(pcm), rms, want, unwanted, p/max(q, 1))
	if len(pcm) < 2000 || p < 20*q {
		t.Errorf("%s: want ≥ 2000 samples of %.0f Hz with 20× the power at %.0f Hz; got %d samples, power at %.0f Hz %.3g, at %.0f Hz %.3g",
			what, want, unwanted, len(pcm), want, p, unwanted, q)
	} else if rms < 5657/math.Sqrt2 || rms > 5657*math.Sqrt2 {
		t.Errorf("%s: the %.0f Hz tone arrives at RMS %.0f, want about 5657 as sent (within ±3 dB): the G.711 law is wrong somewhere (payload type mislabelled, or a transcoding too many or too few)",
			what, want, rms)
	}
}

func g711PT(pt int) uint8 {
	if pt == 0 {
		return 0
	}
	return 8
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
