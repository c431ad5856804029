package queues

import (
	"context"
	"time"
)

// say plays one piece of an announcement (a file, or a number when sound
// is "") and stops it at the caller's first key, which valid_exit then
// judges. interrupted is true when a key or hangup cut it short; the
// rest of the announcement is then skipped, as app_queue's goto playout.
func (j *joinState) say(ctx context.Context, sound string, number int) (s step, interrupted bool) {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if sound != "" {
			_ = j.caller.Play(pctx, sound) // a missing file is skipped, as play_file does
		} else {
			_ = j.caller.SayNumber(pctx, number)
		}
	}()
	select {
	case <-done:
		if ctx.Err() != nil {
			return stepHangup, true
		}
		return stepNone, false
	case <-ctx.Done():
		cancel()
		<-done
		return stepHangup, true
	case r := <-j.caller.Digits():
		cancel()
		<-done
		if j.validExit(r) {
			return stepExitKey, true
		}
		return stepNone, true
	}
}

// sayPosition is say_position: at most every announce-frequency (and never
// within min-announce-frequency of the last), or when the position
// changed, the caller hears "you are next" or "there are N calls waiting",
// the estimated hold time (announce-holdtime) and "thank you". Music on
// hold stops for it and starts again after.
func (j *joinState) sayPosition(ctx context.Context) step {
	m, e := j.m, j.e
	now := time.Now()
	m.mu.Lock()
	q := e.q
	conf, tune := q.conf, q.tune
	pos := e.pos
	if !e.lastPos.IsZero() && now.Sub(e.lastPos) < tune.MinAnnounceFrequency ||
		e.lastPosSaid == pos && !e.lastPos.IsZero() && now.Sub(e.lastPos) < conf.AnnounceFrequency {
		m.mu.Unlock()
		return stepNone
	}
	holdtime := q.holdtime
	firstTime := e.lastPos.IsZero()
	m.mu.Unlock()

	j.caller.StopMusic()
	snd := tune.Sounds
	limit := tune.AnnouncePositionLimit
	var parts []func() (step, bool)
	file := func(f string) func() (step, bool) { return func() (step, bool) { return j.say(ctx, f, 0) } }
	num := func(n int) func() (step, bool) { return func() (step, bool) { return j.say(ctx, "", n) } }
	ap := tune.AnnouncePosition
	sayPos := ap == "yes" || ap == "more" || ap == "limit" && pos <= limit
	holdPart := true
	if sayPos {
		if pos == 1 {
			parts = append(parts, file(snd.Next))
			holdPart = false
		} else {
			if ap == "more" && pos > limit {
				parts = append(parts, file(snd.Quantity1), num(limit), file(snd.Quantity2))
			} else {
				parts = append(parts, file(snd.ThereAre), num(pos), file(snd.CallsWaiting))
			}
		}
	}
	if holdPart {
		// app_queue: labs(((holdtime + 30) - (now - start)) / 60), C's
		// division truncating toward zero.
		x := holdtime + 30 - int(now.Sub(e.start)/time.Second)
		mins := abs(x / 60)
		sec := 0
		if r := tune.AnnounceRoundSeconds; r > 0 {
			sec = (abs(x) - 60*mins) / r * r
		}
		ht := tune.AnnounceHoldTime
		if mins+sec > 0 && (ht == "yes" || ht == "once" && firstTime) {
			parts = append(parts, file(snd.HoldTime))
			if mins >= 1 {
				unit := snd.Minutes
				if mins == 1 {
					unit = snd.Minute
				}
				parts = append(parts, num(mins), file(unit))
			}
			if sec >= 1 {
				parts = append(parts, num(sec), file(snd.Seconds))
			}
		}
	}
	// say_thanks is cleared only when announce-position is unset, which
	// app_queue's values (yes, no, more, limit) never are.
	parts = append(parts, file(snd.ThankYou))
	s := stepNone
	for _, p := range parts {
		var cut bool
		if s, cut = p(); cut {
			break
		}
	}
	m.mu.Lock()
	e.lastPos, e.lastPosSaid = now, pos
	m.mu.Unlock()
	if s == stepNone {
		j.caller.StartMusic(j.class)
	}
	return s
}

// periodic is say_periodic_announcement: every
// periodic-announce-frequency since the caller joined (or since the last
// one), the next of the periodic-announce files, or a random one.
func (j *joinState) periodic(ctx context.Context) step {
	m, e := j.m, j.e
	now := time.Now()
	m.mu.Lock()
	q := e.q
	if now.Sub(e.lastPeriodic) < q.conf.PeriodicAnnounceFrequency {
		m.mu.Unlock()
		return stepNone
	}
	sounds := q.conf.PeriodicAnnounce
	if len(sounds) == 0 {
		sounds = []string{DefaultPeriodicAnnounce}
	}
	random := q.tune.RandomPeriodicAnnounce
	relative := q.tune.RelativePeriodicAnnounce
	if random {
		e.periodicIdx = m.rng.IntN(len(sounds))
	} else if e.periodicIdx >= len(sounds) || sounds[e.periodicIdx] == "" {
		e.periodicIdx = 0
	}
	sound := sounds[e.periodicIdx]
	m.mu.Unlock()

	j.caller.StopMusic()
	s, _ := j.say(ctx, sound, 0)
	if s == stepNone {
		j.caller.StartMusic(j.class)
	}
	m.mu.Lock()
	e.lastPeriodic = now
	if relative {
		e.lastPeriodic = time.Now()
	}
	if !random {
		e.periodicIdx++
	}
	m.mu.Unlock()
	return s
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
