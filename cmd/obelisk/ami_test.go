package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// needAMIClient returns node and the directory of testdata/ami-client,
// where scripts/install-node-deps.sh installed asterisk-manager.
func needAMIClient(t *testing.T) (node, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: run scripts/install-deps.sh (make test does)")
	}
	dir = filepath.Join(testdataDir(t), "ami-client")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "asterisk-manager")); err != nil {
		t.Fatal("the npm AMI client is not installed: run scripts/install-deps.sh (make test does)")
	}
	return node, dir
}

// freeTCPPort finds a TCP port free on ip for the manager.
func freeTCPPort(t *testing.T, ip string) string {
	t.Helper()
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// managerConf is manager.conf with the manager on {{IP}}:port and a CRM
// account allowed from the loopback network only.
func managerConf(port string) string {
	return `[general]
enabled=yes
bindaddr={{IP}}
port=` + port + `

[crm]
secret=crm-secret
deny=0.0.0.0/0.0.0.0
permit=127.0.0.0/255.0.0.0
read=all
write=all
`
}

// runAMIClient runs testdata/ami-client/drive.js against the manager and
// returns its steps by name.
func runAMIClient(t *testing.T, addr string, args ...string) map[string]map[string]any {
	t.Helper()
	return runAMIScript(t, addr, "drive.js", args...)
}

// runAMIScript runs a script of testdata/ami-client as the crm user and
// returns its steps by name.
func runAMIScript(t *testing.T, addr, script string, args ...string) map[string]map[string]any {
	t.Helper()
	steps, err := amiScript(t, addr, script, args...)
	if err != nil {
		t.Fatal(err)
	}
	return steps
}

// goAMIScript runs the script in the background (the test acts on the
// switch meanwhile); the steps arrive on the channel, nil when the
// script failed (the test has failed then).
func goAMIScript(t *testing.T, addr, script string, args ...string) <-chan map[string]map[string]any {
	t.Helper()
	needAMIClient(t)
	done := make(chan map[string]map[string]any, 1)
	finished := make(chan struct{})
	t.Cleanup(func() { <-finished }) // its t.Error must come before the test ends
	go func() {
		defer close(finished)
		steps, err := amiScript(t, addr, script, args...)
		if err != nil {
			t.Error(err)
			steps = nil
		}
		done <- steps
	}()
	return done
}

// amiScript runs the script; a failed run's error has its output.
func amiScript(t *testing.T, addr, script string, args ...string) (map[string]map[string]any, error) {
	node, dir := needAMIClient(t)
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(node, append([]string{script, port, host, "crm", "crm-secret"}, args...)...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	steps := map[string]map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			steps[m["step"].(string)] = m
		}
	}
	if err != nil {
		return steps, fmt.Errorf("AMI client: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
	}
	return steps, nil
}

// TestAMIClientOriginates drives the manager with asterisk-manager (the
// npm AMI client): a wrong secret is refused; after the login, Ping; an
// Async Originate to the registered phone 1001 with a caller ID rings the
// phone with that caller ID, runs survey,s,1 with the variable once it
// answers, and reports OriginateResponse Success (Reason 4), then the
// channel's Newchannel … Hangup events; QueueStatus lists the queue and
// its member; DBPut then DBGet give back the value.
func TestAMIClientOriginates(t *testing.T) {
	needAMIClient(t)
	ip, phoneIP := loopbackIP(t, 200), loopbackIP(t, 202)
	port := freeTCPPort(t, ip)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf":     strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", loopbackIP(t, 201)),
		"manager.conf": managerConf(port),
		"queues.conf":  "[support]\nstrategy=ringall\nmember => SIP/1001\n",
		"extensions.conf": `[from-pstn]
[survey]
exten => s,1,Verbose(1,survey call for ${RATING_FOR} from ${CALLERID(num)})
 same => n,Wait(1)
 same => n,Hangup()
[phones]
`,
	})
	waitLog(t, sw, `msg="manager listening"`)
	// The phone checks the INVITE's From carries 0612345678.
	scenario := writeScenario(t, "phone_answer.xml", map[string]string{"^ *69$": "^ *70$"})
	phonePort := freeUDPPort(t, phoneIP)
	phoneDone := sippBackground(t, phoneIP, "", scenario, phonePort)
	registerPhone(t, phoneIP, sw, phonePort)

	steps := runAMIClient(t, net.JoinHostPort(ip, port), "SIP/1001", `"Survey" <0612345678>`)
	check := func(step, key string, want any) {
		t.Helper()
		if got := steps[step][key]; got != want {
			t.Errorf("%s %s = %v, want %v (step: %v)", step, key, got, want, steps[step])
		}
	}
	check("badlogin", "response", "Error")
	check("badlogin", "message", "Authentication failed")
	check("login", "ok", true)
	check("ping", "ping", "Pong")
	check("originate", "response", "Success")
	check("originate", "message", "Originate successfully queued")
	check("originateresponse", "response", "Success")
	check("originateresponse", "reason", "4")
	check("originateresponse", "calleridnum", "0612345678")
	if ch, _ := steps["originateresponse"]["channel"].(string); !strings.HasPrefix(ch, "SIP/1001-") {
		t.Errorf("OriginateResponse channel %q, want SIP/1001-…", ch)
	}
	check("hangup", "newchannel", true)
	check("hangup", "cause", "16")
	check("hangup", "causetxt", "Normal Clearing")
	joined := toString(steps["hangup"]["events"])
	for _, want := range []string{"Newstate", "Newexten", "Hangup"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the channel's events %s lack %s", joined, want)
		}
	}
	check("queuestatus", "response", "Success")
	check("queuestatus", "eventlist", "start")
	qs := toString(steps["queuestatus"]["events"])
	for _, want := range []string{"QueueParams support", "QueueMember support SIP/1001", "QueueStatusComplete   2"} {
		if !strings.Contains(qs, want) {
			t.Errorf("QueueStatus events %s lack %q", qs, want)
		}
	}
	check("dbput", "message", "Updated database successfully")
	check("dbget", "val", "fr")
	if res := <-phoneDone; !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("phone: %s", res)
	}
	waitLog(t, sw, "survey call for 7001 from 0612345678")
}

