package pbx

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
	"github.com/obelisk-pbx/obelisk/events"
	"github.com/obelisk-pbx/obelisk/outbound"
	"github.com/obelisk-pbx/obelisk/sip"
	"github.com/obelisk-pbx/obelisk/telegram"
)

// TelegramConf configures the Telegram click-to-call bot (an Obelisk file,
// package telegram).
const TelegramConf = "telegram.conf"

// loadTelegram reads telegram.conf and checks that each route's trunk is
// a trunk of sip.conf/pjsip.conf (read before it), at the route's
// file:line.
func (c *Config) loadTelegram(f *config.File) config.Diagnostics {
	cfg, diags := telegram.LoadConfig(f)
	c.Telegram = cfg
	for _, r := range telegram.Routes {
		rc, ok := cfg.Routes[r]
		if !ok || rc.Trunk == "" {
			continue
		}
		if c.SIP == nil {
			diags = append(diags, config.Errorf(rc.Pos, "[%s]: trunk %q: there is no sip.conf or pjsip.conf", r, rc.Trunk))
			continue
		}
		ep := c.SIP.Endpoint(rc.Trunk)
		switch {
		case ep == nil:
			diags = append(diags, config.Errorf(rc.Pos, "[%s]: trunk %q is not an endpoint of %s", r, rc.Trunk, c.SIP.Source))
		case ep.Kind != sip.KindTrunk || ep.Host == "":
			diags = append(diags, config.Errorf(rc.Pos, "[%s]: %q is not a trunk with a host in %s", r, rc.Trunk, c.SIP.Source))
		}
	}
	return diags
}

// runTelegram runs the click-to-call bot while ctx lasts, when
// telegram.conf enables it. Its agents are kept in the switch's bbolt
// file. A missing token (tokenenv naming an empty variable) is logged
// and the bot stays off; the switch runs on.
func (s *Switch) runTelegram(ctx context.Context) error {
	cfg := s.Config().Telegram
	if cfg == nil || !cfg.Enabled {
		return nil
	}
	log := s.opts.Logger.With("component", "telegram")
	token := cfg.Token
	if cfg.TokenEnv != "" {
		token = os.Getenv(cfg.TokenEnv)
	}
	if token == "" {
		log.Error("telegram bot not started: no token", "tokenenv", cfg.TokenEnv)
		return nil
	}
	store, err := telegram.NewBoltStore(s.db)
	if err != nil {
		return err
	}
	// A reload changes the routes and super-admins at once; the token,
	// API URL and enabled need a restart.
	live := func() *telegram.Config {
		if c := s.Config().Telegram; c != nil && c.Enabled {
			return c
		}
		return nil
	}
	bot, err := telegram.New(cfg, token, store, telegramDialer{s: s}, telegram.WithLogger(log), telegram.WithLiveConfig(live))
	if err != nil {
		return err
	}
	return bot.Run(ctx)
}

// telegramDialer places the bot's calls: an Originate of the agent's
// number through the route's trunk, whose answered channel runs
// Dial(SIP/<trunk>/<target>,<timeout>), the way seed 002's AMI script
// originated "agent first, then the target" with Asterisk. Both INVITEs
// carry the route's caller id. There is no failover to the other trunk.
type telegramDialer struct{ s *Switch }

// ClickToCall implements telegram.Dialer. The stages come from the
// Originate (the agent's 180/183 and its outcome), the event stream
// (DialEnd ANSWER of the originated channel: connected) and the channel's
// end (DIALSTATUS when the target did not answer).
func (d telegramDialer) ClickToCall(ctx context.Context, c telegram.Call, report func(telegram.Progress)) error {
	s := d.s
	rc := c.RouteConfig
	// Reports are sent in order from one goroutine: OnProgress runs on
	// the SIP client's and must not wait for the Bot API.
	reports := make(chan telegram.Progress, 16)
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for p := range reports {
			report(p)
		}
	}()
	defer func() {
		close(reports)
		<-sent
	}()
	sub := s.events.Subscribe(4096)
	defer sub.Close()
	secs := int((rc.TargetTimeout + time.Second - 1) / time.Second)
	cf := &outbound.CallFile{
		Name:    fmt.Sprintf("Telegram %d", c.Agent.ID),
		Channel: "SIP/" + rc.Trunk + "/" + c.AgentPhone.String(), Tech: "SIP", Dest: rc.Trunk + "/" + c.AgentPhone.String(),
		CallerIDNum: rc.CallerID, WaitTime: rc.AgentTimeout,
		Application: "Dial", Data: fmt.Sprintf("SIP/%s/%s,%d", rc.Trunk, c.Target, secs),
		Vars: []outbound.Var{{Name: "TELEGRAM_AGENT", Value: strconv.FormatInt(c.Agent.ID, 10)},
			{Name: "TELEGRAM_ROUTE", Value: c.Route.String()}, {Name: "TELEGRAM_TARGET", Value: c.Target.String()}},
	}
	reports <- telegram.Progress{Stage: telegram.StageCallingAgent}
	ringing := false
	res, err := s.OriginateWith(ctx, cf, OriginateHooks{OnProgress: func(code int) {
		if (code == 180 || code == 183) && !ringing {
			ringing = true
			select {
			case reports <- telegram.Progress{Stage: telegram.StageAgentRinging}:
			default:
			}
		}
	}})
	if err != nil {
		return err
	}
	if res.Outcome != outbound.OutcomeAnswered {
		reports <- telegram.Progress{Stage: telegram.StageFailed, Leg: telegram.LegAgent,
			Reason: telegram.ReasonOf(strings.ToUpper(res.Outcome.String())), SIPCode: res.SIPCode}
		return nil
	}
	reports <- telegram.Progress{Stage: telegram.StageCallingTarget}
	var connected time.Time
	for {
		select {
		case <-ctx.Done():
			// The switch stops: the bot does not wait for the call.
			return nil
		case ev, ok := <-sub.C():
			if !ok {
				return nil
			}
			if connected.IsZero() && isDialAnswer(ev, res.Uniqueid) {
				connected = ev.Time
				reports <- telegram.Progress{Stage: telegram.StageConnected}
			}
		case end := <-res.Done:
			st := end.Vars["DIALSTATUS"]
			switch {
			case !connected.IsZero():
				reports <- telegram.Progress{Stage: telegram.StageEnded, Duration: end.At.Sub(connected)}
			case st == "ANSWER":
				// The DialEnd was lost (a full event buffer): Dial's
				// ANSWEREDTIME tells the talk time.
				secs, _ := strconv.Atoi(end.Vars["ANSWEREDTIME"])
				reports <- telegram.Progress{Stage: telegram.StageConnected}
				reports <- telegram.Progress{Stage: telegram.StageEnded, Duration: time.Duration(secs) * time.Second}
			case st == "CANCEL":
				// The agent hung up while the target rang.
				reports <- telegram.Progress{Stage: telegram.StageFailed, Leg: telegram.LegTarget, Reason: "you hung up"}
			default:
				reports <- telegram.Progress{Stage: telegram.StageFailed, Leg: telegram.LegTarget, Reason: telegram.ReasonOf(st)}
			}
			return nil
		}
	}
}

// isDialAnswer reports whether ev is the DialEnd ANSWER of the channel
// with uniqueid.
func isDialAnswer(ev events.Event, uniqueid string) bool {
	return ev.Name == "DialEnd" && ev.Get("Uniqueid") == uniqueid && ev.Get("DialStatus") == "ANSWER"
}
