package media

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// MaxSoundFileSize bounds the files a Library loads (64 MiB is over an
// hour of G.711): a larger file is reported as unsupported, not read.
const MaxSoundFileSize = 64 << 20

// DefaultLanguage is the language every lookup falls back to, as
// Asterisk's "en" default.
const DefaultLanguage = "en"

// Library finds sound files as Asterisk's file.c does.
//
// A relative name such as "callcentre/welcome" is looked for under each
// root in Dirs as <root>/<lang>/<name>.<ext>, trying the languages
//
//	lang (fr_CA), lang without its dialect (fr), no language, en
//
// so that sounds/fr/… wins over sounds/en/…; the first language with a file
// in any root wins, and within a language the first root that has one (the
// data directory's sounds before the built-in ones). An absolute name
// (/var/spool/greet, without extension) gets the language inserted before
// its last element, /var/spool/<lang>/greet, then is tried as given, as
// Asterisk does for absolute paths.
//
// Among the formats found for that name, the call's codec wins (a .ulaw
// file for a µ-law call is played as it is), then .wav (8 kHz mono 16-bit
// PCM), then .sln/.raw, then the other G.711 law. A file that is corrupt or
// in an unsupported format is logged with its name and skipped in favour of
// the next candidate; Find returns its error when no candidate loads.
type Library struct {
	// Dirs are the sounds roots, searched in order: typically DATA/sounds,
	// then the sounds shipped with Obelisk.
	Dirs []string
	// Logger receives a warning for each file skipped; nil discards them.
	Logger *slog.Logger
}

