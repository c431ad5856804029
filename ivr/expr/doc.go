// Package expr evaluates Asterisk's dialplan expressions, the text inside
// `$[ ... ]`, exactly as main/ast_expr2.y and ast_expr2.fl do.
//
// The caller substitutes ${...} references first; Eval gets the text and
// returns the result as text.
//
// Operators, lowest precedence first (all left-associative except the
// unary ones):
//
//	a ? b :: c      b when a is true (a non-empty string other than "" and
//	                0, or a non-zero number), else c
//	a | b           a unless a is empty or zero, else b      (also ||)
//	a & b           a when neither is empty or zero, else 0  (also &&)
//	= != < > <= >=  1 or 0; numeric when both sides are numbers, else
//	                text comparison (also ==)
//	+ -             numeric; a side that is not a number is ignored
//	* / %           numeric; division by zero gives 2147483647
//	! -a            logical not, negation
//	a : re          anchored POSIX extended regex; the first group's text,
//	                or the length of the match
//	a =~ re         the same, unanchored
//	a ~~ b          concatenation
//	( )  F(args)    grouping; math functions COS SIN TAN ACOS ASIN ATAN
//	                ATAN2 POW SQRT FLOOR CEIL ROUND RINT TRUNC EXP EXP2
//	                EXP10 LOG LOG2 LOG10 REMAINDER ABS, and dialplan
//	                functions through WithFunc
//
// Values are text, text made of digits (a number when an operator needs
// one) or numbers. Quoted strings keep their quotes (`"5" < "10"` compares
// text), except as operands of `:`, `=~` and `~~`, which strip them.
// Numbers are computed with the 64-bit mantissa of the C long double
// Asterisk uses on x86 and printed with "%.18Lg", so 10 / 3 is
// 3.33333333333333333 as on Asterisk.
//
// Differences: regular expressions are Go's RE2 in POSIX mode
// (leftmost-longest), without back-references; characters no lexer rule
// matches are skipped silently where flex echoes them to stdout.
package expr
