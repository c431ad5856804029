package expr

import (
	"math"
	"math/big"
	"math/bits"
	"strconv"
)

// Asterisk computes with FP___TYPE, the C long double: on x86 an 80-bit
// float with a 64-bit mantissa and a 15-bit exponent. num reproduces it:
// integers that fit an int64 (and are not -0) are kept as int64, which a
// 64-bit mantissa holds exactly, so the dialplan's everyday arithmetic and
// comparisons allocate nothing; everything else is a big.Float rounded to
// 64 bits (round to nearest even, like the FPU) and clamped to the long
// double's exponent range, or a NaN, which big.Float cannot hold.
const (
	precision = 64
	maxExp    = 16384  // |x| < 2^16384, as MantExp counts: x = m·2^exp, 0.5 <= m < 1
	minExp    = -16444 // the smallest subnormal, 2^-16445
	// maxPlain is the first integer "%.18Lg" prints with an exponent.
	maxPlain = 1_000_000_000_000_000_000
)

type num struct {
	f      *big.Float // nil: the value is i, or a NaN
	i      int64
	nan    bool
	negNaN bool // the sign of a NaN: the FPU's default NaN is negative ("-nan")
}

func intNum(i int64) num { return num{i: i} }

func boolNum(b bool) num {
	if b {
		return num{i: 1}
	}
	return num{}
}

// defaultNaN is the NaN an invalid operation (inf - inf, sqrt(-1)) gives on
// x86, which printf shows as "-nan".
var defaultNaN = num{nan: true, negNaN: true}

func newFloat() *big.Float { return new(big.Float).SetPrec(precision) }

// fromFloat takes a freshly computed big.Float: it applies the long
// double's range and folds integers back to int64.
func fromFloat(f *big.Float) num {
	if f.IsInf() {
		return num{f: f}
	}
	if f.Sign() == 0 {
		if f.Signbit() {
			return num{f: f}
		}
		return num{}
	}
	exp := f.MantExp(nil)
	if exp > maxExp {
		return num{f: newFloat().SetInf(f.Signbit())}
	}
	if exp < minExp {
		z := newFloat()
		if f.Signbit() {
			z.Neg(z)
		}
		return num{f: z}
	}
	if exp <= 63 && f.IsInt() {
		if i, acc := f.Int64(); acc == big.Exact {
			return num{i: i}
		}
	}
	return num{f: f}
}

// fromFloat64 converts the result of a math function computed in float64.
func fromFloat64(x float64) num {
	if math.IsNaN(x) {
		return defaultNaN
	}
	if x == math.Trunc(x) && math.Abs(x) < 1<<62 && !(x == 0 && math.Signbit(x)) {
		return num{i: int64(x)}
	}
	return fromFloat(newFloat().SetFloat64(x))
}

// big returns the value as a big.Float the caller must not modify. It must
// not be called on a NaN.
func (n num) big() *big.Float {
	if n.f != nil {
		return n.f
	}
	return newFloat().SetInt64(n.i)
}

func (n num) isInt() bool { return n.f == nil && !n.nan }

func (n num) isZero() bool {
	switch {
	case n.nan:
		return false
	case n.f == nil:
		return n.i == 0
	}
	return n.f.Sign() == 0
}

func (n num) isInf() bool { return n.f != nil && n.f.IsInf() }

func (n num) signbit() bool {
	switch {
	case n.nan:
		return n.negNaN
	case n.f == nil:
		return n.i < 0
	}
	return n.f.Signbit()
}

func (n num) float64() float64 {
	switch {
	case n.nan:
		return math.NaN()
	case n.f == nil:
		return float64(n.i)
	}
	x, _ := n.f.Float64()
	return x
}

// nanOf returns the NaN among a and b, a first, as the FPU propagates it.
func nanOf(a, b num) (num, bool) {
	if a.nan {
		return a, true
	}
	if b.nan {
		return b, true
	}
	return num{}, false
}

func negZero() num { return num{f: newFloat().Neg(newFloat())} }

func (n num) neg() num {
	switch {
	case n.nan:
		return num{nan: true, negNaN: !n.negNaN} // fchs flips the sign bit
	case n.f == nil && n.i == 0:
		return negZero()
	case n.f == nil && n.i != math.MinInt64:
		return num{i: -n.i}
	}
	return fromFloat(newFloat().Neg(n.big()))
}

