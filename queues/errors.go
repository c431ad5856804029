package queues

import "errors"

// Sentinel errors of the queue runtime; wrap them with what was being done
// and test them with errors.Is.
var (
	// ErrNoSuchQueue is returned for a queue name queues.conf does not define
	// (app_queue's RES_NOSUCHQUEUE, QUEUESTATUS=UNKNOWN for Queue()).
	ErrNoSuchQueue = errors.New("no such queue")
	// ErrMemberExists is returned when adding an interface already in the queue (AQMSTATUS=MEMBERALREADY).
	ErrMemberExists = errors.New("member already in queue")
	// ErrNotInQueue is returned when removing an interface the queue does not have (RQMSTATUS=NOTINQUEUE).
	ErrNotInQueue = errors.New("member not in queue")
	// ErrNotDynamic is returned when removing a static member (RQMSTATUS=NOTDYNAMIC).
	ErrNotDynamic = errors.New("member is not dynamic")
	// ErrMemberNotFound is returned when pausing an interface no queue has (PQMSTATUS=NOTFOUND).
	ErrMemberNotFound = errors.New("member not found")
	// ErrBadInterface is returned for an interface that is not Technology/resource.
	ErrBadInterface = errors.New("interface is not Technology/resource")
	// ErrBadPenalty is returned for a negative penalty.
	ErrBadPenalty = errors.New("penalty is negative")

	// ErrMemberBusy is what a Dialer returns when the member's phone answers
	// busy (AST_CONTROL_BUSY: RINGNOANSWER, autopause only with autopausebusy).
	ErrMemberBusy = errors.New("member busy")
	// ErrMemberCongestion is what a Dialer returns for congestion or an
	// unreachable phone (AST_CONTROL_CONGESTION: autopause only with autopauseunavail).
	ErrMemberCongestion = errors.New("member congestion")
	// ErrNoChannel is what a Dialer returns when it cannot even place the call
	// (ast_request failing): the member is skipped without a RINGNOANSWER line.
	ErrNoChannel = errors.New("no channel to member")
	// ErrClosed is returned by a closed QueueLog.
	ErrClosed = errors.New("queue log closed")
)
