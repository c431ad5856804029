package tts

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/obelisk-pbx/obelisk/media"
)

// DefaultEspeakVoices are espeak-ng's voices for the languages Obelisk
// ships prompts in (`espeak-ng --voices` lists them all).
var DefaultEspeakVoices = map[string]string{
	"ar":    "ar",
	"en":    "en-us",
	"en-gb": "en-gb",
	"en-us": "en-us",
	"fr":    "fr-fr",
	"fr-be": "fr-be",
	"fr-ch": "fr-ch",
	// Spanish, for the collections calls (seed 004).
	"es":     "es",
	"es-419": "es-419",
}

// DefaultEspeakSpeed is the speaking rate in words per minute, a little
// slower than espeak-ng's 175 for the telephone.
const DefaultEspeakSpeed = 160

// Espeak is the espeak-ng engine: it runs espeak-ng for each text, reads
// the WAVE it writes on standard output and resamples it to 8 kHz. The text
// goes on standard input, never on the command line, and is read as plain
// text (no SSML).
type Espeak struct {
	// Path is the espeak-ng program; empty is "espeak-ng" on PATH.
	Path string
	// Voices maps a language to an espeak-ng voice; nil is
	// DefaultEspeakVoices.
	Voices map[string]string
	// Speed is the rate in words per minute (-s); 0 is DefaultEspeakSpeed.
	Speed int
}

// Name implements Synthesizer.
func (e *Espeak) Name() string { return "espeak-ng" }

// Voice returns the voice used for lang, or ErrUnsupportedLanguage.
func (e *Espeak) Voice(lang string) (string, error) {
	voices := e.Voices
	if voices == nil {
		voices = DefaultEspeakVoices
	}
	v, ok := languageKey(voices, lang)
	if !ok {
		return "", fmt.Errorf("espeak-ng %q: %w", lang, ErrUnsupportedLanguage)
	}
	return v, nil
}

// Synthesize implements Synthesizer.
func (e *Espeak) Synthesize(ctx context.Context, text, lang, voice string) ([]int16, error) {
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("espeak-ng: empty text: %w", ErrNoAudio)
	}
	if voice == "" {
		v, err := e.Voice(lang)
		if err != nil {
			return nil, err
		}
		voice = v
	}
	if strings.HasPrefix(voice, "-") || strings.ContainsAny(voice, " \t\n") {
		return nil, fmt.Errorf("espeak-ng: bad voice name %q: %w", voice, ErrUnsupportedLanguage)
	}
	path := e.Path
	if path == "" {
		path = "espeak-ng"
	}
	speed := e.Speed
	if speed == 0 {
		speed = DefaultEspeakSpeed
	}
	cmd := exec.CommandContext(ctx, path, "-v", voice, "-s", strconv.Itoa(speed), "--stdout")
	cmd.Stdin = strings.NewReader(text)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("espeak-ng voice %s: %w", voice, ctx.Err())
		}
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("espeak-ng voice %s: %v: %s: %w", voice, err, msg, ErrEngine)
		}
		return nil, fmt.Errorf("espeak-ng voice %s: %v: %w", voice, err, ErrEngine)
	}
	f, pcm, err := media.DecodeWAV(stdout.Bytes())
	if err != nil {
		return nil, fmt.Errorf("espeak-ng voice %s output: %w", voice, err)
	}
	if len(pcm) == 0 {
		return nil, fmt.Errorf("espeak-ng voice %s: %w", voice, ErrNoAudio)
	}
	out, err := to8k(f, pcm)
	if err != nil {
		return nil, fmt.Errorf("espeak-ng voice %s output: %w", voice, err)
	}
	return out, nil
}
