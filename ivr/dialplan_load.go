package ivr

import (
	"math"
	"sort"
	"strings"

	"github.com/obelisk-pbx/obelisk/config"
)

// This file follows pbx_load_config of Asterisk's pbx/pbx_config.c and the
// extension registration of main/pbx.c (ast_add_extension2, add_priority,
// ast_context_add_include2, ast_context_add_ignorepat2):
//
//   - every section but [general] and [globals] (any case) is a context; a
//     context written twice is one context;
//   - `exten => name[/callerid],priority[(label)],App(args)`; the name may
//     hold `,` inside `[...]`; spaces outside `[...]` are dropped from names;
//     `-`, `(`, `)`, spaces and a non-final `.` are dropped from the caller
//     ID (ast_shrink_phone_number);
//   - priorities: a number, `n`/`next` (the previous line's priority of the
//     same section plus one, whatever its extension), `s`/`same` (the
//     previous one), `hint`, or a label of the extension; each may be
//     followed by `+N`;
//   - `same => priority,...` continues the last `exten` of the section;
//   - App(args): the arguments run to the last `)`; without parentheses the
//     whole rest is the application name;
//   - the same extension (and caller ID) written in several places collects
//     all its priorities; a priority or hint written twice keeps the first,
//     a label used twice is dropped from the later priority;
//   - `include => context[,timespec]`, `ignorepat => pattern`; `switch`,
//     `lswitch` and `eswitch` are not supported; any other key is ignored
//     with a warning.
//
// Where Asterisk logs and goes on, LoadDialplan warns and goes on. Errors are
// kept for what leaves an entry meaningless: `same` with no extension before
// it, an extension without a name, a priority without an application.

// maxPriority bounds priority numbers (Asterisk reads them with %30d).
const maxPriority = math.MaxInt32

// priorityHint is Asterisk's PRIORITY_HINT.
const priorityHint = -1

type loader struct {
	opts    LoadOptions
	dp      *Dialplan
	diags   config.Diagnostics
	globals map[string]string // [globals] so far, for ${NAME} in names
	ctxs    map[string]*ctxBuild
	order   []*ctxBuild
}

// ctxBuild is a context being loaded.
type ctxBuild struct {
	ctx      *Context
	byKey    map[string]*extBuild
	exts     []*extBuild
	includes map[string]bool // raw include values, lower-cased
	ignore   map[string]bool // ignore patterns, lower-cased
}

// extBuild is an extension being loaded.
type extBuild struct {
	ext    *Extension
	prios  map[int]*Priority
	labels map[string]int
	// hasHint is set once a hint was written.
	hasHint bool
}

func (l *loader) warn(pos config.Pos, format string, args ...any) {
	l.diags = append(l.diags, config.Warnf(pos, format, args...))
}

func (l *loader) errorf(pos config.Pos, format string, args ...any) {
	l.diags = append(l.diags, config.Errorf(pos, format, args...))
}

func loadDialplan(f *config.File, opts LoadOptions) (*Dialplan, config.Diagnostics) {
	l := &loader{
		opts:    opts,
		dp:      &Dialplan{Contexts: map[string]*Context{}, General: General{Autofallthrough: true}},
		globals: map[string]string{},
		ctxs:    map[string]*ctxBuild{},
	}
	if f == nil {
		return l.dp, nil
	}
	var general, globals *config.Section
	for _, s := range f.Sections {
		switch {
		case strings.EqualFold(s.Name, "general"):
			if general != nil {
				l.warn(s.Pos, "[%s] written again (first at %s): only the first is read, as in Asterisk", s.Name, general.Pos)
				continue
			}
			general = s
		case strings.EqualFold(s.Name, "globals"):
			if globals != nil {
				l.warn(s.Pos, "[%s] written again (first at %s): only the first is read, as in Asterisk", s.Name, globals.Pos)
				continue
			}
			globals = s
		}
	}
	if general != nil {
		l.loadGeneral(general)
	}
	if globals != nil {
		for _, e := range globals.Entries {
			l.dp.Globals = append(l.dp.Globals, Global{Pos: e.Pos, Name: e.Key, Value: e.Value})
			l.globals[e.Key] = l.subst(e.Value)
		}
	}
	for _, s := range f.Sections {
		if strings.EqualFold(s.Name, "general") || strings.EqualFold(s.Name, "globals") {
			continue
		}
		l.loadContext(s)
	}
	l.finish()
	return l.dp, l.diags
}

