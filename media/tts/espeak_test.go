package tts

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestEspeakLanguages(t *testing.T) {
	needEspeak(t)
	tests := []struct {
		lang, text string
	}{
		{"en", "Welcome"},
		{"fr", "Bienvenue"},
		{"ar", "مرحبا"},
		{"en_GB", "Welcome"},
		{"fr_CA", "Bienvenue"},
	}
	e := &Espeak{}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			pcm, err := e.Synthesize(context.Background(), tc.text, tc.lang, "")
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s %q: %v, rms %.0f", tc.lang, tc.text, duration(pcm), rms(pcm))
			if d := duration(pcm); d < 300*time.Millisecond || d > 3*time.Second {
				t.Errorf("%q lasts %v, want 0.3 to 3 s", tc.text, d)
			}
			if v := rms(pcm); v < 300 {
				t.Errorf("%q has rms %.0f: no speech", tc.text, v)
			}
		})
	}
}

func TestEspeakLongerTextLastsLonger(t *testing.T) {
	needEspeak(t)
	e := &Espeak{}
	short, err := e.Synthesize(context.Background(), "Welcome", "en", "")
	if err != nil {
		t.Fatal(err)
	}
	long, err := e.Synthesize(context.Background(), "This call may be recorded for quality purposes. Please wait for the next available agent.", "en", "")
	if err != nil {
		t.Fatal(err)
	}
	if d := duration(long); d < 3*duration(short) || d > 15*time.Second {
		t.Errorf("the recording notice lasts %v, the welcome %v", d, duration(short))
	}
}

func TestEspeakErrors(t *testing.T) {
	needEspeak(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name              string
		e                 *Espeak
		ctx               context.Context
		text, lang, voice string
		err               error
	}{
		{"no voice for language", &Espeak{}, context.Background(), "Hallo", "de", "", ErrUnsupportedLanguage},
		{"unknown voice", &Espeak{}, context.Background(), "Hello", "en", "nosuchvoice", ErrEngine},
		{"option as voice", &Espeak{}, context.Background(), "Hello", "en", "--help", ErrUnsupportedLanguage},
		{"empty text", &Espeak{}, context.Background(), "  ", "en", "", ErrNoAudio},
		{"missing program", &Espeak{Path: "/nonexistent/espeak-ng"}, context.Background(), "Hello", "en", "", ErrEngine},
		{"cancelled", &Espeak{}, cancelled, "Hello", "en", "", context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.e.Synthesize(tc.ctx, tc.text, tc.lang, tc.voice)
			if !errors.Is(err, tc.err) {
				t.Errorf("err = %v, want %v", err, tc.err)
			}
		})
	}
}

func TestEspeakTextIsNotOptions(t *testing.T) {
	needEspeak(t)
	// Text goes on standard input: a leading dash is spoken, not parsed.
	pcm, err := (&Espeak{}).Synthesize(context.Background(), "-v fr --help", "en", "")
	if err != nil {
		t.Fatal(err)
	}
	if duration(pcm) < 300*time.Millisecond {
		t.Errorf("dash text gave %v of audio", duration(pcm))
	}
}
