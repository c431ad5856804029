package ivr

import (
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CallerID is a channel's caller identification (Asterisk's CALLERID()).
type CallerID struct {
	Num  string
	Name string
	ANI  string
	// DNID is the number the caller dialled; RDNIS the redirecting number.
	DNID  string
	RDNIS string
}

// String formats the caller ID as Asterisk's CALLERID(all): `"Name" <num>`.
func (c CallerID) String() string {
	switch {
	case c.Name == "" && c.Num == "":
		return ""
	case c.Name == "":
		return "<" + c.Num + ">"
	}
	return `"` + c.Name + `" <` + c.Num + ">"
}

// ParseCallerID reads `"Name" <num>`, `Name <num>`, `<num>` or a bare number
// as Asterisk's ast_callerid_split does.
func ParseCallerID(s string) CallerID {
	s = strings.TrimSpace(s)
	lt := strings.LastIndexByte(s, '<')
	gt := strings.LastIndexByte(s, '>')
	if lt >= 0 && gt > lt {
		name := strings.TrimSpace(s[:lt])
		name = strings.Trim(name, `"`)
		return CallerID{Num: strings.TrimSpace(s[lt+1 : gt]), Name: strings.TrimSpace(name)}
	}
	if isNumberLike(s) {
		return CallerID{Num: s}
	}
	return CallerID{Name: strings.Trim(s, `"`)}
}

func isNumberLike(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789+*#-() .", r) {
			return false
		}
	}
	return true
}

// Default timeouts of a channel's dialplan, as Asterisk's TIMEOUT().
const (
	// DefaultDigitTimeout is TIMEOUT(digit): the wait between digits of an
	// extension being dialled.
	DefaultDigitTimeout = 5 * time.Second
	// DefaultResponseTimeout is TIMEOUT(response): the wait for the first
	// digit after a prompt.
	DefaultResponseTimeout = 10 * time.Second
)

// Channel is one call leg running the dialplan: where it is (context,
// extension, priority), its variables and caller ID, and the Call it talks to.
// A channel is driven by one goroutine (Engine.Run); its variables may also be
// read and written from others (AMI Getvar/Setvar), so they are locked.
type Channel struct {
	// Name is Asterisk's channel name, e.g. "SIP/1001-00000001".
	Name string
	// UniqueID identifies the channel; LinkedID the call it belongs to.
	UniqueID string
	LinkedID string
	// AccountCode is the CDR account code.
	AccountCode string

	// Context, Exten and Priority are where the dialplan is.
	Context  string
	Exten    string
	Priority int

	call   Call
	engine *Engine
	log    *slog.Logger

	// DigitTimeout and ResponseTimeout are TIMEOUT(digit) and TIMEOUT(response).
	DigitTimeout    time.Duration
	ResponseTimeout time.Duration
	// absoluteDeadline is TIMEOUT(absolute); zero when unset.
	absoluteDeadline time.Time

	// jumped is set when an application moved the channel (Goto); the
	// engine then does not advance the priority.
	jumped bool
	// pendingExten holds the digits an application (Background, WaitExten)
	// returned to be dialled as an extension.
	pendingExten string
	// steps counts priorities run since the channel last waited on the
	// caller or the clock (Goto-loop protection).
	steps int
	// stack holds Gosub/Macro return frames.
	stack []*frame
	// hungUp is set once the far end hung up or Hangup() ran.
	hungUp bool
	// inHangupExten is true while the h extension runs.
	inHangupExten bool
	// exception is what EXCEPTION() reads after a jump to `e`.
	exception *exceptionInfo
	// macroExit is set by MacroExit().
	macroExit bool
	// async is the AsyncGoto state, shared with other goroutines.
	async asyncGoto

	mu sync.Mutex
	// vars holds channel variables by name without leading underscores.
	vars map[string]*variable
	// order keeps variable names in first-set order for dumps.
	order       []string
	callerID    CallerID
	language    string
	state       State
	hangupCause int
}

type variable struct {
	value string
	// inherit is 0, 1 (`_VAR`, one level) or 2 (`__VAR`, forever).
	inherit int
}

// frame is one Gosub level. As in app_stack.c, LOCAL() variables and the
// ARGn/ARGC arguments are ordinary channel variables whose previous values
// the frame saves and restores on Return.
type frame struct {
	context, exten string
	priority       int // where Return goes (the priority after the Gosub)
	// saved holds the values to restore; nil means the variable did not exist.
	saved map[string]*variable
}

// saveLocked remembers name's current value in f once.
func (f *frame) saveLocked(ch *Channel, name string) {
	if _, done := f.saved[name]; done {
		return
	}
	if v, ok := ch.vars[name]; ok {
		c := *v
		f.saved[name] = &c
		return
	}
	f.saved[name] = nil
}

// restoreLocked puts back the variables f saved.
func (f *frame) restoreLocked(ch *Channel) {
	for name, v := range f.saved {
		if v == nil {
			delete(ch.vars, name)
			continue
		}
		if _, ok := ch.vars[name]; !ok && !slices.Contains(ch.order, name) {
			ch.order = append(ch.order, name)
		}
		ch.vars[name] = v
	}
}