// loadGeneral reads the [general] options pbx_config knows.
func (l *loader) loadGeneral(s *config.Section) {
	for _, e := range s.Entries {
		switch strings.ToLower(e.Key) {
		case "autofallthrough":
			l.dp.General.Autofallthrough = l.boolOption(e)
		case "clearglobalvars":
			l.dp.General.ClearGlobalVars = l.boolOption(e)
		case "static", "writeprotect":
			// Only about `dialplan save`, which Obelisk does not have.
			l.boolOption(e)
		case "extenpatternmatchnew":
			if l.boolOption(e) {
				l.warn(e.Pos, "extenpatternmatchnew is not supported: extensions are matched in the classic order")
			}
		case "userscontext":
			// Only used for users.conf, which Obelisk does not read.
		case "overrideswitch":
			if strings.TrimSpace(e.Value) != "" {
				l.warn(e.Pos, "overrideswitch is not supported")
			}
		default:
			l.warn(e.Pos, "unknown option %q in [%s]", e.Key, s.Name)
		}
	}
}

// boolOption reads a yes/no option as ast_true does: anything but a true
// word is no.
func (l *loader) boolOption(e config.Entry) bool {
	v := strings.ToLower(strings.TrimSpace(e.Value))
	switch v {
	case "yes", "true", "y", "t", "1", "on":
		return true
	case "no", "false", "n", "f", "0", "off":
		return false
	}
	l.warn(e.Pos, "invalid value %q for %s (want yes or no): taken as no", e.Value, e.Key)
	return false
}

// subst replaces ${NAME} by the value of a [globals] variable, as
// pbx_substitute_variables_helper does without a channel for extension
// names, includes and ignore patterns. Other references are left as written.
func (l *loader) subst(s string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+2:], '}')
		if j < 0 {
			break
		}
		name := s[i+2 : i+2+j]
		if v, ok := l.globals[name]; ok {
			b.WriteString(s[:i])
			b.WriteString(v)
		} else {
			b.WriteString(s[:i+3+j])
		}
		s = s[i+3+j:]
	}
	b.WriteString(s)
	return b.String()
}

// context returns the context named name, creating it.
func (l *loader) context(s *config.Section) *ctxBuild {
	if cb := l.ctxs[s.Name]; cb != nil {
		return cb
	}
	cb := &ctxBuild{
		ctx:      &Context{Pos: s.Pos, Name: s.Name},
		byKey:    map[string]*extBuild{},
		includes: map[string]bool{},
		ignore:   map[string]bool{},
	}
	l.ctxs[s.Name] = cb
	l.order = append(l.order, cb)
	l.dp.Contexts[s.Name] = cb.ctx
	return cb
}

// loadContext reads one section as a context.
func (l *loader) loadContext(s *config.Section) {
	cb := l.context(s)
	// `same` and `n` continue from the previous line of this section.
	lastExten := ""
	lastPri := -2
	for _, e := range s.Entries {
		key := strings.ToLower(e.Key)
		switch {
		case strings.HasPrefix(key, "same"):
			if lastExten == "" {
				l.errorf(e.Pos, "%q with no extension before it in context %q", e.Key, cb.ctx.Name)
				continue
			}
			l.exten(cb, e, lastExten, e.Value, &lastPri)
		case key == "exten":
			name, rest := pbxStrsep(e.Value, ',')
			lastExten = l.subst(name)
			l.exten(cb, e, lastExten, rest, &lastPri)
		case key == "include":
			l.include(cb, e)
		case key == "ignorepat":
			l.ignorepat(cb, e)
		case key == "switch" || key == "lswitch" || key == "eswitch":
			l.warn(e.Pos, "%s is not supported", key)
		default:
			l.warn(e.Pos, "unknown directive %q in context %q ignored", e.Key, cb.ctx.Name)
		}
	}
}

