package ivr

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// VirtualClock is a Clock whose time moves only when something waits on it:
// the simulator runs a ten-minute call in microseconds.
type VirtualClock struct {
	mu  sync.Mutex
	now time.Time
	// Deadline, when set, ends every wait that would pass it with ErrHangup:
	// the simulated caller hangs up then.
	Deadline time.Time
}

// NewVirtualClock returns a clock starting at start.
func NewVirtualClock(start time.Time) *VirtualClock { return &VirtualClock{now: start} }

// Now returns the virtual time.
func (c *VirtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d, or to the deadline and ErrHangup.
func (c *VirtualClock) Advance(d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.Deadline.IsZero() && !c.now.Add(d).Before(c.Deadline) {
		c.now = c.Deadline
		return fmt.Errorf("%w: the simulated caller hung up", ErrHangup)
	}
	c.now = c.now.Add(d)
	return nil
}

// Sleep advances the clock by d.
func (c *VirtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.Advance(max(d, 0))
}

// SimCaller is a Call played by a script: it presses the scripted keys when
// the dialplan waits for input, hears prompts (which take virtual time) and
// reports each step to a writer. It implements Call for `obelisk simulate`
// and for tests.
type SimCaller struct {
	clock *VirtualClock
	out   io.Writer
	// keys are the scripted keys still to press; '_' stays silent for one wait.
	keys []rune
	// PromptDuration tells how long a sound plays; 2 s (0.6 s for digits/
	// and letters/) when nil.
	PromptDuration func(sound, lang string) time.Duration
	// Missing lists sounds that do not exist (Play returns ErrSoundNotFound).
	Missing map[string]bool

	// Played records every sound played, with its language, as "lang:sound".
	Played []string
	// Answered and HangupCause record what the dialplan did to the call.
	Answered    bool
	HangupCause int
	Indications []Indication
	SentDigits  string
}

// NewSimCaller returns a caller that presses keys (spaces and '/' are
// ignored for readability; '_' lets one wait time out) and writes a
// commentary line per step to out (nil for none).
func NewSimCaller(clock *VirtualClock, keys string, out io.Writer) *SimCaller {
	s := &SimCaller{clock: clock, out: out}
	for _, r := range keys {
		if r == ' ' || r == '/' {
			continue
		}
		s.keys = append(s.keys, r)
	}
	return s
}

// RemainingKeys returns the scripted keys not pressed yet.
func (s *SimCaller) RemainingKeys() string { return string(s.keys) }

func (s *SimCaller) say(format string, args ...any) {
	if s.out != nil {
		fmt.Fprintf(s.out, "      %s  "+format+"\n", append([]any{s.stamp()}, args...)...)
	}
}

func (s *SimCaller) stamp() string {
	return s.clock.Now().Format("15:04:05")
}

func (s *SimCaller) duration(sound, lang string) time.Duration {
	if s.PromptDuration != nil {
		return s.PromptDuration(sound, lang)
	}
	if strings.HasPrefix(sound, "digits/") || strings.HasPrefix(sound, "letters/") {
		return 600 * time.Millisecond
	}
	return 2 * time.Second
}

// Answer answers the simulated call.
func (s *SimCaller) Answer(ctx context.Context) error {
	if !s.Answered {
		s.Answered = true
		s.say("call answered")
	}
	return nil
}

// Hangup records the cause.
func (s *SimCaller) Hangup(ctx context.Context, cause int) error {
	if s.HangupCause == 0 {
		s.HangupCause = cause
	}
	return nil
}

// Indicate records the indication.
func (s *SimCaller) Indicate(ctx context.Context, ind Indication) error {
	s.Indications = append(s.Indications, ind)
	s.say("caller hears %s", ind)
	return nil
}

// Play plays a sound in virtual time; when it may be interrupted and the
// next scripted key is one of stop, the caller presses it halfway through.
func (s *SimCaller) Play(ctx context.Context, sound, lang, stop string) (rune, error) {
	if s.Missing[sound] {
		s.say("sound %q not found", sound)
		return 0, fmt.Errorf("%q: %w", sound, ErrSoundNotFound)
	}
	s.Played = append(s.Played, lang+":"+sound)
	d := s.duration(sound, lang)
	if stop != "" && len(s.keys) > 0 && s.keys[0] != '_' && strings.ContainsRune(stop, s.keys[0]) {
		k := s.keys[0]
		s.keys = s.keys[1:]
		if err := s.clock.Advance(d / 2); err != nil {
			return 0, err
		}
		s.say("plays %s [%s], caller presses %c", sound, lang, k)
		return k, nil
	}
	s.say("plays %s [%s]", sound, lang)
	return 0, s.clock.Advance(d)
}

// WaitDigit presses the next scripted key after a second, or lets the wait
// time out when the script is empty or says '_'.
func (s *SimCaller) WaitDigit(ctx context.Context, timeout time.Duration) (rune, error) {
	if len(s.keys) > 0 && s.keys[0] != '_' && timeout > time.Second {
		k := s.keys[0]
		s.keys = s.keys[1:]
		if err := s.clock.Advance(time.Second); err != nil {
			return 0, err
		}
		s.say("caller presses %c", k)
		return k, nil
	}
	if len(s.keys) > 0 && s.keys[0] == '_' {
		s.keys = s.keys[1:]
	}
	if err := s.clock.Advance(timeout); err != nil {
		return 0, err
	}
	s.say("no key pressed for %s", timeout)
	return 0, nil
}

// SendDigits records digits sent to the caller.
func (s *SimCaller) SendDigits(ctx context.Context, digits string) error {
	s.SentDigits += digits
	s.say("caller hears DTMF %s", digits)
	return nil
}

// SimOptions configure a simulated run.
type SimOptions struct {
	Context  string
	Exten    string
	CallerID CallerID
	Language string
	// Keys the caller presses when asked (see NewSimCaller).
	Keys string
	// DialStatus is what simulated Dial() calls end with: ANSWER (the
	// default), BUSY, NOANSWER, CANCEL, CONGESTION or CHANUNAVAIL.
	DialStatus string
	// QueueStatus is what simulated Queue() calls end with: ANSWER (an agent
	// takes the call), TIMEOUT, FULL, JOINEMPTY, LEAVEEMPTY, JOINUNAVAIL,
	// LEAVEUNAVAIL; derived from DialStatus when empty.
	QueueStatus string
	// TalkTime is how long answered Dial/Queue calls last (default 30 s).
	TalkTime time.Duration
	// Start is the simulated wall-clock time (default now).
	Start time.Time
	// MaxDuration is when the simulated caller gives up and hangs up
	// (default one hour).
	MaxDuration time.Duration
	// RunSystem runs System() commands for real; by default they are only shown.
	RunSystem bool
	// Vars are set on the channel first.
	Vars map[string]string
	// Dirs override the directory variables (ASTLOGDIR, ASTSPOOLDIR, …)
	// that default to the /var/… paths of an installed switch.
	Dirs map[string]string
}

// SimResult is the final state of a simulated call.
type SimResult struct {
	Result
	Channel  *Channel
	Caller   *SimCaller
	Duration time.Duration
	// Steps lists every application run as "context,exten,priority: App(args)".
	Steps []string
}

// Simulate runs dp against a simulated caller, writing one line per
// application executed and a commentary of what the caller hears and
// presses to out. Applications that later parts of Obelisk implement
// (Dial, Queue, VoiceMail, MixMonitor …) are stood in for when reg lacks
// them, driven by opts.DialStatus/QueueStatus.
func Simulate(ctx context.Context, dp *Dialplan, reg *Registry, opts SimOptions, out io.Writer) *SimResult {
	if opts.Start.IsZero() {
		opts.Start = time.Now()
	}
	if opts.MaxDuration == 0 {
		opts.MaxDuration = time.Hour
	}
	if opts.TalkTime == 0 {
		opts.TalkTime = 30 * time.Second
	}
	if opts.DialStatus == "" {
		opts.DialStatus = "ANSWER"
	}
	opts.DialStatus = strings.ToUpper(opts.DialStatus)
	if opts.QueueStatus == "" {
		switch opts.DialStatus {
		case "ANSWER":
			opts.QueueStatus = "ANSWER"
		case "NOANSWER", "CANCEL":
			opts.QueueStatus = "TIMEOUT"
		default:
			opts.QueueStatus = "JOINEMPTY"
		}
	}
	opts.QueueStatus = strings.ToUpper(opts.QueueStatus)
	clock := NewVirtualClock(opts.Start)
	clock.Deadline = opts.Start.Add(opts.MaxDuration)
	caller := NewSimCaller(clock, opts.Keys, out)
	simReg := NewRegistry()
	for _, a := range reg.Apps() {
		simReg.RegisterApp(a)
	}
	for _, f := range reg.Functions() {
		simReg.RegisterFunction(f)
	}
	registerSimApps(simReg, reg, opts, caller, clock)
	res := &SimResult{Caller: caller}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	dirs := map[string]string{"ASTDATADIR": "/var/lib/obelisk", "ASTLOGDIR": "/var/log/obelisk", "ASTSPOOLDIR": "/var/spool/obelisk", "ASTETCDIR": "/etc/obelisk"}
	for k, v := range opts.Dirs {
		dirs[k] = v
	}
	e := New(dp, Options{
		Registry: simReg,
		Clock:    clock,
		Logger:   logger,
		Dirs:     dirs,
		Trace: func(ch *Channel, p *Priority, args string) {
			line := fmt.Sprintf("%s,%s,%d: %s(%s)", ch.Context, ch.Exten, ch.Priority, p.App, args)
			res.Steps = append(res.Steps, line)
			if out != nil {
				fmt.Fprintf(out, "%s  %s\n", clock.Now().Format("15:04:05"), line)
			}
		},
		Shell: func(ctx context.Context, command string) (int, error) {
			if opts.RunSystem {
				return runShell(ctx, command)
			}
			caller.say("would run: %s", command)
			return 0, nil
		},
	})
	cid := opts.CallerID
	ch := e.NewChannel(caller, ChannelOptions{
		Name:     "Sim/" + firstNonEmpty(cid.Num, "caller") + "-00000001",
		Context:  opts.Context,
		Exten:    opts.Exten,
		CallerID: cid,
		Language: opts.Language,
		State:    StateRing,
		Vars:     opts.Vars,
	})
	res.Channel = ch
	res.Result = e.Run(ctx, ch)
	res.Duration = clock.Now().Sub(opts.Start)
	return res
}

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}

