package sip

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	sipgosip "github.com/emiago/sipgo/sip"
)

// Outbound registration timing, as chan_sip's registertimeout and
// defaultexpiry.
const (
	DefaultRegisterExpiry = 120 * time.Second
	// RegisterRetryMin and RegisterRetryMax bound the backoff after a
	// failed registration (doubling, with jitter).
	RegisterRetryMin = 20 * time.Second
	RegisterRetryMax = 10 * time.Minute
	registerTimeout  = 10 * time.Second
)

// Registerer keeps one outbound registration to a provider alive: it
// registers with digest authentication, refreshes before expiry, retries
// failures with backoff, and unregisters when stopped (RFC 3261 §10.2).
// A REGISTER that gets no answer is a failure like any other: it never
// panics the switch (diago's client does, see the issue notes).
type Registerer struct {
	reg    Registration
	client *sipgo.Client
	local  *net.UDPAddr
	log    *slog.Logger
	// Now and Sleep are the clock (tests replace them).
	sleep func(ctx context.Context, d time.Duration) error

	callID string
	cseq   uint32
}

// NewRegisterer returns a registerer sending from local through ua.
func NewRegisterer(ua *sipgo.UserAgent, local *net.UDPAddr, reg Registration, log *slog.Logger) (*Registerer, error) {
	client, err := sipgo.NewClient(ua, sipgo.WithClientHostname(local.IP.String()), sipgo.WithClientPort(local.Port))
	if err != nil {
		return nil, fmt.Errorf("registration client: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	return &Registerer{reg: reg, client: client, local: local, callID: sipgosip.GenerateTagN(24) + "@obelisk",
		log: log.With("component", "register", "server", reg.Host, "user", reg.User),
		sleep: func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}}, nil
}

// Run registers until ctx ends, then unregisters.
func (r *Registerer) Run(ctx context.Context) error {
	backoff := RegisterRetryMin
	for {
		granted, err := r.register(ctx, r.expiry())
		if ctx.Err() != nil {
			break
		}
		wait := granted * 9 / 10
		if err != nil {
			r.log.Warn("registration failed, retrying", "error", err, "retry_in", backoff)
			wait = backoff + rand.N(backoff/4+1)
			backoff = min(backoff*2, RegisterRetryMax)
		} else {
			r.log.Info("registered with provider", "expires", granted)
			backoff = RegisterRetryMin
		}
		if r.sleep(ctx, wait) != nil {
			break
		}
	}
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), registerTimeout)
	defer cancel()
	if _, err := r.register(uctx, 0); err == nil {
		r.log.Info("unregistered from provider")
	}
	return nil
}

func (r *Registerer) expiry() time.Duration {
	if r.reg.Expiry > 0 {
		return r.reg.Expiry
	}
	return DefaultRegisterExpiry
}

// register sends one REGISTER (answering a digest challenge) and returns
// the expiry the registrar granted.
func (r *Registerer) register(ctx context.Context, expires time.Duration) (granted time.Duration, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("register panicked: %v", p)
		}
	}()
	host := r.reg.Host
	port := r.reg.Port
	if port == 0 {
		port = 5060
	}
	domain := r.reg.Domain
	if domain == "" {
		domain = host
	}
	var recipient sipgosip.Uri
	if err := sipgosip.ParseUri("sip:"+net.JoinHostPort(host, strconv.Itoa(port)), &recipient); err != nil {
		return 0, fmt.Errorf("registrar address %s: %w", host, err)
	}
	req := sipgosip.NewRequest(sipgosip.REGISTER, recipient)
	aor := fmt.Sprintf("<sip:%s@%s>", r.reg.User, domain)
	req.AppendHeader(sipgosip.NewHeader("From", aor+";tag="+sipgosip.GenerateTagN(12)))
	req.AppendHeader(sipgosip.NewHeader("To", aor))
	req.AppendHeader(sipgosip.NewHeader("Call-ID", r.callID))
	r.cseq++
	req.AppendHeader(sipgosip.NewHeader("CSeq", fmt.Sprintf("%d REGISTER", r.cseq)))
	contactUser := r.reg.Exten
	if contactUser == "" {
		contactUser = r.reg.User
	}
	req.AppendHeader(sipgosip.NewHeader("Contact", fmt.Sprintf("<sip:%s@%s>", contactUser, r.local.String())))
	req.AppendHeader(sipgosip.NewHeader("Expires", strconv.Itoa(int(expires/time.Second))))
	req.AppendHeader(sipgosip.NewHeader("Max-Forwards", "70"))
	req.SetTransport(strings.ToUpper(r.reg.Transport.String()))

	ctx, cancel := context.WithTimeout(ctx, registerTimeout)
	defer cancel()
	res, err := r.client.Do(ctx, req)
	if err != nil {
		return 0, fmt.Errorf("no answer from %s: %w", host, err)
	}
	if res.StatusCode == 401 || res.StatusCode == 407 {
		user := r.reg.AuthUser
		if user == "" {
			user = r.reg.User
		}
		r.cseq++
		res, err = r.client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: user, Password: r.reg.Secret})
		if err != nil {
			return 0, fmt.Errorf("no answer to the authenticated REGISTER: %w", err)
		}
	}
	if res.StatusCode != 200 {
		return 0, fmt.Errorf("registrar answered %d %s", res.StatusCode, res.Reason)
	}
	granted = expires
	if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil && n > 0 {
			granted = time.Duration(n) * time.Second
		}
	}
	for _, h := range res.GetHeaders("Contact") {
		if c, ok := h.(*sipgosip.ContactHeader); ok && strings.EqualFold(c.Address.User, contactUser) {
			if v, ok := c.Params.Get("expires"); ok {
				if n, err := strconv.Atoi(v); err == nil && n > 0 {
					granted = time.Duration(n) * time.Second
				}
			}
		}
	}
	return granted, nil
}
