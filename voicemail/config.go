package voicemail

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// Defaults of app_voicemail.
const (
	DefaultMaxMsg           = 100
	DefaultMaxLogins        = 3
	DefaultSilenceThreshold = 128
	DefaultSkip             = 3000 * time.Millisecond
)

// General is voicemail.conf's [general] section.
type General struct {
	// Formats the messages are recorded in; the first is the one played.
	Formats     []string
	ServerEmail string
	FromString  string
	// Attach attaches the recording to notification e-mails.
	Attach       bool
	EmailSubject string
	EmailBody    string
	// MailCmd is Asterisk's sendmail command; Obelisk sends over SMTP
	// instead and ignores it (a warning says so).
	MailCmd string
	// SMTPServer is Obelisk's smtpserver=host[:port] (port 25 when
	// omitted): the server new-message e-mails are handed to. No e-mail is
	// sent without it.
	SMTPServer string
	// SMTPUser and SMTPPassword, when set, authenticate with AUTH PLAIN
	// (over STARTTLS, or to a server on the loopback).
	SMTPUser, SMTPPassword string
	MaxMsg                 int
	// MaxSecs caps a message's length (0 = no limit); MinSecs drops shorter ones.
	MaxSecs, MinSecs time.Duration
	// MaxSilence ends a recording after this much silence (0 = never).
	MaxSilence       time.Duration
	SilenceThreshold int
	SkipMS           time.Duration
	MaxLogins        int
	Review           bool
	Operator         bool
	SayCID           bool
	SayDuration      bool
	Envelope         bool
	TZ               string
	MinPassword      int
}

// Zone is a [zonemessages] entry: how message times are read out.
type Zone struct {
	Name     string
	Location string
	Format   string
}

// Mailbox is a `box => password,full name,email,pager,options` line.
type Mailbox struct {
	Pos     config.Pos
	Context string
	Box     string
	// Password is the PIN; FixedPassword is true when it was written with
	// a leading '-' (the user cannot change it).
	Password      string
	FixedPassword bool
	FullName      string
	Email         string
	Pager         string
	// Options are the `|`-separated key=value overrides (attach=yes|tz=…).
	Options map[string]string
}

// Address returns "box@context".
func (m *Mailbox) Address() string { return m.Box + "@" + m.Context }

// Config is voicemail.conf.
type Config struct {
	General General
	Zones   []Zone
	// Mailboxes in file order; contexts are the other sections' names.
	Mailboxes []*Mailbox
}

// Mailbox finds "box@context" (context "default" when omitted).
func (c *Config) Mailbox(addr string) *Mailbox {
	box, ctx, ok := strings.Cut(addr, "@")
	if !ok || ctx == "" {
		ctx = "default"
	}
	for _, m := range c.Mailboxes {
		if m.Box == box && m.Context == ctx {
			return m
		}
	}
	return nil
}

// Contexts lists the mailbox contexts in file order.
func (c *Config) Contexts() []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range c.Mailboxes {
		if !seen[m.Context] {
			seen[m.Context] = true
			out = append(out, m.Context)
		}
	}
	return out
}

// knownFormats are the recording formats Asterisk offers; Obelisk records
// wav (8 kHz 16-bit), and accepts the others with a warning.
var knownFormats = map[string]bool{"wav": true, "wav49": true, "gsm": true, "ulaw": true, "alaw": true, "sln": true, "g722": true, "g729": true, "ogg": true}

var ignoredGeneral = []string{"pbxskip", "emaildateformat", "pagerdateformat", "locale", "charset", "adsifdn",
	"adsisec", "adsiver", "searchcontexts", "callback", "dialout", "exitcontext", "nextaftercmd", "forcename",
	"forcegreetings", "tempgreetwarn", "usedirectory", "moveheard", "sendvoicemail", "listen-control-forward-key",
	"listen-control-reverse-key", "listen-control-pause-key", "listen-control-restart-key", "listen-control-stop-key",
	"backupdeleted", "volgain", "odbcstorage", "odbctable", "imapserver", "pagerfromstring", "pagersubject",
	"pagerbody", "externnotify", "externpass", "externpasscheck", "smdienable", "smdiport", "directoryintro",
	"emailonly", "hidefromdir", "userscontext", "pollmailboxes", "pollfreq", "maxgreet", "passwordlocation",
	"cidinternalcontexts", "delete"}

// LoadConfig reads voicemail.conf.
func LoadConfig(f *config.File) (*Config, config.Diagnostics) {
	var diags config.Diagnostics
	cfg := &Config{General: General{Formats: []string{"wav"}, MaxMsg: DefaultMaxMsg, MaxLogins: DefaultMaxLogins,
		SilenceThreshold: DefaultSilenceThreshold, SkipMS: DefaultSkip, Envelope: true}}
	for _, s := range f.Sections {
		r := config.NewSectionReader(f.Name, s, &diags)
		switch s.Name {
		case "general":
			readGeneral(r, &cfg.General)
		case "zonemessages":
			for _, e := range s.Entries {
				loc, format, _ := strings.Cut(e.Value, "|")
				if _, err := time.LoadLocation(strings.TrimSpace(loc)); err != nil {
					r.Errorf(e.Pos, "zone %s: unknown time zone %q", e.Key, loc)
				}
				cfg.Zones = append(cfg.Zones, Zone{Name: e.Key, Location: strings.TrimSpace(loc), Format: format})
			}
		default:
			for _, e := range s.Entries {
				m, err := ParseMailbox(e.Key, e.Value)
				if err != nil {
					r.Errorf(e.Pos, "%v", err)
					continue
				}
				m.Pos, m.Context = e.Pos, s.Name
				if old := cfg.Mailbox(m.Address()); old != nil {
					r.Errorf(e.Pos, "mailbox %s is defined twice (first at %s)", m.Address(), old.Pos)
					continue
				}
				cfg.Mailboxes = append(cfg.Mailboxes, m)
			}
		}
	}
	return cfg, diags
}

