package pbx

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/queues"
	"github.com/obelisk-pbx/obelisk/sip"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

// queueDialer rings queue members for the queues.Manager and bridges the
// one who answers with the waiting caller (queues.Dialer).
type queueDialer struct {
	s *Switch
	// callers are the calls waiting in a queue, by uniqueid.
	callers sync.Map
}

var _ queues.Dialer = (*queueDialer)(nil)

// Ring places the call to a member (SIP/peer, PJSIP/endpoint …) and
// returns its answered leg.
func (d *queueDialer) Ring(ctx context.Context, m queues.Member, caller queues.CallerInfo) (queues.Answered, error) {
	v, ok := d.callers.Load(caller.UniqueID)
	if !ok {
		return nil, queues.ErrNoChannel
	}
	qc := v.(*queueCaller)
	targets, err := d.s.resolveTarget(m.Interface)
	if err != nil || len(targets) == 0 {
		return nil, fmt.Errorf("%w: %v", queues.ErrNoChannel, err)
	}
	t := targets[0]
	t.onBegin = func(lc *liveChannel) { d.s.agentCalled(qc, m, lc) }
	out, err := d.s.cdrDial(ctx, qc.call, t, b2bua.DialRequest{
		Target: t.uri, Endpoint: t.ep, Username: t.username, Password: t.password,
		CallerNum: caller.CallerIDNum, CallerName: caller.CallerIDName,
		MaxForwards: qc.call.in.MaxForwards() - 1, Codecs: qc.call.in.OfferedCodecs(),
	}, originOf(qc.ch))
	if err != nil {
		switch b2bua.DialStatus(err) {
		case "BUSY":
			return nil, queues.ErrMemberBusy
		case "CONGESTION":
			return nil, queues.ErrMemberCongestion
		}
		return nil, err
	}
	return &queueAnswer{qc: qc, out: out, id: fmt.Sprintf("%d.%d", time.Now().Unix(), d.s.channels.Add(1))}, nil
}

// queueAnswer is a member's answered leg, bridged with the caller by Wait.
type queueAnswer struct {
	qc  *queueCaller
	out *b2bua.Outbound
	id  string
	// res is how the bridge ended, once Wait returned.
	res bridgeResult
}

var _ queues.Transferred = (*queueAnswer)(nil)

func (a *queueAnswer) UniqueID() string { return a.id }

// Transfer reports a bridge that ended in a transfer, for queue_log:
// BLINDTRANSFER exten|context, or ATTENDEDTRANSFER BRIDGE|<the target's
// channel> (Asterisk names the bridge the held party joined; Obelisk's
// bridges have no ids of their own, the target's channel stands for it).
func (a *queueAnswer) Transfer() (queues.Event, []string, bool) {
	switch a.res.transfer {
	case "BLINDTRANSFER":
		return queues.EventBlindTransfer, []string{a.res.exten, a.res.context}, true
	case "ATTENDEDTRANSFER":
		return queues.EventAttendedTransfer, []string{"BRIDGE", a.res.exten}, true
	}
	return 0, nil, false
}

// Wait answers the caller (with the member's codec when it offered it),
// bridges the two in a bridge session with the features of Queue's
// options (t T transfer, h H disconnect, x X automixmon, k K park, as
// app_queue enables them: lower case for the member, upper case for the
// caller) and returns when one hangs up. A member who transfers the
// caller hands it back to the dialplan (queueCaller.transferred); a
// caller who transfers the member leaves and is hung up.
func (a *queueAnswer) Wait(ctx context.Context) (queues.Party, time.Duration) {
	call := a.qc.call
	call.stopGenerator()
	if err := call.answerWith(a.out.Media().Audio().Codec()); err != nil {
		_ = a.out.Hangup(context.Background())
		a.out.Close()
		return queues.PartyCaller, 0
	}
	if call.cdr != nil {
		if ep := a.out.Endpoint(); ep != nil {
			call.cdr.bridged("SIP/" + ep.Name)
		}
	}
	s, ch := a.qc.call.sw, a.qc.ch
	callerCodes, agentCodes := bridgeFeatures(s.Config().Features, a.qc.flags)
	res := s.newBridgeSession("Queue", ch, callerParty(ch, call, callerCodes), s.calleeParty(ch, a.out, agentCodes), 0).run(ctx)
	a.res = res
	switch res.end {
	case bridgeCallerHungUp, bridgeCallerLeft:
		return queues.PartyCaller, res.talk
	case bridgeCallerTransferred:
		a.qc.transferred = true
	}
	return queues.PartyAgent, res.talk
}