// Find returns the sound name in language lang for a call in codec (ulaw,
// alaw, slin, PCMU or PCMA). It returns an error wrapping
// ErrSoundNotFound when no file exists, and one naming the file and
// wrapping ErrCorruptAudio or ErrUnsupportedAudio when the files that
// exist cannot be played. With no file installed, beep and silence/1 …
// silence/10 (Asterisk's core sounds) are made in memory.
func (l *Library) Find(name, lang, codec string) (*Sound, error) {
	want, err := ParseCodec(codec)
	if err != nil {
		return nil, fmt.Errorf("find sound %s: %w", name, err)
	}
	if name == "" || hasDotDot(name) {
		return nil, fmt.Errorf("find sound %q: %w", name, ErrSoundNotFound)
	}
	var firstErr error
	for _, lg := range searchLanguages(lang) {
		for _, dir := range l.searchDirs(name) {
			base := soundPath(dir, name, lg)
			for _, path := range candidates(base, want) {
				s, err := LoadSound(path)
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				if err != nil {
					l.logger().Warn("skipping sound file", "file", path, "error", err)
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				s.Language = lg
				return s, nil
			}
		}
	}
	if firstErr != nil {
		return nil, fmt.Errorf("find sound %s: %w", name, firstErr)
	}
	if s := builtinSound(name); s != nil {
		return s, nil
	}
	return nil, fmt.Errorf("find sound %s (language %s): %w", name, lang, ErrSoundNotFound)
}

func (l *Library) logger() *slog.Logger {
	if l.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l.Logger
}

func (l *Library) searchDirs(name string) []string {
	if filepath.IsAbs(name) {
		return []string{""}
	}
	return l.Dirs
}

// soundPath is the path of name in lang under root, without extension.
func soundPath(root, name, lang string) string {
	if filepath.IsAbs(name) {
		if lang == "" {
			return name
		}
		return filepath.Join(filepath.Dir(name), lang, filepath.Base(name))
	}
	return filepath.Join(root, lang, name)
}

// searchLanguages is the order Asterisk's fileexists_core tries languages.
func searchLanguages(lang string) []string {
	out := make([]string, 0, 4)
	add := func(l string) {
		for _, o := range out {
			if o == l {
				return
			}
		}
		out = append(out, l)
	}
	if lang != "" {
		add(lang)
		if i := strings.IndexAny(lang, "_-"); i > 0 {
			add(lang[:i])
		}
	}
	add("")
	add(DefaultLanguage)
	return out
}

// candidates lists base's possible files, best format for want first.
func candidates(base string, want SoundFormat) []string {
	order := [4]SoundFormat{want, FormatWAV, FormatSLin, FormatALaw}
	switch want {
	case FormatALaw:
		order[3] = FormatULaw
	case FormatSLin:
		order = [4]SoundFormat{FormatSLin, FormatWAV, FormatULaw, FormatALaw}
	}
	var out []string
	for i, f := range order {
		if i > 0 && f == want {
			continue
		}
		for _, ext := range soundExtensions[f] {
			out = append(out, base+"."+ext)
		}
	}
	return out
}

func hasDotDot(name string) bool {
	for _, el := range strings.Split(filepath.ToSlash(name), "/") {
		if el == ".." {
			return true
		}
	}
	return false
}

// Sound is one sound file loaded in memory, ready to be played to any
// number of calls at once. A file in G.711 is kept as it is; a WAV or sln
// file is kept as 16-bit samples. The frames of each codec are made once,
// on the first Frames or Encoded call for that codec, and shared.
type Sound struct {
	// Path is the file the sound was read from; empty for a sound made in
	// memory.
	Path string
	// Format is the file's format.
	Format SoundFormat
	// Language is the language directory the file was found in by
	// Library.Find ("" for none).
	Language string

	g711 []byte  // the file's bytes for FormatULaw and FormatALaw
	pcm  []int16 // the samples for FormatWAV and FormatSLin

	// mu guards enc.
	mu  sync.Mutex
	enc [3][]byte // frames in ulaw, alaw and slin, made on first use
}

// LoadSound reads one sound file, its format given by its extension. The
// error names the file; it wraps fs.ErrNotExist for a missing file,
// ErrCorruptAudio or ErrUnsupportedAudio for one that cannot be played.
func LoadSound(path string) (*Sound, error) {
	format := ParseSoundFormat(filepath.Ext(path))
	if format == FormatUnknown {
		return nil, fmt.Errorf("load sound %s: extension %q: %w", path, filepath.Ext(path), ErrUnsupportedAudio)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load sound: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSoundFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("load sound %s: %w", path, err)
	}
	if len(data) > MaxSoundFileSize {
		return nil, fmt.Errorf("load sound %s: larger than %d bytes: %w", path, MaxSoundFileSize, ErrUnsupportedAudio)
	}
	s, err := DecodeSound(format, data)
	if err != nil {
		return nil, fmt.Errorf("load sound %s: %w", path, err)
	}
	s.Path = path
	return s, nil
}

// DecodeSound makes a Sound of the contents of a file in format f.
func DecodeSound(f SoundFormat, data []byte) (*Sound, error) {
	s := &Sound{Format: f}
	switch f {
	case FormatULaw, FormatALaw:
		s.g711 = data
	case FormatSLin:
		if len(data)%2 != 0 {
			return nil, fmt.Errorf("odd size %d of 16-bit samples: %w", len(data), ErrCorruptAudio)
		}
		s.pcm = decodeSLin(data)
	case FormatWAV:
		wf, pcm, err := DecodeWAV(data)
		if err != nil {
			return nil, err
		}
		if wf.SampleRate != SampleRate || wf.Channels != 1 {
			return nil, fmt.Errorf("wav is %d channels at %d Hz, want mono at 8000 Hz: %w", wf.Channels, wf.SampleRate, ErrUnsupportedAudio)
		}
		s.pcm = pcm
	default:
		return nil, fmt.Errorf("format %s: %w", f, ErrUnsupportedAudio)
	}
	if len(s.g711) == 0 && len(s.pcm) == 0 {
		return nil, fmt.Errorf("no samples: %w", ErrCorruptAudio)
	}
	return s, nil
}

// NewSound makes a sound of 8 kHz samples held in memory (synthesized
// prompts, the default music on hold).
func NewSound(pcm []int16) *Sound {
	return &Sound{Format: FormatSLin, pcm: pcm}
}

// Samples returns the sound's length in 8 kHz samples.
func (s *Sound) Samples() int {
	if s.g711 != nil {
		return len(s.g711)
	}
	return len(s.pcm)
}

// Duration returns how long the sound plays.
func (s *Sound) Duration() time.Duration {
	return time.Duration(s.Samples()) * time.Second / SampleRate
}

// PCM returns the sound as 16-bit samples, decoding G.711 into a new slice.
func (s *Sound) PCM() []int16 {
	switch s.Format {
	case FormatULaw:
		out := make([]int16, len(s.g711))
		DecodeULaw(out, s.g711)
		return out
	case FormatALaw:
		out := make([]int16, len(s.g711))
		DecodeALaw(out, s.g711)
		return out
	}
	return s.pcm
}

// Encoded returns the whole sound in codec (ulaw, alaw or slin), shared by
// every caller: it must not be modified. A file already in that codec is
// returned as read; any other is converted once.
func (s *Sound) Encoded(codec string) ([]byte, error) {
	f, err := ParseCodec(codec)
	if err != nil {
		return nil, err
	}
	return s.encoded(f), nil
}

func (s *Sound) encoded(f SoundFormat) []byte {
	if f == s.Format && s.g711 != nil {
		return s.g711 // ulaw in ulaw, alaw in alaw: played as read
	}
	i := int(f - FormatULaw)
	if f == FormatSLin {
		i = 2
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.enc[i] != nil {
		return s.enc[i]
	}
	var out []byte
	switch {
	case f == FormatSLin:
		out = EncodeSLin(s.PCM())
	case s.Format == FormatULaw && f == FormatALaw:
		out = make([]byte, len(s.g711))
		for j, b := range s.g711 {
			out[j] = ulawToAlaw[b]
		}
	case s.Format == FormatALaw && f == FormatULaw:
		out = make([]byte, len(s.g711))
		for j, b := range s.g711 {
			out[j] = alawToUlaw[b]
		}
	case f == FormatULaw:
		out = make([]byte, len(s.pcm))
		EncodeULaw(out, s.pcm)
	default:
		out = make([]byte, len(s.pcm))
		EncodeALaw(out, s.pcm)
	}
	s.enc[i] = out
	return out
}

// EncodeSLin returns pcm as signed linear 16-bit little endian bytes.
func EncodeSLin(pcm []int16) []byte {
	out := make([]byte, 2*len(pcm))
	for i, v := range pcm {
		out[2*i] = byte(v)
		out[2*i+1] = byte(uint16(v) >> 8)
	}
	return out
}

// Frames returns a reader of the sound's 20 ms frames in codec. Making it
// may convert the sound (once per codec); reading frames does not
// allocate.
func (s *Sound) Frames(codec string) (FrameReader, error) {
	f, err := ParseCodec(codec)
	if err != nil {
		return nil, fmt.Errorf("play %s: %w", s.Path, err)
	}
	c := NewFrameCursor(s.encoded(f), f)
	return c, nil
}

// FrameReader produces the 20 ms frames of something played to a call.
type FrameReader interface {
	// Next fills dst with the next frame in the reader's codec, 160 bytes
	// of G.711 or 320 of signed linear, and returns its size. It returns
	// io.EOF when there is no more, and io.ErrShortBuffer when dst is
	// smaller than a frame.
	Next(dst []byte) (int, error)
}

// FrameCursor reads a sound already in the call's codec as 20 ms frames:
// each frame is a copy, with no conversion and no allocation. The last
// frame is padded with silence to a whole 20 ms.
type FrameCursor struct {
	data    []byte
	pos     int
	size    int
	silence byte
}

var _ FrameReader = (*FrameCursor)(nil)

// NewFrameCursor returns a cursor over data in format f (ulaw, alaw or
// sln).
func NewFrameCursor(data []byte, f SoundFormat) *FrameCursor {
	c := &FrameCursor{}
	c.Reset(data, f)
	return c
}

// Reset points the cursor at the start of data in format f, reusing it.
func (c *FrameCursor) Reset(data []byte, f SoundFormat) {
	c.data, c.pos, c.size = data, 0, FrameBytes(f)
	switch f {
	case FormatULaw:
		c.silence = ULawSilence
	case FormatALaw:
		c.silence = ALawSilence
	default:
		c.silence = 0
	}
}

// Rewind starts the sound again.
func (c *FrameCursor) Rewind() { c.pos = 0 }

// Remaining returns the number of bytes not yet read.
func (c *FrameCursor) Remaining() int { return len(c.data) - c.pos }

// Next implements FrameReader.
func (c *FrameCursor) Next(dst []byte) (int, error) {
	if c.pos >= len(c.data) {
		return 0, io.EOF
	}
	if len(dst) < c.size {
		return 0, io.ErrShortBuffer
	}
	n := copy(dst[:c.size], c.data[c.pos:])
	for i := n; i < c.size; i++ {
		dst[i] = c.silence
	}
	c.pos += n
	return c.size, nil
}
