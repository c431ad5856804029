package ivr

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// registerFlowApps adds the applications that steer the dialplan and its
// variables; none of them needs media.
func registerFlowApps(r *Registry) {
	for _, a := range []*App{
		{Name: "Answer", Synopsis: "Answer a channel if ringing: Answer([delay])", Exec: appAnswer},
		{Name: "Hangup", Synopsis: "Hang up the calling channel: Hangup([causecode])", Exec: appHangup},
		{Name: "NoOp", Synopsis: "Do nothing: NoOp([text])", Exec: func(context.Context, *Channel, string) error { return nil }},
		{Name: "Verbose", Synopsis: "Log a message: Verbose([level,]message)", Exec: appVerbose},
		{Name: "Log", Synopsis: "Log a message at a level: Log(level,message)", Exec: appLog},
		{Name: "Set", Synopsis: "Set a variable or function: Set(name=value)", Exec: appSet},
		{Name: "MSet", Synopsis: "Set several variables: MSet(name1=value1,name2=value2)", Exec: appMSet},
		{Name: "Goto", Synopsis: "Jump to a priority: Goto([[context,]extension,]priority)", Exec: appGoto},
		{Name: "GotoIf", Synopsis: "Conditional goto: GotoIf(condition?[labeliftrue]:[labeliffalse])", Exec: appGotoIf},
		{Name: "GotoIfTime", Synopsis: "Goto by time: GotoIfTime(times,weekdays,mdays,months[,tz]?[labeliftrue]:[labeliffalse])", Exec: appGotoIfTime},
		{Name: "ExecIf", Synopsis: "Conditional application: ExecIf(expression?appiftrue(args)[:appiffalse(args)])", Exec: appExecIf},
		{Name: "ExecIfTime", Synopsis: "Application by time: ExecIfTime(times,weekdays,mdays,months[,tz]?app(args))", Exec: appExecIfTime},
		{Name: "Exec", Synopsis: "Run an application by name: Exec(app(args))", Exec: appExec},
		{Name: "Gosub", Synopsis: "Call a subroutine: Gosub([[context,]exten,]priority[(arg1[,...])])", Exec: appGosub},
		{Name: "GosubIf", Synopsis: "Conditional Gosub: GosubIf(condition?labeliftrue[(args)][:labeliffalse[(args)]])", Exec: appGosubIf},
		{Name: "Return", Synopsis: "Return from a Gosub: Return([value])", Exec: appReturn},
		{Name: "StackPop", Synopsis: "Drop the last Gosub return address: StackPop()", Exec: appStackPop},
		{Name: "Macro", Synopsis: "Deprecated macro call, run as a subroutine of [macro-name]: Macro(name[,arg1[,...]])", Exec: appMacro},
		{Name: "MacroExit", Synopsis: "Leave a Macro: MacroExit()", Exec: appMacroExit},
		{Name: "While", Synopsis: "Start a loop: While(expr)", Exec: appWhile},
		{Name: "EndWhile", Synopsis: "End a loop: EndWhile()", Exec: appEndWhile},
		{Name: "ExitWhile", Synopsis: "Leave a loop: ExitWhile()", Exec: appExitWhile},
		{Name: "ContinueWhile", Synopsis: "Restart a loop: ContinueWhile()", Exec: appContinueWhile},
		{Name: "Wait", Synopsis: "Wait some seconds: Wait(seconds)", Exec: appWait},
		{Name: "System", Synopsis: "Run a shell command: System(command); sets SYSTEMSTATUS", Exec: func(ctx context.Context, ch *Channel, args string) error {
			return runSystem(ctx, ch, args, true)
		}},
		{Name: "TrySystem", Synopsis: "Run a shell command, never failing the call: TrySystem(command); sets SYSTEMSTATUS", Exec: func(ctx context.Context, ch *Channel, args string) error {
			return runSystem(ctx, ch, args, false)
		}},
		{Name: "RaiseException", Synopsis: "Jump to the e extension: RaiseException(reason)", Exec: appRaiseException},
		{Name: "Progress", Synopsis: "Send early media indication: Progress()", Exec: indicateApp(IndicationProgress)},
		{Name: "Ringing", Synopsis: "Indicate ringing: Ringing()", Exec: indicateApp(IndicationRinging)},
		{Name: "Proceeding", Synopsis: "Indicate proceeding: Proceeding()", Exec: indicateApp(IndicationProgress)},
		{Name: "Busy", Synopsis: "Indicate busy and wait for hangup: Busy([timeout])", Exec: func(ctx context.Context, ch *Channel, args string) error {
			return indicateAndHangup(ctx, ch, args, IndicationBusy, CauseUserBusy)
		}},
		{Name: "Congestion", Synopsis: "Indicate congestion and wait for hangup: Congestion([timeout])", Exec: func(ctx context.Context, ch *Channel, args string) error {
			return indicateAndHangup(ctx, ch, args, IndicationCongestion, CauseCongestion)
		}},
	} {
		r.RegisterApp(a)
	}
}

