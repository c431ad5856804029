package expr

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestEval(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"blank", "   ", ""},
		{"number", "42", "42"},
		{"string", "abc", "abc"},
		{"quoted keeps quotes", `"abc"`, `"abc"`},
		{"plus", "1 + 2", "3"},
		{"no spaces", "1+2", "3"},
		{"precedence mul over add", "2 * 3 + 1", "7"},
		{"precedence add over mul right", "1 + 2 * 3", "7"},
		{"parens", "(1 + 2) * 3", "9"},
		{"left assoc minus", "10 - 3 - 2", "5"},
		{"left assoc div", "100 / 10 / 5", "2"},
		{"division long double", "10 / 3", "3.33333333333333333"},
		{"exact division", "10 / 2", "5"},
		{"float add", "2.5 + 2.5", "5"},
		{"float mul", "1.5 * 2", "3"},
		{"float result", "1.5 + 1", "2.5"},
		{"modulo", "3 % 2", "1"},
		{"modulo negative", "0 - 7 % 3", "-1"},
		{"unary minus", "-5 + 2", "-3"},
		{"double unary", "- -5", "5"},
		{"unary minus of string", "-abc", "0"},
		{"division by zero", "1 / 0", "2147483647"},
		{"modulo by zero", "5 % 0", "0"},
		{"plus non-numeric left", "abc + 2", "2"},
		{"plus non-numeric right", "2 + abc", "2"},
		{"minus non-numeric left", "abc - 2", "-2"},
		{"times non-numeric", "abc * 2", "0"},
		{"eq strings", "abc = abc", "1"},
		{"eq quoted", `"abc" = "abc"`, "1"},
		{"eq quoted vs bare", `"abc" = abc`, "0"},
		{"empty quoted equal", `"" = ""`, "1"},
		{"double equals", "1 == 1", "1"},
		{"ne", "1 != 2", "1"},
		{"numeric compare", "5 < 10", "1"},
		{"numeric compare floats", "2.5 > 2.25", "1"},
		{"numeric equal forms", "1.0 = 1", "1"},
		{"quoted numbers compare as text", `"5" < "10"`, "0"},
		{"string compare", "abc < abd", "1"},
		{"ge le", "3 >= 3 & 3 <= 3", "1"},
		{"gt false", "5 > 10", "0"},
		{"menu range", "2 >= 1 & 2 <= 3", "1"},
		{"menu range out", "7 >= 1 & 7 <= 3", "0"},
		{"or first true", "5 | 0", "5"},
		{"or first false", "0 | x", "x"},
		{"or empty", `"" | b`, `""`},
		{"and true returns left", "a & b", "a"},
		{"and false", "a & 0", "0"},
		{"and double", "1 && 2", "1"},
		{"compare binds tighter than or", "1 = 2 | 3 = 3", "1"},
		{"compl zero", "!0", "1"},
		{"compl one", "!1", "0"},
		{"compl string", "!abc", "1"},
		{"compl numeric string", "!5", "0"},
		{"ternary true", "1 ? yes :: no", "yes"},
		{"ternary false", "0 ? yes :: no", "no"},
		{"ternary empty quoted", `"" ? a :: b`, "b"},
		{"ternary string", "abc ? a :: b", "a"},
		{"ternary string zero", `0 ? a :: b`, "b"},
		{"ternary lowest precedence", "1 = 1 ? a :: b", "a"},
		{"ternary left assoc", "0 ? a :: 1 ? b :: c", "b"},
		{"ternary nested middle", "1 ? 0 ? x :: y :: z", "y"},
		{"ternary arithmetic arms", "1 ? 2 + 3 :: 4", "5"},
		{"colon length", `123abc : "[0-9]+"`, "3"},
		{"colon anchored", `abc123 : "[0-9]+"`, "0"},
		{"colon group", `foo123 : "foo([0-9]+)"`, "123"},
		{"colon group no match", `bar : "foo(.*)"`, ""},
		{"colon binds tighter than plus", "1 + abc : ab", "3"},
		{"colon binds tighter than unary", `!abc : "x"`, "1"},
		{"unmatched brackets skipped", "abc : [ab]", "2"},
		{"colon quoted", `"a b c" : "a b"`, "3"},
		{"eqtilde unanchored", `abc123 =~ "[0-9]+"`, "3"},
		{"eqtilde group", `abc123 =~ "([0-9]+)"`, "123"},
		{"eqtilde no match", `abc =~ "[0-9]"`, "0"},
		{"bad regex", `abc : "("`, ""},
		{"concat", "abc ~~ def", "abcdef"},
		{"concat quoted", `"a b" ~~ "c"`, "a bc"},
		{"sqrt", "SQRT(16)", "4"},
		{"floor", "FLOOR(2.5)", "2"},
		{"ceil", "CEIL(2.1)", "3"},
		{"round half away", "ROUND(2.5)", "3"},
		{"rint half even", "RINT(2.5)", "2"},
		{"trunc", "TRUNC(-2.7)", "-2"},
		{"abs", "ABS(-7)", "7"},
		{"pow", "POW(2,10)", "1024"},
		{"math in arithmetic", "SQRT(9) + 1", "4"},
		{"sqrt negative", "SQRT(-1)", "-nan"},
		{"unknown function", "NOPE(1)", "0"},
		{"lower-case is not a function", "len(1)", "0"},
		{"large number", "100000000000000000000 * 1", "1e+20"},
		{"big integer", "999999999 * 1000", "999999999000"},
		{"trailing dot word", "2. + 1", "1"},
		{"dollar word", "$a = $a", "1"},
		{"unmatched chars skipped", "[5] + 1", "6"},
		{"variable reference token", "${X}abc = ${X}abc", "1"},
		{"utf8 string", "é = é", "1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Eval(tc.in)
			if err != nil {
				t.Fatalf("Eval(%q) error %v", tc.in, err)
			}
			if got != tc.want {
				t.Fatalf("Eval(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestEvalSyntaxErrors(t *testing.T) {
	for _, in := range []string{"= 1", "1 +", "(1", "1)", "1 ? 2", "1 2", "1 , 2", "F(1", "!", "::", "F()", "|| 1"} {
		t.Run(in, func(t *testing.T) {
			got, err := Eval(in)
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("Eval(%q) = %q, %v; want ErrSyntax", in, got, err)
			}
			if got != "0" {
				t.Fatalf("Eval(%q) = %q, want \"0\" as ast_expr", in, got)
			}
		})
	}
}

func TestEvalDepthBounded(t *testing.T) {
	deep := strings.Repeat("(", 10000) + "1" + strings.Repeat(")", 10000)
	if _, err := Eval(deep); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("deep parens: %v", err)
	}
	if _, err := Eval(strings.Repeat("!", 10000) + "1"); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("deep unary: %v", err)
	}
	if got, err := Eval(strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100)); err != nil || got != "1" {
		t.Fatalf("100 parens: %q %v", got, err)
	}
}

