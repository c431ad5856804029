package ivr

import "strconv"

// appendNumberFr appends the files that say 0 < n < 1,000,000,000 in
// French, as ast_say_number_full_fr does:
//
//	1, f     digits/1F ("une")
//	21       digits/20 digits/et digits/1          vingt et un
//	70       digits/60 digits/10                   soixante-dix
//	71       digits/60 digits/et digits/11         soixante et onze
//	80       digits/80                             quatre-vingts
//	91       digits/80 digits/11                   quatre-vingt-onze
//	100      digits/hundred                        cent
//	200      digits/2 digits/hundred               deux cents
//	1000     digits/thousand                       mille
//	2000     digits/2 digits/thousand              deux mille
//	1000000  digits/1 digits/million               un million
//
// The feminine applies to every "un" of the number, the count of
// thousands and millions included, as in Asterisk.
func appendNumberFr(out []string, n int, g Gender) []string {
	for n > 0 {
		switch {
		case n == 1:
			if g == GenderFeminine {
				return append(out, "digits/1F")
			}
			return append(out, "digits/1")
		case n < 21:
			return append(out, "digits/"+strconv.Itoa(n))
		case n < 70:
			out = append(out, "digits/"+strconv.Itoa(n/10*10))
			if n%10 == 1 {
				out = append(out, "digits/et")
			}
			n %= 10
		case n < 80:
			out = append(out, "digits/60")
			if n%10 == 1 {
				out = append(out, "digits/et")
			}
			n -= 60
		case n < 100:
			out = append(out, "digits/80")
			n -= 80
		case n < 200:
			out = append(out, "digits/hundred")
			n -= 100
		case n < 1000:
			out = append(out, "digits/"+strconv.Itoa(n/100), "digits/hundred")
			n %= 100
		case n < 2000:
			out = append(out, "digits/thousand")
			n -= 1000
		case n < 1000000:
			out = appendNumberFr(out, n/1000, g)
			out = append(out, "digits/thousand")
			n %= 1000
		default:
			out = appendNumberFr(out, n/1000000, g)
			out = append(out, "digits/million")
			n %= 1000000
		}
	}
	return out
}
