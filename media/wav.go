package media

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// WAVFormat describes the samples of a RIFF WAVE file.
type WAVFormat struct {
	// SampleRate is in Hz: 8000 for telephony.
	SampleRate int
	// Channels is 1 (mono) or 2 (interleaved stereo, left first).
	Channels int
	// BitsPerSample is 16: the only depth Obelisk reads or writes.
	BitsPerSample int
}

// WAV file layout written by WAVWriter (RIFF, little endian), the canonical
// 44-byte header:
//
//	 0  "RIFF"  u32 riffSize = 36 + dataSize
//	 8  "WAVE"
//	12  "fmt "  u32 16  u16 1 (PCM)  u16 channels  u32 rate
//	            u32 byteRate  u16 blockAlign  u16 16 (bits)
//	36  "data"  u32 dataSize
//	44  samples, interleaved, s16le
const wavHeaderSize = 44

const (
	wavFormatPCM        = 1
	wavFormatExtensible = 0xFFFE
)

// DecodeWAV parses a WAVE file held in memory and returns its format and
// its 16-bit samples (interleaved when stereo). Chunks other than "fmt "
// and "data" are skipped. A data chunk whose size runs past the end of the
// file, as espeak-ng writes on a pipe or a recorder leaves after a crash,
// is read to the end of the file. Errors wrap ErrCorruptAudio or
// ErrUnsupportedAudio.
func DecodeWAV(data []byte) (WAVFormat, []int16, error) {
	var f WAVFormat
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return f, nil, fmt.Errorf("no RIFF WAVE header: %w", ErrCorruptAudio)
	}
	haveFmt := false
	p := data[12:]
	for len(p) >= 8 {
		id := string(p[0:4])
		size := int64(binary.LittleEndian.Uint32(p[4:8]))
		p = p[8:]
		switch id {
		case "fmt ":
			if size < 16 || int64(len(p)) < size {
				return f, nil, fmt.Errorf("fmt chunk of %d bytes: %w", size, ErrCorruptAudio)
			}
			tag := binary.LittleEndian.Uint16(p[0:2])
			f.Channels = int(binary.LittleEndian.Uint16(p[2:4]))
			f.SampleRate = int(binary.LittleEndian.Uint32(p[4:8]))
			f.BitsPerSample = int(binary.LittleEndian.Uint16(p[14:16]))
			if tag == wavFormatExtensible && size >= 40 {
				tag = binary.LittleEndian.Uint16(p[24:26]) // SubFormat GUID
			}
			if tag != wavFormatPCM {
				return f, nil, fmt.Errorf("wav encoding %d is not PCM: %w", tag, ErrUnsupportedAudio)
			}
			if f.Channels == 0 || f.SampleRate == 0 {
				return f, nil, fmt.Errorf("wav with %d channels at %d Hz: %w", f.Channels, f.SampleRate, ErrCorruptAudio)
			}
			if f.BitsPerSample != 16 {
				return f, nil, fmt.Errorf("wav with %d-bit samples, want 16: %w", f.BitsPerSample, ErrUnsupportedAudio)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return f, nil, fmt.Errorf("data chunk before fmt chunk: %w", ErrCorruptAudio)
			}
			size = min(size, int64(len(p)))
			block := int64(2 * f.Channels)
			size -= size % block
			return f, decodeSLin(p[:size]), nil
		}
		size += size & 1 // chunks are padded to an even size
		if size > int64(len(p)) {
			break
		}
		p = p[size:]
	}
	if !haveFmt {
		return f, nil, fmt.Errorf("no fmt chunk: %w", ErrCorruptAudio)
	}
	return f, nil, fmt.Errorf("no data chunk: %w", ErrCorruptAudio)
}

// ReadWAV reads a WAVE file from r to its end and decodes it as DecodeWAV.
func ReadWAV(r io.Reader) (WAVFormat, []int16, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return WAVFormat{}, nil, err
	}
	return DecodeWAV(data)
}