// Hangup releases an answer that is not bridged (a second member of a
// ringall round).
func (a *queueAnswer) Hangup() {
	_ = a.out.Hangup(context.Background())
}

// queueCaller is the waiting channel as queues.Manager sees it.
type queueCaller struct {
	call *sipCall
	ch   *ivr.Channel
	// flags are Queue's options (the bridge's features).
	flags map[rune]string
	// transferred: the member sent the caller elsewhere in the dialplan
	// (a transfer), where the channel goes on after Queue.
	transferred bool
	// queue is the queue's name (AgentCalled).
	queue string
}

var _ queues.Caller = (*queueCaller)(nil)

func (c *queueCaller) Info() queues.CallerInfo {
	cid := c.ch.CallerID()
	return queues.CallerInfo{UniqueID: c.ch.UniqueID, Channel: c.ch.Name, CallerIDNum: cid.Num, CallerIDName: cid.Name}
}

func (c *queueCaller) StartMusic(class string) {
	if err := c.call.startMusicOnHold(class); err != nil {
		c.ch.Logger().Warn("Queue: no music on hold", "class", class, "error", err)
	}
}

func (c *queueCaller) StopMusic() { c.call.stopGenerator() }

func (c *queueCaller) Play(ctx context.Context, sound string) error {
	_, err := c.call.Play(ctx, sound, c.ch.Language(), "")
	if errors.Is(err, ivr.ErrSoundNotFound) {
		c.ch.Logger().Warn("Queue: announcement missing", "sound", sound)
		return nil
	}
	return err
}

func (c *queueCaller) SayNumber(ctx context.Context, n int) error {
	sounds, err := ivr.NumberSounds(n, c.ch.Language(), ivr.GenderUnknown)
	if err != nil {
		return err
	}
	for _, snd := range sounds {
		if err := c.Play(ctx, snd); err != nil {
			return err
		}
	}
	return nil
}

func (c *queueCaller) Digits() <-chan rune { return c.call.digits }

func (c *queueCaller) SetVars(vars map[string]string) {
	for k, v := range vars {
		c.ch.SetVar(k, v)
	}
}

// dialplanExits answers the queue's exit-key questions from the dialplan.
type dialplanExits struct{ s *Switch }

func (d dialplanExits) CanMatch(context, digits string) bool {
	return d.s.engine.Dialplan().CanMatch(context, digits, "", time.Now())
}

func (d dialplanExits) Exists(context, digits string) bool {
	_, p, _ := d.s.engine.Dialplan().LookupPriority(context, digits, "", 1, time.Now())
	return p != nil
}

// deviceState is a queue member's state, as Asterisk's devicestate would
// tell it: UNAVAILABLE for a phone that is not registered (or an unknown
// endpoint), INUSE while it has a call, NOT_INUSE otherwise.
func (s *Switch) deviceState(iface string) queues.DeviceState {
	tech, rest, ok := strings.Cut(iface, "/")
	if ok && strings.EqualFold(tech, "Local") {
		return s.localDeviceState(rest)
	}
	if !ok || (!strings.EqualFold(tech, "SIP") && !strings.EqualFold(tech, "PJSIP")) || s.sip == nil {
		return queues.DeviceInvalid
	}
	name, _, _ := strings.Cut(rest, "/")
	ep := s.Config().SIP.Endpoint(name)
	if ep == nil {
		return queues.DeviceInvalid
	}
	if ep.Kind == sip.KindPhone && len(s.sip.registrar.Location().Lookup(ep.Name, time.Now())) == 0 {
		return queues.DeviceUnavailable
	}
	if s.sip.agent.InUse(ep.Name) > 0 {
		return queues.DeviceInUse
	}
	return queues.DeviceNotInUse
}

