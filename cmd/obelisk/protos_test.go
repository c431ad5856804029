package main

import (
	"bytes"
	"cmp"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// protosProbeEvery is how many cases go between two OPTIONS probes.
const protosProbeEvery = 4

// protosMaxRSSGrowth bounds the growth of the switch's RSS over the run,
// in kB, for the race-enabled binary.
const protosMaxRSSGrowth = 400_000

// protosMaxPDU is the largest UDP payload; the PROTOS reference tool cut
// every PDU to it.
const protosMaxPDU = 65507

// protosCase is one PROTOS c07-sip test case: the test INVITE and the
// teardown request, placeholders still in.
type protosCase struct {
	n        int
	invite   []byte
	teardown []byte
}

// protosDir finds the PROTOS c07-sip material: $OBELISK_PROTOS_DIR, or
// ../shared/testsuites/protos-c07-sip beside the repository.
func protosDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("OBELISK_PROTOS_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "testsuites", "protos-c07-sip")
	}
	if _, err := os.Stat(filepath.Join(dir, "c07-sip-r2-testcases.tar.xz")); err != nil {
		t.Skipf("PROTOS c07-sip material not found (%v): set OBELISK_PROTOS_DIR to the directory holding c07-sip-r2-testcases.tar.xz", err)
	}
	return dir
}

// loadPROTOS unpacks the test cases (the standard library has no xz
// reader, so tar does it) and reads them in case order.
func loadPROTOS(t *testing.T, dir string) []protosCase {
	t.Helper()
	out := t.TempDir()
	archive, err := filepath.Abs(filepath.Join(dir, "c07-sip-r2-testcases.tar.xz"))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("tar", "-xJf", archive, "-C", out).CombinedOutput(); err != nil {
		t.Fatalf("unpack %s: %v\n%s", archive, err, b)
	}
	names, err := filepath.Glob(filepath.Join(out, "testcases", "[0-9]*"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no test cases in %s: %v", archive, err)
	}
	var cases []protosCase
	for _, name := range names {
		n, err := strconv.Atoi(filepath.Base(name))
		if err != nil {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		pdus, err := splitPROTOS(b)
		if err != nil || len(pdus) != 2 {
			t.Fatalf("case %d: %d PDUs, %v", n, len(pdus), err)
		}
		cases = append(cases, protosCase{n: n, invite: pdus[0], teardown: pdus[1]})
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].n < cases[j].n })
	if r := os.Getenv("OBELISK_PROTOS_CASES"); r != "" { // "1200-1300": reproduce a few
		lo, hi, _ := strings.Cut(r, "-")
		first, err1 := strconv.Atoi(lo)
		last, err2 := strconv.Atoi(cmp.Or(hi, lo))
		if err1 != nil || err2 != nil {
			t.Fatalf("OBELISK_PROTOS_CASES=%q: want N or N-M", r)
		}
		cases = slices.DeleteFunc(cases, func(c protosCase) bool { return c.n < first || c.n > last })
	}
	return cases
}

// splitPROTOS reads the `<decimal length><SP><bytes>` records of a case.
func splitPROTOS(b []byte) ([][]byte, error) {
	var pdus [][]byte
	for len(b) > 0 {
		sp := bytes.IndexByte(b, ' ')
		if sp < 0 {
			return pdus, fmt.Errorf("no length at %q", b[:min(len(b), 20)])
		}
		n, err := strconv.Atoi(string(b[:sp]))
		if err != nil || n < 0 || sp+1+n > len(b) {
			return pdus, fmt.Errorf("bad length %q", b[:sp])
		}
		pdus = append(pdus, b[sp+1:sp+1+n])
		b = b[sp+1+n:]
	}
	return pdus, nil
}

