package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Limits a Loader applies when its fields are zero; Load and Parse use them.
const (
	// DefaultMaxFileSize is the largest single file read, in bytes.
	DefaultMaxFileSize int64 = 4 << 20
	// DefaultMaxTotalSize is the most bytes read over a file and its includes.
	DefaultMaxTotalSize int64 = 16 << 20
	// DefaultMaxIncludeDepth is how deep #include may nest: the top file is
	// depth 0, a file it includes depth 1, and so on.
	DefaultMaxIncludeDepth = 16
	// DefaultMaxFiles is the most files one load reads, the top one included.
	DefaultMaxFiles = 256
	// DefaultMaxEntries is the most entries one load builds, those copied
	// from templates included: inheritance multiplies entries, so the input
	// size alone does not bound them.
	DefaultMaxEntries = 1 << 20
)

// MaxLineLength is the longest line, in bytes without its line ending, that
// the parser accepts; a longer line is an error and is skipped.
const MaxLineLength = 64 << 10

// maxNestedComments is Asterisk's MAX_NESTED_COMMENTS.
const maxNestedComments = 128

// Loader reads a configuration file and the files it #includes from a
// configuration directory. A zero limit field means the matching Default
// constant. A Loader holds no state between loads and may be used from
// several goroutines at once.
type Loader struct {
	// FS is the configuration directory (Asterisk's /etc/asterisk). Include
	// paths are relative to its root; "/etc/asterisk/x.conf" names "x.conf".
	FS fs.FS
	// MaxFileSize is the largest file read, in bytes.
	MaxFileSize int64
	// MaxTotalSize is the most bytes read over all the files of one load.
	MaxTotalSize int64
	// MaxIncludeDepth is how deep #include may nest below the top file.
	MaxIncludeDepth int
	// MaxFiles is the most files one load reads, the top one included.
	MaxFiles int
	// MaxEntries is the most entries one load builds, inherited ones
	// included.
	MaxEntries int
}

// Load reads name from fsys with the default limits, expanding #include and
// #tryinclude and applying templates. See Loader.Load.
func Load(fsys fs.FS, name string) (*File, Diagnostics) {
	return (&Loader{FS: fsys}).Load(name)
}

// Parse reads one configuration file from r with the default limits. name is
// used in positions and messages. Parse has no configuration directory, so
// an #include or #tryinclude line is an error; use Load for files that
// include others. The File is never nil.
func Parse(name string, r io.Reader) (*File, Diagnostics) {
	p := newParser(&Loader{}, name)
	p.files = append(p.files, name)
	p.nfiles = 1
	p.parseReader(name, r, Pos{File: name})
	return p.finish()
}

// Load reads name (a path relative to l.FS) and the files it includes. The
// File holds every section read, even when the diagnostics hold errors, so
// that a checker can report as much as possible; use it only when
// Diagnostics.HasErrors is false. The File is nil only when name itself
// cannot be read.
func (l *Loader) Load(name string) (*File, Diagnostics) {
	p := newParser(l, name)
	if l.FS == nil {
		p.errorf(Pos{File: name}, "no configuration directory")
		return nil, p.diags
	}
	if !p.readFile(name, Pos{File: name}, false) {
		return nil, p.diags
	}
	return p.finish()
}

// parser is the state of one load: the sections built so far, the chain of
// files being read and the byte and file budgets.
type parser struct {
	l        Loader // limits resolved
	name     string
	diags    Diagnostics
	sections []*Section // every section, templates too, in file order
	cur      *Section   // where entries go; discard after a bad header
	discard  *Section
	stack    []string // files being read, outermost first
	files    []string // files read, first-read order, no repeats
	nfiles   int
	total    int64
	stopped  bool // a limit was hit: read nothing more
	unknowns []unknownInherit
	nentries int

	// byName holds the first section of each name.
	byName map[string]*Section
	// last indexes, for +=, the last entry of each key of a section.
	last map[*Section]map[string]int
	// appends holds the raw text of values grown by +=, so that repeated
	// appends cost time linear in the input; flush copies them into the
	// entries.
	appends map[*Section]map[int]*strings.Builder
}

// unknownInherit remembers an inheritance from a name not (yet) defined so
// that finish can say when the name is defined further on.
type unknownInherit struct {
	diag *Diagnostic
	name string
}

