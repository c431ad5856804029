package pbx

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/obelisk-pbx/obelisk/cdr"
	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/outbound"
	"github.com/obelisk-pbx/obelisk/sip"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

// cdrSequence numbers the switch's CDRs (the sequence column), one
// counter per process as Asterisk's global_cdr_sequence.
var cdrSequence cdr.Sequence

// callRecord is the CDRs of one channel that runs the dialplan (an inbound
// call, a call file's channel, a transferred party's): a cdr.Chain fed
// with the channel's events as Asterisk's CDR engine is fed by stasis.
// Its methods are safe on a nil *callRecord (CDRs off for that channel), so
// that the code that reports events needs no check:
//
//	call.cdr.dialBegin(leg, time.Now())   // a party is called (Dial, Queue member)
//	call.cdr.dialEnd(leg, "BUSY", time.Now())
//	call.cdr.bridged(leg)                  // bridged with that party
//	call.cdr.transferred(newLeg, time.Now()) // the bridge partner changed
//	call.cdr.unbridged(time.Now())         // the bridge ended, the channel goes on
type callRecord struct {
	s     *Switch
	chain *cdr.Chain

	mu sync.Mutex
	// dialing maps a called channel's name without its -xxxxxxxx suffix
	// to its full name, for bridges that name the party differently.
	dialing map[string]string
	// watched are the bridge partners' legs whose end is awaited.
	watched map[*b2bua.Leg]bool
}

// newCallCDR starts the CDRs of ch, created at start; dialed marks a
// channel the switch called (a transferred called party), whose records
// without a party B are not written.
func (s *Switch) newCallCDR(ch *ivr.Channel, start time.Time, dialed bool) *callRecord {
	return &callRecord{s: s, chain: cdr.NewChain(cdrParty(ch, dialed), s.cdrGeneral(), &cdrSequence, ch.Context, ch.Exten, start)}
}

// newCallRecord is newCallCDR for an inbound call.
func newCallRecord(ch *ivr.Channel, start time.Time, account string) *callRecord {
	call, _ := ch.Call().(*sipCall)
	if call == nil {
		return nil
	}
	if account != "" && ch.AccountCode == "" {
		ch.AccountCode = account
	}
	return call.sw.newCallCDR(ch, start, false)
}

func cdrParty(ch *ivr.Channel, dialed bool) cdr.Party {
	cid := ch.CallerID()
	p := cdr.Party{Channel: ch.Name, UniqueID: ch.UniqueID, LinkedID: ch.LinkedID, CallerNum: cid.Num, CallerName: cid.Name,
		AccountCode: ch.AccountCode, Dialed: dialed}
	if p.LinkedID == "" {
		p.LinkedID = p.UniqueID
	}
	if f, err := cdr.ParseAMAFlags(ch.Var("CHANNEL(amaflags)")); err == nil {
		p.AMAFlags = f
	}
	return p
}

// cdrGeneral is cdr.conf's [general] in force.
func (s *Switch) cdrGeneral() cdr.General {
	if c := s.Config(); c != nil && c.CDR != nil {
		return c.CDR.General
	}
	return cdr.DefaultGeneral
}

// app notes the application the channel runs (lastapp, lastdata, and the
// dst and dcontext of the open records), its caller ID and userfield as
// they are now, and the hangup when the h extension runs.
func (c *callRecord) app(ch *ivr.Channel, p *ivr.Priority, args string) {
	if c == nil {
		return
	}
	now := time.Now()
	c.refresh(ch, now)
	if ch.HungUp() {
		c.chain.Hangup(ch.HangupCause(), now)
	}
	name := p.App
	if a := c.s.reg.App(p.App); a != nil {
		name = a.Name
	}
	c.chain.App(name, args, ch.Context, ch.Exten, p.Number, now)
}

// refresh hands the records the channel's caller ID and account code
// when they changed.
func (c *callRecord) refresh(ch *ivr.Channel, at time.Time) {
	p := cdrParty(ch, c.chain.Party().Dialed)
	if p != c.chain.Party() {
		c.chain.SetParty(p, at)
	}
}

// answered notes the channel's answer.
func (c *callRecord) answered(at time.Time) {
	if c == nil {
		return
	}
	c.chain.Answer(at)
}

