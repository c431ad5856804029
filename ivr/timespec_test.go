package ivr

import (
	"strings"
	"testing"
	"time"
)

// at returns 2026-03-<day> hh:mm (March 2026: the 2nd is a Monday) in UTC.
func march(day, hh, mm int) time.Time {
	return time.Date(2026, 3, day, hh, mm, 0, 0, time.UTC)
}

// Cases after ast_build_timing / ast_check_timing2 (and the GotoIfTime and
// include documentation): times to the minute with both ends included,
// ranges that wrap, `&` lists, names, `|` separators.
func TestTimeSpecMatch(t *testing.T) {
	tests := []struct {
		name string
		spec string
		at   time.Time
		want bool
	}{
		{"office hours, inside", "08:00-17:00,mon-fri,*,*", march(4, 10, 0), true},
		{"office hours, start minute", "08:00-17:00,mon-fri,*,*", march(4, 8, 0), true},
		{"office hours, end minute included", "08:00-17:00,mon-fri,*,*", time.Date(2026, 3, 4, 17, 0, 59, 0, time.UTC), true},
		{"office hours, after end minute", "08:00-17:00,mon-fri,*,*", march(4, 17, 1), false},
		{"office hours, before", "08:00-17:00,mon-fri,*,*", march(4, 7, 59), false},
		{"office hours, saturday", "08:00-17:00,mon-fri,*,*", march(7, 10, 0), false},
		{"night wraps past midnight, late", "22:00-06:00,*,*,*", march(4, 23, 30), true},
		{"night wraps past midnight, early", "22:00-06:00,*,*,*", march(4, 3, 0), true},
		{"night wraps, end included", "22:00-06:00,*,*,*", march(4, 6, 0), true},
		{"night wraps, after end", "22:00-06:00,*,*,*", march(4, 6, 1), false},
		{"night wraps, midday", "22:00-06:00,*,*,*", march(4, 12, 0), false},
		{"single minute", "12:30,*,*,*", time.Date(2026, 3, 4, 12, 30, 45, 0, time.UTC), true},
		{"single minute, next", "12:30,*,*,*", march(4, 12, 31), false},
		{"time list, first", "09:00-12:00&14:00-17:00,*,*,*", march(4, 9, 30), true},
		{"time list, gap", "09:00-12:00&14:00-17:00,*,*,*", march(4, 13, 0), false},
		{"time list, second", "09:00-12:00&14:00-17:00,*,*,*", march(4, 15, 0), true},
		{"weekdays wrap fri-mon, friday", "*,fri-mon,*,*", march(6, 12, 0), true},
		{"weekdays wrap fri-mon, sunday", "*,fri-mon,*,*", march(8, 12, 0), true},
		{"weekdays wrap fri-mon, monday", "*,fri-mon,*,*", march(9, 12, 0), true},
		{"weekdays wrap fri-mon, tuesday", "*,fri-mon,*,*", march(10, 12, 0), false},
		{"weekday list", "*,sat&sun,*,*", march(7, 12, 0), true},
		{"weekday list, weekday", "*,sat&sun,*,*", march(5, 12, 0), false},
		{"weekday number 1 is sunday", "*,1,*,*", march(8, 12, 0), true},
		{"weekday number 1 is not monday", "*,1,*,*", march(9, 12, 0), false},
		{"names in any case", "*,MON-Fri,*,Mar", march(2, 12, 0), true},
		{"month days wrap", "*,*,25-5,*", march(3, 12, 0), true},
		{"month days wrap, end of month", "*,*,25-5,*", march(28, 12, 0), true},
		{"month days wrap, middle", "*,*,25-5,*", march(10, 12, 0), false},
		{"months wrap nov-feb, january", "*,*,*,nov-feb", time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC), true},
		{"months wrap nov-feb, december", "*,*,*,nov-feb", time.Date(2026, 12, 15, 12, 0, 0, 0, time.UTC), true},
		{"months wrap nov-feb, march", "*,*,*,nov-feb", march(15, 12, 0), false},
		{"month number", "*,*,1,1", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"pipe separators", "*|mon|*|*", march(2, 12, 0), true},
		{"pipe separators, other day", "*|mon|*|*", march(3, 12, 0), false},
		{"times only", "08:00-09:00", march(7, 8, 30), true},
		{"empty fields are any", "08:00-09:00,,,", march(7, 8, 30), true},
		{"all stars", "*,*,*,*", march(7, 3, 3), true},
		{"blanks around fields", " 08:00-17:00 , mon-fri , * , * ", march(4, 10, 0), true},
		{"utc zone", "10:00-10:59,*,*,*,UTC", time.Date(2026, 3, 4, 11, 30, 0, 0, time.FixedZone("X", 3600)), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts, err := ParseTimeSpec(tc.spec)
			if err != nil {
				t.Fatalf("ParseTimeSpec(%q): %v", tc.spec, err)
			}
			if got := ts.Match(tc.at); got != tc.want {
				t.Errorf("%q.Match(%s) = %v, want %v", tc.spec, tc.at.Format("Mon 2006-01-02 15:04:05"), got, tc.want)
			}
			if ts.String() != tc.spec {
				t.Errorf("String() = %q, want %q", ts.String(), tc.spec)
			}
		})
	}
}

