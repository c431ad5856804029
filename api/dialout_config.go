package api

import (
	"strconv"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
	"github.com/obelisk-pbx/obelisk/outbound"
)

// Defaults of dialout.conf's [general] section.
const (
	DefaultWaitTime       = 30 * time.Second
	DefaultRetryInterval  = time.Second
	DefaultMaxRetryDelay  = 5 * time.Minute
	DefaultWebhookRetries = 10
	DefaultWebhookTimeout = 5 * time.Second
)

// DialoutConfig is dialout.conf, an Obelisk file in Asterisk's syntax: the
// API's clients (who may call it), its bots (what a dial-out does) and the
// trunks' limits. Sections are told apart by type=:
//
//	[general]
//	retryinterval=1        ; first webhook retry after 1 s, then doubling
//	webhookretries=10      ; attempts before a webhook is given up
//
//	[crm]                  ; client id (HTTP Basic user name)
//	type=client
//	secret=crm-secret      ; HTTP Basic password
//	token=223d0d870a364a4a ; Authorization: Bearer token
//
//	[demo-bot]
//	type=bot
//	trunk=pstn             ; SIP/pstn/<number>
//	callerid=0312345678
//	context=bot-demo       ; the bot flow, run once answered
//	rate=1                 ; calls a second (seed 003's default)
//	concurrent=3           ; calls up at once
//	webhooksecret=whsec_demo
//	queuetimeout=0         ; seconds a request over the limit waits (0: 429 at once)
//
//	[pstn]
//	type=trunk
//	rate=5
//	concurrent=10
type DialoutConfig struct {
	// RetryInterval is the first webhook retry's delay; each next one
	// doubles, up to MaxRetryDelay.
	RetryInterval time.Duration
	MaxRetryDelay time.Duration
	// WebhookRetries is how many times a webhook is tried before it is
	// given up (logged as an error).
	WebhookRetries int
	// WebhookTimeout bounds one webhook POST.
	WebhookTimeout time.Duration
	Clients        map[string]*Client
	Bots           map[string]*Bot
	// Trunks are the per-trunk limits; a trunk not listed has none.
	Trunks map[string]outbound.Limit
}

// Client is an API client: HTTP Basic with its id and Secret, or a bearer
// Token (seed 003's "Client ID and Client secret", "BEARER <token>").
type Client struct {
	ID     string
	Secret string
	Token  string
	Pos    config.Pos
}

// Bot is what a dial-out for it does: the trunk it dials through, the
// caller ID by default, the dialplan it runs once answered (the "bot
// flow"), its rate limit and the secret its webhooks are signed with.
type Bot struct {
	ID       string
	Trunk    string
	CallerID string
	// Context, Exten and Priority are where the answered call goes
	// (exten s, priority 1 by default).
	Context  string
	Exten    string
	Priority int
	// WaitTime is how long the target may ring (the request's timeout
	// overrides it).
	WaitTime time.Duration
	Limit    outbound.Limit
	// WebhookSecret signs the webhooks (X-Obelisk-Signature).
	WebhookSecret string
	// NotifyURL is the webhook address when a request gives none.
	NotifyURL string
	// MachineHangup hangs up a call AMD() finds answered by a machine
	// (default yes); with no, the bot flow runs anyway.
	MachineHangup bool
	// QueueTimeout is how long a request over the limit waits for a slot
	// before it is refused with 429 (0, the default: refused at once).
	QueueTimeout time.Duration
	Pos          config.Pos
}

// Bot returns the bot named id, nil when there is none.
func (c *DialoutConfig) Bot(id string) *Bot {
	if c == nil {
		return nil
	}
	return c.Bots[id]
}

// DefaultDialoutConfig is the configuration without dialout.conf: no
// clients, so the API refuses everyone.
func DefaultDialoutConfig() *DialoutConfig {
	return &DialoutConfig{
		RetryInterval: DefaultRetryInterval, MaxRetryDelay: DefaultMaxRetryDelay,
		WebhookRetries: DefaultWebhookRetries, WebhookTimeout: DefaultWebhookTimeout,
		Clients: map[string]*Client{}, Bots: map[string]*Bot{}, Trunks: map[string]outbound.Limit{},
	}
}

