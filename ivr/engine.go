package ivr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxSteps is how many priorities a channel may run without waiting
// once on the caller or the clock before the engine decides it is looping.
const DefaultMaxSteps = 10000

// Options configure an Engine.
type Options struct {
	// Registry holds the applications and functions; NewCoreRegistry() when nil.
	Registry *Registry
	// Clock is the time source; SystemClock when nil.
	Clock Clock
	// Logger receives the engine's logs; slog.Default() when nil.
	Logger *slog.Logger
	// DB is the AstDB behind DB(), DB_DELETE() and DB_EXISTS(); an
	// in-memory store when nil.
	DB DBStore
	// Dirs gives the values of ${ASTDATADIR}, ${ASTLOGDIR},
	// ${ASTSPOOLDIR} and the other ${AST...DIR} constants, by name.
	Dirs map[string]string
	// SystemName is ${SYSTEMNAME}.
	SystemName string
	// MaxSteps is the Goto-loop cut-off; DefaultMaxSteps when zero.
	MaxSteps int
	// Trace, when set, is called before each application runs with its
	// arguments substituted (the simulator prints it; AMI turns it into
	// Newexten events).
	Trace func(ch *Channel, p *Priority, args string)
	// Shell runs System()/TrySystem() commands; /bin/sh -c when nil.
	Shell func(ctx context.Context, command string) (exitCode int, err error)
	// OnVarSet, when set, is called after each SetVar of a channel
	// variable with the name as given (AMI's VarSet event); it runs on
	// the setter's goroutine, with no lock of the channel held.
	OnVarSet func(ch *Channel, name, value string)
}

// Engine runs dialplans: it owns the loaded extensions.conf, the global
// variables and the application registry, and executes channels through
// their contexts, extensions and priorities as Asterisk's pbx core does.
type Engine struct {
	dialplan atomic.Pointer[Dialplan]
	registry *Registry
	clock    Clock
	log      *slog.Logger
	db       DBStore
	dirs     map[string]string
	sysname  string
	maxSteps int
	trace    func(ch *Channel, p *Priority, args string)
	shell    func(ctx context.Context, command string) (int, error)
	varSet   func(ch *Channel, name, value string)

	globalsMu sync.RWMutex
	globals   map[string]string

	uid atomic.Uint64
}

