package campaign

import (
	"bytes"
	"encoding/csv"
	"os"
	"strings"
	"testing"
	"time"
)

func TestNormalizeNumber(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"+33 6 12-34-56-78", "+33612345678", true},
		{"0033612345678", "+33612345678", true},
		{"(555) 010-0199", "5550100199", true},
		{"06.12.34.56.78", "0612345678", true},
		{"12", "", false},
		{"1234567890123456", "", false},
		{"06 12 ab", "", false},
		{"6+1", "", false},
		{"", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := NormalizeNumber(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("NormalizeNumber(%q) = %q, %v; want %q (ok %v)", tc.in, got, err, tc.want, tc.ok)
			}
		})
	}
}

func TestNormalizeAmount(t *testing.T) {
	tests := []struct{ in, want string }{
		{"120", "120.00"}, {"120.5", "120.50"}, {"1,234.56", "1234.56"}, {"99,90", "99.90"},
		{"$ 45", "45.00"}, {"12 EUR", "12.00"}, {"1,234", "1234.00"}, {"-3", ""}, {"ten", ""}, {"", ""},
	}
	for _, tc := range tests {
		got, err := NormalizeAmount(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("NormalizeAmount(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeAmount(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseWindow(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"mon-fri 09:00-20:00", "mon,tue,wed,thu,fri 09:00-20:00", true},
		{"sat,sun 10:00-13:00", "sun,sat 10:00-13:00", true},
		{"09:00-18:00", "09:00-18:00", true},
		{"fri-mon 22:00-02:00", "sun,mon,fri,sat 22:00-02:00", true},
		{"Mon 8:30-12:00", "mon 08:30-12:00", true},
		{"mon-fri", "", false},
		{"xyz 09:00-10:00", "", false},
		{"mon 09:00-09:00", "", false},
		{"mon 25:00-26:00", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			w, err := ParseWindow(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseWindow(%q) error %v, want ok %v", tc.in, err, tc.ok)
			}
			if tc.ok && w.String() != tc.want {
				t.Errorf("ParseWindow(%q) = %q, want %q", tc.in, w, tc.want)
			}
		})
	}
}

func TestNextOpen(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	week, _ := ParseWindow("mon-fri 09:00-20:00")
	night, _ := ParseWindow("sat 22:00-02:00")
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, paris)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name     string
		windows  []Window
		now      string
		want     string
		alwaysOK bool
	}{
		{"inside", []Window{week}, "2026-12-02 10:00", "2026-12-02 10:00", false},
		{"before opening", []Window{week}, "2026-12-02 07:59", "2026-12-02 09:00", false},
		{"after closing", []Window{week}, "2026-12-02 20:00", "2026-12-03 09:00", false},
		{"friday night to monday", []Window{week}, "2026-12-04 21:00", "2026-12-07 09:00", false},
		{"across midnight, after it", []Window{week, night}, "2026-12-06 01:00", "2026-12-06 01:00", false},
		{"across midnight, before it", []Window{night}, "2026-12-05 18:00", "2026-12-05 22:00", false},
		{"no windows: any time", nil, "2026-12-06 03:00", "2026-12-06 03:00", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := NextOpen(tc.windows, at(tc.now), paris)
			if want := at(tc.want); !got.Equal(want) {
				t.Errorf("NextOpen(%s) = %v, want %v", tc.now, got.In(paris), want)
			}
		})
	}
	if got := NextOpen([]Window{{Start: 60, End: 120}}, time.Now(), paris); !got.IsZero() {
		t.Errorf("a window of no day opens at %v, want never", got)
	}
}

