package media

import (
	"strings"

	"github.com/obelisk-pbx/obelisk/config"
)

// MOHClass is one musiconhold.conf class. Only mode=files is supported:
// the class plays the sound files of Directory (relative to the data
// directory's sounds/ when not absolute).
type MOHClass struct {
	Pos       config.Pos
	Name      string
	Mode      string
	Directory string
	// Sort is "random", "alpha" or "randstart".
	Sort string
	// Digit selects the class with a key press while on hold.
	Digit string
	// Announcement is played before the music and between files.
	Announcement string
}

// MOHConfig is musiconhold.conf. A "default" class always exists.
type MOHConfig struct {
	Classes []*MOHClass
}

// Class returns the class named name, or nil.
func (c *MOHConfig) Class(name string) *MOHClass {
	for _, k := range c.Classes {
		if k.Name == name {
			return k
		}
	}
	return nil
}

// DefaultMOHDirectory holds the royalty-free music the project ships.
const DefaultMOHDirectory = "moh"

// LoadMOHConfig reads musiconhold.conf.
func LoadMOHConfig(f *config.File) (*MOHConfig, config.Diagnostics) {
	var diags config.Diagnostics
	cfg := &MOHConfig{}
	for _, s := range f.Sections {
		if s.Name == "general" {
			r := config.NewSectionReader(f.Name, s, &diags)
			r.Ignore("cachertclasses", "preferchannelclass")
			r.Unknown()
			continue
		}
		if cfg.Class(s.Name) != nil {
			diags = append(diags, config.Errorf(s.Pos, "music on hold class [%s] is defined twice", s.Name))
			continue
		}
		r := config.NewSectionReader(f.Name, s, &diags)
		c := &MOHClass{Pos: s.Pos, Name: s.Name, Mode: "files", Sort: "random"}
		r.String("mode", &c.Mode)
		c.Mode = strings.ToLower(c.Mode)
		switch c.Mode {
		case "files":
		case "playlist":
			r.Ignore("entry")
		default:
			e, _ := r.Lookup("mode")
			r.Warnf(e.Pos, "mode=%s is not supported (it runs an external program); class [%s] plays the default music", c.Mode, s.Name)
			r.Ignore("application", "format", "kill_escalation_delay", "kill_method")
		}
		if !r.String("directory", &c.Directory) && c.Mode == "files" {
			c.Directory = DefaultMOHDirectory
		}
		r.Enum("sort", &c.Sort, "random", "alpha", "randstart")
		if e, ok := r.Lookup("digit"); ok {
			if len(e.Value) != 1 || !strings.Contains("0123456789*#", e.Value) {
				r.Errorf(e.Pos, "digit: %q is not a single key", e.Value)
			} else {
				c.Digit = e.Value
			}
		}
		r.String("announcement", &c.Announcement)
		r.Ignore("format", "loop_last", "answeredonly")
		r.Unknown()
		cfg.Classes = append(cfg.Classes, c)
	}
	if cfg.Class("default") == nil {
		cfg.Classes = append(cfg.Classes, &MOHClass{Name: "default", Mode: "files", Directory: DefaultMOHDirectory, Sort: "random"})
	}
	return cfg, diags
}
