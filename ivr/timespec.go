package ivr

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// This file follows ast_build_timing and ast_check_timing2 (main/pbx.c,
// later main/pbx_timing.c) of Asterisk.
//
//	times,weekdays,mdays,months[,timezone]
//
// Fields may be separated by `,` or `|` and may be left out from the right
// (a missing field means any). Each field is `*` (or empty) for any, or a
// list of elements joined by `&`; an element is one value or a range `a-b`
// that wraps around (`fri-mon`, `22:00-06:00`, `25-5`, `nov-feb`). Times are
// HH:MM to the minute, both ends included (`09:00-17:00` runs to 17:00:59).
// Weekdays are sun..sat or 1..7 (1 = sun); months jan..dec or 1..12; names
// are the three-letter English ones, in any case. Asterisk logs and skips a
// bad element; ParseTimeSpec returns an error instead.

// timeSpecData is the parsed form of a TimeSpec.
type timeSpecData struct {
	minutes [(24*60 + 63) / 64]uint64 // one bit a minute of the day
	dow     uint32                    // bit 0 = Sunday
	mdays   uint32                    // bit 0 = the 1st
	months  uint32                    // bit 0 = January
	loc     *time.Location            // nil: the time's own location
	never   bool                      // an invalid spec kept so it never matches
}

var weekdayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

var monthNames = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// parseTimeSpec implements ParseTimeSpec.
func parseTimeSpec(s string) (*TimeSpec, error) {
	ts := &TimeSpec{raw: s}
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("empty time spec")
	}
	fields := splitAny(s, ",|")
	if len(fields) > 5 {
		return nil, fmt.Errorf("time spec %q has %d fields, at most 5 (times,weekdays,mdays,months,timezone)", s, len(fields))
	}
	for len(fields) < 4 {
		fields = append(fields, "*")
	}
	d := &ts.data
	var err error
	if err = d.parseTimes(strings.TrimSpace(fields[0])); err != nil {
		return nil, err
	}
	if d.dow, err = parseRange(fields[1], 7, weekdayNames, "day of week"); err != nil {
		return nil, err
	}
	if d.mdays, err = parseRange(fields[2], 31, nil, "day of month"); err != nil {
		return nil, err
	}
	if d.months, err = parseRange(fields[3], 12, monthNames, "month"); err != nil {
		return nil, err
	}
	if len(fields) == 5 {
		if tz := strings.TrimSpace(fields[4]); tz != "" {
			loc, err := time.LoadLocation(tz)
			if err != nil {
				return nil, fmt.Errorf("unknown time zone %q", tz)
			}
			d.loc = loc
		}
	}
	return ts, nil
}

// neverTimeSpec returns a spec written as raw that matches no time, for a
// timed include whose spec is invalid (Asterisk skips the bad elements,
// which leaves the include inactive).
func neverTimeSpec(raw string) *TimeSpec {
	ts := &TimeSpec{raw: raw}
	ts.data.never = true
	return ts
}

// splitAny splits s at every byte in seps.
func splitAny(s, seps string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(seps, s[i]) >= 0 {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// match implements TimeSpec.Match.
func (ts *TimeSpec) match(t time.Time) bool {
	if ts == nil {
		return true
	}
	d := &ts.data
	if d.never {
		return false
	}
	if d.loc != nil {
		t = t.In(d.loc)
	}
	if d.months&(1<<(int(t.Month())-1)) == 0 ||
		d.mdays&(1<<(t.Day()-1)) == 0 ||
		d.dow&(1<<int(t.Weekday())) == 0 {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	return d.minutes[m/64]&(1<<(m%64)) != 0
}

func (d *timeSpecData) setMinute(m int) { d.minutes[m/64] |= 1 << (m % 64) }

// parseTimes is get_timerange.
func (d *timeSpecData) parseTimes(s string) error {
	if s == "" || s == "*" {
		for m := range 24 * 60 {
			d.setMinute(m)
		}
		return nil
	}
	for part := range strings.SplitSeq(s, "&") {
		part = strings.TrimSpace(part)
		from, to, isRange := strings.Cut(part, "-")
		start, ok := parseHM(from)
		if !ok {
			if isRange {
				return fmt.Errorf("invalid start time %q in time range %q", strings.TrimSpace(from), part)
			}
			return fmt.Errorf("invalid time %q (want HH:MM or HH:MM-HH:MM)", part)
		}
		if !isRange {
			d.setMinute(start)
			continue
		}
		end, ok := parseHM(to)
		if !ok {
			return fmt.Errorf("invalid end time %q in time range %q", strings.TrimSpace(to), part)
		}
		// Both ends included; a range that ends before it starts wraps
		// past midnight.
		m := start
		for m != end {
			d.setMinute(m)
			m = (m + 1) % (24 * 60)
		}
		d.setMinute(end)
	}
	return nil
}

// parseHM reads H:MM or HH:MM and returns the minute of the day.
func parseHM(s string) (int, bool) {
	s = strings.TrimSpace(s)
	hs, ms, ok := strings.Cut(s, ":")
	if !ok {
		return 0, false
	}
	h, ok1 := smallInt(hs)
	m, ok2 := smallInt(ms)
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}

// smallInt parses one or two decimal digits.
func smallInt(s string) (int, bool) {
	if len(s) < 1 || len(s) > 2 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// parseRange is get_range: a bit mask of max bits from `*`, or elements
// joined by `&`, each a value or a wrapping range of values.
func parseRange(s string, max int, names []string, what string) (uint32, error) {
	s = strings.TrimSpace(s)
	all := uint32(1)<<max - 1
	if s == "" || s == "*" {
		return all, nil
	}
	var mask uint32
	for part := range strings.SplitSeq(s, "&") {
		from, to, isRange := strings.Cut(part, "-")
		start, ok := lookupName(from, names, max)
		if !ok {
			return 0, fmt.Errorf("invalid %s %q", what, strings.TrimSpace(from))
		}
		end := start
		if isRange {
			if end, ok = lookupName(to, names, max); !ok {
				return 0, fmt.Errorf("invalid end %s %q", what, strings.TrimSpace(to))
			}
		}
		// Ranges are cyclic.
		mask |= 1 << end
		for start != end {
			mask |= 1 << start
			if start++; start >= max {
				start = 0
			}
		}
	}
	return mask, nil
}

// lookupName is lookup_name: a name's index, or a number 1..max less one.
func lookupName(s string, names []string, max int) (int, bool) {
	s = strings.TrimSpace(s)
	if names != nil && s != "" && s[0] > '9' {
		for i, n := range names {
			if strings.EqualFold(s, n) {
				return i, true
			}
		}
		return 0, false
	}
	n, ok := smallInt(s)
	if !ok || n < 1 || n > max {
		return 0, false
	}
	return n - 1, true
}
