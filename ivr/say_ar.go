package ivr

import "strconv"

// Arabic numbers. Asterisk has no Arabic say rules (an Arabic channel
// falls back to English word order); Obelisk reads numbers as Modern
// Standard Arabic does, in the nominative, with its own file names under
// digits/ (texts in media/prompts/core.txt):
//
//	digits/0 … digits/19     صفر … تسعة عشر, the masculine (default) forms;
//	                         11 and 12 are أحد عشر, اثنا عشر
//	digits/1F … digits/19F   the feminine forms (واحدة, اثنتان, ثلاث … عشر,
//	                         إحدى عشرة, اثنتا عشرة, ثلاث عشرة … تسع عشرة)
//	digits/20 … digits/90    عشرون … تسعون
//	digits/and               و, said between every two parts
//	digits/100 … digits/900  مئة, مئتان, ثلاثمئة … تسعمئة as whole words
//	digits/200-construct     مئتا, مئتان before a noun (مئتا ألف)
//	digits/thousand          ألف     1 thousand; after a round hundred
//	digits/thousand-dual     ألفان   2 thousand
//	digits/thousands         آلاف    3 to 10 thousand (genitive plural)
//	digits/thousand-acc      ألفًا   11 to 99 thousand (accusative singular)
//	digits/million, digits/million-dual, digits/millions, digits/million-acc
//	                         مليون, مليونان, ملايين, مليونًا, likewise
//
// Units come before tens, and every part is joined by و:
//
//	21       digits/1 digits/and digits/20                 واحد وعشرون
//	101      digits/100 digits/and digits/1                مئة وواحد
//	999      digits/900 digits/and digits/9 digits/and digits/90
//	2000     digits/thousand-dual                          ألفان
//	3000     digits/3 digits/thousands                     ثلاثة آلاف
//	21000    digits/1 digits/and digits/20 digits/thousand-acc
//	200000   digits/200-construct digits/thousand          مئتا ألف
//	101000   digits/100 digits/thousand digits/and digits/thousand
//	                                                       مئة ألف وألف
//
// Thousands and millions are masculine nouns, so their counts are always
// masculine; gender f (SayNumber(n,f), for a feminine noun such as رسالة)
// changes only the units of the part below a thousand: 21,f is
// digits/1F digits/and digits/20, واحدة وعشرون.

// arabicScale names the files of a counted noun, thousand or million.
type arabicScale struct {
	one, dual, plural, acc string
}

var (
	arabicThousand = arabicScale{"digits/thousand", "digits/thousand-dual", "digits/thousands", "digits/thousand-acc"}
	arabicMillion  = arabicScale{"digits/million", "digits/million-dual", "digits/millions", "digits/million-acc"}
)

// appendNumberAr appends the files that say 0 < n < 1,000,000,000 in
// Arabic (see above).
func appendNumberAr(out []string, n int, g Gender) []string {
	first := true
	part := func(f func()) {
		if !first {
			out = append(out, "digits/and")
		}
		first = false
		f()
	}
	if m := n / 1000000; m > 0 {
		part(func() { out = appendArabicCount(out, m, arabicMillion) })
	}
	if k := n / 1000 % 1000; k > 0 {
		part(func() { out = appendArabicCount(out, k, arabicThousand) })
	}
	if r := n % 1000; r > 0 {
		part(func() { out = appendArabicBelow1000(out, r, g) })
	}
	return out
}

// appendArabicCount says k (1 … 999) of a scale noun: the noun alone for
// 1 and 2, else the count (masculine) and the noun in the case and number
// its last two digits govern. A count ending in 01 or 02 above a hundred
// is said as the hundreds of the noun and one or two of it.
func appendArabicCount(out []string, k int, s arabicScale) []string {
	h, r := k/100*100, k%100
	switch {
	case k == 1:
		return append(out, s.one)
	case k == 2:
		return append(out, s.dual)
	case r == 0:
		if h == 200 {
			return append(out, "digits/200-construct", s.one)
		}
		return append(out, "digits/"+strconv.Itoa(h), s.one)
	case r <= 2:
		out = appendArabicCount(out, h, s)
		out = append(out, "digits/and")
		return appendArabicCount(out, r, s)
	}
	if h > 0 {
		out = append(out, "digits/"+strconv.Itoa(h), "digits/and")
	}
	out = appendArabicBelow100(out, r, GenderUnknown)
	if r <= 10 {
		return append(out, s.plural)
	}
	return append(out, s.acc)
}

// appendArabicBelow1000 says 0 < n < 1000: the hundreds as one word, then
// و and the rest.
func appendArabicBelow1000(out []string, n int, g Gender) []string {
	h, r := n/100*100, n%100
	if h > 0 {
		out = append(out, "digits/"+strconv.Itoa(h))
		if r == 0 {
			return out
		}
		out = append(out, "digits/and")
	}
	return appendArabicBelow100(out, r, g)
}

// appendArabicBelow100 says 0 < n < 100: one word up to 19, else the units,
// و and the tens.
func appendArabicBelow100(out []string, n int, g Gender) []string {
	unit := func(n int) string {
		if g == GenderFeminine {
			return "digits/" + strconv.Itoa(n) + "F"
		}
		return "digits/" + strconv.Itoa(n)
	}
	if n < 20 {
		return append(out, unit(n))
	}
	tens := "digits/" + strconv.Itoa(n/10*10)
	if n%10 == 0 {
		return append(out, tens)
	}
	return append(out, unit(n%10), "digits/and", tens)
}