// LoadDialoutConfig reads dialout.conf.
func LoadDialoutConfig(f *config.File) (*DialoutConfig, config.Diagnostics) {
	var diags config.Diagnostics
	cfg := DefaultDialoutConfig()
	tokens := map[string]string{}
	for _, s := range f.Sections {
		r := config.NewSectionReader(f.Name, s, &diags)
		if s.Name == "general" {
			r.Duration("retryinterval", &cfg.RetryInterval, time.Second, time.Hour)
			r.Duration("maxretrydelay", &cfg.MaxRetryDelay, time.Second, 24*time.Hour)
			r.Int("webhookretries", &cfg.WebhookRetries, 1, 1000)
			r.Duration("webhooktimeout", &cfg.WebhookTimeout, time.Second, time.Minute)
			if cfg.RetryInterval <= 0 {
				cfg.RetryInterval = DefaultRetryInterval
			}
			r.Unknown()
			continue
		}
		var typ string
		if !r.Enum("type", &typ, "client", "bot", "trunk") {
			if !r.Has("type") {
				r.Errorf(s.Pos, "[%s] needs type=client, type=bot or type=trunk", s.Name)
			}
			r.Ignore(keys(s)...)
			continue
		}
		switch typ {
		case "client":
			c := &Client{ID: s.Name, Pos: s.Pos}
			r.String("secret", &c.Secret)
			r.String("token", &c.Token)
			if c.Secret == "" && c.Token == "" {
				r.Errorf(s.Pos, "client %s: needs secret= or token=", s.Name)
			}
			if c.Token != "" {
				if other, dup := tokens[c.Token]; dup {
					r.Errorf(s.Pos, "client %s: token already used by client %s", s.Name, other)
				}
				tokens[c.Token] = s.Name
			}
			cfg.Clients[s.Name] = c
		case "bot":
			b := &Bot{ID: s.Name, Exten: "s", Priority: 1, WaitTime: DefaultWaitTime, Limit: outbound.DefaultLimit, MachineHangup: true, Pos: s.Pos}
			r.String("trunk", &b.Trunk)
			r.String("callerid", &b.CallerID)
			r.String("context", &b.Context)
			r.String("exten", &b.Exten)
			r.Int("priority", &b.Priority, 1, 1<<20)
			r.Duration("waittime", &b.WaitTime, time.Second, time.Hour)
			r.String("webhooksecret", &b.WebhookSecret)
			r.String("notifyurl", &b.NotifyURL)
			r.Bool("machinehangup", &b.MachineHangup)
			r.Duration("queuetimeout", &b.QueueTimeout, time.Second, time.Minute)
			readLimit(r, &b.Limit)
			if b.Trunk == "" {
				r.Errorf(s.Pos, "bot %s: needs trunk=", s.Name)
			}
			if b.Context == "" {
				r.Errorf(s.Pos, "bot %s: needs context= (the bot flow)", s.Name)
			}
			cfg.Bots[s.Name] = b
		case "trunk":
			var l outbound.Limit
			readLimit(r, &l)
			cfg.Trunks[s.Name] = l
		}
		r.Unknown()
	}
	return cfg, diags
}

// readLimit reads rate= (calls a second, a decimal), burst= and
// concurrent= into l.
func readLimit(r *config.SectionReader, l *outbound.Limit) {
	if e, ok := r.Lookup("rate"); ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(e.Value), 64)
		if err != nil || v < 0 {
			r.Errorf(e.Pos, "rate: %q is not a number of calls a second", e.Value)
		} else {
			l.Rate = v
		}
	}
	r.Int("burst", &l.Burst, 1, 1000)
	r.Int("concurrent", &l.Concurrent, 0, 100000)
	if l.Rate > 0 && l.Burst == 0 {
		l.Burst = 1
	}
}