// New returns an engine running dp.
func New(dp *Dialplan, o Options) *Engine {
	e := &Engine{
		registry: o.Registry,
		clock:    o.Clock,
		log:      o.Logger,
		db:       o.DB,
		dirs:     o.Dirs,
		sysname:  o.SystemName,
		maxSteps: o.MaxSteps,
		trace:    o.Trace,
		shell:    o.Shell,
		varSet:   o.OnVarSet,
		globals:  make(map[string]string),
	}
	if e.registry == nil {
		e.registry = NewCoreRegistry()
	}
	if e.clock == nil {
		e.clock = SystemClock{}
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	e.log = e.log.With("component", "dialplan")
	if e.db == nil {
		e.db = NewMemDB()
	}
	if e.maxSteps == 0 {
		e.maxSteps = DefaultMaxSteps
	}
	if e.shell == nil {
		e.shell = runShell
	}
	e.SetDialplan(dp)
	return e
}

// SetDialplan swaps in a newly loaded dialplan: channels pick it up at their
// next priority. Globals from [globals] are set (and, with clearglobalvars,
// the old ones dropped) as on Asterisk's `dialplan reload`.
func (e *Engine) SetDialplan(dp *Dialplan) {
	if dp == nil {
		dp = &Dialplan{Contexts: map[string]*Context{}}
	}
	e.globalsMu.Lock()
	if dp.General.ClearGlobalVars {
		e.globals = make(map[string]string)
	}
	e.globalsMu.Unlock()
	for _, g := range dp.Globals {
		// Globals may refer to earlier globals, as in Asterisk.
		e.SetGlobal(g.Name, e.expandGlobal(g.Value))
	}
	e.dialplan.Store(dp)
}

// Dialplan returns the dialplan in use.
func (e *Engine) Dialplan() *Dialplan { return e.dialplan.Load() }

// Registry returns the engine's application and function registry.
func (e *Engine) Registry() *Registry { return e.registry }

// Clock returns the engine's clock.
func (e *Engine) Clock() Clock { return e.clock }

// Global returns a global variable.
func (e *Engine) Global(name string) (string, bool) {
	e.globalsMu.RLock()
	defer e.globalsMu.RUnlock()
	v, ok := e.globals[name]
	return v, ok
}

// SetGlobal sets a global variable (Set(GLOBAL(name)=value)).
func (e *Engine) SetGlobal(name, value string) {
	e.globalsMu.Lock()
	defer e.globalsMu.Unlock()
	e.globals[name] = value
}

func (e *Engine) expandGlobal(v string) string {
	if !strings.Contains(v, "${") {
		return v
	}
	ch := &Channel{engine: e, log: e.log, vars: map[string]*variable{}}
	return ch.Expand(v)
}

// constVar returns Asterisk's constant variables: ${ASTDATADIR} and friends,
// ${SYSTEMNAME}.
func (e *Engine) constVar(name string) (string, bool) {
	if name == "SYSTEMNAME" {
		return e.sysname, true
	}
	if strings.HasPrefix(name, "AST") && strings.HasSuffix(name, "DIR") {
		v, ok := e.dirs[name]
		return v, ok
	}
	return "", false
}

func (e *Engine) nextUniqueID() string {
	n := e.uid.Add(1)
	return strconv.FormatInt(e.clock.Now().Unix(), 10) + "." + strconv.FormatUint(n, 10)
}

// Result tells how a channel's dialplan ended.
type Result struct {
	// Reason is a short human description ("hangup by caller",
	// "Hangup() in dialplan", "no more priorities", "invalid extension"…).
	Reason string
	// Cause is the Q.850 hangup cause.
	Cause int
	// Err is set when the dialplan failed (loop cut, application error).
	Err error
}

// Run executes the dialplan for ch until the call ends, then runs the `h`
// extension of the context the channel was in, and hangs the call up. It
// follows Asterisk's __ast_pbx_run: a missing start extension falls back to
// `s`; digits returned by Background/WaitExten are collected into an
// extension while a longer one could match; an unknown extension goes to
// `i` (or `e`), a response timeout to `t`, an absolute timeout to `T`; when
// the priorities run out the call is hung up (autofallthrough).
func (e *Engine) Run(ctx context.Context, ch *Channel) Result {
	res := e.run(ctx, ch)
	ch.leaveDialplan()
	if res.Cause == 0 {
		res.Cause = ch.HangupCause()
	}
	if res.Cause == 0 {
		res.Cause = CauseNormalClearing
	}
	ch.SetHangupCause(res.Cause)
	ch.hungUp = true
	hctx := context.WithoutCancel(ctx)
	e.runHangupExten(hctx, ch)
	_ = ch.call.Hangup(hctx, res.Cause)
	return res
}

func (e *Engine) run(ctx context.Context, ch *Channel) Result {
	dp := e.Dialplan()
	cid := ch.CallerID().Num
	if !e.exists(ch, ch.Context, ch.Exten, ch.Priority) {
		ch.log.Info("start extension does not exist, falling back to 's'", "location", ch.Location())
		ch.Exten, ch.Priority = "s", 1
		if !e.exists(ch, ch.Context, "s", 1) {
			ch.Context = "default"
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return Result{Reason: "hangup by caller", Cause: ch.HangupCause()}
		}
		dp = e.Dialplan()
		// Run priorities until one is missing, an application ends the
		// call, or digits are dialled.
		var appErr error
		for {
			if ctx.Err() == nil && ch.takeAsyncGoto() {
				continue
			}
			if r, ok := e.checkAbsoluteTimeout(ch); ok {
				if r != nil {
					return *r
				}
				continue
			}
			p := e.priority(ch, ch.Context, ch.Exten, ch.Priority)
			if p == nil {
				break
			}
			if ch.steps++; ch.steps > e.maxSteps {
				err := fmt.Errorf("%w: %d priorities without waiting for the caller, last at %s (%s)",
					ErrLoop, ch.steps-1, ch.Location(), p.Pos)
				ch.log.Error("dialplan loop cut", "error", err)
				return Result{Reason: "dialplan loop cut", Cause: CauseNormalClearing, Err: err}
			}
			actx, stop := ch.interruptible(ctx)
			appErr = e.exec(actx, ch, p)
			stop()
			if ctx.Err() == nil && ch.takeAsyncGoto() {
				// Redirected (AsyncGoto): whatever the application
				// returned, the dialplan goes on at the new place.
				appErr = nil
				continue
			}
			if appErr != nil || ch.pendingExten != "" {
				break
			}
			if ch.jumped {
				ch.jumped = false
			} else {
				ch.Priority++
			}
		}
		ch.jumped = false
		if appErr != nil {
			if errors.Is(appErr, ErrHangup) || ctx.Err() != nil {
				if ch.HangupCause() != 0 || ctx.Err() == nil {
					return Result{Reason: "Hangup() in dialplan", Cause: ch.HangupCause()}
				}
				return Result{Reason: "hangup by caller", Cause: CauseNormalClearing}
			}
			ch.log.Warn("application failed, hanging up", "location", ch.Location(), "error", appErr)
			return Result{Reason: "application failed", Cause: CauseNormalClearing, Err: appErr}
		}
		cid = ch.CallerID().Num
		if digits := ch.pendingExten; digits != "" {
			ch.pendingExten = ""
			cctx, stop := ch.interruptible(ctx)
			next, err := e.collectExten(cctx, ch, digits, ch.DigitTimeout)
			stop()
			if ctx.Err() == nil && ch.takeAsyncGoto() {
				continue
			}
			if err != nil {
				return Result{Reason: "hangup by caller", Cause: CauseNormalClearing}
			}
			if r := e.gotoDialled(ch, next, false); r != nil {
				return *r
			}
			continue
		}
		if !e.exists(ch, ch.Context, ch.Exten, 1) {
			if r := e.gotoInvalid(ch, ch.Exten); r != nil {
				return *r
			}
			continue
		}
		// The extension exists but its priorities ran out.
		if dp.General.Autofallthrough {
			status := ch.Var("DIALSTATUS")
			if status == "" {
				status = "UNKNOWN"
			}
			ch.log.Info("auto fallthrough", "location", ch.Location(), "dialstatus", status)
			switch strings.ToUpper(status) {
			case "BUSY":
				_ = ch.call.Indicate(ctx, IndicationBusy)
				return Result{Reason: "no more priorities (DIALSTATUS=BUSY)", Cause: CauseUserBusy}
			case "CONGESTION", "CHANUNAVAIL":
				_ = ch.call.Indicate(ctx, IndicationCongestion)
				return Result{Reason: "no more priorities (DIALSTATUS=" + status + ")", Cause: CauseCongestion}
			}
			return Result{Reason: "no more priorities", Cause: CauseNormalClearing}
		}
		cctx, stop := ch.interruptible(ctx)
		next, err := e.collectExten(cctx, ch, "", ch.ResponseTimeout)
		stop()
		if ctx.Err() == nil && ch.takeAsyncGoto() {
			continue
		}
		if err != nil {
			return Result{Reason: "hangup by caller", Cause: CauseNormalClearing}
		}
		if r := e.gotoDialled(ch, next, next == ""); r != nil {
			return *r
		}
		_ = cid
	}
}

// gotoDialled moves the channel to a dialled extension, or to `i`/`t`.
func (e *Engine) gotoDialled(ch *Channel, dialled string, timedOut bool) *Result {
	if !timedOut && dialled != "" && e.exists(ch, ch.Context, dialled, 1) {
		ch.Exten, ch.Priority = dialled, 1
		return nil
	}
	if !timedOut && dialled != "" {
		return e.gotoInvalid(ch, dialled)
	}
	return e.gotoTimeout(ch)
}

// gotoInvalid handles an extension that does not exist: `i`, else `e`,
// else the call ends.
func (e *Engine) gotoInvalid(ch *Channel, exten string) *Result {
	switch {
	case e.exists(ch, ch.Context, "i", 1):
		ch.log.Info("invalid extension, going to 'i'", "exten", exten, "context", ch.Context)
		ch.SetVar("INVALID_EXTEN", exten)
		ch.Exten, ch.Priority = "i", 1
		return nil
	case e.exists(ch, ch.Context, "e", 1):
		e.raiseException(ch, "INVALID")
		return nil
	}
	ch.log.Warn("invalid extension but no 'i' or 'e' handler", "exten", exten, "context", ch.Context)
	return &Result{Reason: fmt.Sprintf("invalid extension %q in context %q", exten, ch.Context), Cause: CauseUnallocated}
}

// gotoTimeout handles a response timeout: `t`, else `e`, else the call ends.
func (e *Engine) gotoTimeout(ch *Channel) *Result {
	switch {
	case e.exists(ch, ch.Context, "t", 1):
		ch.log.Info("timeout, going to 't'", "context", ch.Context)
		ch.Exten, ch.Priority = "t", 1
		return nil
	case e.exists(ch, ch.Context, "e", 1):
		e.raiseException(ch, "RESPONSETIMEOUT")
		return nil
	}
	ch.log.Warn("timeout but no 't' or 'e' handler", "context", ch.Context)
	return &Result{Reason: "response timeout", Cause: CauseNormalClearing}
}

// raiseException sets EXCEPTION() and moves to `e`,1 (raise_exception).
func (e *Engine) raiseException(ch *Channel, reason string) {
	ch.log.Info("exception, going to 'e'", "reason", reason, "context", ch.Context)
	ch.exception = &exceptionInfo{reason: reason, context: ch.Context, exten: ch.Exten, priority: ch.Priority}
	ch.Exten, ch.Priority = "e", 1
}

type exceptionInfo struct {
	reason, context, exten string
	priority               int
}

// checkAbsoluteTimeout handles TIMEOUT(absolute): when it has passed the
// channel goes to `T` (or `e`), else the call ends. ok is false when the
// timeout has not passed.
func (e *Engine) checkAbsoluteTimeout(ch *Channel) (r *Result, ok bool) {
	if ch.absoluteDeadline.IsZero() || e.clock.Now().Before(ch.absoluteDeadline) {
		return nil, false
	}
	ch.absoluteDeadline = time.Time{}
	switch {
	case e.exists(ch, ch.Context, "T", 1):
		ch.log.Info("absolute timeout, going to 'T'", "context", ch.Context)
		ch.Exten, ch.Priority = "T", 1
		return nil, true
	case e.exists(ch, ch.Context, "e", 1):
		e.raiseException(ch, "ABSOLUTETIMEOUT")
		return nil, true
	}
	return &Result{Reason: "absolute timeout", Cause: CauseNormalClearing}, true
}

// collectExten gathers digits into an extension while a longer one could
// still match (collect_digits), waiting timeout for each digit.
func (e *Engine) collectExten(ctx context.Context, ch *Channel, digits string, timeout time.Duration) (string, error) {
	for digits == "" || e.Dialplan().MatchMore(ch.Context, digits, ch.CallerID().Num, e.clock.Now()) {
		d, err := ch.WaitDigit(ctx, timeout)
		if err != nil {
			return digits, err
		}
		if d == 0 {
			break
		}
		digits += string(d)
		timeout = ch.DigitTimeout
		if len(digits) >= 80 {
			break
		}
	}
	return digits, nil
}

// runHangupExten runs the `h` extension after the call ended, with its
// own loop protection; applications there see the channel hung up.
func (e *Engine) runHangupExten(ctx context.Context, ch *Channel) {
	if ch.inHangupExten || !e.exists(ch, ch.Context, "h", 1) {
		return
	}
	ch.inHangupExten = true
	ch.Exten, ch.Priority = "h", 1
	ch.stack = nil
	ch.steps = 0
	for {
		p := e.priority(ch, ch.Context, ch.Exten, ch.Priority)
		if p == nil {
			return
		}
		if ch.steps++; ch.steps > e.maxSteps {
			ch.log.Error("dialplan loop cut in h extension", "location", ch.Location())
			return
		}
		if err := e.exec(ctx, ch, p); err != nil {
			return
		}
		if ch.jumped {
			ch.jumped = false
		} else {
			ch.Priority++
		}
		ch.pendingExten = ""
	}
}

// exec runs one priority: substitute its arguments, find the application,
// run it.
func (e *Engine) exec(ctx context.Context, ch *Channel, p *Priority) error {
	args := ch.Expand(p.Args)
	if e.trace != nil {
		e.trace(ch, p, args)
	}
	app := e.registry.App(p.App)
	if app == nil {
		ch.log.Warn("no such application, hanging up", "app", p.App, "pos", p.Pos.String())
		return fmt.Errorf("%s: %w %q", p.Pos, ErrNoApplication, p.App)
	}
	ch.log.Debug("executing", "location", ch.Location(), "app", app.Name, "args", args)
	return app.Exec(ctx, ch, args)
}

// priority finds the priority to run for context/exten/number.
func (e *Engine) priority(ch *Channel, context, exten string, n int) *Priority {
	_, p, _ := e.Dialplan().LookupPriority(context, exten, ch.CallerID().Num, n, e.clock.Now())
	return p
}

// exists is ast_exists_extension.
func (e *Engine) exists(ch *Channel, context, exten string, n int) bool {
	return e.priority(ch, context, exten, n) != nil
}

// Exists reports whether context,exten,priority exists for the channel's
// caller ID now (ast_exists_extension), for applications.
func (ch *Channel) Exists(context, exten string, priority int) bool {
	return ch.engine.exists(ch, context, exten, priority)
}

// FindLabel returns the priority number of label in context,exten, or 0.
func (ch *Channel) FindLabel(context, exten, label string) int {
	_, n, _ := ch.engine.Dialplan().LookupLabel(context, exten, label, ch.CallerID().Num, ch.engine.clock.Now())
	return n
}

// Play plays one sound to the caller in the channel's language (see
// Call.Play).
func (ch *Channel) Play(ctx context.Context, sound, stop string) (rune, error) {
	return ch.PlayLang(ctx, sound, ch.Language(), stop)
}

// PlayLang plays one sound in the given language.
func (ch *Channel) PlayLang(ctx context.Context, sound, lang, stop string) (rune, error) {
	d, err := ch.call.Play(ctx, sound, lang, stop)
	if err == nil {
		ch.steps = 0
	}
	return d, ch.hangupErr(ctx, err)
}

// WaitDigit waits for one digit (see Call.WaitDigit), bounded by
// TIMEOUT(absolute).
func (ch *Channel) WaitDigit(ctx context.Context, timeout time.Duration) (rune, error) {
	if !ch.absoluteDeadline.IsZero() {
		if left := ch.absoluteDeadline.Sub(ch.engine.clock.Now()); left < timeout {
			timeout = max(left, 0)
		}
	}
	d, err := ch.call.WaitDigit(ctx, timeout)
	if err == nil {
		ch.steps = 0
	}
	return d, ch.hangupErr(ctx, err)
}

// Sleep waits d on the engine's clock; it returns ErrHangup if the call
// ends meanwhile.
func (ch *Channel) Sleep(ctx context.Context, d time.Duration) error {
	err := ch.engine.clock.Sleep(ctx, d)
	if err == nil {
		ch.steps = 0
	}
	return ch.hangupErr(ctx, err)
}

// Answer answers the call and marks the channel Up.
func (ch *Channel) Answer(ctx context.Context) error {
	if ch.State() == StateUp {
		return nil
	}
	if err := ch.call.Answer(ctx); err != nil {
		return ch.hangupErr(ctx, err)
	}
	ch.SetState(StateUp)
	return nil
}

func (ch *Channel) hangupErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && !errors.Is(err, ErrHangup) {
		return fmt.Errorf("%w: %v", ErrHangup, err)
	}
	return err
}

