package expr

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

// ops lists the operators, two-character ones first so the longest wins as
// in flex.
var ops = []struct {
	s    string
	kind tokKind
}{
	{"||", tokOr}, {"&&", tokAnd}, {"==", tokEq}, {"=~", tokEqTilde}, {"~~", tokTildeTilde},
	{">=", tokGe}, {"<=", tokLe}, {"!=", tokNe}, {"::", tokColonColon},
	{"|", tokOr}, {"&", tokAnd}, {"=", tokEq}, {">", tokGt}, {"<", tokLt}, {"+", tokPlus},
	{",", tokComma}, {"-", tokMinus}, {"*", tokMult}, {"/", tokDiv}, {"%", tokMod}, {"?", tokCond},
	{"!", tokCompl}, {":", tokColon}, {"(", tokLP}, {")", tokRP},
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
// trail states do; it returns the length, or 0 when the braces never close.
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

// lex splits s into tokens. Characters no rule matches are skipped, as
// flex's default rule does.
func lex(s string) []token {
	var toks []token
	i := 0
outer:
	for i < len(s) {
		c := s[i]
		switch c {
		case ' ', '\t', '\r', '\n':
			i++
			continue
		case '"':
			if j := indexByteFrom(s, i+1, '"'); j >= 0 {
				toks = append(toks, token{kind: tokValue, pos: i, val: strValue(s[i : j+1])})
				i = j + 1
				continue
			}
		}
		if c == '$' && i+1 < len(s) && s[i+1] == '{' {
			if n := varLen(s, i); n > 0 {
				toks = append(toks, token{kind: tokValue, pos: i, val: strValue(s[i : i+n])})
				i += n
				continue
			}
		}
		nl, wl := numberLen(s, i), wordLen(s, i)
		if wl > 0 || nl > 0 {
			end := i + max(nl, wl)
			if wl > nl && end+1 < len(s) && s[end] == '$' && s[end+1] == '{' {
				if n := varLen(s, end); n > 0 {
					toks = append(toks, token{kind: tokValue, pos: i, val: strValue(s[i : end+n])})
					i = end + n
					continue
				}
			}
			if nl >= wl {
				toks = append(toks, token{kind: tokValue, pos: i, val: numericString(s[i:end])})
			} else {
				toks = append(toks, token{kind: tokValue, pos: i, val: strValue(s[i:end])})
			}
			i = end
			continue
		}
		for _, op := range ops {
			if len(s)-i >= len(op.s) && s[i:i+len(op.s)] == op.s {
				toks = append(toks, token{kind: op.kind, pos: i})
				i += len(op.s)
				continue outer
			}
		}
		i++ // flex's default rule: echo and ignore
	}
	return append(toks, token{kind: tokEOF, pos: len(s)})
}

func indexByteFrom(s string, from int, c byte) int {
	for j := from; j < len(s); j++ {
		if s[j] == c {
			return j
		}
	}
	return -1
}
