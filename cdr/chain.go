package cdr

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Party is the channel a Chain records, Asterisk's Party A: the channel
// whose name, caller ID and account code the records carry.
type Party struct {
	// Channel is the channel's name ("SIP/pstn-00000001").
	Channel string
	// UniqueID and LinkedID are the channel's and its call's IDs.
	UniqueID string
	LinkedID string
	// CallerNum and CallerName are its caller ID (src, clid).
	CallerNum  string
	CallerName string
	// AccountCode is its account code; AMAFlags its AMA flags (zero:
	// DefaultAMAFlags).
	AccountCode string
	AMAFlags    AMAFlags
	// Dialed marks a channel that was created by dialling it (a Dial's
	// called party, a queue member) and not originated: its records that
	// never got a party B are dropped, as cdr.c does with
	// snapshot_is_dialed.
	Dialed bool
}

// CLID is the caller ID as ast_callerid_merge writes it: `"Name" <num>`,
// or the number alone when there is no name.
func (p Party) CLID() string {
	switch {
	case p.CallerName == "":
		return p.CallerNum
	case p.CallerNum == "":
		return p.CallerName
	}
	return `"` + p.CallerName + `" <` + p.CallerNum + `>`
}

// Sequence numbers the records of a switch (the sequence column), as
// cdr.c's global_cdr_sequence: each record a chain opens takes the next.
type Sequence struct{ n atomic.Int64 }

// Next returns the next sequence number, from 0.
func (s *Sequence) Next() int { return int(s.n.Add(1) - 1) }

// state is a record's state in cdr.c's machine.
type state int

const (
	stateSingle        state = iota // no party B yet
	stateDial                       // dialling party B
	stateDialedPending              // party B answered, not bridged yet
	stateBridge                     // bridged with party B
	stateFinalized                  // ended
)

// entry is one record of a chain (struct cdr_object).
type entry struct {
	state       state
	party       Party // party A as of the last update the record took
	peer        string
	peerAccount string
	app, data   string
	context     string
	exten       string
	lockApp     bool
	start       time.Time
	answer      time.Time
	end         time.Time
	disposition Disposition
	userField   string
	sequence    int
}

// Chain builds the CDRs of one channel as Asterisk 12+'s CDR engine
// (main/cdr.c) does from the channel's events: a record begins with the
// channel; dialling a party gives it its party B (dstchannel), and each
// further party dialled while one is being dialled opens a record of its
// own; an answered party's record follows the bridge until either party
// leaves it; when the bridge partner changes (a transfer) a new record
// begins; an application run after a record ended opens a new one. Every
// record of the chain has the channel's uniqueid and linkedid, and a
// sequence number of its own.
//
// Times are the events' own: a record starts when it is opened and is
// answered at once when the channel is already up, so that a record
// opened by a second dial, a transfer or an application after a bridge
// bills from its own start, as in Asterisk.
//
// A Chain is safe for use by several goroutines.
type Chain struct {
	mu     sync.Mutex
	cfg    General
	seq    *Sequence
	party  Party
	up     bool // the channel is answered (AST_STATE_UP)
	hungUp bool // the channel hung up (its h extension may run)
	cause  int  // its hangup cause
	// The channel's last dialplan position and application.
	app, data, context, exten string
	priority                  int
	userField                 string
	recs                      []*entry
	closed                    bool
}

// NewChain starts the CDRs of a channel created at start, positioned at
// context,exten (the dialplan location it was created for). seq numbers
// the records; a nil seq numbers them from 0 for this chain alone.
func NewChain(p Party, cfg General, seq *Sequence, context, exten string, start time.Time) *Chain {
	if seq == nil {
		seq = &Sequence{}
	}
	if p.AMAFlags == AMAUnknown {
		p.AMAFlags = DefaultAMAFlags
	}
	c := &Chain{cfg: cfg, seq: seq, party: p, context: context, exten: exten}
	c.appendLocked(start)
	return c
}

