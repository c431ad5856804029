package pbx

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/media"
)

// mixMonitorOptions are MixMonitor's arguments, parsed.
type mixMonitorOptions struct {
	rec media.RecorderOptions
	// uidVar is option i(var): the channel variable that gets the ID.
	uidVar string
	// command runs when the recording ends; ^{X} became ${X} and was
	// substituted when MixMonitor ran, as app_mixmonitor does.
	command string
	// ignored lists the options Obelisk does not implement.
	ignored []string
}

// parseMixMonitorArgs reads MixMonitor(file.ext[,options[,command]]) as
// mixmonitor_exec does; recordings resolves relative file names.
// Volumes outside -4..4 are reported in warnings and left at 0, as
// app_mixmonitor logs and ignores them.
func parseMixMonitorArgs(parts []string, recordings string) (o mixMonitorOptions, warnings []string, err error) {
	file := strings.TrimSpace(arg(parts, 0))
	flags := parseDialOptions(arg(parts, 1))
	volume := func(opt rune, what string) (int, bool) {
		v, ok := flags[opt]
		if !ok {
			return 0, false
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < -media.MaxRecorderVolume || n > media.MaxRecorderVolume {
			warnings = append(warnings, fmt.Sprintf("%s volume must be a number between -4 and 4, not %q", what, v))
			return 0, false
		}
		return n, true
	}
	if v, ok := volume('v', "heard (v)"); ok {
		o.rec.RxVolume = v
	}
	if v, ok := volume('V', "spoken (V)"); ok {
		o.rec.TxVolume = v
	}
	if v, ok := volume('W', "combined (W)"); ok {
		o.rec.RxVolume, o.rec.TxVolume = v, v
	}
	for opt, v := range flags {
		switch opt {
		case 'a':
			o.rec.Append = true
		case 'b':
			o.rec.BridgedOnly = true
		case 'D':
			o.rec.Interleave = true
		case 'r':
			o.rec.RxFile = resolveUnder(recordings, v)
		case 't':
			o.rec.TxFile = resolveUnder(recordings, v)
		case 'i':
			o.uidVar = strings.TrimSpace(v)
		case 'v', 'V', 'W':
		default:
			o.ignored = append(o.ignored, string(opt))
		}
	}
	if file == "" && o.rec.RxFile == "" && o.rec.TxFile == "" {
		return o, warnings, errors.New("MixMonitor requires an argument (filename or ,t(filename) and/or r(filename))")
	}
	o.rec.File = resolveUnder(recordings, file)
	o.command = strings.ReplaceAll(arg(parts, 2), "^{", "${")
	return o, warnings, nil
}

// resolveUnder returns name under dir unless it is absolute ("" stays "").
func resolveUnder(dir, name string) string {
	name = strings.TrimSpace(name)
	if name == "" || filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(dir, name)
}

// arg returns parts[i] or "".
func arg(parts []string, i int) string {
	if i < len(parts) {
		return parts[i]
	}
	return ""
}

// mixMonitor is one MixMonitor recording a call.
type mixMonitor struct {
	id      string
	file    string // the combined file, or the first of r() and t()
	rec     *media.Recorder
	command string
	log     *slog.Logger
	once    sync.Once
	stopped chan struct{}
}

// errMonitorClosed is the recorder's error once it is closed.
var errMonitorClosed = os.ErrClosed

// newMonitorID returns a random UUID (app_mixmonitor's datastore IDs are
// ast_uuid_generate_str's).
func newMonitorID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// startMixMonitor records the call to m's files until StopMixMonitor or
// the hangup.
func (c *sipCall) startMixMonitor(m *mixMonitor) {
	c.media.mu.Lock()
	c.media.monitors = append(c.media.monitors, m)
	bridged := c.media.bridged
	c.media.mu.Unlock()
	_ = m.rec.SetBridged(bridged, time.Now())
	c.in.AddRecorder(m.rec)
	go func() {
		select {
		case <-c.in.Context().Done():
			c.stopMixMonitor(m)
		case <-m.stopped:
		}
	}()
}

// findMixMonitor returns the MixMonitor with id, or the latest started
// when id is empty (StopMixMonitor without an ID), or nil.
func (c *sipCall) findMixMonitor(id string) *mixMonitor {
	c.media.mu.Lock()
	defer c.media.mu.Unlock()
	for i := len(c.media.monitors) - 1; i >= 0; i-- {
		if m := c.media.monitors[i]; id == "" || m.id == id {
			return m
		}
	}
	return nil
}

// stopMixMonitor ends m's recording: its files are complete and closed
// when it returns; its command then runs in the background.
func (c *sipCall) stopMixMonitor(m *mixMonitor) {
	m.once.Do(func() {
		c.in.RemoveRecorder(m.rec)
		err := m.rec.Close()
		c.media.mu.Lock()
		for i, x := range c.media.monitors {
			if x == m {
				c.media.monitors = append(c.media.monitors[:i], c.media.monitors[i+1:]...)
				break
			}
		}
		c.media.mu.Unlock()
		close(m.stopped)
		if err != nil {
			m.log.Error("MixMonitor: recording failed", "file", m.file, "error", err)
		} else {
			m.log.Info("MixMonitor: recording ended", "file", m.file, "duration", m.rec.Duration(), "id", m.id)
		}
		if m.command != "" {
			go func() {
				code, err := c.sw.shell(context.Background(), m.command)
				if err != nil || code != 0 {
					m.log.Warn("MixMonitor: command failed", "command", m.command, "exit", code, "error", err)
					return
				}
				m.log.Info("MixMonitor: command done", "command", m.command)
			}()
		}
	})
}

// mixMonitorApp is Asterisk's MixMonitor.
//
// # Syntax
//
//	MixMonitor(file.ext[,options[,command]])
//
// Records the call, both directions, while the dialplan goes on: what the
// caller says and everything the caller hears (the called party through a
// bridge, prompts, music on hold). The recording is written as the call
// runs (flushed at least once a second) and ends, its files closed, at
// StopMixMonitor or the hangup. The extension chooses the format: .wav,
// .sln or .raw (signed linear), .ulaw, .alaw. A relative name is under
// the data directory's recordings/, as the project's data layout has it
// (Asterisk uses ${ASTSPOOLDIR}/monitor; give that path, or any absolute
// path, to record there). Missing directories are created.
// MIXMONITOR_FILENAME is set to the file's absolute path.
//
// command runs through the shell, as System() does, once the files are
// closed; ^{VAR} in it is substituted when MixMonitor runs (write it so
// that the dialplan does not substitute it earlier), e.g.
// ^{MIXMONITOR_FILENAME}.
//
// # Options
//
//   - a: append to the files instead of replacing them.
//   - b: record only while the call is bridged (Dial); the time not
//     bridged is left out of the files.
//   - D: interleaved stereo: left the audio received from the channel,
//     right the audio sent to it (.wav, .sln or .raw).
//   - r(file): also record the received audio alone to file.
//   - t(file): also record the transmitted audio alone to file.
//   - v(x): received volume, x from -4 to 4 (×2^x, or ÷2^-x).
//   - V(x): transmitted volume, likewise.
//   - W(x): both volumes.
//   - i(var): store the MixMonitor's ID in variable var, for
//     StopMixMonitor(${var}).
//
// Other app_mixmonitor options (B, m, p, P, S …) are logged and ignored.
//
// # Example
//
//	exten => _X.,1,MixMonitor(${UNIQUEID}.wav,bD i(MONID),gzip -9 ^{MIXMONITOR_FILENAME})
//	 same => n,Dial(SIP/1001,30)
//	 same => n,StopMixMonitor(${MONID})
func mixMonitorApp() *ivr.App {
	return &ivr.App{
		Name:     "MixMonitor",
		Synopsis: "Record the call in the background: MixMonitor(file.ext[,options[,command]]); sets MIXMONITOR_FILENAME",
		Exec: func(ctx context.Context, ch *ivr.Channel, args string) error {
			log := ch.Logger()
			c, ok := mediaCall(ch)
			if !ok {
				log.Info("MixMonitor: the call has no media", "args", args)
				return nil
			}
			recordings, err := filepath.Abs(filepath.Join(c.sw.opts.DataDir, "recordings"))
			if err != nil {
				return fmt.Errorf("MixMonitor: %w", err)
			}
			o, warnings, err := parseMixMonitorArgs(ivr.SplitArgs(args), recordings)
			for _, w := range warnings {
				log.Warn("MixMonitor: " + w)
			}
			if err != nil {
				log.Warn("MixMonitor: " + err.Error())
				return err
			}
			if len(o.ignored) > 0 {
				log.Warn("MixMonitor: options not supported, ignored", "options", strings.Join(o.ignored, ""))
			}
			ch.SetVar("MIXMONITOR_FILENAME", o.rec.File)
			for _, f := range []string{o.rec.File, o.rec.RxFile, o.rec.TxFile} {
				if f != "" {
					if err := os.MkdirAll(filepath.Dir(f), 0o750); err != nil {
						log.Error("MixMonitor: cannot create the directory", "file", f, "error", err)
						return nil
					}
				}
			}
			rec, err := media.NewRecorder(time.Now(), o.rec)
			if err != nil {
				log.Error("MixMonitor: cannot record", "error", err)
				return nil
			}
			m := &mixMonitor{id: newMonitorID(), file: firstNonEmpty(o.rec.File, firstNonEmpty(o.rec.RxFile, o.rec.TxFile)),
				rec: rec, log: log, stopped: make(chan struct{})}
			if o.command != "" {
				m.command = ch.Expand(o.command)
			}
			if o.uidVar != "" {
				ch.SetVar(o.uidVar, m.id)
			}
			c.startMixMonitor(m)
			log.Info("MixMonitor: recording", "file", m.file, "rx", o.rec.RxFile, "tx", o.rec.TxFile,
				"stereo", o.rec.Interleave, "bridged_only", o.rec.BridgedOnly, "id", m.id)
			return nil
		},
	}
}

// stopMixMonitorApp is Asterisk's StopMixMonitor.
//
// # Syntax
//
//	StopMixMonitor([MixMonitorID])
//
// Stops the MixMonitor whose ID option i() stored, or without an ID the
// one started last. Its files are complete and closed when the dialplan
// goes on, so the next priority may use them; its command, if any, runs
// then. Without a MixMonitor to stop it does nothing.
//
// # Example
//
//	same => n,MixMonitor(call.wav,i(MONID))
//	same => n,Dial(SIP/1001,30,g)
//	same => n,StopMixMonitor(${MONID})
//	same => n,System(cp ${MIXMONITOR_FILENAME} /archive/)
func stopMixMonitorApp() *ivr.App {
	return &ivr.App{
		Name:     "StopMixMonitor",
		Synopsis: "Stop a MixMonitor and close its files: StopMixMonitor([MixMonitorID])",
		Exec: func(ctx context.Context, ch *ivr.Channel, args string) error {
			c, ok := mediaCall(ch)
			if !ok {
				return nil
			}
			id := strings.TrimSpace(arg(ivr.SplitArgs(args), 0))
			if m := c.findMixMonitor(id); m != nil {
				c.stopMixMonitor(m)
			} else {
				ch.Logger().Debug("StopMixMonitor: no MixMonitor to stop", "id", id)
			}
			return nil
		},
	}
}