// SetLocal sets a variable local to the current Gosub level (LOCAL()); at
// top level it is an ordinary channel variable.
func (ch *Channel) SetLocal(name, value string) {
	base, _ := stripInherit(name)
	ch.mu.Lock()
	if f := ch.topFrameLocked(); f != nil {
		f.saveLocked(ch, base)
	}
	ch.mu.Unlock()
	ch.SetVar(base, value)
}

// ChannelOptions describe a new channel.
type ChannelOptions struct {
	Name     string
	UniqueID string
	LinkedID string
	Context  string
	Exten    string
	// Priority defaults to 1.
	Priority int
	CallerID CallerID
	// Language defaults to "en".
	Language    string
	AccountCode string
	// Vars are set on the channel before the dialplan starts, with
	// Asterisk's inheritance prefixes honoured (`_X`, `__X`).
	Vars map[string]string
	// State is the channel state at start (StateRing for an inbound call).
	State State
	// Logger is the channel's logger; the engine's is used when nil.
	Logger *slog.Logger
}

// NewChannel returns a channel ready for Engine.Run.
func (e *Engine) NewChannel(call Call, o ChannelOptions) *Channel {
	ch := &Channel{
		Name:            o.Name,
		UniqueID:        o.UniqueID,
		LinkedID:        o.LinkedID,
		AccountCode:     o.AccountCode,
		Context:         o.Context,
		Exten:           o.Exten,
		Priority:        o.Priority,
		call:            call,
		engine:          e,
		DigitTimeout:    DefaultDigitTimeout,
		ResponseTimeout: DefaultResponseTimeout,
		vars:            make(map[string]*variable),
		callerID:        o.CallerID,
		language:        o.Language,
		state:           o.State,
	}
	if ch.Priority == 0 {
		ch.Priority = 1
	}
	if ch.language == "" {
		ch.language = "en"
	}
	if ch.UniqueID == "" {
		ch.UniqueID = e.nextUniqueID()
	}
	if ch.LinkedID == "" {
		ch.LinkedID = ch.UniqueID
	}
	if ch.Name == "" {
		ch.Name = "Local/" + ch.Exten + "@" + ch.Context + "-" + ch.UniqueID
	}
	ch.log = o.Logger
	if ch.log == nil {
		ch.log = e.log
	}
	ch.log = ch.log.With("channel", ch.Name, "uniqueid", ch.UniqueID)
	for k, v := range o.Vars {
		ch.SetVar(k, v)
	}
	return ch
}

// Call returns the call the channel talks to.
func (ch *Channel) Call() Call { return ch.call }

// Engine returns the engine running the channel.
func (ch *Channel) Engine() *Engine { return ch.engine }

// Logger returns the channel's logger.
func (ch *Channel) Logger() *slog.Logger { return ch.log }

// CallerID returns the channel's caller ID.
func (ch *Channel) CallerID() CallerID {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.callerID
}

// SetCallerID replaces the channel's caller ID.
func (ch *Channel) SetCallerID(c CallerID) {
	ch.mu.Lock()
	ch.callerID = c
	ch.mu.Unlock()
}

// Language returns CHANNEL(language), the language prompts are played in.
func (ch *Channel) Language() string {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.language
}

// SetLanguage sets CHANNEL(language).
func (ch *Channel) SetLanguage(lang string) {
	ch.mu.Lock()
	ch.language = lang
	ch.mu.Unlock()
}

// State returns the channel state.
func (ch *Channel) State() State {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.state
}

// SetState records a new channel state.
func (ch *Channel) SetState(s State) {
	ch.mu.Lock()
	ch.state = s
	ch.mu.Unlock()
}

// HangupCause returns the Q.850 cause the channel ended with (0 while up).
func (ch *Channel) HangupCause() int {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.hangupCause
}

// SetHangupCause records the Q.850 cause for ${HANGUPCAUSE}.
func (ch *Channel) SetHangupCause(cause int) {
	ch.mu.Lock()
	ch.hangupCause = cause
	ch.mu.Unlock()
}

// HungUp reports whether the call has ended.
func (ch *Channel) HungUp() bool { return ch.hungUp }

// stripInherit splits Asterisk's inheritance prefix off a variable name.
func stripInherit(name string) (string, int) {
	switch {
	case strings.HasPrefix(name, "__"):
		return name[2:], 2
	case strings.HasPrefix(name, "_"):
		return name[1:], 1
	}
	return name, 0
}

// SetVar sets a channel variable as pbx_builtin_setvar_helper does: a leading
// `_` makes it inherited by channels this one creates (one level), `__` for
// ever; setting it without the prefix clears the inheritance. Inside a Gosub,
// a variable made LOCAL() is set in that frame. An empty name is ignored.
func (ch *Channel) SetVar(name, value string) {
	base, inherit := stripInherit(name)
	if base == "" {
		return
	}
	ch.mu.Lock()
	if v, ok := ch.vars[base]; ok {
		v.value, v.inherit = value, inherit
	} else {
		ch.vars[base] = &variable{value: value, inherit: inherit}
		ch.order = append(ch.order, base)
	}
	ch.mu.Unlock()
	if ch.engine != nil && ch.engine.varSet != nil {
		ch.engine.varSet(ch, name, value)
	}
}

