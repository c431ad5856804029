package ivr

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// FunctionRefs returns the names of the dialplan functions s calls through
// `${NAME(...)}`, including nested references and ones inside `$[...]`
// (whose NAME(...) calls are dialplan functions too, unless they are
// expression math functions).
func FunctionRefs(s string) []string {
	var out []string
	for i := 0; i+1 < len(s); i++ {
		if s[i] != '$' || s[i+1] != '{' {
			continue
		}
		j, level := i+2, 1
		for ; j < len(s) && level > 0; j++ {
			switch s[j] {
			case '{':
				level++
			case '}':
				level--
			}
		}
		inner := s[i+2 : max(i+2, j-1)]
		if k := strings.IndexByte(inner, '('); k > 0 {
			name := inner[:k]
			if !strings.ContainsAny(name, "${}[]: ") {
				out = append(out, name)
			}
		}
	}
	return out
}

// CheckFunctions reports calls of functions reg does not know, one warning
// per priority and function: `unknown function "FOO"`.
func CheckFunctions(dp *Dialplan, reg *Registry) config.Diagnostics {
	var ds config.Diagnostics
	for _, c := range dp.sortedContexts() {
		for _, e := range c.Extensions {
			for _, p := range e.Priorities {
				seen := map[string]bool{}
				for _, name := range FunctionRefs(p.Args) {
					u := strings.ToUpper(name)
					if seen[u] || reg.Function(name) != nil {
						continue
					}
					seen[u] = true
					ds = append(ds, config.Warnf(p.Pos, "unknown function %q", name))
				}
			}
		}
	}
	return ds
}

// CheckGotos reports Goto, GotoIf and Gosub targets written literally
// (without variables) that do not exist: a context, extension or label
// that is missing is a warning with the priority's file:line.
func CheckGotos(dp *Dialplan) config.Diagnostics {
	var ds config.Diagnostics
	for _, c := range dp.sortedContexts() {
		for _, e := range c.Extensions {
			for _, p := range e.Priorities {
				var targets []string
				switch strings.ToLower(p.App) {
				case "goto", "gosub":
					targets = []string{p.Args}
				case "gotoif", "gosubif":
					_, rest, ok := strings.Cut(p.Args, "?")
					if !ok {
						continue
					}
					t, f, _ := strings.Cut(rest, ":")
					targets = []string{t, f}
				default:
					continue
				}
				for _, t := range targets {
					if i := strings.IndexByte(t, '('); i >= 0 {
						t = t[:i]
					}
					t = strings.TrimSpace(t)
					if t == "" || strings.Contains(t, "$") {
						continue
					}
					if msg := dp.checkTarget(c.Name, e, t); msg != "" {
						ds = append(ds, config.Warnf(p.Pos, "%s(%s): %s", p.App, p.Args, msg))
					}
				}
			}
		}
	}
	return ds
}

func (dp *Dialplan) checkTarget(context string, from *Extension, spec string) string {
	parts := strings.Split(spec, ",")
	ctx, exten, pri := context, "", ""
	switch len(parts) {
	case 1:
		pri = parts[0]
	case 2:
		exten, pri = parts[0], parts[1]
	case 3:
		ctx, exten, pri = parts[0], parts[1], parts[2]
	default:
		return fmt.Sprintf("target %q has too many parts", spec)
	}
	ctx, exten, pri = strings.TrimSpace(ctx), strings.TrimSpace(exten), strings.TrimSpace(pri)
	c := dp.Context(ctx)
	if c == nil {
		return fmt.Sprintf("context %q does not exist", ctx)
	}
	var ext *Extension
	if exten == "" {
		ext = from
	} else {
		for _, e := range c.Extensions {
			if e.Name == exten || (strings.HasPrefix(e.Name, "_") && MatchExtension(e.Name, exten)) {
				ext = e
				break
			}
		}
		if ext == nil {
			ext, _ = dp.Lookup(ctx, exten, "", time.Now())
		}
		if ext == nil {
			return fmt.Sprintf("extension %q does not exist in context %q", exten, ctx)
		}
	}
	if strings.HasPrefix(pri, "+") || strings.HasPrefix(pri, "-") {
		return ""
	}
	if n, _, ok := scanInt(pri); ok {
		if ext.Priority(n) == nil && !strings.HasPrefix(ext.Name, "_") {
			return fmt.Sprintf("priority %s does not exist in %s,%s", pri, ctx, ext.Name)
		}
		return ""
	}
	if ext.Label(pri) == 0 {
		return fmt.Sprintf("label %q does not exist in %s,%s", pri, ctx, ext.Name)
	}
	return ""
}

// sortedContexts returns the contexts in file order, for stable messages.
func (dp *Dialplan) sortedContexts() []*Context {
	out := make([]*Context, 0, len(dp.Contexts))
	for _, c := range dp.Contexts {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Pos, out[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return out[i].Name < out[j].Name
	})
	return out
}
