package telegram

import (
	"fmt"
	"strings"
)

// Number is a telephone number in E.164 form: "+" and 8 to 15 digits, the
// first not 0 (ITU-T E.164 §6.1; Telegram agents' and targets' numbers).
type Number string

// String returns the number as written: "+15551234567".
func (n Number) String() string { return string(n) }

// Digits returns the number without its "+", as a trunk's dial string
// wants when it does not take E.164 (not used by default).
func (n Number) Digits() string { return strings.TrimPrefix(string(n), "+") }

// ParseNumber reads a number an agent typed and normalizes it to E.164.
// Accepted:
//
//   - E.164, with or without separators: +15551234567, +1 555 123 4567,
//     +44 20 7946 0958, 00 44 20 7946 0958 (the international prefix 00);
//   - US (NANP) formats: (555) 123-4567, 555-123-4567, 555.123.4567,
//     5551234567, 1-555-123-4567, 1 (555) 123-4567, taken as +1.
//
// Separators are blanks, "-", "." and one pair of parentheses. A NANP
// number (+1) must have ten digits after the 1 and an area code that does
// not start with 0 or 1 (the N of NXX). Anything else is an error saying
// what is wrong, for the agent to read.
func ParseNumber(s string) (Number, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalidNumber)
	}
	plus := false
	var digits strings.Builder
	parens := 0
	for i, r := range in {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+':
			if i != 0 {
				return "", fmt.Errorf("%w: %q has a + that does not lead", ErrInvalidNumber, in)
			}
			plus = true
		case r == ' ' || r == '-' || r == '.' || r == '\t':
		case r == '(':
			if parens != 0 {
				return "", fmt.Errorf("%w: %q has unbalanced parentheses", ErrInvalidNumber, in)
			}
			parens = 1
		case r == ')':
			if parens != 1 {
				return "", fmt.Errorf("%w: %q has unbalanced parentheses", ErrInvalidNumber, in)
			}
			parens = 2
		default:
			return "", fmt.Errorf("%w: %q has a character that is not a digit (%q)", ErrInvalidNumber, in, r)
		}
	}
	if parens == 1 {
		return "", fmt.Errorf("%w: %q has unbalanced parentheses", ErrInvalidNumber, in)
	}
	d := digits.String()
	if !plus && strings.HasPrefix(d, "00") {
		plus, d = true, d[2:]
	}
	if !plus {
		switch {
		case len(d) == 10:
			d = "1" + d
		case len(d) == 11 && d[0] == '1':
		default:
			return "", fmt.Errorf("%w: %q is not a US number (10 digits, or 11 starting with 1): use E.164, such as +15551234567", ErrInvalidNumber, in)
		}
	}
	if len(d) < 8 || len(d) > 15 {
		return "", fmt.Errorf("%w: %q has %d digits; E.164 numbers have 8 to 15", ErrInvalidNumber, in, len(d))
	}
	if d[0] == '0' {
		return "", fmt.Errorf("%w: %q: a country code does not start with 0", ErrInvalidNumber, in)
	}
	if d[0] == '1' {
		if len(d) != 11 {
			return "", fmt.Errorf("%w: %q: a +1 number has 10 digits after the 1", ErrInvalidNumber, in)
		}
		if d[1] == '0' || d[1] == '1' {
			return "", fmt.Errorf("%w: %q: a US area code does not start with 0 or 1", ErrInvalidNumber, in)
		}
	}
	return Number("+" + d), nil
}
