package media

import "errors"

// Sentinel errors of sounds, recordings and music on hold; branch on them
// with errors.Is. The errors returned wrap them with the file concerned.
var (
	// ErrSoundNotFound means a sound exists in no supported format and no
	// language (Asterisk's "File does not exist in any format").
	ErrSoundNotFound = errors.New("sound file not found")

	// ErrUnsupportedAudio means an audio file is well formed but not in a
	// format Obelisk plays: a WAV that is not 8 kHz mono 16-bit PCM, say.
	ErrUnsupportedAudio = errors.New("unsupported audio format")

	// ErrCorruptAudio means an audio file cannot be parsed: a truncated or
	// malformed RIFF header, or an odd number of bytes of 16-bit samples.
	ErrCorruptAudio = errors.New("corrupt audio file")

	// ErrUnknownCodec means a codec name is none of ulaw, alaw and slin
	// (nor PCMU and PCMA).
	ErrUnknownCodec = errors.New("unknown codec")

	// ErrNoMusic means a music-on-hold class has no playable file.
	ErrNoMusic = errors.New("no music on hold files")
)
