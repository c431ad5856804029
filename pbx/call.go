package pbx

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/diago/media"
	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/sip"
)

// sipCall is an inbound SIP call seen by the dialplan: ivr.Call over a
// diago dialog. Prompts and DTMF come with the media work (issue 4): until
// then Play reports every sound missing (Playback sets
// PLAYBACKSTATUS=FAILED and the dialplan goes on) and waits for digits time
// out.
type sipCall struct {
	sw  *Switch
	d   *diago.DialogServerSession
	who *sip.Identity

	mu       sync.Mutex
	answered bool
	ended    bool
}

var _ ivr.Call = (*sipCall)(nil)

func (c *sipCall) Answer(ctx context.Context) error { return c.answerWith(nil) }

// answerWith answers offering only codecs when given: Dial answers the
// caller with the codec the called party chose, so that the bridge needs
// no transcoding (transcoding comes with the media work).
func (c *sipCall) answerWith(codecs []media.Codec) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.answered {
		return nil
	}
	if c.ended {
		return ivr.ErrHangup
	}
	var err error
	if len(codecs) > 0 {
		err = c.d.AnswerOptions(diago.AnswerOptions{Codecs: codecs})
	} else {
		err = c.d.Answer()
	}
	if err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	c.answered = true
	return nil
}

func (c *sipCall) isAnswered() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answered
}

func (c *sipCall) Hangup(ctx context.Context, cause int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return nil
	}
	c.ended = true
	if c.d.Context().Err() != nil {
		return nil // the caller is gone already
	}
	if c.answered {
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return c.d.Hangup(hctx)
	}
	code, reason := sip.CauseToStatus(cause)
	if cause == ivr.CauseNormalClearing || cause == 0 {
		code, reason = 480, "Temporarily Unavailable" // hung up before answer, as chan_sip does
	}
	return c.d.Respond(code, reason, nil)
}

func (c *sipCall) Indicate(ctx context.Context, ind ivr.Indication) error {
	if c.isAnswered() {
		return nil
	}
	switch ind {
	case ivr.IndicationRinging:
		return c.d.Ringing()
	case ivr.IndicationProgress:
		return c.d.Progress()
	case ivr.IndicationBusy:
		c.mu.Lock()
		defer c.mu.Unlock()
		c.ended = true
		return c.d.Respond(486, "Busy Here", nil)
	case ivr.IndicationCongestion:
		c.mu.Lock()
		defer c.mu.Unlock()
		c.ended = true
		return c.d.Respond(503, "Service Unavailable", nil)
	}
	return nil
}

func (c *sipCall) Play(ctx context.Context, sound, language, stop string) (rune, error) {
	if err := c.d.Context().Err(); err != nil {
		return 0, ivr.ErrHangup
	}
	return 0, fmt.Errorf("%w: %s (prompts are not played yet)", ivr.ErrSoundNotFound, sound)
}

func (c *sipCall) WaitDigit(ctx context.Context, timeout time.Duration) (rune, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-t.C:
		return 0, nil
	case <-c.d.Context().Done():
		return 0, ivr.ErrHangup
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (c *sipCall) SendDigits(ctx context.Context, digits string) error {
	return errors.New("sending DTMF is not available yet")
}

// runCall runs an identified inbound call through the dialplan.
func (s *Switch) runCall(d *diago.DialogServerSession, who *sip.Identity) {
	call := &sipCall{sw: s, d: d, who: who}
	// The extension is the Request-URI's user, as chan_sip takes it: a
	// provider sends the registered contact user (register => …/exten) there.
	exten := d.InviteRequest.Recipient.User
	if exten == "" {
		exten = "s"
	}
	cid := ivr.CallerID{Num: d.FromUser()}
	if from := d.InviteRequest.From(); from != nil {
		cid.Name = strings.Trim(from.DisplayName, `"`)
	}
	name := "SIP/guest"
	lang := ""
	if who.Endpoint != nil {
		name = "SIP/" + who.Endpoint.Name
		lang = who.Endpoint.Language
	}
	ch := s.engine.NewChannel(call, ivr.ChannelOptions{
		Name:     fmt.Sprintf("%s-%08x", name, s.channels.Add(1)),
		Context:  who.Context,
		Exten:    exten,
		CallerID: cid,
		Language: lang,
		State:    ivr.StateRing,
	})
	s.log.Info("call", "channel", ch.Name, "from", cid.Num, "to", exten, "context", who.Context, "source", d.InviteRequest.Source())
	res := s.engine.Run(d.Context(), ch)
	_ = call.Hangup(context.Background(), res.Cause)
	s.log.Info("call ended", "channel", ch.Name, "cause", res.Cause, "reason", res.Reason)
}
