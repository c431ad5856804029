package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func versionCmd(args []string, stdout, stderr io.Writer) int {
	fl := newFlagSet("version", "version", stderr)
	if code := parseFlags(fl, args); code >= 0 {
		return code
	}
	fmt.Fprintf(stdout, "obelisk %s\n", version)
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return 0
	}
	fmt.Fprintf(stdout, "built with %s\n", bi.GoVersion)
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" || s.Key == "vcs.time" || s.Key == "vcs.modified" {
			fmt.Fprintf(stdout, "%s %s\n", s.Key, s.Value)
		}
	}
	for _, d := range bi.Deps {
		for _, p := range []string{"github.com/emiago/", "github.com/pion/rtp", "github.com/pion/sdp", "github.com/zaf/g711", "go.etcd.io/bbolt"} {
			if strings.HasPrefix(d.Path, p) {
				fmt.Fprintf(stdout, "  %s %s\n", d.Path, d.Version)
			}
		}
	}
	return 0
}
