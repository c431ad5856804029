package sip

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
	"github.com/obelisk-pbx/obelisk/config/configtest"
)

func parse(t *testing.T, name, text string) *config.File {
	t.Helper()
	f, diags := config.Parse(name, strings.NewReader(text))
	if err := diags.Err(); err != nil {
		t.Fatalf("parse: %v", err)
	}
	return f
}

func TestSIPConfDefaults(t *testing.T) {
	cfg, diags := LoadSIPConf(parse(t, "sip.conf", "[general]\n"))
	if len(diags) != 0 {
		t.Fatalf("diags: %s", configtest.Messages(diags))
	}
	g := cfg.General
	if g.AllowGuest || !g.AlwaysAuthReject || g.BindPort != 5060 || g.Context != "default" || g.DTMFMode != DTMFRFC2833 {
		t.Fatalf("defaults: %+v", g)
	}
	if len(g.Transports) != 1 || g.Transports[0] != TransportUDP {
		t.Fatalf("transports %v", g.Transports)
	}
}

func TestSIPConfSeedPeer(t *testing.T) {
	// Seed 001's agent, as its sip.conf figure shows it.
	cfg, diags := LoadSIPConf(parse(t, "sip.conf", `[general]
bindport=5062
tcpenable=yes
allowguest=no
localnet=192.168.0.0/255.255.0.0
localnet=10.0.0.0/8
externip=203.0.113.5
register => 0312345:pw@sip.provider.example:5070/0777
register => tls://trunkuser@example.com:s3cret:authu@sip.example.com~300

[agent](!)
type=friend
host=dynamic
context=agents
disallow=all
allow=ulaw
allow=alaw
nat=force_rport,comedia
qualify=yes

[101](agent)
secret=1234abcd
callerid="Agent AR 1" <101>
mailbox=101@VoiceMail
language=ar
call-limit=2
deny=0.0.0.0/0.0.0.0
permit=192.168.1.0/24

[pstn]
type=peer
host=192.0.2.10
context=from-pstn
insecure=port,invite
`))
	if err := diags.Err(); err != nil {
		t.Fatalf("errors: %s", configtest.Messages(diags))
	}
	g := cfg.General
	if g.BindPort != 5062 || len(g.Transports) != 2 || g.Transports[1] != TransportTCP || g.ExternAddr != "203.0.113.5" {
		t.Fatalf("general %+v", g)
	}
	if len(g.LocalNets) != 2 || g.LocalNets[0].String() != "192.168.0.0/16" || g.LocalNets[1].String() != "10.0.0.0/8" {
		t.Fatalf("localnets %v", g.LocalNets)
	}
	e := cfg.Endpoint("101")
	if e == nil || e.Kind != KindPhone || e.Type != PeerTypeFriend || e.Context != "agents" || e.Secret != "1234abcd" ||
		e.Language != "ar" || e.CallLimit != 2 || e.CallerID != (CallerID{"Agent AR 1", "101"}) ||
		len(e.Mailboxes) != 1 || e.Mailboxes[0] != "101@VoiceMail" || !e.NAT.ForceRport || !e.NAT.Comedia || !e.Qualify {
		t.Fatalf("endpoint 101: %+v", e)
	}
	if len(e.Codecs) != 2 || e.Codecs[0] != CodecULaw || e.Codecs[1] != CodecALaw {
		t.Fatalf("codecs %v", e.Codecs)
	}
	if e.ACL.Allows(netip.MustParseAddr("10.1.1.1")) || !e.ACL.Allows(netip.MustParseAddr("192.168.1.7")) {
		t.Fatalf("ACL %v", e.ACL)
	}
	p := cfg.Endpoint("pstn")
	if p.Kind != KindTrunk || p.Host != "192.0.2.10" || !p.Insecure.Port || !p.Insecure.Invite || len(p.Match) != 1 {
		t.Fatalf("pstn: %+v", p)
	}
	if cfg.Endpoint("agent") != nil {
		t.Fatal("the template became an endpoint")
	}
	if len(cfg.Registrations) != 2 {
		t.Fatalf("registrations %+v", cfg.Registrations)
	}
	r0, r1 := cfg.Registrations[0], cfg.Registrations[1]
	if r0.User != "0312345" || r0.Secret != "pw" || r0.Host != "sip.provider.example" || r0.Port != 5070 || r0.Exten != "0777" || r0.Pos.Line != 8 {
		t.Fatalf("register 0: %+v", r0)
	}
	if r1.Transport != TransportTLS || r1.User != "trunkuser" || r1.Domain != "example.com" || r1.Secret != "s3cret" ||
		r1.AuthUser != "authu" || r1.Host != "sip.example.com" || r1.Expiry != 300*time.Second {
		t.Fatalf("register 1: %+v", r1)
	}
}