// Party returns the channel the chain records.
func (c *Chain) Party() Party {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.party
}

// SetParty updates the channel's caller ID, account code or linkedid: the
// records still open take it, as they take each new channel snapshot.
func (c *Chain) SetParty(p Party, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p.AMAFlags == AMAUnknown {
		p.AMAFlags = DefaultAMAFlags
	}
	c.party = p
	c.updateLocked(at)
}

func (c *Chain) last() *entry { return c.recs[len(c.recs)-1] }

// appendLocked opens a record (cdr_object_create_and_append): it carries
// on the last one's application and position and starts now, answered at
// once when the channel is up.
func (c *Chain) appendLocked(at time.Time) *entry {
	e := &entry{state: stateSingle, party: c.party, context: c.context, exten: c.exten,
		start: at, sequence: c.seq.Next(), userField: c.userField}
	if len(c.recs) > 0 {
		l := c.last()
		e.app, e.data, e.context, e.exten = l.app, l.data, l.context, l.exten
	}
	if c.up {
		e.answer = at
	}
	c.recs = append(c.recs, e)
	return e
}

// partyALocked is base_process_party_a: an open record takes the
// channel's current state.
func (c *Chain) partyALocked(e *entry, at time.Time) {
	if c.hungUp && c.cfg.EndBeforeHExten {
		c.finalizeLocked(e, at)
		return
	}
	e.party = c.party
	e.context, e.exten = c.context, c.exten
	if !e.lockApp && c.app != "" && (!strings.HasPrefix(strings.ToLower(c.app), "appdial") || e.app == "") {
		e.app, e.data = c.app, c.data
		if c.app == "Dial" {
			e.lockApp = true
		}
	}
	if c.up && e.answer.IsZero() {
		e.answer = at
	}
}

// updateLocked hands a new channel snapshot to the open records.
func (c *Chain) updateLocked(at time.Time) {
	for _, e := range c.recs {
		if e.state != stateFinalized {
			c.partyALocked(e, at)
		}
	}
}

// finalizeLocked is cdr_object_finalize: the record ends at at, with a
// disposition from its answer or the hangup cause unless one was set.
func (c *Chain) finalizeLocked(e *entry, at time.Time) {
	if e.state == stateFinalized && !e.end.IsZero() {
		return
	}
	e.state = stateFinalized
	if !e.end.IsZero() {
		return
	}
	e.end = at
	if e.disposition == DispositionNull {
		switch {
		case !e.answer.IsZero():
			e.disposition = DispositionAnswered
		case c.cause != 0:
			e.disposition = DispositionFromCause(c.cause, c.cfg.Congestion)
		default:
			e.disposition = DispositionFailed
		}
	}
}

// App notes that the channel runs app(data) at context,exten,priority.
// The open records take the position and, unless a dial locked it, the
// application (lastapp, lastdata); when every record has ended and the
// application and position changed, a new record opens. While the h
// extension runs (after Hangup) nothing changes with EndBeforeHExten.
func (c *Chain) App(app, data, context, exten string, priority int, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || (c.hungUp && c.cfg.EndBeforeHExten) {
		return
	}
	changed := app != c.app && !strings.HasPrefix(strings.ToLower(app), "appdial") &&
		(context != c.context || exten != c.exten || priority != c.priority)
	c.app, c.data, c.context, c.exten, c.priority = app, data, context, exten, priority
	allReject := true
	for _, e := range c.recs {
		switch e.state {
		case stateFinalized:
			continue
		case stateDialedPending:
			// dialed_pending_state_process_party_a: the dialplan goes on
			// without a bridge.
			if changed {
				if e.peer != "" {
					c.finalizeLocked(e, at)
					continue
				}
				// single_state_init_function: the record starts
				// anew; its answer stays.
				e.state, e.start = stateSingle, at
			}
		}
		c.partyALocked(e, at)
		allReject = false
	}
	if allReject && changed && app != "" {
		c.partyALocked(c.appendLocked(at), at)
	}
}