// dialBegin notes that the channel calls leg (the called channel's name,
// SIP/1001-0000000a).
func (c *callRecord) dialBegin(leg string, at time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if c.dialing == nil {
		c.dialing = map[string]string{}
	}
	c.dialing[channelBase(leg)] = leg
	c.mu.Unlock()
	c.chain.DialBegin(leg, "", at)
}

// dialEnd notes how calling leg ended (a DIALSTATUS: BUSY, NOANSWER,
// CANCEL, CONGESTION, CHANUNAVAIL; ANSWER is noted by bridged).
func (c *callRecord) dialEnd(leg, status string, at time.Time) {
	if c == nil {
		return
	}
	c.forget(leg)
	c.chain.DialEnd(leg, status, at)
}

// forget drops leg from the names being dialled.
func (c *callRecord) forget(leg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dialing[channelBase(leg)] == leg {
		delete(c.dialing, channelBase(leg))
	}
}

// bridged notes that the channel is bridged with peer, a called channel's
// name (SIP/1001-0000000a, or SIP/1001 for the leg dialled as such). When
// it was bridged with another party, that party's record ends and peer's
// begins (a transfer); bridged with peer already, nothing changes.
func (c *callRecord) bridged(peer string) {
	if c == nil {
		return
	}
	c.chain.Partner(c.dialedName(peer), "", time.Now())
}

// dialedName is the name peer was dialled under, when the bridge names
// the same party otherwise.
func (c *callRecord) dialedName(peer string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.dialing[channelBase(peer)]; ok {
		return n
	}
	return peer
}

// unbridged notes that the bridge ended at at (the party B left it, or
// the channel did) while the channel goes on.
func (c *callRecord) unbridged(at time.Time) {
	if c == nil {
		return
	}
	c.chain.BridgeLeave(at)
}

// transferred notes that the channel's bridge partner changed at at: a
// blind or attended transfer, a REFER. The record of the partner that
// left ends at at; a new record (same uniqueid and linkedid, the next
// sequence) begins with newPeer as its dstchannel, answered at once, as
// Asterisk opens a record when the bridge partners change. An empty
// newPeer ends the bridged record only: the channel was sent on in the
// dialplan, where its next application or dial opens the new record.
func (c *callRecord) transferred(newPeer string, at time.Time) {
	if c == nil {
		return
	}
	c.chain.Transfer(newPeer, "", at)
}

// peerGone notes that the called channel leg hung up or was released.
func (c *callRecord) peerGone(leg string, at time.Time) {
	if c == nil {
		return
	}
	c.forget(leg)
	c.chain.PeerGone(leg, at)
}

// finish ends the channel's records at end and returns those to write.
func (c *callRecord) finish(ch *ivr.Channel, end time.Time, cause int) []cdr.Record {
	if c == nil {
		return nil
	}
	c.refresh(ch, end)
	c.chain.Hangup(cause, end)
	return c.chain.Close(cause, end)
}

// channelBase is a channel name without its -xxxxxxxx suffix.
func channelBase(name string) string {
	if i := strings.LastIndexByte(name, '-'); i > strings.IndexByte(name, '/') {
		return name[:i]
	}
	return name
}

// writeCDR writes a channel's records: to Master.csv one a line, to
// cdr.json as one line for the call. A failure is an error of ours,
// logged with the call.
func (s *Switch) writeCDR(recs []cdr.Record) {
	if s.cdrs == nil || len(recs) == 0 {
		return
	}
	if err := cdr.WriteCall(s.cdrs, recs); err != nil {
		r := recs[0]
		s.log.Error("CDR not written", "uniqueid", r.UniqueID, "src", r.Src, "dst", r.Dst, "records", len(recs), "error", err)
	}
}

// cdrOf returns the CDRs of a channel's call, nil when it keeps none.
func cdrOf(ch *ivr.Channel) *callRecord {
	switch c := ch.Call().(type) {
	case *sipCall:
		return c.cdr
	case *calleeCall:
		return c.cdr
	case *originatedCall:
		if v, ok := originating.Load(ch); ok {
			return v.(*callRecord)
		}
	}
	return nil
}

// traceApp is the engine's Trace: the CDR's lastapp and lastdata.
func traceApp(ch *ivr.Channel, p *ivr.Priority, args string) {
	cdrOf(ch).app(ch, p, args)
}

