package pbx

import (
	"testing"

	"github.com/obelisk-pbx/obelisk/ivr"
)

func TestParseSpeakOptions(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want speakOptions
	}{
		{"none", "", speakOptions{}},
		{"no answer", "n", speakOptions{noAnswer: true}},
		{"any key", "i", speakOptions{stop: ivr.AnyDigit}},
		{"any key by name", "i(any)", speakOptions{stop: ivr.AnyDigit}},
		{"some keys", "i(12#)", speakOptions{stop: "12#"}},
		{"language", "nl(fr)", speakOptions{noAnswer: true, lang: "fr"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseSpeakOptions(tc.in); got != tc.want {
				t.Errorf("parseSpeakOptions(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestFestivalInterruptKeys(t *testing.T) {
	for in, want := range map[string]string{"": "", "any": ivr.AnyDigit, "ANY": ivr.AnyDigit, "#*": "#*"} {
		if got := interruptKeys(in, false); got != want {
			t.Errorf("interruptKeys(%q) = %q, want %q", in, got, want)
		}
	}
}