func TestSIPConfDiagnostics(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"bad port", "[general]\nbindport=notaport\n", []string{`sip.conf:2: bindport: "notaport" is not a whole number`}},
		{"bad bool", "[general]\nallowguest=perhaps\n", []string{`sip.conf:2: allowguest: "perhaps" is not yes or no`}},
		{"unknown option", "[1001]\ntype=friend\nsecret=x\ncolour=blue\n", []string{`sip.conf:4: warning: unknown option "colour" in [1001]`}},
		{"no type", "[1001]\nsecret=x\n", []string{`sip.conf:1: [1001] has no type= (friend, peer or user)`}},
		{"bad type", "[1001]\ntype=buddy\nsecret=x\n", []string{`sip.conf:2: type: unknown type "buddy": want friend, peer or user`}},
		{"dynamic without secret", "[1001]\ntype=friend\nhost=dynamic\n", []string{`sip.conf:1: [1001] is a dynamic friend without a secret: anyone could register as it`}},
		{"unknown codec", "[1001]\ntype=friend\nsecret=x\nallow=ulaw,wibble\n", []string{`sip.conf:4: warning: allow: unknown codec "wibble" is ignored`}},
		{"unsupported codec", "[1001]\ntype=friend\nsecret=x\nallow=g729\n", []string{`sip.conf:4: warning: allow: codec "g729" is not supported by Obelisk and will not be offered`}},
		{"no usable codec", "[1001]\ntype=friend\nsecret=x\ndisallow=all\nallow=g729\n", []string{`sip.conf:1: [1001] allows no codec Obelisk supports (ulaw, alaw)`}},
		{"bad acl", "[1001]\ntype=friend\nsecret=x\npermit=300.1.1.1\n", []string{`sip.conf:4: permit: "300.1.1.1" is not an IP address`}},
		{"bad register", "[general]\nregister => nohost\n", []string{`sip.conf:2: register "nohost": want user[:secret]@host`}},
		{"bad dtmf", "[general]\ndtmfmode=smoke\n", []string{`sip.conf:2: dtmfmode: unknown DTMF mode "smoke": want rfc2833, info, inband or auto`}},
		{"duplicate peer", "[a]\ntype=peer\nhost=1.2.3.4\n[a]\ntype=peer\nhost=1.2.3.5\n", []string{`sip.conf:4: peer [a] is defined twice (first at sip.conf:1)`}},
		{"bad digest algorithm", "[general]\ndigestalgorithms=sha-256,crc32\n", []string{`sip.conf:2: digestalgorithms: unknown algorithm "crc32": want md5 or sha-256`}},
		{"directmedia", "[a]\ntype=peer\nhost=1.2.3.4\ndirectmedia=yes\n", []string{`sip.conf:4: warning: directmedia=yes is ignored`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := LoadSIPConf(parse(t, "sip.conf", tc.text))
			got := configtest.Messages(diags)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("diagnostics lack %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestApplyCodecsOrder(t *testing.T) {
	f := parse(t, "sip.conf", "[general]\nallow=alaw\n[a]\ntype=peer\nhost=1.2.3.4\nallow=ulaw\n[b]\ntype=peer\nhost=1.2.3.5\ndisallow=all\nallow=ulaw\nallow=alaw\ndisallow=ulaw\n")
	cfg, diags := LoadSIPConf(f)
	if diags.HasErrors() {
		t.Fatal(configtest.Messages(diags))
	}
	// [general] allow=alaw keeps the default order (alaw already there).
	if got := cfg.Endpoint("a").Codecs; len(got) != 2 || got[0] != CodecULaw {
		t.Fatalf("a: %v", got)
	}
	if got := cfg.Endpoint("b").Codecs; len(got) != 1 || got[0] != CodecALaw {
		t.Fatalf("b: %v", got)
	}
}

func TestParseNet(t *testing.T) {
	tests := []struct{ in, want string }{
		{"10.0.0.0/8", "10.0.0.0/8"},
		{"192.168.1.0/255.255.255.0", "192.168.1.0/24"},
		{"1.2.3.4", "1.2.3.4/32"},
		{"0.0.0.0/0.0.0.0", "0.0.0.0/0"},
		{"2001:db8::/32", "2001:db8::/32"},
	}
	for _, tc := range tests {
		got, err := config.ParseNet(tc.in)
		if err != nil || got.String() != tc.want {
			t.Errorf("config.ParseNet(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "1.2.3", "1.2.3.4/255.0.255.0", "1.2.3.4/40"} {
		if _, err := config.ParseNet(bad); err == nil {
			t.Errorf("config.ParseNet(%q) accepted", bad)
		}
	}
}

func TestEnumsRoundTrip(t *testing.T) {
	for _, m := range []DTMFMode{DTMFRFC2833, DTMFInfo, DTMFInband, DTMFAuto, DTMFAutoInfo} {
		if got, err := ParseDTMFMode(m.String()); err != nil || got != m {
			t.Errorf("DTMF %v: %v %v", m, got, err)
		}
	}
	for _, tr := range []Transport{TransportUDP, TransportTCP, TransportTLS} {
		if got, err := ParseTransport(tr.String()); err != nil || got != tr {
			t.Errorf("transport %v: %v %v", tr, got, err)
		}
	}
	for _, pt := range []PeerType{PeerTypeFriend, PeerTypePeer, PeerTypeUser} {
		if got, err := ParsePeerType(pt.String()); err != nil || got != pt {
			t.Errorf("type %v: %v %v", pt, got, err)
		}
	}
	if DTMFUnknown.String() != "unknown" || TransportUnknown.String() != "unknown" || KindUnknown.String() != "unknown" {
		t.Error("zero values should print unknown")
	}
}

func TestPJSIPConf(t *testing.T) {
	cfg, diags := LoadPJSIPConf(parse(t, "pjsip.conf", `[transport-udp]
type=transport
protocol=udp
bind=0.0.0.0:5070
local_net=192.168.0.0/16

[transport-tcp]
type=transport
protocol=tcp
bind=0.0.0.0:5070

[phone](!)
type=endpoint
context=agents
disallow=all
allow=ulaw
dtmf_mode=rfc4733
rtp_symmetric=yes
force_rport=yes
rewrite_contact=yes

[201](phone)
auth=201-auth
aors=201
callerid="Agent EN 1" <201>
mailboxes=201@VoiceMail
language=en

[201-auth]
type=auth
auth_type=userpass
username=201
password=en1-secret

[201]
type=aor
max_contacts=2
qualify_frequency=30

[provider]
type=endpoint
context=from-pstn
disallow=all
allow=alaw
aors=provider
outbound_auth=provider-auth
from_user=0312345

[provider]
type=aor
contact=sip:sip.provider.example:5060

[provider-auth]
type=auth
username=0312345
password=trunkpw

[provider-identify]
type=identify
endpoint=provider
match=192.0.2.10,198.51.100.0/24

[provider-reg]
type=registration
server_uri=sip:sip.provider.example:5060
client_uri=sip:0312345@sip.provider.example
outbound_auth=provider-auth
contact_user=0777
endpoint=provider
`))
	if err := diags.Err(); err != nil {
		t.Fatalf("errors: %s", configtest.Messages(diags))
	}
	g := cfg.General
	if g.BindPort != 5070 || len(g.Transports) != 2 || len(g.LocalNets) != 1 {
		t.Fatalf("general %+v", g)
	}
	e := cfg.Endpoint("201")
	if e == nil || e.Kind != KindPhone || e.Username != "201" || e.Secret != "en1-secret" || e.MaxContacts != 2 ||
		!e.Qualify || e.QualifyPeriod != 30*time.Second || e.Context != "agents" || !e.NAT.Comedia || !e.NAT.ForceRport ||
		e.CallerID.Num != "201" || e.Mailboxes[0] != "201@VoiceMail" {
		t.Fatalf("201: %+v", e)
	}
	p := cfg.Endpoint("provider")
	if p.Kind != KindTrunk || p.Host != "sip.provider.example:5060" || p.Secret != "trunkpw" || len(p.Match) != 2 ||
		!p.Match[1].Contains(netip.MustParseAddr("198.51.100.7")) || !p.Insecure.Invite || p.Codecs[0] != CodecALaw {
		t.Fatalf("provider: %+v", p)
	}
	if len(cfg.Registrations) != 1 {
		t.Fatal(cfg.Registrations)
	}
	r := cfg.Registrations[0]
	if r.Host != "sip.provider.example" || r.Port != 5060 || r.User != "0312345" || r.Secret != "trunkpw" || r.Exten != "0777" || r.Endpoint != "provider" {
		t.Fatalf("registration %+v", r)
	}
}

func TestPJSIPConfDiagnostics(t *testing.T) {
	tests := []struct {
		name, text string
		want       string
	}{
		{"missing auth", "[a]\ntype=endpoint\nauth=nope\naors=a\nallow=ulaw\n[a]\ntype=aor\n", `pjsip.conf:3: auth: no type=auth section [nope]`},
		{"missing aor", "[a]\ntype=endpoint\naors=nope\nallow=ulaw\n", `pjsip.conf:3: aors: no type=aor section [nope]`},
		{"no type", "[a]\ncontext=x\n", `pjsip.conf:1: [a] has no type=`},
		{"bad type", "[a]\ntype=thing\n", `pjsip.conf:2: type: "thing" is not one of`},
		{"identify unknown endpoint", "[i]\ntype=identify\nendpoint=ghost\nmatch=1.2.3.4\n", `pjsip.conf:1: identify [i]: endpoint "ghost" does not exist`},
		{"phone without auth", "[a]\ntype=endpoint\naors=a\nallow=ulaw\n[a]\ntype=aor\nmax_contacts=1\n", `pjsip.conf:1: endpoint [a] has no auth=: anyone could register as it`},
		{"unknown option", "[t]\ntype=transport\nprotocol=udp\nbind=0.0.0.0:5060\nflavour=mint\n", `pjsip.conf:5: warning: unknown option "flavour" in [t]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := LoadPJSIPConf(parse(t, "pjsip.conf", tc.text))
			if got := configtest.Messages(diags); !strings.Contains(got, tc.want) {
				t.Errorf("diagnostics lack %q:\n%s", tc.want, got)
			}
		})
	}
}

type configFile = config.File

func mustParse(t *testing.T, name, text string) *config.File { return parse(t, name, text) }
