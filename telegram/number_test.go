package telegram

import (
	"errors"
	"testing"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		name, in string
		want     Number
		wantErr  bool
	}{
		{"e164", "+15551234567", "+15551234567", false},
		{"e164 blanks", "+1 555 123 4567", "+15551234567", false},
		{"e164 dashes", "+1-555-123-4567", "+15551234567", false},
		{"e164 uk", "+44 20 7946 0958", "+442079460958", false},
		{"international prefix", "00 44 20 7946 0958", "+442079460958", false},
		{"us parens", "(555) 123-4567", "+15551234567", false},
		{"us dashes", "555-123-4567", "+15551234567", false},
		{"us dots", "555.123.4567", "+15551234567", false},
		{"us bare", "5551234567", "+15551234567", false},
		{"us leading 1", "1-555-123-4567", "+15551234567", false},
		{"us leading 1 parens", "1 (555) 123-4567", "+15551234567", false},
		{"us 11 digits", "15551234567", "+15551234567", false},
		{"empty", "", "", true},
		{"letters", "555-CALL-NOW", "", true},
		{"too short us", "555-1234", "", true},
		{"too long", "+1234567890123456", "", true},
		{"too short e164", "+1234567", "", true},
		{"plus inside", "1+5551234567", "", true},
		{"country code 0", "+0123456789", "", true},
		{"nanp short", "+1 555 123 456", "", true},
		{"nanp area 0", "+1 055 123 4567", "", true},
		{"us area 1", "(155) 123-4567", "", true},
		{"unbalanced", "(555 123-4567", "", true},
		{"two pairs", "(555) (123) 4567", "", true},
		{"12 digits no plus", "445551234567", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseNumber(tc.in)
			if tc.wantErr {
				if err == nil || !errors.Is(err, ErrInvalidNumber) {
					t.Fatalf("ParseNumber(%q) = %q, %v; want ErrInvalidNumber", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseNumber(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"+15551234567", "(555) 123-4567", "1-555-123-4567", "00 44 20", "abc", "+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNumber(s)
		if err != nil {
			return
		}
		again, err := ParseNumber(n.String())
		if err != nil || again != n {
			t.Fatalf("%q → %q does not parse to itself: %q, %v", s, n, again, err)
		}
	})
}
