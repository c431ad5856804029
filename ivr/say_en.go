package ivr

import "strconv"

// appendNumberEn appends the files that say 0 < n < 1,000,000,000 in
// English, as ast_say_number_full_en does (Asterisk's default for every
// language without rules of its own):
//
//	7        digits/7
//	21       digits/20 digits/1
//	101      digits/1 digits/hundred digits/1
//	21000    digits/20 digits/1 digits/thousand
//	1000000  digits/1 digits/million
//
// There is no "and" (Asterisk says it only for en_GB, which Obelisk does
// not distinguish).
func appendNumberEn(out []string, n int) []string {
	switch {
	case n >= 1000000:
		out = appendNumberEn(out, n/1000000)
		out = append(out, "digits/million")
		n %= 1000000
	case n >= 1000:
		out = appendNumberEn(out, n/1000)
		out = append(out, "digits/thousand")
		n %= 1000
	case n >= 100:
		out = append(out, "digits/"+strconv.Itoa(n/100), "digits/hundred")
		n %= 100
	case n >= 20:
		out = append(out, "digits/"+strconv.Itoa(n/10*10))
		n %= 10
	default:
		return append(out, "digits/"+strconv.Itoa(n))
	}
	if n > 0 {
		out = appendNumberEn(out, n)
	}
	return out
}
