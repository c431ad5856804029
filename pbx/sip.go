package pbx

import (
	"context"
	"fmt"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
	"github.com/obelisk-pbx/obelisk/sip"
)

// sweepInterval is how often expired registrations are removed.
const sweepInterval = 15 * time.Second

// sipService is the SIP side of a running switch.
type sipService struct {
	srv       *sip.Server
	registrar *sip.Registrar
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
	bans := sip.NewAuthBans(0, 0, 0, nil, s.opts.Logger)
	srv, err := sip.NewServer(sip.ServerOptions{
		Config:     cfg.SIP,
		Logger:     s.opts.Logger,
		Identifier: &sip.Identifier{Config: sipConfig, Auth: auth, Bans: bans, Logger: s.log},
		OnCall:     s.runCall,
	})
	if err != nil {
		return nil, err
	}
	reg := sip.NewRegistrar(sip.RegistrarOptions{
		Config: sipConfig, Location: loc, Auth: auth, Bans: bans, Logger: s.opts.Logger,
	})
	srv.Handle(sipgosip.REGISTER, reg.Handle)
	if n := len(loc.All()); n > 0 {
		s.log.Info("registrations restored", "bindings", n)
	}
	return &sipService{srv: srv, registrar: reg}, nil
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
	return svc.srv.Run(ctx)
}
