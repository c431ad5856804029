package expr

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// ErrSyntax is returned for an expression Asterisk's parser rejects; Eval
// then returns "0", the value ast_expr gives such expressions.
var ErrSyntax = errors.New("expression syntax error")

// ErrTooDeep is returned for expressions nested deeper than MaxDepth.
var ErrTooDeep = errors.New("expression nested too deeply")

// MaxDepth bounds the nesting of parentheses, unary operators, function
// calls and ternary middle operands, so that no input can exhaust the
// stack.
const MaxDepth = 256

type options struct {
	fn   func(name, args string) (string, bool, error)
	warn func(msg string)
}

// Option configures Eval.
type Option func(*options)

// WithFunc lets expressions call dialplan functions: `LEN(abc) > 2`.
// Names that are not math functions go to fn with their evaluated
// arguments joined by commas (numbers as Eval prints them, quoted strings
// with their quotes); ok false means there is no such function and the
// call yields 0, as it does in Asterisk without a channel or a function.
// As in op_func, the value is cut to 511 bytes, and one made only of
// "-0123456789. \t" (the empty string included) is read as a number. An
// error is passed to WithWarning and the value is used anyway, as
// Asterisk ignores the read callback's result.
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
// the result as text. An empty expression gives "". Eval is safe for
// concurrent use.
//
// An expression the grammar rejects returns "0", the value ast_expr
// substitutes for it, and an error wrapping ErrSyntax (or ErrTooDeep, for
// input nested beyond MaxDepth). Run-time conditions Asterisk only logs
// (division by zero, a non-numeric operand, a bad regular expression, an
// error from the WithFunc callback) go to the WithWarning callback and the
// evaluation goes on, as in Asterisk.
func Eval(s string, opts ...Option) (string, error) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i] // ast_expr gets a C string
	}
	p := parser{lx: lexer{s: s}}
	if len(opts) > 0 {
		p.opts = applyOptions(opts)
	}
	p.tok = p.lx.next()
	if p.tok.kind == tokEOF {
		return "", nil
	}
	v, err := p.parseTernary()
	if err == nil && p.tok.kind != tokEOF {
		err = p.errorf("unexpected %s", p.tok.kind)
	}
	if err != nil {
		return "0", err
	}
	return v.String(), nil
}

// applyOptions is separate so that only calls with options pay for the
// options escaping to the heap.
func applyOptions(opts []Option) options {
	o := new(options)
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	return *o
}

type parser struct {
	lx    lexer
	tok   token // the lookahead
	depth int
	opts  options
}

func (p *parser) peek() token { return p.tok }

func (p *parser) next() token {
	t := p.tok
	if t.kind != tokEOF {
		p.tok = p.lx.next()
	}
	return t
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s at column %d of %q", ErrSyntax, fmt.Sprintf(format, args...), p.tok.pos+1, p.lx.s)
}

func (p *parser) warnf(format string, args ...any) {
	if p.opts.warn != nil {
		p.opts.warn(fmt.Sprintf(format, args...))
	}
}

func (p *parser) warn(msg string) {
	if p.opts.warn != nil {
		p.opts.warn(msg)
	}
}

