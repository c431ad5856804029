package telegram

import (
	"strings"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

func loadConf(t *testing.T, text string) (*Config, config.Diagnostics) {
	t.Helper()
	f, diags := config.Parse("telegram.conf", strings.NewReader(text))
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	return LoadConfig(f)
}

func TestLoadConfig(t *testing.T) {
	cfg, diags := loadConf(t, `[general]
enabled=yes
tokenenv=BOT_TOKEN
apiurl=http://127.0.0.1:8081/
superadmin=111,222
superadmin=333
agenttimeout=20

[M]
trunk=pstn
callerid=(555) 123-4567

[D]
trunk=devtrunk
callerid=+15557654321
targettimeout=10
`)
	if err := diags.Err(); err != nil || len(diags) != 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	if !cfg.Enabled || cfg.TokenEnv != "BOT_TOKEN" || cfg.Endpoint() != "http://127.0.0.1:8081/bot%s/%s" {
		t.Errorf("general: %+v, endpoint %q", cfg, cfg.Endpoint())
	}
	if len(cfg.SuperAdmins) != 3 || !cfg.IsSuperAdmin(222) || cfg.IsSuperAdmin(444) {
		t.Errorf("super-admins %v", cfg.SuperAdmins)
	}
	m, d := cfg.Routes[RouteMain], cfg.Routes[RouteDevelopment]
	if m.Trunk != "pstn" || m.CallerID != "+15551234567" || m.AgentTimeout != 20*time.Second || m.TargetTimeout != DefaultTargetTimeout {
		t.Errorf("M: %+v", m)
	}
	if d.Trunk != "devtrunk" || d.CallerID != "+15557654321" || d.AgentTimeout != 20*time.Second || d.TargetTimeout != 10*time.Second {
		t.Errorf("D: %+v", d)
	}
	if cfg.PollTimeout != DefaultPollTimeout {
		t.Errorf("poll timeout %v", cfg.PollTimeout)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"no token", "[general]\nenabled=yes\nsuperadmin=1\n[M]\ntrunk=pstn\n", "telegram.conf:1: enabled=yes needs token= or tokenenv="},
		{"no admin", "[general]\nenabled=yes\ntoken=x\n[M]\ntrunk=pstn\n", "telegram.conf:1: enabled=yes needs superadmin="},
		{"bad admin", "[general]\nsuperadmin=bob\n", "telegram.conf:2: superadmin: \"bob\" is not a Telegram user id"},
		{"bad url", "[general]\napiurl=ftp://x\n", "telegram.conf:2: apiurl: \"ftp://x\" is not an http(s) URL"},
		{"bad route", "[X]\ntrunk=pstn\n", "telegram.conf:1: [X]: a route section is [M] (Main) or [D] (Development)"},
		{"no trunk", "[D]\ncallerid=+15551234567\n", "telegram.conf:1: [D]: trunk= is required"},
		{"bad callerid", "[M]\ntrunk=pstn\ncallerid=abc\n", "telegram.conf:3: callerid: invalid number"},
		{"bad timeout", "[general]\nagenttimeout=soon\n", "telegram.conf:2: agenttimeout: \"soon\" is not a whole number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := loadConf(t, tc.text)
			err := diags.Err()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("errors %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLoadConfigUnknownOptionWarns(t *testing.T) {
	_, diags := loadConf(t, "[general]\ncolour=blue\n")
	if diags.Err() != nil || len(diags) != 1 || !strings.HasPrefix(diags[0].Error(), "telegram.conf:2:") || !strings.Contains(diags[0].Error(), `unknown option "colour"`) {
		t.Fatalf("diagnostics %v", diags)
	}
}