// toString flattens the client's JSON arrays for assertions: each inner
// array's items joined by spaces, arrays by commas.
func toString(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			if inner, ok := e.([]any); ok {
				s := make([]string, len(inner))
				for j, y := range inner {
					s[j], _ = y.(string)
				}
				parts[i] = strings.Join(s, " ")
			} else {
				parts[i], _ = e.(string)
			}
		}
		return strings.Join(parts, ",")
	case string:
		return x
	}
	return ""
}

// TestAMIRawSession speaks the protocol on a raw socket: a wrong secret,
// an unknown user and a user from a denied address get the same answer
// and the session ends (after the manager's one-second delay, as
// action_login's); before a login nothing but Login and Challenge runs.
// Logged in, an Originate to a phone that is not registered fails: sync,
// "Originate failed"; Async, an OriginateResponse Failure with Reason 0.
func TestAMIRawSession(t *testing.T) {
	ip := loopbackIP(t, 203)
	port := freeTCPPort(t, ip)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf":        strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", loopbackIP(t, 204)),
		"manager.conf":    managerConf(port) + "\n[remote]\nsecret=x\ndeny=0.0.0.0/0.0.0.0\npermit=10.0.0.0/8\nread=all\nwrite=all\n",
		"extensions.conf": "[from-pstn]\n[phones]\n",
	})
	waitLog(t, sw, `msg="manager listening"`)
	for _, login := range [][2]string{{"crm", "wrong"}, {"nobody", "crm-secret"}, {"remote", "x"}} {
		c, err := net.Dial("tcp", net.JoinHostPort(ip, port))
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		if greet, _ := r.ReadString('\n'); !strings.HasPrefix(greet, "Asterisk Call Manager/") {
			t.Fatalf("greeting %q", greet)
		}
		_, _ = c.Write([]byte("Action: Status\r\nActionID: s\r\n\r\n"))
		if got := readAMI(r); got != "Response: Error\r\nActionID: s\r\nMessage: Permission denied\r\n\r\n" {
			t.Fatalf("Status before login: %q", got)
		}
		_, _ = c.Write([]byte("Action: Login\r\nActionID: l\r\nUsername: " + login[0] + "\r\nSecret: " + login[1] + "\r\n\r\n"))
		if got := readAMI(r); got != "Response: Error\r\nActionID: l\r\nMessage: Authentication failed\r\n\r\n" {
			t.Fatalf("login %v: %q", login, got)
		}
		if _, err := r.ReadByte(); err == nil {
			t.Errorf("login %v: the session stays open", login)
		}
		c.Close()
	}
	c, r := amiLogin(t, net.JoinHostPort(ip, port), "call")
	defer c.Close()
	_, _ = c.Write([]byte("Action: Originate\r\nActionID: s\r\nChannel: SIP/1001\r\nApplication: Wait\r\nData: 1\r\n\r\n"))
	if got := readAMI(r); got != "Response: Error\r\nActionID: s\r\nMessage: Originate failed\r\n\r\n" {
		t.Fatalf("sync Originate to an unregistered phone: %q", got)
	}
	_, _ = c.Write([]byte("Action: Originate\r\nActionID: a\r\nChannel: SIP/1001\r\nApplication: Wait\r\nData: 1\r\nAsync: yes\r\n\r\n"))
	if got := readAMI(r); got != "Response: Success\r\nActionID: a\r\nMessage: Originate successfully queued\r\n\r\n" {
		t.Fatalf("async Originate: %q", got)
	}
	for {
		got := readAMI(r)
		if got == "" {
			t.Fatal("no OriginateResponse")
		}
		if strings.HasPrefix(got, "Event: OriginateResponse\r\n") {
			if !strings.Contains(got, "ActionID: a\r\nResponse: Failure\r\nChannel: SIP/1001\r\n") || !strings.Contains(got, "Reason: 0\r\n") {
				t.Fatalf("OriginateResponse: %q", got)
			}
			break
		}
	}
}