func (p *parser) enter() error {
	if p.depth++; p.depth > MaxDepth {
		return fmt.Errorf("%w (more than %d levels)", ErrTooDeep, MaxDepth)
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
	a, err := p.parseOr()
	for err == nil && p.tok.kind == tokCond {
		p.next()
		// The middle operand is a whole expression (`a ? b ? c :: d :: e`
		// nests); bison shifts until it sees the '::'.
		var b, c value
		if err = p.enter(); err != nil {
			break
		}
		b, err = p.parseTernary()
		p.leave()
		if err != nil {
			break
		}
		if p.tok.kind != tokColonColon {
			return value{}, p.errorf("expected '::' after '?', found %s", p.tok.kind)
		}
		p.next()
		if c, err = p.parseOr(); err == nil {
			a = opCond(a, b, c) // both arms were evaluated, as in Asterisk
		}
	}
	return a, err
}

func (p *parser) parseOr() (value, error) {
	a, err := p.parseAnd()
	for err == nil && p.tok.kind == tokOr {
		p.next()
		var b value
		if b, err = p.parseAnd(); err == nil && a.isZeroOrNull() {
			a = b
		}
	}
	return a, err
}

func (p *parser) parseAnd() (value, error) {
	a, err := p.parseCompare()
	for err == nil && p.tok.kind == tokAnd {
		p.next()
		var b value
		if b, err = p.parseCompare(); err == nil && (a.isZeroOrNull() || b.isZeroOrNull()) {
			a = intNumber(0)
		}
	}
	return a, err
}

func (p *parser) parseCompare() (value, error) {
	a, err := p.parseAdd()
	for err == nil {
		op := p.tok.kind
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
		op := p.tok.kind
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
		op := p.tok.kind
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

// parseUnary parses `! expr` and `- expr` (precedence TOK_COMPL, right
// associative, below the regex operators) and the regex level.
func (p *parser) parseUnary() (value, error) {
	switch p.tok.kind {
	case tokCompl, tokMinus:
		op := p.next().kind
		if err := p.enter(); err != nil {
			return value{}, err
		}
		a, err := p.parseUnary()
		p.leave()
		if err != nil {
			return a, err
		}
		if op == tokCompl {
			return opCompl(a), nil
		}
		if !a.toNumber() {
			p.warn("non-numeric argument")
			return intNumber(0), nil
		}
		return number(a.n.neg()), nil
	}
	return p.parseRegex()
}

func (p *parser) parseRegex() (value, error) {
	a, err := p.parsePrimary()
	for err == nil {
		op := p.tok.kind
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
	switch p.tok.kind {
	case tokCompl, tokMinus:
		return p.parseUnary()
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() (value, error) {
	switch p.tok.kind {
	case tokLP:
		p.next()
		if err := p.enter(); err != nil {
			return value{}, err
		}
		v, err := p.parseTernary()
		p.leave()
		if err != nil {
			return v, err
		}
		if p.tok.kind != tokRP {
			return value{}, p.errorf("expected ')', found %s", p.tok.kind)
		}
		p.next()
		return v, nil
	case tokValue:
		t := p.next()
		if p.tok.kind != tokLP {
			return t.val, nil
		}
		p.next()
		if err := p.enter(); err != nil {
			return value{}, err
		}
		args, err := p.parseArgs(t.val.s)
		p.leave()
		if err != nil {
			return value{}, err
		}
		return p.call(t.val.s, args)
	}
	return value{}, p.errorf("unexpected %s", p.tok.kind)
}

// parseArgs parses arglist ')': expr, then ',' expr or a ',' followed by
// ',' or ')', which is an empty argument ("F(a,,b)", "F(a,)"). The first
// argument cannot be empty: "F()" is a syntax error, as in Asterisk.
func (p *parser) parseArgs(name string) ([]value, error) {
	a, err := p.parseTernary()
	if err != nil {
		return nil, err
	}
	args := []value{a}
	for p.tok.kind == tokComma {
		p.next()
		if k := p.tok.kind; k == tokComma || k == tokRP {
			args = append(args, strValue(""))
			continue
		}
		if a, err = p.parseTernary(); err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	if p.tok.kind != tokRP {
		return nil, p.errorf("expected ')' after the arguments of %s, found %s", name, p.tok.kind)
	}
	p.next()
	return args, nil
}

// opCond is op_cond: a string is true unless it is empty, `""` or "0"; a
// number (a NaN included) unless it is zero.
func opCond(a, b, c value) value {
	if a.isString() {
		if a.s != "" && a.s != `""` && a.s != "0" {
			return b
		}
		return c
	}
	if !a.num().isZero() {
		return b
	}
	return c
}

// opCompl is op_compl: a number is false when zero; text is false when
// empty or "0", else C's atoi decides ("!abc" is 1, "!5" is 0).
func opCompl(a value) value {
	v1 := true
	switch a.kind {
	case kindNumber:
		v1 = !a.n.isZero()
	default:
		if a.s == "" || a.s == "0" {
			v1 = false
		} else {
			v1 = atoi(a.s) != 0
		}
	}
	return boolNumber(!v1)
}

// atoi is glibc's atoi: (int)strtol(s, NULL, 10), so blanks, a sign and
// digits, saturated to the long range and then truncated to 32 bits.
func atoi(s string) int32 {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var n uint64
	over := false
	for ; i < len(s) && isDigit(s[i]); i++ {
		if n > (math.MaxUint64-9)/10 {
			over = true
			continue
		}
		n = n*10 + uint64(s[i]-'0')
	}
	var l int64
	switch {
	case neg && (over || n > 1<<63):
		l = math.MinInt64
	case neg:
		l = -int64(n)
	case over || n > math.MaxInt64:
		l = math.MaxInt64
	default:
		l = int64(n)
	}
	return int32(l)
}

// compare is op_eq, op_ne, op_lt, op_gt, op_le, op_ge: text comparison
// (strcoll in the C locale, i.e. bytes) when either side is a string, else
// numeric; NaN compares unequal to everything.
func compare(op tokKind, a, b value) value {
	var c int
	if a.isString() || b.isString() {
		a.toString()
		b.toString()
		c = strings.Compare(a.s, b.s)
	} else {
		var ok bool
		if c, ok = cmp(a.num(), b.num()); !ok {
			return boolNumber(op == tokNe)
		}
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

// opPlus is op_plus: a side that is not a number is dropped.
func (p *parser) opPlus(a, b value) value {
	if !a.toNumber() {
		p.warn("non-numeric argument")
		if !b.toNumber() {
			return intNumber(0)
		}
		return b
	}
	if !b.toNumber() {
		return a
	}
	return number(add(a.n, b.n))
}

// opMinus is op_minus: "abc - 2" is -2, "2 - abc" is 2.
func (p *parser) opMinus(a, b value) value {
	if !a.toNumber() {
		p.warn("non-numeric argument")
		if !b.toNumber() {
			return intNumber(0)
		}
		return number(sub(intNum(0), b.n))
	}
	if !b.toNumber() {
		p.warn("non-numeric argument")
		return a
	}
	return number(sub(a.n, b.n))
}

// opMul is op_times, op_div and op_rem.
func (p *parser) opMul(op tokKind, a, b value) value {
	an, bn := a.toNumber(), b.toNumber()
	switch op {
	case tokMult:
		if !an || !bn {
			p.warn("non-numeric argument")
			return intNumber(0)
		}
		return number(mul(a.n, b.n))
	case tokDiv:
		if !an {
			p.warn("non-numeric argument")
			return intNumber(0)
		}
		if !bn {
			p.warn("non-numeric argument")
			return intNumber(math.MaxInt32)
		}
		if b.n.isZero() {
			p.warn("division by zero")
			return intNumber(math.MaxInt32)
		}
		return number(quo(a.n, b.n))
	}
	if !an || !bn {
		p.warn("non-numeric argument")
		return intNumber(0)
	}
	if b.n.isZero() {
		p.warn("div by zero")
		return b
	}
	return number(fmod(a.n, b.n))
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