// EncodeWAV returns a complete WAVE file of samples (interleaved when
// stereo) in format f.
func EncodeWAV(f WAVFormat, samples []int16) []byte {
	out := make([]byte, wavHeaderSize+2*len(samples))
	putWAVHeader(out, f.SampleRate, f.Channels, int64(2*len(samples)))
	for i, s := range samples {
		binary.LittleEndian.PutUint16(out[wavHeaderSize+2*i:], uint16(s))
	}
	return out
}

func decodeSLin(b []byte) []int16 {
	out := make([]int16, len(b)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return out
}

func putWAVHeader(h []byte, rate, channels int, dataSize int64) {
	copy(h[0:4], "RIFF")
	binary.LittleEndian.PutUint32(h[4:8], uint32(min(36+dataSize, 0xFFFFFFFF)))
	copy(h[8:16], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:20], 16)
	binary.LittleEndian.PutUint16(h[20:22], wavFormatPCM)
	binary.LittleEndian.PutUint16(h[22:24], uint16(channels))
	binary.LittleEndian.PutUint32(h[24:28], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:32], uint32(rate*channels*2))
	binary.LittleEndian.PutUint16(h[32:34], uint16(channels*2))
	binary.LittleEndian.PutUint16(h[34:36], 16)
	copy(h[36:40], "data")
	binary.LittleEndian.PutUint32(h[40:44], uint32(min(dataSize, 0xFFFFFFFF-36)))
}

// WAVWriter writes 16-bit PCM to a WAVE file while a call runs. Samples
// are buffered; at least once per second of audio written the buffer is
// written out and the RIFF and data sizes in the header are rewritten, so
// that a process that dies leaves a valid file missing at most its last
// second. Close writes the rest and the final sizes.
type WAVWriter struct {
	f         *os.File
	w         *bufio.Writer
	format    WAVFormat
	dataStart int64 // file offset of the first sample
	written   int64 // bytes of samples written, buffered ones included
	synced    int64 // written when the header was last rewritten
	syncEvery int64 // bytes of one second of audio
	scratch   [2 * 2 * FrameSamples]byte
	closed    bool
}

// CreateWAV creates (or truncates) path as a WAVE file of 16-bit samples
// at rate Hz with channels channels.
func CreateWAV(path string, rate, channels int) (*WAVWriter, error) {
	if rate <= 0 || channels < 1 || channels > 2 {
		return nil, fmt.Errorf("create wav %s: %d channels at %d Hz: %w", path, channels, rate, ErrUnsupportedAudio)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create wav: %w", err)
	}
	var h [wavHeaderSize]byte
	putWAVHeader(h[:], rate, channels, 0)
	if _, err := f.Write(h[:]); err != nil {
		f.Close()
		return nil, fmt.Errorf("create wav %s: %w", path, err)
	}
	return newWAVWriter(f, WAVFormat{rate, channels, 16}, wavHeaderSize, 0), nil
}

// AppendWAV opens path to add samples at its end (MixMonitor's a option),
// or creates it when it does not exist. An existing file must be a WAVE
// file in the same format. Its data is taken to run to the end of the
// file, so that a file left by a crash is continued, not cut.
func AppendWAV(path string, rate, channels int) (*WAVWriter, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return CreateWAV(path, rate, channels)
	}
	if err != nil {
		return nil, fmt.Errorf("append wav: %w", err)
	}
	format, dataStart, err := scanWAVHeader(f)
	if err == nil && (format.SampleRate != rate || format.Channels != channels) {
		err = fmt.Errorf("file is %d channels at %d Hz, recording is %d at %d Hz: %w",
			format.Channels, format.SampleRate, channels, rate, ErrUnsupportedAudio)
	}
	var size int64
	if err == nil {
		size, err = f.Seek(0, io.SeekEnd)
	}
	if err == nil {
		data := size - dataStart
		data -= data % int64(2*channels)
		if err = f.Truncate(dataStart + data); err == nil {
			_, err = f.Seek(dataStart+data, io.SeekStart)
		}
		size = data
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("append wav %s: %w", path, err)
	}
	w := newWAVWriter(f, format, dataStart, size)
	w.synced = -1 // rewrite the header at the first sync
	return w, nil
}

