package ivr

import (
	"bytes"
	"strings"
)

// This file follows main/pbx.c of Asterisk: _extension_match_core for
// matching a dialled string against an extension, ext_cmp and
// ext_cmp_pattern_pos for the order extensions are tried in.
//
// The rules, as Asterisk implements them:
//   - a name not starting with `_` is compared literally (case-sensitively);
//   - in a `_` pattern, X, Z and N (either case) are [0-9], [1-9], [2-9];
//     `[...]` is a set of characters and `a-b` ranges (no negation: `^` is an
//     ordinary member); `.` matches one or more characters, `!` zero or more;
//     any other character matches itself, case-sensitively;
//   - `-` is eye candy: it is skipped in names, patterns and dialled strings
//     alike (except inside `[...]`, where it makes a range);
//   - `/` ends the pattern (it separates the caller ID match).

// matchMode is Asterisk's ext_match_t.
type matchMode int

const (
	// modeMatch (E_MATCH): the dialled string matches as it is.
	modeMatch matchMode = iota
	// modeCanMatch (E_CANMATCH): it matches, or could with more digits.
	modeCanMatch
	// modeMatchMore (E_MATCHMORE): it could match with more digits.
	modeMatchMore
)

// cstr cuts s at its first NUL, as a C string would end there.
func cstr(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// matchExtension implements MatchExtension (E_MATCH).
func matchExtension(pattern, exten string) bool {
	return matchCore(pattern, exten, modeMatch) != 0
}

// canMatchExtension reports whether exten matches pattern or could with
// more characters (E_CANMATCH).
func canMatchExtension(pattern, exten string) bool {
	return matchCore(pattern, exten, modeCanMatch) != 0
}

// matchCore is _extension_match_core: 0 for no match, 1 for a match, 2 for
// an early match (the pattern reached a `!`).
func matchCore(pattern, data string, mode matchMode) int {
	pattern, data = cstr(pattern), cstr(data)
	if !strings.HasPrefix(pattern, "_") {
		// Not a pattern: exact or partial match.
		lp, ld := extenLen(pattern), extenLen(data)
		if lp < ld {
			return 0
		}
		if mode == modeMatch {
			return b2i(cmpExten(pattern, data) == 0)
		}
		if ld == 0 || cmpExtenPartial(pattern, data) == 0 {
			if mode == modeMatchMore {
				return b2i(lp > ld)
			}
			return 1
		}
		return 0
	}
	if mode == modeMatch && strings.HasPrefix(data, "_") {
		// A pattern "dialled" (Goto(_X.,1)) matches the same pattern.
		if cmpPattern(pattern[1:], data[1:]) == 0 {
			return 1
		}
	}
	p, d := 1, 0
	for {
		for d < len(data) && data[d] == '-' {
			d++
		}
		for p < len(pattern) && pattern[p] == '-' {
			p++
		}
		if d >= len(data) || p >= len(pattern) || pattern[p] == '/' {
			break
		}
		c := data[d]
		switch pattern[p] {
		case '[':
			p++
			end := strings.IndexByte(pattern[p:], ']')
			if end < 0 {
				return 0 // "Wrong usage of [] in the extension"
			}
			end += p
			if p == end {
				// An empty set is ignored.
				p++
				continue
			}
			found := false
			for ; p < end; p++ {
				if p+2 < end && pattern[p+1] == '-' {
					if c >= pattern[p] && c <= pattern[p+2] {
						found = true
						break
					}
					p += 2
					continue
				}
				if c == pattern[p] {
					found = true
					break
				}
			}
			if !found {
				return 0
			}
			p = end
		case 'n', 'N':
			if c < '2' || c > '9' {
				return 0
			}
		case 'x', 'X':
			if c < '0' || c > '9' {
				return 0
			}
		case 'z', 'Z':
			if c < '1' || c > '9' {
				return 0
			}
		case '.':
			// One or more: matches whatever follows, even in E_MATCHMORE.
			return 1
		case '!':
			return 2
		default:
			if c != pattern[p] {
				return 0
			}
		}
		d++
		p++
	}
	if d < len(data) {
		return 0 // the dialled string is longer than the pattern
	}
	// The dialled string matched so far and ran out.
	switch {
	case p >= len(pattern) || pattern[p] == '/':
		return b2i(mode != modeMatchMore)
	case pattern[p] == '!':
		return 2
	default:
		return b2i(mode != modeMatch)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// extenLen is ext_cmp_exten_strlen: the length without '-'.
func extenLen(s string) int {
	return len(s) - strings.Count(s, "-")
}

// cmpExten is ext_cmp_exten: byte comparison skipping '-'.
func cmpExten(l, r string) int {
	i, j := 0, 0
	for {
		for i < len(l) && l[i] == '-' {
			i++
		}
		for j < len(r) && r[j] == '-' {
			j++
		}
		lc, rc := at(l, i), at(r, j)
		if lc != rc {
			return lc - rc
		}
		if lc == 0 {
			return 0
		}
		i++
		j++
	}
}

// cmpExtenPartial is ext_cmp_exten_partial: like cmpExten, but r may end
// first.
func cmpExtenPartial(l, r string) int {
	i, j := 0, 0
	for {
		for i < len(l) && l[i] == '-' {
			i++
		}
		for j < len(r) && r[j] == '-' {
			j++
		}
		if j >= len(r) {
			return 0
		}
		if d := at(l, i) - at(r, j); d != 0 {
			return d
		}
		i++
		j++
	}
}

// at returns s[i], or 0 past the end (the C string terminator).
func at(s string, i int) int {
	if i < len(s) {
		return int(s[i])
	}
	return 0
}

// Scores of ext_cmp_pattern_pos for the special positions.
const (
	scoreDot   = 0x18000 // '.'
	scoreBang  = 0x28000 // '!'
	scoreEnd   = 0x30000 // end of the pattern
	scoreError = 0x40000 // '[' without ']'
)

// patternPos is ext_cmp_pattern_pos: it scores the character or set at s[i]
// (the number of characters it matches in bits 8-15, the lowest one in bits
// 0-7, or one of the special scores) and fills bits with the set. next is
// the index after it, or -1 at the end of s.
func patternPos(s string, i int, bits *[32]byte) (score, next int) {
	for {
		for i < len(s) && s[i] == '-' {
			i++
		}
		if i >= len(s) {
			return scoreEnd, -1
		}
		c := s[i]
		i++
		switch c {
		case 'n', 'N':
			bits[6], bits[7] = 0x3f, 0xc0
			return 0x0800 | '2', i
		case 'x', 'X':
			bits[6], bits[7] = 0xff, 0xc0
			return 0x0A00 | '0', i
		case 'z', 'Z':
			bits[6], bits[7] = 0x7f, 0xc0
			return 0x0900 | '1', i
		case '.':
			return scoreDot, i
		case '!':
			return scoreBang, i
		case '[':
		default:
			bits[c/8] = 1 << (7 - c%8)
			return 0x0100 | int(c), i
		}
		end := strings.IndexByte(s[i:], ']')
		if end < 0 {
			return scoreError, i
		}
		end += i
		count, cmin := 0, 0xFF
		for ; i < end; i++ {
			c1 := int(s[i])
			c2 := c1
			if i+2 < end && s[i+1] == '-' {
				c2 = int(s[i+2])
				i += 2
			}
			cmin = min(cmin, c1)
			for ; c1 <= c2; c1++ {
				mask := byte(1) << (7 - c1%8)
				if bits[c1/8]&mask == 0 {
					bits[c1/8] |= mask
					count += 0x100
				}
			}
		}
		i++ // past ']'
		if count != 0 {
			return count | cmin, i
		}
		// An empty set is skipped.
	}
}

// cmpPattern is ext_cmp_pattern, for patterns without their leading '_'.
func cmpPattern(l, r string) int {
	li, ri := 0, 0
	for {
		var lb, rb [32]byte
		lp, ln := patternPos(l, li, &lb)
		rp, rn := patternPos(r, ri, &rb)
		cmp := lp - rp
		if cmp == 0 {
			// Same score, different sets: the one with lower characters first.
			cmp = bytes.Compare(rb[:], lb[:])
		}
		if cmp != 0 {
			return cmp
		}
		if ln < 0 {
			return 0
		}
		li, ri = ln, rn
	}
}

// comparePatterns implements ComparePatterns (ext_cmp).
//
// Plain names come before patterns and compare bytewise; patterns compare
// position by position, the position matching fewer characters first (a
// literal, then smaller sets, N before Z before X, `.` and then `!` last;
// equal-sized sets by their characters); a pattern that is longer at a
// position where the other has ended comes first. `-` is ignored, so
// "555-1212" and "5551212" are the same extension.
func comparePatterns(a, b string) int {
	a, b = cstr(a), cstr(b)
	if !strings.HasPrefix(a, "_") {
		if strings.HasPrefix(b, "_") {
			return -1
		}
		return cmpExten(a, b)
	}
	if !strings.HasPrefix(b, "_") {
		return 1
	}
	return cmpPattern(a[1:], b[1:])
}

// extenKey returns a string equal for two names exactly when
// ComparePatterns says they are the same extension.
func extenKey(name string) string {
	name = cstr(name)
	if !strings.HasPrefix(name, "_") {
		return "e" + strings.ReplaceAll(name, "-", "")
	}
	var b strings.Builder
	b.WriteByte('p')
	s, i := name[1:], 0
	for i >= 0 {
		var bits [32]byte
		var score int
		score, i = patternPos(s, i, &bits)
		b.WriteString(itoa(score))
		b.WriteByte(':')
		b.Write(bits[:])
		b.WriteByte(';')
	}
	return b.String()
}

func itoa(n int) string {
	const digits = "0123456789abcdef"
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = digits[n%16]
		n /= 16
	}
	return string(buf[i:])
}

// matchCallerID is matchcid: an empty caller ID matches only an empty
// caller ID pattern; otherwise the pattern must match (E_MATCH).
func matchCallerID(pattern, callerID string) bool {
	if callerID == "" {
		return pattern == ""
	}
	return matchExtension(pattern, callerID)
}

// stripBlanks is ext_strncpy: it removes spaces outside `[...]` from an
// extension or caller ID name as Asterisk does when it registers one.
func stripBlanks(s string) string {
	if !strings.Contains(s, " ") {
		return s
	}
	var b strings.Builder
	inSquares := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '[':
			inSquares = true
		case ']':
			inSquares = false
		case ' ':
			if !inSquares {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ShrinkPhoneNumber is ast_shrink_phone_number, applied to the caller ID
// part of `exten => 123/5551212` and to call files' CallerID: it drops '(', ')', spaces, '-' outside
// `[...]` and '.' unless it is the last character.
func ShrinkPhoneNumber(n string) string {
	var b strings.Builder
	bracketed := 0
	for i := 0; i < len(n); i++ {
		c := n[i]
		switch c {
		case '[':
			bracketed++
		case ']':
			bracketed--
		case '-':
			if bracketed == 0 {
				continue
			}
		case '.':
			if i+1 < len(n) {
				continue
			}
		case '(', ' ', ')':
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
