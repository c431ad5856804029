package ivr

import "errors"

// Sentinel errors of the dialplan engine.
var (
	// ErrHangup means the caller hung up, or an application asked for the
	// call to end (Asterisk's application return value -1).
	ErrHangup = errors.New("channel hung up")
	// ErrSoundNotFound means a sound file exists in no format and no language.
	ErrSoundNotFound = errors.New("sound file not found")
	// ErrNoApplication means the dialplan names an application that is not registered.
	ErrNoApplication = errors.New("no such application")
	// ErrNoFunction means an expression names a dialplan function that is not registered.
	ErrNoFunction = errors.New("no such function")
	// ErrLoop means the engine cut a Goto loop that executed too many
	// priorities without waiting for the caller.
	ErrLoop = errors.New("dialplan loop")
	// ErrReadOnly means a write to a function or variable that cannot be written.
	ErrReadOnly = errors.New("read-only")
)
