package pbx

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// errInvalidPriority is a Redirect of a called leg to a priority other
// than 1.
var errInvalidPriority = errors.New("invalid priority")

// dialplanPlace is where a redirected channel goes on.
type dialplanPlace struct {
	context, exten string
	priority       int
}

// redirectBridged moves a party of a two-party bridge out of it, as
// Asterisk's Redirect of a bridged channel does (ast_async_goto: the
// channel leaves the bridge for context,exten,priority). The other
// party goes to otherTo when given (the dual Redirect's ExtraChannel,
// both leaving the bridge for their own places), else it is hung up, as
// a basic bridge left with one channel ends it. The session's dialplan
// channel goes on in its own dialplan (Dial or Queue returns); a called
// leg gets a dialplan channel of its own, which starts at priority 1
// only (errInvalidPriority otherwise). A place that does not exist
// wraps errNoExtension.
func (bs *bridgeSession) redirectBridged(ctx context.Context, p *bridgeParty, to dialplanPlace, otherTo *dialplanPlace) error {
	q := bs.other(p)
	if q == nil {
		return errNotBridged
	}
	moves := []struct {
		party *bridgeParty
		to    *dialplanPlace
		peer  string
	}{{p, &to, q.name}, {q, otherTo, p.name}}
	for _, m := range moves {
		if m.to == nil {
			continue
		}
		if m.party.call != bs.origin && m.to.priority != 1 {
			return fmt.Errorf("redirect %s: a called leg starts at priority 1: %w", m.party.name, errInvalidPriority)
		}
		if !bs.sw.extenExists(m.to.context, m.to.exten, m.to.priority) {
			return fmt.Errorf("redirect %s to %s,%s,%d: %w", m.party.name, m.to.context, m.to.exten, m.to.priority, errNoExtension)
		}
	}
	bs.disconnect()
	p.unhold()
	q.unhold()
	res := bridgeResult{end: bridgeCallerLeft, talk: time.Since(bs.start)}
	var hangup []*bridgeParty
	for _, m := range moves {
		switch {
		case m.to == nil:
			hangup = append(hangup, m.party)
		case m.party.call == bs.origin:
			// As blindTransfer: the record with the other party ends
			// before the dialplan's next application runs.
			m.party.cdrLeft()
			bs.ch.Goto(m.to.context, m.to.exten, m.to.priority)
			res.end = bridgeCallerTransferred
			bs.ch.Logger().Info("redirect: the caller leaves the bridge", "to", fmt.Sprintf("%s,%s,%d", m.to.context, m.to.exten, m.to.priority))
		default:
			bs.removeParty(m.party)
			bs.sw.transferToChannel(bs.ch, m.party, m.peer, m.to.context, m.to.exten)
		}
	}
	for _, x := range hangup {
		x.hangup(ctx)
	}
	bs.result = &res
	return nil
}
