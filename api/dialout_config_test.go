package api

import (
	"strings"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
	"github.com/obelisk-pbx/obelisk/config/configtest"
	"github.com/obelisk-pbx/obelisk/outbound"
)

func loadDialout(t *testing.T, text string) (*DialoutConfig, string) {
	t.Helper()
	return configtest.Load(t, "dialout.conf", text, LoadDialoutConfig)
}

func mustParse(tb testing.TB, text string) *config.File {
	tb.Helper()
	f, diags := config.Parse("dialout.conf", strings.NewReader(text))
	if err := diags.Err(); err != nil {
		tb.Fatal(err)
	}
	return f
}

func TestDialoutConf(t *testing.T) {
	cfg, msgs := loadDialout(t, testDialout+"[bot2]\ntype=bot\ntrunk=pstn\ncontext=c\nexten=100\nrate=0.5\nburst=2\nconcurrent=1\nwaittime=20\nmachinehangup=no\nqueuetimeout=5\n")
	if msgs != "" {
		t.Fatal(msgs)
	}
	if c := cfg.Clients["crm"]; c == nil || c.Secret != "crm-secret" || c.Token != "223d0d870a364a4a" {
		t.Errorf("client %+v", c)
	}
	b := cfg.Bot("bot1")
	if b == nil || b.Trunk != "pstn" || b.CallerID != "0312345678" || b.Exten != "s" || b.Priority != 1 ||
		b.Limit != outbound.DefaultLimit || b.WaitTime != DefaultWaitTime || !b.MachineHangup || b.WebhookSecret != "whsec_test" {
		t.Errorf("bot1 %+v", b)
	}
	b2 := cfg.Bot("bot2")
	if b2.Limit != (outbound.Limit{Rate: 0.5, Burst: 2, Concurrent: 1}) || b2.WaitTime != 20*time.Second || b2.QueueTimeout != 5*time.Second || b2.MachineHangup || b2.Exten != "100" {
		t.Errorf("bot2 %+v", b2)
	}
	if cfg.Trunks["pstn"].Concurrent != 10 || cfg.RetryInterval != time.Second || cfg.WebhookRetries != DefaultWebhookRetries {
		t.Errorf("general/trunk %+v", cfg)
	}
}

func TestDialoutConfDiagnostics(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"no type", "[x]\nsecret=a\n", "dialout.conf:1: [x] needs type=client, type=bot or type=trunk"},
		{"bad type", "[x]\ntype=robot\n", `dialout.conf:2: type: "robot" is not one of client, bot, trunk`},
		{"client without secret", "[x]\ntype=client\n", "dialout.conf:1: client x: needs secret= or token="},
		{"bot without trunk", "[b]\ntype=bot\ncontext=c\n", "dialout.conf:1: bot b: needs trunk="},
		{"bot without context", "[b]\ntype=bot\ntrunk=t\n", "dialout.conf:1: bot b: needs context="},
		{"bad rate", "[b]\ntype=bot\ntrunk=t\ncontext=c\nrate=fast\n", `dialout.conf:5: rate: "fast" is not a number of calls a second`},
		{"bad concurrent", "[t]\ntype=trunk\nconcurrent=-1\n", "dialout.conf:3: concurrent: -1 is out of range"},
		{"shared token", "[a]\ntype=client\ntoken=x\n[b]\ntype=client\ntoken=x\n", "dialout.conf:4: client b: token already used by client a"},
		{"unknown", "[b]\ntype=trunk\ncolour=red\n", `dialout.conf:3: warning: unknown option "colour" in [b]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, msgs := loadDialout(t, tc.text); !strings.Contains(msgs, tc.want) {
				t.Fatalf("want %q in:\n%s", tc.want, msgs)
			}
		})
	}
}