// legNames are the channel names of the called legs, by leg: the name a
// leg was dialled under is the dstchannel of the records, and of the
// bridge the leg joins.
var legNames sync.Map // *b2bua.Outbound → string

// legName returns the channel name of an answered called leg
// (SIP/1001-0000000a): the one it was dialled under by cdrDial, else a new
// one.
func (s *Switch) legName(out *b2bua.Outbound) string {
	if v, ok := legNames.Load(out); ok {
		return v.(string)
	}
	name := s.newLegName(out.Endpoint())
	if v, loaded := legNames.LoadOrStore(out, name); loaded {
		return v.(string)
	}
	context.AfterFunc(out.Context(), func() { legNames.Delete(out) })
	return name
}

// channelName gives a party named without the -xxxxxxxx of a channel
// (SIP/1001, Local/200@phones) a channel's name: SIP/1001-0000000a,
// Local/200@phones-0000000a;1.
func (s *Switch) channelName(name string) string {
	if channelBase(strings.TrimSuffix(strings.TrimSuffix(name, ";1"), ";2")) != name {
		return name
	}
	if strings.HasPrefix(name, "Local/") {
		return fmt.Sprintf("%s-%08x;1", name, s.channels.Add(1))
	}
	return fmt.Sprintf("%s-%08x", name, s.channels.Add(1))
}

// newLegName names a new called channel as chan_sip does: SIP/peer-xxxxxxxx.
func (s *Switch) newLegName(ep *sip.Endpoint) string {
	peer := "unknown"
	if ep != nil {
		peer = ep.Name
	}
	return fmt.Sprintf("SIP/%s-%08x", peer, s.channels.Add(1))
}

// cdrDial calls a party for call's channel (a Dial target, a queue
// member) with placeCall and reports it to the channel's CDRs: the dial
// begins under the leg's channel name, a failure ends it with its
// DIALSTATUS, and an answered leg that goes away before it is bridged
// ends it as cancelled (a second member of a ringall round, as app_queue's
// hangupcalls reports CANCEL).
func (s *Switch) cdrDial(ctx context.Context, call *sipCall, t dialTarget, req b2bua.DialRequest, from localOrigin) (*b2bua.Outbound, error) {
	var c *callRecord
	if call != nil {
		c = call.cdr
	}
	name := s.targetChannelName(t)
	c.dialBegin(name, time.Now())
	var dialer *ivr.Channel
	if call != nil {
		dialer = call.ch
	}
	lc := s.dialBegin(dialer, name, t) // Newchannel, DialBegin (events.go)
	req.OnProgress = s.legProgress(lc, req.OnProgress)
	// A dial cancelled (another member answered, the ring timed out)
	// ends when it is cancelled, before the answered party is bridged,
	// as app_queue's hangupcalls publishes CANCEL before the bridge.
	stop := context.AfterFunc(ctx, func() { c.dialEnd(name, "CANCEL", time.Now()) })
	out, err := s.placeCall(ctx, t, req, from)
	stop()
	if err != nil {
		c.dialEnd(name, b2bua.DialStatus(err), time.Now())
		s.dialEnd(dialer, lc, b2bua.DialStatus(err))
		s.legFailed(lc, b2bua.DialStatus(err))
		return nil, err
	}
	s.legUp(lc, out) // Newstate Up (events.go)
	s.dialEnd(dialer, lc, "ANSWER")
	legNames.Store(out, name)
	context.AfterFunc(out.Context(), func() {
		legNames.Delete(out)
		c.peerGone(name, time.Now())
	})
	return out, nil
}

// targetChannelName names the channel calling t: SIP/peer-xxxxxxxx, or
// Local/exten@context-xxxxxxxx;1.
func (s *Switch) targetChannelName(t dialTarget) string {
	if t.local != nil {
		return fmt.Sprintf("Local/%s@%s-%08x;1", t.local.exten, t.local.context, s.channels.Add(1))
	}
	return s.newLegName(t.ep)
}

// originating are the CDRs of call files' channels, by channel.
var originating sync.Map // *ivr.Channel → *callRecord

