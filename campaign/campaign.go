package campaign

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/outbound"
)

// Defaults of a campaign that does not set them.
const (
	// DefaultContext is where answered calls go: the demo's collections
	// dialplan (exten s, priority 1).
	DefaultContext   = "collections"
	DefaultExtension = "s"
	DefaultPriority  = 1
	// DefaultMaxAttempts is how many times a customer is dialled at most.
	DefaultMaxAttempts = 3
	// DefaultWaitTime is how long a call rings before it is no answer.
	DefaultWaitTime = 30 * time.Second
	// DefaultLanguage and DefaultCurrency are a customer's when the CSV
	// row does not say.
	DefaultLanguage = "en"
	DefaultCurrency = "usd"
)

// DefaultRetry is the retry delay of each outcome: busy lines are tried
// again soon, machines and unanswered phones later.
var DefaultRetry = RetryRules{
	Busy:       Retry{Delay: 10 * time.Minute},
	NoAnswer:   Retry{Delay: time.Hour},
	Machine:    Retry{Delay: 2 * time.Hour},
	Congestion: Retry{Delay: 5 * time.Minute},
	Failed:     Retry{Delay: 15 * time.Minute},
	NeverCodes: []int{404, 410, 484, 604},
}

// State is where a campaign is in its life.
type State int

// States of a campaign.
const (
	// StateUnknown is the zero State.
	StateUnknown State = iota
	// StateIdle: created, not started; nobody is called.
	StateIdle
	// StateRunning: customers are called as windows and limits allow.
	StateRunning
	// StatePaused: no new call is placed (calls up go on); Start resumes.
	StatePaused
	// StateStopped: ended by Stop; customers not yet done are "stopped"
	// and the campaign cannot be started again.
	StateStopped
	// StateFinished: running, and every customer is done. Customers
	// added later make it run again.
	StateFinished
)

var stateNames = [...]string{"unknown", "idle", "running", "paused", "stopped", "finished"}

// String returns the state's name ("running" …).
func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// ParseState reads a state's name, in any case.
func ParseState(s string) (State, error) {
	for i, n := range stateNames {
		if i > 0 && strings.EqualFold(strings.TrimSpace(s), n) {
			return State(i), nil
		}
	}
	return StateUnknown, fmt.Errorf("campaign state %q: %w", s, ErrBadCampaign)
}

// MarshalText writes the state's name (JSON, the store).
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a state's name.
func (s *State) UnmarshalText(b []byte) error {
	v, err := ParseState(string(b))
	*s = v
	return err
}

// Seconds is a duration written in JSON as whole seconds (a campaign's
// wait_time).
type Seconds time.Duration

// MarshalJSON writes whole seconds.
func (s Seconds) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatInt(int64(time.Duration(s)/time.Second), 10)), nil
}

// UnmarshalJSON reads whole seconds.
func (s *Seconds) UnmarshalJSON(b []byte) error {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("seconds %s: %w", b, ErrBadCampaign)
	}
	*s = Seconds(time.Duration(n) * time.Second)
	return nil
}

// Retry is what happens after one outcome: tried again after Delay, or
// never (Never, written "no" in campaigns.conf).
type Retry struct {
	Delay time.Duration
	Never bool
}

// String is the campaigns.conf value: seconds, or "no".
func (r Retry) String() string {
	if r.Never {
		return "no"
	}
	return strconv.Itoa(int(r.Delay / time.Second))
}

// ParseRetry reads a campaigns.conf retry value: whole seconds, or no.
func ParseRetry(s string) (Retry, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "no", "never", "off":
		return Retry{Never: true}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return Retry{}, fmt.Errorf("retry %q: want seconds or no: %w", s, ErrBadCampaign)
	}
	return Retry{Delay: time.Duration(n) * time.Second}, nil
}

// MarshalText writes the retry as String does.
func (r Retry) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a retry as ParseRetry does.
func (r *Retry) UnmarshalText(b []byte) error {
	v, err := ParseRetry(string(b))
	*r = v
	return err
}

// RetryRules say which failed attempts are tried again, and when.
type RetryRules struct {
	// Busy is for a 486/600 (BUSY).
	Busy Retry `json:"busy"`
	// NoAnswer is for a call that rang WaitTime (NOANSWER).
	NoAnswer Retry `json:"noanswer"`
	// Machine is for an answering machine (AMDSTATUS=MACHINE or
	// CAMPAIGN_RESULT=machine).
	Machine Retry `json:"machine"`
	// Congestion is for 503 and other CONGESTION.
	Congestion Retry `json:"congestion"`
	// Failed is for any other failure (CHANUNAVAIL, FAILED).
	Failed Retry `json:"failed"`
	// NeverCodes are the SIP final responses that make the number
	// invalid: never retried, status invalid-number.
	NeverCodes []int `json:"never_codes"`
}

