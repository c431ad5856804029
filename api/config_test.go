package api

import (
	"strings"
	"testing"

	"github.com/obelisk-pbx/obelisk/config/configtest"
)

func load(t *testing.T, text string) (*Config, string) {
	t.Helper()
	return configtest.Load(t, "http.conf", text, LoadConfig)
}

func TestHTTPConf(t *testing.T) {
	cfg, msgs := load(t, "[general]\nenabled=yes\nbindaddr=0.0.0.0\nbindport=8090\nprefix=/asterisk/\n")
	if msgs != "" {
		t.Fatal(msgs)
	}
	if !cfg.Enabled || cfg.BindAddr != "0.0.0.0" || cfg.BindPort != 8090 || cfg.Prefix != "asterisk" {
		t.Fatalf("%+v", cfg)
	}
	def, _ := load(t, "[general]\n")
	if def.Enabled || def.BindPort != DefaultBindPort || def.BindAddr != "127.0.0.1" {
		t.Fatalf("defaults %+v", def)
	}
}

func TestHTTPConfDiagnostics(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"bad port", "[general]\nbindport=http\n", `http.conf:2: bindport: "http" is not a whole number`},
		{"bad addr", "[general]\nbindaddr=everywhere\n", `http.conf:2: bindaddr: "everywhere" is not an IP address`},
		{"tls without cert", "[general]\ntlsenable=yes\n", `http.conf:1: tlsenable=yes needs tlscertfile`},
		{"unknown", "[general]\ncolour=red\n", `http.conf:2: warning: unknown option "colour" in [general]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, msgs := load(t, tc.text); !strings.Contains(msgs, tc.want) {
				t.Fatalf("want %q in:\n%s", tc.want, msgs)
			}
		})
	}
}
