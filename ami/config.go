package ami

import (
	"net/netip"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// DefaultPort is AMI's TCP port.
const DefaultPort = 5038

// Classes are the read/write permission classes of manager.conf.
var Classes = []string{"system", "call", "log", "verbose", "command", "agent", "user", "config", "dtmf",
	"reporting", "cdr", "dialplan", "originate", "agi", "cc", "aoc", "test", "security", "message"}

// General is manager.conf's [general] section.
type General struct {
	// Enabled turns the manager on (default no).
	Enabled  bool
	BindAddr string
	Port     int
	// TLS
	TLSEnable   bool
	TLSBindAddr string
	TLSCertFile string
	TLSKeyFile  string
	// WebEnabled serves AMI over HTTP too (http.conf).
	WebEnabled      bool
	TimestampEvents bool
	DisplayConnects bool
	AuthTimeout     time.Duration
	AuthLimit       int
	ChannelVars     []string
}

// User is one manager account.
type User struct {
	Pos    config.Pos
	Name   string
	Secret string
	ACL    config.ACL
	// Read and Write are the permission classes; "all" expands to every class.
	Read, Write  []string
	WriteTimeout time.Duration
	// EventFilters are eventfilter= lines in order (`!` prefix excludes).
	EventFilters []string
}

// CanRead reports whether the user may receive events of class.
func (u *User) CanRead(class string) bool { return has(u.Read, class) }

// CanWrite reports whether the user may run actions of class.
func (u *User) CanWrite(class string) bool { return has(u.Write, class) }

func has(list []string, c string) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}

// Config is manager.conf.
type Config struct {
	General General
	Users   []*User
}

// User returns the account named name, or nil.
func (c *Config) User(name string) *User {
	for _, u := range c.Users {
		if u.Name == name {
			return u
		}
	}
	return nil
}

// LoadConfig reads manager.conf.
func LoadConfig(f *config.File) (*Config, config.Diagnostics) {
	var diags config.Diagnostics
	cfg := &Config{General: General{BindAddr: "0.0.0.0", Port: DefaultPort, AuthTimeout: 30 * time.Second, AuthLimit: 50}}
	for _, s := range f.Sections {
		r := config.NewSectionReader(f.Name, s, &diags)
		if s.Name == "general" {
			g := &cfg.General
			r.Bool("enabled", &g.Enabled)
			r.String("bindaddr", &g.BindAddr)
			if _, err := netip.ParseAddr(g.BindAddr); err != nil {
				e, _ := r.Lookup("bindaddr")
				r.Errorf(e.Pos, "bindaddr: %q is not an IP address", g.BindAddr)
			}
			r.Int("port", &g.Port, 1, 65535)
			r.Bool("tlsenable", &g.TLSEnable)
			r.String("tlsbindaddr", &g.TLSBindAddr)
			r.String("tlscertfile", &g.TLSCertFile)
			r.String("tlsprivatekey", &g.TLSKeyFile)
			if g.TLSEnable && g.TLSCertFile == "" {
				r.Errorf(s.Pos, "tlsenable=yes needs tlscertfile")
			}
			r.Bool("webenabled", &g.WebEnabled)
			r.Bool("timestampevents", &g.TimestampEvents)
			r.Bool("displayconnects", &g.DisplayConnects)
			r.Duration("authtimeout", &g.AuthTimeout, time.Second, time.Hour)
			r.Int("authlimit", &g.AuthLimit, 1, 100000)
			if e, ok := r.Lookup("channelvars"); ok {
				for _, v := range strings.Split(e.Value, ",") {
					if v = strings.TrimSpace(v); v != "" {
						g.ChannelVars = append(g.ChannelVars, v)
					}
				}
			}
			r.Ignore("debug", "httptimeout", "allowmultiplelogin", "hide_connect", "block-sockets")
			r.Unknown()
			continue
		}
		if cfg.User(s.Name) != nil {
			r.Errorf(s.Pos, "manager user [%s] is defined twice", s.Name)
			continue
		}
		u := &User{Pos: s.Pos, Name: s.Name, WriteTimeout: 100 * time.Millisecond}
		if !r.String("secret", &u.Secret) || u.Secret == "" {
			r.Errorf(s.Pos, "manager user [%s] has no secret", s.Name)
		}
		for _, e := range s.Entries {
			permit := strings.EqualFold(e.Key, "permit")
			if !permit && !strings.EqualFold(e.Key, "deny") {
				continue
			}
			n, err := config.ParseNet(e.Value)
			if err != nil {
				r.Errorf(e.Pos, "%s: %v", e.Key, err)
				continue
			}
			u.ACL = append(u.ACL, config.ACLRule{Pos: e.Pos, Permit: permit, Net: n})
		}
		r.Ignore("permit", "deny")
		u.Read = readClasses(r, "read")
		u.Write = readClasses(r, "write")
		r.Duration("writetimeout", &u.WriteTimeout, time.Millisecond, time.Minute)
		r.Each("eventfilter", func(e config.Entry) { u.EventFilters = append(u.EventFilters, e.Value) })
		r.Ignore("displayconnects", "allowmultiplelogin", "acl", "setvar")
		r.Unknown()
		cfg.Users = append(cfg.Users, u)
	}
	return cfg, diags
}

func readClasses(r *config.SectionReader, key string) []string {
	e, ok := r.Lookup(key)
	if !ok {
		return nil
	}
	var out []string
	for _, c := range strings.Split(e.Value, ",") {
		c = strings.ToLower(strings.TrimSpace(c))
		switch {
		case c == "":
		case c == "all":
			out = append(out, Classes...)
		case has(Classes, c):
			if !has(out, c) {
				out = append(out, c)
			}
		default:
			r.Warnf(e.Pos, "%s: unknown class %q", key, c)
		}
	}
	return out
}
