package tts

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Catalogue is the prompt text per language, for the prompts that have no
// recorded file. It is read from a prompts.txt file:
//
//	# comment
//	name|language|text
//
// one prompt a line: the sound name the dialplan plays
// (Playback(callcentre/welcome)), an ISO 639-1 language code (a region
// may follow: fr_CA), and the text, which may itself contain "|".
type Catalogue struct {
	prompts map[string]map[string]string // name → language → text
}

// ParseCatalogue reads a prompts.txt. Errors say file:line.
func ParseCatalogue(r io.Reader, file string) (*Catalogue, error) {
	c := &Catalogue{prompts: make(map[string]map[string]string)}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if line == 1 {
			s = strings.TrimPrefix(s, "\ufeff")
		}
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		name, rest, ok1 := strings.Cut(s, "|")
		lang, text, ok2 := strings.Cut(rest, "|")
		name, lang, text = strings.TrimSpace(name), strings.TrimSpace(lang), strings.TrimSpace(text)
		switch {
		case !ok1 || !ok2:
			return nil, fmt.Errorf("%s:%d: want name|language|text", file, line)
		case name == "":
			return nil, fmt.Errorf("%s:%d: empty prompt name", file, line)
		case !validLanguage(lang):
			return nil, fmt.Errorf("%s:%d: %q is not a language code (ar, en, fr_CA)", file, line, lang)
		case text == "":
			return nil, fmt.Errorf("%s:%d: prompt %s in %s has no text", file, line, name, lang)
		}
		byLang := c.prompts[name]
		if byLang == nil {
			byLang = make(map[string]string)
			c.prompts[name] = byLang
		}
		if _, dup := byLang[lang]; dup {
			return nil, fmt.Errorf("%s:%d: prompt %s in %s is defined twice", file, line, name, lang)
		}
		byLang[lang] = text
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", file, line+1, err)
	}
	return c, nil
}

func validLanguage(l string) bool {
	if len(l) < 2 || len(l) > 16 {
		return false
	}
	for i, r := range l {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case (r == '_' || r == '-') && i >= 2:
		default:
			return false
		}
	}
	return true
}

// Text returns the text of prompt name for a caller in language lang, and
// the language it is in. The languages tried are lang, lang without its
// region, then, when the prompt exists in one language only (the parts of
// a language menu), that language whatever the caller's, then en. ok is
// false when the prompt has no text to speak.
func (c *Catalogue) Text(name, lang string) (text, in string, ok bool) {
	byLang := c.prompts[name]
	if len(byLang) == 0 {
		return "", "", false
	}
	if t, ok := byLang[lang]; ok {
		return t, lang, true
	}
	if i := strings.IndexAny(lang, "_-"); i > 0 {
		if t, ok := byLang[lang[:i]]; ok {
			return t, lang[:i], true
		}
	}
	if len(byLang) == 1 {
		for l, t := range byLang {
			return t, l, true
		}
	}
	if t, ok := byLang["en"]; ok {
		return t, "en", true
	}
	return "", "", false
}

// Len returns how many prompts the catalogue has.
func (c *Catalogue) Len() int { return len(c.prompts) }