// registerSimApps stands in for applications the real registry lacks.
func registerSimApps(simReg, real *Registry, opts SimOptions, caller *SimCaller, clock *VirtualClock) {
	// The simulated caller never places real calls: these stand in for the
	// switch's own Dial, Queue … even when the registry has them.
	add := func(a *App) {
		a.Synopsis = "(simulated) " + a.Synopsis
		simReg.RegisterApp(a)
	}
	add(&App{Name: "Dial", Synopsis: "Dial(devices[,timeout[,options]])", Exec: func(ctx context.Context, ch *Channel, args string) error {
		parts := SplitArgs(args)
		timeout := 0 * time.Second
		if d, ok := ParseTimeLen(arg(parts, 1), time.Second); ok {
			timeout = d
		}
		status := opts.DialStatus
		ring := 5 * time.Second
		if status == "NOANSWER" || status == "CANCEL" {
			ring = max(timeout, time.Second)
			if timeout == 0 {
				ring = 30 * time.Second
			}
		}
		if status == "BUSY" || status == "CONGESTION" || status == "CHANUNAVAIL" {
			ring = time.Second
		}
		caller.say("dials %s: rings %s, %s", arg(parts, 0), ring, status)
		if err := clock.Advance(ring); err != nil {
			ch.SetVar("DIALSTATUS", "CANCEL")
			return err
		}
		ch.SetVar("DIALSTATUS", status)
		ch.SetVar("DIALEDTIME", strconv.Itoa(int(ring.Seconds())))
		if status != "ANSWER" {
			ch.SetVar("ANSWEREDTIME", "")
			return nil
		}
		if err := ch.Answer(ctx); err != nil {
			return err
		}
		caller.say("talks with %s for %s", arg(parts, 0), opts.TalkTime)
		if err := clock.Advance(opts.TalkTime); err != nil {
			return err
		}
		ch.SetVar("ANSWEREDTIME", strconv.Itoa(int(opts.TalkTime.Seconds())))
		ch.SetVar("DIALEDTIME", strconv.Itoa(int((ring + opts.TalkTime).Seconds())))
		if strings.Contains(arg(parts, 2), "g") {
			caller.say("the called party hangs up; dialplan continues (option g)")
			return nil
		}
		caller.say("the called party hangs up")
		return ErrHangup
	}})
	add(&App{Name: "Queue", Synopsis: "Queue(queuename[,options[,URL[,announceoverride[,timeout]]]])", Exec: func(ctx context.Context, ch *Channel, args string) error {
		parts := SplitArgs(args)
		name := arg(parts, 0)
		status := opts.QueueStatus
		if err := ch.Answer(ctx); err != nil {
			return err
		}
		wait := 20 * time.Second
		if d, ok := ParseTimeLen(arg(parts, 4), time.Second); ok && d > 0 {
			wait = d
		}
		switch status {
		case "ANSWER":
			caller.say("waits in queue %s with music on hold; an agent answers", name)
			if err := clock.Advance(5 * time.Second); err != nil {
				return err
			}
			ch.SetVar("MEMBERINTERFACE", "SIP/agent")
			caller.say("talks with the agent for %s", opts.TalkTime)
			if err := clock.Advance(opts.TalkTime); err != nil {
				return err
			}
			if strings.Contains(arg(parts, 1), "c") {
				caller.say("the agent hangs up; dialplan continues (option c)")
				return nil
			}
			caller.say("the agent hangs up")
			return ErrHangup
		case "JOINEMPTY", "JOINUNAVAIL", "FULL":
			caller.say("cannot join queue %s: %s", name, status)
		default:
			caller.say("waits in queue %s with music on hold; no agent answers", name)
			if err := clock.Advance(wait); err != nil {
				return err
			}
		}
		ch.SetVar("QUEUESTATUS", status)
		return nil
	}})
	add(&App{Name: "MixMonitor", Synopsis: "MixMonitor(file.ext[,options[,command]])", Exec: func(_ context.Context, ch *Channel, args string) error {
		file := arg(SplitArgs(args), 0)
		ch.SetVar("MIXMONITOR_FILENAME", file)
		caller.say("recording to %s", file)
		return nil
	}})
	add(&App{Name: "StopMixMonitor", Synopsis: "StopMixMonitor()", Exec: func(context.Context, *Channel, string) error {
		caller.say("recording stopped")
		return nil
	}})
	add(&App{Name: "VoiceMail", Synopsis: "VoiceMail(mailbox[@context][,options])", Exec: func(ctx context.Context, ch *Channel, args string) error {
		if err := ch.Answer(ctx); err != nil {
			return err
		}
		box := arg(SplitArgs(args), 0)
		for _, s := range []string{"vm-intro", "beep"} {
			if _, err := ch.Play(ctx, s, ""); err != nil {
				return err
			}
		}
		caller.say("leaves a 10 s message in mailbox %s", box)
		if err := clock.Advance(10 * time.Second); err != nil {
			ch.SetVar("VMSTATUS", "SUCCESS")
			return err
		}
		ch.SetVar("VMSTATUS", "SUCCESS")
		return nil
	}})
	add(&App{Name: "VoiceMailMain", Synopsis: "VoiceMailMain([mailbox][@context][,options])", Exec: func(ctx context.Context, ch *Channel, args string) error {
		if err := ch.Answer(ctx); err != nil {
			return err
		}
		if _, err := ch.Play(ctx, "vm-login", ""); err != nil {
			return err
		}
		caller.say("listens to voicemail (%s) and hangs up", args)
		_ = clock.Advance(20 * time.Second)
		return ErrHangup
	}})
	add(&App{Name: "Record", Synopsis: "Record(filename.format[,silence[,maxduration[,options]]])", Exec: func(ctx context.Context, ch *Channel, args string) error {
		caller.say("records %s", arg(SplitArgs(args), 0))
		ch.SetVar("RECORD_STATUS", "SILENCE")
		return clock.Advance(5 * time.Second)
	}})
	add(&App{Name: "AGI", Synopsis: "AGI(command[,args])", Exec: func(_ context.Context, ch *Channel, args string) error {
		caller.say("runs AGI %s", args)
		ch.SetVar("AGISTATUS", "SUCCESS")
		return nil
	}})
	add(&App{Name: "MusicOnHold", Synopsis: "MusicOnHold([class[,duration]])", Exec: func(ctx context.Context, ch *Channel, args string) error {
		d, ok := ParseTimeLen(arg(SplitArgs(args), 1), time.Second)
		if !ok || d == 0 {
			d = 24 * time.Hour
		}
		caller.say("hears music on hold")
		return ch.Sleep(ctx, d)
	}})
}

// FormatVars renders the channel's variables sorted, one "NAME=value" a line.
func FormatVars(ch *Channel) []string {
	var out []string
	for _, kv := range ch.Vars() {
		if strings.HasPrefix(strings.TrimLeft(kv[0], "_"), "\x00") {
			continue
		}
		out = append(out, kv[0]+"="+kv[1])
	}
	sort.Strings(out)
	return out
}
