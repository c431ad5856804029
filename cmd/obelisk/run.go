package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	sipgosip "github.com/emiago/sipgo/sip"
	"github.com/obelisk-pbx/obelisk/config"
	"github.com/obelisk-pbx/obelisk/pbx"
)

func runCmd(args []string, stdout, stderr io.Writer) int {
	fl := newFlagSet("run", "run [--config DIR] [--data DIR] [--log-level LEVEL]", stderr)
	dir := fl.String("config", "", "configuration directory (default: the built-in demo call centre)")
	data := fl.String("data", "./obelisk-data", "data directory: store, sounds, recordings, voicemail, spool, logs")
	level := fl.String("log-level", "info", "log level: debug, info, warn or error")
	if code := parseFlags(fl, args); code >= 0 {
		return code
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(stderr, "obelisk run: bad --log-level %q\n", *level)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lv}))
	// sipgo logs through a package-level logger (unparsable packets, …).
	sipgosip.SetDefaultLogger(logger.With("component", "sipgo"))
	fsys, name, err := configFS(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "obelisk run:", err)
		return 2
	}
	sw, err := pbx.New(pbx.Options{ConfigFS: fsys, ConfigName: name, DataDir: *data, Logger: logger})
	if err != nil {
		var diags config.Diagnostics
		if errors.As(err, &diags) {
			fmt.Fprintf(stderr, "obelisk run: the configuration in %s has errors:\n%s\n", name, indent(diags.Error()))
		} else {
			fmt.Fprintln(stderr, "obelisk run:", err)
		}
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				_, _ = sw.Reload() // logged by the switch; the old configuration stays on error
			}
		}
	}()
	logger.Info("obelisk running; SIGHUP reloads the configuration, Ctrl-C stops", "config", name, "data", *data)
	if err := sw.Run(ctx); err != nil {
		logger.Error("stopped with an error", "error", err)
		return 1
	}
	logger.Info("stopped")
	return 0
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
