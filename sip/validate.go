package sip

import (
	"strings"

	sipgosip "github.com/emiago/sipgo/sip"
)

// checkRequest applies the checks of RFC 3261 §8.2 that come before any
// processing, and that sipgo v1.7.2 does not make, to a parsed request: it
// returns the error to answer with, or nil.
//
//   - the version is SIP/2.0, else 505 (§8.2.2 … §21.5.6);
//   - the method is a token (§25.1);
//   - the Request-URI is sip:, sips: or tel:, else 416 (§8.2.2.1), and a
//     SIP URI has a host;
//   - Via (with a host), From, To, Call-ID and CSeq are present (§8.1.1:
//     "a valid SIP request … MUST contain" them), and CSeq names the
//     method of the request (§8.1.1.5).
//
// Without these, handlers further on meet nil headers and dialogs are
// filed under a method the request does not have (PROTOS c07-sip found
// both).
func checkRequest(req *sipgosip.Request) *StatusError {
	if !strings.EqualFold(req.SipVersion, "SIP/2.0") {
		return NewStatusError(505, "Version Not Supported")
	}
	if !isToken(string(req.Method)) {
		return NewStatusError(400, "Bad Request")
	}
	switch strings.ToLower(req.Recipient.Scheme) {
	case "sip", "sips":
		if req.Recipient.Host == "" {
			return NewStatusError(400, "Bad Request")
		}
	case "tel":
	default:
		return NewStatusError(416, "Unsupported URI Scheme")
	}
	if v := req.Via(); v == nil || v.Host == "" {
		return NewStatusError(400, "Bad Request")
	}
	if req.From() == nil || req.To() == nil || req.CallID() == nil || req.CSeq() == nil {
		return NewStatusError(400, "Bad Request")
	}
	if string(req.CSeq().MethodName) != string(req.Method) {
		return NewStatusError(400, "Bad Request")
	}
	return nil
}

// validResponse reports whether a response has what the client
// transaction layer matches it by (RFC 3261 §17.1.3: Via branch, CSeq)
// and the headers a dialog reads.
func validResponse(res *sipgosip.Response) bool {
	v := res.Via()
	return v != nil && v.Host != "" && res.CSeq() != nil && res.CallID() != nil && res.From() != nil && res.To() != nil
}

// isToken reports whether s is an RFC 3261 §25.1 token:
// 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~").
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-.!%*_+`'~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
