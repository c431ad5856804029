// Package testdata holds the built-in demo call centre and the fixtures the
// tests share (sipp scenarios, broken configurations).
//
// Demo is the configuration `obelisk run` and `obelisk simulate` use when no
// --config directory is given: the call centre of seed 001 written in
// Asterisk's own syntax (sip.conf, extensions.conf, queues.conf,
// voicemail.conf, features.conf, musiconhold.conf, manager.conf, http.conf),
// with the prompt catalogue prompts.txt.
package testdata

import (
	"embed"
	"io/fs"
)

//go:embed demo
var demo embed.FS

// Demo is the demo call centre's configuration directory.
var Demo fs.FS = mustSub(demo, "demo")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}