func newWAVWriter(f *os.File, format WAVFormat, dataStart, written int64) *WAVWriter {
	return &WAVWriter{
		f:         f,
		w:         bufio.NewWriterSize(f, 8192),
		format:    format,
		dataStart: dataStart,
		written:   written,
		synced:    written,
		syncEvery: int64(format.SampleRate * format.Channels * 2),
	}
}

// scanWAVHeader walks the chunks of an open WAVE file up to "data".
func scanWAVHeader(f *os.File) (WAVFormat, int64, error) {
	var format WAVFormat
	var hdr [12]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil || string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return format, 0, fmt.Errorf("no RIFF WAVE header: %w", ErrCorruptAudio)
	}
	off := int64(12)
	for {
		var ch [8]byte
		if _, err := f.ReadAt(ch[:], off); err != nil {
			return format, 0, fmt.Errorf("no data chunk: %w", ErrCorruptAudio)
		}
		size := int64(binary.LittleEndian.Uint32(ch[4:8]))
		off += 8
		switch string(ch[0:4]) {
		case "fmt ":
			var b [16]byte
			if _, err := f.ReadAt(b[:], off); err != nil || size < 16 {
				return format, 0, fmt.Errorf("short fmt chunk: %w", ErrCorruptAudio)
			}
			if tag := binary.LittleEndian.Uint16(b[0:2]); tag != wavFormatPCM {
				return format, 0, fmt.Errorf("wav encoding %d is not PCM: %w", tag, ErrUnsupportedAudio)
			}
			format.Channels = int(binary.LittleEndian.Uint16(b[2:4]))
			format.SampleRate = int(binary.LittleEndian.Uint32(b[4:8]))
			format.BitsPerSample = int(binary.LittleEndian.Uint16(b[14:16]))
			if format.BitsPerSample != 16 {
				return format, 0, fmt.Errorf("wav with %d-bit samples, want 16: %w", format.BitsPerSample, ErrUnsupportedAudio)
			}
		case "data":
			if format.SampleRate == 0 {
				return format, 0, fmt.Errorf("data chunk before fmt chunk: %w", ErrCorruptAudio)
			}
			return format, off, nil
		}
		off += size + size&1
	}
}

// Format returns the format of the samples the writer takes.
func (w *WAVWriter) Format() WAVFormat { return w.format }

// Write appends samples (interleaved when stereo). It does not allocate.
func (w *WAVWriter) Write(samples []int16) error {
	if w.closed {
		return os.ErrClosed
	}
	for len(samples) > 0 {
		n := min(len(samples), len(w.scratch)/2)
		for i, s := range samples[:n] {
			binary.LittleEndian.PutUint16(w.scratch[2*i:], uint16(s))
		}
		if _, err := w.w.Write(w.scratch[:2*n]); err != nil {
			return fmt.Errorf("write wav %s: %w", w.f.Name(), err)
		}
		w.written += int64(2 * n)
		samples = samples[n:]
	}
	if w.written-w.synced >= w.syncEvery {
		return w.Sync()
	}
	return nil
}

// Sync writes the buffered samples and rewrites the header's sizes, so the
// file on disk is complete up to here. It does not call fsync: the file
// survives the process, not the machine.
func (w *WAVWriter) Sync() error {
	if w.closed {
		return os.ErrClosed
	}
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("write wav %s: %w", w.f.Name(), err)
	}
	if w.synced == w.written {
		return nil
	}
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(min(w.dataStart-8+w.written, 0xFFFFFFFF)))
	if _, err := w.f.WriteAt(b[:], 4); err != nil {
		return fmt.Errorf("write wav %s header: %w", w.f.Name(), err)
	}
	binary.LittleEndian.PutUint32(b[:], uint32(min(w.written, 0xFFFFFFFF)))
	if _, err := w.f.WriteAt(b[:], w.dataStart-4); err != nil {
		return fmt.Errorf("write wav %s header: %w", w.f.Name(), err)
	}
	w.synced = w.written
	return nil
}

// Close writes what is buffered and the final sizes, and closes the file.
// It is idempotent.
func (w *WAVWriter) Close() error {
	if w.closed {
		return nil
	}
	err := w.Sync()
	w.closed = true
	return errors.Join(err, w.f.Close())
}
