package tts

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"

	"github.com/obelisk-pbx/obelisk/testdata"
)

func demoCatalogue(t testing.TB) *Catalogue {
	t.Helper()
	data, err := fs.ReadFile(testdata.Demo, "prompts.txt")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCatalogue(bytes.NewReader(data), "prompts.txt")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCatalogueText(t *testing.T) {
	c := demoCatalogue(t)
	if c.Len() < 10 {
		t.Fatalf("demo catalogue has %d prompts", c.Len())
	}
	tests := []struct {
		name, prompt, lang string
		wantLang, inText   string
		ok                 bool
	}{
		{"caller's language", "callcentre/welcome", "fr", "fr", "Bienvenue", true},
		{"region dropped", "callcentre/welcome", "fr_CA", "fr", "Bienvenue", true},
		{"arabic", "callcentre/goodbye", "ar", "ar", "شكرا", true},
		{"unknown language falls back to en", "callcentre/welcome", "de", "en", "Welcome", true},
		{"single-language prompt keeps its language", "callcentre/menu-ar", "en", "ar", "للغة العربية", true},
		{"single-language prompt keeps its language (fr)", "callcentre/menu-fr", "ar", "fr", "français", true},
		{"no such prompt", "callcentre/nosuch", "en", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text, lang, ok := c.Text(tc.prompt, tc.lang)
			if ok != tc.ok || lang != tc.wantLang || !strings.Contains(text, tc.inText) {
				t.Errorf("Text(%s, %s) = %q, %s, %v; want %s text with %q", tc.prompt, tc.lang, text, lang, ok, tc.wantLang, tc.inText)
			}
		})
	}
}

func TestParseCatalogueErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"two fields", "# c\nwelcome|en\n", "prompts.txt:2: want name|language|text"},
		{"empty name", "|en|Hello\n", "prompts.txt:1: empty prompt name"},
		{"bad language", "welcome|english!|Hello\n", `prompts.txt:1: "english!" is not a language code`},
		{"no text", "welcome|en|  \n", "prompts.txt:1: prompt welcome in en has no text"},
		{"duplicate", "welcome|en|Hello\n\nwelcome|en|Hi\n", "prompts.txt:3: prompt welcome in en is defined twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCatalogue(strings.NewReader(tc.text), "prompts.txt")
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	c, err := ParseCatalogue(strings.NewReader("\ufeffa|en|x | y\n"), "p")
	if err != nil {
		t.Fatal(err)
	}
	if text, _, _ := c.Text("a", "en"); text != "x | y" {
		t.Errorf("text with a bar: %q", text)
	}
}

func FuzzParseCatalogue(f *testing.F) {
	data, err := fs.ReadFile(testdata.Demo, "prompts.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(data))
	f.Add("a|en|b\na|fr|c\n")
	f.Add("|||\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseCatalogue(strings.NewReader(text), "fuzz")
		if err != nil {
			return
		}
		for name := range c.prompts {
			if _, _, ok := c.Text(name, "en"); !ok && len(c.prompts[name]) == 1 {
				t.Fatalf("single-language prompt %q not found", name)
			}
		}
	})
}