// pbxStrsep splits s at the first delim outside `[...]`, skipping the
// character after a backslash (pbx_strsep). rest is "" when there is none.
func pbxStrsep(s string, delim byte) (head, rest string) {
	square := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '[':
			square++
		case c == ']':
			if square > 0 {
				square--
			}
		case c == '\\':
			i++
		case c == delim && square == 0:
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// scanLeadingInt reads a leading integer as sscanf("%d") does: blanks, a sign,
// digits; the rest is ignored. ok is false without digits.
func scanLeadingInt(s string) (n int64, ok bool) {
	s = strings.TrimLeft(s, " \t")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	i := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if n < math.MaxInt64/100 {
			n = n*10 + int64(s[i]-'0')
		}
	}
	if i == 0 {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// exten handles the rest of an `exten` or `same` line for the extension
// (and caller ID) realext: "priority[(label)],application".
func (l *loader) exten(cb *ctxBuild, e config.Entry, realext, rest string, lastPri *int) {
	name, cid, matchCID := strings.Cut(realext, "/")
	if matchCID {
		cid = ShrinkPhoneNumber(cid)
	}
	pri, appl, _ := strings.Cut(rest, ",")
	pri = strings.TrimSpace(pri)
	written := pri
	label := ""
	if i := strings.IndexByte(pri, '('); i >= 0 {
		lab := pri[i+1:]
		j := strings.IndexByte(lab, ')')
		if j < 0 {
			l.warn(e.Pos, "label missing trailing ')' in priority %q", written)
			return
		}
		label = strings.TrimSpace(lab[:j])
		pri = strings.TrimSpace(pri[:i])
	}
	plus, hasPlus := "", false
	if i := strings.IndexByte(pri, '+'); i >= 0 {
		pri, plus, hasPlus = strings.TrimSpace(pri[:i]), pri[i+1:], true
	}
	name, cid = stripBlanks(name), stripBlanks(cid)

	var ipri int64
	switch pri {
	case "hint":
		ipri = priorityHint
	case "n", "next":
		if *lastPri <= -2 {
			l.warn(e.Pos, "can't use %q priority on the first entry of context %q", pri, cb.ctx.Name)
			return
		}
		ipri = int64(*lastPri) + 1
	case "s", "same":
		if *lastPri <= -2 {
			l.warn(e.Pos, "can't use %q priority on the first entry of context %q", pri, cb.ctx.Name)
			return
		}
		ipri = int64(*lastPri)
	default:
		if n, ok := scanLeadingInt(pri); ok {
			if n < 1 {
				l.warn(e.Pos, "invalid priority %q", written)
				return
			}
			ipri = n
		} else if n := cb.findLabel(name, cid, matchCID, pri); n >= 1 {
			ipri = int64(n)
		} else {
			l.warn(e.Pos, "invalid priority/label %q", written)
			return
		}
	}
	if ipri == 0 {
		// `n` after a hint: Asterisk silently registers nothing.
		l.warn(e.Pos, "priority %q after a hint is 0: entry ignored", pri)
		return
	}
	if hasPlus {
		n, _ := scanLeadingInt(plus)
		ipri += n
	}
	if ipri > maxPriority || (ipri < 1 && ipri != priorityHint) {
		l.warn(e.Pos, "invalid priority %q", written)
		return
	}
	*lastPri = int(ipri)

	if name == "" {
		l.errorf(e.Pos, "extension with no name in context %q", cb.ctx.Name)
		return
	}
	if name == "_." || name == "_!" {
		l.warn(e.Pos, "the use of %q for an extension is strongly discouraged and can have unexpected behavior (it also matches h, i, t...): use \"_X%c\" instead", name, name[1])
	}
	if ipri == priorityHint {
		l.addHint(cb, e.Pos, name, cid, matchCID, strings.TrimSpace(appl))
		return
	}

	app, args := l.splitApp(e.Pos, appl)
	if app == "" {
		l.errorf(e.Pos, "extension %q priority %d has no application", name, ipri)
		return
	}
	p := &Priority{Pos: e.Pos, Number: int(ipri), Label: label, App: app, Args: args}
	if l.addPriority(cb, name, cid, matchCID, p) && l.opts.KnownApp != nil && !l.opts.KnownApp(app) {
		isAst := l.opts.AsteriskApp
		if isAst == nil {
			isAst = IsAsteriskApp
		}
		if isAst(app) {
			l.warn(e.Pos, "unsupported application %q: Obelisk does not implement it yet", app)
		} else {
			l.warn(e.Pos, "unknown application %q", app)
		}
	}
}

// splitApp splits "App(args)" into the name and the arguments up to the
// last ')'. The old "App,args" form (Asterisk 1.4) is read as such, with a
// warning: Asterisk 1.6 and later take the whole text as the name.
func (l *loader) splitApp(pos config.Pos, appl string) (app, args string) {
	appl = strings.TrimLeft(appl, " \t")
	paren := strings.IndexByte(appl, '(')
	comma := strings.IndexByte(appl, ',')
	switch {
	case comma >= 0 && (paren < 0 || comma < paren):
		app, args = strings.TrimSpace(appl[:comma]), appl[comma+1:]
		if app != "" {
			l.warn(pos, "old %q syntax: Asterisk 1.6 and later read %q as the application name; write %s(%s)",
				"App,args", appl, app, args)
		}
		return app, args
	case paren < 0:
		return strings.TrimSpace(appl), ""
	}
	app = appl[:paren]
	if strings.Contains(app, "${") || strings.Contains(app, "$[") {
		// A value with variables but no application (as in a hint).
		return strings.TrimSpace(appl), ""
	}
	data := appl[paren+1:]
	if j := strings.LastIndexByte(data, ')'); j >= 0 {
		data = data[:j]
	} else {
		l.warn(pos, "no closing parenthesis in %q", appl)
	}
	return strings.TrimSpace(app), data
}

// extension returns the extension (and caller ID) being built, creating it.
func (cb *ctxBuild) extension(pos config.Pos, name, cid string, matchCID bool) *extBuild {
	key := extenKey(name) + "\x00"
	if matchCID {
		key += extenKey(cid)
	}
	if eb := cb.byKey[key]; eb != nil {
		return eb
	}
	eb := &extBuild{
		ext:    &Extension{Pos: pos, Name: name, CallerID: cid, MatchCID: matchCID},
		prios:  map[int]*Priority{},
		labels: map[string]int{},
	}
	if !matchCID {
		eb.ext.CallerID = ""
	}
	cb.byKey[key] = eb
	cb.exts = append(cb.exts, eb)
	return eb
}

// findLabel resolves a label used as a priority: in the same extension,
// else in the first extension of the context (so far) matching name.
func (cb *ctxBuild) findLabel(name, cid string, matchCID bool, label string) int {
	key := extenKey(name) + "\x00"
	if matchCID {
		key += extenKey(cid)
	}
	if eb := cb.byKey[key]; eb != nil {
		if n, ok := eb.labels[label]; ok {
			return n
		}
	}
	for _, eb := range cb.sorted() {
		if n, ok := eb.labels[label]; ok && MatchExtension(eb.ext.Name, name) {
			return n
		}
	}
	return 0
}

func (l *loader) addHint(cb *ctxBuild, pos config.Pos, name, cid string, matchCID bool, hint string) {
	eb := cb.extension(pos, name, cid, matchCID)
	if eb.hasHint {
		l.warn(pos, "extension %q hint in context %q already in use (%s): ignored", name, cb.ctx.Name, eb.ext.HintPos)
		return
	}
	if hint == "" {
		l.warn(pos, "extension %q has an empty hint", name)
	}
	eb.ext.Hint = hint
	eb.ext.HintPos = pos
	eb.hasHint = true
}

// addPriority is add_priority; it reports whether p was added.
func (l *loader) addPriority(cb *ctxBuild, name, cid string, matchCID bool, p *Priority) bool {
	eb := cb.extension(p.Pos, name, cid, matchCID)
	if old := eb.prios[p.Number]; old != nil {
		l.warn(p.Pos, "extension %q priority %d in context %q already in use (%s): ignored", name, p.Number, cb.ctx.Name, old.Pos)
		return false
	}
	if p.Label != "" {
		if n, ok := eb.labels[p.Label]; ok {
			l.warn(p.Pos, "extension %q priority %d in context %q: label %q already in use at priority %d: label ignored",
				name, p.Number, cb.ctx.Name, p.Label, n)
			p.Label = ""
		} else {
			eb.labels[p.Label] = p.Number
		}
	}
	eb.prios[p.Number] = p
	eb.ext.Priorities = append(eb.ext.Priorities, p)
	return true
}

// include handles `include => context[,timespec]` (also `|` as in
// Asterisk 1.4).
func (l *loader) include(cb *ctxBuild, e config.Entry) {
	value := strings.TrimSpace(l.subst(e.Value))
	name, spec, ok := strings.Cut(value, ",")
	if !ok {
		name, spec, _ = strings.Cut(value, "|")
	}
	name = strings.TrimSpace(name)
	if name == "" {
		l.warn(e.Pos, "include without a context name")
		return
	}
	lv := strings.ToLower(value)
	if cb.includes[lv] {
		l.warn(e.Pos, "context %q already included in context %q: ignored", value, cb.ctx.Name)
		return
	}
	cb.includes[lv] = true
	inc := Include{Pos: e.Pos, Context: name}
	if spec = strings.TrimSpace(spec); spec != "" {
		ts, err := ParseTimeSpec(spec)
		if err != nil {
			l.warn(e.Pos, "include %q: %v: the include is never active", name, err)
			ts = neverTimeSpec(spec)
		}
		inc.Time = ts
	}
	cb.ctx.Includes = append(cb.ctx.Includes, inc)
}

func (l *loader) ignorepat(cb *ctxBuild, e config.Entry) {
	pat := strings.TrimSpace(l.subst(e.Value))
	if pat == "" {
		l.warn(e.Pos, "empty ignorepat")
		return
	}
	lp := strings.ToLower(pat)
	if cb.ignore[lp] {
		l.warn(e.Pos, "ignorepat %q already in context %q: ignored", pat, cb.ctx.Name)
		return
	}
	cb.ignore[lp] = true
	cb.ctx.IgnorePats = append(cb.ctx.IgnorePats, pat)
}

// sorted returns the context's extensions in Asterisk's match order.
func (cb *ctxBuild) sorted() []*extBuild {
	out := append([]*extBuild(nil), cb.exts...)
	sort.SliceStable(out, func(i, j int) bool { return compareExtensions(out[i].ext, out[j].ext) < 0 })
	return out
}

// compareExtensions orders extensions as ast_add_extension2 inserts them:
// by name (ext_cmp); for the same name, those with a caller ID match
// first, ordered by it.
func compareExtensions(a, b *Extension) int {
	if c := ComparePatterns(a.Name, b.Name); c != 0 {
		return c
	}
	switch {
	case a.MatchCID && !b.MatchCID:
		return -1
	case !a.MatchCID && b.MatchCID:
		return 1
	case !a.MatchCID:
		return 0
	}
	return ComparePatterns(a.CallerID, b.CallerID)
}

// finish sorts extensions and priorities and checks the includes.
func (l *loader) finish() {
	for _, cb := range l.order {
		for _, eb := range cb.sorted() {
			sort.SliceStable(eb.ext.Priorities, func(i, j int) bool {
				return eb.ext.Priorities[i].Number < eb.ext.Priorities[j].Number
			})
			cb.ctx.Extensions = append(cb.ctx.Extensions, eb.ext)
		}
	}
	for _, cb := range l.order {
		for _, inc := range cb.ctx.Includes {
			if l.dp.Contexts[inc.Context] == nil {
				l.warn(inc.Pos, "included context %q does not exist", inc.Context)
			}
		}
	}
}
