package pbx

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/obelisk-pbx/obelisk/features"
	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/sip"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

// Call parking, as res_parking's default lot: a party parked (the
// parkcall feature, k/K, or Park(), e.g. by a blind transfer to 700)
// waits with music on hold in the first free space of parkpos; dialling
// the space (ParkedCall) bridges the dialler with it; after parkingtime
// it comes back: with comebacktoorigin the parker's phone is rung again
// for comebackdialtime, and the parked call is hung up when nobody takes
// it (Asterisk would then go on in parkedcallstimeout).

// parkingLot holds the parked calls by space.
type parkingLot struct {
	// mu guards spaces.
	mu     sync.Mutex
	spaces map[int]*parkedCall
}

// parkedCall is one parked party.
type parkedCall struct {
	space int
	party *bridgeParty
	// parker is the channel that parked it; comeback the dial string
	// that rings the parker again ("" when it cannot be: a trunk).
	parker, comeback string
	// taken is closed when a retriever has the party.
	taken chan struct{}
	// ready is closed once the party is on hold, its space announced: a
	// retriever bridges it only then, so that no prompt or music of the
	// parking plays into its bridge.
	ready chan struct{}
}

// park puts pc in the first free space of cfg's range.
func (l *parkingLot) park(cfg features.Parking, pc *parkedCall) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.spaces == nil {
		l.spaces = map[int]*parkedCall{}
	}
	for sp := cfg.PosStart; sp <= cfg.PosEnd; sp++ {
		if l.spaces[sp] == nil {
			pc.space = sp
			l.spaces[sp] = pc
			return true
		}
	}
	return false
}

// take removes the call parked in space (the first parked when space is
// 0) and marks it taken; nil when there is none.
func (l *parkingLot) take(space int) *parkedCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	pc := l.spaces[space]
	if space == 0 {
		for sp, c := range l.spaces {
			if pc == nil || sp < pc.space {
				pc = c
			}
		}
	}
	if pc == nil {
		return nil
	}
	delete(l.spaces, pc.space)
	close(pc.taken)
	return pc
}

// remove takes pc out of its space; false when a retriever took it first.
func (l *parkingLot) remove(pc *parkedCall) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.spaces[pc.space] != pc {
		return false
	}
	delete(l.spaces, pc.space)
	return true
}

// parkingConfig is features.conf's parking lot.
func (s *Switch) parkingConfig() features.Parking {
	if f := s.Config().Features; f != nil {
		return f.Parking
	}
	return features.Parking{ParkExt: features.DefaultParkExt, PosStart: features.DefaultParkPosStart, PosEnd: features.DefaultParkPosEnd,
		Context: features.DefaultParkingContext, ParkingTime: features.DefaultParkingTime, ComebackToOrigin: true,
		ComebackDialTime: features.DefaultComebackDialTime}
}

// comebackOf is the dial string that rings a parker again: its phone
// (SIP/name), or "" for a trunk or a guest.
func comebackOf(p *bridgeParty) string {
	var ep *sip.Endpoint
	switch {
	case p.out != nil:
		ep = p.out.Endpoint()
	case p.call != nil:
		ep = p.call.in.Endpoint()
	}
	if ep == nil || ep.Kind == sip.KindTrunk {
		return ""
	}
	return "SIP/" + ep.Name
}

// parkCall is the parkcall feature dialled by p: the other party is
// parked, p hears the space (SayDigits) and leaves the call (it is hung
// up), as res_parking's parking feature does.
func (bs *bridgeSession) parkCall(ctx context.Context, p *bridgeParty) {
	s := bs.sw
	q := bs.other(p)
	bs.disconnect()
	pc := &parkedCall{party: q, parker: p.name, comeback: comebackOf(p), taken: make(chan struct{}), ready: make(chan struct{})}
	q.hold(s, "")
	close(pc.ready)
	if !s.parking.park(s.parkingConfig(), pc) {
		bs.ch.Logger().Info(bs.app+": parkcall: the parking lot is full", "by", p.name)
		_, _ = p.play(ctx, s, "pbx-parkingfailed", nil, "")
		bs.connect()
		return
	}
	if q.call != nil {
		q.call.ch.SetVar("PARKINGSLOT", strconv.Itoa(pc.space))
	}
	bs.ch.Logger().Info(bs.app+": call parked", "space", pc.space, "parked", q.name, "by", p.name)
	for _, snd := range ivr.DigitSounds(strconv.Itoa(pc.space)) {
		if _, err := p.play(ctx, s, snd, nil, ""); err != nil && !errors.Is(err, ivr.ErrSoundNotFound) {
			break
		}
	}
	bs.sw.bridges.move(bs, q.leg, nil)
	if q.call != nil && q.call == bs.origin {
		// The dialplan's caller is parked: its session waits in the lot.
		p.hangup(ctx)
		bs.removeParty(p)
		if p.out != nil {
			p.out.Close()
		}
		s.parkAndWait(ctx, pc, bs.ch)
		bs.finish(bridgeCallerHungUp)
		return
	}
	bs.removeParty(q)
	go func() {
		s.parkAndWait(context.WithoutCancel(ctx), pc, bs.ch)
		if q.out != nil {
			q.out.Close()
		}
	}()
	p.hangup(ctx)
	bs.finish(bridgeCallerLeft)
}

