package pbx

import (
	"errors"
	"io/fs"

	"github.com/obelisk-pbx/obelisk/config"
	"github.com/obelisk-pbx/obelisk/ivr"
)

// Config is one consistent snapshot of the switch's configuration files.
type Config struct {
	// Dialplan is extensions.conf.
	Dialplan *ivr.Dialplan
	// Files lists every file read, includes too.
	Files []string
	domainConfig
	campaignConfig
}

// Files the switch reads from its configuration directory, in the order
// `obelisk check` reports them.
const (
	ExtensionsConf = "extensions.conf"
)

// LoadConfig reads every configuration file the switch uses from fsys and
// checks applications and functions against reg. It returns the snapshot and
// every diagnostic; the snapshot is usable only when the diagnostics hold no
// errors.
func LoadConfig(fsys fs.FS, reg *ivr.Registry) (*Config, config.Diagnostics) {
	cfg := &Config{}
	var diags config.Diagnostics

	if _, err := fs.Stat(fsys, ExtensionsConf); errors.Is(err, fs.ErrNotExist) {
		diags = append(diags, config.Errorf(config.Pos{File: ExtensionsConf}, "file not found: the switch needs a dialplan"))
	} else {
		f, ds := config.Load(fsys, ExtensionsConf)
		diags = append(diags, ds...)
		if f != nil {
			cfg.Files = append(cfg.Files, f.Files...)
			dp, ds := ivr.LoadDialplan(f, ivr.LoadOptions{KnownApp: reg.HasApp})
			diags = append(diags, ds...)
			if dp != nil {
				diags = append(diags, ivr.CheckFunctions(dp, reg)...)
				diags = append(diags, ivr.CheckGotos(dp)...)
			}
			cfg.Dialplan = dp
		}
	}
	diags = append(diags, cfg.loadDomains(fsys)...)
	diags = append(diags, cfg.loadCampaigns(fsys)...) // campaign.go
	return cfg, diags
}
