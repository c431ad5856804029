package expr

import (
	"math"
	"math/big"
	"sync"
)

// The transcendental functions are computed with 128-bit big.Floats and
// rounded once to the long double's 64 bits, so that what "%.18Lg" prints
// matches glibc's ldbl-96 functions (accurate to an ulp or so) instead of
// float64's 16 digits.
const wp = 128 // working precision

func wf() *big.Float { return new(big.Float).SetPrec(wp) }

func wfInt(i int64) *big.Float { return wf().SetInt64(i) }

var consts struct {
	once           sync.Once
	pi, halfPi     *big.Float
	ln2, ln10, one *big.Float
}

// initConsts computes π (Machin: 16·atan(1/5) − 4·atan(1/239)), ln 2
// (2·atanh(1/3)) and ln 10 at the working precision.
func initConsts() {
	consts.once.Do(func() {
		c := &consts
		c.one = wfInt(1)
		a5 := atanSeries(wf().Quo(c.one, wfInt(5)))
		a239 := atanSeries(wf().Quo(c.one, wfInt(239)))
		c.pi = wf().Sub(a5.Mul(a5, wfInt(16)), a239.Mul(a239, wfInt(4)))
		c.halfPi = wf().Quo(c.pi, wfInt(2))
		c.ln2 = atanhSeries(wf().Quo(c.one, wfInt(3)))
		c.ln2.Mul(c.ln2, wfInt(2))
		c.ln10 = logPos(wfInt(10))
	})
}

// small reports whether term is negligible against 2^-wp·|ref|.
func small(term, ref *big.Float) bool {
	if term.Sign() == 0 {
		return true
	}
	if ref.Sign() == 0 {
		return false
	}
	return term.MantExp(nil) < ref.MantExp(nil)-wp-4
}

// atanSeries is x − x³/3 + x⁵/5 − … for |x| <= 0.2 or so.
func atanSeries(x *big.Float) *big.Float {
	sum := wf().Set(x)
	x2 := wf().Mul(x, x)
	pow := wf().Set(x)
	for n := int64(3); n < 10000; n += 2 {
		pow.Mul(pow, x2)
		pow.Neg(pow)
		term := wf().Quo(pow, wfInt(n))
		sum.Add(sum, term)
		if small(term, sum) {
			break
		}
	}
	return sum
}

// atanhSeries is x + x³/3 + x⁵/5 + … for |x| <= 1/3.
func atanhSeries(x *big.Float) *big.Float {
	sum := wf().Set(x)
	x2 := wf().Mul(x, x)
	pow := wf().Set(x)
	for n := int64(3); n < 10000; n += 2 {
		pow.Mul(pow, x2)
		term := wf().Quo(pow, wfInt(n))
		sum.Add(sum, term)
		if small(term, sum) {
			break
		}
	}
	return sum
}

// logPos is ln x for a finite x > 0: x = m·2^e with m in [√½, √2), then
// ln m = 2·atanh((m−1)/(m+1)).
func logPos(x *big.Float) *big.Float {
	m := wf()
	e := x.MantExp(m) // m in [0.5, 1)
	if m.Cmp(big.NewFloat(math.Sqrt2/2)) < 0 {
		m.SetMantExp(m, 1)
		e--
	}
	one := wfInt(1)
	z := wf().Quo(wf().Sub(m, one), wf().Add(m, one))
	r := atanhSeries(z)
	r.Mul(r, wfInt(2))
	if e != 0 { // initConsts sets ln2 before it computes ln 10
		r.Add(r, wf().Mul(wfInt(int64(e)), consts.ln2))
	}
	return r
}

// expW is e^x at the working precision for |x| < 12000: x = k·ln2 + r,
// e^r from its Taylor series on r/256, squared eight times.
func expW(x *big.Float) *big.Float {
	kf := wf().Quo(x, consts.ln2)
	k := roundToInt(kf)
	r := wf().Sub(x, wf().Mul(wfInt(k), consts.ln2))
	r.SetMantExp(r, -8)
	sum := wfInt(1)
	term := wfInt(1)
	for n := int64(1); n < 200; n++ {
		term.Mul(term, r)
		term.Quo(term, wfInt(n))
		sum.Add(sum, term)
		if small(term, sum) {
			break
		}
	}
	for i := 0; i < 8; i++ {
		sum.Mul(sum, sum)
	}
	return sum.SetMantExp(sum, int(k))
}