func newParser(l *Loader, name string) *parser {
	r := *l
	if r.MaxFileSize <= 0 {
		r.MaxFileSize = DefaultMaxFileSize
	}
	if r.MaxTotalSize <= 0 {
		r.MaxTotalSize = DefaultMaxTotalSize
	}
	if r.MaxIncludeDepth <= 0 {
		r.MaxIncludeDepth = DefaultMaxIncludeDepth
	}
	if r.MaxFiles <= 0 {
		r.MaxFiles = DefaultMaxFiles
	}
	if r.MaxEntries <= 0 {
		r.MaxEntries = DefaultMaxEntries
	}
	return &parser{
		l:       r,
		name:    name,
		discard: &Section{},
		byName:  map[string]*Section{},
		last:    map[*Section]map[string]int{},
		appends: map[*Section]map[int]*strings.Builder{},
	}
}

func (p *parser) errorf(pos Pos, format string, args ...any) *Diagnostic {
	d := Errorf(pos, format, args...)
	p.diags = append(p.diags, d)
	return d
}

func (p *parser) warnf(pos Pos, format string, args ...any) {
	p.diags = append(p.diags, Warnf(pos, format, args...))
}

// finish builds the File from the sections read.
func (p *parser) finish() (*File, Diagnostics) {
	for _, u := range p.unknowns {
		// The name was unknown when it was used: any section of that
		// name comes later.
		if s := p.byName[u.name]; s != nil {
			u.diag.Msg += fmt.Sprintf(" (it is defined later, at %s; a category must come before the categories that inherit from it)", s.Pos)
		}
	}
	for s := range p.appends {
		p.flush(s)
	}
	f := &File{Name: p.name, Templates: map[string]*Section{}, Files: p.files}
	for _, s := range p.sections {
		if s.Template {
			if _, dup := f.Templates[s.Name]; !dup {
				f.Templates[s.Name] = s
			}
			continue
		}
		f.Sections = append(f.Sections, s)
	}
	return f, p.diags
}

// readFile opens and parses name (already resolved to a path of l.FS) at
// include position at. It reports false when the file could not be opened.
func (p *parser) readFile(name string, at Pos, try bool) bool {
	if p.nfiles >= p.l.MaxFiles {
		p.errorf(at, "too many configuration files: more than %d", p.l.MaxFiles)
		p.stopped = true
		return true
	}
	f, err := p.l.FS.Open(name)
	if err != nil {
		if try && errors.Is(err, fs.ErrNotExist) {
			return true
		}
		if len(p.stack) == 0 {
			p.errorf(at, "cannot read: %v", unwrapPathError(err))
		} else {
			p.errorf(at, "#include %q: %v", name, unwrapPathError(err))
		}
		return false
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		if len(p.stack) == 0 {
			p.errorf(at, "cannot read: is a directory")
		} else {
			p.errorf(at, "#include %q: is a directory", name)
		}
		return false
	}
	p.nfiles++
	if !slices.Contains(p.files, name) {
		p.files = append(p.files, name)
	}
	p.parseReader(name, f, at)
	return true
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, fs.ErrNotExist) {
			return errors.New("no such file")
		}
		return pe.Err
	}
	return err
}

// countingReader counts the bytes read through it into its own count and the
// load's total.
type countingReader struct {
	r     io.Reader
	n     int64
	total *int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	*c.total += int64(n)
	return n, err
}

// fileState is the per-file scanning state: block comments do not carry
// over into or out of an included file, as in Asterisk.
type fileState struct {
	name    string
	line    int
	comment int   // block comment nesting
	nest    []int // line of each open block comment
}

// parseReader parses the lines of one file. at is the position of the
// #include line (or the file itself for the top file), for size messages.
func (p *parser) parseReader(name string, r io.Reader, at Pos) {
	p.stack = append(p.stack, name)
	defer func() { p.stack = p.stack[:len(p.stack)-1] }()

	budget := min(p.l.MaxFileSize, p.l.MaxTotalSize-p.total)
	if budget < 0 {
		budget = 0
	}
	cr := &countingReader{r: io.LimitReader(r, budget+1), total: &p.total}
	br := bufio.NewReaderSize(cr, MaxLineLength+2)
	st := &fileState{name: name}
	var line []byte
	for !p.stopped {
		var err error
		line, err = readLine(br, line[:0])
		if len(line) == 0 && err == io.EOF {
			break
		}
		st.line++
		pos := Pos{File: name, Line: st.line}
		if cr.n > budget {
			if budget < p.l.MaxFileSize {
				p.errorf(pos, "configuration too large: more than %d bytes in all", p.l.MaxTotalSize)
			} else {
				p.errorf(pos, "file too large: more than %d bytes", p.l.MaxFileSize)
			}
			p.stopped = true
			return
		}
		if errors.Is(err, errLineTooLong) {
			p.errorf(pos, "line too long: more than %d bytes", MaxLineLength)
		} else if err != nil && err != io.EOF {
			p.errorf(pos, "read error: %v", err)
			return
		} else {
			p.line(st, pos, line)
		}
		if err == io.EOF {
			break
		}
	}
	if st.comment > 0 && !p.stopped {
		p.warnf(Pos{File: name, Line: st.nest[len(st.nest)-1]}, "unterminated ;-- comment")
	}
}

