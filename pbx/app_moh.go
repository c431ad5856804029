package pbx

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/media"
)

// mohCache keeps the loaded sounds of each music-on-hold class and codec,
// shared by every call on hold. An entry is loaded again when its
// directory changes (a file added or removed changes its modification
// time), so new music needs no reload.
type mohCache struct {
	// mu guards entries.
	mu      sync.Mutex
	entries map[mohKey]mohEntry
}

type mohKey struct{ dir, codec string }

type mohEntry struct {
	modTime time.Time
	sounds  []*media.Sound
}

// sounds returns the pieces of class c for codec, from soundsDir.
func (m *mohCache) sounds(c *media.MOHClass, soundsDir, codec string, s *Switch) ([]*media.Sound, error) {
	dir := c.Directory
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(soundsDir, dir)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, errors.Join(media.ErrNoMusic, err)
	}
	key := mohKey{dir: dir, codec: codec}
	m.mu.Lock()
	e, ok := m.entries[key]
	m.mu.Unlock()
	if ok && e.modTime.Equal(fi.ModTime()) {
		return e.sounds, nil
	}
	sounds, err := media.LoadMOHClass(c, soundsDir, codec, s.log)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	if m.entries == nil {
		m.entries = map[mohKey]mohEntry{}
	}
	m.entries[key] = mohEntry{modTime: fi.ModTime(), sounds: sounds}
	m.mu.Unlock()
	return sounds, nil
}

// mohClass returns the musiconhold.conf class named name ("" is
// "default"). An unknown class is the default one, as res_musiconhold
// falls back to it.
func (s *Switch) mohClass(name string) (c *media.MOHClass, found bool) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "default"
	}
	if cfg := s.Config().MusicOnHold; cfg != nil {
		if c := cfg.Class(name); c != nil {
			return c, true
		}
		if c := cfg.Class("default"); c != nil {
			return c, name == "default"
		}
	}
	return &media.MOHClass{Name: "default", Mode: "files", Directory: media.DefaultMOHDirectory, Sort: "random"}, name == "default"
}

// mohPlayer returns a player of class for a call in codec. A class whose
// files cannot be played (mode other than files, an empty or missing
// directory) plays the built-in default music instead, with a warning.
func (s *Switch) mohPlayer(class, codec string, log *slog.Logger) (*media.MOHPlayer, error) {
	c, found := s.mohClass(class)
	if !found {
		log.Warn("music on hold class not found, playing the default class", "class", class)
	}
	var sounds []*media.Sound
	var err error
	if c.Mode == "files" || c.Mode == "" {
		sounds, err = s.moh.sounds(c, filepath.Join(s.opts.DataDir, "sounds"), codec, s)
	} else {
		err = errors.New("mode=" + c.Mode + " is not supported")
	}
	if err != nil {
		log.Warn("music on hold class has no playable file, playing the built-in music", "class", c.Name, "directory", c.Directory, "error", err)
		sounds = media.DefaultMOH()
	}
	return media.NewMOHPlayer(sounds, codec, media.MOHPlayerOptions{Sort: c.Sort})
}

// startMusicOnHold plays class to the caller in the background (early
// media when the call is not answered).
func (c *sipCall) startMusicOnHold(class string) error {
	codec, err := c.mediaCodec()
	if err != nil {
		return err
	}
	p, err := c.sw.mohPlayer(class, codec, c.in.Logger())
	if err != nil {
		return err
	}
	c.startGenerator("moh", p)
	return nil
}

// musicOnHoldApp is Asterisk's MusicOnHold.
//
// # Syntax
//
//	MusicOnHold([class[,duration]])
//
// Plays the music-on-hold class to the caller for duration seconds, or
// until the caller hangs up when there is no duration (or 0). The call is
// not answered: an unanswered call gets the music as early media (183).
// The classes are musiconhold.conf's (mode=files: the sound files of
// directory, relative to the data directory's sounds/); an empty or
// unknown class is "default", whose directory is sounds/moh, where
// Obelisk installs its own royalty-free music on first run. A class whose
// files cannot be played gets the built-in music, with a warning.
//
// # Example
//
//	exten => 800,1,Answer()
//	 same => n,MusicOnHold(default,30)
//	 same => n,Hangup()
func musicOnHoldApp() *ivr.App {
	return &ivr.App{
		Name:     "MusicOnHold",
		Synopsis: "Play music on hold: MusicOnHold([class[,duration]])",
		Exec: func(ctx context.Context, ch *ivr.Channel, args string) error {
			parts := ivr.SplitArgs(args)
			class := strings.TrimSpace(arg(parts, 0))
			wait := 24 * time.Hour // until the hang-up
			if d := strings.TrimSpace(arg(parts, 1)); d != "" {
				if n, err := strconv.Atoi(d); err == nil && n > 0 {
					wait = time.Duration(n) * time.Second
				}
			}
			if c, ok := mediaCall(ch); ok {
				if err := c.startMusicOnHold(class); err != nil {
					if errors.Is(err, ivr.ErrHangup) {
						return err
					}
					ch.Logger().Warn("MusicOnHold: unable to start music on hold", "class", class, "error", err)
					return nil
				}
				defer c.stopGenerator()
			}
			return ch.Sleep(ctx, wait)
		},
	}
}

// startMusicOnHoldApp is Asterisk's StartMusicOnHold.
//
// # Syntax
//
//	StartMusicOnHold([class])
//
// Starts music on hold (see MusicOnHold for the classes) and goes on with
// the dialplan while it plays, until StopMusicOnHold, a playback, Dial's
// bridge, another generator (PlayTones) or the hang-up.
//
// # Example
//
//	same => n,StartMusicOnHold(default)
//	same => n,Wait(10)
//	same => n,StopMusicOnHold()
func startMusicOnHoldApp() *ivr.App {
	return &ivr.App{
		Name:     "StartMusicOnHold",
		Synopsis: "Play music on hold in the background: StartMusicOnHold([class])",
		Exec: func(ctx context.Context, ch *ivr.Channel, args string) error {
			c, ok := mediaCall(ch)
			if !ok {
				return nil
			}
			class := strings.TrimSpace(arg(ivr.SplitArgs(args), 0))
			if err := c.startMusicOnHold(class); err != nil {
				if errors.Is(err, ivr.ErrHangup) {
					return err
				}
				ch.Logger().Warn("StartMusicOnHold: unable to start music on hold", "class", class, "error", err)
			}
			return nil
		},
	}
}

// stopMusicOnHoldApp is Asterisk's StopMusicOnHold.
//
// # Syntax
//
//	StopMusicOnHold()
//
// Stops the music StartMusicOnHold started (in fact whatever plays in the
// background, as ast_moh_stop deactivates the channel's generator).
//
// # Example
//
//	same => n,StopMusicOnHold()
func stopMusicOnHoldApp() *ivr.App {
	return &ivr.App{
		Name:     "StopMusicOnHold",
		Synopsis: "Stop the music StartMusicOnHold started: StopMusicOnHold()",
		Exec: func(ctx context.Context, ch *ivr.Channel, args string) error {
			if c, ok := mediaCall(ch); ok {
				c.stopGenerator()
			}
			return nil
		},
	}
}