// Window is a call window: the weekdays on which, and the local hours
// between which, a customer may be called. End before Start crosses
// midnight.
type Window struct {
	// Days are the weekdays of the window (by time.Weekday).
	Days [7]bool
	// Start and End are the minutes after midnight, local time.
	Start, End int
}

var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

var windowRE = regexp.MustCompile(`^\s*(?:([a-z]{3})(?:-([a-z]{3}))?((?:,[a-z]{3}(?:-[a-z]{3})?)*)\s+)?(\d{1,2}):(\d\d)\s*-\s*(\d{1,2}):(\d\d)\s*$`)

// ParseWindow reads "mon-fri 09:00-20:00", "sat,sun 10:00-13:00" or
// "09:00-18:00" (every day), days in English three-letter names.
func ParseWindow(s string) (Window, error) {
	m := windowRE.FindStringSubmatch(strings.ToLower(s))
	if m == nil {
		return Window{}, fmt.Errorf("window %q: want \"mon-fri 09:00-20:00\": %w", s, ErrBadCampaign)
	}
	var w Window
	if m[1] == "" {
		for i := range w.Days {
			w.Days[i] = true
		}
	} else {
		ranges := []string{m[1] + "-" + m[2]}
		if m[2] == "" {
			ranges[0] = m[1]
		}
		for _, r := range strings.Split(m[3], ",") {
			if r != "" {
				ranges = append(ranges, r)
			}
		}
		for _, r := range ranges {
			a, b, isRange := strings.Cut(r, "-")
			if !isRange {
				b = a
			}
			i, j := slices.Index(dayNames, a), slices.Index(dayNames, b)
			if i < 0 || j < 0 {
				return Window{}, fmt.Errorf("window %q: unknown day in %q: %w", s, r, ErrBadCampaign)
			}
			for d := i; ; d = (d + 1) % 7 {
				w.Days[d] = true
				if d == j {
					break
				}
			}
		}
	}
	hm := func(h, mi string) (int, bool) {
		hh, _ := strconv.Atoi(h)
		mm, _ := strconv.Atoi(mi)
		return hh*60 + mm, hh <= 24 && mm < 60 && hh*60+mm <= 24*60
	}
	var ok1, ok2 bool
	w.Start, ok1 = hm(m[4], m[5])
	w.End, ok2 = hm(m[6], m[7])
	if !ok1 || !ok2 || w.Start == w.End {
		return Window{}, fmt.Errorf("window %q: bad hours: %w", s, ErrBadCampaign)
	}
	return w, nil
}

// String writes the window as ParseWindow reads it.
func (w Window) String() string {
	var days []string
	all := true
	for i, on := range w.Days {
		if on {
			days = append(days, dayNames[i])
		} else {
			all = false
		}
	}
	hours := fmt.Sprintf("%02d:%02d-%02d:%02d", w.Start/60, w.Start%60, w.End/60, w.End%60)
	if all {
		return hours
	}
	return strings.Join(days, ",") + " " + hours
}

// MarshalText writes the window as String does.
func (w Window) MarshalText() ([]byte, error) { return []byte(w.String()), nil }

// UnmarshalText reads a window as ParseWindow does.
func (w *Window) UnmarshalText(b []byte) error {
	v, err := ParseWindow(string(b))
	*w = v
	return err
}

// span returns the window's occurrence that starts on the day of day
// (midnight in loc), if the window is open that weekday.
func (w Window) span(day time.Time) (start, end time.Time, ok bool) {
	if !w.Days[day.Weekday()] {
		return time.Time{}, time.Time{}, false
	}
	y, mo, d := day.Date()
	loc := day.Location()
	start = time.Date(y, mo, d, w.Start/60, w.Start%60, 0, 0, loc)
	end = time.Date(y, mo, d, w.End/60, w.End%60, 0, 0, loc)
	if w.End <= w.Start {
		end = time.Date(y, mo, d+1, w.End/60, w.End%60, 0, 0, loc)
	}
	return start, end, true
}

// NextOpen returns the earliest time at or after t that is inside one of
// windows, evaluated in loc; t itself when no window is set or t is inside
// one. It returns the zero Time when the windows never open (no day set).
func NextOpen(windows []Window, t time.Time, loc *time.Location) time.Time {
	if len(windows) == 0 {
		return t
	}
	lt := t.In(loc)
	y, mo, d := lt.Date()
	var best time.Time
	for off := -1; off <= 7; off++ {
		day := time.Date(y, mo, d+off, 0, 0, 0, 0, loc)
		for _, w := range windows {
			start, end, ok := w.span(day)
			if !ok {
				continue
			}
			if !t.Before(start) && t.Before(end) {
				return t
			}
			if start.After(t) && (best.IsZero() || start.Before(best)) {
				best = start
			}
		}
	}
	return best
}

