package sip

import (
	"errors"
	"log/slog"
	"net/netip"

	sipgosip "github.com/emiago/sipgo/sip"
)

// Identity is who sent a request, once Identify has accepted it.
type Identity struct {
	// Endpoint is the phone or trunk; nil for a guest (allowguest=yes).
	Endpoint *Endpoint
	// Context is the dialplan context the call runs in.
	Context string
	// Authenticated is true when digest credentials were checked; false for
	// trunks matched by address with insecure=invite and for guests.
	Authenticated bool
}

// ErrChallenged means Identify answered the request with a 407 challenge,
// or could not because its transaction had already ended (a CANCEL that
// overtook the INVITE got it a 487), and the caller has nothing more to do.
var ErrChallenged = errors.New("request challenged")

// Identifier decides who an INVITE (or another dialog-creating request)
// comes from, as chan_sip's check_user/find_peer do:
//
//  1. a trunk whose address (host=, pjsip identify match=) is the source
//     — and whose port is the source port, unless insecure=port — is that
//     trunk; with insecure=invite it needs no credentials;
//  2. otherwise the From user names the endpoint, which must answer a
//     Proxy-Authenticate digest challenge with its secret;
//  3. an unknown sender is a guest only with allowguest=yes; otherwise it
//     is challenged like everyone and refused with 403, so the answers
//     never tell whether an extension exists.
//
// Failures count towards the source's ban.
type Identifier struct {
	Config func() *Config
	Auth   *DigestAuth
	Bans   *AuthBans
	Logger *slog.Logger
}

// Identify returns the sender's identity, or ErrChallenged after sending a
// 407, or a *StatusError (403) for the server to send. A banned source gets
// errBanned: no answer at all.
func (id *Identifier) Identify(req *sipgosip.Request, tx sipgosip.ServerTransaction) (*Identity, error) {
	cfg := id.Config()
	src, _ := netip.ParseAddrPort(req.Source())
	if id.Bans != nil && id.Bans.Banned(src.Addr()) {
		return nil, ErrBlocked
	}
	if ep := matchTrunk(cfg, src); ep != nil {
		if !ep.ACL.Allows(src.Addr()) {
			return nil, NewStatusError(403, "Forbidden")
		}
		if ep.Insecure.Invite {
			return &Identity{Endpoint: ep, Context: ep.Context}, nil
		}
		return id.authenticate(req, tx, ep, src)
	}
	user := ""
	if from := req.From(); from != nil {
		user = from.Address.User
	}
	ep := cfg.Endpoint(user)
	if ep == nil && cfg.General.AllowGuest {
		return &Identity{Context: cfg.General.Context}, nil
	}
	return id.authenticate(req, tx, ep, src)
}

// ErrBlocked means the source is banned: the request gets no answer.
var ErrBlocked = errors.New("source address blocked")

func (id *Identifier) authenticate(req *sipgosip.Request, tx sipgosip.ServerTransaction, ep *Endpoint, src netip.AddrPort) (*Identity, error) {
	h := req.GetHeader("Proxy-Authorization")
	if h == nil {
		return nil, id.challenge(req, tx, false)
	}
	creds, err := ParseCredentials(h.Value())
	if err != nil {
		return nil, NewStatusError(400, "Bad Request")
	}
	password, authUser := "\x00no such endpoint", ""
	if ep != nil {
		password, authUser = ep.Secret, ep.Username
		if authUser == "" {
			authUser = ep.Name
		}
	}
	err = id.Auth.Verify(string(req.Method), creds, password)
	if errors.Is(err, ErrAuthStale) {
		return nil, id.challenge(req, tx, true)
	}
	if err == nil && (ep == nil || creds.Username != authUser) {
		err = ErrAuthFailed
	}
	if err == nil && !ep.ACL.Allows(src.Addr()) {
		err = ErrAuthFailed
	}
	if err != nil {
		if id.Logger != nil {
			id.Logger.Info("call authentication failed", "method", req.Method, "user", creds.Username, "source", req.Source(), "reason", err)
		}
		if id.Bans != nil && src.IsValid() {
			id.Bans.Failure(src.Addr())
		}
		return nil, NewStatusError(403, "Forbidden")
	}
	if id.Bans != nil && src.IsValid() {
		id.Bans.Success(src.Addr())
	}
	return &Identity{Endpoint: ep, Context: ep.Context, Authenticated: true}, nil
}

// challenge answers 407 with the digest challenges and returns
// ErrChallenged. When the answer cannot be sent — the transaction was
// cancelled or has ended, or the response does not fit a UDP datagram
// (sipgo refuses responses above its MTU) — there is no one left to
// answer: a 500 would fail the same way, so it is ErrChallenged too.
func (id *Identifier) challenge(req *sipgosip.Request, tx sipgosip.ServerTransaction, stale bool) error {
	res := sipgosip.NewResponseFromRequest(req, 407, "Proxy Authentication Required", nil)
	for _, c := range id.Auth.Challenges(stale) {
		res.AppendHeader(sipgosip.NewHeader("Proxy-Authenticate", c))
	}
	if err := tx.Respond(res); err != nil && id.Logger != nil {
		id.Logger.Debug("challenge not sent", "method", req.Method, "source", req.Source(), "error", err)
	}
	return ErrChallenged
}

// matchTrunk finds the trunk whose address is src (chan_sip's peer match by
// IP, pjsip identify): the port must match too unless insecure=port or the
// trunk was matched by a pjsip identify network.
func matchTrunk(cfg *Config, src netip.AddrPort) *Endpoint {
	if !src.IsValid() {
		return nil
	}
	addr := src.Addr().Unmap()
	for _, ep := range cfg.Endpoints {
		if ep.Kind != KindTrunk {
			continue
		}
		for _, p := range ep.Match {
			if !p.Contains(addr) {
				continue
			}
			single := p.Bits() == p.Addr().BitLen()
			if single && !ep.Insecure.Port && cfg.Source == "sip.conf" && ep.Port != 0 && int(src.Port()) != ep.Port {
				continue
			}
			return ep
		}
	}
	return nil
}
