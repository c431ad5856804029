package media

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// sampleWriter is a recording file: 16-bit samples in, its format out.
type sampleWriter interface {
	Write(samples []int16) error
	Close() error
}

var (
	_ sampleWriter = (*WAVWriter)(nil)
	_ sampleWriter = (*rawWriter)(nil)
)

// createRecording opens path for a recording of channels channels at 8 kHz
// in the format of its extension, as MixMonitor's filename.extension.
func createRecording(path string, channels int, appendTo bool) (sampleWriter, error) {
	ext := filepath.Ext(path)
	format := ParseSoundFormat(ext)
	switch {
	case ext == "":
		return nil, fmt.Errorf("record %s: no extension to choose the format (wav, sln, ulaw, alaw): %w", path, ErrUnsupportedAudio)
	case format == FormatUnknown:
		return nil, fmt.Errorf("record %s: format %q: %w", path, ext, ErrUnsupportedAudio)
	case format == FormatWAV:
		open := CreateWAV
		if appendTo {
			open = AppendWAV
		}
		w, err := open(path, SampleRate, channels)
		if err != nil {
			return nil, fmt.Errorf("record: %w", err)
		}
		return w, nil
	case channels != 1 && format != FormatSLin:
		return nil, fmt.Errorf("record %s: %s cannot hold %d channels (use .wav or .raw): %w", path, format, channels, ErrUnsupportedAudio)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if appendTo {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	return &rawWriter{
		f:         f,
		w:         bufio.NewWriterSize(f, 8192),
		format:    format,
		syncEvery: SampleRate * channels,
	}, nil
}

// rawWriter writes headerless signed linear or G.711, flushing at least
// once per second of audio.
type rawWriter struct {
	f         *os.File
	w         *bufio.Writer
	format    SoundFormat
	unsynced  int // samples written since the last flush
	syncEvery int
	scratch   [2 * 2 * FrameSamples]byte
	closed    bool
}

func (r *rawWriter) Write(samples []int16) error {
	if r.closed {
		return os.ErrClosed
	}
	for len(samples) > 0 {
		n := min(len(samples), 2*FrameSamples)
		var b []byte
		switch r.format {
		case FormatULaw:
			b = r.scratch[:EncodeULaw(r.scratch[:n], samples[:n])]
		case FormatALaw:
			b = r.scratch[:EncodeALaw(r.scratch[:n], samples[:n])]
		default:
			for i, s := range samples[:n] {
				binary.LittleEndian.PutUint16(r.scratch[2*i:], uint16(s))
			}
			b = r.scratch[:2*n]
		}
		if _, err := r.w.Write(b); err != nil {
			return fmt.Errorf("record %s: %w", r.f.Name(), err)
		}
		r.unsynced += n
		samples = samples[n:]
	}
	if r.unsynced >= r.syncEvery {
		r.unsynced = 0
		if err := r.w.Flush(); err != nil {
			return fmt.Errorf("record %s: %w", r.f.Name(), err)
		}
	}
	return nil
}

func (r *rawWriter) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	return errors.Join(r.w.Flush(), r.f.Close())
}
