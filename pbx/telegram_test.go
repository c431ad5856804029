package pbx

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/obelisk-pbx/obelisk/telegram"
)

// TestTelegramConfRoutesNameTrunks: a route's trunk must be a trunk of
// sip.conf (an endpoint with a host), reported at the route's line.
func TestTelegramConfRoutesNameTrunks(t *testing.T) {
	sipConf := "[general]\nbindaddr=127.0.0.1\n\n[pstn]\ntype=peer\nhost=192.0.2.10\ncontext=from-pstn\n\n" +
		"[1001]\ntype=friend\nhost=dynamic\nsecret=x\ncontext=from-pstn\n"
	tests := []struct {
		name, conf, want string
	}{
		{"trunk", "[M]\ntrunk=pstn\ncallerid=+15551234567\n", ""},
		{"unknown", "[general]\n\n[D]\ntrunk=nosuch\n", `telegram.conf:3: [D]: trunk "nosuch" is not an endpoint of sip.conf`},
		{"phone", "[M]\ntrunk=1001\n", `telegram.conf:1: [M]: "1001" is not a trunk with a host in sip.conf`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"extensions.conf": {Data: []byte("[from-pstn]\nexten => _X.,1,Hangup()\n")},
				"sip.conf":        {Data: []byte(sipConf)},
				TelegramConf:      {Data: []byte(tc.conf)},
			}
			cfg, diags := LoadConfig(fsys, NewRegistry())
			err := diags.Err()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if rc := cfg.Telegram.Routes[telegram.RouteMain]; rc.Trunk != "pstn" || rc.CallerID != "+15551234567" {
					t.Fatalf("route M %+v", rc)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("errors %v, want %q", err, tc.want)
			}
		})
	}
}

// TestTelegramConfAbsent: without telegram.conf there is no bot.
func TestTelegramConfAbsent(t *testing.T) {
	cfg, diags := LoadConfig(fstest.MapFS{"extensions.conf": {Data: []byte("[default]\n")}}, NewRegistry())
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	if cfg.Telegram != nil {
		t.Fatalf("a bot config without telegram.conf: %+v", cfg.Telegram)
	}
}
