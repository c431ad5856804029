package media

import (
	"strings"
	"testing"

	"github.com/obelisk-pbx/obelisk/config/configtest"
)

func loadMOH(t *testing.T, text string) (*MOHConfig, string) {
	t.Helper()
	return configtest.Load(t, "musiconhold.conf", text, LoadMOHConfig)
}

func TestMOHConfig(t *testing.T) {
	cfg, msgs := loadMOH(t, "[jazz]\nmode=files\ndirectory=/srv/moh/jazz\nsort=alpha\ndigit=5\n")
	if msgs != "" {
		t.Fatal(msgs)
	}
	j := cfg.Class("jazz")
	if j == nil || j.Directory != "/srv/moh/jazz" || j.Sort != "alpha" || j.Digit != "5" {
		t.Fatalf("jazz %+v", j)
	}
	if d := cfg.Class("default"); d == nil || d.Directory != DefaultMOHDirectory {
		t.Fatalf("default class missing: %+v", cfg.Classes)
	}
}

func TestMOHDiagnostics(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"custom mode", "[radio]\nmode=custom\napplication=/usr/bin/mpg123 -q -r 8000 -\n", `musiconhold.conf:2: warning: mode=custom is not supported`},
		{"bad sort", "[a]\nsort=shuffle\n", `musiconhold.conf:2: sort: "shuffle" is not one of random, alpha, randstart`},
		{"bad digit", "[a]\ndigit=12\n", `musiconhold.conf:2: digit: "12" is not a single key`},
		{"twice", "[a]\n[a]\n", `musiconhold.conf:2: music on hold class [a] is defined twice`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, msgs := loadMOH(t, tc.text); !strings.Contains(msgs, tc.want) {
				t.Fatalf("want %q in:\n%s", tc.want, msgs)
			}
		})
	}
}
