package expr

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// Asterisk compiles the right operand of ':' and '=~' with glibc's
// regcomp(REG_EXTENDED) and matches with regexec. compileRegex translates
// that dialect to Go's syntax and compiles it for leftmost-longest
// matching, as POSIX requires:
//
//   - '.' and negated brackets match a newline; '^' and '$' match only at
//     the ends of the text (no REG_NEWLINE);
//   - a backslash inside a bracket expression is an ordinary character;
//   - an unmatched ')' is an ordinary character;
//   - glibc's escapes \w \W \s \S \b \B \< \> \` \' are kept (\< and \>
//     become \b); any other escaped character stands for itself;
//   - [=c=] and [.c.] of a single character are that character; {,m} is
//     {0,m}.
//
// What RE2 cannot do fails to compile, which Asterisk reports like a
// regcomp error (the match yields ""): back-references \1-\9,
// repetitions above 1000, a repetition of a repetition ("a**"), and
// multi-character collating elements. Go matches UTF-8 characters where
// glibc in the C locale matches bytes, and among several leftmost-longest
// matches it may choose other group boundaries than glibc.
func compileRegex(pattern string) (*regexp.Regexp, error) {
	regexCache.Lock()
	re, ok := regexCache.m[pattern]
	regexCache.Unlock()
	if ok {
		return re, nil
	}
	goPat, err := translateERE(pattern)
	if err != nil {
		return nil, err
	}
	re, err = regexp.Compile(goPat)
	if err != nil {
		return nil, err
	}
	re.Longest()
	regexCache.Lock()
	if len(regexCache.m) >= maxCachedRegex {
		clear(regexCache.m)
	}
	regexCache.m[pattern] = re
	regexCache.Unlock()
	return re, nil
}

const maxCachedRegex = 256

// regexCache keeps compiled patterns: dialplans match the same few
// patterns on every call.
var regexCache = struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}{m: map[string]*regexp.Regexp{}}

var (
	errTrailingBackslash = errors.New("trailing backslash (\\)")
	errBackref           = errors.New("back-references are not supported")
	errBracket           = errors.New("unmatched [, [^, [:, [., or [=")
	errBadRepeat         = errors.New("invalid preceding regular expression")
	errCollate           = errors.New("invalid collation character")
	errClass             = errors.New("invalid character class name")
)

var posixClasses = map[string]bool{
	"alnum": true, "alpha": true, "blank": true, "cntrl": true, "digit": true, "graph": true,
	"lower": true, "print": true, "punct": true, "space": true, "upper": true, "xdigit": true,
}

// translateERE rewrites a POSIX extended regular expression (glibc
// dialect) in Go's syntax.
func translateERE(p string) (string, error) {
	var b strings.Builder
	b.WriteString("(?s)")
	depth := 0
	for i := 0; i < len(p); {
		c := p[i]
		switch c {
		case '\\':
			if i+1 >= len(p) {
				return "", errTrailingBackslash
			}
			d := p[i+1]
			i += 2
			switch d {
			case 'w', 'W', 'b', 'B':
				b.WriteByte('\\')
				b.WriteByte(d)
			case 's':
				b.WriteString(`[[:space:]]`)
			case 'S':
				b.WriteString(`[^[:space:]]`)
			case '<', '>':
				b.WriteString(`\b`)
			case '`':
				b.WriteString(`\A`)
			case '\'':
				b.WriteString(`\z`)
			case '1', '2', '3', '4', '5', '6', '7', '8', '9':
				return "", errBackref
			default:
				i -= 1
				n := writeLiteral(&b, p, i)
				i += n
			}
		case '[':
			n, err := translateBracket(&b, p, i)
			if err != nil {
				return "", err
			}
			i += n
		case '(':
			if i+1 < len(p) && (p[i+1] == '*' || p[i+1] == '+' || p[i+1] == '?' || p[i+1] == '{') {
				return "", errBadRepeat
			}
			depth++
			b.WriteByte('(')
			i++
		case ')':
			if depth == 0 {
				b.WriteString(`\)`)
			} else {
				depth--
				b.WriteByte(')')
			}
			i++
		case '{':
			b.WriteByte('{')
			i++
			if i < len(p) && p[i] == ',' {
				b.WriteByte('0') // glibc's {,m} is {0,m}
			}
		case '.', '*', '+', '?', '|', '^', '$', '}':
			b.WriteByte(c)
			i++
		default:
			i += writeLiteral(&b, p, i)
		}
	}
	return b.String(), nil
}

// writeLiteral writes the character at p[i] as a literal and returns its
// length; a byte that is not UTF-8 stands for the replacement character,
// which is how Go reads such a byte in the subject.
func writeLiteral(b *strings.Builder, p string, i int) int {
	r, n := utf8.DecodeRuneInString(p[i:])
	if r == utf8.RuneError && n == 1 {
		b.WriteString(`\x{FFFD}`)
		return 1
	}
	b.WriteString(regexp.QuoteMeta(p[i : i+n]))
	return n
}

// translateBracket translates the bracket expression at p[i] ('[') and
// returns its length.
func translateBracket(b *strings.Builder, p string, i int) (int, error) {
	j := i + 1
	b.WriteByte('[')
	if j < len(p) && p[j] == '^' {
		b.WriteByte('^')
		j++
	}
	first := true
	for {
		if j >= len(p) {
			return 0, errBracket
		}
		c := p[j]
		if c == ']' && !first {
			b.WriteByte(']')
			return j + 1 - i, nil
		}
		first = false
		if c == '[' && j+1 < len(p) && (p[j+1] == ':' || p[j+1] == '=' || p[j+1] == '.') {
			kind := p[j+1]
			end := strings.Index(p[j+2:], string([]byte{kind, ']'}))
			if end < 0 {
				return 0, errBracket
			}
			name := p[j+2 : j+2+end]
			j += end + 4
			if kind == ':' {
				if !posixClasses[name] {
					return 0, errClass
				}
				b.WriteString("[:" + name + ":]")
				continue
			}
			if r, n := utf8.DecodeRuneInString(name); n == 0 || n != len(name) || r == utf8.RuneError && n == 1 {
				return 0, errCollate
			}
			writeClassChar(b, name, 0)
			continue
		}
		if c == '-' {
			b.WriteByte('-')
			j++
			continue
		}
		j += writeClassChar(b, p, j)
	}
}

// writeClassChar writes the character at p[i] for use inside a Go
// character class and returns its length.
func writeClassChar(b *strings.Builder, p string, i int) int {
	c := p[i]
	if c < utf8.RuneSelf {
		switch {
		case c < ' ' || c == 0x7f:
			b.WriteString(fmt.Sprintf(`\x{%02X}`, c))
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == ' ':
			b.WriteByte(c)
		default:
			b.WriteByte('\\') // Go allows escaping any punctuation
			b.WriteByte(c)
		}
		return 1
	}
	r, n := utf8.DecodeRuneInString(p[i:])
	if r == utf8.RuneError && n == 1 {
		b.WriteString(`\x{FFFD}`)
		return 1
	}
	b.WriteString(p[i : i+n])
	return n
}