// Bad rows are reported at file:line and the good ones imported; the
// header's names are a spreadsheet's (';' separated, decimal commas).
func TestImportCSVErrors(t *testing.T) {
	f, err := os.Open("testdata/customers_bad.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, errs := ParseCSV(f, "customers_bad.csv")
	e, err := NewEngine(&MemStore{}, &fakeOriginator{}, WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Create(New("s", "pstn")); err != nil {
		t.Fatal(err)
	}
	added, ierrs := e.Import("s", "customers_bad.csv", rows)
	errs = append(errs, ierrs...)
	want := []string{
		`customers_bad.csv:8: extraneous or missing " in quoted-field`,
		`customers_bad.csv:4: number "": want 3 to 15 digits: invalid phone number`,
		`customers_bad.csv:5: amount "lots": invalid customer`,
		`customers_bad.csv:6: timezone "Mars/Olympus": invalid customer`,
		`customers_bad.csv:7: number +34612345678 repeats line 2: duplicate customer`,
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if added != 2 {
		t.Fatalf("%d imported, want 2", added)
	}
	cs, _ := e.Customers("s")
	if c := cs[0]; c.ID != "A-1" || c.Name != "Ana López" || c.Number != "+34612345678" || c.Amount != "1234.50" ||
		c.Currency != "eur" || c.Language != "es" || c.Timezone != "Europe/Madrid" {
		t.Errorf("customer A-1 = %+v", c)
	}
	if c := cs[1]; c.Number != "+33611223344" || c.Amount != "99.90" || c.Language != "ar" {
		t.Errorf("customer A-2 = %+v", c)
	}
}

func TestParseCSVHeader(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"no number column", "id,name,amount\n1,a,3\n", `x.csv:1: header "id,name,amount" has no number column: invalid customer`},
		{"empty", "", "x.csv:1: empty file: want a header row: invalid customer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := ParseCSV(strings.NewReader(tc.in), "x.csv")
			if len(errs) != 1 || errs[0].Error() != tc.want {
				t.Errorf("errors %v, want %q", errs, tc.want)
			}
		})
	}
	rows, errs := ParseCSV(strings.NewReader("\ufeffNumber,Amount Due,Notes\n555 0100,12,call after 6\n\n5550101,3,\n"), "bom.csv")
	if len(errs) != 0 || len(rows) != 2 || rows[0].Customer.Number != "555 0100" || rows[1].Line != 4 || rows[1].Customer.Amount != "3" {
		t.Errorf("rows %+v, errors %v", rows, errs)
	}
}

func TestWriteResults(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	cs := []*Customer{
		{ID: "a", Name: "Ann", Number: "5550100", Amount: "10.00", Currency: "usd", Language: "en", Status: StatusPaid, Done: true,
			PaymentID: "pi_1", PaymentStatus: "succeeded",
			Attempts: []Attempt{
				{N: 1, Started: t0, Ended: t0.Add(time.Second), Outcome: StatusBusy, DialStatus: "BUSY", SIPCode: 486},
				{N: 2, Started: t0.Add(time.Hour), Outcome: StatusPaid, DialStatus: "ANSWER"},
			}},
		{ID: "b", Number: "5550101", Amount: "3.00", Currency: "usd", Language: "fr", Status: StatusNoAnswer, NextAt: t0.Add(2 * time.Hour),
			Attempts: []Attempt{{N: 1, Started: t0, Outcome: StatusNoAnswer, DialStatus: "NOANSWER"}}},
		{ID: "c", Number: "5550102", Amount: "1.00", Currency: "usd", Language: "en", Status: StatusPending, NextAt: t0},
	}
	var b bytes.Buffer
	if err := WriteResults(&b, cs); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		resultColumns,
		{"a", "Ann", "5550100", "10.00", "usd", "en", "", "paid", "2", "2026-12-02T11:00:00Z", "ANSWER", "", "", "pi_1", "succeeded", "", "1 2026-12-02T10:00:00Z busy 486; 2 2026-12-02T11:00:00Z paid"},
		{"b", "", "5550101", "3.00", "usd", "fr", "", "no-answer", "1", "2026-12-02T10:00:00Z", "NOANSWER", "", "2026-12-02T12:00:00Z", "", "", "", "1 2026-12-02T10:00:00Z no-answer"},
		{"c", "", "5550102", "1.00", "usd", "en", "", "pending", "0", "", "", "", "", "", "", "", ""},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i := range want {
		if strings.Join(recs[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("record %d:\n got %q\nwant %q", i, recs[i], want[i])
		}
	}
}
