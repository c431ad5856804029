package media

import (
	"strings"
	"testing"
)

func TestCatalogue(t *testing.T) {
	c, err := ParseCatalogue(strings.NewReader(`# comment
callcentre/welcome|en|Welcome.
callcentre/welcome|fr|Bienvenue.

callcentre/menu-ar|ar|للغة العربية، اضغط واحد.
`), "prompts.txt")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, lang, text, in string
		ok                   bool
	}{
		{"callcentre/welcome", "fr", "Bienvenue.", "fr", true},
		{"callcentre/welcome", "fr_CA", "Bienvenue.", "fr", true},
		{"callcentre/welcome", "ar", "Welcome.", "en", true},
		{"callcentre/menu-ar", "en", "للغة العربية، اضغط واحد.", "ar", true},
		{"callcentre/none", "en", "", "", false},
	}
	for _, tc := range tests {
		text, in, ok := c.Lookup(tc.name, tc.lang)
		if text != tc.text || in != tc.in || ok != tc.ok {
			t.Errorf("Lookup(%s, %s) = %q, %q, %v; want %q, %q, %v", tc.name, tc.lang, text, in, ok, tc.text, tc.in, tc.ok)
		}
	}
	if _, err := ParseCatalogue(strings.NewReader("ok|en|fine\nbroken line\n"), "p.txt"); err == nil || err.Error() != "p.txt:2: want name|language|text" {
		t.Errorf("bad line: error %v", err)
	}
}
