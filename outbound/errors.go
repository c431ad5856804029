package outbound

import (
	"errors"
	"fmt"
)

// Sentinel errors of the outbound package; branch on them with errors.Is.
var (
	// ErrNoChannel means a call file has no usable "Channel: Tech/Dest" line;
	// pbx_spool refuses such a file ("At least one of app or extension must
	// be specified, along with tech and dest").
	ErrNoChannel = errors.New("call file has no Channel: Tech/Dest")

	// ErrNoDestination means a call file names neither an Application nor an
	// Extension to connect the answered channel to.
	ErrNoDestination = errors.New("call file has neither Application nor Extension")

	// ErrSyntax means a line has no "key: value" colon; pbx_spool logs
	// "Syntax error at line N" and skips the line.
	ErrSyntax = errors.New("line is not key: value")

	// ErrUnknownKey means a line's key is not one pbx_spool knows; it logs
	// "Unknown keyword" and skips the line.
	ErrUnknownKey = errors.New("unknown keyword")

	// ErrBadValue means a value cannot be used (a number that is not one, a
	// Set without '='); pbx_spool warns and keeps its default.
	ErrBadValue = errors.New("invalid value")

	// ErrLongLine means a line is longer than the 255 bytes pbx_spool reads
	// at a time; Asterisk would split it in two lines, Obelisk keeps it whole.
	ErrLongLine = errors.New("line longer than 255 bytes")

	// ErrRunning means Run was called on a Spool that is already running.
	ErrRunning = errors.New("spool already running")

	// ErrBadName means a call file name given to Submit is empty, has a
	// path separator or starts with a dot.
	ErrBadName = errors.New("invalid call file name")
)

// ParseError is a problem at one line of a call file: a fatal error
// returned by ParseCallFile or one of CallFile.Warnings. Err is one of the
// sentinels above.
type ParseError struct {
	// File is the name the call file was parsed under.
	File string
	// Line is the 1-based line number.
	Line int
	// Msg says what is wrong, in pbx_spool's words where it has some.
	Msg string
	// Err is the sentinel the problem matches.
	Err error
}

// Error formats the problem as "file:line: message".
func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Unwrap returns the sentinel, so errors.Is(err, ErrNoChannel) works.
func (e *ParseError) Unwrap() error { return e.Err }
