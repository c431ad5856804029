package queues

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// Defaults of app_queue.
const (
	DefaultTimeout = 15 * time.Second
	DefaultRetry   = 5 * time.Second
)

// Strategy is how a queue picks the members to ring (strategy=).
type Strategy int

// Strategies, as app_queue names them.
const (
	StrategyUnknown Strategy = iota
	StrategyRingAll
	StrategyLeastRecent
	StrategyFewestCalls
	StrategyRandom
	StrategyRRMemory
	StrategyRROrdered
	StrategyLinear
	StrategyWRandom
)

var strategyNames = map[Strategy]string{
	StrategyRingAll: "ringall", StrategyLeastRecent: "leastrecent", StrategyFewestCalls: "fewestcalls",
	StrategyRandom: "random", StrategyRRMemory: "rrmemory", StrategyRROrdered: "rrordered",
	StrategyLinear: "linear", StrategyWRandom: "wrandom",
}

// String returns the strategy's queues.conf name.
func (s Strategy) String() string {
	if n, ok := strategyNames[s]; ok {
		return n
	}
	return "unknown"
}

// ParseStrategy reads a strategy name; "roundrobin" is the old name of
// rrmemory, as app_queue still accepts.
func ParseStrategy(s string) (Strategy, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "roundrobin" {
		return StrategyRRMemory, nil
	}
	for k, n := range strategyNames {
		if n == s {
			return k, nil
		}
	}
	return StrategyUnknown, fmt.Errorf("unknown strategy %q: want ringall, leastrecent, fewestcalls, random, rrmemory, rrordered, linear or wrandom", s)
}

// EmptyCondition is a member state that counts as "nobody available" for
// joinempty and leavewhenempty (app_queue's QUEUE_EMPTY_* flags).
type EmptyCondition uint16

// Empty conditions.
const (
	EmptyPenalty EmptyCondition = 1 << iota
	EmptyPaused
	EmptyInUse
	EmptyRinging
	EmptyUnavailable
	EmptyInvalid
	EmptyUnknown
	EmptyWrapup
)

var emptyNames = []struct {
	name string
	c    EmptyCondition
}{
	{"penalty", EmptyPenalty}, {"paused", EmptyPaused}, {"inuse", EmptyInUse}, {"ringing", EmptyRinging},
	{"unavailable", EmptyUnavailable}, {"invalid", EmptyInvalid}, {"unknown", EmptyUnknown}, {"wrapup", EmptyWrapup},
}

// parseEmpty reads joinempty/leavewhenempty as app_queue's
// parse_empty_options does: yes/no/strict/loose or a list of conditions.
// For joinempty "yes" means join regardless (no condition); for
// leavewhenempty "yes" means leave on the strict set.
func parseEmpty(value string, joinempty bool) (EmptyCondition, error) {
	var out EmptyCondition
	for _, w := range strings.Split(value, ",") {
		w = strings.ToLower(strings.TrimSpace(w))
		switch {
		case w == "":
		case w == "yes" || w == "true" || w == "1":
			if !joinempty {
				out |= EmptyPenalty | EmptyPaused | EmptyInvalid | EmptyUnknown | EmptyUnavailable
			}
		case w == "no" || w == "false" || w == "0":
			if joinempty {
				out |= EmptyPenalty | EmptyPaused | EmptyInvalid | EmptyUnknown | EmptyUnavailable
			}
		case w == "strict":
			out |= EmptyPenalty | EmptyPaused | EmptyInvalid | EmptyUnavailable
		case w == "loose":
			out |= EmptyPenalty | EmptyInvalid
		default:
			found := false
			for _, n := range emptyNames {
				if n.name == w {
					out |= n.c
					found = true
				}
			}
			if !found {
				return out, fmt.Errorf("unknown condition %q", w)
			}
		}
	}
	return out, nil
}

// Member is a static `member =>` line:
// Interface[,penalty[,membername[,state_interface[,ringinuse]]]].
type Member struct {
	Pos            config.Pos
	Interface      string
	Penalty        int
	Name           string
	StateInterface string
	// RingInUse overrides the queue's ringinuse for this member when set.
	RingInUse *bool
}

// ParseMember reads the value of a member line.
func ParseMember(s string) (Member, error) {
	parts := strings.Split(s, ",")
	m := Member{Interface: strings.TrimSpace(parts[0])}
	if m.Interface == "" {
		return m, fmt.Errorf("member has no interface")
	}
	if !strings.Contains(m.Interface, "/") {
		return m, fmt.Errorf("member interface %q: want Technology/resource, e.g. SIP/101", m.Interface)
	}
	if len(parts) > 1 && strings.TrimSpace(parts[1]) != "" {
		p, err := strconv.Atoi(strings.TrimSpace(parts[1]))
		if err != nil || p < 0 {
			return m, fmt.Errorf("member penalty %q is not a whole number", parts[1])
		}
		m.Penalty = p
	}
	if len(parts) > 2 {
		m.Name = strings.TrimSpace(parts[2])
	}
	if len(parts) > 3 {
		m.StateInterface = strings.TrimSpace(parts[3])
	}
	if len(parts) > 4 && strings.TrimSpace(parts[4]) != "" {
		b, ok := config.ParseBool(parts[4])
		if !ok {
			return m, fmt.Errorf("member ringinuse %q is not yes or no", parts[4])
		}
		m.RingInUse = &b
	}
	if m.Name == "" {
		m.Name = m.Interface
	}
	return m, nil
}