// originateDial dials a call file's channel ch (pbx_spool's outgoing
// call, placeCall) and keeps its CDRs: the originated channel is its own
// party A, dialled from nobody, its lastapp AppDial2 until it runs the
// dialplan; an unanswered attempt is written now (with cdr.conf's
// unanswered=yes only, as it has no party B); an answered one is written
// by finishOriginated. A call file's Application is the records' lastapp
// from the answer.
func (s *Switch) originateDial(ctx context.Context, ch *ivr.Channel, cf *outbound.CallFile, t dialTarget, req b2bua.DialRequest, from localOrigin) (*b2bua.Outbound, error) {
	if ch.LinkedID == "" {
		ch.LinkedID = ch.UniqueID
	}
	now := time.Now()
	c := s.newCallCDR(ch, now, false)
	c.chain.Originated(now)
	out, err := s.placeCall(ctx, t, req, from)
	if err != nil {
		st := b2bua.DialStatus(err)
		if st == "CANCEL" && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			st = "NOANSWER" // WaitTime ran out
		}
		c.chain.DialEnd("", st, time.Now())
		s.writeCDR(c.chain.Close(0, time.Now()))
		return nil, err
	}
	now = time.Now()
	c.chain.Answer(now)
	c.chain.DialEnd("", "ANSWER", now)
	if cf.Application != "" {
		c.chain.App(cf.Application, ch.Expand(cf.Data), ch.Context, ch.Exten, ch.Priority, now)
	}
	originating.Store(ch, c)
	return out, nil
}

// finishOriginated writes the CDRs of a call file's channel once it is
// done.
func (s *Switch) finishOriginated(ch *ivr.Channel) {
	if v, ok := originating.LoadAndDelete(ch); ok {
		s.writeCDR(v.(*callRecord).finish(ch, time.Now(), ch.HangupCause()))
	}
}

// cdrReadOnly are the fields CDR() cannot set (func_cdr's
// cdr_readonly_vars); accountcode and amaflags are set with CHANNEL().
var cdrReadOnly = map[string]bool{"clid": true, "src": true, "dst": true, "dcontext": true, "channel": true, "dstchannel": true,
	"lastapp": true, "lastdata": true, "start": true, "answer": true, "end": true, "duration": true, "billsec": true,
	"disposition": true, "amaflags": true, "accountcode": true, "uniqueid": true, "linkedid": true, "sequence": true,
	"peeraccount": true}

