package expr

import "strings"

// kind is Asterisk's enum valtype.
type kind uint8

const (
	kindString        kind = iota // AST_EXPR_string: compared as text
	kindNumericString             // AST_EXPR_numeric_string: digits, becomes a number on use
	kindNumber                    // AST_EXPR_number
)

// value is a struct val.
type value struct {
	kind kind
	s    string
	n    num
}

func strValue(s string) value { return value{kind: kindString, s: s} }

func numericString(s string) value { return value{kind: kindNumericString, s: s} }

func number(n num) value { return value{kind: kindNumber, n: n} }

func intNumber(i int64) value { return value{kind: kindNumber, n: intNum(i)} }

func boolNumber(b bool) value { return value{kind: kindNumber, n: boolNum(b)} }

// makeStr is make_str: a result string is numeric when it starts with a
// digit or a dot and holds only digits and dots (a leading '-' passes the
// first test but not the loop, which starts again at s[0]).
func makeStr(s string) value {
	if s == "" {
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
// strtold (the longest valid prefix), other strings are not numbers. A
// numeric string strtold cannot hold (ERANGE) is not a number either; in
// Asterisk its text is freed, here it becomes "".
func (v *value) toNumber() bool {
	switch v.kind {
	case kindNumber:
		return true
	case kindString:
		return false
	}
	n, ok := strtold(v.s, false)
	if !ok {
		*v = strValue("")
		return false
	}
	*v = number(n)
	return true
}

// num is the value as a number after toNumber: a string that is not a
// number reads as 0 (Asterisk reads the union's other member).
func (v *value) num() num {
	if !v.toNumber() {
		return num{}
	}
	return v.n
}

// String formats the value as ast_expr does: numbers with "%.18Lg".
func (v value) String() string {
	if v.kind != kindNumber {
		return v.s
	}
	return v.n.String()
}

// toString is to_string.
func (v *value) toString() {
	if v.kind == kindNumber {
		*v = strValue(v.n.String())
	}
}

// isString is isstring: true only for text that is not a number.
func (v value) isString() bool { return v.kind == kindString }

// isZeroOrNull is is_zero_or_null; like Asterisk's it turns a numeric
// string into a number, which `|` and `&` then return.
func (v *value) isZeroOrNull() bool {
	if v.kind == kindNumber {
		return v.n.isZero()
	}
	return v.s == "" || (v.toNumber() && v.n.isZero())
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
