package ivr

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The say applications speak digits, characters and numbers by playing
// Asterisk's core sound files one after the other, in the channel's
// language (CHANNEL(language)), as main/say.c does:
//
// SayDigits
//
//	Syntax:  SayDigits(digits)
//	Plays:   digits/0 … digits/9, digits/star (*), digits/pound (#),
//	         digits/minus (-); other characters are skipped.
//	Example: exten => 1,1,SayDigits(${CALLERID(num)})
//
// SayAlpha
//
//	Syntax:  SayAlpha(string)
//	Plays:   letters/a … letters/z (either case), digits/0 … digits/9,
//	         digits/star, digits/pound, letters/at, letters/dash, letters/dot,
//	         letters/dollar, letters/equals, letters/exclaimation-point (sic),
//	         letters/plus, letters/slash, letters/space; any other character
//	         as letters/ascii<code> when that file exists.
//	Example: exten => 2,1,SayAlpha(${EXTEN}@obelisk)
//
// SayNumber
//
//	Syntax:  SayNumber(number[,gender])
//	Options: gender is f (feminine), m (masculine), c (common) or n
//	         (neuter); French and Arabic use f, the others ignore it.
//	Plays:   the number composed with the rules of the channel's language
//	         (see NumberSounds); it must be a whole decimal number that fits
//	         in 32 bits, and may be negative.
//	Example: exten => 3,1,Set(CHANNEL(language)=fr)
//	          same => n,SayNumber(21,f)   ; digits/20 digits/et digits/1F
//
// All three play without interruption unless SAY_DTMF_INTERRUPT is true:
// then any key stops them and is dialled as an extension, as a key
// pressed during Background is. A sound that exists nowhere is skipped.
//
// As in Asterisk, SayNumber without an argument or with a gender other than
// f, m, c or n ends the call (the application returns -1); a number that
// cannot be parsed is logged and skipped. Obelisk takes an empty gender
// (SayNumber(5,)) as none, where Asterisk would end the call.

// ErrNumberTooLarge means a number is too large for its language's say
// rules (a billion or more, as in Asterisk).
var ErrNumberTooLarge = errors.New("number too large to say")

// Gender is the grammatical gender SayNumber's second argument names, for
// languages whose numbers agree with the noun counted.
type Gender int

// Genders, as SayNumber's option letters.
const (
	GenderUnknown   Gender = iota // none given: the language's default
	GenderMasculine               // m
	GenderFeminine                // f
	GenderCommon                  // c, the Nordic common gender
	GenderNeuter                  // n
)

// String returns the option letter (m, f, c, n), or "unknown".
func (g Gender) String() string {
	switch g {
	case GenderMasculine:
		return "m"
	case GenderFeminine:
		return "f"
	case GenderCommon:
		return "c"
	case GenderNeuter:
		return "n"
	}
	return "unknown"
}

// ParseGender parses SayNumber's gender option: f, m, c or n in either
// case, or "" for none (GenderUnknown).
func ParseGender(s string) (Gender, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return GenderUnknown, nil
	case "m":
		return GenderMasculine, nil
	case "f":
		return GenderFeminine, nil
	case "c":
		return GenderCommon, nil
	case "n":
		return GenderNeuter, nil
	}
	return GenderUnknown, fmt.Errorf("gender %q: want f, m, c or n", s)
}

// NumberSounds returns the sound files that say n in lang with gender g:
// French (a language starting with "fr") as ast_say_number_full_fr,
// Arabic ("ar…") by the rules of say_ar.go, every other language as
// ast_say_number_full_en, Asterisk's default. Zero is digits/0.
//
// A number of a billion or more (or below minus a billion) gives the files
// said before the rules gave up (digits/minus) and ErrNumberTooLarge, as
// Asterisk stops there.
func NumberSounds(n int, lang string, g Gender) ([]string, error) {
	if n == 0 {
		return []string{"digits/0"}, nil
	}
	var out []string
	if n < 0 {
		out = append(out, "digits/minus")
		n = -n
	}
	if n >= 1000000000 {
		return out, fmt.Errorf("say %d: %w", n, ErrNumberTooLarge)
	}
	l := strings.ToLower(lang)
	switch {
	case strings.HasPrefix(l, "fr"):
		return appendNumberFr(out, n, g), nil
	case strings.HasPrefix(l, "ar"):
		return appendNumberAr(out, n, g), nil
	}
	return appendNumberEn(out, n), nil
}

