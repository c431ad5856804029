package sip

import (
	"fmt"
	"strconv"
	"strings"

	sipgosip "github.com/emiago/sipgo/sip"
)

// MaxCSeq is the largest CSeq sequence number: RFC 3261 §8.1.1.5 makes it
// a 32-bit unsigned integer. A UAC starts below 2**31, but requests inside
// a long dialog (or a REGISTER refreshed for years) may go beyond.
const MaxCSeq = 1<<32 - 1

// sipgo v1.7.2 refuses CSeq numbers above 2**31-1 (its maxCseq), so a
// request numbered 2**31 … 2**32-1 cannot be parsed and is dropped without
// an answer. sipgo offers no option to change that on its default parser,
// but DefaultHeadersParser returns the table every parser uses; the CSeq
// entry is replaced here, once, before any message is parsed. The test
// TestCSeqRange fails if sipgo stops sharing that table.
func init() {
	p := sipgosip.DefaultHeadersParser()
	p["cseq"] = parseCSeq
}

// parseCSeq reads `CSeq: <number> <method>` with number in 0 … 2**32-1
// (RFC 3261 §20.16, §25.1: CSeq = 1*DIGIT LWS Method).
func parseCSeq(_ []byte, text string) (sipgosip.Header, error) {
	h := &sipgosip.CSeqHeader{}
	num, method, ok := strings.Cut(strings.TrimSpace(text), " ")
	if !ok {
		num, method, ok = strings.Cut(strings.TrimSpace(text), "\t")
	}
	method = strings.TrimSpace(method)
	if !ok || num == "" || method == "" || strings.ContainsAny(method, " \t") {
		return h, fmt.Errorf("CSeq %q: want <number> <method>", text)
	}
	for _, c := range num {
		if c < '0' || c > '9' {
			return h, fmt.Errorf("CSeq number %q is not a decimal number", num)
		}
	}
	n, err := strconv.ParseUint(num, 10, 32)
	if err != nil {
		return h, fmt.Errorf("CSeq number %s is above %d", num, uint64(MaxCSeq))
	}
	h.SeqNo = uint32(n)
	h.MethodName = sipgosip.RequestMethod(method)
	return h, nil
}
