package main

import (
	"strings"
	"testing"
)

// TestSIPCSeqRange: CSeq numbers go up to 2**32-1 (RFC 3261 §8.1.1.5). A
// phone registering with CSeq 4294967294 and 4294967295 gets 401 and 200
// as with any other number (sipgo alone refuses numbers above 2**31-1 and
// drops such requests unanswered; sip/cseq.go widens its parser), and a
// request with CSeq 4294967296 gets 400 from the UDP guard
// (sip/transport_guard.go) instead of silence.
func TestSIPCSeqRange(t *testing.T) {
	ip, phoneIP := loopbackIP(t, 214), loopbackIP(t, 215)
	sw := startSwitch(t, ip, sipTestConfig)
	if code, out := sipp(t, phoneIP, sw.sipAddr, "register_cseq_max.xml", "-s", "1001", "-au", "1001", "-ap", "s3cret-1001"); code != 0 {
		t.Fatalf("sipp exit %d:\n%s", code, out)
	}
	if !strings.Contains(sw.logs.String(), "msg=registered") {
		t.Fatalf("no registration logged:\n%s", sw.logs.String())
	}
}
