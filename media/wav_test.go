package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWAVRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		format WAVFormat
	}{
		{"mono", WAVFormat{8000, 1, 16}},
		{"stereo", WAVFormat{8000, 2, 16}},
		{"espeak rate", WAVFormat{22050, 1, 16}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tone(440, 1000*tc.format.Channels, 12000)
			f, out, err := DecodeWAV(EncodeWAV(tc.format, in))
			if err != nil {
				t.Fatal(err)
			}
			if f != tc.format || !equalInt16(in, out) {
				t.Errorf("got %+v with %d samples, want %+v with %d", f, len(out), tc.format, len(in))
			}
		})
	}
}

func equalInt16(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// wavBytes builds a RIFF file of the given chunks.
func wavBytes(chunks ...[]byte) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF\x00\x00\x00\x00WAVE")
	for _, c := range chunks {
		b.Write(c)
	}
	out := b.Bytes()
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

func chunk(id string, size uint32, body []byte) []byte {
	out := append([]byte(id), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(out[4:], size)
	return append(out, body...)
}

func fmtBody(tag, channels uint16, rate uint32, bits uint16) []byte {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint16(b[0:], tag)
	binary.LittleEndian.PutUint16(b[2:], channels)
	binary.LittleEndian.PutUint32(b[4:], rate)
	binary.LittleEndian.PutUint32(b[8:], rate*uint32(channels*bits/8))
	binary.LittleEndian.PutUint16(b[12:], channels*bits/8)
	binary.LittleEndian.PutUint16(b[14:], bits)
	return b
}

func TestDecodeWAV(t *testing.T) {
	pcmFmt := chunk("fmt ", 16, fmtBody(1, 1, 8000, 16))
	samples := []byte{1, 0, 2, 0, 3, 0, 4, 0}
	ext := make([]byte, 40)
	copy(ext, fmtBody(wavFormatExtensible, 1, 8000, 16))
	binary.LittleEndian.PutUint16(ext[16:], 22)
	binary.LittleEndian.PutUint16(ext[24:], 1) // KSDATAFORMAT_SUBTYPE_PCM
	tests := []struct {
		name  string
		data  []byte
		want  int // samples
		err   error
		isErr bool
	}{
		{name: "pcm", data: wavBytes(pcmFmt, chunk("data", 8, samples)), want: 4},
		{name: "list chunk skipped", data: wavBytes(chunk("LIST", 3, []byte("abc\x00")), pcmFmt, chunk("data", 8, samples)), want: 4},
		{name: "streamed data size", data: wavBytes(pcmFmt, chunk("data", 0x7ffff000, samples)), want: 4},
		{name: "odd trailing byte", data: wavBytes(pcmFmt, chunk("data", 9, append(samples, 9))), want: 4},
		{name: "extensible pcm", data: wavBytes(chunk("fmt ", 40, ext), chunk("data", 8, samples)), want: 4},
		{name: "empty", data: nil, err: ErrCorruptAudio},
		{name: "not riff", data: []byte("RIFX\x00\x00\x00\x00WAVEjunk"), err: ErrCorruptAudio},
		{name: "short fmt", data: wavBytes(chunk("fmt ", 8, make([]byte, 8))), err: ErrCorruptAudio},
		{name: "fmt past end", data: wavBytes(chunk("fmt ", 16, make([]byte, 4))), err: ErrCorruptAudio},
		{name: "gsm", data: wavBytes(chunk("fmt ", 16, fmtBody(0x31, 1, 8000, 0)), chunk("data", 8, samples)), err: ErrUnsupportedAudio},
		{name: "mulaw wav", data: wavBytes(chunk("fmt ", 16, fmtBody(7, 1, 8000, 8)), chunk("data", 8, samples)), err: ErrUnsupportedAudio},
		{name: "8 bit", data: wavBytes(chunk("fmt ", 16, fmtBody(1, 1, 8000, 8)), chunk("data", 8, samples)), err: ErrUnsupportedAudio},
		{name: "24 bit", data: wavBytes(chunk("fmt ", 16, fmtBody(1, 1, 8000, 24)), chunk("data", 6, samples[:6])), err: ErrUnsupportedAudio},
		{name: "zero channels", data: wavBytes(chunk("fmt ", 16, fmtBody(1, 0, 8000, 16)), chunk("data", 8, samples)), err: ErrCorruptAudio},
		{name: "data before fmt", data: wavBytes(chunk("data", 8, samples), pcmFmt), err: ErrCorruptAudio},
		{name: "no data", data: wavBytes(pcmFmt), err: ErrCorruptAudio},
		{name: "no fmt", data: wavBytes(chunk("LIST", 4, []byte("abcd"))), err: ErrCorruptAudio},
		{name: "chunk size past end", data: wavBytes(chunk("LIST", 1000, []byte("abcd"))), err: ErrCorruptAudio},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, pcm, err := DecodeWAV(tc.data)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil || len(pcm) != tc.want {
				t.Fatalf("got %d samples, %v; want %d", len(pcm), err, tc.want)
			}
		})
	}
}

