package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCallFileOriginates: a call file moved into DATA/spool/outgoing (as
// seed 001's survey flow and Asterisk users do) makes the switch call the
// registered phone; once it answers, the call runs the file's context with
// its variables, and the file is archived in outgoing_done with
// "Status: Completed" (Archive: yes), as pbx_spool does.
func TestCallFileOriginates(t *testing.T) {
	ip, phoneIP := loopbackIP(t, 164), loopbackIP(t, 166)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf": strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", loopbackIP(t, 165)),
		"extensions.conf": `[from-pstn]
[survey]
exten => s,1,Verbose(1,survey call for ${RATING_FOR} from ${CALLERID(num)})
 same => n,Wait(1)
 same => n,Hangup()
[phones]
`,
	})
	scenario := writeScenario(t, "phone_answer.xml", map[string]string{"^ *69$": "^ *70$"})
	port := freeUDPPort(t, phoneIP)
	phoneDone := sippBackground(t, phoneIP, "", scenario, port)
	registerPhone(t, phoneIP, sw, port)

	spool := filepath.Join(sw.data, "spool")
	file := `Channel: SIP/1001
CallerID: "Survey" <0612345678>
WaitTime: 10
MaxRetries: 1
RetryTime: 5
Context: survey
Extension: s
Priority: 1
Set: RATING_FOR=7001
Archive: yes
`
	tmp := filepath.Join(spool, "tmp", "survey-7001.call")
	if err := os.WriteFile(tmp, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(spool, "outgoing", "survey-7001.call")); err != nil {
		t.Fatal(err)
	}
	waitLog(t, sw, "survey call for 7001 from 0612345678")
	if res := <-phoneDone; !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("phone: %s", res)
	}
	done := filepath.Join(spool, "outgoing_done", "survey-7001.call")
	var b []byte
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if b, _ = os.ReadFile(done); strings.Contains(string(b), "Status: Completed") {
			break
		}
	}
	if !strings.Contains(string(b), "Status: Completed") {
		t.Fatalf("no archived call file with Status: Completed in %s:\n%s", done, b)
	}
	if _, err := os.Stat(filepath.Join(spool, "outgoing", "survey-7001.call")); !os.IsNotExist(err) {
		t.Errorf("the call file is still in outgoing/ (%v)", err)
	}
}
