package dtmf

import "testing"

func TestEventCode(t *testing.T) {
	tests := []struct {
		name  string
		digit rune
		code  uint8
		ok    bool
	}{
		{"zero", '0', 0, true},
		{"nine", '9', 9, true},
		{"star", '*', 10, true},
		{"hash", '#', 11, true},
		{"A", 'A', 12, true},
		{"D", 'D', 15, true},
		{"lower b", 'b', 13, true},
		{"E", 'E', 0, false},
		{"flash", '!', 0, false},
		{"space", ' ', 0, false},
		{"nul", 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, ok := EventCode(tc.digit)
			if code != tc.code || ok != tc.ok {
				t.Errorf("EventCode(%q) = %d, %v; want %d, %v", tc.digit, code, ok, tc.code, tc.ok)
			}
		})
	}
}

func TestDigitOfRoundTrip(t *testing.T) {
	for code := range uint8(16) {
		d, ok := DigitOf(code)
		if !ok {
			t.Fatalf("DigitOf(%d) not ok", code)
		}
		if back, _ := EventCode(d); back != code {
			t.Errorf("EventCode(DigitOf(%d)=%q) = %d", code, d, back)
		}
	}
	for _, code := range []uint8{16, 17, 255} {
		if d, ok := DigitOf(code); ok {
			t.Errorf("DigitOf(%d) = %q, true; want not ok", code, d)
		}
	}
}

func TestSourceString(t *testing.T) {
	tests := []struct {
		name string
		src  Source
		want string
	}{
		{"unknown", SourceUnknown, "unknown"},
		{"rfc4733", SourceRFC4733, "rfc4733"},
		{"info", SourceINFO, "info"},
		{"inband", SourceInband, "inband"},
		{"out of range", Source(42), "unknown"},
		{"negative", Source(-1), "unknown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.src.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseSource(t *testing.T) {
	tests := []struct {
		in      string
		want    Source
		wantErr bool
	}{
		{"rfc4733", SourceRFC4733, false},
		{"rfc2833", SourceRFC4733, false},
		{"info", SourceINFO, false},
		{"inband", SourceInband, false},
		{"auto", SourceUnknown, true},
		{"", SourceUnknown, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSource(tc.in)
			if got != tc.want || (err != nil) != tc.wantErr {
				t.Errorf("ParseSource(%q) = %v, %v", tc.in, got, err)
			}
		})
	}
	for s := SourceRFC4733; s <= SourceInband; s++ {
		if got, err := ParseSource(s.String()); err != nil || got != s {
			t.Errorf("ParseSource(%v.String()) = %v, %v", s, got, err)
		}
	}
}

func TestEventString(t *testing.T) {
	ev := Event{Digit: '5', Duration: 100e6, Source: SourceRFC4733}
	if got, want := ev.String(), "5 (100ms, rfc4733)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
