package sip

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
)

// RegistrarOptions configure a Registrar.
type RegistrarOptions struct {
	// Config gives the endpoints; it is read on every request so reloads
	// take effect at once.
	Config func() *Config
	// Location stores the bindings.
	Location *Location
	// Auth checks digest credentials.
	Auth *DigestAuth
	// Bans blocks addresses after repeated authentication failures; nil
	// disables blocking.
	Bans *AuthBans
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

// Registrar answers REGISTER (RFC 3261 §10.3) for the endpoints of the
// configuration: every request is challenged (MD5 and SHA-256 digest with
// qop=auth), the authenticated user must own the address of record, and
// the bindings are kept in the Location, which survives restarts.
//
// Unknown users and wrong passwords get the same 401 challenge and the
// same 403, as Asterisk does with alwaysauthreject=yes, so extensions
// cannot be enumerated.
type Registrar struct {
	o        RegistrarOptions
	log      *slog.Logger
	failures atomic.Int64
}

// NewRegistrar returns a registrar.
func NewRegistrar(o RegistrarOptions) *Registrar {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Registrar{o: o, log: o.Logger.With("component", "registrar")}
}

// Location returns the binding table.
func (r *Registrar) Location() *Location { return r.o.Location }

// Handle is the REGISTER handler for Server.Handle.
func (r *Registrar) Handle(req *sipgosip.Request, tx sipgosip.ServerTransaction) error {
	src, _ := netip.ParseAddrPort(req.Source())
	if r.o.Bans != nil && r.o.Bans.Banned(src.Addr()) {
		r.log.Debug("ignoring REGISTER from a blocked address", "source", req.Source())
		return nil // no answer: a blocked scanner learns nothing
	}
	to := req.To()
	if to == nil || req.CallID() == nil || req.CSeq() == nil {
		return NewStatusError(400, "Bad Request")
	}
	aor := to.Address.User
	cfg := r.o.Config()

	authz := req.GetHeader("Authorization")
	if authz == nil {
		return r.challenge(req, tx, false)
	}
	creds, err := ParseCredentials(authz.Value())
	if err != nil {
		return NewStatusError(400, "Bad Request")
	}
	ep := cfg.Endpoint(aor)
	password := "\x00no such endpoint"
	authUser := ""
	if ep != nil {
		password, authUser = ep.Secret, ep.Username
		if authUser == "" {
			authUser = ep.Name
		}
	}
	err = r.o.Auth.Verify(string(req.Method), creds, password)
	switch {
	case errors.Is(err, ErrAuthStale):
		return r.challenge(req, tx, true)
	case err == nil && (ep == nil || creds.Username != authUser):
		err = ErrAuthFailed
	}
	if err == nil && len(ep.ACL) > 0 && src.IsValid() && !ep.ACL.Allows(src.Addr()) {
		r.log.Warn("REGISTER refused by the endpoint's permit/deny", "aor", aor, "source", req.Source())
		return NewStatusError(403, "Forbidden")
	}
	if err != nil {
		r.failures.Add(1)
		r.log.Info("REGISTER authentication failed", "aor", aor, "user", creds.Username, "source", req.Source(), "reason", err)
		if r.o.Bans != nil && src.IsValid() {
			r.o.Bans.Failure(src.Addr())
		}
		return NewStatusError(403, "Forbidden")
	}
	if r.o.Bans != nil && src.IsValid() {
		r.o.Bans.Success(src.Addr())
	}
	bindings, err := r.update(req, ep, cfg.General)
	var brief *intervalTooBrief
	if errors.As(err, &brief) {
		res := sipgosip.NewResponseFromRequest(req, 423, "Interval Too Brief", nil)
		res.AppendHeader(sipgosip.NewHeader("Min-Expires", strconv.Itoa(int(brief.min/time.Second))))
		return tx.Respond(res)
	}
	if err != nil {
		return err
	}
	res := sipgosip.NewResponseFromRequest(req, 200, "OK", nil)
	now := r.o.Now()
	for _, b := range bindings {
		secs := int(b.Expires.Sub(now).Round(time.Second) / time.Second)
		res.AppendHeader(sipgosip.NewHeader("Contact", fmt.Sprintf("<%s>;expires=%d", b.Contact, secs)))
	}
	res.AppendHeader(sipgosip.NewHeader("Date", now.UTC().Format(time.RFC1123)))
	return tx.Respond(res)
}

func (r *Registrar) challenge(req *sipgosip.Request, tx sipgosip.ServerTransaction, stale bool) error {
	res := sipgosip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
	for _, c := range r.o.Auth.Challenges(stale) {
		res.AppendHeader(sipgosip.NewHeader("WWW-Authenticate", c))
	}
	return tx.Respond(res)
}

// contactSpec is one Contact of a REGISTER with its requested expiry.
type contactSpec struct {
	uri     string
	expires time.Duration
}

// update applies the REGISTER's contacts to the endpoint's bindings
// (RFC 3261 §10.3 steps 6 to 8).
func (r *Registrar) update(req *sipgosip.Request, ep *Endpoint, g General) ([]Binding, error) {
	now := r.o.Now()
	defExpiry := g.DefaultExpiry
	if h := req.GetHeader("Expires"); h != nil {
		n, err := strconv.Atoi(strings.TrimSpace(h.Value()))
		if err != nil || n < 0 {
			return nil, NewStatusError(400, "Bad Request")
		}
		defExpiry = time.Duration(n) * time.Second
	}
	var specs []contactSpec
	wildcard := false
	for _, h := range req.GetHeaders("Contact") {
		c, ok := h.(*sipgosip.ContactHeader)
		if !ok {
			return nil, NewStatusError(400, "Bad Request")
		}
		if c.Address.Wildcard {
			wildcard = true
			continue
		}
		exp := defExpiry
		if v, ok := c.Params.Get("expires"); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return nil, NewStatusError(400, "Bad Request")
			}
			exp = time.Duration(n) * time.Second
		}
		uri := c.Address.Clone()
		specs = append(specs, contactSpec{uri: uri.String(), expires: exp})
	}
	if wildcard {
		// `Contact: *` must stand alone with Expires: 0 (§10.3 step 6).
		if len(specs) > 0 || req.GetHeader("Expires") == nil || defExpiry != 0 {
			return nil, NewStatusError(400, "Bad Request")
		}
	}
	for _, s := range specs {
		if s.expires > 0 && s.expires < g.MinExpiry {
			return nil, &intervalTooBrief{min: g.MinExpiry}
		}
	}
	callID := req.CallID().Value()
	cseq := req.CSeq().SeqNo
	ua := ""
	if h := req.GetHeader("User-Agent"); h != nil {
		ua = h.Value()
	}
	maxContacts := ep.MaxContacts
	if maxContacts <= 0 {
		maxContacts = DefaultMaxContacts
	}
	var stale bool
	out, err := r.o.Location.update(ep.Name, func(bs []Binding) ([]Binding, error) {
		// drop expired ones first
		live := bs[:0]
		for _, b := range bs {
			if b.Expires.After(now) {
				live = append(live, b)
			}
		}
		bs = live
		if wildcard {
			for _, b := range bs {
				if b.CallID == callID && cseq <= b.CSeq {
					stale = true
					return bs, nil
				}
			}
			return nil, nil
		}
		for _, s := range specs {
			idx := -1
			for i, b := range bs {
				if sameContact(b.Contact, s.uri) {
					idx = i
				}
			}
			if idx >= 0 && bs[idx].CallID == callID && cseq <= bs[idx].CSeq {
				stale = true // an old retransmission or reordered request
				return bs, nil
			}
			if s.expires == 0 {
				if idx >= 0 {
					bs = append(bs[:idx], bs[idx+1:]...)
				}
				continue
			}
			exp := min(s.expires, g.MaxExpiry)
			b := Binding{AOR: ep.Name, Contact: s.uri, Source: req.Source(), Transport: req.Transport(),
				CallID: callID, CSeq: cseq, Expires: now.Add(exp), Updated: now, UserAgent: ua}
			if idx >= 0 {
				bs[idx] = b
				continue
			}
			if len(bs) >= maxContacts {
				// As pjsip's remove_existing: the oldest binding makes room.
				oldest := 0
				for i := range bs {
					if bs[i].Updated.Before(bs[oldest].Updated) {
						oldest = i
					}
				}
				r.log.Info("max contacts reached, replacing the oldest binding", "aor", ep.Name, "removed", bs[oldest].Contact)
				bs = append(bs[:oldest], bs[oldest+1:]...)
			}
			bs = append(bs, b)
		}
		return bs, nil
	})
	if err != nil {
		return nil, err
	}
	if stale {
		return nil, NewStatusError(500, "Server Internal Error") // §10.3 step 7: out-of-order request
	}
	for _, s := range specs {
		if s.expires == 0 {
			r.log.Info("unregistered", "aor", ep.Name, "contact", s.uri)
		} else {
			r.log.Info("registered", "aor", ep.Name, "contact", s.uri, "source", req.Source(), "expires", min(s.expires, g.MaxExpiry))
		}
	}
	if wildcard {
		r.log.Info("unregistered every contact", "aor", ep.Name)
	}
	return out, nil
}

