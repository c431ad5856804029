package pbx

import (
	"reflect"
	"testing"
)

func TestParseDialOptions(t *testing.T) {
	tests := []struct {
		in   string
		want map[rune]string
	}{
		{"", map[rune]string{}},
		{"tT", map[rune]string{'t': "", 'T': ""}},
		{"gL(60000:30000)r", map[rune]string{'g': "", 'L': "60000:30000", 'r': ""}},
		{"F(ctx^s^1)U(sub^a(b))", map[rune]string{'F': "ctx^s^1", 'U': "sub^a(b)"}},
		{"L(5000", map[rune]string{'L': "5000"}},
	}
	for _, tc := range tests {
		if got := parseDialOptions(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseDialOptions(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
