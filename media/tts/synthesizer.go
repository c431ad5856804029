package tts

import (
	"context"
	"fmt"
	"strings"

	"github.com/obelisk-pbx/obelisk/media"
)

// Synthesizer is a text-to-speech engine.
type Synthesizer interface {
	// Name identifies the engine in cache keys and logs ("espeak-ng",
	// "google").
	Name() string
	// Synthesize speaks text in language lang (ISO 639-1, optionally with a
	// region: "fr", "en_GB") with voice, the engine's default for lang when
	// empty. It returns 8 kHz mono 16-bit samples.
	Synthesize(ctx context.Context, text, lang, voice string) ([]int16, error)
}

var (
	_ Synthesizer = (*Espeak)(nil)
	_ Synthesizer = (*GoogleTTS)(nil)
)

// languageKey finds lang in m: as given, then lower case with - for _,
// then without its region.
func languageKey[V any](m map[string]V, lang string) (V, bool) {
	if v, ok := m[lang]; ok {
		return v, true
	}
	norm := strings.ToLower(strings.ReplaceAll(lang, "_", "-"))
	if v, ok := m[norm]; ok {
		return v, true
	}
	if i := strings.IndexByte(norm, '-'); i > 0 {
		v, ok := m[norm[:i]]
		return v, ok
	}
	var zero V
	return zero, false
}

// to8k converts a WAVE file's samples to 8 kHz mono.
func to8k(f media.WAVFormat, pcm []int16) ([]int16, error) {
	if f.Channels != 1 {
		return nil, fmt.Errorf("%d channels: %w", f.Channels, media.ErrUnsupportedAudio)
	}
	if f.SampleRate == media.SampleRate {
		return pcm, nil
	}
	return media.Resample(pcm, f.SampleRate, media.SampleRate)
}

// excerpt shortens text for error messages.
func excerpt(text string) string {
	const max = 40
	r := []rune(text)
	if len(r) <= max {
		return text
	}
	return string(r[:max]) + "…"
}