// parkAndWait keeps pc parked until a retriever takes it and the call
// ends, the parked party hangs up, or parkingtime passes (then the
// comeback). ch is for the logs and the comeback's caller ID.
func (s *Switch) parkAndWait(ctx context.Context, pc *parkedCall, ch *ivr.Channel) {
	cfg := s.parkingConfig()
	q := pc.party
	log := ch.Logger().With("space", pc.space, "parked", q.name)
	// ParkingTime counts from the parking, as res_parking's does.
	t := time.NewTimer(cfg.ParkingTime)
	defer t.Stop()
	select {
	case <-pc.taken:
		<-q.done()
		return
	case <-q.done():
		if !s.parking.remove(pc) {
			<-pc.taken
		}
		log.Info("parked call hung up")
		return
	case <-ctx.Done():
		if s.parking.remove(pc) {
			q.hangup(context.WithoutCancel(ctx))
			return
		}
	case <-t.C:
		if !s.parking.remove(pc) {
			<-q.done() // a retriever took it just now
			return
		}
	}
	if ctx.Err() != nil {
		<-q.done()
		return
	}
	log.Info("parked call timed out", "comeback", pc.comeback, "comebacktoorigin", cfg.ComebackToOrigin)
	if pc.comeback == "" || !cfg.ComebackToOrigin {
		q.hangup(ctx)
		return
	}
	targets, err := s.resolveTarget(pc.comeback)
	if err != nil || len(targets) == 0 {
		log.Info("parked call: the parker cannot be rung again", "error", err)
		q.hangup(ctx)
		return
	}
	dctx, cancel := context.WithTimeout(ctx, cfg.ComebackDialTime)
	defer cancel()
	cid := ch.CallerID()
	tg := targets[0]
	out, err := s.placeCall(dctx, tg, b2bua.DialRequest{Target: tg.uri, Endpoint: tg.ep, Username: tg.username, Password: tg.password,
		CallerNum: cid.Num, CallerName: cid.Name, MaxForwards: 70, Codecs: []string{q.leg.Media().Audio().Codec()}}, originOf(ch))
	if err != nil {
		log.Info("parked call: the parker did not answer again", "status", b2bua.DialStatus(err))
		q.hangup(ctx)
		return
	}
	log.Info("parked call came back to the parker", "parker", pc.comeback)
	bs := &bridgeSession{sw: s, ch: ch, app: "Parking", a: q, b: s.calleeParty(ch, out, nil),
		featureTimeout: features.DefaultFeatureDigitTimeout, hits: make(chan featureHit, 4), reqs: make(chan bridgeRequest), ended: make(chan struct{})}
	bs.run(ctx)
}

