package config

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/grammar")

// corpus returns the .conf files of testdata/grammar/dir.
func corpus(t testing.TB, dir string) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "grammar", dir, "*.conf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus in %s: %v", dir, err)
	}
	return files
}

func checkGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./config -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\ngot:\n%s\nwant:\n%s", golden, got, want)
	}
}

// TestCorpusValid parses testdata/grammar/valid/*.conf, which must give no
// errors (warnings are allowed and are part of the golden dump).
func TestCorpusValid(t *testing.T) {
	for _, path := range corpus(t, "valid") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, diags := Parse(filepath.Base(path), bytes.NewReader(data))
			if diags.HasErrors() {
				t.Errorf("errors in a valid file:\n%v", diags)
			}
			checkGolden(t, strings.TrimSuffix(path, ".conf")+".golden", dump(f, diags))
		})
	}
}

// TestCorpusInvalid parses testdata/grammar/invalid/*.conf, which must give
// at least one error; the diagnostics, one a line, are in the .err file.
func TestCorpusInvalid(t *testing.T) {
	for _, path := range corpus(t, "invalid") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			_, diags := Parse(filepath.Base(path), bytes.NewReader(data))
			if !diags.HasErrors() {
				t.Errorf("no error for an invalid file")
			}
			checkGolden(t, strings.TrimSuffix(path, ".conf")+".err", diags.Error()+"\n")
		})
	}
}

// FuzzParse checks that no input makes Parse panic and that its results hold
// together: diagnostics point at a line of the input, entries have keys and
// positions inside the input, sections have names.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"valid", "invalid"} {
		for _, path := range corpus(f, dir) {
			data, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("[a]\nx = 1 ;-- a ;-- b --; c --; d\n\\;x=1\n"))
	f.Add([]byte("[a](!,+,b,)\n[a](+)\nx+=\n+=\n=>\n#include\n#tryinclude <x>\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, diags := Parse("fuzz.conf", bytes.NewReader(data))
		if file == nil {
			t.Fatal("nil File")
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		inInput := func(p Pos) bool {
			return p.File == "fuzz.conf" && p.Line >= 1 && p.Line <= lines
		}
		for _, d := range diags {
			if !inInput(d.Pos) {
				t.Errorf("diagnostic outside the input (%d lines): %v", lines, d)
			}
			if d.Severity != SeverityError && d.Severity != SeverityWarning {
				t.Errorf("bad severity: %v", d)
			}
			if d.Msg == "" {
				t.Errorf("empty message at %v", d.Pos)
			}
		}
		check := func(s *Section) {
			if s.Name == "" || !inInput(s.Pos) {
				t.Errorf("bad section %q at %v", s.Name, s.Pos)
			}
			for _, e := range s.Entries {
				if e.Key == "" || !inInput(e.Pos) {
					t.Errorf("bad entry %q at %v", e.Key, e.Pos)
				}
				if e.Key != strings.TrimFunc(e.Key, isSpace) {
					t.Errorf("untrimmed key %q", e.Key)
				}
				if e.Inherited && len(s.Inherits) == 0 {
					t.Errorf("inherited entry %q in %q, which inherits nothing", e.Key, s.Name)
				}
			}
		}
		for _, s := range file.Sections {
			if s.Template {
				t.Errorf("template %q in Sections", s.Name)
			}
			check(s)
		}
		for name, s := range file.Templates {
			if !s.Template || s.Name != name {
				t.Errorf("bad template %q", name)
			}
			check(s)
		}
		if !bytes.Contains(data, []byte("\\")) && !bytes.Contains(data, []byte(";")) {
			// Without escapes or comments every value is a substring of
			// the input.
			for _, s := range file.Sections {
				for _, e := range s.Entries {
					if !e.Inherited && !bytes.Contains(data, []byte(e.Value)) && !bytes.Contains(data, []byte("+=")) {
						t.Errorf("value %q not in the input", e.Value)
					}
				}
			}
		}
	})
}
