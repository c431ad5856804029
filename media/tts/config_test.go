package tts

import (
	"strings"
	"testing"

	"github.com/obelisk-pbx/obelisk/config"
)

func TestLoadConfig(t *testing.T) {
	f, diags := config.Parse("tts.conf", strings.NewReader("[general]\nengine=google\ngoogle_key=k\nspeed=200\ncolour=red\n[voices]\nAr=ar-XA\n"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	cfg, diags := LoadConfig(f)
	if len(diags) != 1 || !strings.Contains(diags[0].Error(), "tts.conf:5") {
		t.Errorf("diagnostics %v, want the unknown option at tts.conf:5", diags)
	}
	g, ok := cfg.Synthesizer("").(*GoogleTTS)
	if !ok || g.APIKey != "k" || g.Languages["ar"] != "ar-XA" || g.BaseURL != DefaultGoogleTTSURL {
		t.Errorf("google engine %+v", cfg.Synthesizer(""))
	}
	if e, ok := DefaultConfig().Synthesizer("").(*Espeak); !ok || e.Voices != nil {
		t.Errorf("default engine %+v", DefaultConfig().Synthesizer(""))
	}
	f, _ = config.Parse("tts.conf", strings.NewReader("[general]\nengine=festival\n"))
	if _, diags := LoadConfig(f); !diags.HasErrors() {
		t.Error("engine=festival accepted")
	}
}
