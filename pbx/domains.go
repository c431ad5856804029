package pbx

import (
	"io/fs"

	"github.com/obelisk-pbx/obelisk/config"
)

// domainConfig holds the typed configuration of each domain package.
type domainConfig struct{}

// loadDomains reads the domain files (sip.conf/pjsip.conf, queues.conf,
// voicemail.conf, features.conf, manager.conf, http.conf, musiconhold.conf).
func (c *Config) loadDomains(fsys fs.FS) config.Diagnostics { return nil }