// General is queues.conf's [general] section.
type General struct {
	PersistentMembers      bool
	Autofill               bool
	MonitorType            string
	SharedLastCall         bool
	UpdateCDR              bool
	LogMemberNameAsAgent   bool
	NegativePenaltyInvalid bool
}

// Queue is one queue section.
type Queue struct {
	Pos      config.Pos
	Name     string
	Strategy Strategy
	// Timeout is how long a member's phone rings before the next try.
	Timeout time.Duration
	// Retry is the pause before ringing members again.
	Retry time.Duration
	// WrapupTime is the rest a member gets after a call.
	WrapupTime time.Duration
	// MaxLen caps waiting callers (0 = no limit).
	MaxLen         int
	Weight         int
	RingInUse      bool
	JoinEmpty      EmptyCondition
	LeaveWhenEmpty EmptyCondition
	TimeoutRestart bool
	// ServiceLevel is the answer-time target of the SL statistics, in seconds.
	ServiceLevel time.Duration
	// AutoPause pauses members that do not answer: "no", "yes" or "all".
	AutoPause                 string
	AnnounceFrequency         time.Duration
	AnnounceHoldTime          string // no, yes, once
	AnnouncePosition          string // no, yes, limit, more
	AnnouncePositionLimit     int
	PeriodicAnnounce          []string
	PeriodicAnnounceFrequency time.Duration
	MusicClass                string
	// Context is where a caller's single digit sends them out of the queue.
	Context          string
	SetInterfaceVar  bool
	SetQueueVar      bool
	SetQueueEntryVar bool
	ReportHoldTime   bool
	MemberDelay      time.Duration
	Autofill         bool
	Members          []Member
}

// Config is queues.conf.
type Config struct {
	General General
	Queues  []*Queue
}

// Queue returns the queue named name, or nil.
func (c *Config) Queue(name string) *Queue {
	for _, q := range c.Queues {
		if q.Name == name {
			return q
		}
	}
	return nil
}

// ignoredQueueOptions are options accepted without effect in Obelisk today
// (sound overrides and statistics switches).
var ignoredQueueOptions = []string{"eventwhencalled", "eventmemberstatus", "monitor-format", "monitor-type",
	"announce-round-seconds", "min-announce-frequency", "announce-to-first-user", "random-periodic-announce",
	"relative-periodic-announce", "defaultrule", "timeoutpriority", "penaltymemberslimit", "queue-youarenext",
	"queue-thereare", "queue-callswaiting", "queue-holdtime", "queue-minutes", "queue-minute", "queue-seconds",
	"queue-thankyou", "queue-reporthold", "queue-quantity1", "queue-quantity2", "queue-periodic-announce",
	"queue-callerannounce", "announce", "log-restricted-caller-id",
	"autopausedelay", "autopausebusy", "autopauseunavail", "answered_elsewhere"}

// LoadConfig reads queues.conf.
func LoadConfig(f *config.File) (*Config, config.Diagnostics) {
	var diags config.Diagnostics
	cfg := &Config{General: General{PersistentMembers: true, Autofill: true, SharedLastCall: true, MonitorType: "MixMonitor"}}
	for _, s := range f.Sections {
		r := config.NewSectionReader(f.Name, s, &diags)
		switch s.Name {
		case "general":
			g := &cfg.General
			r.Bool("persistentmembers", &g.PersistentMembers)
			r.Bool("autofill", &g.Autofill)
			r.Enum("monitor-type", &g.MonitorType, "MixMonitor", "Monitor")
			r.Bool("shared_lastcall", &g.SharedLastCall)
			r.Bool("updatecdr", &g.UpdateCDR)
			r.Bool("log_membername_as_agent", &g.LogMemberNameAsAgent)
			r.Bool("negative_penalty_invalid", &g.NegativePenaltyInvalid)
			r.Ignore("keepstats", "autopause", "monitor-join", "log-restricted-caller-id", "force_longest_waiting_caller")
			r.Unknown()
			continue
		}
		if cfg.Queue(s.Name) != nil {
			diags = append(diags, config.Errorf(s.Pos, "queue [%s] is defined twice", s.Name))
			continue
		}
		cfg.Queues = append(cfg.Queues, readQueue(r, cfg.General))
	}
	return cfg, diags
}

