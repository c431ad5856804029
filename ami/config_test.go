package ami

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/obelisk-pbx/obelisk/config/configtest"
)

func load(t *testing.T, text string) (*Config, string) {
	t.Helper()
	return configtest.Load(t, "manager.conf", text, LoadConfig)
}

func TestManagerConf(t *testing.T) {
	cfg, msgs := load(t, `[general]
enabled=yes
port=5039
bindaddr=127.0.0.1

[admin]
secret=s3cret
deny=0.0.0.0/0.0.0.0
permit=127.0.0.1/255.255.255.255
read=system,call,dtmf
write=all
eventfilter=!Event: RTCP*
`)
	if msgs != "" {
		t.Fatalf("diagnostics: %s", msgs)
	}
	if !cfg.General.Enabled || cfg.General.Port != 5039 || cfg.General.BindAddr != "127.0.0.1" {
		t.Fatalf("general %+v", cfg.General)
	}
	u := cfg.User("admin")
	if u == nil || u.Secret != "s3cret" || !u.CanRead("dtmf") || u.CanRead("agent") || !u.CanWrite("originate") || len(u.EventFilters) != 1 {
		t.Fatalf("admin %+v", u)
	}
	if u.ACL.Allows(netip.MustParseAddr("10.0.0.1")) || !u.ACL.Allows(netip.MustParseAddr("127.0.0.1")) {
		t.Fatalf("ACL %v", u.ACL)
	}
}

func TestManagerDefaultsOff(t *testing.T) {
	cfg, _ := load(t, "[general]\n")
	if cfg.General.Enabled || cfg.General.Port != DefaultPort {
		t.Fatalf("%+v", cfg.General)
	}
}

func TestManagerDiagnostics(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"no secret", "[bob]\nread=all\n", `manager.conf:1: manager user [bob] has no secret`},
		{"bad class", "[bob]\nsecret=x\nread=system,gossip\n", `manager.conf:3: warning: read: unknown class "gossip"`},
		{"bad acl", "[bob]\nsecret=x\npermit=nowhere\n", `manager.conf:3: permit: "nowhere" is not an IP address`},
		{"bad port", "[general]\nport=99999\n", `manager.conf:2: port: 99999 is out of range 1..65535`},
		{"bad bind", "[general]\nbindaddr=localhost\n", `manager.conf:2: bindaddr: "localhost" is not an IP address`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, msgs := load(t, tc.text); !strings.Contains(msgs, tc.want) {
				t.Fatalf("want %q in:\n%s", tc.want, msgs)
			}
		})
	}
}