func roundToInt(x *big.Float) int64 {
	h := wf().Add(x, big.NewFloat(0.5))
	if x.Signbit() {
		h.Sub(x, big.NewFloat(0.5))
	}
	i, _ := h.Int64()
	return i
}

// sinCosW returns sin r and cos r for |r| <= π/4.
func sinCosW(r *big.Float) (s, c *big.Float) {
	s, c = wf().Set(r), wfInt(1)
	r2 := wf().Mul(r, r)
	term := wf().Set(r)
	for n := int64(2); n < 400; n += 2 {
		term.Mul(term, r2)
		term.Quo(term, wfInt(n*(n+1)))
		term.Neg(term)
		s.Add(s, term)
		if small(term, s) {
			break
		}
	}
	term = wfInt(1)
	for n := int64(1); n < 400; n += 2 {
		term.Mul(term, r2)
		term.Quo(term, wfInt(n*(n+1)))
		term.Neg(term)
		c.Add(c, term)
		if small(term, c) {
			break
		}
	}
	return s, c
}

// atanW is atan x at the working precision.
func atanW(x *big.Float) *big.Float {
	if x.Sign() == 0 {
		return wf().Set(x)
	}
	neg := x.Signbit()
	a := wf().Abs(x)
	inv := a.Cmp(big.NewFloat(1)) > 0
	if inv {
		a.Quo(wfInt(1), a)
	}
	// atan a = 2·atan(a / (1 + √(1+a²))), four times: a < 0.07.
	one := wfInt(1)
	for i := 0; i < 4; i++ {
		d := wf().Sqrt(wf().Add(one, wf().Mul(a, a)))
		a.Quo(a, d.Add(d, one))
	}
	r := atanSeries(a)
	r.SetMantExp(r, 4)
	if inv {
		r.Sub(consts.halfPi, r)
	}
	if neg {
		r.Neg(r)
	}
	return r
}

// round64 rounds a working-precision result to the long double.
func round64(x *big.Float) num { return fromFloat(newFloat().Set(x)) }

// transcend computes COS SIN TAN ACOS ASIN ATAN EXP LOG LOG2 LOG10 for a
// finite or infinite x (not NaN).
func transcend(fn string, x num) num {
	initConsts()
	switch fn {
	case "EXP":
		switch {
		case x.isInf():
			if x.signbit() {
				return num{}
			}
			return x
		case x.isZero():
			return intNum(1)
		}
		xf := x.float64()
		if xf > 11357 {
			return num{f: newFloat().SetInf(false)}
		}
		if xf < -11400 {
			return num{}
		}
		return round64(expW(x.big()))
	case "LOG", "LOG2", "LOG10":
		switch {
		case x.isZero():
			return num{f: newFloat().SetInf(true)}
		case x.signbit():
			return defaultNaN
		case x.isInf():
			return x
		}
		r := logPos(x.big())
		switch fn {
		case "LOG2":
			r.Quo(r, consts.ln2)
		case "LOG10":
			r.Quo(r, consts.ln10)
		}
		return round64(r)
	case "ATAN":
		if x.isInf() {
			r := wf().Set(consts.halfPi)
			if x.signbit() {
				r.Neg(r)
			}
			return round64(r)
		}
		if x.isZero() {
			return x
		}
		return round64(atanW(x.big()))
	case "ASIN", "ACOS":
		if x.isInf() {
			return defaultNaN
		}
		a := x.big()
		c := wf().Abs(a).Cmp(big.NewFloat(1))
		if c > 0 {
			return defaultNaN
		}
		if fn == "ASIN" {
			if x.isZero() {
				return x
			}
			if c == 0 {
				r := wf().Set(consts.halfPi)
				if a.Signbit() {
					r.Neg(r)
				}
				return round64(r)
			}
			// asin a = atan(a / √(1−a²))
			d := wf().Sqrt(wf().Sub(wfInt(1), wf().Mul(a, a)))
			return round64(atanW(wf().Quo(a, d)))
		}
		if c == 0 && !a.Signbit() {
			return intNum(0)
		}
		if c == 0 {
			return round64(consts.pi)
		}
		// acos a = 2·atan(√((1−a)/(1+a)))
		one := wfInt(1)
		t := wf().Sqrt(wf().Quo(wf().Sub(one, a), wf().Add(one, a)))
		r := atanW(t)
		return round64(r.SetMantExp(r, 1))
	}
	// COS SIN TAN
	if x.isInf() {
		return defaultNaN
	}
	if x.isZero() {
		if fn == "COS" {
			return intNum(1)
		}
		return x
	}
	a := x.big()
	if a.MantExp(nil) > 62 {
		// Reducing such an argument needs π to thousands of bits.
		f := map[string]func(float64) float64{"COS": math.Cos, "SIN": math.Sin, "TAN": math.Tan}[fn]
		return fromFloat64(f(x.float64()))
	}
	k := roundToInt(wf().Quo(a, consts.halfPi))
	r := wf().Sub(a, wf().Mul(wfInt(k), consts.halfPi))
	s, c := sinCosW(r)
	switch k & 3 { // sin(r + kπ/2)
	case 1:
		s, c = c, s.Neg(s)
	case 2:
		s, c = s.Neg(s), c.Neg(c)
	case 3:
		s, c = c.Neg(c), s
	}
	switch fn {
	case "SIN":
		return round64(s)
	case "COS":
		return round64(c)
	}
	return round64(s.Quo(s, c))
}

