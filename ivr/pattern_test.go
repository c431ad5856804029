package ivr

import (
	"slices"
	"strings"
	"testing"
)

// Cases from the pattern rules documented in Asterisk's main/pbx.c
// (_extension_match_core) and the extensions.conf sample.
func TestMatchExtension(t *testing.T) {
	tests := []struct {
		name           string
		pattern, exten string
		want           bool
	}{
		{"plain name matches itself", "123", "123", true},
		{"plain name is not a prefix match", "123", "12", false},
		{"plain name does not match longer", "123", "1234", false},
		{"plain name is case-sensitive", "s", "S", false},
		{"dash ignored in plain name", "555-1212", "5551212", true},
		{"dash ignored in dialled string", "5551212", "555-1212", true},
		{"X is 0-9", "_X", "0", true},
		{"X is not a letter", "_X", "a", false},
		{"x lower case is X", "_x", "7", true},
		{"Z is 1-9", "_Z", "1", true},
		{"Z excludes 0", "_Z", "0", false},
		{"N is 2-9", "_N", "2", true},
		{"N excludes 1", "_N", "1", false},
		{"n lower case is N", "_n", "9", true},
		{"set range", "_[1-3]", "2", true},
		{"set range excludes", "_[1-3]", "4", false},
		{"set members", "_[137]", "7", true},
		{"set mixes ranges and members", "_[1-35]", "5", true},
		{"set with letters", "_[a-c]", "b", true},
		{"set is case-sensitive", "_[a-c]", "B", false},
		{"no negation: caret is a member", "_[^1]", "^", true},
		{"no negation: caret does not negate", "_[^1]", "2", false},
		{"empty set is ignored", "_[]X", "5", true},
		{"unclosed set never matches", "_[1-3", "1", false},
		{"literal in pattern", "_9NXX", "9555", true},
		{"literal is case-sensitive", "_abc", "ABC", false},
		{"pattern length must match", "_XXX", "12", false},
		{"pattern does not match longer", "_XXX", "1234", false},
		{"dot needs one more", "_X.", "1", false},
		{"dot matches one more", "_X.", "12", true},
		{"dot matches many more", "_X.", "1234567890", true},
		{"dot matches anything", "_X.", "1#*ab", true},
		{"bang matches zero more", "_X!", "1", true},
		{"bang matches more", "_X!", "123", true},
		{"lone bang matches empty", "_!", "", true},
		{"lone dot needs one", "_.", "", false},
		{"dot in the middle matches the rest", "_1.2", "1999", true},
		{"dashes in pattern", "_NXX-XXXX", "5551212", true},
		{"dashes in dialled string", "_NXXXXXX", "555-1212", true},
		{"slash ends the pattern", "_1X/555", "12", true},
		{"dialled pattern matches the same pattern", "_X.", "_X.", true},
		{"dialled pattern matches an equal set", "_X.", "_[0-9].", true},
		{"empty pattern matches empty", "", "", true},
		{"empty underscore pattern matches empty", "_", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := MatchExtension(tc.pattern, tc.exten); got != tc.want {
				t.Errorf("MatchExtension(%q, %q) = %v, want %v", tc.pattern, tc.exten, got, tc.want)
			}
		})
	}
}

// E_MATCH, E_CANMATCH and E_MATCHMORE results of _extension_match_core.
func TestMatchCoreModes(t *testing.T) {
	tests := []struct {
		name                      string
		pattern, exten            string
		match, canMatch, moreWant int
	}{
		{"plain prefix", "123", "12", 0, 1, 1},
		{"plain complete", "123", "123", 1, 1, 0},
		{"plain empty input", "123", "", 0, 1, 1},
		{"plain mismatch", "123", "124", 0, 0, 0},
		{"pattern prefix", "_XX", "1", 0, 1, 1},
		{"pattern complete", "_XX", "12", 1, 1, 0},
		{"pattern too long", "_XX", "123", 0, 0, 0},
		{"dot before its character", "_X.", "1", 0, 1, 1},
		{"dot always wants more", "_X.", "12", 1, 1, 1},
		{"bang is an early match", "_X!", "1", 2, 2, 2},
		{"bang before the fixed part", "_X!", "", 0, 1, 1},
		{"bang with more", "_X!", "12", 2, 2, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := []int{
				matchCore(tc.pattern, tc.exten, modeMatch),
				matchCore(tc.pattern, tc.exten, modeCanMatch),
				matchCore(tc.pattern, tc.exten, modeMatchMore),
			}
			want := []int{tc.match, tc.canMatch, tc.moreWant}
			if !slices.Equal(got, want) {
				t.Errorf("match/canmatch/matchmore(%q, %q) = %v, want %v", tc.pattern, tc.exten, got, want)
			}
		})
	}
}