// readAMI reads one AMI message as written.
func readAMI(r *bufio.Reader) string {
	var b strings.Builder
	for {
		line, err := r.ReadString('\n')
		b.WriteString(line)
		if err != nil || line == "\r\n" {
			return b.String()
		}
	}
}

// TestAMIClickToCall is seed 002's click-to-call through the manager:
// Originate Channel=SIP/1001 (the agent's phone) Context=phones
// Exten=0655443322 (the target) with the agent's caller ID. The agent's
// phone rings first; once it answers, its channel runs phones,0655443322,
// whose Dial calls the target through the trunk with that caller ID;
// the two are bridged until the target hangs up. The client sees the
// originated channel answer (Newstate) before it dials (DialBegin), the
// dial answered (DialEnd) before the bridge (BridgeEnter), then Hangup;
// while they talk CoreShowChannels lists both channels, and a MixMonitor
// the manager starts records them.
func TestAMIClickToCall(t *testing.T) {
	needAMIClient(t)
	ip, trunkIP, phoneIP := loopbackIP(t, 205), loopbackIP(t, 206), loopbackIP(t, 207)
	port := freeTCPPort(t, ip)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf":     strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", trunkIP),
		"manager.conf": managerConf(port),
		"extensions.conf": `[from-pstn]
[phones]
exten => _0X.,1,Dial(SIP/pstn/${EXTEN},20)
exten => h,1,Verbose(1,click-to-call ended with ${DIALSTATUS})
`,
	})
	waitLog(t, sw, `msg="manager listening"`)
	targetDone := sippBackground(t, trunkIP, "", "ami_target_answer.xml", "5060")
	agent := writeScenario(t, "phone_answer.xml", map[string]string{"^ *69$": "^ *70$"})
	phonePort := freeUDPPort(t, phoneIP)
	agentDone := sippBackground(t, phoneIP, "", agent, phonePort)
	registerPhone(t, phoneIP, sw, phonePort)

	steps := runAMIClient(t, net.JoinHostPort(ip, port), "SIP/1001", `"Agent [M]" <0612345678>`, "0655443322")
	if r := steps["originateresponse"]; r["response"] != "Success" || r["reason"] != "4" {
		t.Errorf("OriginateResponse %v, want Success, Reason 4", r)
	}
	evs := strings.Split(toString(steps["hangup"]["events"]), ",")
	pos := func(name string) int {
		for i, e := range evs {
			if e == name {
				return i
			}
		}
		t.Errorf("no %s among the channel's events %v", name, evs)
		return -1
	}
	if !(pos("Newchannel") < pos("Newstate") && pos("Newstate") < pos("DialBegin") && pos("DialBegin") < pos("DialEnd") &&
		pos("DialEnd") < pos("BridgeEnter") && pos("BridgeEnter") < pos("Hangup")) {
		t.Errorf("the channel's events in the wrong order: %v", evs)
	}
	names := toString(steps["channels"]["names"])
	if !strings.HasPrefix(names, "SIP/1001-") || !strings.Contains(names, ",SIP/pstn-") {
		t.Errorf("CoreShowChannels while bridged: %q, want the agent's SIP/1001-… and the target's SIP/pstn-…", names)
	}
	if r := steps["mixmonitor"]; r["response"] != "Success" || r["id"] == nil || r["id"] == "" {
		t.Errorf("MixMonitor: %v", r)
	}
	if res := <-targetDone; !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("target: %s", res)
	}
	if res := <-agentDone; !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("agent: %s", res)
	}
	waitLog(t, sw, "click-to-call ended with ANSWER")
	// The recording the manager started is written, with frames past the
	// WAV header (sipp sends no RTP: they are the bridge's silence).
	rec := filepath.Join(sw.data, "recordings", "click-to-call.wav")
	var size int64
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if fi, err := os.Stat(rec); err == nil && fi.Size() > 44 {
			size = fi.Size()
			break
		}
	}
	if size <= 44 {
		t.Errorf("no recording with audio at %s (%d bytes)", rec, size)
	}
}

