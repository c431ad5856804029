package api

import "errors"

// Errors of the API package.
var (
	// ErrBadStatus is a status name the API does not know.
	ErrBadStatus = errors.New("unknown call status")
	// ErrNotFound is a call id the store does not hold.
	ErrNotFound = errors.New("no such call")
	// ErrBadTarget is a target that is no phone number or SIP URI.
	ErrBadTarget = errors.New("bad target")
)