func (n num) abs() num {
	// ABS() is `u.i < 0 ? u.i * -1 : u.i`: -0 and NaN come back unchanged.
	if n.nan || n.isZero() || !n.signbit() {
		return n
	}
	return n.neg()
}

func add(a, b num) num {
	if r, ok := nanOf(a, b); ok {
		return r
	}
	if a.f == nil && b.f == nil {
		s := a.i + b.i
		if (s > a.i) == (b.i > 0) {
			return num{i: s}
		}
	}
	x, y := a.big(), b.big()
	if x.IsInf() && y.IsInf() && x.Signbit() != y.Signbit() {
		return defaultNaN
	}
	return fromFloat(newFloat().Add(x, y))
}

func sub(a, b num) num {
	if r, ok := nanOf(a, b); ok {
		return r
	}
	if a.f == nil && b.f == nil {
		s := a.i - b.i
		if (s < a.i) == (b.i > 0) {
			return num{i: s}
		}
	}
	x, y := a.big(), b.big()
	if x.IsInf() && y.IsInf() && x.Signbit() == y.Signbit() {
		return defaultNaN
	}
	return fromFloat(newFloat().Sub(x, y))
}

func mul(a, b num) num {
	if r, ok := nanOf(a, b); ok {
		return r
	}
	if a.f == nil && b.f == nil {
		if a.i == 0 || b.i == 0 {
			if a.i < 0 || b.i < 0 {
				return negZero()
			}
			return num{}
		}
		hi, lo := bits.Mul64(uabs(a.i), uabs(b.i))
		if hi == 0 && lo <= math.MaxInt64 {
			if (a.i < 0) != (b.i < 0) {
				return num{i: -int64(lo)}
			}
			return num{i: int64(lo)}
		}
	}
	x, y := a.big(), b.big()
	if x.IsInf() && y.Sign() == 0 || y.IsInf() && x.Sign() == 0 {
		return defaultNaN
	}
	return fromFloat(newFloat().Mul(x, y))
}

func uabs(i int64) uint64 {
	if i < 0 {
		return uint64(-i) // MinInt64 wraps to 1<<63, its magnitude
	}
	return uint64(i)
}

// quo divides; the caller has ruled out b == 0.
func quo(a, b num) num {
	if r, ok := nanOf(a, b); ok {
		return r
	}
	if a.f == nil && b.f == nil && a.i%b.i == 0 && !(a.i == math.MinInt64 && b.i == -1) {
		if a.i == 0 && b.i < 0 {
			return negZero()
		}
		return num{i: a.i / b.i}
	}
	x, y := a.big(), b.big()
	if x.IsInf() && y.IsInf() {
		return defaultNaN
	}
	return fromFloat(newFloat().Quo(x, y))
}

// fmod is fmodl: a - trunc(a/b)·b, exact, with the sign of a; the caller
// has ruled out b == 0.
func fmod(a, b num) num {
	if r, ok := nanOf(a, b); ok {
		return r
	}
	if a.f == nil && b.f == nil {
		r := a.i % b.i
		if r == 0 && a.i < 0 {
			return negZero()
		}
		return num{i: r}
	}
	x, y := a.big(), b.big()
	switch {
	case x.IsInf():
		return defaultNaN
	case y.IsInf() || x.Sign() == 0:
		return a
	}
	// x = mx·2^ex and y = my·2^ey with integer mantissas; scale both to the
	// smaller exponent and take the integer remainder, which is exact.
	mx, ex := mantInt(x)
	my, ey := mantInt(y)
	e := min(ex, ey)
	mx.Lsh(mx, uint(ex-e))
	my.Lsh(my, uint(ey-e))
	mx.Rem(mx, my)
	r := newFloat().SetInt(mx)
	r.SetMantExp(r, e)
	if r.Sign() == 0 && x.Signbit() {
		r.Neg(r)
	}
	return fromFloat(r)
}

// mantInt returns m and e with |x| = m·2^e, m an integer (the sign is kept
// on m).
func mantInt(x *big.Float) (*big.Int, int) {
	mant := new(big.Float)
	exp := x.MantExp(mant)
	mant.SetMantExp(mant, precision)
	m, _ := mant.Int(nil)
	return m, exp - precision
}

