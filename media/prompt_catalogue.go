package media

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Catalogue is a prompt catalogue: the text of each prompt in each
// language, for prompts that have no recorded file. The switch speaks the
// text with its TTS engine and caches the audio (media/tts).
//
// The file format is one prompt per line, `name|language|text`, with `#`
// comments and blank lines ignored:
//
//	callcentre/welcome|en|Welcome to the call centre.
//	callcentre/welcome|fr|Bienvenue au centre d'appels.
//	callcentre/menu-ar|ar|للغة العربية، اضغط واحد.
//
// A prompt found in the caller's language is spoken in it; otherwise in
// its dialect-less language, then English, then, for a prompt that exists
// in one language only (each part of a language menu), in that language.
type Catalogue struct {
	texts map[string]map[string]string // name → language → text
}

// ParseCatalogue reads a catalogue; file names the source in errors
// (`file:line: message`).
func ParseCatalogue(r io.Reader, file string) (*Catalogue, error) {
	c := &Catalogue{texts: map[string]map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		t := strings.TrimSpace(sc.Text())
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		parts := strings.SplitN(t, "|", 3)
		if len(parts) != 3 || strings.TrimSpace(parts[0]) == "" || strings.TrimSpace(parts[1]) == "" || strings.TrimSpace(parts[2]) == "" {
			return nil, fmt.Errorf("%s:%d: want name|language|text", file, line)
		}
		c.Add(strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1]), strings.TrimSpace(parts[2]))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return c, nil
}

// NewCatalogue returns an empty catalogue.
func NewCatalogue() *Catalogue { return &Catalogue{texts: map[string]map[string]string{}} }

// Add sets the text of name in lang, replacing an earlier one.
func (c *Catalogue) Add(name, lang, text string) {
	m := c.texts[name]
	if m == nil {
		m = map[string]string{}
		c.texts[name] = m
	}
	m[strings.ToLower(lang)] = text
}

// Merge adds every prompt of o, o's texts winning.
func (c *Catalogue) Merge(o *Catalogue) {
	if o == nil {
		return
	}
	for name, m := range o.texts {
		for lang, text := range m {
			c.Add(name, lang, text)
		}
	}
}

// Lookup returns the text of name for a caller in lang and the language
// it is in.
func (c *Catalogue) Lookup(name, lang string) (text, in string, ok bool) {
	if c == nil {
		return "", "", false
	}
	m := c.texts[name]
	if len(m) == 0 {
		return "", "", false
	}
	lang = strings.ToLower(lang)
	base, _, _ := strings.Cut(lang, "_")
	for _, l := range []string{lang, base, DefaultLanguage} {
		if t, ok := m[l]; ok {
			return t, l, true
		}
	}
	langs := make([]string, 0, len(m))
	for l := range m {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	return m[langs[0]], langs[0], true
}

// Names returns the prompts' names, sorted.
func (c *Catalogue) Names() []string {
	out := make([]string, 0, len(c.texts))
	for n := range c.texts {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Languages returns the languages name has a text in, sorted.
func (c *Catalogue) Languages(name string) []string {
	var out []string
	for l := range c.texts[name] {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}
