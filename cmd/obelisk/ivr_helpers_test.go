package main

// Helpers of the IVR acceptance tests (ivr_test.go): the demo call centre
// as a test configuration, a Go RTP caller that hears prompts and presses
// keys by RFC 4733 from the socket its SDP names, sipp phones and sentinel
// phones, and the audio comparison against the project's own espeak-ng
// synthesis.

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/media"
	"github.com/obelisk-pbx/obelisk/media/tts"
	"github.com/pion/rtp"
	"github.com/zaf/g711"
)

// --- the demo call centre ---------------------------------------------

// demoFiles returns testdata/demo's files made to run in a test: sip.conf
// binds ip with a port of the system's choice (UDP and TCP), the provider
// trunk [pstn] is at trunkIP, and manager.conf and http.conf bind ip (not
// 127.0.0.1, so that tests running at once never share an address). Every
// other byte is the demo's. edit, when not nil, may change a file further.
func demoFiles(t *testing.T, ip, trunkIP string, edit func(name, text string) string) map[string]string {
	t.Helper()
	dir := filepath.Join(testdataDir(t), "demo")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		switch e.Name() {
		case "sip.conf":
			text = mustReplaceLine(t, e.Name(), text, "bindaddr=0.0.0.0", "bindaddr="+ip)
			text = mustReplaceLine(t, e.Name(), text, "bindport=5060", "bindport=0")
			text = mustReplaceLine(t, e.Name(), text, "host=192.0.2.10", "host="+trunkIP)
		case "manager.conf", "http.conf":
			text = mustReplaceLine(t, e.Name(), text, "bindaddr=127.0.0.1", "bindaddr="+ip)
		}
		if edit != nil {
			text = edit(e.Name(), text)
		}
		// startSwitch replaces {{IP}}; the demo has none.
		files[e.Name()] = text
	}
	return files
}

// mustReplaceLine replaces the one line of text that starts with old.
func mustReplaceLine(t *testing.T, name, text, old, new string) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(old) + `\b.*$`)
	if n := len(re.FindAllStringIndex(text, -1)); n != 1 {
		t.Fatalf("%s: want one line starting with %q, found %d", name, old, n)
	}
	return re.ReplaceAllLiteralString(text, new)
}

// replaceSection replaces the section [name] of a configuration file (up
// to the next section header) with body.
func replaceSection(t *testing.T, file, text, name, body string) string {
	t.Helper()
	start := strings.Index(text, "\n["+name+"]")
	if start < 0 {
		t.Fatalf("%s has no [%s]", file, name)
	}
	start++
	end := len(text)
	if i := regexp.MustCompile(`(?m)^\[`).FindStringIndex(text[start+1:]); i != nil {
		end = start + 1 + i[0]
	}
	return text[:start] + body + "\n" + text[end:]
}

