package pbx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/obelisk-pbx/obelisk/media"
)

// synthCache makes (once) and finds the audio file of a text spoken in a
// language, as media/tts's Cache does.
type synthCache interface {
	Get(ctx context.Context, text, lang, voice, codec string) (path string, err error)
}

// prompts finds what a call plays: a recorded file (media.Library, as
// Asterisk looks sounds up) or, when a prompt has no file but has text in
// the catalogue, its synthesized speech (made once, cached on disk).
type prompts struct {
	lib *media.Library
	// catalogue returns the catalogue in force (it changes on reload).
	catalogue func() *media.Catalogue
	// tts returns the speech cache of the configuration in force (nil: no
	// speech).
	tts func() synthCache
	log *slog.Logger
}

// sound returns name in lang for a call in codec. A corrupt file is
// reported and skipped (the Library logs it); a missing one falls back to
// the catalogue's text; a failed synthesis is logged and reported as a
// missing sound, so the dialplan goes on as Asterisk's does.
func (p *prompts) sound(ctx context.Context, name, lang, codec string) (*media.Sound, error) {
	s, err := p.lib.Find(name, lang, codec)
	if err == nil {
		return s, nil
	}
	if !errors.Is(err, media.ErrSoundNotFound) {
		p.log.Warn("sound file unusable", "sound", name, "error", err)
	}
	text, in, ok := p.catalogue().Lookup(name, lang)
	if !ok {
		return nil, fmt.Errorf("%w: %s", media.ErrSoundNotFound, name)
	}
	return p.speech(ctx, text, in, codec)
}

// speech returns text spoken in lang, in codec.
func (p *prompts) speech(ctx context.Context, text, lang, codec string) (*media.Sound, error) {
	cache := p.tts()
	if cache == nil {
		return nil, fmt.Errorf("%w: no text-to-speech engine for %q", media.ErrSoundNotFound, text)
	}
	path, err := cache.Get(ctx, text, lang, "", codec)
	if err != nil {
		p.log.Error("text-to-speech failed; the call goes on without the prompt", "lang", lang, "text", text, "error", err)
		return nil, fmt.Errorf("%w: speech of %q: %v", media.ErrSoundNotFound, text, err)
	}
	s, err := media.LoadSound(path)
	if err != nil {
		p.log.Error("synthesized prompt unreadable", "path", path, "error", err)
		return nil, fmt.Errorf("%w: %v", media.ErrSoundNotFound, err)
	}
	return s, nil
}
