// Command obelisk is a SIP/RTP softswitch that runs Asterisk's configuration
// files: `obelisk run` serves calls, `obelisk check` validates a
// configuration directory, `obelisk simulate` walks a dialplan with a
// simulated caller.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/obelisk-pbx/obelisk/testdata"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"run", "run the switch (the built-in demo call centre unless --config is given)", runCmd},
		{"check", "check a configuration directory and print every problem as file:line", checkCmd},
		{"simulate", "run a dialplan against a simulated caller and print each step", simulateCmd},
		{"campaigns", "list a stopped switch's campaigns, or print one's results as CSV", campaignsCmd},
		{"version", "print the version and the libraries it was built with", versionCmd},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "obelisk: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Obelisk: a SIP softswitch that speaks Asterisk's configuration.")
	fmt.Fprintln(w, "\nUsage: obelisk <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'obelisk <command> --help' for a command's flags.")
}

// newFlagSet returns a flag set whose --help prints a synopsis and flags.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprintf(fl.Output(), "Usage: obelisk %s\n\n", synopsis)
		fl.PrintDefaults()
	}
	return fl
}

// parseFlags parses args; it returns the exit code to use when parsing
// ended the command (help or a bad flag), or -1 to go on.
func parseFlags(fl *flag.FlagSet, args []string) int {
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(fl.Output(), "obelisk %s: unexpected argument %q\n", fl.Name(), fl.Arg(0))
		return 2
	}
	return -1
}

// configFS returns the configuration directory, or the embedded demo when
// dir is empty, and a name for messages.
func configFS(dir string) (fs.FS, string, error) {
	if dir == "" {
		return testdata.Demo, "built-in demo call centre", nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, "", fmt.Errorf("configuration directory: %w", err)
	}
	if !st.IsDir() {
		return nil, "", fmt.Errorf("configuration directory %s is not a directory", dir)
	}
	return os.DirFS(dir), dir, nil
}
