package expr

import "strings"

// tokKind is a token of Asterisk's expression lexer (main/ast_expr2.fl).
type tokKind int

const (
	tokEOF tokKind = iota
	tokValue
	tokOr         // | ||
	tokAnd        // & &&
	tokEq         // = ==
	tokNe         // !=
	tokLt         // <
	tokGt         // >
	tokLe         // <=
	tokGe         // >=
	tokPlus       // +
	tokMinus      // -
	tokMult       // *
	tokDiv        // /
	tokMod        // %
	tokCompl      // !
	tokColon      // :
	tokEqTilde    // =~
	tokTildeTilde // ~~
	tokCond       // ?
	tokColonColon // ::
	tokLP         // (
	tokRP         // )
	tokComma      // ,
)

var tokNames = [...]string{"end of expression", "value", "'|'", "'&'", "'='", "'!='", "'<'", "'>'", "'<='", "'>='",
	"'+'", "'-'", "'*'", "'/'", "'%'", "'!'", "':'", "'=~'", "'~~'", "'?'", "'::'", "'('", "')'", "','"}

func (k tokKind) String() string { return tokNames[k] }

type token struct {
	kind tokKind
	pos  int
	val  value // for tokValue
}

func isWordByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c >= 0x80:
		return true
	}
	switch c {
	case '.', '\'', ';', '\\', '_', '^', '#', '@':
		return true
	}
	return false
}

// wordLen is the length of the flex rule
// ([a-zA-Z0-9.';\\_^#@]|[\x80-\xff]|($[^{]))+ at s[i:].
func wordLen(s string, i int) int {
	j := i
	for j < len(s) {
		switch {
		case isWordByte(s[j]):
			j++
		case s[j] == '$' && j+1 < len(s) && s[j+1] != '{':
			j += 2
		default:
			return j - i
		}
	}
	return j - i
}

// numberLen is the length of [0-9]+(\.[0-9]+)? at s[i:].
func numberLen(s string, i int) int {
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i {
		return 0
	}
	if j+1 < len(s) && s[j] == '.' && s[j+1] >= '0' && s[j+1] <= '9' {
		j++
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
	}
	return j - i
}

// isTrailStop reports the characters that end the text after a ${...}
// reference: [-\t\r \n$():?%/+=*<>!|&].
func isTrailStop(c byte) bool {
	switch c {
	case '-', '\t', '\r', ' ', '\n', '$', '(', ')', ':', '?', '%', '/', '+', '=', '*', '<', '>', '!', '|', '&':
		return true
	}
	return false
}

// varLen reads a ${...} reference with balanced braces starting at s[i]
// ("${") and the trailing text up to an operator, as the lexer's var and
// trail states do; it returns the length, or 0 when the braces never close
// (flex then echoes the rest of the input and ends the expression).
func varLen(s string, i int) int {
	j := i
	for j+1 < len(s) && s[j] == '$' && s[j+1] == '{' {
		depth := 0
		j += 2
		for ; j < len(s); j++ {
			if s[j] == '{' {
				depth++
			} else if s[j] == '}' {
				if depth == 0 {
					break
				}
				depth--
			}
		}
		if j == len(s) {
			return 0
		}
		j++ // the closing brace
		for j < len(s) && !isTrailStop(s[j]) {
			j++
		}
		// trail may itself open another ${
	}
	return j - i
}

// lexer is the flex scanner: next returns one token at a time.
type lexer struct {
	s string
	i int
}

// next returns the next token. Characters no rule matches are skipped, as
// flex's default rule does (it echoes them to stdout).
func (l *lexer) next() token {
	s := l.s
	for l.i < len(s) {
		i := l.i
		c := s[i]
		switch c {
		case ' ', '\t', '\r', '\n':
			l.i++
			continue
		case '"':
			if j := strings.IndexByte(s[i+1:], '"'); j >= 0 {
				l.i = i + j + 2
				return token{kind: tokValue, pos: i, val: strValue(s[i:l.i])}
			}
			l.i++ // an unterminated quote matches no rule
			continue
		case '$':
			if i+1 < len(s) && s[i+1] == '{' {
				return l.variable(i, i)
			}
		}
		nl, wl := numberLen(s, i), wordLen(s, i)
		if wl > 0 {
			end := i + wl // wl >= nl: digits and dots are word bytes
			if end+1 < len(s) && s[end] == '$' && s[end+1] == '{' {
				// ([...])+\$\{ is the longest match: the word and the
				// reference form one token.
				return l.variable(i, end)
			}
			l.i = end
			if nl == wl { // same length: the number rule comes first
				return token{kind: tokValue, pos: i, val: numericString(s[i:end])}
			}
			return token{kind: tokValue, pos: i, val: strValue(s[i:end])}
		}
		if k, n := opAt(s, i); n > 0 {
			l.i = i + n
			return token{kind: k, pos: i}
		}
		l.i++ // flex's default rule: echo and ignore
	}
	return token{kind: tokEOF, pos: len(s)}
}

// variable scans the token starting at start whose ${ is at ref.
func (l *lexer) variable(start, ref int) token {
	n := varLen(l.s, ref)
	if n == 0 {
		l.i = len(l.s)
		return token{kind: tokEOF, pos: len(l.s)}
	}
	l.i = ref + n
	return token{kind: tokValue, pos: start, val: strValue(l.s[start:l.i])}
}

// opAt matches an operator at s[i], the longest first as flex does.
func opAt(s string, i int) (tokKind, int) {
	c := s[i]
	var d byte
	if i+1 < len(s) {
		d = s[i+1]
	}
	switch c {
	case '|':
		if d == '|' {
			return tokOr, 2
		}
		return tokOr, 1
	case '&':
		if d == '&' {
			return tokAnd, 2
		}
		return tokAnd, 1
	case '=':
		switch d {
		case '=':
			return tokEq, 2
		case '~':
			return tokEqTilde, 2
		}
		return tokEq, 1
	case '~':
		if d == '~' {
			return tokTildeTilde, 2
		}
	case '>':
		if d == '=' {
			return tokGe, 2
		}
		return tokGt, 1
	case '<':
		if d == '=' {
			return tokLe, 2
		}
		return tokLt, 1
	case '!':
		if d == '=' {
			return tokNe, 2
		}
		return tokCompl, 1
	case ':':
		if d == ':' {
			return tokColonColon, 2
		}
		return tokColon, 1
	case '+':
		return tokPlus, 1
	case ',':
		return tokComma, 1
	case '-':
		return tokMinus, 1
	case '*':
		return tokMult, 1
	case '/':
		return tokDiv, 1
	case '%':
		return tokMod, 1
	case '?':
		return tokCond, 1
	case '(':
		return tokLP, 1
	case ')':
		return tokRP, 1
	}
	return tokEOF, 0
}
