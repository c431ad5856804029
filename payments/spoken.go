package payments

import (
	"strconv"
	"strings"
)

// unitNames are a currency's unit and minor unit, singular and plural, in
// one language.
type unitNames struct {
	one, many           string // 1 dollar, 120 dollars
	minorOne, minorMany string // 1 cent, 50 cents
}

// spokenLang is how one language joins an amount's parts.
type spokenLang struct {
	and   string // "120 dollars and 50 cents"
	units map[Currency]unitNames
}

// The words Spoken uses. Numbers stay digits: the text-to-speech engine
// (espeak-ng) reads them in the voice's own language, with its grammar.
var spokenLangs = map[string]spokenLang{
	"en": {and: "and", units: map[Currency]unitNames{
		"usd": {"dollar", "dollars", "cent", "cents"},
		"cad": {"Canadian dollar", "Canadian dollars", "cent", "cents"},
		"aud": {"Australian dollar", "Australian dollars", "cent", "cents"},
		"eur": {"euro", "euros", "cent", "cents"},
		"gbp": {"pound", "pounds", "penny", "pence"},
		"jpy": {"yen", "yen", "", ""},
		"mad": {"dirham", "dirhams", "centime", "centimes"},
		"mxn": {"peso", "pesos", "centavo", "centavos"},
	}},
	"fr": {and: "et", units: map[Currency]unitNames{
		"usd": {"dollar", "dollars", "cent", "cents"},
		"cad": {"dollar canadien", "dollars canadiens", "cent", "cents"},
		"aud": {"dollar australien", "dollars australiens", "cent", "cents"},
		"eur": {"euro", "euros", "centime", "centimes"},
		"gbp": {"livre", "livres", "penny", "pence"},
		"jpy": {"yen", "yens", "", ""},
		"mad": {"dirham", "dirhams", "centime", "centimes"},
		"mxn": {"peso", "pesos", "centavo", "centavos"},
	}},
	"es": {and: "con", units: map[Currency]unitNames{
		"usd": {"dólar", "dólares", "centavo", "centavos"},
		"cad": {"dólar canadiense", "dólares canadienses", "centavo", "centavos"},
		"aud": {"dólar australiano", "dólares australianos", "centavo", "centavos"},
		"eur": {"euro", "euros", "céntimo", "céntimos"},
		"gbp": {"libra", "libras", "penique", "peniques"},
		"jpy": {"yen", "yenes", "", ""},
		"mad": {"dírham", "dírhams", "céntimo", "céntimos"},
		"mxn": {"peso", "pesos", "centavo", "centavos"},
	}},
	// Arabic counts nouns with singular forms after numbers above ten
	// ("120 دولار"); the engine reads the digits.
	"ar": {and: "و", units: map[Currency]unitNames{
		"usd": {"دولار", "دولار", "سنت", "سنت"},
		"cad": {"دولار كندي", "دولار كندي", "سنت", "سنت"},
		"aud": {"دولار أسترالي", "دولار أسترالي", "سنت", "سنت"},
		"eur": {"يورو", "يورو", "سنت", "سنت"},
		"gbp": {"جنيه", "جنيه", "بنس", "بنس"},
		"jpy": {"ين", "ين", "", ""},
		"mad": {"درهم", "درهم", "سنتيم", "سنتيم"},
		"mxn": {"بيزو", "بيزو", "سنتافو", "سنتافو"},
	}},
}

// Spoken says amount in currency c for a text-to-speech voice of lang (en,
// fr, es or ar; a regional tag such as "fr_CA" counts as its language,
// others as English): "120.00" dollars is "120 dollars" in English,
// "120.50" is "120 dollars and 50 cents", "120 dólares con 50 centavos" in
// Spanish. A currency without names in the table is said as its code
// ("120.50 KWD"). A malformed amount is returned as written.
func Spoken(amount string, c Currency, lang string) string {
	v, err := MinorUnits(amount, c)
	if err != nil {
		return strings.TrimSpace(amount)
	}
	l, ok := spokenLangs[baseLang(lang)]
	if !ok {
		l = spokenLangs["en"]
	}
	names, ok := l.units[c]
	if !ok {
		return FormatMinor(v, c) + " " + strings.ToUpper(string(c))
	}
	n := c.Decimals()
	scale := int64(1)
	for range n {
		scale *= 10
	}
	whole, minor := v/scale, v%scale
	var parts []string
	if whole > 0 || minor == 0 {
		parts = append(parts, count(whole, names.one, names.many))
	}
	if minor > 0 {
		if names.minorMany == "" {
			return FormatMinor(v, c) + " " + names.many
		}
		m := count(minor, names.minorOne, names.minorMany)
		if len(parts) > 0 {
			m = l.and + " " + m
		}
		parts = append(parts, m)
	}
	return strings.Join(parts, " ")
}

func count(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(n, 10) + " " + many
}

// baseLang is the language of a tag: "fr_CA" and "fr-CA" are "fr".
func baseLang(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "_-"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}
