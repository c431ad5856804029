package tts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/obelisk-pbx/obelisk/media"
)

// Cache keeps synthesized prompts on disk, one file per engine, voice,
// language and text in the call's codec:
//
//	<Dir>/<hex sha256 of "engine|voice|lang|text">.<ulaw|alaw|sln>
//
// A file is written to a temporary name and renamed, so a reader never sees
// half of one, and concurrent Gets of the same prompt synthesize it once.
// Files are never removed: a prompt once made stays until the directory
// is cleared.
type Cache struct {
	// Dir holds the files; it is created when missing.
	Dir string
	// Engine speaks the prompts.
	Engine Synthesizer

	// mu guards inflight.
	mu       sync.Mutex
	inflight map[string]*flight
}

// flight is one synthesis others wait for.
type flight struct {
	done chan struct{}
	err  error
}

// Key returns the cache key of a prompt: hex sha256 of
// "engine|voice|lang|text".
func Key(engine, voice, lang, text string) string {
	sum := sha256.Sum256([]byte(engine + "|" + voice + "|" + lang + "|" + text))
	return hex.EncodeToString(sum[:])
}

// Path returns where the prompt's file is (or would be) kept.
func (c *Cache) Path(text, lang, voice, codec string) (string, error) {
	f, err := media.ParseCodec(codec)
	if err != nil {
		return "", err
	}
	return filepath.Join(c.Dir, Key(c.Engine.Name(), voice, lang, text)+"."+f.String()), nil
}

// Get returns the file of text spoken in lang with voice, encoded for
// codec (ulaw, alaw or slin), synthesizing it on the first call.
func (c *Cache) Get(ctx context.Context, text, lang, voice, codec string) (string, error) {
	path, err := c.Path(text, lang, voice, codec)
	if err != nil {
		return "", fmt.Errorf("tts %s: %w", c.Engine.Name(), err)
	}
	for {
		if _, err := os.Stat(path); err == nil {
			return path, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("tts cache: %w", err)
		}
		c.mu.Lock()
		if f, ok := c.inflight[path]; ok {
			c.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return "", ctx.Err()
			}
			if f.err == nil || !isContextErr(f.err) {
				if f.err != nil {
					return "", f.err
				}
				return path, nil
			}
			continue // the first caller gave up: try again ourselves
		}
		f := &flight{done: make(chan struct{})}
		if c.inflight == nil {
			c.inflight = make(map[string]*flight)
		}
		c.inflight[path] = f
		c.mu.Unlock()

		f.err = c.make(ctx, path, text, lang, voice, codec)
		c.mu.Lock()
		delete(c.inflight, path)
		c.mu.Unlock()
		close(f.done)
		if f.err != nil {
			return "", f.err
		}
		return path, nil
	}
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Sound returns the prompt as a media.Sound, from Get's file.
func (c *Cache) Sound(ctx context.Context, text, lang, voice, codec string) (*media.Sound, error) {
	path, err := c.Get(ctx, text, lang, voice, codec)
	if err != nil {
		return nil, err
	}
	return media.LoadSound(path)
}

func (c *Cache) make(ctx context.Context, path, text, lang, voice, codec string) error {
	pcm, err := c.Engine.Synthesize(ctx, text, lang, voice)
	if err != nil {
		return fmt.Errorf("tts %s %s %q: %w", c.Engine.Name(), lang, excerpt(text), err)
	}
	data, err := media.NewSound(pcm).Encoded(codec)
	if err != nil {
		return fmt.Errorf("tts %s: %w", c.Engine.Name(), err)
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return fmt.Errorf("tts cache: %w", err)
	}
	tmp, err := os.CreateTemp(c.Dir, ".tts-*")
	if err != nil {
		return fmt.Errorf("tts cache: %w", err)
	}
	_, err = tmp.Write(data)
	err = errors.Join(err, tmp.Chmod(0o644), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("tts cache %s: %w", path, err)
	}
	return nil
}