// DigitSounds returns the sound files that say s digit by digit
// (ast_say_digit_str): digits/0 … digits/9, digits/star, digits/pound and
// digits/minus; other characters say nothing.
func DigitSounds(s string) []string {
	var out []string
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			out = append(out, "digits/"+string(r))
		case r == '*':
			out = append(out, "digits/star")
		case r == '#':
			out = append(out, "digits/pound")
		case r == '-':
			out = append(out, "digits/minus")
		}
	}
	return out
}

// characterSymbols are the letters/ files ast_say_character_str names for
// punctuation.
var characterSymbols = map[rune]string{
	'!': "letters/exclaimation-point", // Asterisk's spelling
	'@': "letters/at",
	'$': "letters/dollar",
	'-': "letters/dash",
	'.': "letters/dot",
	'=': "letters/equals",
	'+': "letters/plus",
	'/': "letters/slash",
	' ': "letters/space",
}

// CharacterSounds returns the sound files that say s character by
// character (ast_say_character_str, case-insensitive as SayAlpha is):
// letters/a … letters/z, digits/0 … digits/9, digits/star, digits/pound,
// the letters/ symbols of characterSymbols, and letters/ascii<code> for any
// other character. (Asterisk tries letters/<character> first; no core
// sound is named so, and Obelisk goes straight to the ascii name.)
func CharacterSounds(s string) []string {
	var out []string
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			out = append(out, "digits/"+string(r))
		case r == '*':
			out = append(out, "digits/star")
		case r == '#':
			out = append(out, "digits/pound")
		case r >= 'a' && r <= 'z':
			out = append(out, "letters/"+string(r))
		case r >= 'A' && r <= 'Z':
			out = append(out, "letters/"+string(r-'A'+'a'))
		case characterSymbols[r] != "":
			out = append(out, characterSymbols[r])
		default:
			out = append(out, "letters/ascii"+strconv.Itoa(int(r)))
		}
	}
	return out
}

// sayStop returns the keys that stop a say application: every key when
// SAY_DTMF_INTERRUPT is true, none otherwise.
func sayStop(ch *Channel) string {
	if v, ok := ch.LookupVar("SAY_DTMF_INTERRUPT"); ok && CheckCondition(v) {
		return AnyDigit
	}
	return ""
}

// playSequence plays sounds in the channel's language, skipping those that
// exist nowhere; a key from sayStop ends it and dials an extension, as
// Asterisk's say functions returning a digit do.
func playSequence(ctx context.Context, ch *Channel, sounds []string) error {
	stop := sayStop(ch)
	for _, s := range sounds {
		d, err := ch.Play(ctx, s, stop)
		if err != nil {
			if errors.Is(err, ErrSoundNotFound) {
				ch.log.Warn("say: sound not found", "file", s)
				continue
			}
			return err
		}
		if d != 0 {
			ch.DialExten(string(d))
			return nil
		}
	}
	return nil
}

func appSayDigits(ctx context.Context, ch *Channel, args string) error {
	return playSequence(ctx, ch, DigitSounds(args))
}

func appSayAlpha(ctx context.Context, ch *Channel, args string) error {
	return playSequence(ctx, ch, CharacterSounds(args))
}

// parseSayNumber parses SayNumber's number as ast_str_to_int does: leading
// white space, an optional sign, decimal digits and nothing after them,
// within 32 bits.
func parseSayNumber(s string) (int, bool) {
	n, err := strconv.ParseInt(strings.TrimLeft(s, " \t\n\v\f\r"), 10, 32)
	return int(n), err == nil
}

func appSayNumber(ctx context.Context, ch *Channel, args string) error {
	if args == "" {
		ch.log.Warn("SayNumber requires an argument (number)")
		return ErrHangup
	}
	parts := SplitArgs(args)
	n, ok := parseSayNumber(arg(parts, 0))
	if !ok {
		ch.log.Warn("SayNumber: argument could not be parsed as a number", "arg", arg(parts, 0))
		return nil
	}
	g, err := ParseGender(arg(parts, 1))
	if err != nil {
		ch.log.Warn("SayNumber gender option is either 'f', 'm', 'c' or 'n'", "arg", arg(parts, 1))
		return ErrHangup
	}
	sounds, err := NumberSounds(n, ch.Language(), g)
	if perr := playSequence(ctx, ch, sounds); perr != nil {
		return perr
	}
	if err != nil {
		ch.log.Warn("SayNumber: unable to say the number, is it too large?", "number", n, "error", err)
		if sayStop(ch) != "" {
			// Asterisk returns the say function's -1 when interruptible.
			return ErrHangup
		}
	}
	return nil
}
