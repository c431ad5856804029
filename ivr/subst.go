package ivr

import (
	"strings"

	"github.com/obelisk-pbx/obelisk/ivr/expr"
)

// Limits on substitution, so a hostile or broken value cannot blow up.
const (
	maxSubstDepth = 32
	maxSubstLen   = 1 << 20
)

// Expand substitutes `${VAR}`, `${VAR:offset:length}`, `${FUNC(args)}` and
// `$[expression]` in s, innermost first, as Asterisk's
// pbx_substitute_variables_helper_full does: braces and brackets are counted
// to find the end of each reference, a reference whose text itself contains
// `${` or `$[` is substituted first, unknown variables become empty.
func (ch *Channel) Expand(s string) string {
	if strings.IndexByte(s, '$') < 0 {
		return s
	}
	var b strings.Builder
	ch.expandInto(&b, s, 0)
	return b.String()
}

func (ch *Channel) expandInto(b *strings.Builder, s string, depth int) {
	if depth > maxSubstDepth {
		ch.log.Warn("variable substitution nested too deep, cut", "text", truncate(s, 80))
		return
	}
	for i := 0; i < len(s); {
		if b.Len() > maxSubstLen {
			ch.log.Warn("variable substitution result too long, cut")
			return
		}
		if s[i] != '$' || i+1 >= len(s) || (s[i+1] != '{' && s[i+1] != '[') {
			j := strings.IndexByte(s[i+1:], '$')
			if j < 0 {
				b.WriteString(s[i:])
				return
			}
			b.WriteString(s[i : i+1+j])
			i += 1 + j
			continue
		}
		open, close := byte('{'), byte('}')
		if s[i+1] == '[' {
			open, close = '[', ']'
		}
		// Find the matching close, counting nesting the way Asterisk does.
		j, level, needsub := i+2, 1, false
		for ; j < len(s) && level > 0; j++ {
			switch {
			case s[j] == '$' && j+1 < len(s) && (s[j+1] == '{' || s[j+1] == '['):
				// The brace itself is counted on the next byte.
				needsub = true
			case s[j] == open:
				level++
			case s[j] == close:
				level--
			}
		}
		end := j
		if level > 0 {
			ch.log.Warn("missing closing brace in dialplan text", "text", truncate(s, 80))
			end = len(s) + 1
		}
		inner := s[i+2 : min(end-1, len(s))]
		if needsub {
			var ib strings.Builder
			ch.expandInto(&ib, inner, depth+1)
			inner = ib.String()
		}
		if open == '{' {
			b.WriteString(ch.evalReference(inner))
		} else {
			b.WriteString(ch.evalExpression(inner))
		}
		i = min(end, len(s))
	}
}

// evalReference resolves the text of `${...}`: a variable or a function call,
// with an optional `:offset:length`.
func (ch *Channel) evalReference(ref string) string {
	name, offset, length, hasRange, isFunc := parseVariableName(ref)
	var value string
	if isFunc {
		v, err := ch.ReadFunction(name)
		if err != nil {
			ch.log.Warn("function failed", "function", name, "error", err)
		}
		value = v
	} else {
		value = ch.Var(name)
	}
	if hasRange {
		value = Substring(value, offset, length)
	}
	return value
}

// evalExpression evaluates the text of `$[...]`; an invalid expression
// yields "0" and a warning, as in Asterisk.
func (ch *Channel) evalExpression(text string) string {
	v, err := expr.Eval(text, expr.WithFunc(func(name, args string) (string, bool, error) {
		fn := ch.engine.registry.Function(name)
		if fn == nil || fn.Read == nil {
			return "", false, nil
		}
		v, err := fn.Read(ch, args)
		return v, true, err
	}), expr.WithWarning(func(msg string) {
		ch.log.Debug("expression warning", "expression", truncate(text, 120), "warning", msg)
	}))
	if err != nil {
		// ast_expr yields "0" for an expression it cannot parse.
		ch.log.Warn("invalid expression", "expression", truncate(text, 120), "error", err)
	}
	return v
}

// parseVariableName splits `NAME:offset:length` as parse_variable_name does:
// the colon is looked for outside parentheses; offset and length are read
// like sscanf("%d:%d"), so a missing or malformed number leaves the default
// (offset 0, whole length).
func parseVariableName(ref string) (name string, offset, length int, hasRange, isFunc bool) {
	length = maxInt
	parens := 0
	for i := 0; i < len(ref); i++ {
		switch ref[i] {
		case '(':
			isFunc = true
			parens++
		case ')':
			parens--
		case ':':
			if parens == 0 {
				rest := ref[i+1:]
				if n, used, ok := scanInt(rest); ok {
					offset = n
					rest = rest[used:]
					if strings.HasPrefix(rest, ":") {
						if n, _, ok := scanInt(rest[1:]); ok {
							length = n
						}
					}
				}
				return ref[:i], offset, length, true, isFunc
			}
		}
	}
	return ref, 0, length, false, isFunc
}

const maxInt = int(^uint(0) >> 1)

// scanInt reads an optionally signed decimal number at the start of s after
// optional blanks, like sscanf's %d, and returns the bytes consumed.
func scanInt(s string) (n, used int, ok bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if n < maxInt/10 {
			n = n*10 + int(s[i]-'0')
		}
		i++
	}
	if i == start {
		return 0, 0, false
	}
	if neg {
		n = -n
	}
	return n, i, true
}

// Substring applies `${VAR:offset:length}` as Asterisk's substring() does: a
// negative offset counts from the end, a negative length leaves that many
// characters off the end, an offset past the end gives "".
func Substring(value string, offset, length int) string {
	lr := len(value)
	if offset == 0 && length >= lr {
		return value
	}
	if offset < 0 {
		offset = lr + offset
		if offset < 0 {
			offset = 0
		}
	}
	if offset >= lr {
		return ""
	}
	rest := value[offset:]
	switch {
	case length >= 0 && length < lr-offset:
		return rest[:length]
	case length < 0:
		if lr > offset-length {
			return rest[:lr+length-offset]
		}
		return ""
	}
	return rest
}

// CheckCondition is Asterisk's pbx_checkcondition: empty is false, a
// leading number is its truth (as sscanf("%d") reads it), any other text is
// true.
func CheckCondition(s string) bool {
	if s == "" {
		return false
	}
	if n, _, ok := scanInt(s); ok {
		return n != 0
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
