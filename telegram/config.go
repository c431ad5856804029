package telegram

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// Defaults of telegram.conf.
const (
	// DefaultAPIURL is the Bot API's base URL.
	DefaultAPIURL = "https://api.telegram.org"
	// DefaultPollTimeout is getUpdates' long-polling timeout.
	DefaultPollTimeout = 30 * time.Second
	// DefaultAgentTimeout is how long the agent's phone rings.
	DefaultAgentTimeout = 30 * time.Second
	// DefaultTargetTimeout is how long the target's phone rings (Dial's
	// timeout).
	DefaultTargetTimeout = 45 * time.Second
)

// Config is telegram.conf, an Obelisk file:
//
//	[general]
//	enabled=yes
//	token=123456:ABC…             ; or tokenenv=OBELISK_TELEGRAM_TOKEN
//	apiurl=https://api.telegram.org
//	superadmin=111111111          ; repeatable, or a comma list
//	polltimeout=30                ; seconds of getUpdates long polling
//	agenttimeout=30               ; seconds the agent's phone rings
//	targettimeout=45              ; seconds the target's phone rings
//
//	[M]                           ; the Main route
//	trunk=pstn                    ; a trunk of sip.conf or pjsip.conf
//	callerid=+15551234567         ; the caller id both calls carry
//	;agenttimeout=, targettimeout= override [general]'s
//
//	[D]                           ; the Development route
//	trunk=devtrunk
//	callerid=+15557654321
type Config struct {
	// Enabled starts the bot (default no).
	Enabled bool
	// Token is the bot's token from @BotFather; TokenEnv names an
	// environment variable holding it instead (read at start).
	Token, TokenEnv string
	// APIURL is the Bot API's base URL (DefaultAPIURL); requests go to
	// APIURL/bot<token>/<method>.
	APIURL string
	// SuperAdmins are the Telegram user ids that authorize agents.
	SuperAdmins []int64
	// PollTimeout is getUpdates' timeout parameter.
	PollTimeout time.Duration
	// Routes are the [M] and [D] sections.
	Routes map[Route]RouteConfig
	// Pos is where [general] is, for messages.
	Pos config.Pos
}

// RouteConfig is one route's section.
type RouteConfig struct {
	Pos config.Pos
	// Trunk is the sip.conf/pjsip.conf endpoint both calls go through.
	Trunk string
	// CallerID is the caller id number both calls carry.
	CallerID string
	// AgentTimeout and TargetTimeout are how long each phone rings.
	AgentTimeout, TargetTimeout time.Duration
}

// IsSuperAdmin reports whether id is a super-admin.
func (c *Config) IsSuperAdmin(id int64) bool {
	for _, a := range c.SuperAdmins {
		if a == id {
			return true
		}
	}
	return false
}

// Endpoint returns the tgbotapi endpoint format for APIURL:
// "https://api.telegram.org/bot%s/%s".
func (c *Config) Endpoint() string {
	return strings.TrimRight(c.APIURL, "/") + "/bot%s/%s"
}

// DefaultConfig is the configuration without telegram.conf: disabled.
func DefaultConfig() *Config {
	return &Config{APIURL: DefaultAPIURL, PollTimeout: DefaultPollTimeout, Routes: map[Route]RouteConfig{}}
}

// LoadConfig reads telegram.conf. Unknown options are warnings; bad
// values, a route section that is neither M nor D, a route without a
// trunk, and an enabled bot without a token or super-admin are errors, at
// their file:line.
func LoadConfig(f *config.File) (*Config, config.Diagnostics) {
	var diags config.Diagnostics
	cfg := DefaultConfig()
	cfg.Pos = config.Pos{File: f.Name}
	agentTO, targetTO := DefaultAgentTimeout, DefaultTargetTimeout
	var routeSecs []*config.Section
	for _, s := range f.Sections {
		r := config.NewSectionReader(f.Name, s, &diags)
		if !strings.EqualFold(s.Name, "general") {
			routeSecs = append(routeSecs, s)
			continue
		}
		cfg.Pos = s.Pos
		r.Bool("enabled", &cfg.Enabled)
		r.String("token", &cfg.Token)
		r.String("tokenenv", &cfg.TokenEnv)
		if r.String("apiurl", &cfg.APIURL) {
			e, _ := r.Lookup("apiurl")
			if u, err := url.Parse(cfg.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				r.Errorf(e.Pos, "apiurl: %q is not an http(s) URL", cfg.APIURL)
			}
		}
		r.Each("superadmin", func(e config.Entry) {
			for _, v := range strings.Split(e.Value, ",") {
				id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				if err != nil || id <= 0 {
					r.Errorf(e.Pos, "superadmin: %q is not a Telegram user id", strings.TrimSpace(v))
					continue
				}
				cfg.SuperAdmins = append(cfg.SuperAdmins, id)
			}
		})
		r.Duration("polltimeout", &cfg.PollTimeout, time.Second, 10*time.Minute)
		r.Duration("agenttimeout", &agentTO, time.Second, time.Hour)
		r.Duration("targettimeout", &targetTO, time.Second, time.Hour)
		r.Unknown()
	}
	for _, s := range routeSecs {
		r := config.NewSectionReader(f.Name, s, &diags)
		rt, err := ParseRoute(s.Name)
		if err != nil || (len(s.Name) != 1) {
			r.Errorf(s.Pos, "[%s]: a route section is [M] (Main) or [D] (Development)", s.Name)
			continue
		}
		if _, dup := cfg.Routes[rt]; dup {
			r.Errorf(s.Pos, "[%s]: route defined twice", s.Name)
			continue
		}
		rc := RouteConfig{Pos: s.Pos, AgentTimeout: agentTO, TargetTimeout: targetTO}
		if !r.String("trunk", &rc.Trunk) || rc.Trunk == "" {
			r.Errorf(s.Pos, "[%s]: trunk= is required (a trunk of sip.conf or pjsip.conf)", s.Name)
		}
		if r.String("callerid", &rc.CallerID) && rc.CallerID != "" {
			e, _ := r.Lookup("callerid")
			if n, err := ParseNumber(rc.CallerID); err != nil {
				r.Errorf(e.Pos, "callerid: %v", err)
			} else {
				rc.CallerID = n.String()
			}
		}
		r.Duration("agenttimeout", &rc.AgentTimeout, time.Second, time.Hour)
		r.Duration("targettimeout", &rc.TargetTimeout, time.Second, time.Hour)
		r.Unknown()
		cfg.Routes[rt] = rc
	}
	if cfg.Enabled {
		if cfg.Token == "" && cfg.TokenEnv == "" {
			diags = append(diags, config.Errorf(cfg.Pos, "enabled=yes needs token= or tokenenv="))
		}
		if len(cfg.SuperAdmins) == 0 {
			diags = append(diags, config.Errorf(cfg.Pos, "enabled=yes needs superadmin= (who authorizes agents)"))
		}
		if len(cfg.Routes) == 0 {
			diags = append(diags, config.Warnf(cfg.Pos, "no route ([M] or [D]): agents cannot call"))
		}
	}
	return cfg, diags
}
