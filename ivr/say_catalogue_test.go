package ivr

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/obelisk-pbx/obelisk/config"
	"github.com/obelisk-pbx/obelisk/media"
)

var sayLanguages = []string{"en", "fr", "ar"}

// TestSaySoundsInCatalogue checks that every file SayDigits, SayAlpha and
// SayNumber can name in English, French and Arabic has a text in that
// language in the built-in catalogue, so that they are spoken even without
// recordings.
func TestSaySoundsInCatalogue(t *testing.T) {
	c := media.BuiltinCatalogue()
	var chars strings.Builder
	for r := 'a'; r <= 'z'; r++ {
		chars.WriteRune(r)
	}
	chars.WriteString("0123456789*#!@$-.=+/ ")
	numbers := []int{-999999999, -5}
	for n := 0; n <= 2100; n++ {
		numbers = append(numbers, n)
	}
	for n := 2100; n < 1000000000; n = n*3 + 7 {
		numbers = append(numbers, n, n/1000*1000, n/1000000*1000000)
	}
	for _, n := range []int{200000, 201000, 202000, 2000000, 200000000, 999999999} {
		numbers = append(numbers, n)
	}
	for _, lang := range sayLanguages {
		names := map[string]bool{}
		for _, s := range DigitSounds("0123456789*#-") {
			names[s] = true
		}
		for _, s := range CharacterSounds(chars.String()) {
			names[s] = true
		}
		for _, g := range []Gender{GenderUnknown, GenderFeminine} {
			for _, n := range numbers {
				sounds, err := NumberSounds(n, lang, g)
				if err != nil {
					t.Fatalf("NumberSounds(%d, %s): %v", n, lang, err)
				}
				for _, s := range sounds {
					names[s] = true
				}
			}
		}
		for name := range names {
			if _, in, ok := c.Lookup(name, lang); !ok || in != lang {
				t.Errorf("%s|%s: not in the catalogue (found=%v in %q)", name, lang, ok, in)
			}
		}
	}
}

// impliedPrompts are the core prompts applications play by themselves, for
// the applications of the demo.
var impliedPrompts = map[string][]string{
	"voicemail": {"vm-theperson", "vm-isunavail", "vm-isonphone", "vm-intro", "vm-mailboxfull", "vm-msgsaved", "vm-goodbye"},
	"voicemailmain": {"vm-login", "vm-password", "vm-incorrect", "vm-incorrect-mailbox", "vm-youhave", "vm-no",
		"vm-INBOX", "vm-Old", "vm-and", "vm-message", "vm-messages", "vm-first", "vm-last", "vm-nomore",
		"vm-received", "vm-from", "vm-delete", "vm-deleted", "vm-saved", "vm-next", "vm-prev", "vm-repeat", "vm-goodbye"},
	"queue": {"queue-youarenext", "queue-thereare", "queue-callswaiting", "queue-holdtime", "queue-minute",
		"queue-minutes", "queue-seconds", "queue-less-than", "queue-thankyou", "queue-periodic-announce"},
}

// promptsOf returns the sound names a priority plays in lang where its
// arguments name them literally (no ${…} or $[…]).
func promptsOf(p *Priority, lang string) []string {
	args := SplitArgs(p.Args)
	files := func(s string) []string {
		if strings.Contains(s, "$") {
			return nil
		}
		var out []string
		for _, f := range strings.Split(s, "&") {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, f)
			}
		}
		return out
	}
	literal := !strings.Contains(p.Args, "$")
	switch strings.ToLower(p.App) {
	case "playback", "background", "controlplayback":
		return files(arg(args, 0))
	case "read":
		return files(arg(args, 1))
	case "saydigits":
		if literal {
			return DigitSounds(p.Args)
		}
		return DigitSounds("0123456789") // ${…} filtered to digits in the demo
	case "sayalpha":
		if literal {
			return CharacterSounds(p.Args)
		}
	case "saynumber":
		if n, ok := parseSayNumber(arg(args, 0)); ok && literal {
			g, _ := ParseGender(arg(args, 1))
			s, _ := NumberSounds(n, lang, g)
			return s
		}
	}
	return impliedPrompts[strings.ToLower(p.App)]
}

// TestDemoPrompts checks that every prompt the demo call centre plays has
// a text in English, French and Arabic in its prompts.txt merged over the
// built-in catalogue: "every prompt it uses exists as speech". A prompt
// written in one language only (a part of the language menu) is spoken in
// that language to every caller and counts as present.
func TestDemoPrompts(t *testing.T) {
	dir := filepath.Join("..", "testdata", "demo")
	b, err := os.ReadFile(filepath.Join(dir, "extensions.conf"))
	if err != nil {
		t.Fatal(err)
	}
	f, diags := config.Parse("extensions.conf", strings.NewReader(string(b)))
	if diags.HasErrors() {
		t.Fatalf("parse: %v", diags)
	}
	dp, diags := LoadDialplan(f, LoadOptions{})
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	pf, err := os.Open(filepath.Join(dir, "prompts.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	demo, err := media.ParseCatalogue(pf, "prompts.txt")
	if err != nil {
		t.Fatal(err)
	}
	c := media.BuiltinCatalogue()
	c.Merge(demo)

	used := map[string][]string{} // name → where
	var missing []string
	for _, lang := range sayLanguages {
		for _, cx := range dp.Contexts {
			for _, e := range cx.Extensions {
				for _, p := range e.Priorities {
					for _, name := range promptsOf(p, lang) {
						where := p.Pos.String()
						if !slices.Contains(used[name], where) {
							used[name] = append(used[name], where)
						}
						_, in, ok := c.Lookup(name, lang)
						if !ok || (in != lang && len(c.Languages(name)) > 1) {
							missing = append(missing, name+"|"+lang+" ("+where+")")
						}
					}
				}
			}
		}
	}
	sort.Strings(missing)
	missing = slices.Compact(missing)
	if len(missing) > 0 {
		t.Errorf("prompts without speech:\n%s", strings.Join(missing, "\n"))
	}
	for _, name := range []string{"callcentre/welcome", "callcentre/menu-ar", "callcentre/survey-rate", "digits/7", "vm-intro", "queue-thankyou"} {
		if len(used[name]) == 0 {
			t.Errorf("%s: not found in the demo (the extraction is broken)", name)
		}
	}
}