func appAnswer(ctx context.Context, ch *Channel, args string) error {
	wasUp := ch.State() == StateUp
	if err := ch.Answer(ctx); err != nil {
		return err
	}
	if d, _, ok := scanInt(arg(SplitArgs(args), 0)); ok && d > 0 && !wasUp {
		return ch.Sleep(ctx, time.Duration(d)*time.Millisecond)
	}
	return nil
}

func appHangup(ctx context.Context, ch *Channel, args string) error {
	cause := 0
	if s := strings.TrimSpace(args); s != "" {
		if c, ok := ParseCause(s); ok {
			cause = c
		} else {
			ch.log.Warn("invalid cause given to Hangup()", "cause", s)
		}
	}
	if cause == 0 {
		cause = ch.HangupCause()
	}
	if cause == 0 {
		cause = CauseNormalClearing
	}
	ch.SetHangupCause(cause)
	return ErrHangup
}

func appVerbose(_ context.Context, ch *Channel, args string) error {
	level, msg := "0", args
	if i := strings.IndexByte(args, ','); i >= 0 {
		if _, err := strconv.Atoi(strings.TrimSpace(args[:i])); err == nil {
			level, msg = strings.TrimSpace(args[:i]), args[i+1:]
		}
	}
	ch.log.Info(msg, "app", "Verbose", "level", level)
	return nil
}

func appLog(_ context.Context, ch *Channel, args string) error {
	level, msg, ok := strings.Cut(args, ",")
	if !ok {
		ch.log.Warn("Log requires a level and a message", "args", args)
		return nil
	}
	switch strings.ToUpper(strings.TrimSpace(level)) {
	case "ERROR":
		ch.log.Error(msg, "app", "Log")
	case "WARNING":
		ch.log.Warn(msg, "app", "Log")
	case "DEBUG", "DTMF":
		ch.log.Debug(msg, "app", "Log")
	default: // NOTICE, VERBOSE
		ch.log.Info(msg, "app", "Log")
	}
	return nil
}

// SetVariable assigns name=value as pbx_builtin_setvar_helper does: a name
// ending in ')' writes a function (Set(CALLERID(num)=…)), anything else is
// a channel variable.
func (ch *Channel) SetVariable(name, value string) error {
	if strings.HasSuffix(name, ")") {
		return ch.WriteFunction(name, value)
	}
	ch.SetVar(name, value)
	return nil
}

func appSet(_ context.Context, ch *Channel, args string) error {
	name, value, ok := strings.Cut(args, "=")
	if !ok {
		ch.log.Warn("Set requires an '=' to be a valid assignment", "args", args)
		return nil
	}
	if strings.Contains(name, " ") {
		ch.log.Warn("avoid spaces in variable names", "name", name)
	}
	if err := ch.SetVariable(name, value); err != nil {
		ch.log.Warn("Set failed", "name", name, "error", err)
	}
	return nil
}

func appMSet(_ context.Context, ch *Channel, args string) error {
	for _, pair := range SplitArgs(args) {
		name, value, ok := strings.Cut(pair, "=")
		if !ok {
			ch.log.Warn("MSet: ignoring entry without '='", "entry", pair)
			continue
		}
		if err := ch.SetVariable(name, value); err != nil {
			ch.log.Warn("MSet failed", "name", name, "error", err)
		}
	}
	return nil
}

