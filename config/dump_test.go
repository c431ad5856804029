package config

import (
	"fmt"
	"slices"
	"strings"
)

// dump prints f and diags in a stable text form for table tests and golden
// files: one line a section header or entry, with positions.
func dump(f *File, diags Diagnostics) string {
	var b strings.Builder
	if f == nil {
		b.WriteString("<nil file>\n")
	} else {
		if len(f.Files) > 1 {
			fmt.Fprintf(&b, "files: %s\n", strings.Join(f.Files, " "))
		}
		for _, s := range f.Sections {
			dumpSection(&b, s)
		}
		names := make([]string, 0, len(f.Templates))
		for n := range f.Templates {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			dumpSection(&b, f.Templates[n])
		}
	}
	for _, d := range diags {
		fmt.Fprintf(&b, "! %s\n", d.Error())
	}
	return b.String()
}

func dumpSection(b *strings.Builder, s *Section) {
	fmt.Fprintf(b, "[%s]", s.Name)
	var opts []string
	if s.Template {
		opts = append(opts, "!")
	}
	opts = append(opts, s.Inherits...)
	if len(opts) > 0 {
		fmt.Fprintf(b, "(%s)", strings.Join(opts, ","))
	}
	fmt.Fprintf(b, " @%s\n", s.Pos)
	for _, e := range s.Entries {
		op := "="
		if e.Arrow {
			op = "=>"
		}
		inh := ""
		if e.Inherited {
			inh = " inherited"
		}
		fmt.Fprintf(b, "  %s %s %q @%s%s\n", e.Key, op, e.Value, e.Pos, inh)
	}
}
