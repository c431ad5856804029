package ami

import (
	"fmt"
	"regexp"
	"strings"
)

// eventFilter is a user's eventfilter= lines (manager.conf, and the
// Filter action) as manager.c's match_filter applies them: each is a
// regular expression matched against the event's text ("Event:
// Newchannel\r\nPrivilege: call,all\r\n…"); a leading ! excludes. With
// no filters every event passes; with include filters only an event
// that matches one passes; an event that matches an exclude filter never
// does. Expressions are Go's RE2, a superset of the extended POSIX
// expressions Asterisk users write here.
type eventFilter struct {
	include, exclude []*regexp.Regexp
}

// newEventFilter compiles filter lines; a bad expression is an error
// naming it.
func newEventFilter(lines []string) (*eventFilter, error) {
	f := &eventFilter{}
	for _, l := range lines {
		if err := f.add(l); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (f *eventFilter) add(line string) error {
	exclude := strings.HasPrefix(line, "!")
	expr := strings.TrimPrefix(line, "!")
	re, err := regexp.Compile(expr)
	if err != nil {
		return fmt.Errorf("eventfilter %q: %w", line, err)
	}
	if exclude {
		f.exclude = append(f.exclude, re)
	} else {
		f.include = append(f.include, re)
	}
	return nil
}

// empty reports whether the filter lets everything through.
func (f *eventFilter) empty() bool { return f == nil || len(f.include) == 0 && len(f.exclude) == 0 }

// pass reports whether an event written as text passes.
func (f *eventFilter) pass(text string) bool {
	if f.empty() {
		return true
	}
	for _, re := range f.exclude {
		if re.MatchString(text) {
			return false
		}
	}
	if len(f.include) == 0 {
		return true
	}
	for _, re := range f.include {
		if re.MatchString(text) {
			return true
		}
	}
	return false
}