func TestEvalFunctions(t *testing.T) {
	var gotName, gotArgs string
	fn := WithFunc(func(name, args string) (string, bool, error) {
		gotName, gotArgs = name, args
		switch name {
		case "LEN":
			return "5", true, nil
		case "CUT":
			return "abc", true, nil
		case "EMPTY":
			return "", true, nil
		}
		return "", false, nil
	})
	tests := []struct{ in, want, name, args string }{
		{"LEN(hello) > 3", "1", "LEN", "hello"},
		{"CUT(a,b,1 + 1) = abc", "1", "CUT", "a,b,2"},
		{"CUT(a,) = abc", "1", "CUT", "a,"},
		{"EMPTY(x) + 1", "1", "EMPTY", "x"},
		{"MISSING(1)", "0", "MISSING", "1"},
	}
	for _, tc := range tests {
		got, err := Eval(tc.in, fn)
		if err != nil || got != tc.want || gotName != tc.name || gotArgs != tc.args {
			t.Errorf("Eval(%q) = %q %v, called %s(%s); want %q, %s(%s)", tc.in, got, err, gotName, gotArgs, tc.want, tc.name, tc.args)
		}
	}
}

func TestEvalWarnings(t *testing.T) {
	var warns []string
	w := WithWarning(func(m string) { warns = append(warns, m) })
	if got, _ := Eval("1 / 0", w); got != "2147483647" || len(warns) != 1 || warns[0] != "division by zero" {
		t.Fatalf("got %q warnings %q", got, warns)
	}
}

// FuzzEval checks that no input panics, takes long, or gives a result that
// differs between two runs, and that errors come with "0".
func FuzzEval(f *testing.F) {
	for _, s := range []string{"1 + 2", "a : (b)", `"x" ? 1 :: 2`, "SQRT(4)", "${A}b", "((1))", "1 / 0", "- - 1", "x ~~ y",
		"9999999999999999999999 * 99999999999999999", `abc =~ "([a-c]+)\\1"`, "POW(3, 400) % 7", "EXP10(-4000) / 3",
		"0.5 % 0.25", "F(a,,b)", `"[" : "[[:alpha:]]"`, "REMAINDER(-9223372036854775808, -1)", "LOG(0) - LOG(0)"} {
		f.Add(s)
	}
	fn := WithFunc(func(name, args string) (string, bool, error) {
		switch len(args) % 3 {
		case 0:
			return args, true, nil
		case 1:
			return "-" + args, true, nil
		}
		return "", false, nil
	})
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 4096 {
			return
		}
		start := time.Now()
		got, err := Eval(s, fn)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("Eval(%q) took %v", s, d)
		}
		if err != nil && got != "0" {
			t.Fatalf("Eval(%q) = %q with error %v", s, got, err)
		}
		again, err2 := Eval(s, fn)
		if again != got || (err == nil) != (err2 == nil) {
			t.Fatalf("Eval(%q) = %q, %v then %q, %v", s, got, err, again, err2)
		}
	})
}

func BenchmarkEvalCounter(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if v, _ := Eval("2 + 1"); v != "3" {
			b.Fatal(v)
		}
	}
}

func BenchmarkEvalStringCompare(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if v, _ := Eval(`"BUSY" = "BUSY"`); v != "1" {
			b.Fatal(v)
		}
	}
}
