package voicemail

import (
	"strings"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/config/configtest"
)

func load(t *testing.T, text string) (*Config, string) {
	t.Helper()
	return configtest.Load(t, "voicemail.conf", text, LoadConfig)
}

func TestVoicemailConf(t *testing.T) {
	cfg, msgs := load(t, `[general]
format=wav
maxmsg=50
maxsecs=180
minsecs=2
maxsilence=10
attach=yes
serveremail=pbx@example.com

[zonemessages]
eastern=America/New_York|'vm-received' Q 'digits/at' IMp

[VoiceMail]
101 => 1101,Agent AR 1,ar1@example.com,,attach=no|tz=eastern
600 => -1600,Complaints
`)
	if msgs != "" {
		t.Fatalf("diagnostics: %s", msgs)
	}
	g := cfg.General
	if g.MaxMsg != 50 || g.MaxSecs != 180*time.Second || g.MinSecs != 2*time.Second || g.MaxSilence != 10*time.Second || !g.Attach || g.MaxLogins != 3 {
		t.Fatalf("general %+v", g)
	}
	if len(cfg.Zones) != 1 || cfg.Zones[0].Location != "America/New_York" {
		t.Fatalf("zones %+v", cfg.Zones)
	}
	m := cfg.Mailbox("101@VoiceMail")
	if m == nil || m.Password != "1101" || m.FullName != "Agent AR 1" || m.Email != "ar1@example.com" || m.Options["tz"] != "eastern" || m.Options["attach"] != "no" {
		t.Fatalf("101: %+v", m)
	}
	c := cfg.Mailbox("600@VoiceMail")
	if c == nil || c.Password != "1600" || !c.FixedPassword {
		t.Fatalf("600: %+v", c)
	}
	if got := cfg.Contexts(); len(got) != 1 || got[0] != "VoiceMail" {
		t.Fatalf("contexts %v", got)
	}
	if cfg.Mailbox("101") != nil {
		t.Fatal("101 without context must look in default")
	}
}

func TestVoicemailDiagnostics(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"no password", "[default]\n100 => \n", `voicemail.conf:2: mailbox 100 has no password`},
		{"twice", "[default]\n100 => 1\n100 => 2\n", `voicemail.conf:3: mailbox 100@default is defined twice (first at voicemail.conf:2)`},
		{"bad option", "[default]\n100 => 1,A,,,attach\n", `voicemail.conf:2: mailbox 100: option "attach" is not key=value`},
		{"bad zone", "[zonemessages]\nmars=Mars/Olympus|'vm-received'\n", `voicemail.conf:2: zone mars: unknown time zone "Mars/Olympus"`},
		{"bad number", "[general]\nmaxmsg=lots\n", `voicemail.conf:2: maxmsg: "lots" is not a whole number`},
		{"unsupported format", "[general]\nformat=wav49|gsm\n", `voicemail.conf:2: warning: format: Obelisk records wav; "wav49" is ignored`},
		{"unknown option", "[general]\nfoo=bar\n", `voicemail.conf:2: warning: unknown option "foo" in [general]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, msgs := load(t, tc.text); !strings.Contains(msgs, tc.want) {
				t.Fatalf("want %q in:\n%s", tc.want, msgs)
			}
		})
	}
}
