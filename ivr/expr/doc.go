// Package expr evaluates Asterisk's dialplan expressions, the text inside
// `$[ ... ]`, as main/ast_expr2.y and main/ast_expr2.fl do.
//
// The caller substitutes ${...} references first; Eval gets the text and
// returns the result as text. Dialplan functions called inside the
// expression (`LEN(abc) > 2`) go to the WithFunc callback; the warnings
// Asterisk logs go to WithWarning.
//
// # Syntax
//
// Operators, lowest precedence first; all binary operators are left
// associative (`0 ? a :: 1 ? b :: c` is `(0 ? a :: 1) ? b :: c`):
//
//	a ? b :: c      b when a is true, else c. A string is true unless it
//	                is empty, `""` or 0; a number unless it is zero. Both
//	                b and c are evaluated (functions in both are called).
//	a | b   a || b  a unless a is empty or zero, else b
//	a & b   a && b  a when neither is empty or zero, else 0
//	a = b   a == b  1 or 0, and likewise != < > <= >=: numeric when both
//	                sides are numbers, else a byte-wise text comparison
//	a + b   a - b   numeric; a side that is not a number is dropped
//	                ("abc + 2" is 2, "abc - 2" is -2)
//	a * b           numeric; 0 if a side is not a number
//	a / b           numeric; 2147483647 (INT_MAX) when b is 0 or not a number
//	a % b           fmodl; b when b is 0
//	-a   !a         negation (0 for text); logical not: 1 for 0, "" and
//	                text atoi reads as 0 ("!abc" is 1)
//	a : re          re (POSIX extended) matched at the start of a: the first
//	                group's text if re has a group ("" when no match), else
//	                the length of the match (0 when none)
//	a =~ re         the same, anywhere in a
//	a ~~ b          concatenation
//	( a )           grouping
//	F(a, b, …)      a function: COS SIN TAN ACOS ASIN ATAN ATAN2 POW SQRT
//	                FLOOR CEIL ROUND RINT TRUNC EXP EXP2 EXP10 LOG LOG2
//	                LOG10 REMAINDER ABS, or a dialplan function through
//	                WithFunc. Names are upper case; an empty argument is ""
//	                ("F(a,,b)"), but the first cannot be empty ("F()" is a
//	                syntax error). Unknown functions give 0.
//
// Tokens: operators need no spaces around them ("1+2"). A word is a run of
// letters, digits, . ' ; \ _ ^ # @, bytes >= 0x80 and `$` followed by
// anything but `{`; a word of the shape 123 or 1.5 is a number. "..." is
// one token and keeps its quotes: `"5" < "10"` compares text and is 0, and
// `$["abc"]` is `"abc"`; only `:`, `=~` and `~~` strip the quotes of their
// operands. Other characters ([ ] { } ~ and unpaired quotes) match no rule
// and are skipped, so a regular expression with brackets must be quoted:
// `${NUM} : "[0-9]+"`. A ${...} reference left in the text is one token up
// to the next operator or blank; one whose braces never close ends the
// expression. A NUL byte ends the expression, as in C.
//
// # Values and numbers
//
// Values are text, text that is a number (kept as written until an
// operator needs the number: `007` is "007" but `007 | x` is 7) and
// numbers. Numbers are the C long double Asterisk computes with on x86: a
// 64-bit mantissa, rounded to nearest even, range about 1e±4932, with -0,
// inf and NaN. They print with "%.18Lg": 10 / 3 is 3.33333333333333333,
// 10 / 4 is 2.5, 10^20 is 1e+20, 0 * -1 is -0, SQRT(-1) is -nan (the
// x86 default NaN is negative) and LOG(0) is -inf.
//
// The math functions are computed to the long double's 64 bits: exactly
// where the result is exact (SQRT, FLOOR, CEIL, ROUND, RINT, TRUNC, ABS,
// POW and REMAINDER of integers, EXP2 and EXP10 of integers, LOG2 and
// LOG10 of powers), the transcendental ones at 128 bits and rounded once,
// so SIN(1) is 0.841470984807896507 and EXP(1) 2.71828182845904524 as
// glibc's sinl and expl print. REMAINDER of non-integers, and SIN, COS
// and TAN of arguments beyond 2^62, go through float64.
//
// # Errors
//
// An expression the grammar rejects gives "0", the value ast_expr
// substitutes, with an error wrapping ErrSyntax; more than MaxDepth nested
// parentheses, unary operators, function calls or ternary middles give "0"
// and ErrTooDeep, where Asterisk's parser runs out of stack later. An empty
// expression gives "". Division by zero, non-numeric operands, bad
// regular expressions and errors from the WithFunc callback are warnings:
// the evaluation goes on as in Asterisk.
//
// # Differences from Asterisk
//
//   - Regular expressions are glibc's POSIX extended dialect translated to
//     Go's RE2 with leftmost-longest matching (see regex.go):
//     back-references, "a**" and repetitions over 1000 fail to compile and
//     give "" like a regcomp error; RE2 matches UTF-8 characters where
//     glibc in the C locale matches bytes; among several leftmost-longest
//     matches the group boundaries may differ.
//   - A ${...} reference ended by an operator is the reference alone;
//     flex's unput in the trail state makes it the whole rest of the input.
//   - A numeric string too large for strtold (over 4932 digits) becomes ""
//     where Asterisk keeps a freed pointer.
//   - Text compares byte-wise, as strcoll in the C locale.
//   - Characters flex echoes to stdout are skipped silently.
package expr
