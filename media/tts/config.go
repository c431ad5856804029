package tts

import (
	"net/http"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// Config is tts.conf, Obelisk's text-to-speech settings (Asterisk has no
// such file):
//
//	[general]
//	engine = espeak          ; espeak (the default) or google
//	espeak_path = espeak-ng
//	speed = 160              ; espeak-ng words per minute
//	google_url = https://texttospeech.googleapis.com
//	google_key = AIza…       ; API key (or set OBELISK_GOOGLE_TTS_KEY)
//
//	[voices]                 ; language = espeak-ng voice, or Google language code
//	en = en-us
//	fr = fr-fr
//	ar = ar
type Config struct {
	Engine     string
	EspeakPath string
	Speed      int
	GoogleURL  string
	GoogleKey  string
	Voices     map[string]string
}

// DefaultConfig is the configuration without tts.conf: espeak-ng.
func DefaultConfig() *Config { return &Config{Engine: "espeak", GoogleURL: DefaultGoogleTTSURL} }

// LoadConfig reads tts.conf.
func LoadConfig(f *config.File) (*Config, config.Diagnostics) {
	var diags config.Diagnostics
	cfg := DefaultConfig()
	for _, s := range f.Sections {
		r := config.NewSectionReader(f.Name, s, &diags)
		switch s.Name {
		case "general":
			r.Enum("engine", &cfg.Engine, "espeak", "google")
			r.String("espeak_path", &cfg.EspeakPath)
			r.Int("speed", &cfg.Speed, 80, 450)
			r.String("google_url", &cfg.GoogleURL)
			r.String("google_key", &cfg.GoogleKey)
			r.Unknown()
		case "voices":
			cfg.Voices = map[string]string{}
			for _, e := range s.Entries {
				cfg.Voices[strings.ToLower(e.Key)] = e.Value
			}
		default:
			diags = append(diags, config.Warnf(s.Pos, "unknown section [%s] in %s", s.Name, f.Name))
		}
	}
	return cfg, diags
}

// Synthesizer builds the configured engine; googleKey is the API key to
// use when the file names none (from the environment).
func (c *Config) Synthesizer(googleKey string) Synthesizer {
	if c.Engine == "google" {
		key := c.GoogleKey
		if key == "" {
			key = googleKey
		}
		return &GoogleTTS{BaseURL: c.GoogleURL, APIKey: key, Languages: c.Voices, Client: &http.Client{Timeout: 15 * time.Second}}
	}
	return &Espeak{Path: c.EspeakPath, Voices: c.Voices, Speed: c.Speed}
}
