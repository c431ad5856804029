package expr

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strings"
)

// ErrSyntax is returned for an expression Asterisk's parser rejects; Eval
// then returns "0", the value ast_expr gives such expressions.
var ErrSyntax = errors.New("expression syntax error")

// ErrTooDeep is returned for expressions nested deeper than MaxDepth.
var ErrTooDeep = errors.New("expression nested too deeply")

// MaxDepth bounds the nesting of parentheses, unary operators and function
// calls, so that no input can exhaust the stack.
const MaxDepth = 256

type options struct {
	fn   func(name, args string) (string, bool, error)
	warn func(msg string)
}

// Option configures Eval.
type Option func(*options)

// WithFunc lets expressions call dialplan functions: `LEN(abc) > 2`.
// Names that are not math functions go to fn with their arguments joined
// by commas; ok false means there is no such function (the call yields 0,
// as in Asterisk).
func WithFunc(fn func(name, args string) (value string, ok bool, err error)) Option {
	return func(o *options) { o.fn = fn }
}

// WithWarning receives the warnings Asterisk logs while evaluating
// ("non-numeric argument", "division by zero", …); the evaluation goes on.
func WithWarning(fn func(msg string)) Option {
	return func(o *options) { o.warn = fn }
}

// Eval evaluates the text between `$[` and `]`, whose ${...} references the
// caller has already substituted, as Asterisk's ast_expr does, and returns
// the result as text. A syntax error returns "0" and an error wrapping
// ErrSyntax.
func Eval(s string, opts ...Option) (result string, err error) {
	p := &parser{toks: lex(s), src: s}
	for _, o := range opts {
		o(&p.opts)
	}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(big.ErrNaN); ok { // inf - inf and friends
				result, err = "nan", nil
				return
			}
			panic(r)
		}
	}()
	if p.peek().kind == tokEOF {
		return "", nil
	}
	v, err := p.parseTernary()
	if err == nil && p.peek().kind != tokEOF {
		err = p.errorf("unexpected %s", p.peek().kind)
	}
	if err != nil {
		return "0", err
	}
	return v.String(), nil
}

type parser struct {
	toks  []token
	i     int
	src   string
	depth int
	opts  options
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s at column %d of %q", ErrSyntax, fmt.Sprintf(format, args...), p.peek().pos+1, p.src)
}

func (p *parser) warnf(format string, args ...any) {
	if p.opts.warn != nil {
		p.opts.warn(fmt.Sprintf(format, args...))
	}
}

