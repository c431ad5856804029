package telegram

import (
	"slices"
	"strings"
	"testing"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		name, text, bot string
		ok              bool
		want            Command
	}{
		{"plain", "/call +15551234567", "ObeliskBot", true, Command{Name: "call", Args: "+15551234567", Fields: []string{"+15551234567"}}},
		{"blanks in args", "/call +1 555 123 4567", "", true, Command{Name: "call", Args: "+1 555 123 4567", Fields: []string{"+1", "555", "123", "4567"}}},
		{"addressed to us", "/route@ObeliskBot D", "ObeliskBot", true, Command{Name: "route", Args: "D", Fields: []string{"D"}}},
		{"addressed case", "/route@obeliskbot D", "ObeliskBot", true, Command{Name: "route", Args: "D", Fields: []string{"D"}}},
		{"other bot", "/route@OtherBot D", "ObeliskBot", false, Command{}},
		{"no args", "/agents", "", true, Command{Name: "agents", Fields: nil}},
		{"upper case", "/SETTINGS", "", true, Command{Name: "settings", Fields: nil}},
		{"surrounding blanks", "  /revoke  42  ", "", true, Command{Name: "revoke", Args: "42", Fields: []string{"42"}}},
		{"newline", "/call\n555-123-4567", "", true, Command{Name: "call", Args: "555-123-4567", Fields: []string{"555-123-4567"}}},
		{"not a command", "hello", "", false, Command{}},
		{"bare slash", "/", "", false, Command{}},
		{"bad char", "/ca-ll 1", "", false, Command{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ParseCommand(tc.text, tc.bot)
			if ok != tc.ok || got.Name != tc.want.Name || got.Args != tc.want.Args || !slices.Equal(got.Fields, tc.want.Fields) {
				t.Fatalf("ParseCommand(%q) = %+v, %v; want %+v, %v", tc.text, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestRouteStringAndParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Route
		letter  string
		name    string
		wantErr bool
	}{
		{"M", RouteMain, "M", "Main", false},
		{"d", RouteDevelopment, "D", "Development", false},
		{"development", RouteDevelopment, "D", "Development", false},
		{"main", RouteMain, "M", "Main", false},
		{"X", RouteUnknown, "", "none", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			r, err := ParseRoute(tc.in)
			if (err != nil) != tc.wantErr || r != tc.want || r.String() != tc.letter || r.Name() != tc.name {
				t.Fatalf("ParseRoute(%q) = %v (%q, %q), %v", tc.in, r, r.String(), r.Name(), err)
			}
		})
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"/call +15551234567", "/route@ObeliskBot D", "/SETTINGS", "/call\n555", "hello", "/", "/a@b@c x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := ParseCommand(s, "ObeliskBot")
		if !ok {
			return
		}
		if c.Name == "" || c.Name != strings.ToLower(c.Name) || c.Args != strings.TrimSpace(c.Args) {
			t.Fatalf("ParseCommand(%q) = %+v", s, c)
		}
	})
}
