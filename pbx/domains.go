package pbx

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/obelisk-pbx/obelisk/ami"
	"github.com/obelisk-pbx/obelisk/api"
	"github.com/obelisk-pbx/obelisk/cdr"
	"github.com/obelisk-pbx/obelisk/config"
	"github.com/obelisk-pbx/obelisk/features"
	"github.com/obelisk-pbx/obelisk/media"
	"github.com/obelisk-pbx/obelisk/media/amd"
	"github.com/obelisk-pbx/obelisk/media/tts"
	"github.com/obelisk-pbx/obelisk/payments"
	"github.com/obelisk-pbx/obelisk/queues"
	"github.com/obelisk-pbx/obelisk/sip"
	"github.com/obelisk-pbx/obelisk/telegram"
	"github.com/obelisk-pbx/obelisk/voicemail"
)

// The domain files the switch reads besides extensions.conf.
const (
	SIPConf         = "sip.conf"
	PJSIPConf       = "pjsip.conf"
	QueuesConf      = "queues.conf"
	VoicemailConf   = "voicemail.conf"
	FeaturesConf    = "features.conf"
	ManagerConf     = "manager.conf"
	HTTPConf        = "http.conf"
	MusicOnHoldConf = "musiconhold.conf"
	CDRConf         = "cdr.conf"
	// PromptsFile is the prompt catalogue (name|language|text), an
	// Obelisk file: the text spoken for prompts that have no recording.
	PromptsFile = "prompts.txt"
	// TTSConf chooses the text-to-speech engine (an Obelisk file).
	TTSConf = "tts.conf"
)

// domainConfig holds the typed configuration of each domain package. A
// file that is absent leaves its package's defaults.
type domainConfig struct {
	SIP         *sip.Config
	Queues      *queues.Config
	Voicemail   *voicemail.Config
	Features    *features.Config
	Manager     *ami.Config
	HTTP        *api.Config
	MusicOnHold *media.MOHConfig
	// CDR is cdr.conf (Asterisk's defaults when absent).
	CDR *cdr.Config
	// Telegram is telegram.conf, the click-to-call bot (telegram.go);
	// nil when absent (no bot).
	Telegram *telegram.Config
	// QueueTuning is what the queue runtime reads of queues.conf beyond
	// Queues (queues.LoadTuning).
	QueueTuning map[string]queues.Tuning
	// Prompts is prompts.txt's catalogue over the built-in one.
	Prompts *media.Catalogue
	// TTS is tts.conf (espeak-ng when absent).
	TTS *tts.Config
	// AMD is amd.conf (app_amd's defaults when absent).
	AMD *amd.Config
	// Payments is stripe.conf (app_payment.go; payments' defaults when
	// absent).
	Payments *payments.Config
	// Dialout is dialout.conf, the HTTP API's clients and bots (api.go).
	Dialout *api.DialoutConfig
}

