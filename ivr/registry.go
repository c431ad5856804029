package ivr

import (
	"context"
	"sort"
	"strings"
	"sync"
)

// App is a dialplan application such as Playback or Goto.
type App struct {
	// Name is the canonical spelling ("BackGround" is found as "Background").
	Name string
	// Synopsis is one line for `obelisk check` and documentation.
	Synopsis string
	// Exec runs the application with its argument string, variables already
	// substituted. It returns nil to go on to the next priority, ErrHangup
	// (or any error) to end the call, as an Asterisk application returning -1.
	Exec func(ctx context.Context, ch *Channel, args string) error
}

// Function is a dialplan function such as CALLERID() or DB().
type Function struct {
	Name     string
	Synopsis string
	// Read returns ${NAME(args)}; nil for write-only functions.
	Read func(ch *Channel, args string) (string, error)
	// Write handles Set(NAME(args)=value); nil for read-only functions.
	Write func(ch *Channel, args, value string) error
}

// Registry holds the applications and functions the dialplan may use.
// Names are case-insensitive, as in Asterisk. Packages that implement
// applications (media, queues, voicemail, the SIP B2BUA) register them here.
type Registry struct {
	mu    sync.RWMutex
	apps  map[string]*App
	funcs map[string]*Function
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{apps: make(map[string]*App), funcs: make(map[string]*Function)}
}

// NewCoreRegistry returns a registry with the engine's own applications
// (flow control, variables, prompts and digit collection through Call) and
// functions.
func NewCoreRegistry() *Registry {
	r := NewRegistry()
	registerFlowApps(r)
	registerPromptApps(r)
	registerCoreFunctions(r)
	return r
}

// RegisterApp adds or replaces an application.
func (r *Registry) RegisterApp(a *App) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.apps[strings.ToLower(a.Name)] = a
}

// RegisterFunction adds or replaces a function.
func (r *Registry) RegisterFunction(f *Function) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.funcs[strings.ToLower(f.Name)] = f
}

// App returns the named application or nil.
func (r *Registry) App(name string) *App {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.apps[strings.ToLower(name)]
}

// Function returns the named function or nil.
func (r *Registry) Function(name string) *Function {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.funcs[strings.ToLower(name)]
}

// HasApp reports whether an application is registered; it fits
// LoadOptions.KnownApp.
func (r *Registry) HasApp(name string) bool { return r.App(name) != nil }

// Apps lists the registered applications by name.
func (r *Registry) Apps() []*App {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*App, 0, len(r.apps))
	for _, a := range r.apps {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Functions lists the registered functions by name.
func (r *Registry) Functions() []*Function {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Function, 0, len(r.funcs))
	for _, f := range r.funcs {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ReadFunction evaluates a `NAME(args)` reference on the channel.
func (ch *Channel) ReadFunction(call string) (string, error) {
	name, args := splitFunctionCall(call)
	f := ch.engine.registry.Function(name)
	if f == nil || f.Read == nil {
		return "", &FunctionError{Name: name, Err: ErrNoFunction}
	}
	v, err := f.Read(ch, args)
	if err != nil {
		return v, &FunctionError{Name: name, Err: err}
	}
	return v, nil
}

// WriteFunction handles Set(NAME(args)=value).
func (ch *Channel) WriteFunction(call, value string) error {
	name, args := splitFunctionCall(call)
	f := ch.engine.registry.Function(name)
	if f == nil {
		return &FunctionError{Name: name, Err: ErrNoFunction}
	}
	if f.Write == nil {
		return &FunctionError{Name: name, Err: ErrReadOnly}
	}
	if err := f.Write(ch, args, value); err != nil {
		return &FunctionError{Name: name, Err: err}
	}
	return nil
}

// FunctionError says which dialplan function failed.
type FunctionError struct {
	Name string
	Err  error
}

func (e *FunctionError) Error() string { return "function " + e.Name + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *FunctionError) Unwrap() error { return e.Err }

// splitFunctionCall splits "NAME(args)" into the name and the text between
// the first '(' and the last ')'.
func splitFunctionCall(s string) (name, args string) {
	i := strings.IndexByte(s, '(')
	if i < 0 {
		return strings.TrimSpace(s), ""
	}
	name = strings.TrimSpace(s[:i])
	args = s[i+1:]
	if j := strings.LastIndexByte(args, ')'); j >= 0 {
		args = args[:j]
	}
	return name, args
}

// SplitArgs splits an application's argument string on commas as
// ast_app_separate_args does: commas inside parentheses, brackets or double
// quotes do not split, double quotes are removed, a backslash makes the next
// character literal.
func SplitArgs(s string) []string {
	return splitArgsDelim(s, ',')
}

func splitArgsDelim(s string, delim byte) []string {
	if s == "" {
		return nil
	}
	var out []string
	var cur strings.Builder
	paren, bracket, quote := 0, 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '(':
			paren++
		case c == ')':
			if paren > 0 {
				paren--
			}
		case c == '[':
			bracket++
		case c == ']':
			if bracket > 0 {
				bracket--
			}
		case c == '"' && delim != '"':
			quote = !quote
			continue
		case c == '\\':
			if i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			}
			continue
		case c == delim && paren == 0 && !quote && bracket == 0:
			out = append(out, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	out = append(out, cur.String())
	return out
}

// arg returns args[i] or "" when there are fewer arguments.
func arg(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}
