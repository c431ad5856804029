package config

import (
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

func mapFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, text := range files {
		m[name] = &fstest.MapFile{Data: []byte(text)}
	}
	return m
}

func TestLoadIncludes(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{
			name: "relative include continues the section, positions in the included file",
			files: map[string]string{
				"extensions.conf": "[default]\nexten => 1,1,Answer()\n#include \"more.conf\"\nexten => 3,1,Hangup()\n",
				"more.conf":       "; more\nexten => 2,1,Playback(hello)\n",
			},
			want: `files: extensions.conf more.conf
[default] @extensions.conf:1
  exten => "1,1,Answer()" @extensions.conf:2
  exten => "2,1,Playback(hello)" @more.conf:2
  exten => "3,1,Hangup()" @extensions.conf:4
`,
		},
		{
			name: "section opened in the included file; the includer keeps its own",
			files: map[string]string{
				"extensions.conf": "[a]\n#include inc.conf\nx = back in a\n",
				"inc.conf":        "y = in a\n[b]\nz = in b\n",
			},
			want: `files: extensions.conf inc.conf
[a] @extensions.conf:1
  y = "in a" @inc.conf:1
  x = "back in a" @extensions.conf:3
[b] @inc.conf:2
  z = "in b" @inc.conf:3
`,
		},
		{
			name: "include before any section, angle brackets, /etc/asterisk prefix",
			files: map[string]string{
				"sip.conf":       "#include <general.conf>\n#include /etc/asterisk/peers/all.conf\n",
				"general.conf":   "[general]\nbindport = 5060\n",
				"peers/all.conf": "[100]\ntype = friend\n",
			},
			want: `files: sip.conf general.conf peers/all.conf
[general] @general.conf:1
  bindport = "5060" @general.conf:2
[100] @peers/all.conf:1
  type = "friend" @peers/all.conf:2
`,
		},
		{
			name: "include paths are relative to the directory, not the includer",
			files: map[string]string{
				"top.conf":     "[a]\n#include sub/one.conf\n",
				"sub/one.conf": "#include sub/two.conf\n",
				"sub/two.conf": "x = 2\n",
			},
			want: `files: top.conf sub/one.conf sub/two.conf
[a] @top.conf:1
  x = "2" @sub/two.conf:1
`,
		},
		{
			name: "glob in sorted order, each file continuing the last",
			files: map[string]string{
				"pjsip.conf":       "#include pjsip.d/*.conf\n[after]\n",
				"pjsip.d/b.conf":   "y = b\n",
				"pjsip.d/a.conf":   "[first]\nx = a\n",
				"pjsip.d/c.txt":    "[not included]\n",
				"pjsip.d/d.conf/x": "",
			},
			want: `files: pjsip.conf pjsip.d/a.conf pjsip.d/b.conf
[first] @pjsip.d/a.conf:1
  x = "a" @pjsip.d/a.conf:2
  y = "b" @pjsip.d/b.conf:1
[after] @pjsip.conf:2
`,
		},
		{
			name: "missing include is an error, tryinclude is not",
			files: map[string]string{
				"a.conf": "[a]\n#include missing.conf\n#tryinclude missing.conf\n#tryinclude nothing/*.conf\n#include nothing/*.conf\nx = 1\n",
			},
			want: `[a] @a.conf:1
  x = "1" @a.conf:6
! a.conf:2: #include "missing.conf": no such file
! a.conf:5: #include "nothing/*.conf": no file matches
`,
		},
		{
			name: "tryinclude of an existing file reads it",
			files: map[string]string{
				"a.conf": "[a]\n#tryinclude b.conf\n",
				"b.conf": "x = 1\n",
			},
			want: `files: a.conf b.conf
[a] @a.conf:1
  x = "1" @b.conf:1
`,
		},
		{
			name: "include cycle",
			files: map[string]string{
				"extensions.conf": "[a]\n\n#include a.conf\nx = 1\n",
				"a.conf":          "#include extensions.conf\ny = 2\n",
			},
			want: `files: extensions.conf a.conf
[a] @extensions.conf:1
  y = "2" @a.conf:2
  x = "1" @extensions.conf:4
! a.conf:1: include cycle: extensions.conf -> a.conf -> extensions.conf
`,
		},
		{
			name: "self include",
			files: map[string]string{
				"a.conf": "[a]\n#include a.conf\n#include *.conf\n",
			},
			want: `[a] @a.conf:1
! a.conf:2: include cycle: a.conf -> a.conf
! a.conf:3: include cycle: a.conf -> a.conf
`,
		},
		{
			name: "same file twice is not a cycle",
			files: map[string]string{
				"a.conf": "[a]\n#include b.conf\n[c]\n#include b.conf\n",
				"b.conf": "x = 1\n",
			},
			want: `files: a.conf b.conf
[a] @a.conf:1
  x = "1" @b.conf:1
[c] @a.conf:3
  x = "1" @b.conf:1
`,
		},
		{
			name: "paths outside the directory",
			files: map[string]string{
				"a.conf": "[a]\n#include /etc/passwd\n#include ../x.conf\n#include /etc/asterisk/../x\n",
			},
			want: `[a] @a.conf:1
! a.conf:2: #include "/etc/passwd": only files of the configuration directory (/etc/asterisk) can be included
! a.conf:3: #include "../x.conf": path leaves the configuration directory
! a.conf:4: #include "/etc/asterisk/../x": path leaves the configuration directory
`,
		},
		{
			name: "errors inside an included file carry its name and line",
			files: map[string]string{
				"a.conf": "[a]\n#include b.conf\n",
				"b.conf": "ok = 1\n[b](nope)\n#bogus\n;-- open\n",
			},
			want: `files: a.conf b.conf
[a] @a.conf:1
  ok = "1" @b.conf:1
[b] @b.conf:2
! b.conf:2: inherit from unknown category "nope"
! b.conf:3: unknown directive '#bogus'
! b.conf:4: warning: unterminated ;-- comment
`,
		},
		{
			name: "block comments do not cross files",
			files: map[string]string{
				"a.conf": "[a]\n#include b.conf\nx = 1\n",
				"b.conf": ";-- open\n",
			},
			want: `files: a.conf b.conf
[a] @a.conf:1
  x = "1" @a.conf:3
! b.conf:1: warning: unterminated ;-- comment
`,
		},
		{
			name: "include of a directory",
			files: map[string]string{
				"a.conf":     "[a]\n#include dir\n",
				"dir/x.conf": "",
			},
			want: `[a] @a.conf:1
! a.conf:2: #include "dir": is a directory
`,
		},
		{
			name: "templates across files",
			files: map[string]string{
				"sip.conf":       "#include templates.conf\n[100](phone)\nsecret = s\n",
				"templates.conf": "[phone](!)\ntype = friend\n",
			},
			want: `files: sip.conf templates.conf
[100](phone) @sip.conf:2
  type = "friend" @templates.conf:2 inherited
  secret = "s" @sip.conf:3
[phone](!) @templates.conf:1
  type = "friend" @templates.conf:2
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := mapFS(tt.files)
			top := topFile(tt.files)
			f, diags := Load(fsys, top)
			if got := dump(f, diags); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// topFile picks the file of a test that no other file of it names.
func topFile(files map[string]string) string {
	for _, want := range []string{"extensions.conf", "sip.conf", "pjsip.conf", "top.conf", "a.conf"} {
		if _, ok := files[want]; ok {
			return want
		}
	}
	return ""
}

func TestLoadMissingTop(t *testing.T) {
	f, diags := Load(fstest.MapFS{}, "extensions.conf")
	if f != nil {
		t.Error("File not nil")
	}
	if got := diags.Error(); got != "extensions.conf: cannot read: no such file" {
		t.Errorf("got %q", got)
	}
	f, diags = (&Loader{}).Load("x.conf")
	if f != nil || diags.Error() != "x.conf: no configuration directory" {
		t.Errorf("nil FS: %v", diags)
	}
}

func TestLoadDepthLimit(t *testing.T) {
	files := map[string]string{"top.conf": "[a]\n#include 1.conf\n"}
	for i := 1; i <= 30; i++ {
		files[strconv.Itoa(i)+".conf"] = "x = " + strconv.Itoa(i) + "\n#include " + strconv.Itoa(i+1) + ".conf\n"
	}
	files["31.conf"] = "end = 1\n"
	l := &Loader{FS: mapFS(files), MaxIncludeDepth: 3}
	f, diags := l.Load("top.conf")
	want := `files: top.conf 1.conf 2.conf 3.conf
[a] @top.conf:1
  x = "1" @1.conf:1
  x = "2" @2.conf:1
  x = "3" @3.conf:1
! 3.conf:2: #include "4.conf": includes nested more than 3 deep
`
	if got := dump(f, diags); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	// The default is 16.
	f, diags = Load(mapFS(files), "top.conf")
	if len(diags) != 1 || diags[0].Error() != `16.conf:2: #include "17.conf": includes nested more than 16 deep` {
		t.Errorf("default depth: %v", diags)
	}
	if len(f.Files) != 17 {
		t.Errorf("files: %v", f.Files)
	}
}

