package payments

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Currency is a lower-case ISO 4217 code, as Stripe spells it ("usd").
type Currency string

// ParseCurrency returns s as a Currency: three ASCII letters, any case.
func ParseCurrency(s string) (Currency, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) != 3 {
		return "", fmt.Errorf("%w: %q", ErrBadCurrency, s)
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return "", fmt.Errorf("%w: %q", ErrBadCurrency, s)
		}
	}
	return Currency(s), nil
}

// zeroDecimal are Stripe's zero-decimal currencies: their amounts are
// whole units (¥120 is amount=120). https://docs.stripe.com/currencies#zero-decimal
var zeroDecimal = map[Currency]bool{
	"bif": true, "clp": true, "djf": true, "gnf": true, "jpy": true, "kmf": true, "krw": true, "mga": true,
	"pyg": true, "rwf": true, "ugx": true, "vnd": true, "vuv": true, "xaf": true, "xof": true, "xpf": true,
}

// threeDecimal are Stripe's three-decimal currencies (amounts in
// thousandths; Stripe wants the last digit 0).
// https://docs.stripe.com/currencies#three-decimal
var threeDecimal = map[Currency]bool{"bhd": true, "jod": true, "kwd": true, "omr": true, "tnd": true}

// Decimals is the number of decimals of c's minor unit on Stripe: 0 for
// zero-decimal currencies, 3 for BHD, JOD, KWD, OMR and TND, else 2.
func (c Currency) Decimals() int {
	switch {
	case zeroDecimal[c]:
		return 0
	case threeDecimal[c]:
		return 3
	}
	return 2
}

// MinorUnits converts a decimal amount ("120", "120.5", "120.00") in
// currency c to the integer Stripe's amount fields hold: cents for USD
// (12000), yen for JPY ("120" is 120). The amount must be positive and
// have no more decimals than the currency, except trailing zeros ("120.00"
// yen is 120). No float is involved: "0.29" is exactly 29 cents.
func MinorUnits(amount string, c Currency) (int64, error) {
	s := strings.TrimSpace(amount)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" {
		return 0, fmt.Errorf("%w: %q", ErrBadAmount, amount)
	}
	if whole == "" {
		whole = "0"
	}
	if !digits(whole) || !digits(frac) {
		return 0, fmt.Errorf("%w: %q", ErrBadAmount, amount)
	}
	n := c.Decimals()
	frac = strings.TrimRight(frac, "0")
	if len(frac) > n {
		return 0, fmt.Errorf("%w: %q has more than %d decimals for %s", ErrBadAmount, amount, n, strings.ToUpper(string(c)))
	}
	frac += strings.Repeat("0", n-len(frac))
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrBadAmount, amount)
	}
	var f int64
	if frac != "" {
		f, _ = strconv.ParseInt(frac, 10, 64)
	}
	scale := int64(math.Pow10(n))
	if w > (math.MaxInt64-f)/scale {
		return 0, fmt.Errorf("%w: %q is too large", ErrBadAmount, amount)
	}
	v := w*scale + f
	if v <= 0 {
		return 0, fmt.Errorf("%w: %q is not positive", ErrBadAmount, amount)
	}
	return v, nil
}

// FormatMinor is MinorUnits' inverse: 12000 cents is "120.00", 120 yen is
// "120".
func FormatMinor(v int64, c Currency) string {
	n := c.Decimals()
	if n == 0 {
		return strconv.FormatInt(v, 10)
	}
	scale := int64(math.Pow10(n))
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%0*d", sign, v/scale, n, v%scale)
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
