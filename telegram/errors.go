package telegram

import "errors"

// ErrInvalidNumber is a number that is neither E.164 nor a US format.
var ErrInvalidNumber = errors.New("invalid number")

// ErrNoAgent is a Telegram user the store has no agent for.
var ErrNoAgent = errors.New("no such agent")
