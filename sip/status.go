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
