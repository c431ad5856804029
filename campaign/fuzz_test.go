package campaign

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzParseCSV: any input gives rows and errors, never a panic; rows are
// after the header, errors say file:line, and checking the rows keeps or
// refuses each one.
func FuzzParseCSV(f *testing.F) {
	for _, name := range []string{"testdata/customers_good.csv", "testdata/customers_bad.csv"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("number;amount\n\"06 12\";\"1,5\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, errs := ParseCSV(strings.NewReader(string(data)), "f.csv")
		for _, r := range rows {
			if r.Line < 2 {
				t.Fatalf("row at line %d, before or on the header", r.Line)
			}
		}
		for _, err := range errs {
			var re *RowError
			if !errors.As(err, &re) || !strings.HasPrefix(err.Error(), "f.csv:") {
				t.Fatalf("error %v is not a file:line RowError", err)
			}
		}
		good, bad := checkRows(New("f", "pstn"), "f.csv", rows, nil, nil)
		if len(good)+len(bad) != len(rows) {
			t.Fatalf("%d rows checked into %d good and %d bad", len(rows), len(good), len(bad))
		}
	})
}
