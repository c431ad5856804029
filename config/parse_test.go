package config

import (
	"io"
	"strconv"
	"strings"
	"testing"
)

func TestParseTable(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // dump of the File and diagnostics
	}{
		{
			name: "section and entries",
			in:   "[general]\nkey = value\nexten => 1,1,Answer()\n\n  spaced   =   a b  \n",
			want: `[general] @t.conf:1
  key = "value" @t.conf:2
  exten => "1,1,Answer()" @t.conf:3
  spaced = "a b" @t.conf:5
`,
		},
		{
			name: "CRLF and no final newline",
			in:   "[a]\r\nx = 1\r\n\r\ny=2",
			want: `[a] @t.conf:1
  x = "1" @t.conf:2
  y = "2" @t.conf:4
`,
		},
		{
			name: "equals inside value, arrow only right after =",
			in:   "[a]\nx==1\ny=>>2\nz = a=>b\nw= >c\n",
			want: `[a] @t.conf:1
  x = "=1" @t.conf:2
  y => ">2" @t.conf:3
  z = "a=>b" @t.conf:4
  w = ">c" @t.conf:5
`,
		},
		{
			name: "line comments and escaped semicolon",
			in:   "; leading comment\n[a] ; after header\nx = 1 ; note\ny = a\\;b ; c\nz = \\;\n;x = hidden\n",
			want: `[a] @t.conf:2
  x = "1" @t.conf:3
  y = "a;b" @t.conf:4
  z = ";" @t.conf:5
`,
		},
		{
			name: "block comment on one line joins both sides",
			in:   "[a]\nx = b ;-- hidden --; c\ny = 1;--x--;2\n",
			want: `[a] @t.conf:1
  x = "b  c" @t.conf:2
  y = "12" @t.conf:3
`,
		},
		{
			name: "block comment over lines, nested",
			in:   "[a]\nx = 1 ;-- start\nhidden = 1\n;-- inner\nstill = hidden\n--; still hidden\ny = hidden --; z = 2\nw = 3\n",
			want: `[a] @t.conf:1
  x = "1" @t.conf:2
  z = "2" @t.conf:7
  w = "3" @t.conf:8
`,
		},
		{
			name: "dash banners are line comments",
			in:   ";-----------------;\n[a]\n;---\nx = 1 --;\ny = 2\n",
			want: `[a] @t.conf:2
  x = "1 --" @t.conf:4
  y = "2" @t.conf:5
`,
		},
		{
			name: "plus-equals appends to last entry of that key",
			in:   "[a]\nallow = ulaw\nallow = alaw\nallow += ,gsm\nx += 1\nX += 2\nx +=3\ne =\ne += tail\n",
			want: `[a] @t.conf:1
  allow = "ulaw" @t.conf:2
  allow = "alaw ,gsm" @t.conf:3
  x = "13" @t.conf:5
  X = "2" @t.conf:6
  e = "tail" @t.conf:8
`,
		},
		{
			name: "plus-equals keeps blanks after +=",
			in:   "[a]\nx = foo\nx += bar baz  \n",
			want: `[a] @t.conf:1
  x = "foo bar baz" @t.conf:2
`,
		},
		{
			name: "templates and inheritance",
			in: `[base](!)
context = internal
type = friend
[codecs](!)
allow = ulaw
[phone](!,base)
host = dynamic
[100](phone,codecs)
secret = x
context = override
`,
			want: `[100](phone,codecs) @t.conf:8
  context = "internal" @t.conf:2 inherited
  type = "friend" @t.conf:3 inherited
  host = "dynamic" @t.conf:7 inherited
  allow = "ulaw" @t.conf:5 inherited
  secret = "x" @t.conf:9
  context = "override" @t.conf:10
[base](!) @t.conf:1
  context = "internal" @t.conf:2
  type = "friend" @t.conf:3
[codecs](!) @t.conf:4
  allow = "ulaw" @t.conf:5
[phone](!,base) @t.conf:6
  context = "internal" @t.conf:2 inherited
  type = "friend" @t.conf:3 inherited
  host = "dynamic" @t.conf:7
`,
		},
		{
			name: "inherit from a plain section, blanks in list",
			in:   "[a]\nx = 1\n[b]( a )\ny = 2\n",
			want: `[a] @t.conf:1
  x = "1" @t.conf:2
[b](a) @t.conf:3
  x = "1" @t.conf:2 inherited
  y = "2" @t.conf:4
`,
		},
		{
			name: "inheritance copies entries as they are at that point",
			in:   "[t](!)\nx = 1\n[a](t)\n[t](+)\ny = 2\n",
			want: `[a](t) @t.conf:3
  x = "1" @t.conf:2 inherited
[t](!) @t.conf:1
  x = "1" @t.conf:2
  y = "2" @t.conf:5
`,
		},
		{
			name: "plus-equals on an inherited entry",
			in:   "[t](!)\nallow = ulaw\n[a](t)\nallow += ,alaw\n",
			want: `[a](t) @t.conf:3
  allow = "ulaw ,alaw" @t.conf:2
[t](!) @t.conf:1
  allow = "ulaw" @t.conf:2
`,
		},
		{
			name: "same name twice makes two sections; (+) appends to the first",
			in:   "[a]\nx = 1\n[b]\n[a]\nx = 2\n[a](+)\nx = 3\n",
			want: `[a] @t.conf:1
  x = "1" @t.conf:2
  x = "3" @t.conf:7
[b] @t.conf:3
[a] @t.conf:4
  x = "2" @t.conf:5
`,
		},
		{
			name: "(+) with inheritance appends the template entries",
			in:   "[t](!)\nz = 9\n[a]\nx = 1\n[a](+,t)\ny = 2\n",
			want: `[a](t) @t.conf:3
  x = "1" @t.conf:4
  z = "9" @t.conf:2 inherited
  y = "2" @t.conf:6
[t](!) @t.conf:1
  z = "9" @t.conf:2
`,
		},
		{
			name: "(+) of an unknown category",
			in:   "[a](+)\nx = 1\n[b]\ny = 2\n",
			want: `[b] @t.conf:3
  y = "2" @t.conf:4
! t.conf:1: category addition requested, but category "a" does not exist
`,
		},
		{
			name: "no category context",
			in:   "; comment\nx = 1\ny = 2\n[a]\nz = 3\n",
			want: `[a] @t.conf:4
  z = "3" @t.conf:5
! t.conf:2: parse error: No category context
`,
		},
		{
			name: "no closing bracket",
			in:   "[a\nx = 1\n[b]\ny = 2\n",
			want: `[b] @t.conf:3
  y = "2" @t.conf:4
! t.conf:1: parse error: no closing ']'
`,
		},
		{
			name: "no closing parenthesis",
			in:   "[a](!\nx = 1\n",
			want: "! t.conf:1: parse error: no closing ')'\n",
		},
		{
			name: "empty category name",
			in:   "[]\nx = 1\n",
			want: "! t.conf:1: empty category name\n",
		},
		{
			name: "text after header",
			in:   "[a] (!)\n[b](!)x\n",
			want: `[a] @t.conf:1
[b](!) @t.conf:2
! t.conf:1: warning: text after ']' ignored: " (!)"
! t.conf:2: warning: text after ')' ignored: "x"
`,
		},
		{
			name: "inherit from unknown category",
			in:   "[a](nope)\nx = 1\n",
			want: `[a] @t.conf:1
  x = "1" @t.conf:2
! t.conf:1: inherit from unknown category "nope"
`,
		},
		{
			name: "inheritance loop",
			in:   "[a](!,b)\n[b](!,a)\n",
			want: `[a](!) @t.conf:1
[b](!,a) @t.conf:2
! t.conf:1: inherit from unknown category "b" (it is defined later, at t.conf:2; a category must come before the categories that inherit from it)
`,
		},
		{
			name: "self inheritance",
			in:   "[a](a)\n[b]\n[b](b)\n",
			want: `[a] @t.conf:1
[b] @t.conf:2
[b] @t.conf:3
! t.conf:1: category "a" inherits from itself
! t.conf:3: category "b" inherits from itself
`,
		},
		{
			name: "no equal sign, no key",
			in:   "[a]\njunk\n= 1\n += 2\nx = 1\n",
			want: `[a] @t.conf:1
  x = "1" @t.conf:5
! t.conf:2: warning: no '=' (equal sign) in line; line ignored
! t.conf:3: warning: no variable name; line ignored
! t.conf:4: warning: no variable name; line ignored
`,
		},
		{
			name: "escaped first character",
			in:   "[a]\n\\[x] = 1\n\\#y = 2\n\\ z = 3\n",
			want: `[a] @t.conf:1
  [x] = "1" @t.conf:2
  #y = "2" @t.conf:3
! t.conf:4: invalid escape
`,
		},
		{
			name: "unterminated block comment",
			in:   "[a]\nx = 1\n;-- open\ny = 2\n",
			want: `[a] @t.conf:1
  x = "1" @t.conf:2
! t.conf:3: warning: unterminated ;-- comment
`,
		},
		{
			name: "directives without a directory",
			in:   "[a]\n#include \"b.conf\"\n#tryinclude b.conf\n#exec /bin/date\n#foo bar\n#include\n#include \"\"\nx = 1\n",
			want: `[a] @t.conf:1
  x = "1" @t.conf:8
! t.conf:2: #include needs a configuration directory (use config.Load)
! t.conf:3: #tryinclude needs a configuration directory (use config.Load)
! t.conf:4: warning: #exec is not supported (Obelisk does not run commands from configuration files); line ignored
! t.conf:5: unknown directive '#foo'
! t.conf:6: #include needs a file name
! t.conf:7: #include needs a file name
`,
		},
		{
			name: "empty input",
			in:   "",
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, diags := Parse("t.conf", strings.NewReader(tt.in))
			if f == nil {
				t.Fatal("Parse returned a nil File")
			}
			if got := dump(f, diags); got != tt.want {
				t.Errorf("input:\n%s\ngot:\n%s\nwant:\n%s", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseFileFields(t *testing.T) {
	f, diags := Parse("sip.conf", strings.NewReader("[t](!)\nx=1\n[a](t)\n"))
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	if f.Name != "sip.conf" || len(f.Files) != 1 || f.Files[0] != "sip.conf" {
		t.Errorf("Name %q Files %q", f.Name, f.Files)
	}
	if f.Section("t") != nil {
		t.Error("template listed as a section")
	}
	if f.Templates["t"] == nil || !f.Templates["t"].Template {
		t.Error("template missing")
	}
	if v, ok := f.Section("a").Get("X"); !ok || v != "1" {
		t.Errorf("Get = %q %v", v, ok)
	}
}

func TestParseLongLine(t *testing.T) {
	in := "[a]\nx = " + strings.Repeat("v", MaxLineLength) + "\ny = 2\nz = " + strings.Repeat("w", 3*MaxLineLength)
	f, diags := Parse("t.conf", strings.NewReader(in))
	want := `[a] @t.conf:1
  y = "2" @t.conf:3
! t.conf:2: line too long: more than 65536 bytes
! t.conf:4: line too long: more than 65536 bytes
`
	if got := dump(f, diags); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	// A line of exactly MaxLineLength bytes is fine.
	line := "x=" + strings.Repeat("v", MaxLineLength-2)
	f, diags = Parse("t.conf", strings.NewReader("[a]\n"+line+"\r\n"))
	if len(diags) != 0 || len(f.Sections[0].Entries) != 1 {
		t.Errorf("line of MaxLineLength: %v", diags)
	}
}

// endless yields "[a]\nx = 1\n" then "y = 2\n" for ever.
type endless struct{ n int }

func (e *endless) Read(b []byte) (int, error) {
	const head, line = "[a]\nx = 1\n", "y = 2\n"
	for i := range b {
		s := line
		off := e.n
		if e.n < len(head) {
			s = head
		} else {
			off = (e.n - len(head)) % len(line)
		}
		b[i] = s[off]
		e.n++
	}
	return len(b), nil
}

func TestParseOversize(t *testing.T) {
	r := &endless{}
	f, diags := Parse("big.conf", r)
	if f == nil || !diags.HasErrors() || len(diags) != 1 {
		t.Fatalf("diags: %v", diags)
	}
	if !strings.Contains(diags[0].Msg, "file too large: more than 4194304 bytes") {
		t.Errorf("message: %v", diags[0])
	}
	if r.n > int(DefaultMaxFileSize)+MaxLineLength*2 {
		t.Errorf("read %d bytes", r.n)
	}
	// A file of exactly the limit is accepted.
	in := "[a]\n" + strings.Repeat(";", int(DefaultMaxFileSize)-4)
	if _, diags := Parse("t.conf", strings.NewReader(in)); len(diags) != 1 || !strings.Contains(diags[0].Msg, "line too long") {
		t.Errorf("limit-size file: %v", diags)
	}
	in = "[a]\n" + strings.Repeat("; comment line\n", int(DefaultMaxFileSize-4)/15)
	if _, diags := Parse("t.conf", io.LimitReader(strings.NewReader(in), DefaultMaxFileSize)); len(diags) != 0 {
		t.Errorf("file under the limit: %v", diags)
	}
}

func TestDiagnosticsFormat(t *testing.T) {
	_, diags := Parse("extensions.conf", strings.NewReader("x = 1\n[a]\n#exec foo\n"))
	want := "extensions.conf:1: parse error: No category context\n" +
		"extensions.conf:3: warning: #exec is not supported (Obelisk does not run commands from configuration files); line ignored"
	if diags.Error() != want {
		t.Errorf("got\n%s\nwant\n%s", diags.Error(), want)
	}
}

// TestParsePathological feeds inputs that would take quadratic time or
// memory in a naive parser; each must finish quickly.
func TestParsePathological(t *testing.T) {
	var b strings.Builder
	b.WriteString("[t](!)\n")
	for range 1000 {
		b.WriteString("a=b\n")
	}
	for range 2000 {
		b.WriteString("[s](t)\n")
	}
	f, diags := Parse("t.conf", strings.NewReader(b.String()))
	if len(diags) != 1 || diags[0].Error() != "t.conf:2049: too many entries: more than 1048576 (templates inherited by many sections?)" {
		t.Errorf("template amplification: %v", diags)
	}
	if f == nil {
		t.Fatal("nil File")
	}

	b.Reset()
	b.WriteString("[a]\nx = 0\n")
	for range 200000 {
		b.WriteString("y = 1\n")
	}
	for range 400000 {
		b.WriteString("x += 1\n")
	}
	f, diags = Parse("t.conf", strings.NewReader(b.String()))
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	if v := f.Sections[0].Entries[0].Value; len(v) != 1+2*400000 || !strings.HasPrefix(v, "0 1 1") {
		t.Errorf("+= value: %d bytes", len(v))
	}

	// Appends to a template between inheritances.
	b.Reset()
	b.WriteString("[t](!)\nx = 0\n")
	for range 50000 {
		b.WriteString("[s](t)\n[t](+)\nx+=1\n")
	}
	f, diags = Parse("t.conf", strings.NewReader(b.String()))
	if len(diags) != 0 || len(f.Sections) != 50000 {
		t.Fatal(len(f.Sections), diags)
	}
	if got := f.Sections[2].Entries[0].Value; got != "011" {
		t.Errorf("third copy: %q", got)
	}
	if got := f.Templates["t"].Entries[0].Value; len(got) != 50001 {
		t.Errorf("template value: %d bytes", len(got))
	}

	// Many sections and many lookups.
	b.Reset()
	for i := range 100000 {
		b.WriteString("[s" + strconv.Itoa(i) + "](s0,nope)\n")
	}
	_, diags = Parse("t.conf", strings.NewReader(b.String()))
	if len(diags) != 100000+1 {
		t.Errorf("%d diagnostics", len(diags))
	}
}
