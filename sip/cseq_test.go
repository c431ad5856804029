package sip

import (
	"testing"

	sipgosip "github.com/emiago/sipgo/sip"
)

// TestCSeqRange: CSeq numbers are 32-bit unsigned (RFC 3261 §8.1.1.5);
// sipgo's own parser stops at 2**31-1, ours (cseq.go) at 2**32-1.
func TestCSeqRange(t *testing.T) {
	tests := []struct {
		cseq string
		ok   bool
		want uint32
	}{
		{"1 INVITE", true, 1},
		{"2147483647 INVITE", true, 2147483647},
		{"2147483648 INVITE", true, 2147483648},
		{"4294967295 REGISTER", true, 4294967295},
		{"4294967296 REGISTER", false, 0},
		{"99999999999999999999 INVITE", false, 0},
		{"-1 INVITE", false, 0},
		{"+1 INVITE", false, 0},
		{"0x10 INVITE", false, 0},
		{"12a INVITE", false, 0},
		{"INVITE", false, 0},
		{"1", false, 0},
		{"1 INVITE extra", false, 0},
		{"1\tINVITE", true, 1},
		{"1   INVITE", true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.cseq, func(t *testing.T) {
			msg, err := sipgosip.ParseMessage([]byte(request("REGISTER sip:obelisk SIP/2.0", append(without("CSeq"), "CSeq: "+tc.cseq)...)))
			if (err == nil) != tc.ok {
				t.Fatalf("parse error %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && msg.(*sipgosip.Request).CSeq().SeqNo != tc.want {
				t.Fatalf("SeqNo %d, want %d", msg.(*sipgosip.Request).CSeq().SeqNo, tc.want)
			}
		})
	}
}
