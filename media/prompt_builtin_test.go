package media

import "testing"

func TestBuiltinCatalogue(t *testing.T) {
	c := BuiltinCatalogue()
	for _, lang := range []string{"en", "fr", "ar"} {
		for _, name := range []string{"digits/0", "digits/9", "digits/star", "digits/pound"} {
			if _, in, ok := c.Lookup(name, lang); !ok || in != lang {
				t.Errorf("%s in %s: found=%v in %q", name, lang, ok, in)
			}
		}
	}
	c.Add("digits/0", "en", "changed")
	if text, _, _ := BuiltinCatalogue().Lookup("digits/0", "en"); text != "zero" {
		t.Errorf("BuiltinCatalogue is shared: %q", text)
	}
}