// queueApp is Asterisk's Queue.
//
// # Syntax
//
//	Queue(queuename[,options[,URL[,announceoverride[,timeout[,AGI[,macro[,gosub[,rule[,position]]]]]]]]])
//
// The caller waits in queuename (queues.conf) with music on hold while the
// queue's strategy rings its members; the first to answer is bridged. It
// returns when the caller leaves: QUEUESTATUS is TIMEOUT (timeout seconds
// passed), FULL, JOINEMPTY, LEAVEEMPTY, or CONTINUE (option c, after a
// bridged call), and the dialplan goes on; a key of the queue's context
// sends the caller there; after a bridged call without c the caller is
// hung up. Options: c (continue), n (no retries), and the features of
// the bridge (features.conf): t and T let the member and the caller
// transfer (blindxfer, atxfer), h and H hang up (disconnect), x and X
// record (automixmon), k and K park (parkcall). A member who transfers the
// caller sends it on in the dialplan at the target. Variables
// MEMBERINTERFACE, MEMBERNAME, QEHOLDTIME … are set as app_queue sets them.
//
// # Example
//
//	same => n,Queue(en-queue,t,,,10)
//	same => n,GotoIf($["${QUEUESTATUS}" = "TIMEOUT"]?callback,s,1)
func queueApp() *ivr.App {
	return &ivr.App{
		Name:     "Queue",
		Synopsis: "Wait in a call queue: Queue(queuename[,options[,URL[,announceoverride[,timeout]]]]); sets QUEUESTATUS",
		Exec: func(ctx context.Context, ch *ivr.Channel, args string) error {
			call, ok := ch.Call().(*sipCall)
			if !ok {
				return errors.New("Queue: the channel is not a SIP call")
			}
			return call.sw.queue(ctx, ch, call, args)
		},
	}
}

func (s *Switch) queue(ctx context.Context, ch *ivr.Channel, call *sipCall, args string) error {
	if s.queueMgr == nil {
		return errors.New("Queue: no queues are configured")
	}
	parts := ivr.SplitArgs(args)
	arg := func(i int) string {
		if i < len(parts) {
			return strings.TrimSpace(parts[i])
		}
		return ""
	}
	opts := queues.JoinOptions{Queue: arg(0), URL: arg(2), Dialplan: dialplanExits{s}}
	flags := parseDialOptions(arg(1))
	_, opts.Continue = flags['c']
	_, opts.NoRetry = flags['n']
	if t := arg(4); t != "" {
		if n, err := strconv.ParseFloat(t, 64); err == nil && n > 0 {
			opts.Timeout = time.Duration(n * float64(time.Second))
		}
	}
	if p, err := strconv.Atoi(arg(9)); err == nil {
		opts.Position = p
	}
	if p, err := strconv.Atoi(ch.Var("QUEUE_PRIO")); err == nil {
		opts.Prio = p
	}
	qc := &queueCaller{call: call, ch: ch, flags: flags, queue: opts.Queue}
	s.queueDial.callers.Store(ch.UniqueID, qc)
	defer s.queueDial.callers.Delete(ch.UniqueID)
	defer call.stopGenerator()
	res, err := s.queueMgr.Join(ctx, qc, opts)
	if err != nil {
		return fmt.Errorf("Queue(%s): %w", opts.Queue, err)
	}
	if res.StatusSet {
		ch.SetVar("QUEUESTATUS", res.Status.String())
	}
	ch.Logger().Info("Queue: left", "queue", opts.Queue, "outcome", res.Outcome, "queuestatus", ch.Var("QUEUESTATUS"),
		"hold", res.HoldTime.Round(time.Millisecond))
	switch {
	case res.ExitExten != "":
		ch.Goto(res.ExitContext, res.ExitExten, 1)
	case qc.transferred:
		// The member transferred the caller: the channel goes on at the
		// transfer's target.
	case res.Hangup:
		return ivr.ErrHangup
	}
	return nil
}
