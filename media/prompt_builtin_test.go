package media

import (
	"bufio"
	"strings"
	"testing"
	"unicode"
)

func TestBuiltinCatalogue(t *testing.T) {
	c := BuiltinCatalogue()
	for _, lang := range []string{"en", "fr", "ar"} {
		for _, name := range []string{"digits/0", "digits/9", "digits/star", "digits/pound", "digits/thousand", "letters/a", "vm-intro", "queue-thankyou"} {
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

// arabicOnly are the names only the Arabic say rules play (ivr/say_ar.go).
func arabicOnly(name string) bool {
	switch name {
	case "digits/200-construct", "digits/thousand-dual", "digits/thousands", "digits/thousand-acc",
		"digits/million-dual", "digits/millions", "digits/million-acc":
		return true
	}
	if rest, ok := strings.CutPrefix(name, "digits/"); ok {
		if strings.HasSuffix(rest, "00") && len(rest) == 3 {
			return true // digits/100 … digits/900
		}
		if n, ok := strings.CutSuffix(rest, "F"); ok && n != "1" {
			return true // digits/2F … digits/19F
		}
	}
	return false
}

// TestBuiltinCatalogueLanguages checks every prompt has a text in English,
// French and Arabic (the Arabic-only number words in Arabic only), each in
// its own script.
func TestBuiltinCatalogueLanguages(t *testing.T) {
	c := BuiltinCatalogue()
	if n := len(c.Names()); n < 200 {
		t.Errorf("only %d prompts", n)
	}
	for _, name := range c.Names() {
		langs := strings.Join(c.Languages(name), ",")
		want := "ar,en,fr"
		if arabicOnly(name) {
			want = "ar"
		}
		if langs != want {
			t.Errorf("%s: languages %s, want %s", name, langs, want)
		}
		for _, lang := range c.Languages(name) {
			text, _, _ := c.Lookup(name, lang)
			arabic := strings.ContainsFunc(text, func(r rune) bool { return unicode.Is(unicode.Arabic, r) })
			latin := strings.ContainsFunc(text, func(r rune) bool { return unicode.Is(unicode.Latin, r) })
			if (lang == "ar") != arabic || (lang == "ar") == latin {
				t.Errorf("%s|%s|%s: not in the language's script", name, lang, text)
			}
		}
	}
	for _, name := range []string{"beep", "silence/1"} {
		if _, _, ok := c.Lookup(name, "en"); ok {
			t.Errorf("%s is not speech and must not be in the catalogue", name)
		}
	}
}

// TestBuiltinCatalogueNoDuplicates reads the embedded file itself: a second
// line for the same name and language would silently replace the first.
func TestBuiltinCatalogueNoDuplicates(t *testing.T) {
	seen := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(coreCatalogue))
	for line := 1; sc.Scan(); line++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		parts := strings.SplitN(l, "|", 3)
		key := parts[0] + "|" + parts[1]
		if first, ok := seen[key]; ok {
			t.Errorf("core.txt:%d: %s already at line %d", line, key, first)
		}
		seen[key] = line
		if l != sc.Text() || strings.TrimSpace(parts[2]) != parts[2] {
			t.Errorf("core.txt:%d: stray white space", line)
		}
	}
}