// parkApp is Asterisk's Park.
//
// # Syntax
//
//	Park([parking_lot_name[,options]])
//
// Parks the channel in the first free space of the parking lot
// (features.conf parkpos), with music on hold, and says the space to it
// unless option s is given. Dialling the space with ParkedCall takes the
// call; after parkingtime it comes back to the parker (the channel named
// in BLINDTRANSFER, when a blind transfer to parkext parked it) with
// comebacktoorigin, or is hung up. PARKINGSLOT is set to the space.
//
// # Example
//
//	exten => 700,1,Park()
func parkApp() *ivr.App {
	return &ivr.App{
		Name:     "Park",
		Synopsis: "Park the call in the parking lot: Park([lot[,options]]); sets PARKINGSLOT",
		Exec: func(ctx context.Context, ch *ivr.Channel, args string) error {
			var p *bridgeParty
			var s *Switch
			switch c := ch.Call().(type) {
			case *sipCall:
				if err := c.Answer(ctx); err != nil {
					return err
				}
				p, s = callerParty(ch, c, nil), c.sw
			case *calleeCall:
				p, s = &bridgeParty{leg: c.out.Leg, out: c.out, name: ch.Name, lang: ch.Language()}, c.sw
			default:
				ch.Logger().Info("Park: the channel has no media")
				return ivr.ErrHangup
			}
			parker := ch.Var("BLINDTRANSFER")
			pc := &parkedCall{party: p, parker: parker, taken: make(chan struct{}), ready: make(chan struct{})}
			if name, _, ok := strings.Cut(parker, "-"); ok && strings.HasPrefix(name, "SIP/") {
				if ep := s.Config().SIP.Endpoint(strings.TrimPrefix(name, "SIP/")); ep != nil && ep.Kind != sip.KindTrunk {
					pc.comeback = name
				}
			}
			if !s.parking.park(s.parkingConfig(), pc) {
				_, _ = p.play(ctx, s, "pbx-parkingfailed", nil, "")
				return ivr.ErrHangup
			}
			ch.SetVar("PARKINGSLOT", strconv.Itoa(pc.space))
			ch.Logger().Info("Park: call parked", "space", pc.space, "parker", parker)
			if opts := ivr.SplitArgs(args); len(opts) < 2 || !strings.Contains(opts[1], "s") {
				for _, snd := range ivr.DigitSounds(strconv.Itoa(pc.space)) {
					_, _ = p.play(ctx, s, snd, nil, "")
				}
			}
			p.hold(s, "")
			close(pc.ready)
			s.parkAndWait(ctx, pc, ch)
			return ivr.ErrHangup
		},
	}
}

// parkedCallApp is Asterisk's ParkedCall.
//
// # Syntax
//
//	ParkedCall([parking_lot_name[,parking_space]])
//
// Bridges the channel with the call parked in parking_space (or, with no
// space, with ${EXTEN} when it is one, else the call parked first). When
// the space holds no call the channel hears pbx-invalidpark and is hung
// up, as res_parking does. The bridge ends when either hangs up.
//
// # Example
//
//	[parkedcalls]
//	exten => _7[0-4]X,1,ParkedCall(default,${EXTEN})
func parkedCallApp() *ivr.App {
	return &ivr.App{
		Name:     "ParkedCall",
		Synopsis: "Take a parked call: ParkedCall([lot[,space]])",
		Exec: func(ctx context.Context, ch *ivr.Channel, args string) error {
			call, ok := ch.Call().(*sipCall)
			if !ok {
				return errors.New("ParkedCall: the channel is not a SIP call")
			}
			s := call.sw
			parts := ivr.SplitArgs(args)
			spec := strings.TrimSpace(arg(parts, 1))
			if spec == "" {
				spec = strings.TrimSpace(arg(parts, 0)) // ParkedCall(exten), Asterisk 1.8
			}
			space, err := strconv.Atoi(spec)
			if err != nil {
				space, _ = strconv.Atoi(ch.Exten)
			}
			pc := s.parking.take(space)
			if pc == nil {
				ch.Logger().Info("ParkedCall: no call parked there", "space", space)
				_ = call.Answer(ctx)
				_, _ = call.Play(ctx, "pbx-invalidpark", ch.Language(), "")
				return ivr.ErrHangup
			}
			q := pc.party
			select {
			case <-pc.ready: // its space announced, the parked call is on hold
			case <-q.done():
				return ivr.ErrHangup
			case <-ctx.Done():
				return ivr.ErrHangup
			}
			if err := call.answerWith(q.leg.Media().Audio().Codec()); err != nil {
				q.hangup(context.WithoutCancel(ctx))
				return err
			}
			ch.Logger().Info("ParkedCall: call taken", "space", pc.space, "parked", q.name)
			ch.SetVar("PARKEDLOT", "default")
			s.newBridgeSession("ParkedCall", ch, callerParty(ch, call, nil), q, 0).run(ctx)
			return ivr.ErrHangup
		},
	}
}
