package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/pbx"
)

// varsFlag collects repeated --var NAME=VALUE.
type varsFlag map[string]string

func (v varsFlag) String() string { return "" }

func (v varsFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", s)
	}
	v[name] = value
	return nil
}

func simulateCmd(args []string, stdout, stderr io.Writer) int {
	fl := newFlagSet("simulate",
		"simulate [--config DIR] --context C --exten E [--callerid NUM] [--dtmf KEYS] [--dial-status STATUS] [flags]\n\n"+
			"Runs the dialplan against a simulated caller on a virtual clock and prints one line per\n"+
			"application executed (context,exten,priority: App(args)), what the caller hears and presses,\n"+
			"then the final state. The caller presses the --dtmf keys one at a time whenever the dialplan\n"+
			"waits for input (Background, WaitExten, Read …); spaces and '/' in KEYS are ignored, '_' lets\n"+
			"one wait time out, and once the keys run out every wait times out.\n"+
			"Dial() and Queue() are simulated with --dial-status and --queue-status; System() commands\n"+
			"are shown, not run, unless --run-system.\n\nExample:\n"+
			"  obelisk simulate --context incoming --exten 0777 --callerid 0791234567 --dtmf 2 --queue-status TIMEOUT\n",
		stderr)
	dir := fl.String("config", "", "configuration directory (default: the built-in demo call centre)")
	context_ := fl.String("context", "default", "context the call starts in")
	exten := fl.String("exten", "s", "extension the call starts at")
	callerid := fl.String("callerid", "", `caller ID: a number, or "Name" <number>`)
	keys := fl.String("dtmf", "", "keys the caller presses when asked")
	lang := fl.String("language", "en", "channel language at start")
	dialStatus := fl.String("dial-status", "ANSWER", "outcome of Dial(): ANSWER, BUSY, NOANSWER, CANCEL, CONGESTION, CHANUNAVAIL")
	queueStatus := fl.String("queue-status", "", "outcome of Queue(): ANSWER, TIMEOUT, FULL, JOINEMPTY, LEAVEEMPTY, JOINUNAVAIL, LEAVEUNAVAIL (default follows --dial-status)")
	talk := fl.Duration("talk-time", 30*time.Second, "how long answered calls last")
	at := fl.String("time", "", `simulated start time, "2006-01-02 15:04" (default now); GotoIfTime and STRFTIME see it`)
	maxDur := fl.Duration("max-duration", time.Hour, "the caller hangs up after this much simulated time")
	runSystem := fl.Bool("run-system", false, "run System() commands for real (files go under --data)")
	data := fl.String("data", "./obelisk-data", "data directory whose log/ and spool/ System() commands write to with --run-system")
	quiet := fl.Bool("quiet", false, "print only the application lines")
	vars := varsFlag{}
	fl.Var(vars, "var", "set a channel variable NAME=VALUE before the call starts (repeatable)")
	if code := parseFlags(fl, args); code >= 0 {
		return code
	}
	start := time.Now()
	if *at != "" {
		t, err := time.ParseInLocation("2006-01-02 15:04", *at, time.Local)
		if err != nil {
			fmt.Fprintf(stderr, "obelisk simulate: bad --time %q: want \"2006-01-02 15:04\"\n", *at)
			return 2
		}
		start = t
	}
	fsys, name, err := configFS(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "obelisk simulate:", err)
		return 2
	}
	reg := pbx.NewRegistry()
	cfg, diags := pbx.LoadConfig(fsys, reg)
	if err := diags.Err(); err != nil {
		fmt.Fprintf(stderr, "obelisk simulate: the configuration in %s has errors:\n%s\n", name, indent(err.Error()))
		return 1
	}
	if cfg.Dialplan.Context(*context_) == nil {
		fmt.Fprintf(stderr, "obelisk simulate: context %q does not exist in %s\n", *context_, name)
		return 1
	}
	var commentary io.Writer = stdout
	if *quiet {
		commentary = nil
	}
	opts := ivr.SimOptions{
		Context:     *context_,
		Exten:       *exten,
		CallerID:    ivr.ParseCallerID(*callerid),
		Language:    *lang,
		Keys:        *keys,
		DialStatus:  *dialStatus,
		QueueStatus: *queueStatus,
		TalkTime:    *talk,
		Start:       start,
		MaxDuration: *maxDur,
		RunSystem:   *runSystem,
		Vars:        vars,
	}
	if *runSystem {
		dirs, err := pbx.DirVars(*data)
		if err != nil {
			fmt.Fprintln(stderr, "obelisk simulate:", err)
			return 2
		}
		opts.Dirs = dirs
		for _, d := range pbx.DataDirs {
			if err := os.MkdirAll(filepath.Join(*data, d), 0o750); err != nil {
				fmt.Fprintln(stderr, "obelisk simulate:", err)
				return 2
			}
		}
	}
	from := opts.CallerID.String()
	if opts.CallerID.Name == "" {
		from = opts.CallerID.Num
	}
	if from == "" {
		from = "an anonymous caller"
	}
	fmt.Fprintf(stdout, "Simulating a call from %s to %s@%s (%s), keys %q\n\n", from, *exten, *context_, name, *keys)
	res := ivr.Simulate(context.Background(), cfg.Dialplan, reg, opts, stepWriter{stdout, commentary})
	printFinal(stdout, res)
	if res.Err != nil {
		return 1
	}
	return 0
}

// stepWriter sends application lines to steps and commentary (indented
// lines) to commentary, which may be nil.
type stepWriter struct{ steps, commentary io.Writer }

func (w stepWriter) Write(p []byte) (int, error) {
	if strings.HasPrefix(string(p), "      ") {
		if w.commentary == nil {
			return len(p), nil
		}
		return w.commentary.Write(p)
	}
	return w.steps.Write(p)
}

func printFinal(w io.Writer, res *ivr.SimResult) {
	ch := res.Channel
	d := res.Duration.Round(time.Second)
	fmt.Fprintf(w, "\n== Call ended after %02d:%02d:%02d: %s (hangup cause %d %s)\n",
		int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60, res.Reason, res.Cause, ivr.CauseName(res.Cause))
	if res.Err != nil {
		fmt.Fprintf(w, "   error: %v\n", res.Err)
	}
	fmt.Fprintf(w, "   last location: %s   language: %s   applications run: %d\n", ch.Location(), ch.Language(), len(res.Steps))
	if k := res.Caller.RemainingKeys(); k != "" {
		fmt.Fprintf(w, "   keys never asked for: %s\n", k)
	}
	if vs := ivr.FormatVars(ch); len(vs) > 0 {
		fmt.Fprintln(w, "   variables:")
		for _, v := range vs {
			fmt.Fprintf(w, "     %s\n", v)
		}
	}
}