func FuzzDecodeWAV(f *testing.F) {
	f.Add(EncodeWAV(WAVFormat{8000, 1, 16}, tone(440, 100, 1000)))
	f.Add(EncodeWAV(WAVFormat{8000, 2, 16}, tone(440, 100, 1000)))
	f.Add(wavBytes(chunk("LIST", 3, []byte("abc\x00")), chunk("fmt ", 16, fmtBody(1, 1, 8000, 16)), chunk("data", 0xffffffff, []byte{1, 2})))
	f.Add([]byte("RIFF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		format, pcm, err := DecodeWAV(data)
		if err == nil && (format.Channels == 0 || len(pcm)%format.Channels != 0) {
			t.Fatalf("format %+v with %d samples", format, len(pcm))
		}
	})
}

func readWAVFile(t testing.TB, path string) (WAVFormat, []int16) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, pcm, err := DecodeWAV(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	// The header must say what the file holds: a reader that trusts it
	// (sox, Asterisk) gets every sample.
	if size := binary.LittleEndian.Uint32(data[40:44]); int(size) != 2*len(pcm) {
		t.Errorf("%s: data size %d, file has %d bytes of samples", path, size, 2*len(pcm))
	}
	if riff := binary.LittleEndian.Uint32(data[4:8]); int(riff) != len(data)-8 {
		t.Errorf("%s: RIFF size %d, file is %d bytes", path, riff, len(data))
	}
	return f, pcm
}

func TestWAVWriterSyncsEverySecond(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.wav")
	w, err := CreateWAV(path, 8000, 1)
	if err != nil {
		t.Fatal(err)
	}
	frame := tone(1000, FrameSamples, 8000)
	for range 75 { // 1.5 s
		if err := w.Write(frame); err != nil {
			t.Fatal(err)
		}
	}
	// Before Close, as after a crash: the first second is there and the
	// header says so.
	_, pcm := readWAVFile(t, path)
	if len(pcm) != 8000 {
		t.Errorf("mid-recording file has %d samples, want the first second (8000)", len(pcm))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if f, pcm := readWAVFile(t, path); len(pcm) != 75*FrameSamples || f != (WAVFormat{8000, 1, 16}) {
		t.Errorf("closed file is %+v with %d samples, want %d", f, len(pcm), 75*FrameSamples)
	}
	if err := w.Write(frame); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after Close = %v", err)
	}
}

func TestAppendWAV(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.wav")
	for range 2 {
		w, err := AppendWAV(path, 8000, 2)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(make([]int16, 2*800)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if f, pcm := readWAVFile(t, path); f.Channels != 2 || len(pcm) != 2*1600 {
		t.Errorf("appended file: %+v with %d samples, want 2 channels of 1600", f, len(pcm))
	}

	// A file left by a crash (header behind the data) is continued whole.
	crashed := filepath.Join(dir, "crashed.wav")
	data := EncodeWAV(WAVFormat{8000, 1, 16}, make([]int16, 100))
	data = append(data, make([]byte, 2*50)...)
	writeTestFile(t, dir, "crashed.wav", data)
	w, err := AppendWAV(crashed, 8000, 1)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(make([]int16, 10))
	w.Close()
	if _, pcm := readWAVFile(t, crashed); len(pcm) != 160 {
		t.Errorf("continued crashed file has %d samples, want 160", len(pcm))
	}

	if _, err := AppendWAV(path, 8000, 1); !errors.Is(err, ErrUnsupportedAudio) {
		t.Errorf("append mono to a stereo file: %v", err)
	}
	junk := writeTestFile(t, dir, "junk.wav", []byte("not a wav file at all"))
	if _, err := AppendWAV(junk, 8000, 1); !errors.Is(err, ErrCorruptAudio) {
		t.Errorf("append to junk: %v", err)
	}
}

func TestCreateWAVErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := CreateWAV(filepath.Join(dir, "x.wav"), 8000, 3); !errors.Is(err, ErrUnsupportedAudio) {
		t.Errorf("3 channels: %v", err)
	}
	if _, err := CreateWAV(filepath.Join(dir, "missing", "x.wav"), 8000, 1); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing directory: %v", err)
	}
}

func TestWAVWriterAllocs(t *testing.T) {
	w, err := CreateWAV(filepath.Join(t.TempDir(), "a.wav"), 8000, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	frame := tone(440, FrameSamples, 8000)
	if n := testing.AllocsPerRun(200, func() { w.Write(frame) }); n != 0 {
		t.Errorf("WAVWriter.Write allocates %v times per frame", n)
	}
}