// TestAMIRedirect: while a click-to-call is bridged, Redirect of the
// target's channel to phones,700 hangs up the agent (its phone gets BYE)
// and runs the target in the dialplan there, as Asterisk's Redirect out
// of a two-party bridge does.
func TestAMIRedirect(t *testing.T) {
	needAMIClient(t)
	ip, trunkIP, phoneIP := loopbackIP(t, 208), loopbackIP(t, 209), loopbackIP(t, 207)
	port := freeTCPPort(t, ip)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf":     strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", trunkIP),
		"manager.conf": managerConf(port),
		"extensions.conf": `[from-pstn]
[phones]
exten => _0X.,1,Dial(SIP/pstn/${EXTEN},20)
exten => 700,1,Verbose(1,redirected ${CHANNEL} here)
 same => n,Wait(10)
`,
	})
	waitLog(t, sw, `msg="manager listening"`)
	targetDone := sippBackground(t, trunkIP, "", "ami_target_answer.xml", "5060")
	agent := writeScenario(t, "phone_answer.xml", map[string]string{"^ *69$": "^ *70$"})
	phonePort := freeUDPPort(t, phoneIP)
	agentDone := sippBackground(t, phoneIP, "", agent, phonePort)
	registerPhone(t, phoneIP, sw, phonePort)

	steps := runAMIClient(t, net.JoinHostPort(ip, port), "SIP/1001", `"Agent" <0612345678>`, "0655443322", "redirect")
	if r := steps["redirect"]; r["response"] != "Success" || r["message"] != "Redirect successful" {
		t.Fatalf("Redirect: %v", r)
	}
	target, _ := steps["redirect"]["channel"].(string)
	if !strings.HasPrefix(target, "SIP/pstn-") {
		t.Fatalf("redirected %q, want the target's SIP/pstn-… channel", target)
	}
	if res := <-agentDone; !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("agent (hung up by the redirect): %s", res)
	}
	// The transferred channel is named anew by the bridge (SIP/pstn-…),
	// not as the manager listed the leg.
	waitLog(t, sw, "redirected SIP/pstn-")
	if res := <-targetDone; !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("target: %s", res)
	}
}