func (p *parser) enter() error {
	if p.depth++; p.depth > MaxDepth {
		return ErrTooDeep
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// The grammar's precedence, lowest first (ast_expr2.y):
//
//	?  ::            left
//	|                left
//	&                left
//	= > < >= <= !=   left
//	+ -              left
//	* / %            left
//	! and unary -    right
//	: =~ ~~          left
//	( )  function calls

func (p *parser) parseTernary() (value, error) {
	if err := p.enter(); err != nil {
		return value{}, err
	}
	defer p.leave()
	a, err := p.parseOr()
	if err != nil {
		return a, err
	}
	for p.peek().kind == tokCond {
		p.next()
		b, err := p.parseTernary()
		if err != nil {
			return b, err
		}
		if p.peek().kind != tokColonColon {
			return value{}, p.errorf("expected '::' after '?', found %s", p.peek().kind)
		}
		p.next()
		c, err := p.parseOr()
		if err != nil {
			return c, err
		}
		a = opCond(a, b, c)
	}
	return a, nil
}

func (p *parser) parseOr() (value, error) {
	a, err := p.parseAnd()
	for err == nil && p.peek().kind == tokOr {
		p.next()
		var b value
		if b, err = p.parseAnd(); err == nil {
			if a.isZeroOrNull() {
				a = b
			}
		}
	}
	return a, err
}

func (p *parser) parseAnd() (value, error) {
	a, err := p.parseCompare()
	for err == nil && p.peek().kind == tokAnd {
		p.next()
		var b value
		if b, err = p.parseCompare(); err == nil {
			if a.isZeroOrNull() || b.isZeroOrNull() {
				a = intNumber(0)
			}
		}
	}
	return a, err
}

func (p *parser) parseCompare() (value, error) {
	a, err := p.parseAdd()
	for err == nil {
		op := p.peek().kind
		switch op {
		case tokEq, tokNe, tokLt, tokGt, tokLe, tokGe:
		default:
			return a, nil
		}
		p.next()
		var b value
		if b, err = p.parseAdd(); err == nil {
			a = compare(op, a, b)
		}
	}
	return a, err
}

func (p *parser) parseAdd() (value, error) {
	a, err := p.parseMul()
	for err == nil {
		op := p.peek().kind
		if op != tokPlus && op != tokMinus {
			return a, nil
		}
		p.next()
		var b value
		if b, err = p.parseMul(); err == nil {
			if op == tokPlus {
				a = p.opPlus(a, b)
			} else {
				a = p.opMinus(a, b)
			}
		}
	}
	return a, err
}

func (p *parser) parseMul() (value, error) {
	a, err := p.parseUnary()
	for err == nil {
		op := p.peek().kind
		if op != tokMult && op != tokDiv && op != tokMod {
			return a, nil
		}
		p.next()
		var b value
		if b, err = p.parseUnary(); err == nil {
			a = p.opMul(op, a, b)
		}
	}
	return a, err
}

func (p *parser) parseUnary() (value, error) {
	switch p.peek().kind {
	case tokCompl, tokMinus:
		op := p.next().kind
		if err := p.enter(); err != nil {
			return value{}, err
		}
		defer p.leave()
		a, err := p.parseUnary()
		if err != nil {
			return a, err
		}
		if op == tokCompl {
			return opCompl(a), nil
		}
		if !a.toNumber() {
			p.warnf("non-numeric argument")
			return intNumber(0), nil
		}
		return number(newFloat().Neg(a.n)), nil
	}
	return p.parseRegex()
}

func (p *parser) parseRegex() (value, error) {
	a, err := p.parsePrimary()
	for err == nil {
		op := p.peek().kind
		if op != tokColon && op != tokEqTilde && op != tokTildeTilde {
			return a, nil
		}
		p.next()
		var b value
		// The right operand may itself be a unary expression: in the
		// grammar `a : - b` is a : (-b).
		if b, err = p.parseUnaryOperand(); err == nil {
			switch op {
			case tokColon:
				a = p.opMatch(a, b, true)
			case tokEqTilde:
				a = p.opMatch(a, b, false)
			default:
				a.toString()
				b.toString()
				a.stripQuotes()
				b.stripQuotes()
				a = makeStr(a.s + b.s)
			}
		}
	}
	return a, err
}

// parseUnaryOperand parses the right operand of a regex operator: a primary,
// or a unary operator applied to a regex-level expression (bison shifts the
// higher-precedence ':' inside the unary).
func (p *parser) parseUnaryOperand() (value, error) {
	switch p.peek().kind {
	case tokCompl, tokMinus:
		return p.parseUnary()
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() (value, error) {
	t := p.next()
	switch t.kind {
	case tokLP:
		if err := p.enter(); err != nil {
			return value{}, err
		}
		defer p.leave()
		v, err := p.parseTernary()
		if err != nil {
			return v, err
		}
		if p.peek().kind != tokRP {
			return value{}, p.errorf("expected ')', found %s", p.peek().kind)
		}
		p.next()
		return v, nil
	case tokValue:
		if p.peek().kind != tokLP {
			return t.val, nil
		}
		p.next()
		if err := p.enter(); err != nil {
			return value{}, err
		}
		defer p.leave()
		var args []value
		for {
			if k := p.peek().kind; k == tokRP && len(args) > 0 {
				break // a trailing comma gave an empty argument already
			}
			a, err := p.parseTernary()
			if err != nil {
				return a, err
			}
			args = append(args, a)
			if p.peek().kind != tokComma {
				break
			}
			p.next()
			if p.peek().kind == tokRP {
				args = append(args, strValue(""))
			}
		}
		if p.peek().kind != tokRP {
			return value{}, p.errorf("expected ')' after the arguments of %s, found %s", t.val.s, p.peek().kind)
		}
		p.next()
		return p.call(t.val, args)
	}
	p.i-- // report the token where it is
	if t.kind == tokEOF {
		p.i++
	}
	return value{}, p.errorf("unexpected %s", t.kind)
}

func opCond(a, b, c value) value {
	if a.isString() {
		if a.s != "" && a.s != `""` && a.s != "0" {
			return b
		}
		return c
	}
	a.toNumber()
	if a.n.Sign() != 0 {
		return b
	}
	return c
}

func opCompl(a value) value {
	v1 := 1
	switch a.kind {
	case kindNumber:
		if a.n.Sign() == 0 {
			v1 = 0
		}
	default:
		if a.s == "" || a.s == "0" {
			v1 = 0
		} else {
			v1 = atoi(a.s)
		}
	}
	return boolNumber(v1 == 0)
}

// atoi is C's atoi: optional blanks and sign, then digits.
func atoi(s string) int {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	n := 0
	for ; i < len(s) && isDigit(s[i]); i++ {
		n = n*10 + int(s[i]-'0')
		if n > math.MaxInt32 {
			n = math.MaxInt32
		}
	}
	if neg {
		return -n
	}
	return n
}

func compare(op tokKind, a, b value) value {
	var c int
	if a.isString() || b.isString() {
		a.toString()
		b.toString()
		c = strings.Compare(a.s, b.s) // strcoll in the C locale
	} else {
		a.toNumber()
		b.toNumber()
		c = a.n.Cmp(b.n)
	}
	switch op {
	case tokEq:
		return boolNumber(c == 0)
	case tokNe:
		return boolNumber(c != 0)
	case tokLt:
		return boolNumber(c < 0)
	case tokGt:
		return boolNumber(c > 0)
	case tokLe:
		return boolNumber(c <= 0)
	}
	return boolNumber(c >= 0)
}

func (p *parser) opPlus(a, b value) value {
	if !a.toNumber() {
		p.warnf("non-numeric argument")
		if !b.toNumber() {
			return intNumber(0)
		}
		return b
	}
	if !b.toNumber() {
		return a
	}
	return number(newFloat().Add(a.n, b.n))
}

func (p *parser) opMinus(a, b value) value {
	if !a.toNumber() {
		p.warnf("non-numeric argument")
		if !b.toNumber() {
			return intNumber(0)
		}
		return number(newFloat().Neg(b.n))
	}
	if !b.toNumber() {
		p.warnf("non-numeric argument")
		return a
	}
	return number(newFloat().Sub(a.n, b.n))
}

func (p *parser) opMul(op tokKind, a, b value) value {
	an, bn := a.toNumber(), b.toNumber()
	switch op {
	case tokMult:
		if !an || !bn {
			p.warnf("non-numeric argument")
			return intNumber(0)
		}
		return number(newFloat().Mul(a.n, b.n))
	case tokDiv:
		if !an {
			p.warnf("non-numeric argument")
			return intNumber(0)
		}
		if !bn {
			p.warnf("non-numeric argument")
			return intNumber(math.MaxInt32)
		}
		if b.n.Sign() == 0 {
			p.warnf("division by zero")
			return intNumber(math.MaxInt32)
		}
		return number(newFloat().Quo(a.n, b.n))
	}
	if !an || !bn {
		p.warnf("non-numeric argument")
		return intNumber(0)
	}
	if b.n.Sign() == 0 {
		p.warnf("div by zero")
		return b
	}
	return fmod(a.n, b.n)
}

// fmod is fmodl: a - trunc(a/b)*b, exact for the integers dialplans use.
func fmod(a, b *big.Float) value {
	if a.IsInf() || b.IsInf() {
		af, _ := a.Float64()
		bf, _ := b.Float64()
		return floatNumber(math.Mod(af, bf))
	}
	q := new(big.Float).SetPrec(0).SetMode(big.ToZero)
	q.SetPrec(1024).Quo(a, b)
	qi, _ := q.Int(nil)
	prod := new(big.Float).SetPrec(1024).SetInt(qi)
	prod.Mul(prod, b)
	r := newFloat().Sub(a, prod)
	if r.Sign() == 0 && a.Signbit() {
		r.Neg(r)
	}
	return number(r)
}

// opMatch is op_colon (anchored) and op_eqtilde: a POSIX extended regular
// expression matched against a; the result is the first group's text when
// the pattern has one, else the length of the match.
func (p *parser) opMatch(a, b value, anchored bool) value {
	a.toString()
	b.toString()
	a.stripQuotes()
	b.stripQuotes()
	re, err := compileRegex(b.s)
	if err != nil {
		p.warnf("regcomp() error : %v", err)
		return strValue("")
	}
	m := re.FindStringSubmatchIndex(a.s)
	if m != nil && (!anchored || m[0] == 0) {
		if len(m) >= 4 && m[2] >= 0 {
			return makeStr(a.s[m[2]:m[3]])
		}
		return intNumber(int64(m[1] - m[0]))
	}
	if re.NumSubexp() == 0 {
		return intNumber(0)
	}
	return strValue("")
}

// compileRegex compiles a POSIX ERE with leftmost-longest matching. Go's
// RE2 has no back-references; patterns using them fail to compile and the
// match yields "" with a warning, as a regcomp error does in Asterisk.
func compileRegex(pattern string) (*regexp.Regexp, error) {
	regexCache.Lock()
	re, ok := regexCache.m[pattern]
	regexCache.Unlock()
	if ok {
		return re, nil
	}
	re, err := regexp.CompilePOSIX(pattern)
	if err != nil {
		return nil, err
	}
	regexCache.Lock()
	if len(regexCache.m) >= maxCachedRegex {
		clear(regexCache.m)
	}
	regexCache.m[pattern] = re
	regexCache.Unlock()
	return re, nil
}
