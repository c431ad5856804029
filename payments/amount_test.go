package payments

import (
	"errors"
	"testing"
)

func TestMinorUnits(t *testing.T) {
	tests := []struct {
		name     string
		amount   string
		currency Currency
		want     int64
		wantErr  bool
	}{
		{"dollars and cents", "120.00", "usd", 12000, false},
		{"whole dollars", "120", "usd", 12000, false},
		{"one decimal", "120.5", "usd", 12050, false},
		{"cents only", "0.29", "usd", 29, false},
		{"leading dot", ".50", "eur", 50, false},
		{"spaces", " 7.10 ", "gbp", 710, false},
		{"yen are whole", "120", "jpy", 120, false},
		{"yen with zero decimals", "120.00", "jpy", 120, false},
		{"yen fraction", "120.5", "jpy", 0, true},
		{"won", "5000", "krw", 5000, false},
		{"dinar thousandths", "1.234", "kwd", 1234, false},
		{"dinar whole", "3", "bhd", 3000, false},
		{"three decimals in dollars", "1.234", "usd", 0, true},
		{"zero", "0.00", "usd", 0, true},
		{"negative", "-5", "usd", 0, true},
		{"comma", "1,20", "eur", 0, true},
		{"empty", "", "usd", 0, true},
		{"dot", ".", "usd", 0, true},
		{"letters", "12a", "usd", 0, true},
		{"exponent", "1e3", "usd", 0, true},
		{"overflow", "999999999999999999999", "usd", 0, true},
		{"overflow after scaling", "92233720368547759", "usd", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MinorUnits(tc.amount, tc.currency)
			if tc.wantErr {
				if !errors.Is(err, ErrBadAmount) {
					t.Fatalf("MinorUnits(%q, %s) = %d, %v; want ErrBadAmount", tc.amount, tc.currency, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("MinorUnits(%q, %s) = %d, %v; want %d", tc.amount, tc.currency, got, err, tc.want)
			}
		})
	}
}

func TestFormatMinor(t *testing.T) {
	tests := []struct {
		v    int64
		c    Currency
		want string
	}{
		{12000, "usd", "120.00"},
		{5, "usd", "0.05"},
		{120, "jpy", "120"},
		{1234, "kwd", "1.234"},
		{-250, "eur", "-2.50"},
	}
	for _, tc := range tests {
		if got := FormatMinor(tc.v, tc.c); got != tc.want {
			t.Errorf("FormatMinor(%d, %s) = %q, want %q", tc.v, tc.c, got, tc.want)
		}
	}
}

func TestParseCurrency(t *testing.T) {
	tests := []struct {
		in      string
		want    Currency
		wantErr bool
	}{
		{"usd", "usd", false},
		{" JPY ", "jpy", false},
		{"us", "", true},
		{"usd1", "", true},
		{"u$d", "", true},
		{"", "", true},
	}
	for _, tc := range tests {
		got, err := ParseCurrency(tc.in)
		if tc.wantErr != errors.Is(err, ErrBadCurrency) || got != tc.want {
			t.Errorf("ParseCurrency(%q) = %q, %v; want %q (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestSpoken(t *testing.T) {
	tests := []struct {
		name     string
		amount   string
		currency Currency
		lang     string
		want     string
	}{
		{"english whole", "120.00", "usd", "en", "120 dollars"},
		{"english cents", "120.50", "usd", "en", "120 dollars and 50 cents"},
		{"english one", "1.01", "usd", "en", "1 dollar and 1 cent"},
		{"english cents only", "0.75", "usd", "en", "75 cents"},
		{"french", "120.00", "usd", "fr", "120 dollars"},
		{"french euros", "99.90", "eur", "fr_FR", "99 euros et 90 centimes"},
		{"spanish", "120.00", "usd", "es", "120 dólares"},
		{"spanish cents", "120.05", "usd", "es", "120 dólares con 5 centavos"},
		{"arabic", "120.00", "usd", "ar", "120 دولار"},
		{"arabic dirhams", "50.25", "mad", "ar", "50 درهم و 25 سنتيم"},
		{"yen", "5000", "jpy", "en", "5000 yen"},
		{"unknown language is english", "3", "gbp", "de", "3 pounds"},
		{"unknown currency", "12.5", "chf", "en", "12.50 CHF"},
		{"malformed", "12,5", "usd", "en", "12,5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Spoken(tc.amount, tc.currency, tc.lang); got != tc.want {
				t.Errorf("Spoken(%q, %s, %s) = %q, want %q", tc.amount, tc.currency, tc.lang, got, tc.want)
			}
		})
	}
}
