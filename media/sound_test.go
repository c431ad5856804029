package media

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

// soundTree lays out two sounds roots (data, then built-in) and an
// absolute directory.
func soundTree(t *testing.T) (data, builtin, abs string) {
	t.Helper()
	root := t.TempDir()
	data, builtin, abs = filepath.Join(root, "data"), filepath.Join(root, "builtin"), filepath.Join(root, "abs")
	pcm := tone(440, 800, 8000)
	wav := EncodeWAV(WAVFormat{8000, 1, 16}, pcm)
	for _, f := range []struct {
		dir, name string
		data      []byte
	}{
		{data, "en/hello.ulaw", ulawOf(pcm)},
		{data, "fr/hello.wav", wav},
		{data, "fr/hello.alaw", alawOf(pcm)},
		{builtin, "fr/only.sln", EncodeSLin(pcm)},
		{builtin, "en/hello.ulaw", ulawOf(pcm)},
		{data, "en/both.ulaw", ulawOf(pcm)},
		{builtin, "fr/both.ul", ulawOf(pcm)},
		{builtin, "beep.wav", wav},
		{builtin, "en/digits/1.raw", EncodeSLin(pcm)},
		{abs, "fr/greet.ulaw", ulawOf(pcm)},
		{abs, "greet.wav", wav},
		{data, "en/bad.wav", []byte("RIFF garbage")},
		{data, "en/bad.sln", EncodeSLin(pcm)},
		{data, "en/rate.wav", EncodeWAV(WAVFormat{44100, 1, 16}, pcm)},
		{data, "en/stereo.wav", EncodeWAV(WAVFormat{8000, 2, 16}, pcm)},
		{data, "en/empty.ulaw", nil},
	} {
		writeTestFile(t, f.dir, f.name, f.data)
	}
	return data, builtin, abs
}

func TestLibraryFind(t *testing.T) {
	data, builtin, abs := soundTree(t)
	lib := &Library{Dirs: []string{data, builtin}}
	tests := []struct {
		name, sound, lang, codec string
		want                     string // file, relative to the tree's parent
		lang2                    string // Sound.Language
	}{
		{"codec file wins", "hello", "en", "ulaw", "data/en/hello.ulaw", "en"},
		{"language before format", "hello", "fr", "ulaw", "data/fr/hello.wav", "fr"},
		{"alaw call gets alaw file", "hello", "fr", "PCMA", "data/fr/hello.alaw", "fr"},
		{"dialect falls back to language", "hello", "fr_CA", "alaw", "data/fr/hello.alaw", "fr"},
		{"unknown language falls back to en", "hello", "de", "ulaw", "data/en/hello.ulaw", "en"},
		{"no language given", "hello", "", "ulaw", "data/en/hello.ulaw", "en"},
		{"data root before built-in", "hello", "en", "alaw", "data/en/hello.ulaw", "en"},
		{"second root", "only", "fr", "ulaw", "builtin/fr/only.sln", "fr"},
		{"language before root", "both", "fr", "ulaw", "builtin/fr/both.ul", "fr"},
		{"file without language", "beep", "fr", "ulaw", "builtin/beep.wav", ""},
		{"sub directory", "digits/1", "en", "ulaw", "builtin/en/digits/1.raw", "en"},
		{"absolute with language", filepath.Join(abs, "greet"), "fr", "ulaw", "abs/fr/greet.ulaw", "fr"},
		{"absolute without language", filepath.Join(abs, "greet"), "ar", "ulaw", "abs/greet.wav", ""},
	}
	parent := filepath.Dir(data)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := lib.Find(tc.sound, tc.lang, tc.codec)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := filepath.Rel(parent, s.Path); got != tc.want || s.Language != tc.lang2 {
				t.Errorf("Find(%q, %q, %q) = %s (language %q), want %s (%q)", tc.sound, tc.lang, tc.codec, got, s.Language, tc.want, tc.lang2)
			}
			if s.Duration() != 100e6 {
				t.Errorf("duration %v, want 100ms", s.Duration())
			}
		})
	}
}

