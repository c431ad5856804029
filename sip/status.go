package sip

import "fmt"

// StatusError is a SIP final response a handler wants sent: handlers
// return it and the server answers the request with Code and Reason, so
// that errors are mapped to SIP statuses in one place.
type StatusError struct {
	Code   int
	Reason string
}

// Error returns "487 Request Terminated".
func (e *StatusError) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Reason) }

// NewStatusError returns a StatusError.
func NewStatusError(code int, reason string) *StatusError {
	return &StatusError{Code: code, Reason: reason}
}

// CauseToStatus maps a Q.850 hangup cause to the SIP final response that
// refuses a call with it, as chan_sip's hangup_cause2sip does.
func CauseToStatus(cause int) (code int, reason string) {
	switch cause {
	case 1, 2, 3: // unallocated number, no route to network/destination
		return 404, "Not Found"
	case 17: // user busy
		return 486, "Busy Here"
	case 18: // no user responding
		return 408, "Request Timeout"
	case 19, 20: // no answer, subscriber absent
		return 480, "Temporarily Unavailable"
	case 21: // call rejected
		return 403, "Forbidden"
	case 22: // number changed
		return 410, "Gone"
	case 26, 31, 0: // non-selected user clearing, normal unspecified
		return 480, "Temporarily Unavailable"
	case 27: // destination out of order
		return 502, "Bad Gateway"
	case 28: // invalid number format
		return 484, "Address Incomplete"
	case 29: // facility rejected
		return 501, "Not Implemented"
	case 34, 38, 41, 42, 44, 47: // no circuit, network out of order, temporary failure, congestion
		return 503, "Service Unavailable"
	case 58: // bearer capability not available
		return 488, "Not Acceptable Here"
	case 65, 79: // bearer capability / service not implemented
		return 501, "Not Implemented"
	case 88: // incompatible destination
		return 488, "Not Acceptable Here"
	case 102: // recovery on timer expiry
		return 504, "Server Time-out"
	}
	return 500, "Server Internal Error"
}

// StatusToCause maps a SIP final response of a failed outbound leg to a
// Q.850 cause, as chan_sip's hangup_sip2cause does.
func StatusToCause(code int) int {
	switch code {
	case 401, 402, 403, 407:
		return 21 // call rejected
	case 404, 410:
		return 1 // unallocated number
	case 405, 501:
		return 79 // service or option not implemented
	case 408:
		return 102 // recovery on timer expiry
	case 413, 414, 416, 420, 421, 423, 505:
		return 127 // interworking
	case 480, 483, 487:
		return 18 // no user responding … 487 is handled as CANCEL by Dial
	case 484:
		return 28 // invalid number format
	case 486, 600:
		return 17 // user busy
	case 488, 606:
		return 58 // bearer capability not available
	case 500:
		return 41 // temporary failure
	case 502:
		return 27 // destination out of order
	case 503:
		return 34 // no circuit available
	case 504:
		return 102
	case 603:
		return 21
	}
	switch {
	case code >= 400 && code < 500:
		return 21
	case code >= 500 && code < 600:
		return 41
	}
	return 31 // normal, unspecified
}

// DialStatus is Asterisk's DIALSTATUS for a leg that failed with a SIP
// status, as app_dial reports it.
func DialStatus(code int) string {
	switch {
	case code == 486 || code == 600:
		return "BUSY"
	case code == 487:
		return "CANCEL"
	case code == 408 || code == 480:
		return "NOANSWER"
	case code == 503 || code == 500 || code == 502 || code == 504:
		return "CONGESTION"
	}
	return "CHANUNAVAIL"
}
