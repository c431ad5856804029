package pbx

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/obelisk-pbx/obelisk/api"
	"github.com/obelisk-pbx/obelisk/config"
	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/outbound"
	"github.com/obelisk-pbx/obelisk/sip"
)

// DialoutConf is the HTTP dial-out API's clients, bots and trunk limits
// (an Obelisk file in Asterisk's syntax; api.LoadDialoutConfig).
const DialoutConf = "dialout.conf"

// dialoutFlowApp is the internal application a dial-out that asked for
// machine detection runs once answered: AMD(), then the bot flow.
const dialoutFlowApp = "ObeliskDialoutFlow"

// runAPI serves http.conf's HTTP server when enabled=yes: the dial-out
// API (package api) and every handler mounted with mountHTTP, behind the
// same authentication. It returns when ctx ends.
func (s *Switch) runAPI(ctx context.Context) error {
	cfg := s.Config().HTTP
	if cfg == nil || !cfg.Enabled {
		return nil
	}
	store, err := api.NewBoltStore(s.db)
	if err != nil {
		return err
	}
	b := &apiBackend{s: s}
	s.reg.RegisterApp(b.flowApp())
	srv := api.NewServer(store, b,
		api.WithLogger(s.opts.Logger),
		api.WithHTTPConfig(func() *api.Config { return s.Config().HTTP }),
		api.WithDialoutConfig(s.dialoutConfig),
		// Failed logins block an address as the SIP side's do (a jail
		// of its own: an HTTP client's typos do not block its phones).
		api.WithBans(sip.NewAuthBans(0, 0, 0, nil, s.opts.Logger)))
	for _, m := range s.httpRoutes() {
		srv.Handle(m.pattern, m.h)
	}
	return srv.Run(ctx)
}

// dialoutConfig is dialout.conf in force (no clients without the file).
func (s *Switch) dialoutConfig() *api.DialoutConfig {
	if cfg := s.Config(); cfg != nil && cfg.Dialout != nil {
		return cfg.Dialout
	}
	return api.DefaultDialoutConfig()
}

// loadDialout reads dialout.conf into c.Dialout.
func (c *Config) loadDialout(f *config.File) config.Diagnostics {
	cfg, diags := api.LoadDialoutConfig(f)
	c.Dialout = cfg
	return diags
}

// checkDialout warns of bots whose trunk is no SIP endpoint or whose
// context is missing from the dialplan.
func (c *Config) checkDialout() config.Diagnostics {
	if c.Dialout == nil {
		return nil
	}
	var diags config.Diagnostics
	for _, b := range c.Dialout.Bots {
		if c.SIP != nil && c.SIP.Endpoint(b.Trunk) == nil {
			diags = append(diags, config.Warnf(b.Pos, "bot %s: trunk %q is not an endpoint of %s", b.ID, b.Trunk, c.SIP.Source))
		}
		if c.Dialplan != nil && c.Dialplan.Context(b.Context) == nil {
			diags = append(diags, config.Warnf(b.Pos, "bot %s: context %q does not exist in extensions.conf", b.ID, b.Context))
		}
	}
	sort.SliceStable(diags, func(i, j int) bool { return diags[i].Pos.Line < diags[j].Pos.Line })
	return diags
}

// apiBackend is the switch as the HTTP API sees it (api.Backend).
type apiBackend struct {
	s *Switch
	// flows are the machine-detecting dial-outs by channel uniqueid,
	// for the flow application.
	flows sync.Map
}

var _ api.Backend = (*apiBackend)(nil)

// dialoutFlow is what the flow application needs of its dial-out.
type dialoutFlow struct {
	bot   *api.Bot
	onAMD func(status, cause string)
	// machineHangup is set when AMD said MACHINE and the bot hangs up
	// machines.
	mu            sync.Mutex
	machineHangup bool
}

