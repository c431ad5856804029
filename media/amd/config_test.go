package amd

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

func parse(t *testing.T, text string) *config.File {
	t.Helper()
	f, diags := config.Parse("amd.conf", strings.NewReader(text))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return f
}

// TestLoadConfigSample: Asterisk's amd.conf.sample is app_amd's defaults
// but two words at most.
func TestLoadConfigSample(t *testing.T) {
	b, err := os.ReadFile("testdata/amd.conf")
	if err != nil {
		t.Fatal(err)
	}
	cfg, diags := LoadConfig(parse(t, string(b)))
	if len(diags) != 0 {
		t.Errorf("diagnostics: %v", diags)
	}
	if cfg != sampleConfig() {
		t.Errorf("amd.conf.sample read as %+v, want %+v", cfg, sampleConfig())
	}
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		want  Config
		diags []string // substrings of the diagnostics, in order
	}{
		{"empty", "", DefaultConfig(), nil},
		{"every option", "[general]\ninitial_silence=2000\ngreeting=1000\nafter_greeting_silence=700\ntotal_analysis_time=4000\n" +
			"min_word_length=120\nbetween_words_silence=40\nmaximum_number_of_words=5\nsilence_threshold=300\nmaximum_word_length=3000\n",
			Config{2 * time.Second, time.Second, 700 * time.Millisecond, 4 * time.Second, 120 * time.Millisecond, 40 * time.Millisecond, 5, 300, 3 * time.Second}, nil},
		{"unknown option", "[general]\ngreeting=1000\nbeep=yes\n",
			withCfg(func(c *Config) { c.Greeting = time.Second }), []string{`amd.conf:3: warning: unknown option "beep" in [general]`}},
		{"bad values", "[general]\ngreeting=long\nsilence_threshold=40000\n",
			DefaultConfig(), []string{`amd.conf:2: greeting: "long" is not a whole number`, "amd.conf:3: silence_threshold: 40000 is out of range 0..32767"}},
		{"other sections", "[general]\ngreeting=1000\n[machines]\ngreeting=9\n",
			withCfg(func(c *Config) { c.Greeting = time.Second }), []string{"amd.conf:3: warning: unknown section [machines]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, diags := LoadConfig(parse(t, tc.text))
			if cfg != tc.want {
				t.Errorf("config %+v, want %+v", cfg, tc.want)
			}
			if len(diags) != len(tc.diags) {
				t.Fatalf("diagnostics %v, want %q", diags, tc.diags)
			}
			for i, d := range diags {
				if !strings.Contains(d.Error(), tc.diags[i]) {
					t.Errorf("diagnostic %d: %q, want %q in it", i, d.Error(), tc.diags[i])
				}
			}
		})
	}
}

func TestWithArgs(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want Config
		bad  []string
	}{
		{"none", nil, sampleConfig(), nil},
		{"all", []string{"2000", "1000", "700", "4000", "120", "40", "5", "300", "3000"},
			Config{2 * time.Second, time.Second, 700 * time.Millisecond, 4 * time.Second, 120 * time.Millisecond, 40 * time.Millisecond, 5, 300, 3 * time.Second}, nil},
		{"empty ones keep amd.conf's", []string{"", " 1800", "", "", "", "", "4"},
			withCfg(func(c *Config) { c.Greeting = 1800 * time.Millisecond; c.MaximumNumberOfWords = 4 }), nil},
		{"atoi", []string{"2000ms", "x"},
			withCfg(func(c *Config) { c.InitialSilence = 2 * time.Second; c.Greeting = 0; c.MaximumNumberOfWords = 2 }), []string{"2000ms", "x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, bad := sampleConfig().WithArgs(tc.args)
			if got != tc.want || strings.Join(bad, ",") != strings.Join(tc.bad, ",") {
				t.Errorf("WithArgs(%q) = %+v, bad %q; want %+v, bad %q", tc.args, got, bad, tc.want, tc.bad)
			}
		})
	}
}

func FuzzLoadConfig(f *testing.F) {
	b, _ := os.ReadFile("testdata/amd.conf")
	f.Add(string(b))
	f.Add("[general]\ngreeting=-1\nmaximum_number_of_words=x\n")
	f.Fuzz(func(t *testing.T, text string) {
		file, diags := config.Parse("amd.conf", strings.NewReader(text))
		if diags.HasErrors() || file == nil {
			return
		}
		cfg, _ := LoadConfig(file)
		d := New(cfg)
		run(d, synth(silence(100), voice(100)))
	})
}
