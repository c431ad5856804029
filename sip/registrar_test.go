package sip

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
	bolt "go.etcd.io/bbolt"
)

// fakeTx records the responses a handler sends.
type fakeTx struct {
	sipgosip.ServerTransaction
	res []*sipgosip.Response
}

func (f *fakeTx) Respond(r *sipgosip.Response) error {
	f.res = append(f.res, r)
	return nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

type regFixture struct {
	t     *testing.T
	clk   *clock
	reg   *Registrar
	srv   *Server
	auth  *DigestAuth
	bans  *AuthBans
	logs  *bytes.Buffer
	cseq  int
	store BindingStore
}

func newRegFixture(t *testing.T, store BindingStore) *regFixture {
	t.Helper()
	cfg, diags := LoadSIPConf(parseConf(t, `[general]
realm=obelisk
minexpiry=60
maxexpiry=3600
[1001]
type=friend
host=dynamic
secret=pw1001
[1002]
type=friend
host=dynamic
secret=pw1002
defaultuser=alice
`))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	clk := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	if store == nil {
		store = NewMemBindingStore()
	}
	loc, err := NewLocation(store)
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	auth := NewDigestAuth("obelisk", 30*time.Second, clk.now)
	if err := auth.SetAlgorithms([]string{"SHA-256", "MD5"}); err != nil {
		t.Fatal(err)
	}
	bans := NewAuthBans(3, time.Minute, 10*time.Minute, clk.now, log)
	reg := NewRegistrar(RegistrarOptions{Config: func() *Config { return cfg }, Location: loc, Auth: auth, Bans: bans, Now: clk.now, Logger: log})
	srv, err := NewServer(ServerOptions{Config: cfg, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return &regFixture{t: t, clk: clk, reg: reg, srv: srv, auth: auth, bans: bans, logs: logs, store: store}
}

func parseConf(t *testing.T, text string) *configFile {
	t.Helper()
	return mustParse(t, "sip.conf", text)
}

// register sends a REGISTER for aor from src with extra headers and
// returns the response.
func (f *regFixture) register(aor, src string, headers ...string) *sipgosip.Response {
	f.t.Helper()
	f.cseq++
	raw := fmt.Sprintf("REGISTER sip:obelisk SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s;branch=z9hG4bK%d\r\n"+
		"From: <sip:%s@obelisk>;tag=abc\r\n"+
		"To: <sip:%s@obelisk>\r\n"+
		"Call-ID: call-%s\r\n"+
		"CSeq: %d REGISTER\r\n"+
		"Max-Forwards: 70\r\n"+
		"%s"+
		"Content-Length: 0\r\n\r\n", src, f.cseq, aor, aor, aor, f.cseq, joinHeaders(headers))
	msg, err := sipgosip.ParseMessage([]byte(raw))
	if err != nil {
		f.t.Fatalf("parse: %v\n%s", err, raw)
	}
	req := msg.(*sipgosip.Request)
	req.SetSource(src)
	req.SetTransport("UDP")
	tx := &fakeTx{}
	f.srv.serve(f.reg.Handle, req, tx)
	if len(tx.res) == 0 {
		return nil
	}
	return tx.res[0]
}

func joinHeaders(hs []string) string {
	var b strings.Builder
	for _, h := range hs {
		b.WriteString(h + "\r\n")
	}
	return b.String()
}

// authorize answers the challenge of res for user/password.
func (f *regFixture) authorize(res *sipgosip.Response, alg, user, password string, nc int) string {
	f.t.Helper()
	var nonce string
	for _, h := range res.GetHeaders("WWW-Authenticate") {
		if strings.Contains(h.Value(), "algorithm="+alg+",") {
			c, err := ParseCredentials(strings.Replace(h.Value(), "Digest ", "Digest username=\"x\", uri=\"x\", response=\"x\", ", 1))
			if err != nil {
				f.t.Fatal(err)
			}
			nonce = c.Nonce
		}
	}
	if nonce == "" {
		f.t.Fatalf("no %s challenge in %v", alg, res)
	}
	ncs := fmt.Sprintf("%08x", nc)
	resp := DigestResponse(alg, user, "obelisk", password, "REGISTER", "sip:obelisk", nonce, ncs, "cn0nce", "auth")
	return fmt.Sprintf(`Authorization: Digest username="%s", realm="obelisk", nonce="%s", uri="sip:obelisk", response="%s", algorithm=%s, qop=auth, nc=%s, cnonce="cn0nce"`,
		user, nonce, resp, alg, ncs)
}

func TestRegisterDigest(t *testing.T) {
	for _, alg := range []string{"MD5", "SHA-256"} {
		t.Run(alg, func(t *testing.T) {
			f := newRegFixture(t, nil)
			contact := "Contact: <sip:1001@192.0.2.5:5062>"
			res := f.register("1001", "192.0.2.5:5062", contact, "Expires: 120")
			if res.StatusCode != 401 || len(res.GetHeaders("WWW-Authenticate")) != 2 {
				t.Fatalf("first REGISTER: %v", res)
			}
			res = f.register("1001", "192.0.2.5:5062", contact, "Expires: 120", f.authorize(res, alg, "1001", "pw1001", 1))
			if res.StatusCode != 200 {
				t.Fatalf("authorized REGISTER: %d %s", res.StatusCode, res.Reason)
			}
			if c := res.GetHeader("Contact"); c == nil || !strings.Contains(c.Value(), "expires=120") {
				t.Fatalf("200 OK contact: %v", res)
			}
			bs := f.reg.Location().Lookup("1001", f.clk.t)
			if len(bs) != 1 || bs[0].Source != "192.0.2.5:5062" || !bs[0].Expires.Equal(f.clk.t.Add(120*time.Second)) {
				t.Fatalf("bindings %+v", bs)
			}
		})
	}
}

func TestRegisterRejections(t *testing.T) {
	f := newRegFixture(t, nil)
	contact := "Contact: <sip:1001@192.0.2.5:5062>"
	ch := f.register("1001", "192.0.2.5:5062", contact)

	wrong := f.register("1001", "192.0.2.5:5062", contact, f.authorize(ch, "MD5", "1001", "nope", 1))
	unknown := f.register("9999", "192.0.2.6:5062", contact, f.authorize(ch, "MD5", "9999", "nope", 1))
	if wrong.StatusCode != 403 || unknown.StatusCode != 403 || wrong.Reason != unknown.Reason {
		t.Fatalf("wrong password %d %s, unknown user %d %s: must look alike", wrong.StatusCode, wrong.Reason, unknown.StatusCode, unknown.Reason)
	}
	ch9 := f.register("9999", "192.0.2.6:5062", contact)
	if ch9.StatusCode != 401 || len(ch9.GetHeaders("WWW-Authenticate")) != len(ch.GetHeaders("WWW-Authenticate")) {
		t.Fatalf("unknown user challenge differs: %v", ch9)
	}

	// Someone else's credentials for this AOR: 1002's auth user is alice.
	res := f.register("1001", "192.0.2.5:5062", contact, f.authorize(ch, "MD5", "alice", "pw1002", 2))
	if res.StatusCode != 403 {
		t.Fatalf("foreign user for AOR: %d", res.StatusCode)
	}
}

func TestRegisterStaleAndReplay(t *testing.T) {
	f := newRegFixture(t, nil)
	contact := "Contact: <sip:1001@192.0.2.5:5062>"
	ch := f.register("1001", "192.0.2.5:5062", contact)
	authz := f.authorize(ch, "MD5", "1001", "pw1001", 1)
	if res := f.register("1001", "192.0.2.5:5062", contact, authz); res.StatusCode != 200 {
		t.Fatalf("first: %d", res.StatusCode)
	}
	if res := f.register("1001", "192.0.2.5:5062", contact, authz); res.StatusCode != 403 {
		t.Fatalf("replayed nc: %d, want 403", res.StatusCode)
	}
	f.clk.t = f.clk.t.Add(time.Minute)
	res := f.register("1001", "192.0.2.5:5062", contact, f.authorize(ch, "MD5", "1001", "pw1001", 2))
	if res.StatusCode != 401 || !strings.Contains(res.GetHeader("WWW-Authenticate").Value(), "stale=true") {
		t.Fatalf("expired nonce: %v", res)
	}
}

func (f *regFixture) ok(aor, src string, headers ...string) *sipgosip.Response {
	f.t.Helper()
	ch := f.register(aor, src, headers...)
	pw := map[string]string{"1001": "pw1001", "1002": "pw1002"}[aor]
	user := aor
	if aor == "1002" {
		user = "alice"
	}
	return f.register(aor, src, append(headers, f.authorize(ch, "MD5", user, pw, 1))...)
}

func TestRegisterBindingRules(t *testing.T) {
	f := newRegFixture(t, nil)
	a, b := "Contact: <sip:1001@192.0.2.5:5062>", "Contact: <sip:1001@192.0.2.7:5062>"

	if res := f.ok("1001", "192.0.2.5:5062", a, "Expires: 30"); res.StatusCode != 423 || res.GetHeader("Min-Expires").Value() != "60" {
		t.Fatalf("too brief: %v", res)
	}
	if res := f.ok("1001", "192.0.2.5:5062", a, "Expires: 99999"); res.StatusCode != 200 || !strings.Contains(res.GetHeader("Contact").Value(), "expires=3600") {
		t.Fatalf("clamped: %v", res)
	}
	// max contacts 1 (chan_sip default): a second phone replaces the first.
	if res := f.ok("1001", "192.0.2.7:5062", b+";expires=300"); res.StatusCode != 200 {
		t.Fatalf("second contact: %v", res)
	}
	bs := f.reg.Location().Lookup("1001", f.clk.t)
	if len(bs) != 1 || !strings.Contains(bs[0].Contact, "192.0.2.7") || !bs[0].Expires.Equal(f.clk.t.Add(300*time.Second)) {
		t.Fatalf("bindings after replace: %+v", bs)
	}
	// Contact: * with Expires: 0 removes everything; without Expires 0 it is 400.
	if res := f.ok("1001", "192.0.2.7:5062", "Contact: *"); res.StatusCode != 400 {
		t.Fatalf("wildcard without Expires 0: %d", res.StatusCode)
	}
	if res := f.ok("1001", "192.0.2.7:5062", "Contact: *", "Expires: 0"); res.StatusCode != 200 {
		t.Fatalf("wildcard: %v", res)
	}
	if bs := f.reg.Location().Lookup("1001", f.clk.t); len(bs) != 0 {
		t.Fatalf("bindings after unregister: %+v", bs)
	}
	// expiry and sweep
	f.ok("1001", "192.0.2.5:5062", a, "Expires: 60")
	f.clk.t = f.clk.t.Add(61 * time.Second)
	if bs := f.reg.Location().Lookup("1001", f.clk.t); len(bs) != 0 {
		t.Fatalf("expired binding still returned: %+v", bs)
	}
	gone, err := f.reg.Location().Sweep(f.clk.t)
	if err != nil || len(gone) != 1 {
		t.Fatalf("sweep: %v %v", gone, err)
	}
}

func TestRegisterBansBruteForce(t *testing.T) {
	f := newRegFixture(t, nil)
	contact := "Contact: <sip:1001@203.0.113.9:5062>"
	for i := 1; i <= 3; i++ {
		ch := f.register("1001", "203.0.113.9:5062", contact)
		if res := f.register("1001", "203.0.113.9:5062", contact, f.authorize(ch, "MD5", "1001", fmt.Sprintf("guess%d", i), 1)); res.StatusCode != 403 {
			t.Fatalf("attempt %d: %d", i, res.StatusCode)
		}
	}
	if res := f.register("1001", "203.0.113.9:5062", contact); res != nil {
		t.Fatalf("blocked address answered: %v", res)
	}
	if !f.bans.Banned(netip.MustParseAddr("203.0.113.9")) {
		t.Fatal("not banned")
	}
	if !strings.Contains(f.logs.String(), `msg="blocking address after repeated authentication failures" component=security addr=203.0.113.9 failures=3`) {
		t.Fatalf("no ban log line:\n%s", f.logs.String())
	}
	// Other addresses still register.
	if res := f.ok("1001", "192.0.2.5:5062", "Contact: <sip:1001@192.0.2.5:5062>"); res.StatusCode != 200 {
		t.Fatalf("other address: %d", res.StatusCode)
	}
	f.clk.t = f.clk.t.Add(11 * time.Minute)
	if f.bans.Banned(netip.MustParseAddr("203.0.113.9")) {
		t.Fatal("ban did not expire")
	}
}

func TestBindingsSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "obelisk.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	store, err := NewBoltBindingStore(db)
	if err != nil {
		t.Fatal(err)
	}
	f := newRegFixture(t, store)
	if res := f.ok("1001", "192.0.2.5:5062", "Contact: <sip:1001@192.0.2.5:5062>", "Expires: 600"); res.StatusCode != 200 {
		t.Fatalf("register: %d", res.StatusCode)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store2, err := NewBoltBindingStore(db)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := NewLocation(store2)
	if err != nil {
		t.Fatal(err)
	}
	bs := loc.Lookup("1001", f.clk.t)
	if len(bs) != 1 || bs[0].Contact != "sip:1001@192.0.2.5:5062" {
		t.Fatalf("after restart: %+v", bs)
	}
}

func TestParseCredentials(t *testing.T) {
	c, err := ParseCredentials(`Digest username="10\"01", realm="obelisk", nonce="abc", uri="sip:x", response="ABCDEF", qop=auth, nc=00000001, cnonce="c, n", algorithm=SHA-256`)
	if err != nil || c.Username != `10"01` || c.CNonce != "c, n" || c.Response != "abcdef" || c.Algorithm != "SHA-256" || c.NC != "00000001" {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range []string{"", "Basic abc", "Digest", `Digest username="x`, "Digest =x", `Digest username="x", nonce="n"`} {
		if _, err := ParseCredentials(bad); err == nil {
			t.Errorf("ParseCredentials(%q) accepted", bad)
		}
	}
}

func FuzzParseCredentials(f *testing.F) {
	f.Add(`Digest username="1001", realm="obelisk", nonce="abc", uri="sip:x", response="0", qop=auth, nc=00000001, cnonce="c"`)
	f.Add(`Digest a="\"`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCredentials(s)
		if err == nil && (c.Username == "" || c.Nonce == "") {
			t.Fatalf("accepted without username or nonce: %q", s)
		}
	})
}

func TestDigestAlgorithmsOffered(t *testing.T) {
	a := NewDigestAuth("obelisk", time.Minute, nil)
	if ch := a.Challenges(false); len(ch) != 1 || !strings.Contains(ch[0], "algorithm=MD5") {
		t.Fatalf("default challenges %v, want MD5 only", ch)
	}
	nonceOf := func(ch string) string {
		n := ch[strings.Index(ch, `nonce="`)+7:]
		return n[:strings.IndexByte(n, '"')]
	}
	n := nonceOf(a.Challenges(false)[0])
	resp := DigestResponse("SHA-256", "1001", "obelisk", "pw", "REGISTER", "sip:x", n, "00000001", "c", "auth")
	c := Credentials{Username: "1001", Realm: "obelisk", Nonce: n, URI: "sip:x", Response: resp, Algorithm: "SHA-256", QOP: "auth", NC: "00000001", CNonce: "c"}
	if err := a.Verify("REGISTER", c, "pw"); err != ErrAuthFailed {
		t.Fatalf("SHA-256 answer to an MD5-only challenge: %v", err)
	}
	if err := a.SetAlgorithms([]string{"SHA-256", "MD5"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Verify("REGISTER", c, "pw"); err != nil {
		t.Fatalf("SHA-256 once offered: %v", err)
	}
	if err := a.SetAlgorithms([]string{"SHA-512"}); err == nil {
		t.Fatal("SHA-512 accepted")
	}
}