func TestLibraryFindErrors(t *testing.T) {
	data, builtin, _ := soundTree(t)
	var logs bytes.Buffer
	lib := &Library{Dirs: []string{data, builtin}, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	tests := []struct {
		name, sound, codec string
		err                error
		inMsg              string
	}{
		{"missing", "nosuch", "ulaw", ErrSoundNotFound, "nosuch"},
		{"escape the roots", "../data/en/hello", "ulaw", ErrSoundNotFound, ""},
		{"empty name", "", "ulaw", ErrSoundNotFound, ""},
		{"44.1 kHz wav", "rate", "ulaw", ErrUnsupportedAudio, "rate.wav"},
		{"stereo wav", "stereo", "ulaw", ErrUnsupportedAudio, "stereo.wav"},
		{"empty file", "empty", "ulaw", ErrCorruptAudio, "empty.ulaw"},
		{"unknown codec", "hello", "g729", ErrUnknownCodec, "g729"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := lib.Find(tc.sound, "en", tc.codec)
			if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.inMsg) {
				t.Errorf("err = %v, want %v naming %q", err, tc.err, tc.inMsg)
			}
		})
	}

	// A corrupt file is reported by name and skipped for the next format.
	logs.Reset()
	s, err := lib.Find("bad", "en", "ulaw")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(s.Path) != "bad.sln" {
		t.Errorf("played %s, want bad.sln", s.Path)
	}
	if !strings.Contains(logs.String(), "bad.wav") || !strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("no warning naming bad.wav: %q", logs.String())
	}
}

func TestLoadSoundErrors(t *testing.T) {
	dir := t.TempDir()
	odd := writeTestFile(t, dir, "odd.sln", []byte{1, 2, 3})
	gsm := writeTestFile(t, dir, "x.gsm", []byte{1, 2, 3})
	tests := []struct {
		path string
		err  error
	}{
		{filepath.Join(dir, "none.ulaw"), fs.ErrNotExist},
		{odd, ErrCorruptAudio},
		{gsm, ErrUnsupportedAudio},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			_, err := LoadSound(tc.path)
			if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.path) {
				t.Errorf("err = %v, want %v naming the file", err, tc.err)
			}
		})
	}
}

func readAllFrames(t testing.TB, r FrameReader, size int) []byte {
	t.Helper()
	var out []byte
	buf := make([]byte, size)
	for {
		n, err := r.Next(buf)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if n != size {
			t.Fatalf("frame of %d bytes, want %d", n, size)
		}
		out = append(out, buf[:n]...)
	}
}

func TestSoundFrames(t *testing.T) {
	pcm := tone(1000, 8000+80, 10000) // 1 s and half a frame
	ulawFile := ulawOf(pcm)
	wavFile := EncodeWAV(WAVFormat{8000, 1, 16}, pcm)
	tests := []struct {
		name   string
		format SoundFormat
		file   []byte
		codec  string
		want   []byte // before padding
		pad    byte
		size   int
	}{
		{"ulaw as is", FormatULaw, ulawFile, "ulaw", ulawFile, ULawSilence, 160},
		{"ulaw to alaw", FormatULaw, ulawFile, "alaw", transcoded(ulawFile, ulawToAlaw), ALawSilence, 160},
		{"alaw as is", FormatALaw, alawOf(pcm), "PCMA", alawOf(pcm), ALawSilence, 160},
		{"wav to ulaw", FormatWAV, wavFile, "PCMU", ulawOf(pcm), ULawSilence, 160},
		{"wav to alaw", FormatWAV, wavFile, "alaw", alawOf(pcm), ALawSilence, 160},
		{"wav to slin", FormatWAV, wavFile, "slin", EncodeSLin(pcm), 0, 320},
		{"sln to ulaw", FormatSLin, EncodeSLin(pcm), "ulaw", ulawOf(pcm), ULawSilence, 160},
		{"sln as slin", FormatSLin, EncodeSLin(pcm), "slin", EncodeSLin(pcm), 0, 320},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := DecodeSound(tc.format, tc.file)
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.Frames(tc.codec)
			if err != nil {
				t.Fatal(err)
			}
			got := readAllFrames(t, r, tc.size)
			frames := (len(tc.want) + tc.size - 1) / tc.size
			if len(got) != frames*tc.size {
				t.Fatalf("%d bytes, want %d frames of %d", len(got), frames, tc.size)
			}
			if !bytes.Equal(got[:len(tc.want)], tc.want) {
				t.Error("frames differ from the encoded sound")
			}
			for _, b := range got[len(tc.want):] {
				if b != tc.pad {
					t.Fatalf("last frame padded with %#x, want %#x", b, tc.pad)
				}
			}
		})
	}
}

