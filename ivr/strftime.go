package ivr

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Strftime formats t with a C strftime(3) format, as STRFTIME() and
// Asterisk's ast_strftime do, including Asterisk's %1q…%6q (fractions of a
// second) and %q (milliseconds).
func Strftime(format string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 >= len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		c = format[i]
		if c >= '1' && c <= '6' && i+1 < len(format) && format[i+1] == 'q' {
			n, _ := strconv.Atoi(string(c))
			frac := fmt.Sprintf("%06d", t.Nanosecond()/1000)
			b.WriteString(frac[:n])
			i++
			continue
		}
		switch c {
		case 'a':
			b.WriteString(t.Format("Mon"))
		case 'A':
			b.WriteString(t.Format("Monday"))
		case 'b', 'h':
			b.WriteString(t.Format("Jan"))
		case 'B':
			b.WriteString(t.Format("January"))
		case 'c':
			b.WriteString(t.Format("Mon Jan _2 15:04:05 2006"))
		case 'C':
			fmt.Fprintf(&b, "%02d", t.Year()/100)
		case 'd':
			fmt.Fprintf(&b, "%02d", t.Day())
		case 'D':
			b.WriteString(t.Format("01/02/06"))
		case 'e':
			fmt.Fprintf(&b, "%2d", t.Day())
		case 'F':
			b.WriteString(t.Format("2006-01-02"))
		case 'G':
			y, _ := t.ISOWeek()
			fmt.Fprintf(&b, "%d", y)
		case 'g':
			y, _ := t.ISOWeek()
			fmt.Fprintf(&b, "%02d", y%100)
		case 'H':
			fmt.Fprintf(&b, "%02d", t.Hour())
		case 'I':
			fmt.Fprintf(&b, "%02d", (t.Hour()+11)%12+1)
		case 'j':
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case 'k':
			fmt.Fprintf(&b, "%2d", t.Hour())
		case 'l':
			fmt.Fprintf(&b, "%2d", (t.Hour()+11)%12+1)
		case 'm':
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case 'M':
			fmt.Fprintf(&b, "%02d", t.Minute())
		case 'n':
			b.WriteByte('\n')
		case 'p':
			b.WriteString(t.Format("PM"))
		case 'P':
			b.WriteString(strings.ToLower(t.Format("PM")))
		case 'q':
			fmt.Fprintf(&b, "%03d", t.Nanosecond()/1e6)
		case 'r':
			b.WriteString(t.Format("03:04:05 PM"))
		case 'R':
			b.WriteString(t.Format("15:04"))
		case 's':
			b.WriteString(strconv.FormatInt(t.Unix(), 10))
		case 'S':
			fmt.Fprintf(&b, "%02d", t.Second())
		case 't':
			b.WriteByte('\t')
		case 'T':
			b.WriteString(t.Format("15:04:05"))
		case 'u':
			wd := int(t.Weekday())
			if wd == 0 {
				wd = 7
			}
			b.WriteString(strconv.Itoa(wd))
		case 'U':
			fmt.Fprintf(&b, "%02d", (t.YearDay()+6-int(t.Weekday()))/7)
		case 'V':
			_, w := t.ISOWeek()
			fmt.Fprintf(&b, "%02d", w)
		case 'w':
			b.WriteString(strconv.Itoa(int(t.Weekday())))
		case 'W':
			fmt.Fprintf(&b, "%02d", (t.YearDay()+6-(int(t.Weekday())+6)%7)/7)
		case 'x':
			b.WriteString(t.Format("01/02/06"))
		case 'X':
			b.WriteString(t.Format("15:04:05"))
		case 'y':
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case 'Y':
			b.WriteString(strconv.Itoa(t.Year()))
		case 'z':
			b.WriteString(t.Format("-0700"))
		case 'Z':
			b.WriteString(t.Format("MST"))
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Strptime parses s with a strptime(3) format for the common conversions
// (%Y %m %d %H %M %S %y %b %B %e %j %p %I %T %D %F %R %s %%), in loc.
func Strptime(s, format string, loc *time.Location) (time.Time, error) {
	year, month, day, hour, minute, sec := 1900, 1, 1, 0, 0, 0
	pm, has12 := false, false
	num := func(max int) (int, error) {
		s = strings.TrimLeft(s, " ")
		i := 0
		for i < len(s) && i < max && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("strptime: expected a number at %q", s)
		}
		n, _ := strconv.Atoi(s[:i])
		s = s[i:]
		return n, nil
	}
	var err error
	for i := 0; i < len(format) && err == nil; i++ {
		c := format[i]
		if c != '%' || i+1 >= len(format) {
			if c == ' ' {
				s = strings.TrimLeft(s, " ")
				continue
			}
			if s == "" || s[0] != c {
				return time.Time{}, fmt.Errorf("strptime: %q does not match format %q", s, format)
			}
			s = s[1:]
			continue
		}
		i++
		switch format[i] {
		case 'Y':
			year, err = num(4)
		case 'y':
			year, err = num(2)
			if year < 69 {
				year += 2000
			} else {
				year += 1900
			}
		case 'm':
			month, err = num(2)
		case 'd', 'e':
			day, err = num(2)
		case 'H', 'k':
			hour, err = num(2)
		case 'I', 'l':
			hour, err = num(2)
			has12 = true
		case 'M':
			minute, err = num(2)
		case 'S':
			sec, err = num(2)
		case 'p':
			up := strings.ToUpper(s)
			switch {
			case strings.HasPrefix(up, "PM"):
				pm, s = true, s[2:]
			case strings.HasPrefix(up, "AM"):
				s = s[2:]
			default:
				err = fmt.Errorf("strptime: expected AM or PM at %q", s)
			}
		case 'b', 'B', 'h':
			found := false
			for m := time.January; m <= time.December; m++ {
				for _, name := range []string{m.String(), m.String()[:3]} {
					if len(s) >= len(name) && strings.EqualFold(s[:len(name)], name) {
						month, s, found = int(m), s[len(name):], true
						break
					}
				}
				if found {
					break
				}
			}
			if !found {
				err = fmt.Errorf("strptime: expected a month name at %q", s)
			}
		case 's':
			var n int
			n, err = num(20)
			if err == nil {
				t := time.Unix(int64(n), 0).In(loc)
				year, month, day = t.Year(), int(t.Month()), t.Day()
				hour, minute, sec = t.Hour(), t.Minute(), t.Second()
			}
		case 'T':
			var t time.Time
			t, err = Strptime(s[:min(8, len(s))], "%H:%M:%S", loc)
			hour, minute, sec, s = t.Hour(), t.Minute(), t.Second(), s[min(8, len(s)):]
		case 'F':
			var t time.Time
			t, err = Strptime(s[:min(10, len(s))], "%Y-%m-%d", loc)
			year, month, day, s = t.Year(), int(t.Month()), t.Day(), s[min(10, len(s)):]
		case '%':
			if s == "" || s[0] != '%' {
				err = fmt.Errorf("strptime: expected %% at %q", s)
			} else {
				s = s[1:]
			}
		default:
			err = fmt.Errorf("strptime: unsupported conversion %%%c", format[i])
		}
	}
	if err != nil {
		return time.Time{}, err
	}
	if has12 {
		hour %= 12
		if pm {
			hour += 12
		}
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, loc), nil
}