// demoCatalogue is testdata/demo/prompts.txt.
func demoCatalogue(t *testing.T) *media.Catalogue {
	t.Helper()
	f, err := os.Open(filepath.Join(testdataDir(t), "demo", "prompts.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := media.ParseCatalogue(f, "prompts.txt")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// --- reference speech ---------------------------------------------------

// speechRef is a prompt as the switch should speak it: the catalogue's
// text synthesized by the project's own espeak-ng engine with the
// switch's defaults (no tts.conf), at 8 kHz.
type speechRef struct {
	name, lang string // the prompt and the language it is spoken in
	text       string
	pcm        []int16
}

func (r speechRef) duration() time.Duration {
	return time.Duration(len(r.pcm)) * time.Second / 8000
}

var (
	refMu    sync.Mutex
	refCache = map[string]speechRef{}
)

// reference synthesizes (once per test binary) prompt name as the catalogue
// c gives it for a caller speaking lang.
func reference(t *testing.T, c *media.Catalogue, name, lang string) speechRef {
	t.Helper()
	text, in, ok := c.Lookup(name, lang)
	if !ok {
		t.Fatalf("the catalogue has no %s for language %s", name, lang)
	}
	return referenceText(t, name, in, text)
}

// referenceText synthesizes text in lang (once per test binary).
func referenceText(t *testing.T, name, lang, text string) speechRef {
	t.Helper()
	key := lang + "|" + text
	refMu.Lock()
	defer refMu.Unlock()
	if r, ok := refCache[key]; ok {
		return r
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pcm, err := (&tts.Espeak{}).Synthesize(ctx, text, lang, "")
	if err != nil {
		t.Fatalf("synthesize the reference of %s (%s): %v", name, lang, err)
	}
	r := speechRef{name: name, lang: lang, text: text, pcm: pcm}
	refCache[key] = r
	return r
}

// envelope is the RMS of each 20 ms (160 samples) of pcm.
func envelope(pcm []int16) []float64 {
	out := make([]float64, 0, len(pcm)/160+1)
	for i := 0; i < len(pcm); i += 160 {
		var e float64
		end := min(i+160, len(pcm))
		for _, v := range pcm[i:end] {
			e += float64(v) * float64(v)
		}
		out = append(out, math.Sqrt(e/float64(end-i)))
	}
	return out
}

// bestCorrelation is the highest Pearson correlation of the envelopes a
// and b shifted by up to maxLag frames either way (over their overlap, at
// least half of the shorter), and that lag.
func bestCorrelation(a, b []float64, maxLag int) (best float64, at int) {
	best = math.Inf(-1)
	short := min(len(a), len(b))
	for lag := -maxLag; lag <= maxLag; lag++ {
		var xs, ys []float64
		for i := range a {
			j := i + lag
			if j >= 0 && j < len(b) {
				xs, ys = append(xs, a[i]), append(ys, b[j])
			}
		}
		if len(xs) < 2 || len(xs) < short/2 {
			continue
		}
		if c := pearson(xs, ys); c > best {
			best, at = c, lag
		}
	}
	return best, at
}

func pearson(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(len(x))
	my /= float64(len(y))
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return 0
	}
	return sxy / math.Sqrt(sxx*syy)
}

// speechMatch compares heard audio with a reference: the ratio of their
// durations and the best envelope correlation (lag up to ±500 ms).
type speechMatch struct {
	ratio float64
	corr  float64
	lag   int // in 20 ms frames
}

func matchSpeech(heard []int16, ref speechRef) speechMatch {
	c, lag := bestCorrelation(envelope(heard), envelope(ref.pcm), 25)
	return speechMatch{ratio: float64(len(heard)) / float64(max(len(ref.pcm), 1)), corr: c, lag: lag}
}

func (m speechMatch) ok() bool { return m.ratio >= 0.9 && m.ratio <= 1.1 && m.corr > 0.8 }

func (m speechMatch) String() string {
	return fmt.Sprintf("duration ratio %.3f, envelope correlation %.3f at lag %d ms", m.ratio, m.corr, m.lag*20)
}

// checkHeard checks that seg is ref: duration within 10 % and envelope
// correlation above 0.8.
func checkHeard(t *testing.T, what string, seg heardSegment, ref speechRef) {
	t.Helper()
	m := matchSpeech(seg.pcm, ref)
	t.Logf("%s: heard %v, %s (%s) is %v: %s", what, seg.duration().Round(time.Millisecond), ref.name, ref.lang, ref.duration().Round(time.Millisecond), m)
	if !m.ok() {
		t.Errorf("%s: want %s in %s (%q, %v of speech): heard %v of audio (%d packets), %s; want a duration within 10%% and an envelope correlation above 0.8",
			what, ref.name, ref.lang, ref.text, ref.duration().Round(time.Millisecond), seg.duration().Round(time.Millisecond), seg.packets, m)
	}
}

// --- the Go caller --------------------------------------------------------

// heardPacket is an RTP packet the caller received and when.
type heardPacket struct {
	p  rtp.Packet
	at time.Time
}

// heardSegment is the audio of one prompt: the switch sets the marker bit
// on the first packet of each sound it plays (a talkspurt, RFC 3551 §4.1),
// so the segments are the prompts heard one after the other.
type heardSegment struct {
	start, end time.Time // arrival of the first and of the last packet
	packets    int
	pcm        []int16
}

func (s heardSegment) duration() time.Duration {
	return time.Duration(len(s.pcm)) * time.Second / 8000
}

// rtpCaller is the media of a trunk call done by the test: it records what
// the switch sends and, once started, sends 20 ms of silence every 20 ms
// (as a phone does, so that strict RTP learns the source) except while it
// presses keys: RFC 4733 events on the same stream (one SSRC, sequence
// numbers and timestamps going on).
type rtpCaller struct {
	t    *testing.T
	conn net.PacketConn

	mu    sync.Mutex
	heard []heardPacket

	keys    chan keyPress
	stop    chan struct{}
	stopped chan struct{}
	started bool
}

// keyPress is what the caller's stream sends next instead of silence:
// digits as RFC 4733 events, or a tone of freq Hz for d.
type keyPress struct {
	digits string
	freq   float64
	d      time.Duration
	done   chan struct{}
}

func newRTPCaller(t *testing.T, ip string) *rtpCaller {
	t.Helper()
	c := &rtpCaller{t: t, conn: listenUDP(t, ip), keys: make(chan keyPress), stop: make(chan struct{}), stopped: make(chan struct{})}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		buf := make([]byte, 1500)
		for {
			n, _, err := c.conn.ReadFrom(buf)
			if err != nil {
				return
			}
			var p rtp.Packet
			if p.Unmarshal(append([]byte(nil), buf[:n]...)) != nil {
				continue
			}
			c.mu.Lock()
			c.heard = append(c.heard, heardPacket{p: p, at: time.Now()})
			c.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if c.started {
			close(c.stop)
			<-c.stopped
		}
		_ = c.conn.Close()
		<-readDone
	})
	return c
}

func (c *rtpCaller) port() string { return portOf(c.conn) }

// start sends the caller's stream to the switch at ip:port, audio in
// payload type audioPT (0 or 8), keys in tePT.
func (c *rtpCaller) start(ip, port string, audioPT, tePT uint8) {
	dst, err := net.ResolveUDPAddr("udp", net.JoinHostPort(ip, port))
	if err != nil {
		c.t.Fatal(err)
	}
	c.started = true
	silence := byte(0xff) // µ-law 0
	if audioPT == 8 {
		silence = 0xd5 // A-law 0
	}
	go func() {
		defer close(c.stopped)
		ssrc := rand.Uint32()
		seq, ts := uint16(rand.Uint32()), rand.Uint32()
		quiet := make([]byte, 160)
		for i := range quiet {
			quiet[i] = silence
		}
		send := func(pt uint8, marker bool, pts uint32, payload []byte) {
			p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, Marker: marker, SequenceNumber: seq, Timestamp: pts, SSRC: ssrc}, Payload: payload}
			b, _ := p.Marshal()
			_, _ = c.conn.WriteTo(b, dst)
			seq++
		}
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var frames []func(ts uint32) // what the next ticks send, when pressing keys
		var pressed chan struct{}
		for {
			select {
			case <-c.stop:
				return
			case k := <-c.keys:
				if k.d > 0 {
					frames = append(frames, toneFrames(k.freq, k.d, audioPT, send)...)
				} else {
					frames = append(frames, keyFrames(k.digits, tePT, send)...)
				}
				pressed = k.done
				continue
			case <-tick.C:
			}
			if len(frames) > 0 {
				frames[0](ts)
				frames = frames[1:]
				if len(frames) == 0 && pressed != nil {
					close(pressed)
					pressed = nil
				}
			} else {
				send(audioPT, false, ts, quiet)
			}
			ts += 160
		}
	}()
}