// cdrFunction is Asterisk's CDR() (func_cdr.c) on the channel's current
// record.
//
// # Syntax
//
//	${CDR(field[,options])}
//	Set(CDR(userfield)=value)
//
// Fields: clid, src, dst, dcontext, channel, dstchannel, lastapp,
// lastdata, start, answer, end, duration, billsec, disposition, amaflags,
// accountcode, uniqueid, linkedid, peeraccount, userfield, sequence.
// Times read as "%Y-%m-%d %T" ("" when unset), or seconds.microseconds with
// option u, which also gives disposition and amaflags as numbers; option f
// gives duration and billsec with their fractions. Only userfield is
// written to the records; the read-only fields are an error; other names
// are CDR variables, which Master.csv does not show.
func cdrFunction() *ivr.Function {
	return &ivr.Function{
		Name:     "CDR",
		Synopsis: "Read a field of the channel's current CDR, or set CDR(userfield)",
		Read: func(ch *ivr.Channel, args string) (string, error) {
			c := cdrOf(ch)
			field, opts, _ := strings.Cut(args, ",")
			field = strings.ToLower(strings.TrimSpace(field))
			if c == nil {
				return "", nil
			}
			now := time.Now()
			r := c.chain.Current(now)
			raw, frac := strings.Contains(opts, "u"), strings.Contains(opts, "f")
			when := func(t time.Time) string {
				switch {
				case t.IsZero() && raw:
					return "0.000000"
				case t.IsZero():
					return ""
				case raw:
					return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000)
				}
				return t.Local().Format(cdr.TimeFormat)
			}
			secs := func(d time.Duration, from time.Time) string {
				if frac {
					if from.IsZero() {
						return "0.000000"
					}
					return fmt.Sprintf("%.6f", now.Sub(from).Seconds())
				}
				return fmt.Sprint(int64(d / time.Second))
			}
			switch field {
			case "clid":
				return r.CLID, nil
			case "src":
				return r.Src, nil
			case "dst":
				return r.Dst, nil
			case "dcontext":
				return r.DContext, nil
			case "channel":
				return r.Channel, nil
			case "dstchannel":
				return r.DstChannel, nil
			case "lastapp":
				return r.LastApp, nil
			case "lastdata":
				return r.LastData, nil
			case "start":
				return when(r.Start), nil
			case "answer":
				return when(r.Answer), nil
			case "end":
				return when(r.End), nil
			case "duration":
				return secs(r.Duration, r.Start), nil
			case "billsec":
				return secs(r.BillSec, r.Answer), nil
			case "disposition":
				if raw {
					return fmt.Sprint(int(r.Disposition)), nil
				}
				return r.Disposition.String(), nil
			case "amaflags":
				if raw {
					return fmt.Sprint(int(r.AMAFlags)), nil
				}
				return r.AMAFlags.String(), nil
			case "accountcode":
				return r.AccountCode, nil
			case "uniqueid":
				return r.UniqueID, nil
			case "linkedid":
				return r.LinkedID, nil
			case "peeraccount":
				return r.PeerAccount, nil
			case "userfield":
				return r.UserField, nil
			case "sequence":
				return fmt.Sprint(r.Sequence), nil
			}
			v, _ := ch.LookupVar("CDR(" + field + ")")
			return v, nil
		},
		Write: func(ch *ivr.Channel, args, value string) error {
			field, _, _ := strings.Cut(args, ",")
			field = strings.ToLower(strings.TrimSpace(field))
			switch {
			case field == "userfield":
				if c := cdrOf(ch); c != nil {
					c.chain.SetUserField(value)
				}
				return nil
			case cdrReadOnly[field]:
				return fmt.Errorf("attempt to set the %q read-only CDR variable", field)
			}
			ch.SetVar("CDR("+field+")", value)
			return nil
		},
	}
}

// cdrBridged tells the CDRs of the dialplan channels in the session who
// their bridge partner is now (bridgeSession.connect calls it each time
// the media flows between the two parties): Asterisk's bridge enter, and
// the new record of a transfer when the partner changed. A partner that
// hangs up ends its record then.
func (bs *bridgeSession) cdrBridged() {
	if bs.a == nil || bs.b == nil {
		return
	}
	for _, pair := range [2][2]*bridgeParty{{bs.a, bs.b}, {bs.b, bs.a}} {
		if p := pair[0]; p.call != nil {
			p.call.cdr.bridgedParty(pair[1])
		}
	}
}

// bridgedParty is bridged for a bridge party: a called leg goes by the
// name it was dialled under (cdrDial), else by the party's name.
func (c *callRecord) bridgedParty(peer *bridgeParty) {
	if c == nil || peer == nil {
		return
	}
	name := peer.name
	if peer.out != nil {
		if v, ok := legNames.Load(peer.out); ok {
			name = v.(string)
		} else {
			name = c.s.channelName(name)
			if v, loaded := legNames.LoadOrStore(peer.out, name); loaded {
				name = v.(string)
			} else {
				out := peer.out
				context.AfterFunc(out.Context(), func() { legNames.Delete(out) })
			}
		}
	}
	name = c.dialedName(name)
	c.chain.Partner(name, "", time.Now())
	c.mu.Lock()
	if c.watched == nil {
		c.watched = map[*b2bua.Leg]bool{}
	}
	first := !c.watched[peer.leg]
	c.watched[peer.leg] = true
	c.mu.Unlock()
	if first {
		leg := peer.leg
		context.AfterFunc(leg.Context(), func() {
			c.peerGone(name, time.Now())
			c.mu.Lock()
			delete(c.watched, leg)
			c.mu.Unlock()
		})
	}
}

// cdr is the CDRs of the party's dialplan channel, nil for a called leg.
func (p *bridgeParty) cdr() *callRecord {
	if p == nil || p.call == nil {
		return nil
	}
	return p.call.cdr
}

// cdrLeft ends the record of the party's dialplan channel with its bridge
// partner: the partner left the bridge (an attended transfer's transferer
// going to call the target), and the party waits alone.
func (p *bridgeParty) cdrLeft() { p.cdr().unbridged(time.Now()) }
