package api

import (
	"net/netip"
	"strings"

	"github.com/obelisk-pbx/obelisk/config"
)

// DefaultBindPort is Asterisk's HTTP port.
const DefaultBindPort = 8088

// Config is http.conf's [general] section, as Asterisk's res_http reads it.
type Config struct {
	// Enabled turns the HTTP server on (default no).
	Enabled  bool
	BindAddr string
	BindPort int
	// Prefix is put before every URI ("" by default; Asterisk: prefix=).
	Prefix string
	// TLS settings (tlsenable, tlsbindaddr, tlscertfile, tlsprivatekey).
	TLSEnable     bool
	TLSBindAddr   string
	TLSCertFile   string
	TLSPrivateKey string
	// SessionLimit caps concurrent HTTP sessions.
	SessionLimit int
	// ServerName is sent in the Server header.
	ServerName string
}

// LoadConfig reads http.conf.
func LoadConfig(f *config.File) (*Config, config.Diagnostics) {
	var diags config.Diagnostics
	cfg := &Config{BindAddr: "127.0.0.1", BindPort: DefaultBindPort, SessionLimit: 100, ServerName: "Obelisk"}
	for _, s := range f.Sections {
		r := config.NewSectionReader(f.Name, s, &diags)
		if s.Name != "general" {
			r.Warnf(s.Pos, "section [%s] is not used by Obelisk's HTTP server", s.Name)
			r.Ignore(keys(s)...)
			continue
		}
		r.Bool("enabled", &cfg.Enabled)
		if e, ok := r.Lookup("bindaddr"); ok {
			if _, err := netip.ParseAddr(strings.TrimSpace(e.Value)); err != nil {
				r.Errorf(e.Pos, "bindaddr: %q is not an IP address", e.Value)
			} else {
				cfg.BindAddr = strings.TrimSpace(e.Value)
			}
		}
		r.Int("bindport", &cfg.BindPort, 1, 65535)
		r.String("prefix", &cfg.Prefix)
		cfg.Prefix = strings.Trim(cfg.Prefix, "/")
		r.Bool("tlsenable", &cfg.TLSEnable)
		r.String("tlsbindaddr", &cfg.TLSBindAddr)
		r.String("tlscertfile", &cfg.TLSCertFile)
		r.String("tlsprivatekey", &cfg.TLSPrivateKey)
		if cfg.TLSEnable && cfg.TLSCertFile == "" {
			r.Errorf(s.Pos, "tlsenable=yes needs tlscertfile")
		}
		r.Int("sessionlimit", &cfg.SessionLimit, 1, 100000)
		r.String("servername", &cfg.ServerName)
		r.Ignore("enablestatic", "redirect", "session_inactivity", "session_keep_alive", "tlscipher", "tlsdontverifyserver", "tlscafile", "tlscapath")
		r.Unknown()
	}
	return cfg, diags
}

func keys(s *config.Section) []string {
	var out []string
	for _, e := range s.Entries {
		out = append(out, e.Key)
	}
	return out
}