func TestComparePatternsOrder(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{
			name: "exact names first, then patterns by the specificity of each position",
			in:   []string{"_X.", "_1XX", "_12X", "123", "_[1-3]XX", "_.", "_!", "_NXXNXXXXXX", "s", "_ZXX", "1"},
			want: []string{"1", "123", "s", "_12X", "_1XX", "_[1-3]XX", "_NXXNXXXXXX", "_ZXX", "_X.", "_.", "_!"},
		},
		{
			name: "a pattern that goes on sorts before one that ended",
			in:   []string{"_X", "_XX", "_XXX", "_X!", "_X."},
			want: []string{"_XXX", "_XX", "_X.", "_X!", "_X"},
		},
		{
			name: "smaller sets first, equal sizes by their lowest characters",
			in:   []string{"_[2-3]", "_[13]", "_[1-2]", "_[1-3]", "_1"},
			want: []string{"_1", "_[1-2]", "_[13]", "_[2-3]", "_[1-3]"},
		},
		{
			name: "plain names bytewise",
			in:   []string{"t", "s", "h", "100", "2", "10", "i"},
			want: []string{"10", "100", "2", "h", "i", "s", "t"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := slices.Clone(tc.in)
			slices.SortStableFunc(got, ComparePatterns)
			if !slices.Equal(got, tc.want) {
				t.Errorf("sorted:\n got  %v\n want %v", got, tc.want)
			}
		})
	}
}

func TestComparePatternsEqual(t *testing.T) {
	for _, pair := range [][2]string{
		{"_X.", "_[0-9]."},
		{"_x.", "_X."},
		{"555-1212", "5551212"},
		{"_NXX-XXXX", "_NXXXXXX"},
		{"_[1-3]", "_[123]"},
		{"_[]X", "_X"},
	} {
		if c := ComparePatterns(pair[0], pair[1]); c != 0 {
			t.Errorf("ComparePatterns(%q, %q) = %d, want 0 (the same extension)", pair[0], pair[1], c)
		}
		if extenKey(pair[0]) != extenKey(pair[1]) {
			t.Errorf("extenKey(%q) != extenKey(%q)", pair[0], pair[1])
		}
	}
	for _, pair := range [][2]string{{"_X", "X"}, {"_1", "1"}, {"_[12]", "_[13]"}, {"_X.", "_X!"}} {
		if c := ComparePatterns(pair[0], pair[1]); c == 0 {
			t.Errorf("ComparePatterns(%q, %q) = 0, want different", pair[0], pair[1])
		}
	}
}

func TestShrinkPhoneNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"(555) 121-2", "5551212"},
		{"555.1212", "5551212"},
		{"_0791X.", "_0791X."},
		{"_[0-4]XX", "_[0-4]XX"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := ShrinkPhoneNumber(tc.in); got != tc.want {
			t.Errorf("ShrinkPhoneNumber(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func FuzzMatchExtension(f *testing.F) {
	for _, s := range [][2]string{
		{"_X.", "123"}, {"_NXX-XXXX", "555-1212"}, {"_[1-3a-c]!", "2b"}, {"_[", "["},
		{"_[]", ""}, {"123", "12"}, {"_X!", ""}, {"_[\xff-\x00]", "\x80"}, {"_[a-\xff]X", "\xfe1"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		m := MatchExtension(a, b)
		can := canMatchExtension(a, b)
		more := matchCore(a, b, modeMatchMore)
		if m && !can && !strings.HasPrefix(b, "_") {
			t.Errorf("%q matches %q but cannot match", a, b)
		}
		if more != 0 && !can {
			t.Errorf("%q matches more of %q but cannot match", a, b)
		}
		if !strings.HasPrefix(b, "_") && !strings.Contains(a, "!") && !strings.Contains(a, "/") && m && more == 1 && !strings.Contains(a, ".") {
			t.Errorf("%q matches %q exactly and still wants more", a, b)
		}
		ab, ba := ComparePatterns(a, b), ComparePatterns(b, a)
		if sign(ab) != -sign(ba) {
			t.Errorf("ComparePatterns(%q, %q) = %d but reversed = %d", a, b, ab, ba)
		}
		if ComparePatterns(a, a) != 0 {
			t.Errorf("ComparePatterns(%q, itself) != 0", a)
		}
		if (ab == 0) != (extenKey(a) == extenKey(b)) {
			t.Errorf("ComparePatterns(%q, %q) = %d but keys equal = %v", a, b, ab, extenKey(a) == extenKey(b))
		}
	})
}