// UnsetVar removes a channel variable (Set(VAR=) with an empty value keeps
// it, as Asterisk does; this is for internal use).
func (ch *Channel) UnsetVar(name string) {
	base, _ := stripInherit(name)
	ch.mu.Lock()
	defer ch.mu.Unlock()
	delete(ch.vars, base)
}

// LookupVar returns a channel variable, without builtins or globals.
func (ch *Channel) LookupVar(name string) (string, bool) {
	base, _ := stripInherit(name)
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if v, ok := ch.vars[base]; ok {
		return v.value, true
	}
	return "", false
}

// Var returns the value of ${name} as the dialplan sees it: builtin
// variables (EXTEN, CONTEXT, …), then channel variables, then globals.
func (ch *Channel) Var(name string) string {
	v, _ := ch.lookupAny(name)
	return v
}

func (ch *Channel) lookupAny(name string) (string, bool) {
	if v, ok := ch.builtinVar(name); ok {
		return v, true
	}
	if v, ok := ch.LookupVar(name); ok {
		return v, true
	}
	if v, ok := ch.engine.constVar(name); ok {
		return v, true
	}
	return ch.engine.Global(name)
}

// builtinVar returns the variables pbx_retrieve_variable computes from the
// channel itself.
func (ch *Channel) builtinVar(name string) (string, bool) {
	switch name {
	case "EXTEN":
		return ch.Exten, true
	case "CONTEXT":
		return ch.Context, true
	case "PRIORITY":
		return strconv.Itoa(ch.Priority), true
	case "CHANNEL":
		return ch.Name, true
	case "UNIQUEID":
		return ch.UniqueID, true
	case "CALLERID":
		return ch.CallerID().String(), true
	case "CALLERIDNUM":
		return ch.CallerID().Num, true
	case "CALLERIDNAME":
		return ch.CallerID().Name, true
	case "CALLERANI":
		return ch.CallerID().ANI, true
	case "DNID":
		return ch.CallerID().DNID, true
	case "RDNIS":
		return ch.CallerID().RDNIS, true
	case "HANGUPCAUSE":
		if c := ch.HangupCause(); c != 0 {
			return strconv.Itoa(c), true
		}
		return "", false
	case "LANGUAGE":
		return ch.Language(), true
	case "EPOCH":
		return strconv.FormatInt(ch.engine.clock.Now().Unix(), 10), true
	}
	return "", false
}

// Vars returns the channel's variables (full names with inheritance
// prefixes) in the order they were first set, for dumps and AMI.
func (ch *Channel) Vars() [][2]string {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	out := make([][2]string, 0, len(ch.vars))
	for _, k := range ch.order {
		v, ok := ch.vars[k]
		if !ok {
			continue
		}
		out = append(out, [2]string{strings.Repeat("_", v.inherit) + k, v.value})
	}
	return out
}

// InheritedVars returns the variables a channel created by this one (Dial,
// Originate) starts with, per Asterisk's rules: `_X` is passed as `X`, `__X`
// as `__X`.
func (ch *Channel) InheritedVars() map[string]string {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	out := make(map[string]string)
	for k, v := range ch.vars {
		switch v.inherit {
		case 1:
			out[k] = v.value
		case 2:
			out["__"+k] = v.value
		}
	}
	return out
}

func (ch *Channel) topFrameLocked() *frame {
	if len(ch.stack) == 0 {
		return nil
	}
	return ch.stack[len(ch.stack)-1]
}

// Goto moves the channel to context, exten and priority; empty context or
// exten keep the current ones. The engine runs that priority next.
func (ch *Channel) Goto(context, exten string, priority int) {
	if context != "" {
		ch.Context = context
	}
	if exten != "" {
		ch.Exten = exten
	}
	ch.Priority = priority
	ch.jumped = true
}

// DialExten makes the channel dial digits as an extension when the current
// application returns, as a digit returned by Background or WaitExten does
// in Asterisk: the engine collects more digits while a longer extension
// could match, then goes there or to `i`.
func (ch *Channel) DialExten(digits string) { ch.pendingExten = digits }

// Location formats where the channel is: "context,exten,priority".
func (ch *Channel) Location() string {
	return ch.Context + "," + ch.Exten + "," + strconv.Itoa(ch.Priority)
}

// Inheritable returns the variables a channel this one creates inherits,
// with their prefixes as NewChannel takes them (ChannelOptions.Vars): `_X`
// variables once (as X), `__X` ones for ever (as __X), as Asterisk's
// ast_channel_inherit_variables does.
func (ch *Channel) Inheritable() map[string]string {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	out := map[string]string{}
	for name, v := range ch.vars {
		switch v.inherit {
		case 1:
			out[name] = v.value
		case 2:
			out["__"+name] = v.value
		}
	}
	return out
}