// keyFrames are the ticks of pressing digits: for each, an RFC 4733 event
// (RFC 4733 §2.5.1) of 100 ms: the first packet with the marker bit and
// duration 0, then durations growing by 160 every 20 ms, then the end
// packet three times (§2.5.1.4) with the final duration, all on the
// event's timestamp (that of its first tick); then 100 ms of silence before
// the next key. Timestamps only go forward.
func keyFrames(digits string, pt uint8, send func(pt uint8, marker bool, ts uint32, payload []byte)) []func(uint32) {
	var out []func(uint32)
	quiet := func(uint32) {} // a gap: no packet this tick (the stream's timestamp goes on)
	for _, d := range digits {
		code := digitCode(d)
		var evTS uint32
		for i := 0; i < 5; i++ {
			dur := uint16(i * 160)
			first := i == 0
			out = append(out, func(ts uint32) {
				if first {
					evTS = ts
				}
				send(pt, first, evTS, tePayload(code, false, dur))
			})
		}
		for i := 0; i < 3; i++ {
			out = append(out, func(uint32) { send(pt, false, evTS, tePayload(code, true, 800)) })
		}
		for i := 0; i < 5; i++ {
			out = append(out, quiet)
		}
	}
	return out
}

func tePayload(code byte, end bool, dur uint16) []byte {
	b := []byte{code, 10, 0, 0} // volume 10 (-10 dBm0)
	if end {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], dur)
	return b
}

// digitCode is a key's RFC 4733 event code (§3.2).
func digitCode(d rune) byte {
	switch {
	case d >= '0' && d <= '9':
		return byte(d - '0')
	case d == '*':
		return 10
	case d == '#':
		return 11
	case d >= 'A' && d <= 'D':
		return byte(12 + d - 'A')
	}
	panic(fmt.Sprintf("no RFC 4733 event for %q", d))
}

