package pbx

import (
	"context"
	"sync"
	"time"

	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/media/amd"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

// AMDConf is amd.conf, the answering-machine detector's defaults
// (Asterisk's app_amd file).
const AMDConf = "amd.conf"

// amdLeg is where AMD takes the audio from: the channel's leg, or a fake
// in tests.
type amdLeg interface {
	AddRecorder(b2bua.AudioRecorder)
	RemoveRecorder(b2bua.AudioRecorder)
}

// amdSink is the AudioRecorder of AMD: it feeds each frame received from
// the channel's far end to the detector, and closes decided once the
// detector has decided. WriteRx runs on the leg's RTP read goroutine and
// does not allocate.
type amdSink struct {
	wait    time.Duration // the detector's MaxWait
	decided chan struct{}

	// mu guards the fields below.
	mu    sync.Mutex
	det   *amd.Detector
	last  time.Time // the last frame, or the last wait counted
	fired bool
}

func newAMDSink(cfg amd.Config, start time.Time) *amdSink {
	det := amd.New(cfg)
	return &amdSink{wait: det.MaxWait(), decided: make(chan struct{}), det: det, last: start}
}

// WriteRx takes a frame received from the far end: a voice frame of
// app_amd's loop, as long as the packet (20 ms for 160 samples).
func (s *amdSink) WriteRx(pcm []int16, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fired {
		return nil
	}
	s.last = at
	if _, done := s.det.Frame(pcm); done {
		s.fireLocked()
	}
	return nil
}

// WriteTx ignores the audio sent to the far end: AMD listens to what the
// called party says.
func (s *amdSink) WriteTx([]int16, time.Time) error { return nil }

func (s *amdSink) fireLocked() {
	if !s.fired {
		s.fired = true
		close(s.decided)
	}
}

// idle counts a wait of MaxWait without a frame as analysis time, as
// app_amd counts ast_waitfor's timeouts.
func (s *amdSink) idle(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fired || now.Sub(s.last) < s.wait {
		return
	}
	s.last = now
	if _, done := s.det.Idle(s.wait); done {
		s.fireLocked()
	}
}

// end stops the analysis: with the result decided, or the one end gives
// (the hang-up, the clock's expiry).
func (s *amdSink) end(end func(*amd.Detector) amd.Result) amd.Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireLocked()
	if s.det.Done() {
		return s.det.Result()
	}
	return end(s.det)
}

// detectMachine runs the detector with cfg over the audio leg receives,
// until it decides, hungUp is closed (HANGUP) or ctx ends (HANGUP), or
// TotalAnalysisTime has passed on the clock (NOTSURE: Asterisk's check of
// the real time, for frames that stall; it gives the detector's own count
// of the time the first chance to decide).
func detectMachine(ctx context.Context, leg amdLeg, hungUp <-chan struct{}, cfg amd.Config) amd.Result {
	sink := newAMDSink(cfg, time.Now())
	leg.AddRecorder(sink)
	defer leg.RemoveRecorder(sink)
	deadline := time.NewTimer(cfg.TotalAnalysisTime + time.Millisecond) // app_amd: "> totalAnalysisTime"
	defer deadline.Stop()
	tick := time.NewTicker(sink.wait)
	defer tick.Stop()
	for {
		select {
		case <-sink.decided:
			return sink.end(nil)
		case <-hungUp:
			return sink.end((*amd.Detector).Hangup)
		case <-ctx.Done():
			return sink.end((*amd.Detector).Hangup)
		case <-deadline.C:
			return sink.end((*amd.Detector).Expire)
		case now := <-tick.C:
			sink.idle(now)
		}
	}
}

// amdSource returns the leg whose received audio AMD analyses (the
// caller's on an inbound call, the called party's on a call file's or a
// Dial routine's channel), the channel closed when it hangs up, and the
// switch; false for a call without media (the simulator's).
func amdSource(ch *ivr.Channel) (leg amdLeg, hungUp <-chan struct{}, sw *Switch, ok bool) {
	if c, isSIP := mediaCall(ch); isSIP { // an inbound call, or an answered originated channel
		return c.in, c.in.Context().Done(), c.sw, true
	}
	if c, isCallee := ch.Call().(*calleeCall); isCallee { // a Dial routine's called channel
		return c.out, c.out.Context().Done(), c.sw, true
	}
	return nil, nil, nil, false
}

// amdConfig returns amd.conf's settings in force (app_amd's built-in
// defaults without the file).
func (s *Switch) amdConfig() amd.Config {
	if cfg := s.Config(); cfg != nil && cfg.AMD != nil {
		return *cfg.AMD
	}
	return amd.DefaultConfig()
}