// Campaign is one campaign's settings and state.
type Campaign struct {
	// Name identifies the campaign (CAMPAIGN in the dialplan, the URL).
	Name string `json:"name"`
	// Trunk is the sip.conf peer calls go out through:
	// SIP/<trunk>/<number>.
	Trunk string `json:"trunk"`
	// Context, Extension and Priority are where answered calls enter the
	// dialplan (collections, s, 1).
	Context   string `json:"context"`
	Extension string `json:"extension"`
	Priority  int    `json:"priority"`
	// CallerID is the caller ID sent, `"Name" <number>` or a number.
	CallerID string `json:"callerid,omitempty"`
	// Windows are the call windows, in each customer's timezone; none is
	// any time.
	Windows []Window `json:"windows,omitempty"`
	// Timezone is the IANA timezone of customers that give none; empty is
	// the switch's own.
	Timezone string `json:"timezone,omitempty"`
	// Language and Currency are those of customers that give none.
	Language string `json:"language,omitempty"`
	Currency string `json:"currency,omitempty"`
	// Limit bounds the calls a second and the calls up at once.
	Limit outbound.Limit `json:"limit"`
	// MaxAttempts is how many times a customer is dialled at most.
	MaxAttempts int `json:"max_attempts"`
	// WaitTime is how long a call rings before it is no answer.
	WaitTime Seconds `json:"wait_time"`
	// Retry says which outcomes are tried again after what delay.
	Retry RetryRules `json:"retry"`
	// State is where the campaign is (idle, running …).
	State State `json:"state"`
	// Created is when the campaign was created.
	Created time.Time `json:"created"`
	// Source is "campaigns.conf" for a campaign of the file, "api" for
	// one made over HTTP.
	Source string `json:"source,omitempty"`
}

// New returns a campaign with the defaults: context collections, exten s,
// priority 1, outbound.DefaultLimit (1 call/s, 3 concurrent), 3 attempts,
// 30 s of ringing and DefaultRetry.
func New(name, trunk string) *Campaign {
	return &Campaign{
		Name: name, Trunk: trunk,
		Context: DefaultContext, Extension: DefaultExtension, Priority: DefaultPriority,
		Language: DefaultLanguage, Currency: DefaultCurrency,
		Limit: outbound.DefaultLimit, MaxAttempts: DefaultMaxAttempts, WaitTime: Seconds(DefaultWaitTime),
		Retry: DefaultRetry, State: StateIdle,
	}
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// Validate checks the settings, filling in the defaults of zero values.
func (c *Campaign) Validate() error {
	if !nameRE.MatchString(c.Name) {
		return fmt.Errorf("campaign name %q: letters, digits, '-', '_' and '.' only: %w", c.Name, ErrBadCampaign)
	}
	if c.Trunk == "" || strings.ContainsAny(c.Trunk, "/ ") {
		return fmt.Errorf("campaign %s: trunk %q: %w", c.Name, c.Trunk, ErrBadCampaign)
	}
	if c.Context == "" {
		c.Context = DefaultContext
	}
	if c.Extension == "" {
		c.Extension = DefaultExtension
	}
	if c.Priority <= 0 {
		c.Priority = DefaultPriority
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.WaitTime <= 0 {
		c.WaitTime = Seconds(DefaultWaitTime)
	}
	if c.Language == "" {
		c.Language = DefaultLanguage
	}
	if c.Currency == "" {
		c.Currency = DefaultCurrency
	}
	c.Currency = strings.ToLower(c.Currency)
	if c.Limit == (outbound.Limit{}) {
		c.Limit = outbound.DefaultLimit
	}
	if c.Limit.Rate < 0 || c.Limit.Concurrent < 0 {
		return fmt.Errorf("campaign %s: negative limit: %w", c.Name, ErrBadCampaign)
	}
	if c.Timezone != "" {
		if _, err := time.LoadLocation(c.Timezone); err != nil {
			return fmt.Errorf("campaign %s: timezone %q: %w", c.Name, c.Timezone, ErrBadCampaign)
		}
	}
	if c.State == StateUnknown {
		c.State = StateIdle
	}
	return nil
}

// retryFor returns the rule of a status, and whether the status may be
// retried at all.
func (c *Campaign) retryFor(s Status) (Retry, bool) {
	switch s {
	case StatusBusy:
		return c.Retry.Busy, true
	case StatusNoAnswer:
		return c.Retry.NoAnswer, true
	case StatusMachine:
		return c.Retry.Machine, true
	case StatusCongestion:
		return c.Retry.Congestion, true
	case StatusFailed:
		return c.Retry.Failed, true
	}
	return Retry{}, false
}
