package media

import "github.com/zaf/g711"

// Codec names as Asterisk and SDP spell them.
const (
	PCMU = "PCMU" // G.711 µ-law, RTP payload type 0
	PCMA = "PCMA" // G.711 A-law, RTP payload type 8
)

// Lookup tables built once from zaf/g711: converting a 20 ms frame is 160
// table reads, with no allocation.
var (
	alawToUlaw [256]byte
	ulawToAlaw [256]byte
)

func init() {
	for i := range 256 {
		alawToUlaw[i] = g711.Alaw2UlawFrame(uint8(i))
		ulawToAlaw[i] = g711.Ulaw2AlawFrame(uint8(i))
	}
}

// Transcoder converts G.711 payloads between A-law and µ-law in place.
type Transcoder func(payload []byte)

// NewTranscoder returns the in-place conversion from codec from to codec
// to (PCMU or PCMA), nil when they are the same, and false when it cannot
// convert between them.
func NewTranscoder(from, to string) (Transcoder, bool) {
	switch {
	case from == to:
		return nil, true
	case from == PCMA && to == PCMU:
		return func(p []byte) {
			for i, b := range p {
				p[i] = alawToUlaw[b]
			}
		}, true
	case from == PCMU && to == PCMA:
		return func(p []byte) {
			for i, b := range p {
				p[i] = ulawToAlaw[b]
			}
		}, true
	}
	return nil, false
}
