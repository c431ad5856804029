package cdr

import "errors"

// Sentinel errors of the cdr package; branch on them with errors.Is.
var (
	// ErrRecordTooLong means a record does not fit cdr_csv's 1024-byte line
	// buffer; Asterisk logs "Unable to create CSV record in 1024 bytes. CDR
	// not recorded!" and so does not write it either.
	ErrRecordTooLong = errors.New("csv record longer than cdr_csv's 1024-byte buffer")

	// ErrInsecureAccountCode means an account code has a '/' or starts with
	// '.', so cdr_csv will not use it as a file name.
	ErrInsecureAccountCode = errors.New("account code insecure for writing a file")

	// ErrBadValue means a disposition or AMA flags word is not one Asterisk
	// knows.
	ErrBadValue = errors.New("invalid value")
)
