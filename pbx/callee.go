package pbx

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/dtmf"
	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

// calleeCall is ivr.Call over an answered outbound leg, for the routines
// Dial's U() runs on the called channel before it is bridged.
type calleeCall struct {
	sw     *Switch
	out    *b2bua.Outbound
	digits chan rune
	cdr    *callRecord // the CDRs of the channel it runs, if any (cdr.go)
}

var _ ivr.Call = (*calleeCall)(nil)

func newCalleeCall(sw *Switch, out *b2bua.Outbound) *calleeCall {
	c := &calleeCall{sw: sw, out: out, digits: make(chan rune, 32)}
	out.OnDTMF(func(ev dtmf.Event) {
		select {
		case c.digits <- ev.Digit:
		default:
		}
	})
	return c
}

func (c *calleeCall) Answer(context.Context) error { return nil } // answered already

func (c *calleeCall) Hangup(ctx context.Context, cause int) error { return c.out.Hangup(ctx) }

func (c *calleeCall) Indicate(context.Context, ivr.Indication) error { return nil }

// Play plays a sound to the called party, as sipCall does to the caller.
func (c *calleeCall) Play(ctx context.Context, sound, language, stop string) (rune, error) {
	if c.out.Context().Err() != nil {
		return 0, ivr.ErrHangup
	}
	codec := c.out.Media().Audio().Codec()
	if codec == "" {
		return 0, fmt.Errorf("%w: %s: the called leg has no media", ivr.ErrSoundNotFound, sound)
	}
	fr, err := c.sw.soundFrames(ctx, sound, language, codec)
	if err != nil {
		return 0, err
	}
	return playOnLeg(ctx, c.out.Leg, c.digits, fr, stop)
}

func (c *calleeCall) WaitDigit(ctx context.Context, timeout time.Duration) (rune, error) {
	return waitDigit(ctx, c.digits, c.out.Context().Done(), timeout)
}

// SendDigits sends digits to the called party (RFC 4733 or INFO).
func (c *calleeCall) SendDigits(ctx context.Context, digits string) error {
	for _, d := range digits {
		if err := c.out.SendDigit(ctx, d, 0); err != nil {
			if c.out.Context().Err() != nil {
				return ivr.ErrHangup
			}
			return err
		}
	}
	return nil
}

// gosubOutcome is what Dial does after U(): bridge (the routine returned
// without GOSUB_RESULT), or not, with the caller going on or hung up.
type gosubOutcome struct {
	bridge bool
	// status replaces DIALSTATUS (BUSY, CONGESTION, CHANUNAVAIL).
	status string
	// goOn: the caller continues in the dialplan (at the next priority
	// or where goTo points).
	goOn bool
	goTo string
}

// runCalleeGosub is app_dial's U(x[^arg…]): Gosub to x,s,1(args) on the
// called channel; then GOSUB_RESULT decides: ABORT hangs up both, BUSY,
// CONGESTION and CHANUNAVAIL set DIALSTATUS and let the caller go on,
// CONTINUE lets the caller go on, GOTO:[[context^]exten^]priority sends it
// there; in every one of these the called party is hung up.
func (s *Switch) runCalleeGosub(ctx context.Context, caller *ivr.Channel, out *b2bua.Outbound, arg string) gosubOutcome {
	spec := strings.ReplaceAll(arg, "^", ",")
	if c, args, ok := strings.Cut(spec, ","); ok {
		spec = c + ",s,1(" + args + ")"
	} else {
		spec += ",s,1"
	}
	name := "SIP/callee"
	if ep := out.Endpoint(); ep != nil {
		name = "SIP/" + ep.Name
	}
	ch := s.engine.NewChannel(newCalleeCall(s, out), ivr.ChannelOptions{
		Name:     fmt.Sprintf("%s-%08x", name, s.channels.Add(1)),
		LinkedID: caller.LinkedID,
		Context:  caller.Context,
		Exten:    "s",
		CallerID: caller.CallerID(),
		Language: caller.Language(),
		Vars:     caller.Inheritable(),
		State:    ivr.StateUp,
	})
	if err := s.engine.RunSub(out.Context(), ch, spec); err != nil {
		caller.Logger().Info("Dial: U() routine ended the called channel", "sub", spec, "error", err)
		return gosubOutcome{goOn: true}
	}
	res := strings.TrimSpace(ch.Var("GOSUB_RESULT"))
	switch up := strings.ToUpper(res); {
	case res == "":
		return gosubOutcome{bridge: true}
	case up == "BUSY" || up == "CONGESTION" || up == "CHANUNAVAIL":
		return gosubOutcome{status: up, goOn: true}
	case up == "CONTINUE":
		return gosubOutcome{goOn: true}
	case up == "ABORT":
		return gosubOutcome{}
	case strings.HasPrefix(up, "GOTO:"):
		return gosubOutcome{goOn: true, goTo: res[5:]}
	}
	caller.Logger().Warn("Dial: unknown GOSUB_RESULT, bridging", "value", res)
	return gosubOutcome{bridge: true}
}