// protosFill replaces the placeholders of a PDU, then Content-Length by
// the real body length, and cuts the PDU to the largest UDP payload.
func protosFill(pdu []byte, repl map[string]string) []byte {
	s := string(pdu)
	for k, v := range repl {
		s = strings.ReplaceAll(s, k, v)
	}
	if i := strings.Index(s, "\r\n\r\n"); i >= 0 {
		s = strings.ReplaceAll(s, "<Content-Length>", strconv.Itoa(len(s)-i-4))
	}
	if len(s) > protosMaxPDU {
		s = s[:protosMaxPDU]
	}
	return []byte(s)
}

var (
	protosCallID = regexp.MustCompile(`protos(\d+)x`)
	statusLine   = regexp.MustCompile(`^SIP/2\.0 (\d{3}) `)
	cseqMethod   = regexp.MustCompile(`(?mi)^CSeq:[ \t]*\d+[ \t]+(\S+)\r$`)
)

// protosAnswers collects the responses the switch sends to the test's
// INVITE socket, by case number (found in the echoed Call-ID or branch).
type protosAnswers struct {
	mu    sync.Mutex
	codes map[int][]int
	first map[int][]byte // first datagram of each case, for reports
	other int            // datagrams that name no case
	seen  chan int       // case numbers as their first answer arrives
	// cancels are the CANCELs sent, by case; one that overtook its INVITE
	// (answered 481: no transaction yet, UDP gives no order between two
	// datagrams served on goroutines of their own) is sent again once the
	// INVITE's provisional answer shows its transaction exists, as a UAC
	// does (RFC 3261 §9.1: CANCEL after a provisional response).
	cancels map[int][]byte
	lost    map[int]bool
	resend  func(b []byte)
}

// sentCancel records the CANCEL of case n.
func (a *protosAnswers) sentCancel(n int, b []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cancels == nil {
		a.cancels, a.lost = map[int][]byte{}, map[int]bool{}
	}
	a.cancels[n] = b
}

// cancelAgainLocked sends case k's CANCEL again, once.
func (a *protosAnswers) cancelAgainLocked(k int) {
	if b := a.cancels[k]; b != nil && a.resend != nil {
		delete(a.cancels, k)
		a.resend(b)
	}
}

func (a *protosAnswers) read(c net.PacketConn) {
	buf := make([]byte, 65536)
	for {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return
		}
		msg := buf[:n]
		m := statusLine.FindSubmatch(msg)
		id := protosCallID.FindSubmatch(msg)
		if cs := cseqMethod.FindSubmatch(msg); cs != nil && (string(cs[1]) == "CANCEL" || string(cs[1]) == "OPTIONS") {
			// The answer to a teardown, not to the test INVITE.
			if string(cs[1]) == "CANCEL" && m != nil && id != nil && string(m[1]) == "481" {
				k, _ := strconv.Atoi(string(id[1]))
				a.mu.Lock()
				if a.first[k] != nil && statusLine.Match(a.first[k]) {
					a.cancelAgainLocked(k) // the INVITE is answered already: its transaction exists
				} else if a.lost != nil {
					a.lost[k] = true
				}
				a.mu.Unlock()
			}
			continue
		}
		a.mu.Lock()
		if m == nil || id == nil {
			a.other++
		} else {
			code, _ := strconv.Atoi(string(m[1]))
			k, _ := strconv.Atoi(string(id[1]))
			a.codes[k] = append(a.codes[k], code)
			if code < 200 && a.lost[k] {
				delete(a.lost, k)
				a.cancelAgainLocked(k)
			}
			if a.first[k] == nil {
				a.first[k] = bytes.Clone(msg)
				select {
				case a.seen <- k:
				default:
				}
			}
		}
		a.mu.Unlock()
	}
}

// wait waits until case n has an answer, or for timeout.
func (a *protosAnswers) wait(n int, timeout time.Duration) {
	deadline := time.After(timeout)
	for {
		select {
		case k := <-a.seen:
			if k == n {
				return
			}
		case <-deadline:
			return
		}
	}
}

// prober sends OPTIONS from a socket of its own and waits for the answer.
type prober struct {
	c      net.PacketConn
	to     net.Addr
	target string
	seq    int
	got    chan string
}