// Answer notes that the channel was answered: the open records are
// answered now.
func (c *Chain) Answer(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.up = true
	c.updateLocked(at)
}

// DialBegin notes that the channel starts dialling peer, the called
// channel's name (peerAccount its account code). The record with no party
// B takes it and its application is locked; when the channel is already
// dialling, a record of its own opens for peer.
func (c *Chain) DialBegin(peer, peerAccount string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	handled := false
	for _, e := range c.recs {
		switch e.state {
		case stateSingle:
			c.partyALocked(e, at)
			e.peer, e.peerAccount, e.lockApp, e.state = peer, peerAccount, true, stateDial
			handled = true
		case stateDialedPending:
			c.finalizeLocked(e, at)
		}
	}
	if !handled {
		e := c.appendLocked(at)
		c.partyALocked(e, at)
		e.peer, e.peerAccount, e.lockApp, e.state = peer, peerAccount, true, stateDial
	}
}

// DialEnd notes how dialling peer ended with a DIALSTATUS (ANSWER, BUSY,
// NOANSWER, CANCEL, CONGESTION, CHANUNAVAIL …): the record dialling peer
// takes the disposition, and ends unless peer answered. An empty peer is
// the chain's own channel being dialled (a call file's).
func (c *Chain) DialEnd(peer, status string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.recs {
		if e.state != stateDial || e.peer != peer {
			continue
		}
		e.disposition = DispositionFromDialStatus(status, c.cfg.Congestion)
		if e.disposition == DispositionAnswered {
			e.state = stateDialedPending
		} else {
			c.finalizeLocked(e, at)
		}
		return
	}
}

// Originated notes that the chain's channel is a call file's (or
// Originate's) being dialled: its record waits in the dial state, its
// application AppDial2 "(Outgoing Line)" until the dialplan runs.
func (c *Chain) Originated(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.app, c.data = "AppDial2", "(Outgoing Line)"
	for _, e := range c.recs {
		if e.state == stateSingle {
			c.partyALocked(e, at)
			e.state = stateDial
		}
	}
}

// BridgeEnter notes that the channel is bridged with peer. The record
// that dialled peer follows the bridge; a record without party B takes
// peer; otherwise (the bridge partner changed: a transfer) a new record
// opens with peer as its party B, answered at once.
func (c *Chain) BridgeEnter(peer, peerAccount string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.updateLocked(at)
	for _, e := range c.recs {
		switch e.state {
		case stateBridge:
			if e.peer == peer {
				return // bridged with peer already
			}
		case stateDial, stateDialedPending:
			if e.peer == peer {
				e.state = stateBridge
				return
			}
		case stateSingle:
			e.peer, e.peerAccount, e.state = peer, peerAccount, stateBridge
			return
		}
	}
	e := c.appendLocked(at)
	c.partyALocked(e, at)
	e.peer, e.peerAccount, e.state = peer, peerAccount, stateBridge
}

// Partner notes that the channel's two-party bridge now holds peer: as
// BridgeEnter when the channel was bridged with nobody else; when it was
// bridged with another party, that party left (its record ends now) and
// peer's record begins, as a transfer. Bridged with peer already, nothing
// changes.
func (c *Chain) Partner(peer, peerAccount string, at time.Time) {
	c.mu.Lock()
	other := false
	for _, e := range c.recs {
		if e.state == stateBridge {
			if e.peer == peer {
				c.mu.Unlock()
				return
			}
			other = true
		}
	}
	c.mu.Unlock()
	if other {
		c.BridgeLeave(at)
	}
	c.BridgeEnter(peer, peerAccount, at)
}