// sameContact compares two contact URIs the way bindings are matched
// (RFC 3261 §10.3 step 8 uses URI equality; parameters are compared too).
func sameContact(a, b string) bool { return strings.EqualFold(a, b) }

// intervalTooBrief is 423 with a Min-Expires header (RFC 3261 §10.3 step 5).
type intervalTooBrief struct{ min time.Duration }

func (e *intervalTooBrief) Error() string { return "423 Interval Too Brief" }

// AuthBans blocks addresses after repeated authentication failures, as
// fail2ban does in front of Asterisk.
type AuthBans struct {
	max     int
	window  time.Duration
	banTime time.Duration
	now     func() time.Time
	log     *slog.Logger

	mu    sync.Mutex
	addrs map[netip.Addr]*banState
}

type banState struct {
	failures []time.Time
	until    time.Time
}

// Defaults of AuthBans.
const (
	DefaultBanFailures = 5
	DefaultBanWindow   = time.Minute
	DefaultBanTime     = 10 * time.Minute
	maxTrackedAddrs    = 10000
)

// NewAuthBans blocks an address for banTime after max failures within
// window; zero values take the defaults.
func NewAuthBans(max int, window, banTime time.Duration, now func() time.Time, log *slog.Logger) *AuthBans {
	if max <= 0 {
		max = DefaultBanFailures
	}
	if window <= 0 {
		window = DefaultBanWindow
	}
	if banTime <= 0 {
		banTime = DefaultBanTime
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &AuthBans{max: max, window: window, banTime: banTime, now: now, log: log.With("component", "security"), addrs: map[netip.Addr]*banState{}}
}

// Failure records a failed authentication from addr and reports whether
// the address is now blocked.
func (b *AuthBans) Failure(addr netip.Addr) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	st := b.addrs[addr]
	if st == nil {
		if len(b.addrs) >= maxTrackedAddrs {
			b.evictLocked(now)
		}
		st = &banState{}
		b.addrs[addr] = st
	}
	keep := st.failures[:0]
	for _, t := range st.failures {
		if now.Sub(t) < b.window {
			keep = append(keep, t)
		}
	}
	st.failures = append(keep, now)
	if len(st.failures) >= b.max && !now.Before(st.until) {
		st.until = now.Add(b.banTime)
		b.log.Warn("blocking address after repeated authentication failures", "addr", addr.String(),
			"failures", len(st.failures), "for", b.banTime)
	}
	return now.Before(st.until)
}

// Banned reports whether addr is blocked now.
func (b *AuthBans) Banned(addr netip.Addr) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.addrs[addr]
	return st != nil && b.now().Before(st.until)
}

// Success forgets the failures of addr.
func (b *AuthBans) Success(addr netip.Addr) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if st := b.addrs[addr]; st != nil && !b.now().Before(st.until) {
		delete(b.addrs, addr)
	}
}

// evictLocked drops addresses that are neither blocked nor recently failing.
func (b *AuthBans) evictLocked(now time.Time) {
	for a, st := range b.addrs {
		if !now.Before(st.until) && (len(st.failures) == 0 || now.Sub(st.failures[len(st.failures)-1]) >= b.window) {
			delete(b.addrs, a)
		}
	}
	if len(b.addrs) >= maxTrackedAddrs { // still full: forget an arbitrary unblocked one
		for a, st := range b.addrs {
			if !now.Before(st.until) {
				delete(b.addrs, a)
				return
			}
		}
	}
}
