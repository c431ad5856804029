package pbx

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/dtmf"
	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/media"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

// sipCall is an inbound SIP call seen by the dialplan: ivr.Call over the
// B2BUA's caller leg. Prompts are played on the leg's RTP stream; the
// digits the caller sends (RFC 4733, SIP INFO, in-band) are buffered for
// WaitDigit and for interrupting prompts.
type sipCall struct {
	sw     *Switch
	in     *b2bua.Inbound
	digits chan rune
	// ch is the dialplan's channel of the call (its language chooses the
	// tones of an in-band indication).
	ch *ivr.Channel
	// media is what the media applications keep (call_media.go).
	media callMedia
	// cdr is the call's CDR, written when it ends.
	cdr *callRecord
}

var _ ivr.Call = (*sipCall)(nil)

func newSIPCall(sw *Switch, in *b2bua.Inbound) *sipCall {
	c := &sipCall{sw: sw, in: in, digits: make(chan rune, 32)}
	c.listenDTMF()
	return c
}

// listenDTMF buffers the caller's digits (RFC 4733, INFO, in-band) for
// WaitDigit and Play (again, after a bridge sent them on to the called
// party).
func (c *sipCall) listenDTMF() {
	c.in.OnDTMF(func(ev dtmf.Event) {
		c.sw.dtmfEvent(c, ev.Digit, ev.Duration) // DTMFBegin/DTMFEnd (events.go)
		select {
		case c.digits <- ev.Digit:
		default: // a full buffer drops the digit, as a full frame queue does
		}
	})
}

func (c *sipCall) Answer(ctx context.Context) error { return c.answerWith("") }

// answerWith answers preferring codec (the called party's, so that the
// bridge needs no transcoding) when the caller offered it.
func (c *sipCall) answerWith(codec string) error {
	if err := c.in.Answer(codec); err != nil {
		if errors.Is(err, b2bua.ErrHungUp) {
			return ivr.ErrHangup
		}
		return err
	}
	if c.cdr != nil {
		c.cdr.answered(time.Now())
	}
	if c.ch != nil && c.ch.State() != ivr.StateUp {
		c.ch.SetState(ivr.StateUp)
		c.sw.channelState(c.ch) // Newstate Up (events.go)
	}
	return nil
}

func (c *sipCall) Hangup(ctx context.Context, cause int) error {
	return c.in.Hangup(ctx, cause)
}

func (c *sipCall) Indicate(ctx context.Context, ind ivr.Indication) error {
	if c.in.Answered() {
		return c.indicateInBand(ind)
	}
	switch ind {
	case ivr.IndicationRinging:
		return c.in.Ringing()
	case ivr.IndicationProgress:
		return c.in.Progress("")
	case ivr.IndicationBusy:
		return c.in.Reject(486, "Busy Here")
	case ivr.IndicationCongestion:
		return c.in.Reject(503, "Service Unavailable")
	}
	return nil
}

// Play plays a sound (a file, or the catalogue's text spoken) to the
// caller. An unanswered call gets early media (183) first, as Playback
// with noanswer does in Asterisk. A digit of stop ends it and is
// returned; other digits pressed meanwhile are dropped.
func (c *sipCall) Play(ctx context.Context, sound, language, stop string) (rune, error) {
	codec, err := c.mediaCodec()
	if errors.Is(err, ivr.ErrHangup) {
		return 0, err
	}
	if err != nil {
		return 0, fmt.Errorf("%w: %s: no media: %v", ivr.ErrSoundNotFound, sound, err)
	}
	fr, err := c.sw.soundFrames(ctx, sound, language, codec)
	if err != nil {
		return 0, err
	}
	return c.playFrames(ctx, fr, stop)
}

