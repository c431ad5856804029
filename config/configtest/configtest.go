// Package configtest helps the domain packages test their configuration
// loaders with literal .conf text.
package configtest

import (
	"strings"
	"testing"

	"github.com/obelisk-pbx/obelisk/config"
)

// Load parses text as the file name, fails the test on a grammar error,
// runs load on it and returns the result with its diagnostics, one
// "file:line: message" a line.
func Load[T any](t testing.TB, name, text string, load func(*config.File) (T, config.Diagnostics)) (T, string) {
	t.Helper()
	f, diags := config.Parse(name, strings.NewReader(text))
	if err := diags.Err(); err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	cfg, diags := load(f)
	return cfg, Messages(diags)
}

// Messages joins diagnostics one a line.
func Messages(ds config.Diagnostics) string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Error()
	}
	return strings.Join(out, "\n")
}