// amdApp is Asterisk's AMD.
//
// # Syntax
//
//	AMD([initialSilence[,greeting[,afterGreetingSilence[,totalAnalysisTime[,minimumWordLength[,betweenWordsSilence[,maximumNumberOfWords[,silenceThreshold[,maximumWordLength]]]]]]]]])
//
// Listens to the channel's far end (the called party of a call file or a
// Dial routine, the caller on an inbound call) for up to
// totalAnalysisTime and tells an answering machine from a person, as
// app_amd does (media/amd): 20 ms frames are silence when their mean
// absolute sample is under silenceThreshold; runs of voice of at least
// minimumWordLength separated by betweenWordsSilence are words. A long
// silence first (initialSilence), a long greeting (greeting ms of voice),
// too many words (more than maximumNumberOfWords) or too long a word
// (maximumWordLength) is a MACHINE; afterGreetingSilence of silence after
// the greeting's first word is a HUMAN. The arguments are milliseconds
// (words, and the 0..32767 threshold, for two of them); an empty or
// missing one takes amd.conf's [general] value (initial_silence,
// greeting, after_greeting_silence, total_analysis_time,
// min_word_length, between_words_silence, maximum_number_of_words,
// silence_threshold, maximum_word_length), read again on reload, or
// app_amd's default (2500, 1500, 800, 5000, 100, 50, 3, 256, 5000).
//
// The channel is not answered: AMD is for answered outbound calls.
// AMDSTATUS is MACHINE, HUMAN, NOTSURE or HANGUP; AMDCAUSE is TOOLONG-<total>,
// NOAUDIODATA-<total>, INITIALSILENCE-<silence>-<initialSilence>,
// HUMAN-<silence>-<afterGreetingSilence>, LONGGREETING-<voice>-<greeting>,
// MAXWORDLENGTH-<length> or MAXWORDS-<words>-<maximumNumberOfWords>
// (empty for HANGUP). A call without media (the simulator's) is NOTSURE,
// NOAUDIODATA-0 at once.
//
// # Example
//
//	exten => s,1,AMD()
//	 same => n,GotoIf($["${AMDSTATUS}" = "MACHINE"]?machine)
//	 same => n,Queue(sales)
//	 same => n,Hangup()
//	 same => n(machine),Wait(2)
//	 same => n,Playback(campaign-message)
func amdApp() *ivr.App {
	return &ivr.App{
		Name:     "AMD",
		Synopsis: "Detect an answering machine: AMD([initialSilence[,greeting[,afterGreetingSilence[,totalAnalysisTime[,minimumWordLength[,betweenWordsSilence[,maximumNumberOfWords[,silenceThreshold[,maximumWordLength]]]]]]]]]); sets AMDSTATUS and AMDCAUSE",
		Exec:     execAMD,
	}
}

func execAMD(ctx context.Context, ch *ivr.Channel, args string) error {
	log := ch.Logger()
	base := amd.DefaultConfig()
	leg, hungUp, sw, ok := amdSource(ch)
	if ok {
		base = sw.amdConfig()
	}
	cfg, bad := base.WithArgs(ivr.SplitArgs(args))
	for _, b := range bad {
		log.Warn("AMD: not a whole number, read as C's atoi does", "argument", b)
	}
	set := func(r amd.Result) {
		ch.SetVar("AMDSTATUS", r.Status.String())
		ch.SetVar("AMDCAUSE", r.Cause())
	}
	if !ok {
		log.Info("AMD: the call has no media")
		set(amd.Result{Status: amd.NotSure, Reason: amd.ReasonNoAudioData})
		return nil
	}
	log.Info("AMD: analysing", "initialSilence", cfg.InitialSilence, "greeting", cfg.Greeting,
		"afterGreetingSilence", cfg.AfterGreetingSilence, "totalAnalysisTime", cfg.TotalAnalysisTime,
		"minimumWordLength", cfg.MinimumWordLength, "betweenWordsSilence", cfg.BetweenWordsSilence,
		"maximumNumberOfWords", cfg.MaximumNumberOfWords, "silenceThreshold", cfg.SilenceThreshold,
		"maximumWordLength", cfg.MaximumWordLength)
	start := time.Now()
	r := detectMachine(ctx, leg, hungUp, cfg)
	set(r)
	log.Info("AMD: done", "status", r.Status.String(), "cause", r.Cause(), "after", time.Since(start).Round(time.Millisecond))
	if r.Status == amd.Hangup {
		if err := ctx.Err(); err != nil {
			return err
		}
		return ivr.ErrHangup
	}
	return nil
}
