package expr

import (
	"math"
	"math/big"
	"strings"
)

// mathArity lists the functions op_func computes itself, with their number
// of arguments.
var mathArity = map[string]int{
	"COS": 1, "SIN": 1, "TAN": 1, "ACOS": 1, "ASIN": 1, "ATAN": 1, "ATAN2": 2, "POW": 2,
	"SQRT": 1, "FLOOR": 1, "CEIL": 1, "ROUND": 1, "RINT": 1, "TRUNC": 1, "EXP": 1, "EXP2": 1,
	"EXP10": 1, "LOG": 1, "LOG2": 1, "LOG10": 1, "REMAINDER": 2, "ABS": 1,
}

// IsMathFunction reports whether name is one of the math functions the
// expression language provides itself (COS … ABS), not a dialplan function.
func IsMathFunction(name string) bool {
	_, ok := mathArity[name]
	return ok
}

// funcResultMax is the size of the workspace op_func reads a dialplan
// function into (char workspace[512]).
const funcResultMax = 511

// call is op_func: a math function, or a dialplan function through the
// WithFunc callback. Only names made of A-Z, 0-9 and _ are functions.
func (p *parser) call(fn string, args []value) (value, error) {
	for i := 0; i < len(fn); i++ {
		c := fn[i]
		if !(c >= 'A' && c <= 'Z' || c == '_' || isDigit(c)) {
			p.warnf("Error! '%s' is not possibly a function name!", fn)
			return intNumber(0), nil
		}
	}
	if arity, ok := mathArity[fn]; ok {
		if len(args) != arity {
			p.warnf("Wrong args to %s() function", fn)
			return intNumber(0), nil
		}
		x := args[0].num()
		if arity == 1 {
			return number(math1(fn, x)), nil
		}
		return number(math2(fn, x, args[1].num())), nil
	}
	if p.opts.fn == nil {
		p.warnf("Error! '%s' doesn't appear to be an available function!", fn)
		return intNumber(0), nil
	}
	// compose_func_args: the values joined by commas, numbers as %.18Lg.
	var sb strings.Builder
	for i, a := range args {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(a.String())
	}
	out, ok, err := p.opts.fn(fn, sb.String())
	if err != nil {
		// Asterisk ignores the read callback's result and uses what it
		// left in the buffer.
		p.warnf("%s(): %v", fn, err)
	}
	if !ok {
		p.warnf("Error! '%s' doesn't appear to be an available function!", fn)
		return intNumber(0), nil
	}
	if len(out) > funcResultMax {
		out = out[:funcResultMax]
	}
	if isReallyNum(out) {
		// make_number(strtold(workspace)): "" is 0, "-" is 0, an overflow
		// is inf.
		n, _ := strtold(out, true)
		return number(n), nil
	}
	return makeStr(out), nil
}

// isReallyNum is is_really_num: only "-0123456789. \t" characters (the
// empty string included).
func isReallyNum(s string) bool {
	return strings.Trim(s, "-0123456789. \t") == ""
}

// math1 computes the one-argument functions to the long double's 64 bits:
// exactly where the result is exact (SQRT, FLOOR, CEIL, ROUND, RINT,
// TRUNC, ABS, EXP2 and EXP10 of integers, LOG2 and LOG10 of powers), the
// transcendental ones at 128 bits rounded once (transcend.go).
func math1(fn string, x num) num {
	if x.nan {
		return x
	}
	switch fn {
	case "ABS":
		return x.abs()
	case "SQRT":
		if x.isZero() || x.isInf() && !x.signbit() {
			return x // sqrt(-0) is -0
		}
		if x.signbit() {
			return defaultNaN
		}
		return fromFloat(newFloat().Sqrt(x.big()))
	case "FLOOR", "CEIL", "ROUND", "RINT", "TRUNC":
		if x.isInt() || x.isInf() {
			return x
		}
		return roundFloat(fn, x.f)
	case "EXP2":
		if x.isInt() {
			return pow2(x.i)
		}
		return expScaled(x, func() *big.Float { return consts.ln2 })
	case "EXP10":
		if x.isInt() {
			return pow10(x.i)
		}
		return expScaled(x, func() *big.Float { return consts.ln10 })
	case "LOG2", "LOG10":
		if r, ok := exactLog(fn, x); ok {
			return r
		}
	}
	return transcend(fn, x)
}

