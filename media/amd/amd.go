package amd

import (
	"strconv"
	"strings"
	"time"
)

// Status is AMDSTATUS.
type Status int

// AMD's outcomes, as app_amd names them.
const (
	StatusUnknown Status = iota // not decided yet
	Machine                     // an answering machine
	Human                       // a person
	NotSure                     // the analysis ran out of time
	Hangup                      // the call ended during the analysis
)

var statusNames = [...]string{"", "MACHINE", "HUMAN", "NOTSURE", "HANGUP"}

// String returns the status as AMDSTATUS holds it ("" while undecided).
func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return ""
	}
	return statusNames[s]
}

// ParseStatus returns the status named s (any case), or StatusUnknown.
func ParseStatus(s string) Status {
	for i, n := range statusNames {
		if i > 0 && strings.EqualFold(s, n) {
			return Status(i)
		}
	}
	return StatusUnknown
}

// Reason is the first word of AMDCAUSE: what led to the status.
type Reason int

// The causes app_amd gives.
const (
	ReasonNone           Reason = iota // no cause (HANGUP, or undecided)
	ReasonTooLong                      // NOTSURE: total_analysis_time spent
	ReasonNoAudioData                  // NOTSURE: no audio frame in that time
	ReasonInitialSilence               // MACHINE: silence longer than initial_silence first
	ReasonHuman                        // HUMAN: after_greeting_silence after a greeting
	ReasonLongGreeting                 // MACHINE: more voice than greeting
	ReasonMaxWordLength                // MACHINE: a word longer than maximum_word_length
	ReasonMaxWords                     // MACHINE: more words than maximum_number_of_words
)

var reasonNames = [...]string{"", "TOOLONG", "NOAUDIODATA", "INITIALSILENCE", "HUMAN", "LONGGREETING", "MAXWORDLENGTH", "MAXWORDS"}

// String returns the reason as AMDCAUSE begins with it.
func (r Reason) String() string {
	if r < 0 || int(r) >= len(reasonNames) {
		return ""
	}
	return reasonNames[r]
}

// ParseReason returns the reason named s (any case), or ReasonNone.
func ParseReason(s string) Reason {
	for i, n := range reasonNames {
		if i > 0 && strings.EqualFold(s, n) {
			return Reason(i)
		}
	}
	return ReasonNone
}

// Result is a decision: the status and its cause's figures.
type Result struct {
	Status Status
	Reason Reason
	// Value is what was measured: milliseconds of silence, voice, word or
	// analysis, or the number of words (MAXWORDS).
	Value int
	// Limit is the parameter exceeded (INITIALSILENCE, HUMAN,
	// LONGGREETING, MAXWORDS; app_amd prints none for the others).
	Limit int
}

// Cause returns AMDCAUSE as app_amd formats it: TOOLONG-<total>,
// NOAUDIODATA-<total>, INITIALSILENCE-<silence>-<initial>,
// HUMAN-<silence>-<after>, LONGGREETING-<voice>-<greeting>,
// MAXWORDLENGTH-<length>, MAXWORDS-<words>-<maximum>; "" for HANGUP.
func (r Result) Cause() string {
	switch r.Reason {
	case ReasonNone:
		return ""
	case ReasonTooLong, ReasonNoAudioData, ReasonMaxWordLength:
		return r.Reason.String() + "-" + strconv.Itoa(r.Value)
	}
	return r.Reason.String() + "-" + strconv.Itoa(r.Value) + "-" + strconv.Itoa(r.Limit)
}

// String returns "STATUS CAUSE".
func (r Result) String() string { return strings.TrimSpace(r.Status.String() + " " + r.Cause()) }

// The states of app_amd's word counter.
const (
	stateInWord = iota + 1
	stateInSilence
)

// Detector is app_amd's isAnsweringMachine loop as a state machine over
// the frames of one call: New, then Frame for each audio frame received,
// CNG for comfort noise, Idle when no frame came in MaxWait, Expire when
// TotalAnalysisTime has passed on the clock, Hangup when the call ends.
// Each returns the result and whether it is decided; once decided, the
// Detector keeps its result. It does not allocate.
type Detector struct {
	// The parameters, in milliseconds (words for maxWords).
	initialSilence, greeting, afterGreetingSilence, totalAnalysisTime int
	minWordLength, betweenWordsSilence, maxWordLength, maxWords       int
	maxWait                                                           int

	silence SilenceDetector

	// app_amd's variables.
	inInitialSilence bool
	inGreeting       bool
	voiceDuration    int
	silenceDuration  int
	totalTime        int
	wordsCount       int
	state            int
	consecutiveVoice int
	dspSilence       int
	audioFrames      int

	result Result
}

// New returns a Detector with cfg's parameters (durations are taken in
// whole milliseconds).
func New(cfg Config) *Detector {
	d := &Detector{}
	d.Reset(cfg)
	return d
}

// Reset starts a new analysis with cfg's parameters.
func (d *Detector) Reset(cfg Config) {
	ms := func(t time.Duration) int { return int(t.Milliseconds()) }
	*d = Detector{
		initialSilence:       ms(cfg.InitialSilence),
		greeting:             ms(cfg.Greeting),
		afterGreetingSilence: ms(cfg.AfterGreetingSilence),
		totalAnalysisTime:    ms(cfg.TotalAnalysisTime),
		minWordLength:        ms(cfg.MinimumWordLength),
		betweenWordsSilence:  ms(cfg.BetweenWordsSilence),
		maxWordLength:        ms(cfg.MaximumWordLength),
		maxWords:             cfg.MaximumNumberOfWords,
		silence:              SilenceDetector{Threshold: cfg.SilenceThreshold},
		inInitialSilence:     true,
		state:                stateInWord,
	}
	// The lowest of the durations (50 ms at most) is the longest app_amd
	// waits for a frame, twice over.
	d.maxWait = 50
	for _, v := range []int{d.initialSilence, d.greeting, d.afterGreetingSilence, d.totalAnalysisTime, d.minWordLength, d.betweenWordsSilence} {
		d.maxWait = min(d.maxWait, v)
	}
}