// press sends digits as RFC 4733 events and returns once they are sent.
func (c *rtpCaller) press(digits string) {
	c.send(keyPress{digits: digits, done: make(chan struct{})}, time.Duration(len(digits)+2)*time.Second)
}

// speak sends a tone of freq Hz for d in the caller's codec (a voice
// leaving a message) and returns once it is sent.
func (c *rtpCaller) speak(freq float64, d time.Duration) {
	c.send(keyPress{freq: freq, d: d, done: make(chan struct{})}, d+2*time.Second)
}

func (c *rtpCaller) send(k keyPress, within time.Duration) {
	select {
	case c.keys <- k:
	case <-time.After(2 * time.Second):
		c.t.Fatal("the caller's stream is not running")
	}
	select {
	case <-k.done:
	case <-time.After(within):
		c.t.Fatalf("sending %q (tone %v Hz for %v) took too long", k.digits, k.freq, k.d)
	}
}

// toneFrames are the ticks of a tone of freq Hz for d, 20 ms of G.711
// (µ-law for payload type 0, A-law for 8) each, at half full scale.
func toneFrames(freq float64, d time.Duration, pt uint8, send func(pt uint8, marker bool, ts uint32, payload []byte)) []func(uint32) {
	n := int(d / (20 * time.Millisecond))
	frames := make([]func(uint32), n)
	for i := range frames {
		frames[i] = func(ts uint32) {
			payload := make([]byte, 160)
			for j := range payload {
				v := int16(16000 * math.Sin(2*math.Pi*freq*float64(i*160+j)/8000))
				if pt == 8 {
					payload[j] = g711.EncodeAlawFrame(v)
				} else {
					payload[j] = g711.EncodeUlawFrame(v)
				}
			}
			send(pt, false, ts, payload)
		}
	}
	return frames
}

// segments returns the audio heard so far, one segment per prompt.
func (c *rtpCaller) segments() []heardSegment {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []heardSegment
	for _, h := range c.heard {
		pt := h.p.PayloadType
		if pt != 0 && pt != 8 {
			continue
		}
		if h.p.Marker || len(out) == 0 {
			out = append(out, heardSegment{start: h.at})
		}
		s := &out[len(out)-1]
		s.end = h.at
		s.packets++
		for _, b := range h.p.Payload {
			if pt == 0 {
				s.pcm = append(s.pcm, g711.DecodeUlawFrame(b))
			} else {
				s.pcm = append(s.pcm, g711.DecodeAlawFrame(b))
			}
		}
	}
	return out
}

// describe lists the segments heard, for failure messages.
func describeSegments(segs []heardSegment) string {
	if len(segs) == 0 {
		return "no audio"
	}
	var b strings.Builder
	t0 := segs[0].start
	for i, s := range segs {
		fmt.Fprintf(&b, "\n  segment %d: from %v to %v, %d packets, %v of audio", i, s.start.Sub(t0).Round(time.Millisecond),
			s.end.Sub(t0).Round(time.Millisecond), s.packets, s.duration().Round(time.Millisecond))
	}
	return b.String()
}

