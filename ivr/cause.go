package ivr

import (
	"strconv"
	"strings"
)

// Q.850 hangup causes used by the engine (Asterisk's AST_CAUSE_*).
const (
	CauseUnallocated          = 1
	CauseNoRouteDestination   = 3
	CauseNormalClearing       = 16
	CauseUserBusy             = 17
	CauseNoUserResponse       = 18
	CauseNoAnswer             = 19
	CauseCallRejected         = 21
	CauseInvalidNumberFormat  = 28
	CauseNormalUnspecified    = 31
	CauseCongestion           = 34
	CauseNormalCircuitCongest = 34
	CauseFailure              = 38
	CauseChanUnavailable      = 44
)

// causeNames are Asterisk's ast_str2cause names (main/channel.c causes[]).
var causeNames = map[string]int{
	"UNALLOCATED":                   1,
	"NO_ROUTE_TRANSIT_NET":          2,
	"NO_ROUTE_DESTINATION":          3,
	"MISDIALLED_TRUNK_PREFIX":       5,
	"CHANNEL_UNACCEPTABLE":          6,
	"CALL_AWARDED_DELIVERED":        7,
	"PRE_EMPTED":                    8,
	"NUMBER_PORTED_NOT_HERE":        14,
	"NORMAL_CLEARING":               16,
	"USER_BUSY":                     17,
	"NO_USER_RESPONSE":              18,
	"NO_ANSWER":                     19,
	"SUBSCRIBER_ABSENT":             20,
	"CALL_REJECTED":                 21,
	"NUMBER_CHANGED":                22,
	"REDIRECTED_TO_NEW_DESTINATION": 23,
	"ANSWERED_ELSEWHERE":            26,
	"DESTINATION_OUT_OF_ORDER":      27,
	"INVALID_NUMBER_FORMAT":         28,
	"FACILITY_REJECTED":             29,
	"RESPONSE_TO_STATUS_ENQUIRY":    30,
	"NORMAL_UNSPECIFIED":            31,
	"NORMAL_CIRCUIT_CONGESTION":     34,
	"NETWORK_OUT_OF_ORDER":          38,
	"NORMAL_TEMPORARY_FAILURE":      41,
	"SWITCH_CONGESTION":             42,
	"ACCESS_INFO_DISCARDED":         43,
	"REQUESTED_CHAN_UNAVAIL":        44,
	"FACILITY_NOT_SUBSCRIBED":       50,
	"OUTGOING_CALL_BARRED":          52,
	"INCOMING_CALL_BARRED":          54,
	"BEARERCAPABILITY_NOTAUTH":      57,
	"BEARERCAPABILITY_NOTAVAIL":     58,
	"BEARERCAPABILITY_NOTIMPL":      65,
	"CHAN_NOT_IMPLEMENTED":          66,
	"FACILITY_NOT_IMPLEMENTED":      69,
	"INVALID_CALL_REFERENCE":        81,
	"INCOMPATIBLE_DESTINATION":      88,
	"INVALID_MSG_UNSPECIFIED":       95,
	"MANDATORY_IE_MISSING":          96,
	"MESSAGE_TYPE_NONEXIST":         97,
	"WRONG_MESSAGE":                 98,
	"IE_NONEXIST":                   99,
	"INVALID_IE_CONTENTS":           100,
	"WRONG_CALL_STATE":              101,
	"RECOVERY_ON_TIMER_EXPIRE":      102,
	"MANDATORY_IE_LENGTH_ERROR":     103,
	"PROTOCOL_ERROR":                111,
	"INTERWORKING":                  127,
	// Aliases Asterisk accepts.
	"BUSY":         17,
	"FAILURE":      38,
	"NORMAL":       16,
	"NOANSWER":     19,
	"CONGESTION":   34,
	"UNREGISTERED": 3,
	"NOTDEFINED":   0,
}

// ParseCause reads a hangup cause given by Asterisk name (USER_BUSY, or
// AST_CAUSE_USER_BUSY) or by number, as Hangup() accepts it. It reports
// false for anything else.
func ParseCause(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		return n, n > 0 && n <= 127
	}
	name := strings.TrimPrefix(strings.ToUpper(s), "AST_CAUSE_")
	n, ok := causeNames[name]
	return n, ok && n > 0
}

// CauseName returns Asterisk's name for a Q.850 cause, or the number.
func CauseName(cause int) string {
	best := ""
	for name, n := range causeNames {
		if n == cause && (best == "" || len(name) > len(best) || (len(name) == len(best) && name < best)) {
			best = name
		}
	}
	if best == "" {
		return strconv.Itoa(cause)
	}
	return best
}
