package amd

import (
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// Config is AMD's parameters: amd.conf's [general] section, which the
// application's arguments override.
//
//	[general]
//	initial_silence = 2500         ; longest silence before the greeting (else MACHINE)
//	greeting = 1500                ; longest greeting (else MACHINE)
//	after_greeting_silence = 800   ; silence after the greeting that means HUMAN
//	total_analysis_time = 5000     ; time to decide (else NOTSURE)
//	min_word_length = 100          ; shortest voice that is a word
//	between_words_silence = 50     ; shortest silence between two words
//	maximum_number_of_words = 2    ; more words are a MACHINE
//	silence_threshold = 256        ; mean absolute sample under which a frame is silent
//	maximum_word_length = 5000     ; longest word (else MACHINE)
//
// Durations are whole milliseconds in the file and the arguments.
type Config struct {
	// InitialSilence is the longest silence before the greeting; more is
	// MACHINE (INITIALSILENCE).
	InitialSilence time.Duration
	// Greeting is the longest greeting (voice in total); more is MACHINE
	// (LONGGREETING).
	Greeting time.Duration
	// AfterGreetingSilence is the silence after the greeting's first word
	// that makes a HUMAN.
	AfterGreetingSilence time.Duration
	// TotalAnalysisTime is the time allowed to decide; then NOTSURE
	// (TOOLONG).
	TotalAnalysisTime time.Duration
	// MinimumWordLength is the shortest run of voice that is a word.
	MinimumWordLength time.Duration
	// BetweenWordsSilence is the shortest silence after a word for the
	// voice that follows to be a new word.
	BetweenWordsSilence time.Duration
	// MaximumNumberOfWords is the most words a greeting may have; more is
	// MACHINE (MAXWORDS).
	MaximumNumberOfWords int
	// SilenceThreshold is the mean absolute sample (0..32767) under which
	// a frame is silence.
	SilenceThreshold int
	// MaximumWordLength is the longest word; more is MACHINE
	// (MAXWORDLENGTH).
	MaximumWordLength time.Duration
}

// The defaults of app_amd (its dflt… values, used when amd.conf does not
// set an option).
const (
	DefaultInitialSilence       = 2500 * time.Millisecond
	DefaultGreeting             = 1500 * time.Millisecond
	DefaultAfterGreetingSilence = 800 * time.Millisecond
	DefaultTotalAnalysisTime    = 5000 * time.Millisecond
	DefaultMinimumWordLength    = 100 * time.Millisecond
	DefaultBetweenWordsSilence  = 50 * time.Millisecond
	DefaultMaximumNumberOfWords = 3
	DefaultMaximumWordLength    = 5000 * time.Millisecond
)

// DefaultConfig returns app_amd's built-in defaults (without amd.conf).
// amd.conf.sample differs only in maximum_number_of_words = 2.
func DefaultConfig() Config {
	return Config{
		InitialSilence:       DefaultInitialSilence,
		Greeting:             DefaultGreeting,
		AfterGreetingSilence: DefaultAfterGreetingSilence,
		TotalAnalysisTime:    DefaultTotalAnalysisTime,
		MinimumWordLength:    DefaultMinimumWordLength,
		BetweenWordsSilence:  DefaultBetweenWordsSilence,
		MaximumNumberOfWords: DefaultMaximumNumberOfWords,
		SilenceThreshold:     DefaultSilenceThreshold,
		MaximumWordLength:    DefaultMaximumWordLength,
	}
}

// maxMS bounds amd.conf's durations (an hour).
const maxMS = time.Hour

// LoadConfig reads amd.conf: the options of [general] over
// DefaultConfig. Other sections are ignored, as app_amd ignores them (with
// a warning); unknown options are warnings, bad values errors at their
// file:line.
func LoadConfig(f *config.File) (Config, config.Diagnostics) {
	var diags config.Diagnostics
	cfg := DefaultConfig()
	for _, s := range f.Sections {
		if !strings.EqualFold(s.Name, "general") {
			diags = append(diags, config.Warnf(s.Pos, "unknown section [%s] in %s (AMD reads [general])", s.Name, f.Name))
			continue
		}
		r := config.NewSectionReader(f.Name, s, &diags)
		r.Duration("initial_silence", &cfg.InitialSilence, time.Millisecond, maxMS)
		r.Duration("greeting", &cfg.Greeting, time.Millisecond, maxMS)
		r.Duration("after_greeting_silence", &cfg.AfterGreetingSilence, time.Millisecond, maxMS)
		r.Duration("total_analysis_time", &cfg.TotalAnalysisTime, time.Millisecond, maxMS)
		r.Duration("min_word_length", &cfg.MinimumWordLength, time.Millisecond, maxMS)
		r.Duration("between_words_silence", &cfg.BetweenWordsSilence, time.Millisecond, maxMS)
		r.Int("maximum_number_of_words", &cfg.MaximumNumberOfWords, 0, 1000)
		r.Int("silence_threshold", &cfg.SilenceThreshold, 0, 32767)
		r.Duration("maximum_word_length", &cfg.MaximumWordLength, time.Millisecond, maxMS)
		r.Unknown()
	}
	return cfg, diags
}

// WithArgs returns c overridden by AMD's arguments, in app_amd's order:
// initialSilence, greeting, afterGreetingSilence, totalAnalysisTime,
// minimumWordLength, betweenWordsSilence, maximumNumberOfWords,
// silenceThreshold, maximumWordLength. An empty argument keeps c's value;
// others are read as C's atoi does (leading digits; none is 0), and
// bad lists the arguments that were not whole numbers.
func (c Config) WithArgs(args []string) (cfg Config, bad []string) {
	cfg = c
	ms := func(i int, dst *time.Duration) {
		var n int
		if intArg(args, i, &n, &bad) {
			*dst = time.Duration(n) * time.Millisecond
		}
	}
	ms(0, &cfg.InitialSilence)
	ms(1, &cfg.Greeting)
	ms(2, &cfg.AfterGreetingSilence)
	ms(3, &cfg.TotalAnalysisTime)
	ms(4, &cfg.MinimumWordLength)
	ms(5, &cfg.BetweenWordsSilence)
	intArg(args, 6, &cfg.MaximumNumberOfWords, &bad)
	intArg(args, 7, &cfg.SilenceThreshold, &bad)
	ms(8, &cfg.MaximumWordLength)
	return cfg, bad
}

// intArg sets *dst to atoi(args[i]) unless the argument is absent or
// empty, and reports whether it did.
func intArg(args []string, i int, dst *int, bad *[]string) bool {
	if i >= len(args) {
		return false
	}
	s := strings.TrimSpace(args[i])
	if s == "" {
		return false
	}
	n, ok := atoi(s)
	if !ok {
		*bad = append(*bad, s)
	}
	*dst = n
	return true
}

// atoi is C's atoi: an optional sign and the leading digits (0 when there
// are none); ok is false when anything else follows or nothing parsed.
func atoi(s string) (n int, ok bool) {
	i, neg := 0, false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' && n < 1<<31 {
		n = n*10 + int(s[i]-'0')
		i++
	}
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++ // beyond int: C's atoi is undefined; keep the value reached
	}
	if neg {
		n = -n
	}
	return n, i > start && i == len(s)
}