// Dial places a bot's call on the switch's one originate path
// (originate.go): SIP/<trunk>/<number> with the bot's caller ID, running
// the bot's context once answered, as a call file would.
func (b *apiBackend) Dial(ctx context.Context, d api.DialRequest) (api.DialResult, error) {
	bot := d.Bot
	cf := &outbound.CallFile{
		Name: "dial-out " + bot.ID, Channel: "SIP/" + bot.Trunk + "/" + d.Number, Tech: "SIP", Dest: bot.Trunk + "/" + d.Number,
		WaitTime: d.WaitTime, CallerIDNum: d.CallerID,
		Context: bot.Context, Extension: bot.Exten, Priority: bot.Priority,
	}
	names := make([]string, 0, len(d.Vars))
	for k := range d.Vars {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		cf.Vars = append(cf.Vars, outbound.Var{Name: k, Value: d.Vars[k]})
	}
	cf.Vars = append(cf.Vars, outbound.Var{Name: "DIALOUT_BOT", Value: bot.ID}, outbound.Var{Name: "DIALOUT_TARGET", Value: d.Number})
	var flow *dialoutFlow
	var uid string
	if d.MachineDetection {
		flow = &dialoutFlow{bot: bot, onAMD: d.OnAMD}
		cf.Application = dialoutFlowApp
	}
	hooks := OriginateHooks{
		OnChannel: func(ch *ivr.Channel) {
			uid = ch.UniqueID
			if flow != nil {
				b.flows.Store(uid, flow)
			}
			if d.OnChannel != nil {
				d.OnChannel(ch.Name, ch.UniqueID)
			}
		},
		OnProgress: d.OnProgress,
	}
	res, err := b.s.OriginateWith(ctx, cf, hooks)
	out := api.DialResult{Outcome: res.Outcome, SIPCode: res.SIPCode, SIPReason: res.SIPReason,
		Channel: res.Channel, Uniqueid: res.Uniqueid, AnsweredAt: res.Answered}
	if err != nil || res.Outcome != outbound.OutcomeAnswered {
		if uid != "" {
			b.flows.Delete(uid)
		}
		return out, err
	}
	done := make(chan api.DialEnd, 1)
	out.Done = done
	go func() {
		var e Ended
		select {
		case e = <-res.Done:
		case <-ctx.Done():
			e = Ended{At: time.Now()}
		}
		end := api.DialEnd{Cause: e.Cause, At: e.At}
		if flow != nil {
			flow.mu.Lock()
			end.MachineHangup = flow.machineHangup
			flow.mu.Unlock()
			b.flows.Delete(uid)
		}
		done <- end
	}()
	return out, nil
}

// Hangup hangs up the channel with uniqueid (stops dialling it while it
// rings).
func (b *apiBackend) Hangup(uniqueid string) bool {
	lc := b.s.live.lookup(uniqueid)
	if lc == nil {
		return false
	}
	lc.hangup(ivr.CauseNormalClearing)
	return true
}

// flowApp is the application an answered machine-detecting dial-out
// runs: AMD() with amd.conf's settings, its AMDSTATUS and AMDCAUSE
// reported (the machine-detected webhook), then, unless a machine
// answered and the bot hangs up machines (machinehangup=yes), the bot's
// context as the call would have run it.
func (b *apiBackend) flowApp() *ivr.App {
	return &ivr.App{
		Name:     dialoutFlowApp,
		Synopsis: "Internal: a dial-out's AMD() then its bot flow",
		Exec: func(ctx context.Context, ch *ivr.Channel, _ string) error {
			v, ok := b.flows.Load(ch.UniqueID)
			if !ok {
				return fmt.Errorf("%s: no dial-out for %s", dialoutFlowApp, ch.Name)
			}
			flow := v.(*dialoutFlow)
			amdApp := b.s.reg.App("AMD")
			if amdApp == nil {
				return fmt.Errorf("%s: no AMD application", dialoutFlowApp)
			}
			if err := amdApp.Exec(ctx, ch, ""); err != nil {
				return err
			}
			status, cause := ch.Var("AMDSTATUS"), ch.Var("AMDCAUSE")
			if flow.onAMD != nil {
				flow.onAMD(status, cause)
			}
			if status == "HANGUP" {
				return ivr.ErrHangup
			}
			if strings.EqualFold(status, "MACHINE") && flow.bot.MachineHangup {
				flow.mu.Lock()
				flow.machineHangup = true
				flow.mu.Unlock()
				ch.Logger().Info("dial-out answered by a machine: hanging up", "amdcause", cause)
				return nil
			}
			ch.Context, ch.Exten, ch.Priority = flow.bot.Context, flow.bot.Exten, flow.bot.Priority
			ch.Logger().Info("dial-out bot flow", "amdstatus", status, "to", flow.bot.Context+","+flow.bot.Exten+","+strconv.Itoa(flow.bot.Priority))
			b.s.engine.Run(ctx, ch)
			return nil
		},
	}
}