// BridgeLeave notes that the channel or its party B left the bridge: the
// bridged record ends.
func (c *Chain) BridgeLeave(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.recs {
		if e.state == stateBridge {
			c.finalizeLocked(e, at)
		}
	}
}

// PeerGone notes that the channel peer hung up or was released: a record
// still dialling it ends as a cancelled dial (NO ANSWER), as app_queue
// and app_dial report the parties they hang up; a record bridged with it
// or waiting for its bridge ends.
func (c *Chain) PeerGone(peer string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.recs {
		if e.peer != peer {
			continue
		}
		switch e.state {
		case stateDial:
			e.disposition = DispositionNoAnswer
			c.finalizeLocked(e, at)
		case stateDialedPending, stateBridge:
			c.finalizeLocked(e, at)
		}
	}
}

// Transfer notes that the bridge partner changed to peer at at (a blind or
// attended transfer): the bridged record ends and a new one opens with
// peer as party B. An empty peer only ends the bridged record: the
// channel goes on in the dialplan (a blind transfer sent it to an
// extension), where its next application opens the new record.
func (c *Chain) Transfer(peer, peerAccount string, at time.Time) {
	c.BridgeLeave(at)
	if peer != "" {
		c.BridgeEnter(peer, peerAccount, at)
	}
}

// SetUserField sets CDR(userfield) on the open records.
func (c *Chain) SetUserField(v string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.userField = v
	for _, e := range c.recs {
		if e.state != stateFinalized {
			e.userField = v
		}
	}
}

// Hangup notes that the channel hung up with cause. With EndBeforeHExten
// the records end now, before the h extension runs.
func (c *Chain) Hangup(cause int, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hungUp {
		return
	}
	c.hungUp, c.cause = true, cause
	if c.cfg.EndBeforeHExten {
		for _, e := range c.recs {
			c.finalizeLocked(e, at)
		}
	}
}

// Close ends the chain when the channel is gone and returns the records
// to write, in order, as cdr.c dispatches them: a dialled channel's
// records without a party B are dropped; unless Unanswered, so are the
// unanswered ones without a party B; nothing with Enable off. Close
// returns nil the second time.
func (c *Chain) Close(cause int, at time.Time) []Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if !c.hungUp {
		c.hungUp, c.cause = true, cause
	}
	if c.cause == 0 {
		c.cause = cause
	}
	var out []Record
	for _, e := range c.recs {
		c.finalizeLocked(e, at)
		if !c.cfg.Enable {
			continue
		}
		if e.party.Dialed && e.peer == "" {
			continue
		}
		if !c.cfg.Unanswered && e.disposition < DispositionAnswered && e.peer == "" {
			continue
		}
		out = append(out, c.recordLocked(e))
	}
	return out
}

// Current returns the chain's last record as it stands at at (an open
// record ends at at for its durations), what ${CDR(field)} reads.
func (c *Chain) Current(at time.Time) Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := *c.last()
	if e.end.IsZero() {
		e.end = at
	}
	return c.recordLocked(&e)
}

// recordLocked is cdr_object_create_public_records for one record.
func (c *Chain) recordLocked(e *entry) Record {
	r := Record{
		AccountCode: e.party.AccountCode, Src: e.party.CallerNum, Dst: e.exten, DContext: e.context,
		CLID: e.party.CLID(), Channel: e.party.Channel, DstChannel: e.peer, LastApp: e.app, LastData: e.data,
		Start: e.start, Answer: e.answer, End: e.end, Disposition: e.disposition, AMAFlags: e.party.AMAFlags,
		UniqueID: e.party.UniqueID, UserField: e.userField, LinkedID: e.party.LinkedID,
		PeerAccount: e.peerAccount, Sequence: e.sequence,
	}
	r.SetDurations()
	if c.cfg.InitiatedSeconds && !r.Answer.IsZero() && r.End.Sub(r.Answer).Milliseconds()%1000 >= 500 {
		r.BillSec += time.Second
	}
	return r
}