var errLineTooLong = errors.New("line too long")

// readLine appends the next line of br to buf without its line ending. A line
// longer than MaxLineLength is consumed and reported as errLineTooLong. At
// the end of the input it returns io.EOF, with the last line if it had no
// line ending.
func readLine(br *bufio.Reader, buf []byte) ([]byte, error) {
	tooLong := false
	for {
		frag, err := br.ReadSlice('\n')
		if !tooLong {
			buf = append(buf, frag...)
			if len(buf) > MaxLineLength+2 {
				tooLong = true
				buf = buf[:0]
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if tooLong {
			if err == nil {
				err = errLineTooLong
			} else if err == io.EOF {
				// Report the long line; the next call sees EOF again.
				err = errLineTooLong
			}
			return buf[:0], err
		}
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		if len(buf) > MaxLineLength {
			return buf[:0], errLineTooLong
		}
		return buf, err
	}
}

// stripComments removes `;` comments and `;-- --;` block comments from one
// line and unescapes `\;`, following config_text_file_load. It reports false
// when nothing of the line is outside a block comment.
func (p *parser) stripComments(st *fileState, line []byte) ([]byte, bool) {
	out := make([]byte, 0, len(line))
	process := st.comment == 0
	seg := 0 // start of the text after the last `;` construct
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c != ';' {
			if st.comment == 0 {
				out = append(out, c)
			}
			continue
		}
		switch {
		case i > seg && line[i-1] == '\\':
			// Escaped semicolon: not a comment; drop the backslash.
			if st.comment == 0 {
				out[len(out)-1] = ';'
			}
			seg = i + 1
		case i+2 < len(line) && line[i+1] == '-' && line[i+2] == '-' && (i+3 >= len(line) || line[i+3] != '-'):
			// `;--` opens a block comment; they nest.
			st.comment++
			if len(st.nest) < maxNestedComments {
				st.nest = append(st.nest, st.line)
			} else if len(st.nest) == maxNestedComments && st.comment == maxNestedComments+1 {
				p.errorf(Pos{File: st.name, Line: st.line}, "block comments nested more than %d deep", maxNestedComments)
			}
			i += 2
			seg = i + 1
		case st.comment > 0 && i >= seg+2 && line[i-1] == '-' && line[i-2] == '-':
			// `--;` closes one level.
			st.comment--
			if st.comment < len(st.nest) {
				st.nest = st.nest[:st.comment]
			}
			if st.comment == 0 {
				process = true
			}
			seg = i + 1
		case st.comment == 0:
			// Line comment.
			return out, true
		default:
			seg = i + 1
		}
	}
	return out, process
}

// line handles one physical line.
func (p *parser) line(st *fileState, pos Pos, raw []byte) {
	text, ok := p.stripComments(st, raw)
	if !ok {
		return
	}
	s := strings.TrimFunc(string(text), isSpace)
	if s == "" {
		return
	}
	switch s[0] {
	case '[':
		p.header(pos, s)
	case '#':
		p.directive(pos, s)
	default:
		p.entry(pos, s)
	}
}

// isSpace is C's isspace, which ast_strip uses.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f':
		return true
	}
	return false
}