func transcoded(b []byte, table [256]byte) []byte {
	out := make([]byte, len(b))
	for i, v := range b {
		out[i] = table[v]
	}
	return out
}

func TestSoundInCallCodecIsNotConverted(t *testing.T) {
	file := ulawOf(tone(440, 1600, 8000))
	s, err := DecodeSound(FormatULaw, file)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := s.Encoded("ulaw")
	if &enc[0] != &file[0] {
		t.Error("a µ-law file played to a µ-law call was copied or converted")
	}
	a1, _ := s.Encoded("alaw")
	a2, _ := s.Encoded("alaw")
	if &a1[0] != &a2[0] {
		t.Error("the A-law frames are made again for each playback")
	}
}

func TestFrameCursorShortBuffer(t *testing.T) {
	c := NewFrameCursor(make([]byte, 320), FormatULaw)
	if _, err := c.Next(make([]byte, 100)); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("Next into 100 bytes: %v", err)
	}
	buf := make([]byte, 160)
	c.Next(buf)
	c.Next(buf)
	if _, err := c.Next(buf); err != io.EOF {
		t.Errorf("after the end: %v", err)
	}
	c.Rewind()
	if n, err := c.Next(buf); n != 160 || err != nil || c.Remaining() != 160 {
		t.Errorf("after Rewind: %d, %v, %d remaining", n, err, c.Remaining())
	}
}

func TestPlaybackAllocs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		format SoundFormat
		file   []byte
	}{
		{"ulaw file", FormatULaw, ulawOf(tone(440, 80000, 8000))},
		{"wav file", FormatWAV, EncodeWAV(WAVFormat{8000, 1, 16}, tone(440, 80000, 8000))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := DecodeSound(tc.format, tc.file)
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.Frames("ulaw")
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 160)
			if n := testing.AllocsPerRun(400, func() {
				if _, err := r.Next(buf); err != nil {
					t.Fatal(err)
				}
			}); n != 0 {
				t.Errorf("a 20 ms frame allocates %v times", n)
			}
		})
	}
}

func BenchmarkPlaybackFrame(b *testing.B) {
	s, err := DecodeSound(FormatULaw, ulawOf(tone(440, 8000, 8000)))
	if err != nil {
		b.Fatal(err)
	}
	r, _ := s.Frames("ulaw")
	c := r.(*FrameCursor)
	buf := make([]byte, 160)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Next(buf); err == io.EOF {
			c.Rewind()
		}
	}
}

func BenchmarkPlaybackFrameFromWAV(b *testing.B) {
	s, err := DecodeSound(FormatWAV, EncodeWAV(WAVFormat{8000, 1, 16}, tone(440, 8000, 8000)))
	if err != nil {
		b.Fatal(err)
	}
	r, _ := s.Frames("alaw")
	var fr FrameReader = r
	buf := make([]byte, 160)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fr.Next(buf); err == io.EOF {
			fr.(*FrameCursor).Rewind()
		}
	}
}