// loadDomains reads the domain files. sip.conf is used when present, else
// pjsip.conf (Asterisk would run both channel drivers; Obelisk has one
// endpoint table, so having both is a warning and pjsip.conf is ignored).
func (c *Config) loadDomains(fsys fs.FS) config.Diagnostics {
	var diags config.Diagnostics
	hasSIP, hasPJSIP := exists(fsys, SIPConf), exists(fsys, PJSIPConf)
	switch {
	case hasSIP:
		if hasPJSIP {
			diags = append(diags, config.Warnf(config.Pos{File: PJSIPConf}, "both sip.conf and pjsip.conf exist: Obelisk reads sip.conf and ignores pjsip.conf"))
		}
		if f := c.read(fsys, SIPConf, &diags); f != nil {
			cfg, ds := sip.LoadSIPConf(f)
			c.SIP, diags = cfg, append(diags, ds...)
		}
	case hasPJSIP:
		if f := c.read(fsys, PJSIPConf, &diags); f != nil {
			cfg, ds := sip.LoadPJSIPConf(f)
			c.SIP, diags = cfg, append(diags, ds...)
		}
	default:
		diags = append(diags, config.Warnf(config.Pos{File: SIPConf}, "no sip.conf or pjsip.conf: no phone can register and no trunk is known"))
	}
	if f := c.read(fsys, QueuesConf, &diags); f != nil {
		cfg, ds := queues.LoadConfig(f)
		c.Queues, diags = cfg, append(diags, ds...)
		c.QueueTuning = queues.LoadTuning(f)
	}
	if f := c.read(fsys, VoicemailConf, &diags); f != nil {
		cfg, ds := voicemail.LoadConfig(f)
		c.Voicemail, diags = cfg, append(diags, ds...)
	}
	if f := c.read(fsys, FeaturesConf, &diags); f != nil {
		cfg, ds := features.LoadConfig(f)
		c.Features, diags = cfg, append(diags, ds...)
	}
	if f := c.read(fsys, ManagerConf, &diags); f != nil {
		cfg, ds := ami.LoadConfig(f)
		c.Manager, diags = cfg, append(diags, ds...)
	}
	if f := c.read(fsys, HTTPConf, &diags); f != nil {
		cfg, ds := api.LoadConfig(f)
		c.HTTP, diags = cfg, append(diags, ds...)
	}
	if f := c.read(fsys, DialoutConf, &diags); f != nil {
		diags = append(diags, c.loadDialout(f)...)
	}
	if f := c.read(fsys, MusicOnHoldConf, &diags); f != nil {
		cfg, ds := media.LoadMOHConfig(f)
		c.MusicOnHold, diags = cfg, append(diags, ds...)
	}
	c.CDR = cdr.DefaultConfig()
	if f := c.read(fsys, CDRConf, &diags); f != nil {
		cfg, ds := cdr.LoadConfig(f)
		c.CDR, diags = cfg, append(diags, ds...)
	}
	c.TTS = tts.DefaultConfig()
	if f := c.read(fsys, TTSConf, &diags); f != nil {
		cfg, ds := tts.LoadConfig(f)
		c.TTS, diags = cfg, append(diags, ds...)
	}
	if f := c.read(fsys, AMDConf, &diags); f != nil {
		cfg, ds := amd.LoadConfig(f)
		c.AMD, diags = &cfg, append(diags, ds...)
	}
	if f := c.read(fsys, TelegramConf, &diags); f != nil {
		diags = append(diags, c.loadTelegram(f)...)
	}
	if f := c.read(fsys, StripeConf, &diags); f != nil {
		cfg, ds := payments.LoadConfig(f)
		c.Payments, diags = cfg, append(diags, ds...)
	}
	c.Prompts = media.BuiltinCatalogue()
	if exists(fsys, PromptsFile) {
		if f, err := fsys.Open(PromptsFile); err != nil {
			diags = append(diags, config.Errorf(config.Pos{File: PromptsFile}, "%v", err))
		} else {
			cat, err := media.ParseCatalogue(f, PromptsFile)
			_ = f.Close()
			if err != nil {
				diags = append(diags, config.Errorf(config.Pos{File: PromptsFile}, "%v", err))
			} else {
				c.Prompts.Merge(cat)
			}
		}
	}
	diags = append(diags, c.crossCheck()...)
	diags = append(diags, c.checkDialout()...)
	return diags
}

// read loads name when it exists, recording the files read; nil when the
// file is absent or unreadable.
func (c *Config) read(fsys fs.FS, name string, diags *config.Diagnostics) *config.File {
	if !exists(fsys, name) {
		return nil
	}
	f, ds := config.Load(fsys, name)
	*diags = append(*diags, ds...)
	if f != nil {
		c.Files = append(c.Files, f.Files...)
	}
	return f
}

func exists(fsys fs.FS, name string) bool {
	_, err := fs.Stat(fsys, name)
	return !errors.Is(err, fs.ErrNotExist)
}

// crossCheck reports references between files that do not resolve: an
// endpoint's context missing from the dialplan, a mailbox missing from
// voicemail.conf, a queue member that is no endpoint.
func (c *Config) crossCheck() config.Diagnostics {
	var diags config.Diagnostics
	if c.SIP != nil && c.Dialplan != nil {
		for _, e := range c.SIP.Endpoints {
			if c.Dialplan.Context(e.Context) == nil {
				diags = append(diags, config.Warnf(e.Pos, "endpoint %s: context %q does not exist in extensions.conf", e.Name, e.Context))
			}
		}
	}
	if c.SIP != nil && c.Voicemail != nil {
		for _, e := range c.SIP.Endpoints {
			for _, m := range e.Mailboxes {
				if c.Voicemail.Mailbox(m) == nil {
					diags = append(diags, config.Warnf(e.Pos, "endpoint %s: mailbox %s does not exist in voicemail.conf", e.Name, m))
				}
			}
		}
	}
	if c.SIP != nil && c.Queues != nil {
		for _, q := range c.Queues.Queues {
			for _, m := range q.Members {
				tech, res, _ := strings.Cut(m.Interface, "/")
				if (tech == "SIP" || tech == "PJSIP") && c.SIP.Endpoint(res) == nil {
					diags = append(diags, config.Warnf(m.Pos, "queue %s: member %s is not an endpoint of %s", q.Name, m.Interface, c.SIP.Source))
				}
				if strings.EqualFold(tech, "Local") {
					diags = append(diags, checkLocalMember(c, q.Name, m.Interface, res, m.Pos)...)
				}
			}
		}
	}
	return diags
}
