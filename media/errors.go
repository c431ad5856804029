package media

import "errors"

// Sentinel errors of the media layer; branch on them with errors.Is.
var (
	// ErrNoCommonCodec means an offer has no audio format the endpoint allows
	// (Asterisk answers such an INVITE with 488 Not Acceptable Here).
	ErrNoCommonCodec = errors.New("no codec in common")

	// ErrNoAudio means a session description has no m=audio line.
	ErrNoAudio = errors.New("no audio stream")

	// ErrNoConnection means the audio stream has no c= line, neither at media
	// nor at session level (RFC 4566 §5.7 requires one of them).
	ErrNoConnection = errors.New("no connection address")

	// ErrNoPort means a PortPool found no free pair of RTP and RTCP ports.
	ErrNoPort = errors.New("no free rtp port")

	// ErrPayloadKind means a packet was written with a PayloadKind that is
	// neither audio nor DTMF.
	ErrPayloadKind = errors.New("unknown payload kind")
)