// soundFrames finds sound for a call in codec, as ivr.Call.Play reports
// a missing one (ivr.ErrSoundNotFound).
func (s *Switch) soundFrames(ctx context.Context, sound, language, codec string) (media.FrameReader, error) {
	snd, err := s.prompts.sound(ctx, sound, language, codec)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ivr.ErrSoundNotFound, err)
	}
	fr, err := snd.Frames(codec)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ivr.ErrSoundNotFound, err)
	}
	return fr, nil
}

// playFrames plays fr, ending early on a digit of stop. It stops the
// generator playing, if any, for good (as ast_openstream does).
func (c *sipCall) playFrames(ctx context.Context, fr media.FrameReader, stop string) (rune, error) {
	c.stopGenerator()
	return playOnLeg(ctx, c.in.Leg, c.digits, fr, stop)
}

// playOnLeg plays fr to leg; a digit of stop from digits ends it and is
// returned, other digits are dropped meanwhile.
func playOnLeg(ctx context.Context, leg *b2bua.Leg, digits <-chan rune, fr media.FrameReader, stop string) (rune, error) {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- leg.Play(pctx, fr) }()
	for {
		select {
		case err := <-done:
			if errors.Is(err, b2bua.ErrHungUp) {
				return 0, ivr.ErrHangup
			}
			if err != nil && ctx.Err() != nil {
				return 0, ctx.Err()
			}
			return 0, err
		case d := <-digits:
			if stop != "" && strings.ContainsRune(stop, d) {
				cancel()
				<-done
				return d, nil
			}
		}
	}
}

// waitDigit waits up to timeout for the next digit: 0 on timeout,
// ivr.ErrHangup once hungUp is closed.
func waitDigit(ctx context.Context, digits <-chan rune, hungUp <-chan struct{}, timeout time.Duration) (rune, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case d := <-digits:
		return d, nil
	case <-t.C:
		return 0, nil
	case <-hungUp:
		return 0, ivr.ErrHangup
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (c *sipCall) WaitDigit(ctx context.Context, timeout time.Duration) (rune, error) {
	return waitDigit(ctx, c.digits, c.in.Context().Done(), timeout)
}

// SendDigits sends digits to the caller one after the other, as SendDTMF
// does (RFC 4733, or INFO for dtmfmode=info phones).
func (c *sipCall) SendDigits(ctx context.Context, digits string) error {
	for _, d := range digits {
		if err := c.in.SendDigit(ctx, d, 0); err != nil {
			if c.in.Context().Err() != nil {
				return ivr.ErrHangup
			}
			return err
		}
	}
	return nil
}

// runCall runs an identified inbound call through the dialplan.
func (s *Switch) runCall(in *b2bua.Inbound) {
	call := newSIPCall(s, in)
	num, name := in.CallerID()
	cid := ivr.CallerID{Num: num, Name: name}
	chName := "SIP/guest"
	lang := ""
	if ep := in.Endpoint(); ep != nil {
		chName = "SIP/" + ep.Name
		lang = ep.Language
	}
	ch := s.engine.NewChannel(call, ivr.ChannelOptions{
		Name:     fmt.Sprintf("%s-%08x", chName, s.channels.Add(1)),
		Context:  in.Identity.Context,
		Exten:    in.Exten(),
		CallerID: cid,
		Language: lang,
		State:    ivr.StateRing,
	})
	call.ch = ch
	call.cdr = newCallRecord(ch, time.Now(), "")
	s.channelUp(ch, func(cause int) { _ = in.Hangup(context.Background(), cause) })
	s.log.Info("call", "channel", ch.Name, "from", cid.Num, "to", in.Exten(), "context", in.Identity.Context, "source", in.Source())
	res := s.engine.Run(in.Context(), ch)
	_ = call.Hangup(context.Background(), res.Cause)
	s.writeCDR(call.cdr.finish(ch, time.Now(), res.Cause))
	s.channelDown(ch, res.Cause)
	call.closeMedia()
	s.log.Info("call ended", "channel", ch.Name, "cause", res.Cause, "reason", res.Reason)
}