func readGeneral(r *config.SectionReader, g *General) {
	if e, ok := r.Lookup("format"); ok {
		g.Formats = nil
		for _, f := range strings.Split(e.Value, "|") {
			f = strings.ToLower(strings.TrimSpace(f))
			if f == "" {
				continue
			}
			if !knownFormats[f] {
				r.Errorf(e.Pos, "format: unknown format %q", f)
				continue
			}
			if f != "wav" {
				r.Warnf(e.Pos, "format: Obelisk records wav; %q is ignored", f)
				continue
			}
			g.Formats = append(g.Formats, f)
		}
		if len(g.Formats) == 0 {
			g.Formats = []string{"wav"}
		}
	}
	r.String("serveremail", &g.ServerEmail)
	r.String("fromstring", &g.FromString)
	r.Bool("attach", &g.Attach)
	r.String("emailsubject", &g.EmailSubject)
	r.String("emailbody", &g.EmailBody)
	if r.String("mailcmd", &g.MailCmd) {
		if e, _ := r.Lookup("mailcmd"); !r.Has("smtpserver") {
			r.Warnf(e.Pos, "mailcmd: Obelisk sends e-mail over SMTP; set smtpserver=host:port (mailcmd is ignored)")
		}
	}
	if e, ok := r.Lookup("smtpserver"); ok {
		g.SMTPServer = strings.TrimSpace(e.Value)
		if _, _, err := net.SplitHostPort(g.SMTPServer); err != nil {
			if strings.Contains(g.SMTPServer, ":") && !strings.HasPrefix(g.SMTPServer, "[") {
				r.Errorf(e.Pos, "smtpserver: %q is not host[:port]", e.Value)
				g.SMTPServer = ""
			} else if g.SMTPServer != "" {
				g.SMTPServer = net.JoinHostPort(strings.Trim(g.SMTPServer, "[]"), "25")
			}
		}
	}
	r.String("smtpuser", &g.SMTPUser)
	r.String("smtppassword", &g.SMTPPassword)
	r.Int("maxmsg", &g.MaxMsg, 1, 9999)
	r.Duration("maxsecs", &g.MaxSecs, time.Second, 24*time.Hour)
	r.Duration("maxmessage", &g.MaxSecs, time.Second, 24*time.Hour)
	r.Duration("minsecs", &g.MinSecs, time.Second, time.Hour)
	r.Duration("minmessage", &g.MinSecs, time.Second, time.Hour)
	r.Duration("maxsilence", &g.MaxSilence, time.Second, time.Hour)
	r.Int("silencethreshold", &g.SilenceThreshold, 0, 32767)
	r.Duration("skipms", &g.SkipMS, time.Millisecond, time.Hour)
	r.Int("maxlogins", &g.MaxLogins, 1, 100)
	r.Bool("review", &g.Review)
	r.Bool("operator", &g.Operator)
	r.Bool("saycid", &g.SayCID)
	r.Bool("sayduration", &g.SayDuration)
	r.Bool("envelope", &g.Envelope)
	r.String("tz", &g.TZ)
	r.Int("minpassword", &g.MinPassword, 0, 20)
	r.Ignore(ignoredGeneral...)
	r.Unknown()
}

// ParseMailbox reads `box => password,full name,email,pager,options`.
func ParseMailbox(box, value string) (*Mailbox, error) {
	box = strings.TrimSpace(box)
	if box == "" {
		return nil, fmt.Errorf("mailbox without a number")
	}
	for _, c := range box {
		if c == '@' || c == ',' || c == '|' || c == ' ' {
			return nil, fmt.Errorf("mailbox %q: invalid character %q", box, c)
		}
	}
	parts := strings.SplitN(value, ",", 5)
	m := &Mailbox{Box: box, Options: map[string]string{}}
	m.Password = strings.TrimSpace(parts[0])
	if strings.HasPrefix(m.Password, "-") {
		m.Password, m.FixedPassword = m.Password[1:], true
	}
	if m.Password == "" {
		return nil, fmt.Errorf("mailbox %s has no password", box)
	}
	get := func(i int) string {
		if i < len(parts) {
			return strings.TrimSpace(parts[i])
		}
		return ""
	}
	m.FullName, m.Email, m.Pager = get(1), get(2), get(3)
	if opts := get(4); opts != "" {
		for _, kv := range strings.Split(opts, "|") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, fmt.Errorf("mailbox %s: option %q is not key=value", box, kv)
			}
			m.Options[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return m, nil
}