// ParseGoto reads a `[[context,]exten,]priority` target as
// ast_parseable_goto does: the priority is a number, a label of the target
// extension, or `+n`/`-n` relative to the current priority.
func (ch *Channel) ParseGoto(spec string) (context, exten string, priority int, err error) {
	if strings.TrimSpace(spec) == "" {
		return "", "", 0, errors.New("Goto requires an argument ([[context,]extension,]priority)")
	}
	parts := strings.SplitN(spec, ",", 3)
	var pri string
	switch len(parts) {
	case 1:
		pri = parts[0]
	case 2:
		exten, pri = parts[0], parts[1]
	default:
		context, exten, pri = parts[0], parts[1], parts[2]
	}
	mode := 0
	switch {
	case strings.HasPrefix(pri, "+"):
		mode, pri = 1, pri[1:]
	case strings.HasPrefix(pri, "-"):
		mode, pri = -1, pri[1:]
	}
	n, used, ok := scanInt(pri)
	if !ok || used != len(pri) {
		c, x := context, exten
		if c == "" {
			c = ch.Context
		}
		if x == "" {
			x = ch.Exten
		}
		n = ch.FindLabel(c, x, pri)
		if n < 1 {
			return "", "", 0, fmt.Errorf("priority %q must be a number > 0, or valid label of %s,%s", pri, c, x)
		}
		mode = 0
	}
	if mode != 0 {
		n = ch.Priority + n*mode
	}
	return context, exten, n, nil
}

// gotoSpec performs Goto(spec); a bad target ends the call, as in Asterisk.
func gotoSpec(ch *Channel, spec string) error {
	c, x, p, err := ch.ParseGoto(spec)
	if err != nil {
		ch.log.Warn("Goto failed", "target", spec, "error", err)
		return fmt.Errorf("goto %q: %w", spec, err)
	}
	ch.Goto(c, x, p)
	return nil
}

func appGoto(_ context.Context, ch *Channel, args string) error { return gotoSpec(ch, args) }

// splitBranches splits `cond?a:b` at the first '?' and then the first ':'
// as pbx_builtin_gotoif does with strsep.
func splitBranches(s string) (cond, ifTrue, ifFalse string) {
	cond, rest, _ := strings.Cut(s, "?")
	ifTrue, ifFalse, _ = strings.Cut(rest, ":")
	return cond, ifTrue, ifFalse
}

func appGotoIf(_ context.Context, ch *Channel, args string) error {
	if args == "" {
		ch.log.Warn("GotoIf: ignoring, since there is no condition to check")
		return nil
	}
	cond, t, f := splitBranches(args)
	branch := f
	if CheckCondition(cond) {
		branch = t
	}
	if strings.TrimSpace(branch) == "" {
		return nil
	}
	return gotoSpec(ch, branch)
}

// timeNow is Now, or ${TESTTIME} (epoch seconds) when set, as GotoIfTime
// allows for testing.
func (ch *Channel) timeNow() time.Time {
	if v, ok := ch.LookupVar("TESTTIME"); ok {
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			return time.Unix(n, 0).In(ch.engine.clock.Now().Location())
		}
	}
	return ch.engine.clock.Now()
}

func appGotoIfTime(_ context.Context, ch *Channel, args string) error {
	spec, rest, _ := strings.Cut(args, "?")
	t, f, _ := strings.Cut(rest, ":")
	ts, err := ParseTimeSpec(spec)
	branch := f
	if err == nil && ts.Match(ch.timeNow()) {
		branch = t
	} else if err != nil {
		ch.log.Warn("GotoIfTime: invalid time spec", "spec", spec, "error", err)
	}
	if strings.TrimSpace(branch) == "" {
		return nil
	}
	return gotoSpec(ch, branch)
}