// cmp compares a and b; ok is false when either is a NaN (unordered).
func cmp(a, b num) (c int, ok bool) {
	if a.nan || b.nan {
		return 0, false
	}
	if a.f == nil && b.f == nil {
		switch {
		case a.i < b.i:
			return -1, true
		case a.i > b.i:
			return 1, true
		}
		return 0, true
	}
	return a.big().Cmp(b.big()), true
}

// String formats n as printf("%.18Lg") does.
func (n num) String() string {
	if n.f == nil && !n.nan && n.i > -maxPlain && n.i < maxPlain {
		return strconv.FormatInt(n.i, 10)
	}
	return string(n.appendTo(nil))
}

func (n num) appendTo(dst []byte) []byte {
	switch {
	case n.nan:
		if n.negNaN {
			return append(dst, "-nan"...)
		}
		return append(dst, "nan"...)
	case n.f == nil && n.i > -maxPlain && n.i < maxPlain:
		return strconv.AppendInt(dst, n.i, 10)
	}
	f := n.big()
	if f.Signbit() {
		dst = append(dst, '-')
	}
	switch {
	case f.IsInf():
		return append(dst, "inf"...)
	case f.Sign() == 0:
		return append(dst, '0')
	}
	// 18 significant digits, correctly rounded: d.ddddddddddddddddde±X.
	var buf [64]byte
	e := new(big.Float).Abs(f).Append(buf[:0], 'e', 17)
	digits := make([]byte, 0, 18)
	digits = append(digits, e[0])
	i := 2
	for ; e[i] != 'e'; i++ {
		digits = append(digits, e[i])
	}
	x, _ := strconv.Atoi(string(e[i+1:]))
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	if x < -4 || x >= 18 { // %e style
		dst = append(dst, digits[0])
		if len(digits) > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'e')
		if x < 0 {
			dst = append(dst, '-')
			x = -x
		} else {
			dst = append(dst, '+')
		}
		if x < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(x), 10)
	}
	if x < 0 { // 0.000ddd
		dst = append(dst, '0', '.')
		for j := -1; j > x; j-- {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	for j := 0; j <= x; j++ {
		if j < len(digits) {
			dst = append(dst, digits[j])
		} else {
			dst = append(dst, '0')
		}
	}
	if len(digits) > x+1 {
		dst = append(dst, '.')
		dst = append(dst, digits[x+1:]...)
	}
	return dst
}

// parseDecimal reads digits[.digits] (either part may be empty) as strtold
// would, correctly rounded to the long double; ok is false when strtold
// would report ERANGE (the value overflows to inf or underflows to 0).
func parseDecimal(ip, fp string, negative bool) (n num, ok bool) {
	for len(ip) > 0 && ip[0] == '0' {
		ip = ip[1:]
	}
	for len(fp) > 0 && fp[len(fp)-1] == '0' {
		fp = fp[:len(fp)-1]
	}
	if fp == "" && len(ip) <= 18 {
		var i int64
		for j := 0; j < len(ip); j++ {
			i = i*10 + int64(ip[j]-'0')
		}
		if negative {
			if i == 0 {
				return negZero(), true
			}
			i = -i
		}
		return num{i: i}, true
	}
	// The exact value is (ip fp) / 10^len(fp); big.Float.SetRat rounds the
	// exact quotient once, as strtold does.
	m, ok := new(big.Int).SetString(ip+fp, 10)
	if !ok {
		return num{}, true
	}
	r := new(big.Rat).SetInt(m)
	if len(fp) > 0 {
		r.Quo(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(fp))), nil)))
	}
	f := newFloat().SetRat(r)
	inRange := true
	if f.Sign() != 0 {
		exp := f.MantExp(nil)
		inRange = exp <= maxExp && exp >= minExp
	}
	if negative {
		f.Neg(f)
	}
	return fromFloat(f), inRange // out of range, fromFloat gives HUGE_VALL or 0
}

// strtold reads the longest prefix of s matching
// [ \t]*-?[0-9]*(\.[0-9]*)?, the only shapes Asterisk hands it, and
// reports whether strtold would set ERANGE. No digits read as 0.
func strtold(s string, allowSign bool) (num, bool) {
	i := 0
	negative := false
	if allowSign {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			negative = s[i] == '-'
			i++
		}
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	ip := s[start:i]
	fp := ""
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		fp = s[i+1 : j]
	}
	if ip == "" && fp == "" {
		return num{}, true // no conversion: 0, and the sign is not read
	}
	return parseDecimal(ip, fp, negative)
}
