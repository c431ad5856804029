package main

// Helpers of sip_media_test.go: the switch of a media test, sipp runs and
// their message traces, SDP readers, the sipp phone and trunk of a call,
// and Go-side RTP (tones, RFC 4733 events, what a socket received).

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
