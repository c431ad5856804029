package media

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// LoadMOHClass loads the files of a mode=files class for calls in codec.
// Directory is relative to soundsDir unless absolute. As
// res_musiconhold, files that differ only by extension are one piece,
// played in its best format for the codec (see Library); a corrupt or
// unsupported file is logged by name and skipped. The pieces are returned
// in alphabetical order. A class with no playable file is ErrNoMusic.
func LoadMOHClass(c *MOHClass, soundsDir, codec string, logger *slog.Logger) ([]*Sound, error) {
	dir := c.Directory
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(soundsDir, dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("music on hold class [%s]: %w: %w", c.Name, ErrNoMusic, err)
	}
	var names []string
	seen := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		ext := filepath.Ext(name)
		if e.IsDir() || strings.HasPrefix(name, ".") || ParseSoundFormat(ext) == FormatUnknown {
			continue
		}
		base := strings.TrimSuffix(name, ext)
		if !seen[base] {
			seen[base] = true
			names = append(names, base)
		}
	}
	sort.Strings(names)
	lib := &Library{Dirs: []string{dir}, Logger: logger}
	var sounds []*Sound
	for _, base := range names {
		s, err := lib.Find(base, "", codec)
		if err != nil {
			lib.logger().Warn("skipping music on hold file", "class", c.Name, "file", filepath.Join(dir, base), "error", err)
			continue
		}
		sounds = append(sounds, s)
	}
	if len(sounds) == 0 {
		return nil, fmt.Errorf("music on hold class [%s] in %s: %w", c.Name, dir, ErrNoMusic)
	}
	return sounds, nil
}

// MOHPlayerOptions are how a class plays its pieces.
type MOHPlayerOptions struct {
	// Sort is musiconhold.conf's sort: "alpha" plays the pieces in order
	// from the first; "randstart" in order from a random one; "random"
	// (the default) a random piece each time, never the same twice in a
	// row.
	Sort string
	// Rand chooses the random pieces; nil is a generator seeded at random.
	Rand *rand.Rand
}

// MOHPlayer plays a music-on-hold class to one call as 20 ms frames, piece
// after piece, forever. The pieces are encoded for the call's codec when
// the player is made (once per Sound, shared by every call on hold);
// after that a frame is a copy, with no allocation, moving to the next
// piece included.
type MOHPlayer struct {
	pieces [][]byte
	format SoundFormat
	random bool
	rnd    *rand.Rand
	cur    int
	cursor FrameCursor
}

var _ FrameReader = (*MOHPlayer)(nil)

// NewMOHPlayer returns a player of sounds (from LoadMOHClass or
// DefaultMOH) for a call in codec.
func NewMOHPlayer(sounds []*Sound, codec string, opts MOHPlayerOptions) (*MOHPlayer, error) {
	f, err := ParseCodec(codec)
	if err != nil {
		return nil, fmt.Errorf("music on hold: %w", err)
	}
	if len(sounds) == 0 {
		return nil, fmt.Errorf("music on hold: %w", ErrNoMusic)
	}
	p := &MOHPlayer{format: f, rnd: opts.Rand}
	if p.rnd == nil {
		p.rnd = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	for _, s := range sounds {
		p.pieces = append(p.pieces, s.encoded(f))
	}
	switch opts.Sort {
	case "alpha":
	case "randstart":
		p.cur = p.rnd.IntN(len(p.pieces))
	case "random", "":
		p.random = true
		p.cur = p.rnd.IntN(len(p.pieces))
	default:
		return nil, fmt.Errorf("music on hold: sort=%s is none of alpha, random, randstart", opts.Sort)
	}
	p.cursor.Reset(p.pieces[p.cur], f)
	return p, nil
}

// Current returns the index of the piece playing.
func (p *MOHPlayer) Current() int { return p.cur }

// Next implements FrameReader; it never returns io.EOF.
func (p *MOHPlayer) Next(dst []byte) (int, error) {
	if p.cursor.Remaining() == 0 {
		p.advance()
	}
	return p.cursor.Next(dst)
}

func (p *MOHPlayer) advance() {
	switch {
	case p.random && len(p.pieces) > 1:
		next := p.rnd.IntN(len(p.pieces) - 1)
		if next >= p.cur {
			next++
		}
		p.cur = next
	default:
		p.cur = (p.cur + 1) % len(p.pieces)
	}
	p.cursor.Reset(p.pieces[p.cur], p.format)
}