// Without a time zone the time's own location counts; with one, that zone.
func TestTimeSpecZone(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no Europe/Paris zone data:", err)
	}
	local, err := ParseTimeSpec("09:00-17:00,*,*,*")
	if err != nil {
		t.Fatal(err)
	}
	zoned, err := ParseTimeSpec("09:00-17:00,*,*,*,Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	utc0830 := time.Date(2026, 3, 4, 8, 30, 0, 0, time.UTC) // 09:30 in Paris
	if local.Match(utc0830) {
		t.Error("08:30 UTC matched 09:00-17:00 without a zone")
	}
	if !local.Match(utc0830.In(paris)) {
		t.Error("09:30 Paris did not match 09:00-17:00 without a zone")
	}
	if !zoned.Match(utc0830) {
		t.Error("08:30 UTC (09:30 Paris) did not match 09:00-17:00 Europe/Paris")
	}
	if zoned.Match(time.Date(2026, 3, 4, 16, 30, 0, 0, time.UTC)) {
		t.Error("16:30 UTC (17:30 Paris) matched 09:00-17:00 Europe/Paris")
	}
}

func TestTimeSpecErrors(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"", "empty time spec"},
		{"   ", "empty time spec"},
		{"25:00-26:00,*,*,*", `invalid start time "25:00"`},
		{"08:00-,*,*,*", `invalid end time ""`},
		{"08:00-17:60,*,*,*", `invalid end time "17:60"`},
		{"8-17,*,*,*", `invalid start time "8"`},
		{"noon,*,*,*", `invalid time "noon"`},
		{"*,mon-fir,*,*", `invalid end day of week "fir"`},
		{"*,monday,*,*", `invalid day of week "monday"`},
		{"*,8,*,*", `invalid day of week "8"`},
		{"*,*,32,*", `invalid day of month "32"`},
		{"*,*,0,*", `invalid day of month "0"`},
		{"*,*,*,13", `invalid month "13"`},
		{"*,*,*,janvier", `invalid month "janvier"`},
		{"*,*,*,*,Mars/Olympus_Mons", `unknown time zone "Mars/Olympus_Mons"`},
		{"*,*,*,*,UTC,extra", "has 6 fields"},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			ts, err := ParseTimeSpec(tc.spec)
			if err == nil {
				t.Fatalf("ParseTimeSpec(%q) = %v, want an error", tc.spec, ts)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestTimeSpecNil(t *testing.T) {
	var ts *TimeSpec
	if !ts.Match(march(1, 0, 0)) {
		t.Error("a nil TimeSpec must match every time")
	}
	if neverTimeSpec("bad").Match(march(1, 0, 0)) {
		t.Error("a never spec matched")
	}
}

func FuzzParseTimeSpec(f *testing.F) {
	for _, s := range []string{"08:00-17:00,mon-fri,*,*", "22:00-06:00|fri-mon|25-5|nov-feb", "*,*,*,*,UTC", "12:30&13:00-13:01,1&7,31,12"} {
		f.Add(s, int64(1772618400))
	}
	f.Fuzz(func(t *testing.T, spec string, unix int64) {
		ts, err := ParseTimeSpec(spec)
		if err != nil {
			return
		}
		ts.Match(time.Unix(unix%(1<<40), 0).UTC())
	})
}
