package media

import (
	"errors"
	"testing"

	"github.com/zaf/g711"
)

func TestSoundFormatString(t *testing.T) {
	tests := []struct {
		f    SoundFormat
		want string
	}{
		{FormatUnknown, "unknown"},
		{FormatULaw, "ulaw"},
		{FormatALaw, "alaw"},
		{FormatWAV, "wav"},
		{FormatSLin, "sln"},
		{SoundFormat(42), "SoundFormat(42)"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.f.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseSoundFormat(t *testing.T) {
	tests := []struct {
		ext  string
		want SoundFormat
	}{
		{"ulaw", FormatULaw},
		{".ul", FormatULaw},
		{"pcm", FormatULaw},
		{"mu", FormatULaw},
		{"alaw", FormatALaw},
		{".al", FormatALaw},
		{"wav", FormatWAV},
		{".Wav", FormatWAV},
		{"WAV", FormatUnknown}, // wav49 (GSM)
		{"sln", FormatSLin},
		{"raw", FormatSLin},
		{"gsm", FormatUnknown},
		{"", FormatUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.ext, func(t *testing.T) {
			if got := ParseSoundFormat(tc.ext); got != tc.want {
				t.Errorf("ParseSoundFormat(%q) = %v, want %v", tc.ext, got, tc.want)
			}
		})
	}
}

func TestParseCodec(t *testing.T) {
	tests := []struct {
		codec string
		want  SoundFormat
		err   error
	}{
		{"ulaw", FormatULaw, nil},
		{"PCMU", FormatULaw, nil},
		{"alaw", FormatALaw, nil},
		{"PCMA", FormatALaw, nil},
		{"slin", FormatSLin, nil},
		{"g729", FormatUnknown, ErrUnknownCodec},
		{"", FormatUnknown, ErrUnknownCodec},
	}
	for _, tc := range tests {
		t.Run(tc.codec, func(t *testing.T) {
			got, err := ParseCodec(tc.codec)
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("ParseCodec(%q) = %v, %v; want %v, %v", tc.codec, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestG711RoundTrip(t *testing.T) {
	pcm := tone(1000, FrameSamples, 10000)
	for _, tc := range []struct {
		name   string
		encode func([]byte, []int16) int
		decode func([]int16, []byte) int
	}{
		{"ulaw", EncodeULaw, DecodeULaw},
		{"alaw", EncodeALaw, DecodeALaw},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := make([]byte, FrameSamples)
			back := make([]int16, FrameSamples)
			if n := tc.encode(b, pcm); n != FrameSamples {
				t.Fatalf("encoded %d samples", n)
			}
			tc.decode(back, b)
			for i := range pcm {
				d := int(pcm[i]) - int(back[i])
				if d < 0 {
					d = -d
				}
				// G.711 keeps 4 mantissa bits: the error is within 1/16 of the value (plus the step near zero).
				if limit := int(abs16(pcm[i]))/16 + 16; d > limit {
					t.Fatalf("sample %d: %d came back as %d", i, pcm[i], back[i])
				}
			}
		})
	}
	if ulawToLinear[ULawSilence] != 0 || alawToLinear[ALawSilence] > 8 || alawToLinear[ALawSilence] < -8 {
		t.Errorf("silence codes decode to %d (µ-law) and %d (A-law)", ulawToLinear[ULawSilence], alawToLinear[ALawSilence])
	}
}

func abs16(v int16) int16 {
	if v < 0 {
		return -v
	}
	return v
}

func TestG711CodingAllocs(t *testing.T) {
	pcm := tone(440, FrameSamples, 8000)
	b := make([]byte, FrameSamples)
	back := make([]int16, FrameSamples)
	if n := testing.AllocsPerRun(100, func() {
		EncodeULaw(b, pcm)
		EncodeALaw(b, pcm)
		DecodeULaw(back, b)
		DecodeALaw(back, b)
	}); n != 0 {
		t.Errorf("G.711 coding of a frame allocates %v times", n)
	}
}

func BenchmarkULawEncodeFrame(b *testing.B) {
	pcm := tone(440, FrameSamples, 8000)
	dst := make([]byte, FrameSamples)
	b.ReportAllocs()
	for b.Loop() {
		EncodeULaw(dst, pcm)
	}
}

func BenchmarkALawEncodeFrame(b *testing.B) {
	pcm := tone(440, FrameSamples, 8000)
	dst := make([]byte, FrameSamples)
	b.ReportAllocs()
	for b.Loop() {
		EncodeALaw(dst, pcm)
	}
}

func BenchmarkULawDecodeFrame(b *testing.B) {
	src := ulawOf(tone(440, FrameSamples, 8000))
	dst := make([]int16, FrameSamples)
	b.ReportAllocs()
	for b.Loop() {
		DecodeULaw(dst, src)
	}
}

func TestEncodeTablesMatchG711(t *testing.T) {
	pcm := make([]int16, 65536)
	for i := range pcm {
		pcm[i] = int16(uint16(i))
	}
	u, a := make([]byte, len(pcm)), make([]byte, len(pcm))
	EncodeULaw(u, pcm)
	EncodeALaw(a, pcm)
	for i, v := range pcm {
		if u[i] != g711.EncodeUlawFrame(v) || a[i] != g711.EncodeAlawFrame(v) {
			t.Fatalf("sample %d: tables give %#x/%#x, zaf/g711 %#x/%#x", v, u[i], a[i], g711.EncodeUlawFrame(v), g711.EncodeAlawFrame(v))
		}
	}
}
