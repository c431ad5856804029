package cdr

// Q.850 hangup causes the CDR engine looks at (asterisk/causes.h).
const (
	causeNoRouteDestination = 3  // AST_CAUSE_NO_ROUTE_DESTINATION
	causeNormalClearing     = 16 // AST_CAUSE_NORMAL_CLEARING
	causeBusy               = 17 // AST_CAUSE_BUSY (USER_BUSY)
	causeNoAnswer           = 19 // AST_CAUSE_NO_ANSWER
	causeUnregistered       = 20 // AST_CAUSE_UNREGISTERED (SUBSCRIBER_ABSENT)
	causeCongestion         = 34 // AST_CAUSE_CONGESTION (NORMAL_CIRCUIT_CONGESTION)
)

// DispositionFromDialStatus is cdr.c's dial_status_to_disposition: the
// disposition a Dial's DIALSTATUS gives a CDR. ANSWER is ANSWERED, BUSY is
// BUSY, NOANSWER and CANCEL are NO ANSWER, CONGESTION is CONGESTION when
// cdr.conf has congestion=yes and FAILED otherwise; FAILED, CHANUNAVAIL and
// anything else are FAILED. The words are matched exactly, as strcmp does.
func DispositionFromDialStatus(status string, congestion bool) Disposition {
	switch status {
	case "ANSWER":
		return DispositionAnswered
	case "BUSY":
		return DispositionBusy
	case "CANCEL", "NOANSWER":
		return DispositionNoAnswer
	case "CONGESTION":
		if congestion {
			return DispositionCongestion
		}
		return DispositionFailed
	}
	return DispositionFailed
}

// DispositionFromCause is cdr_object_set_disposition: the disposition a
// hangup cause gives an unanswered CDR. Busy (17) is BUSY; congestion (34)
// is CONGESTION with congestion=yes, else FAILED; no route (3) and
// unregistered (20) are FAILED; normal clearing (16) and no answer (19) are
// NO ANSWER. Any other cause leaves the disposition unset: DispositionNull.
func DispositionFromCause(cause int, congestion bool) Disposition {
	switch cause {
	case causeBusy:
		return DispositionBusy
	case causeCongestion:
		if congestion {
			return DispositionCongestion
		}
		return DispositionFailed
	case causeNoRouteDestination, causeUnregistered:
		return DispositionFailed
	case causeNormalClearing, causeNoAnswer:
		return DispositionNoAnswer
	}
	return DispositionNull
}

// FinalDisposition is how cdr_object_finalize settles a CDR whose
// disposition no Dial set: ANSWERED if it was answered, else what the
// calling party's hangup cause gives (DispositionFromCause, which may leave
// it unset, written "NO ANSWER"), else the called party's, else FAILED when
// neither has a cause. A zero cause means none.
func FinalDisposition(answered bool, causeA, causeB int, congestion bool) Disposition {
	switch {
	case answered:
		return DispositionAnswered
	case causeA != 0:
		return DispositionFromCause(causeA, congestion)
	case causeB != 0:
		return DispositionFromCause(causeB, congestion)
	}
	return DispositionFailed
}