// header handles a `[name](options)` line.
func (p *parser) header(pos Pos, s string) {
	end := strings.IndexByte(s, ']')
	if end < 0 {
		p.errorf(pos, "parse error: no closing ']'")
		p.cur = p.discard
		return
	}
	name := s[1:end]
	rest := s[end+1:]
	if name == "" {
		p.errorf(pos, "empty category name")
		p.cur = p.discard
		return
	}
	sec := &Section{Pos: pos, Name: name}
	target := sec
	added := false
	if !strings.HasPrefix(rest, "(") {
		if rest != "" {
			p.warnf(pos, "text after ']' ignored: %q", rest)
		}
	} else {
		closing := strings.IndexByte(rest, ')')
		if closing < 0 {
			p.errorf(pos, "parse error: no closing ')'")
			p.cur = p.discard
			return
		}
		if extra := rest[closing+1:]; extra != "" {
			p.warnf(pos, "text after ')' ignored: %q", extra)
		}
		for opt := range strings.SplitSeq(rest[1:closing], ",") {
			opt = strings.TrimFunc(opt, isSpace)
			switch opt {
			case "!":
				target.Template = true
			case "+":
				if target != sec {
					continue
				}
				existing := p.lookup(name)
				if existing == nil {
					p.errorf(pos, "category addition requested, but category %q does not exist", name)
					p.cur = p.discard
					return
				}
				// Entries inherited so far move to the existing category.
				for _, e := range sec.Entries {
					p.appendEntry(existing, e)
				}
				existing.Inherits = append(existing.Inherits, sec.Inherits...)
				if sec.Template {
					existing.Template = true
				}
				target = existing
				added = true
			default:
				if opt == name {
					p.errorf(pos, "category %q inherits from itself", name)
					continue
				}
				base := p.lookup(opt)
				if base == nil {
					d := p.errorf(pos, "inherit from unknown category %q", opt)
					p.unknowns = append(p.unknowns, unknownInherit{diag: d, name: opt})
					continue
				}
				if !p.room(pos, len(base.Entries)) {
					p.cur = p.discard
					return
				}
				target.Inherits = append(target.Inherits, opt)
				p.flush(base)
				for _, e := range base.Entries {
					e.Inherited = true
					p.appendEntry(target, e)
				}
			}
		}
	}
	if !added {
		p.sections = append(p.sections, sec)
		if p.byName[name] == nil {
			p.byName[name] = sec
		}
	}
	p.cur = target
}

// lookup returns the first category named name, templates included, as
// Asterisk's category_get does.
func (p *parser) lookup(name string) *Section {
	return p.byName[name]
}

// room reports whether n more entries fit in the MaxEntries budget; when not
// it reports the error and stops the load.
func (p *parser) room(pos Pos, n int) bool {
	if n <= p.l.MaxEntries-p.nentries {
		return true
	}
	p.errorf(pos, "too many entries: more than %d (templates inherited by many sections?)", p.l.MaxEntries)
	p.stopped = true
	return false
}

// appendEntry adds e to s, keeping the += index.
func (p *parser) appendEntry(s *Section, e Entry) {
	p.nentries++
	s.Entries = append(s.Entries, e)
	m := p.last[s]
	if m == nil {
		m = map[string]int{}
		p.last[s] = m
	}
	m[e.Key] = len(s.Entries) - 1
}

// flush stores the values grown by += into the entries of s.
func (p *parser) flush(s *Section) {
	for i, b := range p.appends[s] {
		s.Entries[i].Value = strings.TrimLeftFunc(b.String(), isSpace)
	}
}

// directive handles a `#word argument` line.
func (p *parser) directive(pos Pos, s string) {
	word := s[1:]
	arg := ""
	if i := strings.IndexFunc(word, func(r rune) bool { return r <= ' ' }); i >= 0 {
		arg = strings.TrimFunc(word[i:], isSpace)
		word = word[:i]
	}
	switch strings.ToLower(word) {
	case "include", "tryinclude":
	case "exec":
		p.warnf(pos, "#exec is not supported (Obelisk does not run commands from configuration files); line ignored")
		return
	default:
		p.errorf(pos, "unknown directive '#%s'", word)
		return
	}
	directive := "#" + strings.ToLower(word)
	if arg == "" {
		p.errorf(pos, "%s needs a file name", directive)
		return
	}
	if arg[0] == '"' || arg[0] == '<' {
		q := byte('"')
		if arg[0] == '<' {
			q = '>'
		}
		if len(arg) >= 2 && arg[len(arg)-1] == q {
			arg = arg[1 : len(arg)-1]
		}
	}
	if arg == "" {
		p.errorf(pos, "%s needs a file name", directive)
		return
	}
	if p.l.FS == nil {
		p.errorf(pos, "%s needs a configuration directory (use config.Load)", directive)
		return
	}
	p.include(pos, directive, arg, directive == "#tryinclude")
}