// splitAppCall splits "App(args)" into name and arguments (to the last ')').
func splitAppCall(s string) (name, args string) {
	i := strings.IndexByte(s, '(')
	if i < 0 {
		return strings.TrimSpace(s), ""
	}
	args = s[i+1:]
	if j := strings.LastIndexByte(args, ')'); j >= 0 {
		args = args[:j]
	} else {
		args = strings.TrimRight(args, " ")
	}
	return strings.TrimSpace(s[:i]), args
}

// execNamed runs app(args) from within another application.
func execNamed(ctx context.Context, ch *Channel, call string) error {
	name, args := splitAppCall(call)
	app := ch.engine.registry.App(name)
	if app == nil {
		return fmt.Errorf("%w %q", ErrNoApplication, name)
	}
	return app.Exec(ctx, ch, args)
}

func appExecIf(ctx context.Context, ch *Channel, args string) error {
	parts := splitArgsN(args, '?', 2)
	if len(parts) < 2 {
		ch.log.Warn("ExecIf requires an expression and an application", "args", args)
		return errors.New("ExecIf: missing '?'")
	}
	apps := splitArgsN(parts[1], ':', 2)
	if CheckCondition(parts[0]) {
		return execNamed(ctx, ch, arg(apps, 0))
	}
	if f := arg(apps, 1); strings.TrimSpace(f) != "" {
		return execNamed(ctx, ch, f)
	}
	return nil
}

func appExecIfTime(ctx context.Context, ch *Channel, args string) error {
	spec, call, ok := strings.Cut(args, "?")
	if !ok {
		return errors.New("ExecIfTime requires <timespec>?<app>(<args>)")
	}
	ts, err := ParseTimeSpec(spec)
	if err != nil {
		return fmt.Errorf("ExecIfTime: %w", err)
	}
	if !ts.Match(ch.timeNow()) {
		return nil
	}
	return execNamed(ctx, ch, call)
}

func appExec(ctx context.Context, ch *Channel, args string) error {
	if err := execNamed(ctx, ch, args); err != nil && !errors.Is(err, ErrHangup) {
		ch.log.Warn("Exec failed", "call", args, "error", err)
		return err
	} else if err != nil {
		return err
	}
	return nil
}

// splitArgsN splits like SplitArgs on delim into at most n parts, the last
// holding the rest unsplit (AST_NONSTANDARD_APP_ARGS with a remainder).
func splitArgsN(s string, delim byte, n int) []string {
	paren, quote := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '(':
			paren++
		case c == ')':
			if paren > 0 {
				paren--
			}
		case c == '"':
			quote = !quote
		case c == '\\':
			i++
		case c == delim && paren == 0 && !quote && n > 1:
			return append([]string{s[:i]}, splitArgsN(s[i+1:], delim, n-1)...)
		}
	}
	return []string{s}
}

// gosub pushes a return frame and jumps to target with arguments, as
// app_stack.c's gosub_exec does.
func gosub(ch *Channel, spec string) error {
	label, argText, hasArgs := strings.Cut(spec, "(")
	var args []string
	if hasArgs {
		if j := strings.LastIndexByte(argText, ')'); j >= 0 {
			argText = argText[:j]
		}
		args = splitRaw(argText)
	}
	c, x, p, err := ch.ParseGoto(label)
	if err != nil {
		return fmt.Errorf("gosub %q: %w", spec, err)
	}
	if c == "" {
		c = ch.Context
	}
	if x == "" {
		x = ch.Exten
	}
	if !ch.Exists(c, x, p) {
		return fmt.Errorf("attempt to reach a non-existent destination for Gosub: (Context:%s, Extension:%s, Priority:%d)", c, x, p)
	}
	if len(ch.stack) >= maxStackDepth {
		return fmt.Errorf("gosub %q: stack deeper than %d", spec, maxStackDepth)
	}
	f := &frame{context: ch.Context, exten: ch.Exten, priority: ch.Priority + 1, saved: map[string]*variable{}}
	ch.mu.Lock()
	ch.stack = append(ch.stack, f)
	// Clear the caller's ARGn beyond ours, then set ours, all local.
	for i := 1; ; i++ {
		name := "ARG" + strconv.Itoa(i)
		if _, ok := ch.vars[name]; !ok && i > len(args) {
			break
		}
		f.saveLocked(ch, name)
	}
	f.saveLocked(ch, "ARGC")
	for i := 1; ; i++ {
		name := "ARG" + strconv.Itoa(i)
		if _, ok := ch.vars[name]; !ok && i > len(args) {
			break
		}
		delete(ch.vars, name)
	}
	ch.mu.Unlock()
	for i, a := range args {
		ch.SetVar("ARG"+strconv.Itoa(i+1), a)
	}
	ch.SetVar("ARGC", strconv.Itoa(len(args)))
	ch.Goto(c, x, p)
	return nil
}