// MaxWait is how long app_amd waits for a frame before it counts the
// wait as analysis time (ast_waitfor's 2 × maxWaitTimeForFrame: 100 ms
// with amd.conf's defaults). It is at least 1 ms.
func (d *Detector) MaxWait() time.Duration {
	return time.Duration(max(2*d.maxWait, 1)) * time.Millisecond
}

// Result returns the decision so far (Status StatusUnknown while
// undecided).
func (d *Detector) Result() Result { return d.result }

// Done reports whether the Detector has decided.
func (d *Detector) Done() bool { return d.result.Status != StatusUnknown }

func (d *Detector) decide(s Status, r Reason, value, limit int) (Result, bool) {
	d.result = Result{Status: s, Reason: r, Value: value, Limit: limit}
	return d.result, true
}

// Frame takes one voice frame of 8 kHz signed linear audio received from
// the called party (its length is len(pcm)/8 ms, 20 ms for 160 samples).
func (d *Detector) Frame(pcm []int16) (Result, bool) {
	if d.Done() {
		return d.result, true
	}
	d.dspSilence = d.silence.Frame(pcm)
	return d.audio(len(pcm) / samplesPerMS)
}

// CNG takes a comfort-noise frame covering elapsed (AST_FRAME_CNG: the
// time waited for it): silence that the silence detector does not see.
func (d *Detector) CNG(elapsed time.Duration) (Result, bool) {
	if d.Done() {
		return d.result, true
	}
	ms := int(elapsed.Milliseconds())
	d.dspSilence += ms
	return d.audio(ms)
}

// Idle counts elapsed, a wait without audio (a frame that is neither
// voice nor comfort noise, or none in MaxWait), as analysis time.
func (d *Detector) Idle(elapsed time.Duration) (Result, bool) {
	if d.Done() {
		return d.result, true
	}
	d.totalTime += int(elapsed.Milliseconds())
	if d.totalTime >= d.totalAnalysisTime {
		return d.decide(NotSure, ReasonTooLong, d.totalTime, 0)
	}
	return d.result, false
}

// Expire ends the analysis when TotalAnalysisTime has passed on the
// clock, frames stalled or not (app_amd's amd_tvstart check): NOTSURE,
// TOOLONG or NOAUDIODATA when no audio frame came.
func (d *Detector) Expire() Result {
	if d.Done() {
		return d.result
	}
	if d.audioFrames == 0 {
		r, _ := d.decide(NotSure, ReasonNoAudioData, d.totalTime, 0)
		return r
	}
	r, _ := d.decide(NotSure, ReasonTooLong, d.totalTime, 0)
	return r
}

// Hangup ends the analysis because the call ended: HANGUP, no cause.
func (d *Detector) Hangup() Result {
	if d.Done() {
		return d.result
	}
	r, _ := d.decide(Hangup, ReasonNone, 0, 0)
	return r
}

// audio is the body of app_amd's loop for a voice or CNG frame of
// frameLength ms, d.dspSilence holding the silence detector's answer.
func (d *Detector) audio(frameLength int) (Result, bool) {
	d.audioFrames++
	d.totalTime += frameLength
	if d.totalTime >= d.totalAnalysisTime {
		return d.decide(NotSure, ReasonTooLong, d.totalTime, 0)
	}
	if d.dspSilence > 0 {
		d.silenceDuration = d.dspSilence
		if d.silenceDuration >= d.betweenWordsSilence {
			d.state = stateInSilence
			d.consecutiveVoice = 0
		}
		if d.inInitialSilence && d.silenceDuration >= d.initialSilence {
			return d.decide(Machine, ReasonInitialSilence, d.silenceDuration, d.initialSilence)
		}
		if d.silenceDuration >= d.afterGreetingSilence && d.inGreeting {
			return d.decide(Human, ReasonHuman, d.silenceDuration, d.afterGreetingSilence)
		}
		return d.result, false
	}
	d.consecutiveVoice += frameLength
	d.voiceDuration += frameLength
	// Enough voice in a row after a silence is a new word.
	if d.consecutiveVoice >= d.minWordLength && d.state == stateInSilence {
		d.wordsCount++
		d.state = stateInWord
	}
	if d.consecutiveVoice >= d.maxWordLength {
		return d.decide(Machine, ReasonMaxWordLength, d.consecutiveVoice, d.maxWordLength)
	}
	if d.wordsCount > d.maxWords {
		return d.decide(Machine, ReasonMaxWords, d.wordsCount, d.maxWords)
	}
	if d.inGreeting && d.voiceDuration >= d.greeting {
		return d.decide(Machine, ReasonLongGreeting, d.voiceDuration, d.greeting)
	}
	if d.voiceDuration >= d.minWordLength {
		d.silenceDuration = 0
	}
	if d.consecutiveVoice >= d.minWordLength && !d.inGreeting {
		// The first word: the greeting has begun.
		d.inInitialSilence = false
		d.inGreeting = true
	}
	return d.result, false
}