// waitSegmentDone waits until segment i (0-based) is complete: a further
// segment has begun, or none came for quiet after its last packet. It
// returns the segments heard then, and false on timeout.
func (c *rtpCaller) waitSegmentDone(i int, quiet, timeout time.Duration) ([]heardSegment, bool) {
	end := time.Now().Add(timeout)
	for {
		segs := c.segments()
		if len(segs) > i+1 || i >= 0 && len(segs) == i+1 && time.Since(segs[i].end) >= quiet {
			return segs, true
		}
		if time.Now().After(end) {
			return segs, false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// keysPcap writes a pcap of RFC 4733 key presses with bench/mkpcap -dtmf
// and returns its path.
func keysPcap(t *testing.T, keys string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keys.pcap")
	cmd := exec.Command("go", "run", "./bench/mkpcap", "-dtmf", keys, "-o", path)
	cmd.Dir = filepath.Dir(testdataDir(t))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bench/mkpcap -dtmf %q: %v\n%s", keys, err, out)
	}
	return path
}

// --- calls and phones -----------------------------------------------------

// fromName is a regexp matching a From header whose display name is name
// and whose URI is the trunk's caller 0612345678, written without the
// characters XML would want escaped in a scenario's attribute ('"' and
// '<' are matched by '.').
func fromName(name string) string {
	return `^ *.?` + name + `.? *.sip:0612345678@`
}

// goMediaTrunk starts ivr_trunk_call.xml from trunkIP to did, its media
// being caller's socket; hold is how long the trunk waits for the switch to
// hang up. It returns the sipp run once the switch answered with media and
// the caller's stream to the switch has started.
func goMediaTrunk(t *testing.T, sw *runningSwitch, trunkIP, did string, caller *rtpCaller, hold time.Duration) *sippRun {
	t.Helper()
	return goMediaTrunkFrom(t, sw, trunkIP, did, "", caller, hold)
}

// goMediaTrunkFrom is goMediaTrunk with the caller's number from (""
// keeps the scenario's 0612345678).
func goMediaTrunkFrom(t *testing.T, sw *runningSwitch, trunkIP, did, from string, caller *rtpCaller, hold time.Duration) *sippRun {
	t.Helper()
	portFile := filepath.Join(t.TempDir(), "trunk-rtp-port")
	repl := map[string]string{
		"c=IN IP[media_ip_type] [media_ip]": "c=IN IP4 " + trunkIP,
		"m=audio [media_port]":              "m=audio " + caller.port(),
		"> trunk-rtp-port":                  "> " + portFile,
		"HOLD_MS":                           fmt.Sprint(hold.Milliseconds()),
	}
	if from != "" {
		repl["sip:0612345678@"] = "sip:" + from + "@"
	}
	scenario := writeScenario(t, "ivr_trunk_call.xml", repl)
	trunk := startSipp(t, "trunk", trunkIP, sw.sipAddr, scenario, "-s", did, "-timeout", fmt.Sprintf("%ds", int(hold.Seconds())+40))
	port, pt := waitPortFile(portFile, 15*time.Second)
	if port == "" {
		_, failure := trunk.wait(20 * time.Second)
		t.Fatalf("the switch did not answer the call to %s with media:\n%s", did, failure)
	}
	switchIP, _, _ := net.SplitHostPort(sw.sipAddr)
	caller.start(switchIP, port, g711PT(pt), 101)
	return trunk
}

// registerFrom registers ext (secret) from ip:port with the contact
// ip:port, as a phone behind NAT does from its own port (the demo's phones
// have nat=force_rport,comedia: the switch calls them where their REGISTER
// came from).
func registerFrom(t *testing.T, sw *runningSwitch, ip, port, ext, secret string) {
	t.Helper()
	registerFor(t, sw, ip, port, ext, secret, 120)
}

// registerFor is registerFrom asking for expires seconds (register.xml
// asks for 120).
func registerFor(t *testing.T, sw *runningSwitch, ip, port, ext, secret string, expires int) {
	t.Helper()
	scenario := "register.xml"
	if expires != 120 {
		scenario = writeScenario(t, "register.xml", map[string]string{"Expires: 120": fmt.Sprintf("Expires: %d", expires)})
	}
	if code, out := sipp(t, ip, sw.sipAddr, scenario, "-s", ext, "-au", ext, "-ap", secret, "-p", port, "-key", "contact_port", port); code != 0 {
		t.Fatalf("register %s from %s:%s: sipp exit %d:\n%s", ext, ip, port, code, out)
	}
}

// sippPhone registers ext from a port of its own on ip and runs the UAS
// scenario there (a testdata/sipp name or a path) for up to 60 s.
func sippPhone(t *testing.T, sw *runningSwitch, ip, ext, secret, scenario string) *sippRun {
	t.Helper()
	port := freeUDPPort(t, ip)
	registerFrom(t, sw, ip, port, ext, secret)
	r := startSipp(t, "phone "+ext, ip, "", scenario, "-p", port, "-timeout", "60s")
	time.Sleep(200 * time.Millisecond) // let it bind its port
	return r
}

// sentinelPhone is a phone that must not be called: a phoneSocket that
// answers nothing.
type sentinelPhone = phoneSocket

func newSentinelPhone(t *testing.T, sw *runningSwitch, ip, ext, secret string) *sentinelPhone {
	t.Helper()
	return newPhoneSocket(t, sw, ip, ext, secret, 120, false)
}

// invites returns the INVITE request lines the phone got.
func (s *phoneSocket) invites() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.reqs {
		if strings.HasPrefix(r, "INVITE ") {
			first, _, _ := strings.Cut(r, "\r\n")
			out = append(out, first)
		}
	}
	return out
}

// checkSentinels fails the test for each sentinel that was called.
func checkSentinels(t *testing.T, sentinels ...*sentinelPhone) {
	t.Helper()
	for _, s := range sentinels {
		if inv := s.invites(); len(inv) > 0 {
			t.Errorf("phone %s, which the key pressed must not reach, got %d INVITE(s): %q", s.ext, len(inv), inv[0])
		}
	}
}
