package cdr

import (
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// General is cdr.conf's [general] section: the options of Asterisk's CDR
// engine (main/cdr.c) that change which records are written and what they
// say. Batch mode (batch, size, time, scheduleronly, safeshutdown) is read
// and ignored: Obelisk writes and syncs each record when its channel ends,
// which is what safeshutdown=yes wants with nothing to lose on a crash.
type General struct {
	// Enable turns CDRs on (enable, default yes); off, no record is
	// written.
	Enable bool
	// Unanswered also writes the unanswered records that have no called
	// channel (unanswered, default no): a call hung up in the dialplan
	// before it was answered, a call file that was not answered. An
	// unanswered attempt to call a channel (a Dial or a queue member that
	// did not answer) is written either way.
	Unanswered bool
	// Congestion makes congestion its own disposition (congestion, default
	// no: FAILED).
	Congestion bool
	// EndBeforeHExten ends the records when the channel hangs up, before
	// the h extension runs, whose applications then change nothing
	// (endbeforehexten, default yes).
	EndBeforeHExten bool
	// InitiatedSeconds rounds billsec up when half a second or more of
	// the last second was used (initiatedseconds, default no: truncated).
	InitiatedSeconds bool
}

// DefaultGeneral is Asterisk's [general] when cdr.conf sets nothing.
var DefaultGeneral = General{Enable: true, EndBeforeHExten: true}

// Config is cdr.conf: the engine's [general] and cdr_csv's [csv].
type Config struct {
	General General
	CSV     CSVConfig
}

// DefaultConfig is the configuration without a cdr.conf.
func DefaultConfig() *Config {
	return &Config{General: DefaultGeneral, CSV: DefaultCSVConfig}
}

// LoadConfig reads cdr.conf. Sections of other backends ([custom],
// [manager], [odbc], [pgsql], [radius], [sqlite], [tds], [mysql]) are
// ignored, as cdr.c ignores them; other sections are warned about.
func LoadConfig(f *config.File) (*Config, config.Diagnostics) {
	var diags config.Diagnostics
	cfg := DefaultConfig()
	for _, s := range f.Sections {
		r := config.NewSectionReader(f.Name, s, &diags)
		switch s.Name {
		case "general":
			g := &cfg.General
			r.Bool("enable", &g.Enable)
			r.Bool("unanswered", &g.Unanswered)
			r.Bool("congestion", &g.Congestion)
			r.Bool("endbeforehexten", &g.EndBeforeHExten)
			r.Bool("initiatedseconds", &g.InitiatedSeconds)
			var batch bool
			var size int
			var every time.Duration
			r.Bool("batch", &batch)
			r.Int("size", &size, 0, 1000)
			r.Duration("time", &every, time.Second, 24*time.Hour)
			r.Ignore("scheduleronly", "safeshutdown", "debug", "channeldefaultenabled", "ignorestatechanges", "ignoredialchanges")
			r.Unknown()
		case "csv":
			c := &cfg.CSV
			r.Bool("usegmtime", &c.UseGMTime)
			r.Bool("loguniqueid", &c.LogUniqueID)
			r.Bool("loguserfield", &c.LogUserField)
			r.Bool("accountlogs", &c.AccountLogs)
			r.Bool("newcdrcolumns", &c.NewCDRColumns)
			r.Unknown()
		case "custom", "manager", "odbc", "pgsql", "radius", "sqlite", "tds", "mysql":
		default:
			r.Warnf(s.Pos, "unknown section [%s]", s.Name)
		}
	}
	return cfg, diags
}