// roundFloat rounds a finite non-integral x: floorl, ceill, roundl (half
// away from zero), rintl (half to even) or truncl. A zero result keeps
// the sign of x.
func roundFloat(fn string, x *big.Float) num {
	ti, _ := x.Int(nil) // toward zero
	t := newFloat().SetInt(ti)
	frac := newFloat().Sub(x, t) // exact: the low bits of x
	half := frac.Cmp(big.NewFloat(0.5))
	if x.Signbit() {
		half = -frac.Cmp(big.NewFloat(-0.5))
	}
	up := false // away from zero
	switch fn {
	case "FLOOR":
		up = x.Signbit()
	case "CEIL":
		up = !x.Signbit()
	case "ROUND":
		up = half >= 0
	case "RINT":
		up = half > 0 || half == 0 && ti.Bit(0) == 1
	}
	if up {
		if x.Signbit() {
			ti.Sub(ti, big.NewInt(1))
		} else {
			ti.Add(ti, big.NewInt(1))
		}
	}
	r := newFloat().SetInt(ti)
	if r.Sign() == 0 && x.Signbit() {
		r.Neg(r)
	}
	return fromFloat(r)
}

// pow2 is exp2l of an integer: exact.
func pow2(i int64) num {
	switch {
	case i > maxExp:
		return num{f: newFloat().SetInf(false)}
	case i < minExp-1:
		return num{}
	}
	one := newFloat().SetInt64(1)
	return fromFloat(one.SetMantExp(one, int(i)))
}

// pow10 is exp10l of an integer, correctly rounded.
func pow10(i int64) num {
	switch {
	case i > 4933:
		return num{f: newFloat().SetInf(false)}
	case i < -4951:
		return num{}
	}
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(abs64(i)), nil)
	if i >= 0 {
		return fromFloat(newFloat().SetInt(p))
	}
	return fromFloat(newFloat().Quo(newFloat().SetInt64(1), new(big.Float).SetInt(p)))
}

func abs64(i int64) int64 {
	if i < 0 {
		return -i
	}
	return i
}

// exactLog is LOG2 of a power of two and LOG10 of a power of ten.
func exactLog(fn string, x num) (num, bool) {
	if x.isInf() || x.isZero() || x.signbit() {
		return num{}, false
	}
	if fn == "LOG10" {
		if !x.isInt() {
			return num{}, false
		}
		k, p := int64(0), x.i
		for p%10 == 0 {
			p /= 10
			k++
		}
		return intNum(k), p == 1
	}
	mant := new(big.Float)
	exp := x.big().MantExp(mant)
	if mant.Cmp(big.NewFloat(0.5)) != 0 {
		return num{}, false
	}
	return intNum(int64(exp - 1)), true
}

// math2 computes ATAN2, POW and REMAINDER.
func math2(fn string, x, y num) num {
	switch fn {
	case "POW":
		if x.isInt() && y.isInt() {
			return powInt(x.i, y.i)
		}
		return powW(x, y)
	case "REMAINDER":
		if x.isInt() && y.isInt() {
			return remainderInt(x.i, y.i)
		}
		return fromFloat64(math.Remainder(x.float64(), y.float64()))
	}
	return atan2W(x, y)
}

// powInt is powl of two integers, computed exactly and rounded once.
func powInt(x, y int64) num {
	switch {
	case y == 0 || x == 1:
		return intNum(1)
	case x == -1:
		return intNum(1 - 2*(y&1))
	case x == 0:
		if y < 0 {
			return num{f: newFloat().SetInf(false)}
		}
		return num{}
	}
	// |x| >= 2, so |x|^|y| >= 2^(|y|·(bitlen-1)): beyond 2^16450 the
	// result overflows to inf (or, for y < 0, underflows to 0).
	floorLog2 := int64(new(big.Int).SetInt64(x).BitLen() - 1)
	if abs64(y) > 16450/floorLog2 {
		if y < 0 {
			if x < 0 && y&1 == 1 {
				return negZero()
			}
			return num{}
		}
		return num{f: newFloat().SetInf(x < 0 && y&1 == 1)}
	}
	p := new(big.Int).Exp(big.NewInt(x), big.NewInt(abs64(y)), nil)
	if y > 0 {
		return fromFloat(newFloat().SetInt(p))
	}
	return fromFloat(newFloat().Quo(newFloat().SetInt64(1), new(big.Float).SetInt(p)))
}

// remainderInt is remainderl of integers: x - n·y with n = x/y rounded to
// even; a zero result has the sign of x.
func remainderInt(x, y int64) num {
	if y == 0 {
		return defaultNaN
	}
	if y == -1 || y == 1 {
		if x < 0 {
			return negZero()
		}
		return num{}
	}
	q, r := x/y, x%y
	ar, ay := uabs(r), uabs(y)
	if 2*ar > ay || 2*ar == ay && q&1 != 0 {
		if ay == 1<<63 { // y is MinInt64: add or take 2^63
			if r < 0 {
				r -= math.MinInt64
			} else {
				r += math.MinInt64
			}
		} else if r < 0 {
			r += int64(ay)
		} else {
			r -= int64(ay)
		}
	}
	if r == 0 && x < 0 {
		return negZero()
	}
	return intNum(r)
}
