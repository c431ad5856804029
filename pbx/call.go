package pbx

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

// sipCall is an inbound SIP call seen by the dialplan: ivr.Call over the
// B2BUA's caller leg. Prompts come with the media work (issue 4): until
// then Play reports every sound missing (Playback sets
// PLAYBACKSTATUS=FAILED and the dialplan goes on). Digits sent by SIP INFO
// are buffered for WaitDigit.
type sipCall struct {
	sw     *Switch
	in     *b2bua.Inbound
	digits chan rune
}

var _ ivr.Call = (*sipCall)(nil)

func newSIPCall(sw *Switch, in *b2bua.Inbound) *sipCall {
	c := &sipCall{sw: sw, in: in, digits: make(chan rune, 32)}
	c.listenDTMF()
	return c
}

// listenDTMF buffers the caller's INFO digits for WaitDigit (again, after
// a bridge sent them to the called party).
func (c *sipCall) listenDTMF() {
	c.in.OnDTMF(func(d rune) {
		select {
		case c.digits <- d:
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
	return nil
}

func (c *sipCall) Hangup(ctx context.Context, cause int) error {
	return c.in.Hangup(ctx, cause)
}

func (c *sipCall) Indicate(ctx context.Context, ind ivr.Indication) error {
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

func (c *sipCall) Play(ctx context.Context, sound, language, stop string) (rune, error) {
	if err := c.in.Context().Err(); err != nil {
		return 0, ivr.ErrHangup
	}
	return 0, fmt.Errorf("%w: %s (prompts are not played yet)", ivr.ErrSoundNotFound, sound)
}

func (c *sipCall) WaitDigit(ctx context.Context, timeout time.Duration) (rune, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case d := <-c.digits:
		return d, nil
	case <-t.C:
		return 0, nil
	case <-c.in.Context().Done():
		return 0, ivr.ErrHangup
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (c *sipCall) SendDigits(ctx context.Context, digits string) error {
	return errors.New("sending DTMF is not available yet")
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
	s.log.Info("call", "channel", ch.Name, "from", cid.Num, "to", in.Exten(), "context", in.Identity.Context, "source", in.Source())
	res := s.engine.Run(in.Context(), ch)
	_ = call.Hangup(context.Background(), res.Cause)
	s.log.Info("call ended", "channel", ch.Name, "cause", res.Cause, "reason", res.Reason)
}
