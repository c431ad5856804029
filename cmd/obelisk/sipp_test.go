package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests in this file drive the real obelisk binary over real sockets
// with sipp, as an administrator's phones and trunks would.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// obeliskBinary builds cmd/obelisk once per test run.
func obeliskBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "obelisk-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "obelisk")
		out, err := exec.Command("go", "build", "-race", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func needSipp(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("sipp")
	if err != nil {
		t.Fatal("sipp is not installed: run scripts/install-deps.sh (make test does)")
	}
	return p
}

// loopbackIP returns a loopback address of its own for a test, so that
// tests never fight over 127.0.0.1's ports.
func loopbackIP(t *testing.T, n int) string {
	t.Helper()
	return fmt.Sprintf("127.0.%d.%d", 10+os.Getpid()%200, n)
}

// runningSwitch is an obelisk process serving a test configuration.
type runningSwitch struct {
	sipAddr string // ip:port of UDP SIP
	pid     int
	data    string
	logs    *lockedBuffer
	// stop ends the process (SIGINT) and waits for it.
	stop    func(t *testing.T)
	stopped chan struct{}
}

// waitLog waits until the switch has logged a line containing want.
func waitLog(t *testing.T, rs *runningSwitch, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(rs.logs.String(), want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no log line %q:\n%s", want, rs.logs.String())
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startSwitch writes files (name → content, "IP" replaced by ip) to a
// config directory, starts obelisk on it and waits for its SIP listener.
func startSwitch(t *testing.T, ip string, files map[string]string) *runningSwitch {
	t.Helper()
	return startSwitchIn(t, ip, files, t.TempDir())
}

// startSwitchIn is startSwitch with a given data directory.
func startSwitchIn(t *testing.T, ip string, files map[string]string, data string) *runningSwitch {
	t.Helper()
	cfgDir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(cfgDir, name), []byte(strings.ReplaceAll(text, "{{IP}}", ip)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, obeliskBinary(t), "run", "--config", cfgDir, "--data", data, "--log-level", "debug")
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rs := &runningSwitch{pid: cmd.Process.Pid, data: data, logs: &lockedBuffer{}, stopped: make(chan struct{})}
	found := make(chan string, 1)
	re := regexp.MustCompile(`msg="sip listening" .*transport=udp addr=(\S+)`)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 4<<20) // sipgo logs whole datagrams
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(rs.logs, line)
			if m := re.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	var once sync.Once
	rs.stop = func(t *testing.T) {
		once.Do(func() {
			cancel()
			_ = cmd.Wait()
			close(rs.stopped)
		})
	}
	t.Cleanup(func() {
		rs.stop(t)
		// The binary is built with -race: a race it reports fails the test
		// that drove it.
		if logs := rs.logs.String(); strings.Contains(logs, "WARNING: DATA RACE") || strings.Contains(logs, "panic:") {
			t.Errorf("the switch reported a data race or a panic")
		}
		if t.Failed() {
			t.Logf("obelisk logs:\n%s", rs.logs.String())
		}
	})
	select {
	case rs.sipAddr = <-found:
	case <-time.After(20 * time.Second):
		t.Fatalf("obelisk did not start listening:\n%s", rs.logs.String())
	}
	return rs
}

// freeUDPPort finds a UDP port free on ip for sipp's own socket.
func freeUDPPort(t *testing.T, ip string) string {
	t.Helper()
	c, err := net.ListenPacket("udp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, port, _ := net.SplitHostPort(c.LocalAddr().String())
	return port
}

// sipp runs one sipp scenario from testdata/sipp against addr and returns
// its exit code (0 means every call of the scenario passed) and output.
func sipp(t *testing.T, localIP, addr, scenario string, args ...string) (int, string) {
	t.Helper()
	bin := needSipp(t)
	dir := t.TempDir()
	sf := scenario
	if !filepath.IsAbs(sf) {
		sf = filepath.Join(testdataDir(t), "sipp", scenario)
	}
	all := []string{"-sf", sf, "-i", localIP,
		"-m", "1", "-timeout", "15s", "-timeout_error", "-nostdin",
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log")}
	hasPort, hasContact := false, false
	for _, a := range args {
		hasPort = hasPort || a == "-p"
		hasContact = hasContact || a == "contact_port"
	}
	if !hasPort {
		port := freeUDPPort(t, localIP)
		all = append(all, "-p", port)
		if !hasContact {
			all = append(all, "-key", "contact_port", port)
		}
	}
	all = append(all, args...)
	if addr != "" {
		all = append(all, addr) // a UAS scenario has no remote address
	}
	cmd := exec.Command(bin, all...)
	cmd.Dir = dir
	out, _ := cmd.CombinedOutput()
	errs, _ := os.ReadFile(filepath.Join(dir, "errors.log"))
	return cmd.ProcessState.ExitCode(), string(out) + string(errs)
}

func testdataDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs(filepath.Join("..", "..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// writeScenario copies a testdata/sipp scenario with placeholders replaced
// and returns the copy's path.
func writeScenario(t *testing.T, name string, repl map[string]string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir(t), "sipp", name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for k, v := range repl {
		s = strings.ReplaceAll(s, k, v)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
