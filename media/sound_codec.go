package media

import (
	"fmt"
	"strings"
	"sync"

	"github.com/zaf/g711"
)

// SoundFormat is the encoding of a sound file or of the frames played to a
// call, as Asterisk's format modules name them.
type SoundFormat int

// Sound formats. The zero value is FormatUnknown.
const (
	FormatUnknown SoundFormat = iota
	// FormatULaw is headerless G.711 µ-law (format_pcm: .ulaw .ul .mu .pcm).
	FormatULaw
	// FormatALaw is headerless G.711 A-law (format_pcm: .alaw .al).
	FormatALaw
	// FormatWAV is RIFF WAVE, 8 kHz mono 16-bit PCM (format_wav: .wav).
	FormatWAV
	// FormatSLin is headerless signed linear 16-bit little endian at
	// 8 kHz (format_sln: .sln .raw).
	FormatSLin
)

var soundFormatNames = [...]string{"unknown", "ulaw", "alaw", "wav", "sln"}

// String returns the format's name as Asterisk spells it.
func (f SoundFormat) String() string {
	if f < 0 || int(f) >= len(soundFormatNames) {
		return fmt.Sprintf("SoundFormat(%d)", int(f))
	}
	return soundFormatNames[f]
}

// soundExtensions lists the file extensions of each format in the order a
// lookup tries them.
var soundExtensions = map[SoundFormat][]string{
	FormatULaw: {"ulaw", "ul", "mu", "pcm"},
	FormatALaw: {"alaw", "al"},
	FormatWAV:  {"wav"},
	FormatSLin: {"sln", "raw"},
}

// ParseSoundFormat returns the format of a file extension (with or without
// its dot, any case): "ulaw", ".ul", "WAV". It returns FormatUnknown for any
// other extension, including Asterisk's "WAV" (GSM in WAV) which is not
// supported.
func ParseSoundFormat(ext string) SoundFormat {
	ext = strings.TrimPrefix(ext, ".")
	if ext == "WAV" {
		return FormatUnknown // wav49: GSM 6.10 in RIFF
	}
	ext = strings.ToLower(ext)
	for f, exts := range soundExtensions {
		for _, e := range exts {
			if e == ext {
				return f
			}
		}
	}
	return FormatUnknown
}

// ParseCodec returns the frame format of a call's codec: "ulaw", "PCMU",
// "g711u" are FormatULaw, "alaw", "PCMA", "g711a" FormatALaw, "slin" and
// "sln" FormatSLin. Anything else is ErrUnknownCodec.
func ParseCodec(codec string) (SoundFormat, error) {
	switch strings.ToLower(codec) {
	case "ulaw", "pcmu", "g711u", "mulaw":
		return FormatULaw, nil
	case "alaw", "pcma", "g711a":
		return FormatALaw, nil
	case "slin", "sln", "slin8":
		return FormatSLin, nil
	}
	return FormatUnknown, fmt.Errorf("codec %q: %w", codec, ErrUnknownCodec)
}

// Frame geometry at 8 kHz: 20 ms is 160 samples, 160 bytes of G.711 and
// 320 bytes of signed linear.
const (
	SampleRate      = 8000
	FrameSamples    = 160
	FrameDurationMs = 20
)

// FrameBytes returns the size of a 20 ms frame in format f: 160 for G.711,
// 320 for signed linear, 0 for formats that are not frame formats.
func FrameBytes(f SoundFormat) int {
	switch f {
	case FormatULaw, FormatALaw:
		return FrameSamples
	case FormatSLin:
		return 2 * FrameSamples
	}
	return 0
}

// Silence bytes of G.711: the code of a zero sample.
const (
	ULawSilence = 0xFF
	ALawSilence = 0xD5
)

// Tables built from zaf/g711: decoding a sample is one read of a 256-entry
// table, encoding one read of a 64 Ki-entry table (64 KiB per law, made on
// first use), ten times faster than zaf/g711's segment search per sample.
var (
	ulawToLinear [256]int16
	alawToLinear [256]int16

	encodeTablesOnce sync.Once
	linearToULaw     *[65536]byte
	linearToALaw     *[65536]byte
)

func encodeTables() {
	u, a := new([65536]byte), new([65536]byte)
	for i := range 65536 {
		u[i] = g711.EncodeUlawFrame(int16(uint16(i)))
		a[i] = g711.EncodeAlawFrame(int16(uint16(i)))
	}
	linearToULaw, linearToALaw = u, a
}

func init() {
	for i := range 256 {
		ulawToLinear[i] = g711.DecodeUlawFrame(uint8(i))
		alawToLinear[i] = g711.DecodeAlawFrame(uint8(i))
	}
}

// EncodeULaw encodes pcm into dst as G.711 µ-law and returns the number of
// samples encoded, min(len(dst), len(pcm)). It does not allocate.
func EncodeULaw(dst []byte, pcm []int16) int {
	encodeTablesOnce.Do(encodeTables)
	n := min(len(dst), len(pcm))
	t := linearToULaw
	for i, s := range pcm[:n] {
		dst[i] = t[uint16(s)]
	}
	return n
}

// EncodeALaw encodes pcm into dst as G.711 A-law and returns the number of
// samples encoded, min(len(dst), len(pcm)). It does not allocate.
func EncodeALaw(dst []byte, pcm []int16) int {
	encodeTablesOnce.Do(encodeTables)
	n := min(len(dst), len(pcm))
	t := linearToALaw
	for i, s := range pcm[:n] {
		dst[i] = t[uint16(s)]
	}
	return n
}

// DecodeULaw decodes G.711 µ-law src into dst and returns the number of
// samples decoded, min(len(dst), len(src)). It does not allocate.
func DecodeULaw(dst []int16, src []byte) int {
	n := min(len(dst), len(src))
	for i, b := range src[:n] {
		dst[i] = ulawToLinear[b]
	}
	return n
}

// DecodeALaw decodes G.711 A-law src into dst and returns the number of
// samples decoded, min(len(dst), len(src)). It does not allocate.
func DecodeALaw(dst []int16, src []byte) int {
	n := min(len(dst), len(src))
	for i, b := range src[:n] {
		dst[i] = alawToLinear[b]
	}
	return n
}