// include expands one #include or #tryinclude.
func (p *parser) include(pos Pos, directive, arg string, try bool) {
	name := arg
	if rest, ok := strings.CutPrefix(name, "/etc/asterisk/"); ok {
		name = rest
	} else if strings.HasPrefix(name, "/") {
		p.errorf(pos, "%s %q: only files of the configuration directory (/etc/asterisk) can be included", directive, arg)
		return
	}
	name = path.Clean(name)
	if !fs.ValidPath(name) || name == "." {
		p.errorf(pos, "%s %q: path leaves the configuration directory", directive, arg)
		return
	}
	names := []string{name}
	if strings.ContainsAny(name, `*?[\`) {
		matches, err := fs.Glob(p.l.FS, name)
		if err != nil {
			p.errorf(pos, "%s %q: bad pattern: %v", directive, arg, err)
			return
		}
		slices.Sort(matches)
		names = names[:0]
		for _, m := range matches {
			if st, err := fs.Stat(p.l.FS, m); err == nil && !st.IsDir() {
				names = append(names, m)
			}
		}
		if len(names) == 0 {
			if !try {
				p.errorf(pos, "%s %q: no file matches", directive, arg)
			}
			return
		}
	}
	// As in Asterisk, the included files continue the current section (the
	// files of a pattern one after the other), and the including file goes
	// on with its own section after the #include line.
	saved := p.cur
	defer func() { p.cur = saved }()
	for _, n := range names {
		if p.stopped {
			return
		}
		if i := slices.Index(p.stack, n); i >= 0 {
			chain := append(slices.Clone(p.stack[i:]), n)
			p.errorf(pos, "include cycle: %s", strings.Join(chain, " -> "))
			continue
		}
		if len(p.stack) > p.l.MaxIncludeDepth {
			p.errorf(pos, "%s %q: includes nested more than %d deep", directive, arg, p.l.MaxIncludeDepth)
			return
		}
		if !p.readFile(n, pos, try) {
			continue
		}
	}
}

// entry handles a `key = value`, `key => value` or `key += value` line.
func (p *parser) entry(pos Pos, s string) {
	if p.cur == nil {
		p.errorf(pos, "parse error: No category context")
		p.cur = p.discard
		return
	}
	if s[0] == '\\' {
		// A leading backslash escapes the first character, so that a key
		// may start with '[' or '#'.
		s = s[1:]
		if s == "" || s[0] < 33 {
			p.errorf(pos, "invalid escape")
			return
		}
	}
	eq := strings.IndexByte(s, '=')
	if eq < 0 {
		p.warnf(pos, "no '=' (equal sign) in line; line ignored")
		return
	}
	if eq > 0 && s[eq-1] == '+' {
		key := strings.TrimFunc(s[:eq-1], isSpace)
		add := s[eq+1:]
		// Asterisk appends the text after "+=" as it is to the last value
		// of key in the section, trims trailing blanks and skips leading
		// ones. The line has no trailing blanks, so the value is the
		// concatenation with leading blanks skipped, computed in flush.
		if i, ok := p.last[p.cur][key]; ok && key != "" && p.cur != p.discard {
			m := p.appends[p.cur]
			if m == nil {
				m = map[int]*strings.Builder{}
				p.appends[p.cur] = m
			}
			b := m[i]
			if b == nil {
				b = &strings.Builder{}
				b.WriteString(p.cur.Entries[i].Value)
				m[i] = b
			}
			b.WriteString(add)
			// The value is no longer the template's.
			p.cur.Entries[i].Inherited = false
			return
		}
		p.addEntry(pos, key, add, false)
		return
	}
	key := s[:eq]
	value := s[eq+1:]
	arrow := false
	if strings.HasPrefix(value, ">") {
		arrow = true
		value = value[1:]
	}
	p.addEntry(pos, strings.TrimFunc(key, isSpace), value, arrow)
}

func (p *parser) addEntry(pos Pos, key, value string, arrow bool) {
	if key == "" {
		p.warnf(pos, "no variable name; line ignored")
		return
	}
	if p.cur == p.discard || !p.room(pos, 1) {
		return
	}
	p.appendEntry(p.cur, Entry{
		Pos:   pos,
		Key:   key,
		Value: strings.TrimFunc(value, isSpace),
		Arrow: arrow,
	})
}