// atan2W is atan2l(y, x) with C's special cases.
func atan2W(y, x num) num {
	initConsts()
	pi := func(mult int64, div int64, neg bool) num {
		r := wf().Mul(consts.pi, wfInt(mult))
		r.Quo(r, wfInt(div))
		if neg {
			r.Neg(r)
		}
		return round64(r)
	}
	ny := y.signbit()
	switch {
	case y.isInf() && x.isInf():
		if x.signbit() {
			return pi(3, 4, ny)
		}
		return pi(1, 4, ny)
	case y.isZero():
		if x.signbit() { // x < 0 or x is -0
			return pi(1, 1, ny)
		}
		return y
	case x.isZero() || y.isInf():
		return pi(1, 2, ny)
	case x.isInf():
		if x.signbit() {
			return pi(1, 1, ny)
		}
		if ny {
			return negZero()
		}
		return num{}
	}
	q := wf().Quo(y.big(), x.big())
	r := atanW(q.Abs(q))
	if x.signbit() {
		r.Sub(consts.pi, r)
	}
	if ny {
		r.Neg(r)
	}
	return round64(r)
}

// powW is powl(x, y) for the cases powInt does not cover.
func powW(x, y num) num {
	if y.isZero() || (!x.nan && x.isInt() && x.i == 1) {
		return intNum(1)
	}
	if x.nan || y.nan || x.isInf() || y.isInf() || x.isZero() {
		return fromFloat64(math.Pow(x.float64(), y.float64()))
	}
	initConsts()
	neg := false
	if x.signbit() {
		yb := y.big()
		if !yb.IsInt() {
			return defaultNaN
		}
		yi, _ := new(big.Float).Set(yb).Int(nil)
		neg = yi.Bit(0) == 1
	}
	l := logPos(wf().Abs(x.big()))
	t := l.Mul(l, y.big())
	tf, _ := t.Float64()
	var r num
	switch {
	case tf > 11357:
		r = num{f: newFloat().SetInf(false)}
	case tf < -11400:
		r = num{}
	default:
		r = round64(expW(t))
	}
	if neg {
		return r.neg()
	}
	return r
}

// expScaled is e^(x·c) for c = ln 2 or ln 10: EXP2 and EXP10 of a
// non-integer.
func expScaled(x num, c func() *big.Float) num {
	initConsts()
	if x.isInf() {
		if x.signbit() {
			return num{}
		}
		return x
	}
	t := wf().Mul(x.big(), c())
	tf, _ := t.Float64()
	switch {
	case tf > 11357:
		return num{f: newFloat().SetInf(false)}
	case tf < -11400:
		return num{}
	}
	return round64(expW(t))
}
