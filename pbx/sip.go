package pbx

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
	"github.com/obelisk-pbx/obelisk/media"
	"github.com/obelisk-pbx/obelisk/sip"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

// sweepInterval is how often expired registrations are removed.
const sweepInterval = 15 * time.Second

// sipService is the SIP side of a running switch.
type sipService struct {
	srv       *sip.Server
	agent     *b2bua.Agent
	registrar *sip.Registrar
	// subs are the SUBSCRIBE message-summary subscriptions (MWI).
	subs      *sip.Subscriptions
	outbound  []sip.Registration
	log       *slog.Logger
	config    func() *sip.Config
	qualifier atomic.Pointer[sip.Qualifier]
}

// newSIPServer builds the SIP server with its registrar, bindings kept in
// the switch's bbolt file.
func (s *Switch) newSIPServer(cfg *Config) (*sipService, error) {
	store, err := sip.NewBoltBindingStore(s.db)
	if err != nil {
		return nil, err
	}
	loc, err := sip.NewLocation(store)
	if err != nil {
		return nil, fmt.Errorf("load registrations: %w", err)
	}
	sipConfig := func() *sip.Config { return s.Config().SIP }
	auth := sip.NewDigestAuth(cfg.SIP.General.Realm, sip.DefaultNonceLifetime, nil)
	if err := auth.SetAlgorithms(cfg.SIP.General.DigestAlgorithms); err != nil {
		return nil, err
	}
	bans := sip.NewAuthBans(0, 0, 0, nil, s.opts.Logger)
	srv, err := sip.NewServer(sip.ServerOptions{Config: cfg.SIP, Logger: s.opts.Logger})
	if err != nil {
		return nil, err
	}
	g := cfg.SIP.General
	agent, err := b2bua.New(b2bua.Options{
		Server:     srv,
		Config:     sipConfig,
		Identifier: &sip.Identifier{Config: sipConfig, Auth: auth, Bans: bans, Logger: s.log},
		Ports:      media.NewPortPool(g.RTPStart, g.RTPEnd),
		Logger:     s.opts.Logger,
		OnCall:     s.runCall,
		OnRefer:    s.onRefer,
	})
	if err != nil {
		return nil, err
	}
	reg := sip.NewRegistrar(sip.RegistrarOptions{
		Config: sipConfig, Location: loc, Auth: auth, Bans: bans, Logger: s.opts.Logger,
	})
	srv.Handle(sipgosip.REGISTER, reg.Handle)
	subStore, err := sip.NewBoltSubscriptionStore(s.db)
	if err != nil {
		return nil, err
	}
	subs, err := sip.NewSubscriptions(sip.SubscriptionOptions{
		Config: sipConfig, Auth: auth, Bans: bans, Store: subStore, Summary: s.mwiSummary,
		Server: srv, Logger: s.opts.Logger,
	})
	if err != nil {
		return nil, err
	}
	srv.Handle(sipgosip.SUBSCRIBE, subs.Handle)
	srv.AllowEvents(sip.EventMessageSummary)
	if n := len(loc.All()); n > 0 {
		s.log.Info("registrations restored", "bindings", n)
	}
	return &sipService{srv: srv, agent: agent, registrar: reg, subs: subs, outbound: cfg.SIP.Registrations, log: s.opts.Logger, config: sipConfig}, nil
}

// Run serves SIP and sweeps expired registrations until ctx ends.
func (svc *sipService) Run(ctx context.Context) error {
	go func() {
		t := time.NewTicker(sweepInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				_, _ = svc.registrar.Location().Sweep(now)
			}
		}
	}()
	go svc.registerOutbound(ctx)
	go svc.qualify(ctx)
	// The subscriptions stop before the store closes, and when the server
	// fails too.
	subCtx, stopSubs := context.WithCancel(ctx)
	subsDone := make(chan struct{})
	go func() {
		defer close(subsDone)
		_ = svc.subs.Run(subCtx)
	}()
	err := svc.srv.Run(ctx)
	stopSubs()
	<-subsDone
	return err
}

// registerOutbound keeps the `register =>` registrations alive from the
// switch's own UDP address.
func (svc *sipService) registerOutbound(ctx context.Context) {
	if len(svc.outbound) == 0 {
		return
	}
	local := svc.udpAddr()
	if local == nil {
		return
	}
	for _, reg := range svc.outbound {
		r, err := sip.NewRegisterer(svc.srv.UserAgent(), local, reg, svc.log)
		if err != nil {
			svc.log.Error("outbound registration not started", "server", reg.Host, "error", err)
			continue
		}
		go func() { _ = r.Run(ctx) }()
	}
}

// qualify pings the endpoints with qualify=yes.
func (svc *sipService) qualify(ctx context.Context) {
	local := svc.udpAddr()
	if local == nil {
		return
	}
	q, err := sip.NewQualifier(svc.srv.UserAgent(), local, svc.config, svc.registrar.Location(), svc.log)
	if err != nil {
		svc.log.Error("qualify not started", "error", err)
		return
	}
	svc.qualifier.Store(q)
	q.Run(ctx, svc.config().General.QualifyFreq)
}

// reachable reports whether Dial may try the endpoint: not when qualify
// found it UNREACHABLE, as chan_sip refuses such peers.
func (svc *sipService) reachable(name string) bool {
	q := svc.qualifier.Load()
	if q == nil {
		return true
	}
	st, _ := q.Status(name)
	return st != sip.PeerUnreachable
}

// udpAddr is the switch's UDP SIP address, which clients send from.
func (svc *sipService) udpAddr() *net.UDPAddr {
	for _, a := range svc.srv.Addrs() {
		if u, ok := a.(*net.UDPAddr); ok {
			return u
		}
	}
	return nil
}