func readQueue(r *config.SectionReader, g General) *Queue {
	s := r.Section()
	q := &Queue{Pos: s.Pos, Name: s.Name, Strategy: StrategyRingAll, Timeout: DefaultTimeout, Retry: DefaultRetry,
		RingInUse: true, AutoPause: "no", AnnounceHoldTime: "no", AnnouncePosition: "no", Autofill: g.Autofill,
		MusicClass: "default"}
	if e, ok := r.Lookup("strategy"); ok {
		st, err := ParseStrategy(e.Value)
		if err != nil {
			r.Errorf(e.Pos, "strategy: %v", err)
		} else {
			q.Strategy = st
		}
	}
	r.Duration("timeout", &q.Timeout, time.Second, 24*time.Hour)
	r.Duration("retry", &q.Retry, time.Second, time.Hour)
	r.Duration("wrapuptime", &q.WrapupTime, time.Second, 24*time.Hour)
	r.Int("maxlen", &q.MaxLen, 0, 1_000_000)
	r.Int("weight", &q.Weight, 0, 1_000_000)
	r.Bool("ringinuse", &q.RingInUse)
	for _, key := range []string{"joinempty", "leavewhenempty"} {
		if e, ok := r.Lookup(key); ok {
			c, err := parseEmpty(e.Value, key == "joinempty")
			if err != nil {
				r.Errorf(e.Pos, "%s: %v", key, err)
			} else if key == "joinempty" {
				q.JoinEmpty = c
			} else {
				q.LeaveWhenEmpty = c
			}
		}
	}
	r.Bool("timeoutrestart", &q.TimeoutRestart)
	r.Duration("servicelevel", &q.ServiceLevel, time.Second, 24*time.Hour)
	if e, ok := r.Lookup("autopause"); ok {
		switch v := strings.ToLower(strings.TrimSpace(e.Value)); v {
		case "all":
			q.AutoPause = "all"
		default:
			b, valid := config.ParseBool(v)
			if !valid {
				r.Errorf(e.Pos, "autopause: %q is not yes, no or all", e.Value)
			} else if b {
				q.AutoPause = "yes"
			}
		}
	}
	r.Duration("announce-frequency", &q.AnnounceFrequency, time.Second, 24*time.Hour)
	if e, ok := r.Lookup("announce-holdtime"); ok {
		switch v := strings.ToLower(strings.TrimSpace(e.Value)); v {
		case "once":
			q.AnnounceHoldTime = "once"
		default:
			if b, valid := config.ParseBool(v); !valid {
				r.Errorf(e.Pos, "announce-holdtime: %q is not yes, no or once", e.Value)
			} else if b {
				q.AnnounceHoldTime = "yes"
			}
		}
	}
	if e, ok := r.Lookup("announce-position"); ok {
		switch v := strings.ToLower(strings.TrimSpace(e.Value)); v {
		case "limit", "more":
			q.AnnouncePosition = v
		default:
			if b, valid := config.ParseBool(v); !valid {
				r.Errorf(e.Pos, "announce-position: %q is not yes, no, limit or more", e.Value)
			} else if b {
				q.AnnouncePosition = "yes"
			}
		}
	}
	r.Int("announce-position-limit", &q.AnnouncePositionLimit, 0, 1000)
	if e, ok := r.Lookup("periodic-announce"); ok {
		for _, p := range strings.FieldsFunc(e.Value, func(c rune) bool { return c == ',' || c == '|' }) {
			q.PeriodicAnnounce = append(q.PeriodicAnnounce, strings.TrimSpace(p))
		}
	}
	r.Duration("periodic-announce-frequency", &q.PeriodicAnnounceFrequency, time.Second, 24*time.Hour)
	r.String("musicclass", &q.MusicClass)
	r.String("musiconhold", &q.MusicClass)
	r.String("context", &q.Context)
	r.Bool("setinterfacevar", &q.SetInterfaceVar)
	r.Bool("setqueuevar", &q.SetQueueVar)
	r.Bool("setqueueentryvar", &q.SetQueueEntryVar)
	r.Bool("reportholdtime", &q.ReportHoldTime)
	r.Duration("memberdelay", &q.MemberDelay, time.Second, time.Hour)
	r.Bool("autofill", &q.Autofill)
	r.Each("member", func(e config.Entry) {
		m, err := ParseMember(e.Value)
		if err != nil {
			r.Errorf(e.Pos, "%v", err)
			return
		}
		m.Pos = e.Pos
		for _, old := range q.Members {
			if old.Interface == m.Interface {
				r.Warnf(e.Pos, "member %s is listed twice in [%s] (first at %s); the first is kept", m.Interface, q.Name, old.Pos)
				return
			}
		}
		q.Members = append(q.Members, m)
	})
	r.Ignore(ignoredQueueOptions...)
	r.Unknown()
	return q
}
