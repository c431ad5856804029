package sip

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
)

const identifyConf = `[general]
realm=obelisk
context=guests
[1001]
type=friend
host=dynamic
secret=pw1001
context=phones
[pstn]
type=peer
host=192.0.2.10
port=5060
context=from-pstn
insecure=port,invite
[peerpbx]
type=peer
host=198.51.100.20
port=5060
secret=trunkpw
context=from-pbx
`

func invite(t *testing.T, from, src string, headers ...string) *sipgosip.Request {
	t.Helper()
	raw := fmt.Sprintf("INVITE sip:0777@obelisk SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s;branch=z9hG4bK1\r\nFrom: <sip:%s@obelisk>;tag=1\r\nTo: <sip:0777@obelisk>\r\n"+
		"Call-ID: inv-1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:%s@%s>\r\n%sContent-Length: 0\r\n\r\n",
		src, from, from, src, joinHeaders(headers))
	msg, err := sipgosip.ParseMessage([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	req := msg.(*sipgosip.Request)
	req.SetSource(src)
	return req
}

func TestIdentify(t *testing.T) {
	cfg, diags := LoadSIPConf(parseConf(t, identifyConf))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	clk := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	auth := NewDigestAuth("obelisk", 30*time.Second, clk.now)
	bans := NewAuthBans(0, 0, 0, clk.now, nil)
	id := &Identifier{Config: func() *Config { return cfg }, Auth: auth, Bans: bans}

	answer := func(req *sipgosip.Request, user, pw string) string {
		tx := &fakeTx{}
		_, err := id.Identify(req, tx)
		if !errors.Is(err, ErrChallenged) || tx.res[0].StatusCode != 407 {
			t.Fatalf("no challenge: %v %v", err, tx.res)
		}
		c := tx.res[0].GetHeader("Proxy-Authenticate").Value()
		nonce := c[strings.Index(c, `nonce="`)+7:]
		nonce = nonce[:strings.IndexByte(nonce, '"')]
		resp := DigestResponse("MD5", user, "obelisk", pw, "INVITE", "sip:0777@obelisk", nonce, "00000001", "cn", "auth")
		return fmt.Sprintf(`Proxy-Authorization: Digest username="%s", realm="obelisk", nonce="%s", uri="sip:0777@obelisk", response="%s", algorithm=MD5, qop=auth, nc=00000001, cnonce="cn"`, user, nonce, resp)
	}

	t.Run("trunk by address with insecure=port,invite", func(t *testing.T) {
		got, err := id.Identify(invite(t, "+212555", "192.0.2.10:5099"), &fakeTx{})
		if err != nil || got.Endpoint.Name != "pstn" || got.Context != "from-pstn" || got.Authenticated {
			t.Fatalf("%+v %v", got, err)
		}
	})
	t.Run("trunk without insecure must authenticate", func(t *testing.T) {
		req := invite(t, "peerpbx", "198.51.100.20:5060")
		h := answer(req, "peerpbx", "trunkpw")
		got, err := id.Identify(invite(t, "peerpbx", "198.51.100.20:5060", h), &fakeTx{})
		if err != nil || got.Endpoint.Name != "peerpbx" || !got.Authenticated {
			t.Fatalf("%+v %v", got, err)
		}
	})
	t.Run("trunk address on another port is not the trunk", func(t *testing.T) {
		tx := &fakeTx{}
		_, err := id.Identify(invite(t, "someone", "198.51.100.20:5099"), tx)
		if !errors.Is(err, ErrChallenged) {
			t.Fatalf("want a challenge, got %v", err)
		}
	})
	t.Run("phone answers the challenge", func(t *testing.T) {
		h := answer(invite(t, "1001", "192.0.2.5:5062"), "1001", "pw1001")
		got, err := id.Identify(invite(t, "1001", "192.0.2.5:5062", h), &fakeTx{})
		if err != nil || got.Endpoint.Name != "1001" || got.Context != "phones" {
			t.Fatalf("%+v %v", got, err)
		}
	})
	t.Run("wrong password and unknown user both get 403", func(t *testing.T) {
		for _, user := range []string{"1001", "4242"} {
			h := answer(invite(t, user, "192.0.2.6:5062"), user, "guess")
			_, err := id.Identify(invite(t, user, "192.0.2.6:5062", h), &fakeTx{})
			var se *StatusError
			if !errors.As(err, &se) || se.Code != 403 {
				t.Fatalf("%s: %v", user, err)
			}
		}
	})
	t.Run("guests only with allowguest", func(t *testing.T) {
		tx := &fakeTx{}
		if _, err := id.Identify(invite(t, "anonymous", "203.0.113.1:5060"), tx); !errors.Is(err, ErrChallenged) {
			t.Fatalf("guest reached a context without allowguest: %v", err)
		}
		cfg.General.AllowGuest = true
		defer func() { cfg.General.AllowGuest = false }()
		got, err := id.Identify(invite(t, "anonymous", "203.0.113.1:5060"), &fakeTx{})
		if err != nil || got.Endpoint != nil || got.Context != "guests" {
			t.Fatalf("%+v %v", got, err)
		}
	})
}
