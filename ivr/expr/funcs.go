package expr

import (
	"math"
	"regexp"
	"strings"
	"sync"
)

const maxCachedRegex = 256

// regexCache keeps compiled patterns: dialplans match the same few
// patterns on every call.
var regexCache = struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}{m: map[string]*regexp.Regexp{}}

var math1 = map[string]func(float64) float64{
	"COS": math.Cos, "SIN": math.Sin, "TAN": math.Tan, "ACOS": math.Acos, "ASIN": math.Asin,
	"ATAN": math.Atan, "SQRT": math.Sqrt, "FLOOR": math.Floor, "CEIL": math.Ceil,
	"ROUND": math.Round, "RINT": math.RoundToEven, "TRUNC": math.Trunc, "EXP": math.Exp,
	"EXP2": math.Exp2, "EXP10": func(x float64) float64 { return math.Pow(10, x) },
	"LOG": math.Log, "LOG2": math.Log2, "LOG10": math.Log10, "ABS": math.Abs,
}

var math2 = map[string]func(float64, float64) float64{
	"ATAN2": math.Atan2, "POW": math.Pow, "REMAINDER": math.Remainder,
}

// IsMathFunction reports whether name is one of the math functions the
// expression language provides itself (COS … ABS), not a dialplan function.
func IsMathFunction(name string) bool {
	_, ok1 := math1[name]
	_, ok2 := math2[name]
	return ok1 || ok2
}

// call is op_func: a math function, or a dialplan function through the
// WithFunc callback.
func (p *parser) call(name value, args []value) (value, error) {
	fn := name.String()
	for i := 0; i < len(fn); i++ {
		c := fn[i]
		if !(c >= 'A' && c <= 'Z' || c == '_' || isDigit(c)) {
			p.warnf("%q is not possibly a function name", fn)
			return intNumber(0), nil
		}
	}
	if f, ok := math1[fn]; ok {
		if len(args) != 1 {
			p.warnf("wrong args to %s() function", fn)
			return intNumber(0), nil
		}
		return floatNumber(f(toFloat(args[0]))), nil
	}
	if f, ok := math2[fn]; ok {
		if len(args) != 2 {
			p.warnf("wrong args to %s() function", fn)
			return intNumber(0), nil
		}
		return floatNumber(f(toFloat(args[0]), toFloat(args[1]))), nil
	}
	if p.opts.fn == nil {
		p.warnf("%s doesn't appear to be an available function", fn)
		return intNumber(0), nil
	}
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.String()
	}
	out, ok, err := p.opts.fn(fn, strings.Join(parts, ","))
	if err != nil {
		p.warnf("%s(): %v", fn, err)
	}
	if !ok {
		p.warnf("%s doesn't appear to be an available function", fn)
		return intNumber(0), nil
	}
	if isReallyNum(out) {
		return number(newFloat().SetFloat64(strtod(out))), nil
	}
	return makeStr(out), nil
}

// toFloat is to_number followed by reading u.i: a string that is not a
// number reads as 0.
func toFloat(v value) float64 {
	if !v.toNumber() {
		return 0
	}
	f, _ := v.n.Float64()
	return f
}

// isReallyNum is is_really_num: only "-0123456789. \t" characters.
func isReallyNum(s string) bool {
	return strings.Trim(s, "-0123456789. \t") == ""
}

// strtod reads the longest numeric prefix of s as C's strtod does for the
// characters isReallyNum allows.
func strtod(s string) float64 {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	neg := false
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	v := numericString(s[i:])
	f := toFloat(v)
	if neg {
		f = -f
	}
	return f
}