const maxStackDepth = 128

// splitRaw splits on commas respecting parentheses and quotes without
// removing anything (AST_STANDARD_RAW_ARGS).
func splitRaw(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	paren, quote, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '(':
			paren++
		case c == ')':
			if paren > 0 {
				paren--
			}
		case c == '"':
			quote = !quote
		case c == '\\':
			i++
		case c == ',' && paren == 0 && !quote:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func appGosub(_ context.Context, ch *Channel, args string) error { return gosub(ch, args) }

func appGosubIf(_ context.Context, ch *Channel, args string) error {
	cond, rest, ok := strings.Cut(args, "?")
	if !ok {
		return errors.New("GosubIf requires condition?label")
	}
	parts := splitArgsN(rest, ':', 2)
	branch := arg(parts, 1)
	if CheckCondition(cond) {
		branch = arg(parts, 0)
	}
	if strings.TrimSpace(branch) == "" {
		return nil
	}
	return gosub(ch, branch)
}

func appReturn(_ context.Context, ch *Channel, args string) error {
	ch.mu.Lock()
	f := ch.topFrameLocked()
	if f == nil {
		ch.mu.Unlock()
		return errors.New("Return without Gosub: stack is empty")
	}
	ch.stack = ch.stack[:len(ch.stack)-1]
	f.restoreLocked(ch)
	ch.mu.Unlock()
	ch.SetVar("GOSUB_RETVAL", args)
	ch.Context, ch.Exten, ch.Priority = f.context, f.exten, f.priority
	ch.jumped = true
	return nil
}

func appStackPop(_ context.Context, ch *Channel, _ string) error {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if f := ch.topFrameLocked(); f != nil {
		ch.stack = ch.stack[:len(ch.stack)-1]
		f.restoreLocked(ch)
	}
	return nil
}

// appMacro runs [macro-NAME],s,1… to its end as app_macro.c does, in a
// nested loop, with MACRO_CONTEXT/MACRO_EXTEN/MACRO_PRIORITY and ARGn set.
func appMacro(ctx context.Context, ch *Channel, args string) error {
	parts := SplitArgs(args)
	name := strings.TrimSpace(arg(parts, 0))
	if name == "" {
		return errors.New("Macro requires a macro name")
	}
	mctx := "macro-" + name
	if !ch.Exists(mctx, "s", 1) {
		return fmt.Errorf("macro %q: context %s has no extension s", name, mctx)
	}
	depth, _ := strconv.Atoi(ch.Var("MACRO_DEPTH"))
	if depth >= 7 {
		return fmt.Errorf("macro %q: nested too deep", name)
	}
	saved := map[string]*string{}
	save := func(n string) {
		if _, done := saved[n]; done {
			return
		}
		if v, ok := ch.LookupVar(n); ok {
			saved[n] = &v
		} else {
			saved[n] = nil
		}
	}
	for _, n := range []string{"MACRO_CONTEXT", "MACRO_EXTEN", "MACRO_PRIORITY", "MACRO_DEPTH", "MACRO_OFFSET"} {
		save(n)
	}
	for i := 1; i < len(parts) || ch.Var("ARG"+strconv.Itoa(i)) != ""; i++ {
		save("ARG" + strconv.Itoa(i))
		ch.UnsetVar("ARG" + strconv.Itoa(i))
	}
	ch.SetVar("MACRO_CONTEXT", ch.Context)
	ch.SetVar("MACRO_EXTEN", ch.Exten)
	ch.SetVar("MACRO_PRIORITY", strconv.Itoa(ch.Priority))
	ch.SetVar("MACRO_DEPTH", strconv.Itoa(depth+1))
	for i, a := range parts[1:] {
		ch.SetVar("ARG"+strconv.Itoa(i+1), a)
	}
	retContext, retExten, retPriority := ch.Context, ch.Exten, ch.Priority
	ch.Context, ch.Exten, ch.Priority = mctx, "s", 1
	var err error
	for {
		p := ch.engine.priority(ch, ch.Context, ch.Exten, ch.Priority)
		if p == nil {
			break
		}
		if ch.steps++; ch.steps > ch.engine.maxSteps {
			err = fmt.Errorf("%w in macro %s at %s", ErrLoop, name, ch.Location())
			break
		}
		ch.jumped = false
		if err = ch.engine.exec(ctx, ch, p); err != nil || ch.pendingExten != "" {
			break
		}
		if ch.macroExit {
			break
		}
		if !ch.jumped {
			ch.Priority++
		}
	}
	ch.macroExit = false
	ch.jumped = false
	offset := ch.Var("MACRO_OFFSET")
	for n, v := range saved {
		if v == nil {
			ch.UnsetVar(n)
		} else {
			ch.SetVar(n, *v)
		}
	}
	ch.Context, ch.Exten, ch.Priority = retContext, retExten, retPriority
	if off, convErr := strconv.Atoi(offset); convErr == nil && offset != "" && ch.Exists(retContext, retExten, retPriority+off+1) {
		ch.Goto("", "", retPriority+off+1)
	}
	return err
}

func appMacroExit(_ context.Context, ch *Channel, _ string) error {
	ch.macroExit = true
	return nil
}

// loopPriorities returns the application names of the current extension's
// priorities by number, for While/EndWhile matching.
func (ch *Channel) loopPriorities() (map[int]string, int) {
	ext, _ := ch.engine.Dialplan().Lookup(ch.Context, ch.Exten, ch.CallerID().Num, ch.engine.clock.Now())
	m := map[int]string{}
	last := 0
	if ext == nil {
		return m, 0
	}
	for _, p := range ext.Priorities {
		m[p.Number] = strings.ToLower(p.App)
		last = max(last, p.Number)
	}
	return m, last
}

// matchingEndWhile finds the EndWhile closing the While at priority from.
func (ch *Channel) matchingEndWhile(from int) int {
	apps, last := ch.loopPriorities()
	depth := 0
	for n := from + 1; n <= last; n++ {
		switch apps[n] {
		case "while":
			depth++
		case "endwhile":
			if depth == 0 {
				return n
			}
			depth--
		}
	}
	return 0
}

// enclosingWhile finds the While whose loop contains priority from.
func (ch *Channel) enclosingWhile(from int) int {
	apps, _ := ch.loopPriorities()
	depth := 0
	for n := from - 1; n >= 1; n-- {
		switch apps[n] {
		case "endwhile":
			depth++
		case "while":
			if depth == 0 {
				return n
			}
			depth--
		}
	}
	return 0
}

func appWhile(_ context.Context, ch *Channel, args string) error {
	if CheckCondition(args) {
		return nil
	}
	end := ch.matchingEndWhile(ch.Priority)
	if end == 0 {
		return fmt.Errorf("couldn't find matching EndWhile for While at %s", ch.Location())
	}
	ch.Goto("", "", end+1)
	return nil
}

func appEndWhile(_ context.Context, ch *Channel, _ string) error {
	w := ch.enclosingWhile(ch.Priority)
	if w == 0 {
		return fmt.Errorf("EndWhile without While at %s", ch.Location())
	}
	ch.Goto("", "", w)
	return nil
}

func appExitWhile(_ context.Context, ch *Channel, _ string) error {
	w := ch.enclosingWhile(ch.Priority)
	if w == 0 {
		return fmt.Errorf("ExitWhile outside a loop at %s", ch.Location())
	}
	end := ch.matchingEndWhile(w)
	if end == 0 {
		return fmt.Errorf("couldn't find matching EndWhile for While at %s,%d", ch.Exten, w)
	}
	ch.Goto("", "", end+1)
	return nil
}

func appContinueWhile(_ context.Context, ch *Channel, _ string) error {
	w := ch.enclosingWhile(ch.Priority)
	if w == 0 {
		return fmt.Errorf("ContinueWhile outside a loop at %s", ch.Location())
	}
	ch.Goto("", "", w)
	return nil
}

// ParseTimeLen reads an Asterisk time length (ast_app_parse_timelen): a
// decimal number in defaultUnit, or with a unit suffix ms, s, m or h.
func ParseTimeLen(s string, defaultUnit time.Duration) (time.Duration, bool) {
	s = strings.TrimSpace(strings.ToLower(s))
	unit := defaultUnit
	for _, u := range []struct {
		suffix string
		d      time.Duration
	}{{"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}} {
		if strings.HasSuffix(s, u.suffix) {
			s, unit = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.d
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, false
	}
	return time.Duration(f * float64(unit)), true
}

func appWait(ctx context.Context, ch *Channel, args string) error {
	d, ok := ParseTimeLen(args, time.Second)
	if !ok || d <= 0 {
		return nil
	}
	return ch.Sleep(ctx, d)
}

// runShell runs command with /bin/sh -c and returns its exit code.
func runShell(ctx context.Context, command string) (int, error) {
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	if err != nil {
		return -1, err
	}
	return 0, nil
}

// runSystem is System()/TrySystem(): SYSTEMSTATUS is SUCCESS, APPERROR
// (non-zero exit) or FAILURE (could not run, or exit 127); System ends the
// call on FAILURE as Asterisk does, TrySystem never.
func runSystem(ctx context.Context, ch *Channel, command string, failHangs bool) error {
	if strings.TrimSpace(command) == "" {
		ch.SetVar("SYSTEMSTATUS", "FAILURE")
		if failHangs {
			return errors.New("System requires an argument (command)")
		}
		return nil
	}
	code, err := ch.engine.shell(context.WithoutCancel(ctx), command)
	switch {
	case err != nil || code == 127:
		ch.SetVar("SYSTEMSTATUS", "FAILURE")
		ch.log.Warn("unable to execute command", "command", command, "error", err, "exit", code)
		if failHangs {
			return fmt.Errorf("System(%s): unable to execute", command)
		}
	case code != 0:
		ch.SetVar("SYSTEMSTATUS", "APPERROR")
	default:
		ch.SetVar("SYSTEMSTATUS", "SUCCESS")
	}
	return nil
}

func appRaiseException(_ context.Context, ch *Channel, args string) error {
	if !ch.Exists(ch.Context, "e", 1) {
		ch.log.Warn("RaiseException: no 'e' extension", "context", ch.Context, "reason", args)
		return errors.New("RaiseException without an e extension")
	}
	ch.exception = &exceptionInfo{reason: args, context: ch.Context, exten: ch.Exten, priority: ch.Priority}
	ch.Goto("", "e", 1)
	return nil
}

func indicateApp(ind Indication) func(context.Context, *Channel, string) error {
	return func(ctx context.Context, ch *Channel, _ string) error {
		return ch.hangupErr(ctx, ch.call.Indicate(ctx, ind))
	}
}

// indicateAndHangup is Busy()/Congestion(): indicate, set the cause if the
// channel is not up, wait for the caller to hang up or the timeout, end.
func indicateAndHangup(ctx context.Context, ch *Channel, args string, ind Indication, cause int) error {
	if err := ch.call.Indicate(ctx, ind); err != nil {
		return ch.hangupErr(ctx, err)
	}
	if ch.State() != StateUp {
		ch.SetHangupCause(cause)
	}
	wait := 24 * time.Hour // until the caller hangs up
	if d, ok := ParseTimeLen(args, time.Second); ok && d > 0 {
		wait = d
	}
	_ = ch.Sleep(ctx, wait)
	return ErrHangup
}
