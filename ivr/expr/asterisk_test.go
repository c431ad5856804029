package expr

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// TestEvalAsterisk checks behaviour read off main/ast_expr2.y and
// ast_expr2.fl, including the corners where Asterisk surprises: quoted
// strings keep their quotes, -0 prints as "-0", division by zero gives
// INT_MAX, regular expressions must be quoted to survive the lexer.
func TestEvalAsterisk(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        error
	}{
		// From Asterisk's utils/expr2.testinput.
		{"testinput spaces", "      2     +       2            ", "4", nil},
		{"testinput negatives", "-4 - -2", "-2", nil},
		{"testinput ternary after sum", "4 + (2 * 8) ? 3 :: 6", "3", nil},
		{"testinput eight thirds", "4 + 8 / 3", "6.66666666666666667", nil},
		{"testinput mod binds tighter", "4 + 9 % 3", "4", nil},
		{"testinput mod no space", "(4+9) %3", "1", nil},
		{"testinput and", "4 & 4", "4", nil},
		{"testinput or", "2 | 4", "2", nil},
		{"testinput not or", "!4 | !0", "1", nil},
		{"testinput compare and", "4 > 3 & 3 < 4", "1", nil},
		{"testinput text ne", "x != y", "1", nil},
		{"testinput eqtilde word", `"Something interesting" =~ interesting`, "11", nil},
		{"testinput colon word", `"Something interesting" : Something`, "9", nil},
		{"testinput colon not at start", `"Something interesting" : interesting`, "0", nil},
		{"testinput grammar parens", `"Something interesting" =~ (interesting)`, "11", nil},
		{"testinput escaped parens literal", `"Something interesting" =~ "\(interesting\)"`, "0", nil},
		{"testinput group", `"Something interesting" =~ "(interesting)"`, "interesting", nil},
		{"testinput anchored group miss", `"Something interesting" : "(interesting)"`, "", nil},
		{"testinput dialled digits", `"011043567857575" : "011(..)"`, "04", nil},
		{"testinput dialled digits unanchored", `"9011043567857575" =~ "011(..)"`, "04", nil},
		{"testinput leading zero kept", "043", "043", nil},

		// Numbers and %.18Lg formatting of the long double.
		{"one third", "1 / 3", "0.333333333333333333", nil},
		{"ten thirds", "10 / 3", "3.33333333333333333", nil},
		{"two thirds times three", "2 / 3 * 3", "2", nil},
		{"decimal sum", "0.1 + 0.2", "0.3", nil},
		{"small uses exponent", "0.00001 * 1", "1e-05", nil},
		{"1e-4 is plain", "0.0001 * 1", "0.0001", nil},
		{"18 digits plain", "999999999999999999 * 1", "999999999999999999", nil},
		{"1e18 has exponent", "1000000000000000000 * 1", "1e+18", nil},
		{"int64 overflow goes on in long double", "9223372036854775807 + 1", "9.22337203685477581e+18", nil},
		{"int64 min minus one", "-9223372036854775808 - 1", "-9.22337203685477581e+18", nil},
		{"product beyond int64", "3 * 3000000000000000000", "9e+18", nil},
		{"literal keeps its text", "123456789012345678901234567890", "123456789012345678901234567890", nil},
		{"leading zeros kept until used", "007", "007", nil},
		{"negative zero", "-0", "-0", nil},
		{"zero times negative", "0 * -1", "-0", nil},
		{"zero over negative", "0 / -5", "-0", nil},
		{"fmod keeps sign of dividend", "-4 % 2", "-0", nil},
		{"fmod fraction", "5.5 % 2", "1.5", nil},
		{"fmod negative fraction", "-5.5 % 2", "-1.5", nil},
		{"fmod negative divisor", "7 % -3", "1", nil},
		{"x minus x is +0", "-5 + 5", "0", nil},
		{"division non-numeric divisor", "1 / abc", "2147483647", nil},
		{"division non-numeric dividend", "abc / 2", "0", nil},
		{"modulo by negative zero", "5 % -0", "-0", nil},
		{"dot number is a word", ".5 + 1", "1", nil},
		{"trailing dot is a word", "1. + 1", "1", nil},
		{"two dots is a word", "1.2.3 + 1", "1", nil},
		{"huge literal overflows strtold", strings.Repeat("9", 5000) + " + 1", "1", nil},
		{"long fraction rounds once", "0.33333333333333333333333333333333 * 3", "1", nil},

		// Unary operators.
		{"minus binds tighter than times", "2 * -3", "-6", nil},
		{"minus minus", "1 - -1", "2", nil},
		{"minus over regex", "- 5 : 5", "-1", nil},
		{"not of big atoi truncates to int", "!4294967296", "1", nil},
		{"not of 00", "!00", "1", nil},
		{"not of 0.5 uses atoi", "!0.5", "1", nil},
		{"not of quoted number", `!"5"`, "1", nil},
		{"not of 2abc", "!2abc", "0", nil},
		{"not of computed zero", "!(1 - 1)", "1", nil},

		// | and & return operands, converted by is_zero_or_null.
		{"or converts numeric left", "007 | x", "7", nil},
		{"or keeps right text", "0 | 007", "007", nil},
		{"and converts numeric left", "007 & 1", "7", nil},
		{"and empty quoted is not null", `"" & 1`, `""`, nil},
		{"or chain", "0 | 0 | c", "c", nil},
		{"and binds tighter than or", "0 | 1 & 2", "1", nil},
		{"or of zero float", "0.0 | b", "b", nil},

		// Comparisons.
		{"numeric strings compare as numbers", "10 > 9", "1", nil},
		{"mixed compares as text", "10 > 9a", "0", nil},
		{"computed number against text", "(1 + 1) = 2x", "0", nil},
		{"computed number formatted", "(10 / 4) = 2.5", "1", nil},
		{"computed number text compare", `(10 / 4) = "2.5"`, "0", nil},
		{"le chain left assoc", "3 <= 2 <= 0", "1", nil},
		{"eq chain left assoc", "2 = 2 = 1", "1", nil},
		{"bytes compare", "B < a", "1", nil},

		// Ternary.
		{"ternary nested in middle", "1 ? 2 ? 3 :: 4 :: 5", "3", nil},
		{"ternary left assoc chain", "0 ? a :: 1 ? b :: c", "b", nil},
		{"ternary quoted zero is true", `"0" ? a :: b`, "a", nil},
		{"ternary numeric zero string", "00 ? a :: b", "b", nil},
		{"ternary arm with or", "1 ? 0 | x :: y", "x", nil},
		{"ternary in parens", "(0 ? a :: b) ~~ c", "bc", nil},

		// Regular expressions.
		{"colon newline dot", "\"a\nb\" : \"a.b\"", "3", nil},
		{"colon dollar is end of text", "\"ab\n\" : \"ab$\"", "0", nil},
		{"backslash literal in bracket", `\ : "[\d]"`, "1", nil},
		{"bracket d is not digit", `x : "[\d]"`, "0", nil},
		{"escaped parens are literal in ERE", `"foo(1)" : "foo\(([0-9]*)\)"`, "1", nil},
		{"escaped parens no group", `foo123 : "foo\([0-9]*\)"`, "0", nil},
		{"gnu word escape", `abc : "\w+"`, "3", nil},
		{"posix class", `abc1 : "[[:alpha:]]*"`, "3", nil},
		{"bracket leading close", `"]a" : "[]a]+"`, "2", nil},
		{"unmatched close paren literal", `"a)" : "a)"`, "2", nil},
		{"back-reference unsupported", `aa : "(a)\1"`, "", nil},
		{"trailing backslash", `a : "a\"`, "", nil},
		{"leftmost longest", `abcd : "(a|ab)(c|bcd)"`, "a", nil},
		{"longest overall", `xyz =~ "x*|xyz"`, "3", nil},
		{"group not taken gives length", `b =~ "(a)|b"`, "1", nil},
		{"match not at start", `ab : "b"`, "0", nil},
		{"number subject", "(100 + 23) : 12", "2", nil},
		{"capture numeric usable", `abc42 =~ "([0-9]+)" + 1`, "43", nil},
		{"unquoted bracket pattern is mangled", "123abc : [0-9]+", "0", ErrSyntax},
		{"empty pattern", `abc : ""`, "0", nil},
		{"eqtilde anchor", `abc =~ "^b"`, "0", nil},

		// Concatenation.
		{"concat numbers", "1 ~~ 2", "12", nil},
		{"concat numeric result", "1 ~~ 2 + 1", "13", nil},
		{"concat formats numbers", "(1 / 4) ~~ x", "0.25x", nil},

		// Math functions.
		{"sqrt long double", "SQRT(2)", "1.41421356237309505", nil},
		{"sqrt of negative zero", "SQRT(-0)", "-0", nil},
		{"log of zero", "LOG(0)", "-inf", nil},
		{"log of negative", "LOG(-1)", "-nan", nil},
		{"nan propagates", "SQRT(-1) + 1", "-nan", nil},
		{"nan unequal to itself", "SQRT(-1) = SQRT(-1)", "0", nil},
		{"nan ne", "SQRT(-1) != 1", "1", nil},
		{"negated nan", "-SQRT(-1)", "nan", nil},
		{"nan is true", "SQRT(-1) ? a :: b", "a", nil},
		{"pow exact", "POW(2,100)", "1.2676506002282294e+30", nil},
		{"pow negative exponent", "POW(2,-2)", "0.25", nil},
		{"pow overflow", "POW(10,5000)", "inf", nil},
		{"pow huge but finite", "POW(2,9000) > 0", "1", nil},
		{"pow fraction", "POW(4,0.5)", "2", nil},
		{"exp10", "EXP10(20)", "1e+20", nil},
		{"exp10 negative", "EXP10(-3)", "0.001", nil},
		{"exp2", "EXP2(10)", "1024", nil},
		{"exp beyond double", "EXP(1000) > 1", "1", nil},
		{"log10", "LOG10(1000)", "3", nil},
		{"log2", "LOG2(1024)", "10", nil},
		{"floor negative", "FLOOR(-2.5)", "-3", nil},
		{"ceil to negative zero", "CEIL(-0.5)", "-0", nil},
		{"round half away", "ROUND(-2.5)", "-3", nil},
		{"rint half even up", "RINT(3.5)", "4", nil},
		{"rint negative half", "RINT(-0.5)", "-0", nil},
		{"trunc", "TRUNC(2.7)", "2", nil},
		{"remainder rounds quotient", "REMAINDER(7,2)", "-1", nil},
		{"remainder", "REMAINDER(5,3)", "-1", nil},
		{"remainder negative zero", "REMAINDER(-4,2)", "-0", nil},
		{"remainder by zero", "REMAINDER(1,0)", "-nan", nil},
		{"abs keeps negative zero", "ABS(-0)", "-0", nil},
		{"abs of int64 min", "ABS(-9223372036854775808)", "9.22337203685477581e+18", nil},
		{"cos", "COS(0)", "1", nil},
		{"atan2", "ATAN2(0,1)", "0", nil},
		{"wrong arity", "SQRT(1,2)", "0", nil},
		{"empty second argument", "POW(2,)", "1", nil},
		{"quoted argument reads as 0", `SQRT("4")`, "0", nil},
		{"function name needs capitals", "Sqrt(4)", "0", nil},
		{"function without callback", "LEN(abc)", "0", nil},
		{"number as function name", "5(3)", "0", nil},

		// Lexer corners.
		{"operators without spaces", "1+2*3-4/2", "5", nil},
		{"double-char operators", "1==1&&2!=3||0", "1", nil},
		{"triple colon", "1 ? a :::b", "", ErrSyntax},
		{"single tilde skipped", "1 ~ + 2", "3", nil},
		{"unterminated quote skipped", `"abc`, "abc", nil},
		{"quoted operators are text", `"1 + 2"`, `"1 + 2"`, nil},
		{"dollar pair is a word", "$+ = $+", "1", nil},
		{"braces skipped", "{1} + 1", "2", nil},
		{"number before reference", "12${X} = 12${X}", "1", nil},
		{"unterminated reference ends input", "1 ${abc + 2", "1", nil},
		{"reference trail stops at operator", "${A}x+1", "1", nil},
		{"NUL ends the C string", "1 + 1\x00 + 5", "2", nil},
		{"high bytes are word bytes", "\xff\xfe = \xff\xfe", "1", nil},
		{"newline is blank", "1\n+\n1", "2", nil},

		// Syntax errors yield "0".
		{"empty parens", "()", "0", ErrSyntax},
		{"no arguments", "F()", "0", ErrSyntax},
		{"leading empty argument", "F(,1)", "0", ErrSyntax},
		{"comma outside call", "1 , 2", "0", ErrSyntax},
		{"colons without cond", "1 :: 2", "0", ErrSyntax},
		{"cond without colons", "1 ? 2", "0", ErrSyntax},
		{"dangling operator", "1 *", "0", ErrSyntax},
		{"two values", "a b", "0", ErrSyntax},
		{"unclosed paren", "(1 + 2", "0", ErrSyntax},
		{"extra paren", "1 + 2)", "0", ErrSyntax},
		{"only operator", "+", "0", ErrSyntax},
		{"deep parens", strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300), "0", ErrTooDeep},
		{"deep ternary", strings.Repeat("1 ? ", 300) + "1" + strings.Repeat(" :: 0", 300), "0", ErrTooDeep},
		{"deep negation", strings.Repeat("-", 300) + "1", "0", ErrTooDeep},
		{"deep calls", strings.Repeat("ABS(", 300) + "1" + strings.Repeat(")", 300), "0", ErrTooDeep},
		{"nesting within limit", strings.Repeat("(", 200) + "1" + strings.Repeat(")", 200), "1", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Eval(tc.in)
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("Eval(%q) error = %v, want %v", tc.in, err, tc.wantErr)
			}
			if tc.wantErr != nil && tc.want == "" {
				return
			}
			if got != tc.want {
				t.Fatalf("Eval(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestEvalCallback(t *testing.T) {
	type call struct{ name, args string }
	var calls []call
	funcs := map[string]string{
		"LEN":    "5",
		"FRAC":   "0.1",
		"NEG":    " -2.5",
		"EMPTY":  "",
		"DASH":   "-",
		"WORD":   "hello",
		"DIGITS": "1.2.3",
		"HUGE":   "1" + strings.Repeat("0", 5000),
		"LONG":   strings.Repeat("x", 600),
	}
	fn := WithFunc(func(name, args string) (string, bool, error) {
		calls = append(calls, call{name, args})
		if name == "FAIL" {
			return "7", true, errors.New("boom")
		}
		v, ok := funcs[name]
		return v, ok, nil
	})
	tests := []struct {
		in, want string
		calls    []call
	}{
		{"LEN(hello) > 3", "1", []call{{"LEN", "hello"}}},
		{"FRAC() + 0", "", nil}, // syntax error: no argument
		{"FRAC(x) + 0", "0.1", []call{{"FRAC", "x"}}},
		{"FRAC(x)", "0.1", []call{{"FRAC", "x"}}},
		{"NEG(x) * 2", "-5", []call{{"NEG", "x"}}},
		{"EMPTY(x)", "0", []call{{"EMPTY", "x"}}},
		{"DASH(x)", "0", []call{{"DASH", "x"}}},
		{"WORD(x) = hello", "1", []call{{"WORD", "x"}}},
		{"DIGITS(x) + 1", "2.2", []call{{"DIGITS", "x"}}},
		{"HUGE(x)", "1e+510", []call{{"HUGE", "x"}}}, // cut to the 512-byte workspace
		{"LEN(LONG(x))", "5", []call{{"LONG", "x"}, {"LEN", strings.Repeat("x", 511)}}},
		{"LEN(1 / 4, 2 + 3, \"q\", , x)", "5", []call{{"LEN", `0.25,5,"q",,x`}}},
		{"LEN(a,,b,)", "5", []call{{"LEN", "a,,b,"}}},
		{"FAIL(x) + 1", "8", []call{{"FAIL", "x"}}},
		{"MISSING(1)", "0", []call{{"MISSING", "1"}}},
		{"SQRT(16)", "4", nil},
		{"len(x)", "0", nil},
		{"0 ? LEN(a) :: WORD(b)", "hello", []call{{"LEN", "a"}, {"WORD", "b"}}},
	}
	for _, tc := range tests {
		calls = nil
		var warnings []string
		got, err := Eval(tc.in, fn, WithWarning(func(m string) { warnings = append(warnings, m) }))
		if tc.want == "" {
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("Eval(%q) = %q, %v; want a syntax error", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Eval(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if len(calls) != len(tc.calls) {
			t.Errorf("Eval(%q) calls %v, want %v", tc.in, calls, tc.calls)
			continue
		}
		for i := range calls {
			if calls[i] != tc.calls[i] {
				t.Errorf("Eval(%q) call %d = %v, want %v", tc.in, i, calls[i], tc.calls[i])
			}
		}
		if strings.HasPrefix(tc.in, "FAIL") && (len(warnings) != 1 || !strings.Contains(warnings[0], "boom")) {
			t.Errorf("Eval(%q) warnings %q, want the callback's error", tc.in, warnings)
		}
	}
}

func TestEvalNilOption(t *testing.T) {
	if got, err := Eval("1 + 1", nil); err != nil || got != "2" {
		t.Fatalf("Eval with nil option = %q, %v", got, err)
	}
}

func TestTranslateERE(t *testing.T) {
	tests := []struct{ in, want string }{
		{`a.b`, `(?s)a.b`},
		{`[\d]`, `(?s)[\\d]`},
		{`[]a-]`, `(?s)[\]a-]`},
		{`[^[:digit:]x]`, `(?s)[^[:digit:]x]`},
		{`[[=a=][.-.]]`, `(?s)[a\-]`},
		{`a)`, `(?s)a\)`},
		{`(a)`, `(?s)(a)`},
		{`\.\*\n`, `(?s)\.\*n`},
		{`\s\S\<`, `(?s)[[:space:]][^[:space:]]\b`},
		{"[\t]", `(?s)[\x{09}]`},
		{`a{,2}b{1,}`, `(?s)a{0,2}b{1,}`},
	}
	for _, tc := range tests {
		got, err := translateERE(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("translateERE(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{`a\`, `(a)\1`, `[a`, `[[:nope:]]`, `(*a)`, `[[.ab.]]`} {
		if got, err := translateERE(bad); err == nil {
			t.Errorf("translateERE(%q) = %q, want an error", bad, got)
		}
	}
}

// BenchmarkEval is a typical menu check after substitution:
// $[${DIGIT} >= 1 & ${DIGIT} <= 3].
func BenchmarkEval(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if v, err := Eval("2 >= 1 & 2 <= 3"); err != nil || v != "1" {
			b.Fatal(v, err)
		}
	}
}

func BenchmarkEvalDivision(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if v, _ := Eval("10 / 3"); v != "3.33333333333333333" {
			b.Fatal(v)
		}
	}
}

func BenchmarkEvalRegex(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if v, _ := Eval(`"5551234" : "555([0-9]+)"`); v != "1234" {
			b.Fatal(v)
		}
	}
}

func BenchmarkEvalWithFunc(b *testing.B) {
	b.ReportAllocs()
	fn := WithFunc(func(name, args string) (string, bool, error) { return "3", true, nil })
	for b.Loop() {
		if v, _ := Eval("LEN(abc) > 2", fn); v != "1" {
			b.Fatal(v)
		}
	}
}

func TestEvalConcurrent(t *testing.T) {
	done := make(chan struct{})
	for g := 0; g < 8; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 200; i++ {
				if v, err := Eval(`"5551234" : "555([0-9]+)" + 10 / 4`); err != nil || v != "1236.5" {
					t.Errorf("got %q, %v", v, err)
					return
				}
			}
		}()
	}
	for g := 0; g < 8; g++ {
		<-done
	}
}

// TestTranscendental checks the 128-bit functions against float64 (to
// float64's precision) and against values of the long double functions.
func TestTranscendental(t *testing.T) {
	args := []float64{-1e6, -100.5, -3, -1, -0.7, -0.25, -1e-9, 1e-9, 0.1, 0.5, 0.7853981633974483, 1, 1.5, 2, 3.14159, 10, 123.456, 1e6, 1e15}
	type f1 struct {
		name string
		f    func(float64) float64
	}
	fns := []f1{{"SIN", math.Sin}, {"COS", math.Cos}, {"TAN", math.Tan}, {"ATAN", math.Atan}, {"ASIN", math.Asin},
		{"ACOS", math.Acos}, {"EXP", math.Exp}, {"LOG", math.Log}, {"LOG2", math.Log2}, {"LOG10", math.Log10},
		{"EXP2", math.Exp2}, {"EXP10", func(x float64) float64 { return math.Pow(10, x) }}}
	for _, fn := range fns {
		for _, a := range args {
			want := fn.f(a)
			got := math1(fn.name, fromFloat64(a)).float64()
			tol := 4e-16 // float64's functions are within an ulp or two
			if fn.name == "EXP10" {
				tol = 2e-15 // math.Pow(10, x) is less accurate
			}
			if math.IsNaN(want) != math.IsNaN(got) || math.Abs(got-want) > tol*math.Max(1, math.Abs(want)) && !(math.IsInf(want, 0) && got == want) {
				if !(math.IsInf(want, 1) && got > 1e300) && !(want == 0 && math.Abs(got) < 1e-300) {
					t.Errorf("%s(%g) = %g, float64 says %g", fn.name, a, got, want)
				}
			}
		}
	}
	for _, a := range args {
		for _, b := range args {
			if w, g := math.Atan2(a, b), math2("ATAN2", fromFloat64(a), fromFloat64(b)).float64(); math.Abs(g-w) > 4e-16*math.Max(1, math.Abs(w)) {
				t.Errorf("ATAN2(%g, %g) = %g, float64 says %g", a, b, g, w)
			}
			if a > 0 && math.Abs(b) < 100 {
				if w, g := math.Pow(a, b), math2("POW", fromFloat64(a), fromFloat64(b)).float64(); math.Abs(g-w) > 1e-14*math.Max(1, math.Abs(w)) && !math.IsInf(w, 0) {
					t.Errorf("POW(%g, %g) = %g, float64 says %g", a, b, g, w)
				}
			}
		}
	}
	// Long double values (glibc sinl, expl, logl, atanl printed with %.18Lg).
	for in, want := range map[string]string{
		"SIN(1)":      "0.841470984807896507",
		"COS(1)":      "0.540302305868139717",
		"EXP(1)":      "2.71828182845904524",
		"LOG(10)":     "2.30258509299404568",
		"ATAN(1) * 4": "3.14159265358979324",
		"ACOS(-1)":    "3.14159265358979324",
		"ATAN2(1, 0)": "1.57079632679489662",
		"POW(2, 0.5)": "1.41421356237309505",
		"LOG10(2)":    "0.301029995663981195",
		"EXP(1000) > POW(10, 434) & EXP(1000) < POW(10, 435)": "1",
		"EXP10(123.456)": "2.85759054337494687e+123",
	} {
		if got, err := Eval(in); err != nil || got != want {
			t.Errorf("Eval(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
