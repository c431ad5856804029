package expr

import (
	"math"
	"math/big"
	"strings"
)

// kind is Asterisk's enum valtype.
type kind uint8

const (
	kindString        kind = iota // AST_EXPR_string: compared as text
	kindNumericString             // AST_EXPR_numeric_string: digits, becomes a number on use
	kindNumber                    // AST_EXPR_number
)

// precision is the mantissa of the C long double Asterisk computes with on
// x86 (FP___TYPE), so that 10 / 3 prints 3.33333333333333333 as it does.
const precision = 64

// value is a struct val.
type value struct {
	kind kind
	s    string
	n    *big.Float
}

func strValue(s string) value { return value{kind: kindString, s: s} }

func numericString(s string) value { return value{kind: kindNumericString, s: s} }

func number(f *big.Float) value { return value{kind: kindNumber, n: f} }

func newFloat() *big.Float { return new(big.Float).SetPrec(precision) }

func intNumber(i int64) value { return number(newFloat().SetInt64(i)) }

func boolNumber(b bool) value {
	if b {
		return intNumber(1)
	}
	return intNumber(0)
}

// floatNumber converts a float64 result of a math function; NaN, which
// big.Float cannot hold, becomes the string C's printf gives it.
func floatNumber(f float64) value {
	if math.IsNaN(f) {
		return strValue("nan")
	}
	return number(newFloat().SetFloat64(f))
}

// makeStr is make_str: a result string is numeric when it starts with a
// digit or a dot and holds only digits and dots.
func makeStr(s string) value {
	if s == "" || !(isDigit(s[0]) || s[0] == '.') {
		return strValue(s)
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && s[i] != '.' {
			return strValue(s)
		}
	}
	return numericString(s)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// toNumber is to_number: numbers stay, numeric strings are read with
// strtold (the longest valid prefix), other strings are not numbers.
func (v *value) toNumber() bool {
	switch v.kind {
	case kindNumber:
		return true
	case kindString:
		return false
	}
	end := 0
	for end < len(v.s) && isDigit(v.s[end]) {
		end++
	}
	if end < len(v.s) && v.s[end] == '.' {
		end++
		for end < len(v.s) && isDigit(v.s[end]) {
			end++
		}
	}
	f := newFloat()
	if txt := strings.TrimSuffix(v.s[:end], "."); txt != "" && txt != "." {
		if strings.HasPrefix(txt, ".") {
			txt = "0" + txt
		}
		if _, _, err := f.Parse(txt, 10); err != nil {
			return false
		}
	}
	*v = number(f)
	return true
}

// String formats the value as ast_expr does: numbers with "%.18Lg".
func (v value) String() string {
	if v.kind != kindNumber {
		return v.s
	}
	return formatNumber(v.n)
}

func formatNumber(f *big.Float) string {
	if f.IsInf() {
		if f.Signbit() {
			return "-inf"
		}
		return "inf"
	}
	s := f.Text('g', 18)
	// C's %g pads the exponent to two digits, as big.Float does, and drops
	// trailing zeros, as Text does: nothing else to adjust.
	return s
}

// toString is to_string.
func (v *value) toString() {
	if v.kind == kindNumber {
		*v = strValue(formatNumber(v.n))
	}
}

// isString is isstring: true only for text that is not a number.
func (v value) isString() bool { return v.kind == kindString }

// isZeroOrNull is is_zero_or_null.
func (v *value) isZeroOrNull() bool {
	if v.kind == kindNumber {
		return v.n.Sign() == 0
	}
	return v.s == "" || (v.toNumber() && v.n.Sign() == 0)
}

// stripQuotes is strip_quotes: a value written "…" loses every '"'.
func (v *value) stripQuotes() {
	if v.kind == kindNumber || len(v.s) == 0 {
		return
	}
	if v.s[0] == '"' && v.s[len(v.s)-1] == '"' {
		v.s = strings.ReplaceAll(v.s, `"`, "")
	}
}
