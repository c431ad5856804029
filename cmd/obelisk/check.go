package main

import (
	"fmt"
	"io"
	"sort"

	"github.com/obelisk-pbx/obelisk/config"
	"github.com/obelisk-pbx/obelisk/pbx"
)

func checkCmd(args []string, stdout, stderr io.Writer) int {
	fl := newFlagSet("check", "check [--config DIR] [--quiet]", stderr)
	dir := fl.String("config", "", "configuration directory (default: the built-in demo call centre)")
	quiet := fl.Bool("quiet", false, "print errors only, not warnings")
	if code := parseFlags(fl, args); code >= 0 {
		return code
	}
	fsys, name, err := configFS(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "obelisk check:", err)
		return 2
	}
	cfg, diags := pbx.LoadConfig(fsys, pbx.NewRegistry())
	// One file at a time, top to bottom, whichever stage found the problem.
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Pos, diags[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	errs, warns := 0, 0
	for _, d := range diags {
		if d.Severity == config.SeverityError {
			errs++
		} else {
			warns++
			if *quiet {
				continue
			}
		}
		fmt.Fprintln(stdout, d.Error())
	}
	files := 0
	if cfg != nil {
		files = len(cfg.Files)
	}
	fmt.Fprintf(stdout, "%s: %d files read, %s, %s\n", name, files, plural(errs, "error"), plural(warns, "warning"))
	if errs > 0 {
		return 1
	}
	return 0
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