func TestLoadFileLimit(t *testing.T) {
	files := map[string]string{"top.conf": "[a]\n#include inc/*.conf\n"}
	for i := 10; i < 20; i++ {
		files["inc/"+strconv.Itoa(i)+".conf"] = "x = " + strconv.Itoa(i) + "\n"
	}
	f, diags := (&Loader{FS: mapFS(files), MaxFiles: 4}).Load("top.conf")
	want := `files: top.conf inc/10.conf inc/11.conf inc/12.conf
[a] @top.conf:1
  x = "10" @inc/10.conf:1
  x = "11" @inc/11.conf:1
  x = "12" @inc/12.conf:1
! top.conf:2: too many configuration files: more than 4
`
	if got := dump(f, diags); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	// Files included twice count twice: a file-bomb of repeated includes
	// stops too.
	bomb := map[string]string{"top.conf": "[a]\n" + strings.Repeat("#include b.conf\n", 10), "b.conf": strings.Repeat("#include c.conf\n", 10), "c.conf": strings.Repeat("#include d.conf\n", 10), "d.conf": "x = 1\n"}
	_, diags = Load(mapFS(bomb), "top.conf")
	if len(diags) != 1 || !strings.Contains(diags[0].Msg, "too many configuration files: more than 256") {
		t.Errorf("bomb: %v", diags)
	}
}

func TestLoadSizeLimits(t *testing.T) {
	files := map[string]string{
		"top.conf": "[a]\n#include b.conf\n#include c.conf\n",
		"b.conf":   "x = " + strings.Repeat("b", 50) + "\n",
		"c.conf":   "y = " + strings.Repeat("c", 50) + "\n",
	}
	_, diags := (&Loader{FS: mapFS(files), MaxFileSize: 40}).Load("top.conf")
	if got := diags.Error(); got != "b.conf:1: file too large: more than 40 bytes\n" && got != "b.conf:1: file too large: more than 40 bytes" {
		t.Errorf("file size: %q", got)
	}
	_, diags = (&Loader{FS: mapFS(files), MaxTotalSize: 100}).Load("top.conf")
	if got := diags.Error(); got != "c.conf:1: configuration too large: more than 100 bytes in all" {
		t.Errorf("total size: %q", got)
	}
	_, diags = (&Loader{FS: mapFS(files), MaxTotalSize: 200}).Load("top.conf")
	if len(diags) != 0 {
		t.Errorf("under the limits: %v", diags)
	}
}
