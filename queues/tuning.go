package queues

import (
	"strconv"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// TimeoutPriority is queues.conf's timeoutpriority: which timeout wins
// when Queue()'s timeout argument ends inside a ring attempt.
type TimeoutPriority int

// Timeout priorities.
const (
	// TimeoutPriorityApp (timeoutpriority=app, the default): a ring attempt
	// is cut short when the caller's Queue() timeout comes first, so the
	// caller leaves at exactly the timeout.
	TimeoutPriorityApp TimeoutPriority = iota
	// TimeoutPriorityConf (timeoutpriority=conf): a started attempt rings
	// its full queue timeout; the caller leaves after it.
	TimeoutPriorityConf
)

// String returns the queues.conf value.
func (p TimeoutPriority) String() string {
	if p == TimeoutPriorityConf {
		return "conf"
	}
	return "app"
}

// ParseTimeoutPriority reads timeoutpriority as app_queue does: "conf"
// (any case) is conf, anything else app.
func ParseTimeoutPriority(s string) TimeoutPriority {
	if strings.EqualFold(strings.TrimSpace(s), "conf") {
		return TimeoutPriorityConf
	}
	return TimeoutPriorityApp
}

// Sounds are a queue's announcement files (the queue-* options), with
// app_queue's defaults.
type Sounds struct {
	Next, ThereAre, CallsWaiting, Quantity1, Quantity2       string
	HoldTime, Minute, Minutes, Seconds, ThankYou, ReportHold string
}

// DefaultSounds are init_queue's sound names.
var DefaultSounds = Sounds{
	Next: "queue-youarenext", ThereAre: "queue-thereare", CallsWaiting: "queue-callswaiting",
	Quantity1: "queue-quantity1", Quantity2: "queue-quantity2", HoldTime: "queue-holdtime",
	Minute: "queue-minute", Minutes: "queue-minutes", Seconds: "queue-seconds",
	ThankYou: "queue-thankyou", ReportHold: "queue-reporthold",
}

// DefaultPeriodicAnnounce is the periodic announcement when
// periodic-announce is not set.
const DefaultPeriodicAnnounce = "queue-periodic-announce"

// DefaultMinAnnounceFrequency is app_queue's min-announce-frequency.
const DefaultMinAnnounceFrequency = 15 * time.Second

// Tuning holds the queue options the runtime needs that Config does not
// carry (queues.conf keys config.go accepts without reading) and the
// options whose Config value cannot tell "not set" from app_queue's
// default. LoadTuning reads them from the same file as LoadConfig.
type Tuning struct {
	PenaltyMembersLimit      int
	TimeoutPriority          TimeoutPriority
	AnnounceToFirstUser      bool
	MinAnnounceFrequency     time.Duration
	AnnounceRoundSeconds     int
	RandomPeriodicAnnounce   bool
	RelativePeriodicAnnounce bool
	AutoPauseDelay           time.Duration
	AutoPauseBusy            bool
	AutoPauseUnavail         bool
	Sounds                   Sounds
	// AnnouncePosition and AnnounceHoldTime default to "yes" and
	// AnnouncePositionLimit to 10, as init_queue sets them; they only
	// matter when announce-frequency is set.
	AnnouncePosition      string
	AnnounceHoldTime      string
	AnnouncePositionLimit int
	// JoinEmpty and LeaveWhenEmpty are parse_empty_options' result:
	// yes/no/strict/loose replace the set ("no" for joinempty and "yes" for
	// leavewhenempty mean penalty,invalid,paused).
	JoinEmpty      EmptyCondition
	LeaveWhenEmpty EmptyCondition
}

// DefaultTuning returns init_queue's values.
func DefaultTuning() Tuning {
	return Tuning{MinAnnounceFrequency: DefaultMinAnnounceFrequency, Sounds: DefaultSounds,
		AnnouncePosition: "yes", AnnounceHoldTime: "yes", AnnouncePositionLimit: 10}
}

// LoadTuning reads the Tuning of every queue section of queues.conf.
// LoadConfig reports the file's diagnostics; values LoadTuning cannot read
// keep their defaults.
func LoadTuning(f *config.File) map[string]Tuning {
	out := map[string]Tuning{}
	for _, s := range f.Sections {
		if s.Name == "general" {
			continue
		}
		if _, dup := out[s.Name]; dup {
			continue
		}
		t := DefaultTuning()
		get := func(k string) (string, bool) { return s.Get(k) }
		atoi := func(k string, dst *int) {
			if v, ok := get(k); ok {
				if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
					*dst = n
				}
			}
		}
		secs := func(k string, dst *time.Duration) {
			n := -1
			atoi(k, &n)
			if n >= 0 {
				*dst = time.Duration(n) * time.Second
			}
		}
		boolean := func(k string, dst *bool) {
			if v, ok := get(k); ok {
				b, _ := config.ParseBool(v)
				*dst = b
			}
		}
		atoi("penaltymemberslimit", &t.PenaltyMembersLimit)
		if v, ok := get("timeoutpriority"); ok {
			t.TimeoutPriority = ParseTimeoutPriority(v)
		}
		boolean("announce-to-first-user", &t.AnnounceToFirstUser)
		secs("min-announce-frequency", &t.MinAnnounceFrequency)
		atoi("announce-round-seconds", &t.AnnounceRoundSeconds)
		switch t.AnnounceRoundSeconds {
		case 0, 5, 10, 15, 20, 30:
		default:
			t.AnnounceRoundSeconds = 0
		}
		boolean("random-periodic-announce", &t.RandomPeriodicAnnounce)
		boolean("relative-periodic-announce", &t.RelativePeriodicAnnounce)
		secs("autopausedelay", &t.AutoPauseDelay)
		boolean("autopausebusy", &t.AutoPauseBusy)
		boolean("autopauseunavail", &t.AutoPauseUnavail)
		for k, dst := range map[string]*string{
			"queue-youarenext": &t.Sounds.Next, "queue-thereare": &t.Sounds.ThereAre,
			"queue-callswaiting": &t.Sounds.CallsWaiting, "queue-quantity1": &t.Sounds.Quantity1,
			"queue-quantity2": &t.Sounds.Quantity2, "queue-holdtime": &t.Sounds.HoldTime,
			"queue-minute": &t.Sounds.Minute, "queue-minutes": &t.Sounds.Minutes,
			"queue-seconds": &t.Sounds.Seconds, "queue-thankyou": &t.Sounds.ThankYou,
			"queue-reporthold": &t.Sounds.ReportHold,
		} {
			if v, ok := get(k); ok {
				*dst = strings.TrimSpace(v)
			}
		}
		if v, ok := get("announce-position"); ok {
			switch l := strings.ToLower(strings.TrimSpace(v)); l {
			case "limit", "more":
				t.AnnouncePosition = l
			default:
				if b, _ := config.ParseBool(l); b {
					t.AnnouncePosition = "yes"
				} else {
					t.AnnouncePosition = "no"
				}
			}
		}
		if v, ok := get("announce-holdtime"); ok {
			switch l := strings.ToLower(strings.TrimSpace(v)); {
			case l == "once":
				t.AnnounceHoldTime = "once"
			default:
				if b, _ := config.ParseBool(l); b {
					t.AnnounceHoldTime = "yes"
				} else {
					t.AnnounceHoldTime = "no"
				}
			}
		}
		atoi("announce-position-limit", &t.AnnouncePositionLimit)
		for _, e := range s.All("joinempty") {
			t.JoinEmpty = parseEmptyOptions(e.Value, t.JoinEmpty, true)
		}
		for _, e := range s.All("leavewhenempty") {
			t.LeaveWhenEmpty = parseEmptyOptions(e.Value, t.LeaveWhenEmpty, false)
		}
		out[s.Name] = t
	}
	return out
}

// parseEmptyOptions is app_queue's parse_empty_options: conditions add to
// the set, loose/strict/yes/no replace it; unknown words are ignored (the
// warning is LoadConfig's).
func parseEmptyOptions(value string, empty EmptyCondition, joinempty bool) EmptyCondition {
	for _, w := range strings.Split(value, ",") {
		w = strings.ToLower(strings.TrimSpace(w))
		t, tok := config.ParseBool(w)
		switch {
		case w == "loose":
			empty = EmptyPenalty | EmptyInvalid
		case w == "strict":
			empty = EmptyPenalty | EmptyInvalid | EmptyPaused | EmptyUnavailable
		case tok && t != joinempty:
			empty = EmptyPenalty | EmptyInvalid | EmptyPaused
		case tok:
			empty = 0
		default:
			for _, n := range emptyNames {
				if n.name == w {
					empty |= n.c
				}
			}
		}
	}
	return empty
}