func newProber(t *testing.T, ip, target string) *prober {
	t.Helper()
	c := listenUDP(t, ip)
	to, err := net.ResolveUDPAddr("udp", target)
	if err != nil {
		t.Fatal(err)
	}
	p := &prober{c: c, to: to, target: target, got: make(chan string, 16)}
	go func() {
		buf := make([]byte, 65536)
		re := regexp.MustCompile(`(?m)^Call-ID: (probe-\d+)\r$`)
		for {
			n, _, err := c.ReadFrom(buf)
			if err != nil {
				return
			}
			if m := re.FindSubmatch(buf[:n]); m != nil && statusLine.Match(buf[:n]) {
				p.got <- string(m[1])
			}
		}
	}()
	return p
}

// alive sends a clean OPTIONS and reports whether it was answered in time.
func (p *prober) alive(timeout time.Duration) bool {
	p.seq++
	id := fmt.Sprintf("probe-%d", p.seq)
	local := p.c.LocalAddr().String()
	msg := "OPTIONS sip:" + p.target + " SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP " + local + ";branch=z9hG4bK-" + id + "\r\n" +
		"Max-Forwards: 70\r\n" +
		"From: <sip:probe@" + local + ">;tag=" + id + "\r\n" +
		"To: <sip:" + p.target + ">\r\n" +
		"Call-ID: " + id + "\r\n" +
		"CSeq: 1 OPTIONS\r\n" +
		"Content-Length: 0\r\n\r\n"
	if _, err := p.c.WriteTo([]byte(msg), p.to); err != nil {
		return false
	}
	deadline := time.After(timeout)
	for {
		select {
		case got := <-p.got:
			if got == id {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

// procStatus reads a field of /proc/PID/status ("VmRSS", "Threads") as
// its first number.
func procStatus(t *testing.T, pid int, field string) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("process %d: %v", pid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

func openFDs(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatalf("process %d: %v", pid, err)
	}
	return len(ents)
}

// goroutineDump ends the switch with SIGQUIT (the Go runtime then prints
// every goroutine) and returns how many goroutines it had.
func goroutineDump(t *testing.T, rs *runningSwitch) int {
	t.Helper()
	if err := syscall.Kill(rs.pid, syscall.SIGQUIT); err != nil {
		t.Fatalf("SIGQUIT: %v", err)
	}
	// The dump is complete when the log stops growing.
	last, still := -1, 0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && still < 5; {
		time.Sleep(100 * time.Millisecond)
		if n := len(rs.logs.String()); n == last {
			still++
		} else {
			last, still = n, 0
		}
	}
	rs.stop(t)
	logs := rs.logs.String()
	if i := strings.Index(logs, "SIGQUIT"); i >= 0 {
		logs = logs[i:]
	}
	return strings.Count(logs, "\ngoroutine ")
}

const protosGuestConf = `[general]
bindaddr={{IP}}
bindport=0
allowguest=no
realm=obelisk-test

[1001]
type=friend
host=dynamic
secret=s3cret-1001
context=phones
`

const protosTrunkConf = `[general]
bindaddr={{IP}}
bindport=0
allowguest=no
realm=obelisk-test

[pstn]
type=peer
host={{PEER}}
context=from-pstn
insecure=port,invite
`

// protosDialplan runs the trunk's calls through the dialplan, where the
// caller ID and the number are read; they are cancelled while ringing.
const protosDialplan = `[from-pstn]
exten => _X.,1,NoOp(PROTOS call from ${CALLERID(all)} to ${EXTEN})
 same => n,Ringing()
 same => n,Wait(5)
 same => n,Answer()
 same => n,Hangup()
[phones]
`

// TestPROTOSc07SIP runs the 4,527 malformed INVITEs of the PROTOS c07-sip
// suite (University of Oulu, 2002) at the real switch over UDP, each
// followed by its teardown sent as CANCEL and as ACK: once from an unknown
// source (allowguest=no: the INVITEs meet the authentication), once from a
// trunk matched by address (insecure=port,invite: they reach the dialog
// layer and the dialplan). It asserts that
//
//   - the switch answers a clean OPTIONS after every case (never dies or
//     wedges) and is still running at the end;
//   - no malformed case (1..4526) gets a 2xx, and none gets a 5xx (a 5xx
//     would be a fault of ours, a panic answered by the recover);
//   - the valid case 0 is challenged (407) from the unknown source and
//     reaches the dialplan from the trunk;
//   - RSS, threads, open files and goroutines stay bounded over the run;
//   - a normal REGISTER and OPTIONS (sipp) still work afterwards.
//
// The material is looked for in ../shared/testsuites/protos-c07-sip beside
// the repository, or $OBELISK_PROTOS_DIR; the test is skipped without it.
func TestPROTOSc07SIP(t *testing.T) {
	cases := loadPROTOS(t, protosDir(t))
	os.Setenv("GOTRACEBACK", "all") //nolint:errcheck // t.Setenv forbids t.Parallel; the dump needs every goroutine
	for _, v := range []struct {
		name    string
		n       int
		conf    string
		trunk   bool
		wantVal int // answer wanted for the valid case 0
	}{
		{"unknown source", 200, protosGuestConf, false, 407},
		{"trunk peer", 205, protosTrunkConf, true, 487},
	} {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			ip, peerIP := loopbackIP(t, v.n), loopbackIP(t, v.n+1)
			sw := startSwitch(t, ip, map[string]string{
				"sip.conf":        strings.ReplaceAll(v.conf, "{{PEER}}", peerIP),
				"extensions.conf": protosDialplan,
			})
			cli := listenUDP(t, peerIP)
			answers := &protosAnswers{codes: map[int][]int{}, first: map[int][]byte{}, seen: make(chan int, 64)}
			to, _ := net.ResolveUDPAddr("udp", sw.sipAddr)
			answers.resend = func(b []byte) { _, _ = cli.WriteTo(b, to) }
			go answers.read(cli)
			probe := newProber(t, peerIP, sw.sipAddr)
			if !probe.alive(5 * time.Second) {
				t.Fatal("no answer to OPTIONS before the run")
			}
			rss0, thr0, fd0 := procStatus(t, sw.pid, "VmRSS"), procStatus(t, sw.pid, "Threads"), openFDs(t, sw.pid)
			_, port, _ := net.SplitHostPort(cli.LocalAddr().String())
			start := time.Now()
			for i, c := range cases {
				repl := map[string]string{
					"<To>":           "0522000000@" + sw.sipAddr,
					"<From>":         "protos@" + peerIP,
					"<From-Address>": peerIP,
					"<From-IP>":      peerIP,
					"<Local-Port>":   port,
					"<Call-ID>":      fmt.Sprintf("protos%dx", c.n),
					"<Branch-ID>":    fmt.Sprintf("-protos%dx", c.n),
					"<CSeq>":         "1",
				}
				_, _ = cli.WriteTo(protosFill(c.invite, repl), to)
				// As a UAC does (RFC 3261 §9.1), the CANCEL waits for a
				// first answer, briefly: the switch serves each request on
				// a goroutine of its own, and a CANCEL sent at once could
				// overtake its INVITE and find no transaction (481).
				answers.wait(c.n, 30*time.Millisecond)
				for _, m := range []string{"CANCEL", "ACK"} {
					repl["<Teardown-Method>"] = m
					b := protosFill(c.teardown, repl)
					if m == "CANCEL" {
						answers.sentCancel(c.n, b)
					}
					_, _ = cli.WriteTo(b, to)
				}
				if (i+1)%protosProbeEvery == 0 && !probe.alive(3*time.Second) {
					t.Fatalf("cases %d..%d: no answer to OPTIONS: the switch died or wedged", cases[max(0, i+1-protosProbeEvery)].n, c.n)
				}
			}
			elapsed := time.Since(start)
			time.Sleep(1 * time.Second) // late answers
			if !probe.alive(5 * time.Second) {
				t.Fatal("no answer to OPTIONS after the run")
			}
			rss1, thr1, fd1 := procStatus(t, sw.pid, "VmRSS"), procStatus(t, sw.pid, "Threads"), openFDs(t, sw.pid)
			t.Logf("%d cases in %v; RSS %d kB → %d kB, threads %d → %d, fds %d → %d",
				len(cases), elapsed.Round(time.Millisecond), rss0, rss1, thr0, thr1, fd0, fd1)

			answers.mu.Lock()
			hist := map[int]int{}
			var bad []int
			for n, codes := range answers.codes {
				wrong := false
				for _, code := range codes {
					hist[code]++
					// Final answers to malformed cases are 4xx, or 513 Message
					// Too Large for those above sipgo's 32 KiB read buffer
					// (transport_guard.go).
					wrong = wrong || n != 0 && code >= 200 && code/100 != 4 && code != 513
				}
				if wrong {
					bad = append(bad, n)
				}
			}
			sort.Ints(bad)
			var report []string
			for i, n := range bad {
				report = append(report, fmt.Sprintf("case %d: %v", n, answers.codes[n]))
				if i < 3 {
					report[i] += fmt.Sprintf(" (first answer:\n%s)", answers.first[n])
				}
			}
			val := answers.codes[0]
			t.Logf("answers by code: %v; %d cases answered, %d datagrams naming no case", hist, len(answers.codes), answers.other)
			answers.mu.Unlock()
			if len(bad) > 0 {
				t.Errorf("%d cases answered wrongly: %s", len(bad), strings.Join(report[:min(len(report), 60)], ", "))
			}
			if !containsCode(val, v.wantVal) {
				t.Errorf("valid case 0 got %v, want %d among them", val, v.wantVal)
			}
			// Every transaction of the run is still alive here (timers H
			// and J keep them 32 s): RSS holds them (some 50 MB, five
			// times that with the race detector). A leak of one message
			// per case would add as much again; the goroutine count below,
			// taken once the timers have run, is the finer check.
			if rss1 > rss0+protosMaxRSSGrowth {
				t.Errorf("RSS grew from %d kB to %d kB", rss0, rss1)
			}
			if fd1 > fd0+20 {
				t.Errorf("open files grew from %d to %d", fd0, fd1)
			}
			if code, out := sipp(t, peerIP, sw.sipAddr, "options.xml"); code != 0 {
				t.Fatalf("OPTIONS after the run: sipp exit %d:\n%s", code, out)
			}
			if !v.trunk {
				if code, out := sipp(t, peerIP, sw.sipAddr, "register.xml", "-s", "1001", "-au", "1001", "-ap", "s3cret-1001"); code != 0 {
					t.Fatalf("REGISTER after the run: sipp exit %d:\n%s", code, out)
				}
			}
			base := startSwitch(t, loopbackIP(t, v.n+2), map[string]string{
				"sip.conf":        strings.ReplaceAll(v.conf, "{{PEER}}", peerIP),
				"extensions.conf": protosDialplan,
			})
			if !newProber(t, peerIP, base.sipAddr).alive(5 * time.Second) {
				t.Fatal("fresh switch: no answer to OPTIONS")
			}
			// Unanswered transactions end with timer H (64*T1 = 32 s);
			// ACKed ones with timer I (T4 = 5 s).
			time.Sleep(6 * time.Second)
			g0, g1 := goroutineDump(t, base), goroutineDump(t, sw)
			t.Logf("goroutines: fresh switch %d, after the run %d", g0, g1)
			if g1 > g0+20 {
				t.Errorf("goroutines: %d after the run, %d in a fresh switch", g1, g0)
			}
		})
	}
}

func containsCode(codes []int, want int) bool {
	for _, c := range codes {
		if c == want {
			return true
		}
	}
	return false
}
