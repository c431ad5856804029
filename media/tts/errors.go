package tts

import "errors"

// Sentinel errors of speech synthesis; branch on them with errors.Is.
var (
	// ErrUnsupportedLanguage means the engine has no voice for a language.
	ErrUnsupportedLanguage = errors.New("no voice for language")

	// ErrNoAudio means an engine answered without audio.
	ErrNoAudio = errors.New("engine returned no audio")

	// ErrEngine means the engine failed: espeak-ng exited with an error, or
	// the HTTP API answered with an error status.
	ErrEngine = errors.New("speech engine failed")
)
