package media

import (
	_ "embed"
	"strings"
	"sync"
)

// coreCatalogue is the text of Asterisk's core sounds Obelisk speaks
// itself when no recording exists (digits/…, letters/…, the voicemail and
// queue prompts), in English, French and Arabic.
//
//go:embed prompts/core.txt
var coreCatalogue string

var (
	builtinOnce sync.Once
	builtin     *Catalogue
)

// BuiltinCatalogue returns a copy of the core catalogue, for a
// configuration's prompts.txt to be merged over.
func BuiltinCatalogue() *Catalogue {
	builtinOnce.Do(func() {
		c, err := ParseCatalogue(strings.NewReader(coreCatalogue), "media/prompts/core.txt")
		if err != nil {
			panic(err) // embedded at build time and checked by its test
		}
		builtin = c
	})
	out := NewCatalogue()
	out.Merge(builtin)
	return out
}