// RunSub runs a subroutine on ch until its Return, as ast_app_exec_sub
// does for Dial's U() option and Queue's gosub: spec is Gosub's argument
// ([[context,]exten,]priority[(args)]). It returns nil after the Return,
// ErrHangup when the channel hung up, or the application error that ended
// the routine. A routine whose priorities run out ends without error, with
// a warning, as Asterisk's does.
func (e *Engine) RunSub(ctx context.Context, ch *Channel, spec string) error {
	ch.mu.Lock()
	depth := len(ch.stack)
	ch.mu.Unlock()
	if err := gosub(ch, spec); err != nil {
		return err
	}
	ch.jumped = false
	for steps := 0; ; steps++ {
		if err := ctx.Err(); err != nil {
			return ErrHangup
		}
		if steps > e.maxSteps {
			return fmt.Errorf("%w: subroutine %s ran %d priorities", ErrLoop, spec, steps)
		}
		p := e.priority(ch, ch.Context, ch.Exten, ch.Priority)
		if p == nil {
			ch.log.Warn("subroutine ended without Return", "sub", spec, "location", ch.Location())
			return nil
		}
		if err := e.exec(ctx, ch, p); err != nil {
			return err
		}
		ch.mu.Lock()
		returned := len(ch.stack) <= depth
		ch.mu.Unlock()
		if returned {
			return nil
		}
		if ch.jumped {
			ch.jumped = false
		} else {
			ch.Priority++
		}
	}
}
