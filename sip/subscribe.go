package sip

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
)

// Event packages and bodies the notifier knows.
const (
	// EventMessageSummary is RFC 3842's event package: message waiting
	// indication.
	EventMessageSummary = "message-summary"
	// MessageSummaryContentType is the body type of its NOTIFYs (RFC 3842 §3.5).
	MessageSummaryContentType = "application/simple-message-summary"
)

// Subscription lifetimes, in chan_sip's terms.
const (
	// DefaultSubExpiry is granted to a SUBSCRIBE without Expires: RFC 3842
	// §3.4 makes one hour the package's default.
	DefaultSubExpiry = 3600 * time.Second
	// DefaultSubMinExpiry is chan_sip's subminexpiry: a shorter Expires
	// (but 0) gets 423 Interval Too Brief with Min-Expires.
	DefaultSubMinExpiry = 60 * time.Second
	// DefaultSubMaxExpiry is chan_sip's submaxexpiry: a longer Expires is
	// cut down to it.
	DefaultSubMaxExpiry = 3600 * time.Second
)

// maxSubscriptionsPerEndpoint bounds what one authenticated endpoint can
// make the switch keep; past it the oldest subscription makes room.
const maxSubscriptionsPerEndpoint = 10

// notifyTimeout bounds one NOTIFY transaction (64*T1, RFC 3261 §17.1.2.2).
const notifyTimeout = 32 * time.Second

// NotifySender sends a request and returns its final response; a
// *sipgo.Client's Do in production, a fake in tests.
type NotifySender func(ctx context.Context, req *sipgosip.Request) (*sipgosip.Response, error)

// SubscriptionOptions configure Subscriptions.
type SubscriptionOptions struct {
	// Config gives the endpoints; it is read on every request so reloads
	// take effect at once.
	Config func() *Config
	// Auth checks digest credentials: the same authenticator (nonces,
	// algorithms) as the registrar's.
	Auth *DigestAuth
	// Bans blocks addresses after repeated authentication failures, shared
	// with the registrar; nil disables blocking.
	Bans *AuthBans
	// Store keeps the subscriptions across restarts.
	Store SubscriptionStore
	// Summary returns the message-summary body (RFC 3842 §3.5) of an
	// endpoint's mailbox= boxes, as they are now.
	Summary func(ep *Endpoint) ([]byte, error)
	// Server is the SIP server NOTIFYs leave from (its UDP socket; its
	// address, or externaddr, in Contact). Unused when Send is set.
	Server *Server
	// Send replaces sending through Server, for tests; Contact is then our
	// Contact URI.
	Send    NotifySender
	Contact string
	// MinExpiry, MaxExpiry and DefaultExpiry bound subscriptions; zero
	// values take DefaultSubMinExpiry, DefaultSubMaxExpiry and
	// DefaultSubExpiry.
	MinExpiry, MaxExpiry, DefaultExpiry time.Duration
	Logger                              *slog.Logger
}

// Subscriptions is the notifier side of RFC 6665 for the message-summary
// package (RFC 3842), as chan_sip's handle_request_subscribe and
// res_pjsip_mwi serve phones:
//
//   - a SUBSCRIBE is authenticated by digest like a REGISTER (the same
//     nonces and bans; an unknown user and a wrong password get the same
//     401 and the same 403); the endpoint is the From user, and the
//     subscription reports that endpoint's own mailbox= boxes, whatever
//     the Request-URI names (chan_sip's behaviour); no mailbox is 404;
//   - another event package is 489 Bad Event with Allow-Events (no
//     dialplan hints exist to serve presence or dialog);
//   - the 200 OK carries our To-tag, Contact and the Expires granted
//     (subminexpiry..submaxexpiry, 3600 s when none is asked); a NOTIFY
//     with the current counts and Subscription-State active;expires=N
//     follows at once in the new dialog, and again on every change of the
//     endpoint's mailboxes (Changed) and on every refresh;
//   - an in-dialog SUBSCRIBE refreshes (authenticated again, as Asterisk
//     challenges every SUBSCRIBE); Expires: 0 ends the subscription with
//     a NOTIFY terminated;reason=timeout, and so does expiry without
//     refresh; an in-dialog SUBSCRIBE of an unknown dialog gets 481;
//   - a 481 or 408 answer to a NOTIFY, or none (transaction timeout),
//     ends the subscription silently (RFC 6665 §4.2.2);
//   - subscriptions are written through to a store, and Run sends each
//     restored one a NOTIFY, so a restart keeps notifying phones until
//     their subscriptions expire.
//
// A new subscription from the contact (or source address) of an older
// one of the same endpoint replaces it, as chan_sip keeps one MWI
// subscription per peer: a phone that rebooted is not notified twice.
type Subscriptions struct {
	o      SubscriptionOptions
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	initOnce sync.Once
	send     NotifySender
	contact  string
	initErr  error

	wg sync.WaitGroup

	mu     sync.Mutex
	subs   map[string]*subscription
	closed bool
}

// subscription is a Subscription with its timer and NOTIFY state, guarded
// by Subscriptions.mu.
type subscription struct {
	Subscription
	timer *time.Timer
	// busy is set while a NOTIFY of the subscription is on its way; again
	// asks for one more with the state as it is then.
	busy, again bool
	// final is the reason of the terminated NOTIFY still to send; the
	// subscription is out of the table already.
	final string
	gone  bool
}

// NewSubscriptions loads the stored subscriptions (dropping the expired
// ones) and arms their expiry timers.
func NewSubscriptions(o SubscriptionOptions) (*Subscriptions, error) {
	if o.Config == nil || o.Auth == nil || o.Store == nil || o.Summary == nil {
		return nil, errors.New("subscriptions: config, auth, store and summary are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.MinExpiry = cmp.Or(o.MinExpiry, DefaultSubMinExpiry)
	o.MaxExpiry = cmp.Or(o.MaxExpiry, DefaultSubMaxExpiry)
	o.DefaultExpiry = cmp.Or(o.DefaultExpiry, DefaultSubExpiry)
	s := &Subscriptions{o: o, log: o.Logger.With("component", "subscriptions"), subs: map[string]*subscription{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	stored, err := o.Store.LoadAll()
	if err != nil {
		return nil, fmt.Errorf("load subscriptions: %w", err)
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sub := range stored {
		if !sub.Expires.After(now) {
			if err := o.Store.Delete(sub.ID); err != nil {
				return nil, fmt.Errorf("drop expired subscription: %w", err)
			}
			continue
		}
		st := &subscription{Subscription: sub}
		s.subs[sub.ID] = st
		s.armLocked(st)
	}
	return s, nil
}

// Run sends every restored subscription a NOTIFY of the current state,
// then keeps the subscriptions until ctx ends; it returns after the
// NOTIFYs under way have finished.
func (s *Subscriptions) Run(ctx context.Context) error {
	s.mu.Lock()
	restored := make([]*subscription, 0, len(s.subs))
	for _, sub := range s.subs {
		restored = append(restored, sub)
	}
	s.mu.Unlock()
	if len(restored) > 0 {
		s.log.Info("subscriptions restored", "subscriptions", len(restored))
	}
	for _, sub := range restored {
		s.kick(sub)
	}
	<-ctx.Done()
	return s.Close()
}

// Close stops the expiry timers and waits for the NOTIFYs under way. It is
// idempotent.
func (s *Subscriptions) Close() error {
	s.mu.Lock()
	s.closed = true
	for _, sub := range s.subs {
		if sub.timer != nil {
			sub.timer.Stop()
		}
	}
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	return nil
}

// Active returns the live subscriptions, oldest first.
func (s *Subscriptions) Active() []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Subscription, 0, len(s.subs))
	for _, sub := range s.subs {
		c := sub.Subscription
		c.Routes = append([]string(nil), sub.Routes...)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Subscription) int { return a.Created.Compare(b.Created) })
	return out
}

// Changed tells the subscriptions of an endpoint that its mailboxes
// changed: each gets a NOTIFY with the new counts.
func (s *Subscriptions) Changed(endpoint string) {
	s.mu.Lock()
	var subs []*subscription
	for _, sub := range s.subs {
		if sub.Endpoint == endpoint {
			subs = append(subs, sub)
		}
	}
	s.mu.Unlock()
	for _, sub := range subs {
		s.kick(sub)
	}
}

// Covers reports whether a registered contact of endpoint is subscribed:
// a live subscription of the endpoint has the binding's contact as its
// target or came from the binding's source. Such a phone gets MWI in its
// subscription only, as chan_sip sends no unsolicited NOTIFY to a peer
// with an MWI subscription.
func (s *Subscriptions) Covers(endpoint string, b Binding) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sub := range s.subs {
		if sub.Endpoint == endpoint && samePhone(&sub.Subscription, b.Contact, b.Source) {
			return true
		}
	}
	return false
}

func samePhone(sub *Subscription, contact, source string) bool {
	return sameContact(sub.Target, contact) || (source != "" && sub.Source == source)
}

// Handle is the SUBSCRIBE handler for Server.Handle.
func (s *Subscriptions) Handle(req *sipgosip.Request, tx sipgosip.ServerTransaction) error {
	src, _ := netip.ParseAddrPort(req.Source())
	if s.o.Bans != nil && s.o.Bans.Banned(src.Addr()) {
		s.log.Debug("ignoring SUBSCRIBE from a blocked address", "source", req.Source())
		return nil // no answer: a blocked scanner learns nothing
	}
	event, eventID := eventOf(req)
	if _, inDialog := req.To().Params.Get("tag"); inDialog {
		return s.refresh(req, tx, src, event, eventID)
	}
	if event == "" {
		return s.badEvent(req, tx) // chan_sip answers a missing Event before authenticating
	}
	ep, ok, err := s.authenticate(req, tx, src)
	if !ok {
		return err
	}
	if event != EventMessageSummary {
		s.log.Debug("SUBSCRIBE for an unknown event package", "event", event, "endpoint", ep.Name)
		return s.badEvent(req, tx)
	}
	if !acceptsSummary(req) {
		return NewStatusError(406, "Not Acceptable")
	}
	if len(ep.Mailboxes) == 0 {
		s.log.Info("SUBSCRIBE for MWI from an endpoint without mailbox", "endpoint", ep.Name)
		return NewStatusError(404, "Not Found")
	}
	exp, err := s.expiry(req, tx)
	if err != nil || exp < 0 {
		return err
	}
	contact, err := contactOf(req)
	if err != nil {
		return err
	}
	if contact == "" {
		return NewStatusError(400, "Bad Request") // a SUBSCRIBE must name its target (RFC 6665 §3.1.1)
	}
	res := sipgosip.NewResponseFromRequest(req, 200, "OK", nil)
	localTag, _ := res.To().Params.Get("tag")
	now := time.Now()
	sub := &subscription{Subscription: Subscription{
		ID:       sipgosip.DialogIDMake(req.CallID().Value(), localTag, fromTag(req)),
		Endpoint: ep.Name, Event: event, EventID: eventID, CallID: req.CallID().Value(),
		LocalTag: localTag, RemoteTag: fromTag(req),
		LocalURI: req.To().Address.String(), RemoteURI: req.From().Address.String(), RemoteName: req.From().DisplayName,
		Target: contact, Routes: recordRoutes(req), Contact: s.contactFor(req),
		Source: req.Source(), Transport: req.Transport(), RemoteCSeq: req.CSeq().SeqNo,
		Expires: now.Add(exp), Created: now,
	}}
	res.AppendHeader(sipgosip.NewHeader("Contact", "<"+sub.Contact+">"))
	res.AppendHeader(sipgosip.NewHeader("Expires", strconv.Itoa(int(exp/time.Second))))
	if exp == 0 {
		// A fetch (RFC 6665 §4.4.3): one NOTIFY of the state, no subscription.
		sub.final = "timeout"
		sub.gone = true
		if err := tx.Respond(res); err != nil {
			return err
		}
		s.kick(sub)
		return nil
	}
	if err := s.add(sub); err != nil {
		return err
	}
	if err := tx.Respond(res); err != nil {
		s.log.Debug("200 OK to SUBSCRIBE not sent", "error", err)
	}
	s.log.Info("subscription created", "endpoint", ep.Name, "event", event, "target", contact,
		"source", req.Source(), "expires", exp)
	s.kick(sub)
	return nil
}

// add files a new subscription, replacing the endpoint's subscriptions
// from the same phone and, past the limit, its oldest one.
func (s *Subscriptions) add(sub *subscription) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return NewStatusError(503, "Service Unavailable")
	}
	if err := s.o.Store.Save(sub.Subscription); err != nil {
		return fmt.Errorf("save subscription of %s: %w", sub.Endpoint, err)
	}
	var mine []*subscription
	for _, old := range s.subs {
		if old.Endpoint != sub.Endpoint {
			continue
		}
		if samePhone(&old.Subscription, sub.Target, sub.Source) {
			s.log.Info("subscription replaced by a new one from the same phone", "endpoint", old.Endpoint, "target", old.Target)
			s.removeLocked(old)
			continue
		}
		mine = append(mine, old)
	}
	if len(mine) >= maxSubscriptionsPerEndpoint {
		oldest := slices.MinFunc(mine, func(a, b *subscription) int { return a.Created.Compare(b.Created) })
		s.log.Info("too many subscriptions, dropping the oldest", "endpoint", oldest.Endpoint, "target", oldest.Target)
		s.removeLocked(oldest)
	}
	s.subs[sub.ID] = sub
	s.armLocked(sub)
	return nil
}

// refresh handles a SUBSCRIBE inside a subscription's dialog (RFC 6665
// §4.2.1.2, §4.2.1.4).
func (s *Subscriptions) refresh(req *sipgosip.Request, tx sipgosip.ServerTransaction, src netip.AddrPort, event, eventID string) error {
	id, err := sipgosip.DialogIDFromRequestUAS(req)
	if err != nil {
		return NewStatusError(400, "Bad Request")
	}
	s.mu.Lock()
	sub := s.subs[id]
	s.mu.Unlock()
	if sub == nil {
		// chan_sip: "Received resubscription for a dialog we no longer know about".
		return NewStatusError(481, "Subscription does not exist")
	}
	ep, ok, err := s.authenticate(req, tx, src)
	if !ok {
		return err
	}
	if ep.Name != sub.Endpoint {
		return NewStatusError(403, "Forbidden")
	}
	if event != sub.Event || eventID != sub.EventID {
		return s.badEvent(req, tx)
	}
	exp, err := s.expiry(req, tx)
	if err != nil || exp < 0 {
		return err
	}
	contact, err := contactOf(req)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if sub.gone {
		s.mu.Unlock()
		return NewStatusError(481, "Subscription does not exist")
	}
	if req.CSeq().SeqNo <= sub.RemoteCSeq {
		s.mu.Unlock()
		return NewStatusError(500, "Server Internal Error") // out of order (RFC 3261 §12.2.2)
	}
	sub.RemoteCSeq = req.CSeq().SeqNo
	if contact != "" {
		sub.Target = contact // a refresh may update the remote target
	}
	sub.Source, sub.Transport = req.Source(), req.Transport()
	if exp == 0 {
		s.endLocked(sub, "timeout")
	} else {
		sub.Expires = time.Now().Add(exp)
		if err := s.o.Store.Save(sub.Subscription); err != nil {
			s.log.Error("subscription refresh not saved", "endpoint", sub.Endpoint, "error", err)
		}
		s.armLocked(sub)
	}
	ours, target := sub.Contact, sub.Target
	s.mu.Unlock()
	res := sipgosip.NewResponseFromRequest(req, 200, "OK", nil)
	res.AppendHeader(sipgosip.NewHeader("Contact", "<"+ours+">"))
	res.AppendHeader(sipgosip.NewHeader("Expires", strconv.Itoa(int(exp/time.Second))))
	if err := tx.Respond(res); err != nil {
		s.log.Debug("200 OK to SUBSCRIBE not sent", "error", err)
	}
	if exp == 0 {
		s.log.Info("subscription ended by the subscriber", "endpoint", ep.Name, "target", target)
	} else {
		s.log.Info("subscription refreshed", "endpoint", ep.Name, "target", target, "expires", exp)
	}
	s.kick(sub) // RFC 6665 §4.2.1.2: a refresh is followed by a NOTIFY
	return nil
}

// authenticate checks the digest credentials of a SUBSCRIBE as the
// registrar checks a REGISTER's: no Authorization gets the 401 challenge,
// a stale nonce a new one, anything wrong 403 (and counts towards a ban).
// ok is false when the request has been answered (err is then nil) or
// must be answered with err.
func (s *Subscriptions) authenticate(req *sipgosip.Request, tx sipgosip.ServerTransaction, src netip.AddrPort) (ep *Endpoint, ok bool, err error) {
	authz := req.GetHeader("Authorization")
	if authz == nil {
		return nil, false, s.challenge(req, tx, false)
	}
	creds, err := ParseCredentials(authz.Value())
	if err != nil {
		return nil, false, NewStatusError(400, "Bad Request")
	}
	user := req.From().Address.User
	ep = s.o.Config().Endpoint(user)
	password := "\x00no such endpoint"
	authUser := ""
	if ep != nil {
		password, authUser = ep.Secret, cmp.Or(ep.Username, ep.Name)
	}
	err = s.o.Auth.Verify(string(req.Method), creds, password)
	switch {
	case errors.Is(err, ErrAuthStale):
		return nil, false, s.challenge(req, tx, true)
	case err == nil && (ep == nil || creds.Username != authUser):
		err = ErrAuthFailed
	}
	if err == nil && len(ep.ACL) > 0 && src.IsValid() && !ep.ACL.Allows(src.Addr()) {
		s.log.Warn("SUBSCRIBE refused by the endpoint's permit/deny", "endpoint", ep.Name, "source", req.Source())
		return nil, false, NewStatusError(403, "Forbidden")
	}
	if err != nil {
		s.log.Info("SUBSCRIBE authentication failed", "user", user, "auth_user", creds.Username, "source", req.Source(), "reason", err)
		if s.o.Bans != nil && src.IsValid() {
			s.o.Bans.Failure(src.Addr())
		}
		return nil, false, NewStatusError(403, "Forbidden")
	}
	if s.o.Bans != nil && src.IsValid() {
		s.o.Bans.Success(src.Addr())
	}
	return ep, true, nil
}

func (s *Subscriptions) challenge(req *sipgosip.Request, tx sipgosip.ServerTransaction, stale bool) error {
	res := sipgosip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
	for _, c := range s.o.Auth.Challenges(stale) {
		res.AppendHeader(sipgosip.NewHeader("WWW-Authenticate", c))
	}
	return tx.Respond(res)
}

// badEvent answers 489 Bad Event with the packages served (RFC 6665 §8.3.2).
func (s *Subscriptions) badEvent(req *sipgosip.Request, tx sipgosip.ServerTransaction) error {
	res := sipgosip.NewResponseFromRequest(req, 489, "Bad Event", nil)
	res.AppendHeader(sipgosip.NewHeader("Allow-Events", EventMessageSummary))
	return tx.Respond(res)
}

// expiry is the lifetime granted to a SUBSCRIBE: its Expires (the
// package default without one) cut to MaxExpiry; below MinExpiry (but 0)
// it answers 423 with Min-Expires and returns -1.
func (s *Subscriptions) expiry(req *sipgosip.Request, tx sipgosip.ServerTransaction) (time.Duration, error) {
	h := req.GetHeader("Expires")
	if h == nil {
		return min(s.o.DefaultExpiry, s.o.MaxExpiry), nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(h.Value()))
	if err != nil || n < 0 {
		return 0, NewStatusError(400, "Bad Request")
	}
	d := time.Duration(n) * time.Second
	if d > 0 && d < s.o.MinExpiry {
		res := sipgosip.NewResponseFromRequest(req, 423, "Interval Too Brief", nil)
		res.AppendHeader(sipgosip.NewHeader("Min-Expires", strconv.Itoa(int(s.o.MinExpiry/time.Second))))
		return -1, tx.Respond(res)
	}
	return min(d, s.o.MaxExpiry), nil
}

// armLocked (re)starts the expiry timer of sub.
func (s *Subscriptions) armLocked(sub *subscription) {
	if sub.timer != nil {
		sub.timer.Stop()
	}
	id := sub.ID
	sub.timer = time.AfterFunc(time.Until(sub.Expires), func() { s.expire(id) })
}

// expire ends a subscription that was not refreshed in time, with a
// NOTIFY terminated;reason=timeout (RFC 6665 §4.2.2).
func (s *Subscriptions) expire(id string) {
	s.mu.Lock()
	sub := s.subs[id]
	if sub == nil || s.closed {
		s.mu.Unlock()
		return
	}
	if time.Now().Before(sub.Expires) { // refreshed while the timer fired
		s.armLocked(sub)
		s.mu.Unlock()
		return
	}
	s.endLocked(sub, "timeout")
	s.mu.Unlock()
	s.log.Info("subscription expired", "endpoint", sub.Endpoint, "target", sub.Target)
	s.kick(sub)
}

// endLocked takes sub out of the table and store; its last NOTIFY, kicked
// by the caller, says terminated with reason.
func (s *Subscriptions) endLocked(sub *subscription, reason string) {
	sub.final = reason
	s.removeLocked(sub)
}

// removeLocked takes sub out of the table and the store.
func (s *Subscriptions) removeLocked(sub *subscription) {
	delete(s.subs, sub.ID)
	sub.gone = true
	if sub.timer != nil {
		sub.timer.Stop()
	}
	if err := s.o.Store.Delete(sub.ID); err != nil {
		s.log.Error("subscription not deleted from the store", "endpoint", sub.Endpoint, "error", err)
	}
}

// kick has a NOTIFY of sub's current state sent. NOTIFYs of one
// subscription go one at a time, in CSeq order; changes that come while
// one is on its way make one more.
func (s *Subscriptions) kick(sub *subscription) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if sub.busy {
		sub.again = true
		return
	}
	sub.busy = true
	s.wg.Add(1)
	go s.notifyLoop(sub)
}

func (s *Subscriptions) notifyLoop(sub *subscription) {
	defer s.wg.Done()
	initErr := s.init()
	for {
		s.mu.Lock()
		if initErr == nil && s.contact != "" {
			// NOTIFY is a target refresh request (RFC 6665): after a
			// restart on another address the phone learns the new one.
			sub.Contact = s.contact
		}
		if sub.gone && sub.final == "" { // replaced or dropped meanwhile
			sub.busy = false
			s.mu.Unlock()
			return
		}
		sub.again = false
		final := sub.final
		sub.LocalCSeq++
		snap := sub.Subscription
		if final == "" {
			if err := s.o.Store.Save(snap); err != nil {
				s.log.Error("subscription CSeq not saved", "endpoint", snap.Endpoint, "error", err)
			}
		}
		s.mu.Unlock()

		drop := s.notify(snap, final)

		s.mu.Lock()
		switch {
		case final != "":
			sub.final = ""
			sub.busy = false
			s.mu.Unlock()
			return
		case drop && !sub.gone:
			s.removeLocked(sub)
		}
		if sub.gone || !sub.again || s.closed {
			sub.busy = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
	}
}

// notify sends one NOTIFY of sub (terminated with reason final when not
// empty) and reports whether the answer ends the subscription: 481, 408
// or no answer before the transaction timed out (RFC 6665 §4.2.2).
func (s *Subscriptions) notify(sub Subscription, final string) (drop bool) {
	log := s.log.With("endpoint", sub.Endpoint, "target", sub.Target)
	if err := s.init(); err != nil {
		log.Error("NOTIFY not sent", "error", err)
		return false
	}
	var body []byte
	state := "terminated;reason=" + final
	ep := s.o.Config().Endpoint(sub.Endpoint)
	if ep == nil || len(ep.Mailboxes) == 0 {
		if final == "" {
			state = "terminated;reason=noresource" // the endpoint or its mailbox is gone from the configuration
			drop = true
		}
	} else {
		b, err := s.o.Summary(ep)
		if err != nil {
			log.Error("message summary", "error", err)
		} else {
			body = b
		}
	}
	if final == "" && !drop {
		secs := int(time.Until(sub.Expires).Round(time.Second) / time.Second)
		state = "active;expires=" + strconv.Itoa(max(secs, 0))
	}
	req, err := buildNotify(&sub, state, body)
	if err != nil {
		log.Error("NOTIFY not built", "error", err)
		return true
	}
	ctx, cancel := context.WithTimeout(s.ctx, notifyTimeout)
	defer cancel()
	res, err := s.send(ctx, req)
	switch {
	case err != nil && s.ctx.Err() != nil:
		return false // shutting down: the subscription stays for the next start
	case errors.Is(err, sipgosip.ErrTransactionTimeout) || errors.Is(err, context.DeadlineExceeded):
		log.Info("NOTIFY not answered; subscription ended", "error", err)
		return true
	case err != nil:
		// A transport error may be our own sockets closing: the
		// subscription stays, and ends at its expiry if the phone is gone.
		log.Warn("NOTIFY not sent", "error", err)
		return drop
	case res.StatusCode == 481 || res.StatusCode == 408:
		log.Info("NOTIFY refused; subscription ended", "code", res.StatusCode)
		return true
	case !res.IsSuccess():
		log.Warn("NOTIFY refused", "code", res.StatusCode, "reason", res.Reason)
		return drop
	}
	log.Info("subscription notified", "event", sub.Event, "state", state, "cseq", sub.LocalCSeq)
	return drop
}

// buildNotify makes the in-dialog NOTIFY of sub (RFC 3261 §12.2.1.1,
// RFC 6665 §4.2.2).
func buildNotify(sub *Subscription, state string, body []byte) (*sipgosip.Request, error) {
	var target, local, remote, contact sipgosip.Uri
	for _, p := range []struct {
		s   string
		dst *sipgosip.Uri
	}{{sub.Target, &target}, {sub.LocalURI, &local}, {sub.RemoteURI, &remote}, {sub.Contact, &contact}} {
		if err := sipgosip.ParseUri(p.s, p.dst); err != nil {
			return nil, fmt.Errorf("uri %q: %w", p.s, err)
		}
	}
	req := sipgosip.NewRequest(sipgosip.NOTIFY, target)
	from := &sipgosip.FromHeader{Address: local, Params: sipgosip.NewParams()}
	from.Params.Add("tag", sub.LocalTag)
	to := &sipgosip.ToHeader{DisplayName: sub.RemoteName, Address: remote, Params: sipgosip.NewParams()}
	to.Params.Add("tag", sub.RemoteTag)
	callID := sipgosip.CallIDHeader(sub.CallID)
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&callID)
	req.AppendHeader(&sipgosip.CSeqHeader{SeqNo: sub.LocalCSeq, MethodName: sipgosip.NOTIFY})
	for _, r := range sub.Routes {
		var u sipgosip.Uri
		if err := sipgosip.ParseUri(r, &u); err != nil {
			return nil, fmt.Errorf("route %q: %w", r, err)
		}
		req.AppendHeader(&sipgosip.RouteHeader{Address: u})
	}
	req.AppendHeader(&sipgosip.ContactHeader{Address: contact})
	event := sub.Event
	if sub.EventID != "" {
		event += ";id=" + sub.EventID
	}
	req.AppendHeader(sipgosip.NewHeader("Event", event))
	req.AppendHeader(sipgosip.NewHeader("Subscription-State", state))
	if body != nil {
		req.AppendHeader(sipgosip.NewHeader("Content-Type", MessageSummaryContentType))
	}
	req.SetBody(body)
	if sub.Transport != "" {
		req.SetTransport(sub.Transport)
	}
	if sub.Source != "" && len(sub.Routes) == 0 {
		// Back where the SUBSCRIBE came from: through the subscriber's NAT,
		// and over its TCP or TLS connection (RFC 3581, RFC 5626 spirit),
		// as chan_sip answers a peer at its received address.
		req.SetDestination(sub.Source)
	}
	return req, nil
}

// init builds the NOTIFY client on the server's bound UDP socket, once the
// server listens, as the B2BUA builds its own.
func (s *Subscriptions) init() error {
	s.initOnce.Do(func() {
		if s.o.Send != nil {
			s.send, s.contact = s.o.Send, s.o.Contact
			return
		}
		if s.o.Server == nil {
			s.initErr = errors.New("subscriptions: no server to send NOTIFY from")
			return
		}
		client, host, port, err := s.o.Server.NewClient(s.o.Config().General, s.log)
		if err != nil {
			s.initErr = fmt.Errorf("subscriptions client: %w", err)
			return
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			host = "" // bound to every address without externaddr: no Contact of our own
		}
		s.send = func(ctx context.Context, req *sipgosip.Request) (*sipgosip.Response, error) {
			return client.Do(ctx, req)
		}
		if host != "" {
			s.contact = (&sipgosip.Uri{Scheme: "sip", User: "obelisk", Host: host, Port: port}).String()
		}
	})
	return s.initErr
}

// contactFor is our Contact for a subscription: the server's address, or
// where the subscriber reached us when the server listens on every
// interface.
func (s *Subscriptions) contactFor(req *sipgosip.Request) string {
	if err := s.init(); err == nil && s.contact != "" {
		return s.contact
	}
	u := sipgosip.Uri{Scheme: "sip", User: "obelisk", Host: req.Recipient.Host, Port: req.Recipient.Port}
	return u.String()
}

// eventOf returns the event package of a request's Event header (or its
// compact form o) and its id parameter (RFC 6665 §8.2.1).
func eventOf(req *sipgosip.Request) (event, id string) {
	h := req.GetHeader("Event")
	if h == nil {
		h = req.GetHeader("o")
	}
	if h == nil {
		return "", ""
	}
	parts := strings.Split(h.Value(), ";")
	event = strings.ToLower(strings.TrimSpace(parts[0]))
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "id") {
			id = strings.TrimSpace(v)
		}
	}
	return event, id
}

// acceptsSummary reports whether the request's Accept headers, if any,
// take application/simple-message-summary (else chan_sip answers 406).
func acceptsSummary(req *sipgosip.Request) bool {
	hs := req.GetHeaders("Accept")
	if len(hs) == 0 {
		return true
	}
	for _, h := range hs {
		for _, t := range strings.Split(h.Value(), ",") {
			t, _, _ = strings.Cut(t, ";")
			if strings.EqualFold(strings.TrimSpace(t), MessageSummaryContentType) {
				return true
			}
		}
	}
	return false
}

// contactOf returns the URI of the request's Contact, "" without one.
func contactOf(req *sipgosip.Request) (string, error) {
	h := req.GetHeader("Contact")
	if h == nil {
		return "", nil
	}
	c, ok := h.(*sipgosip.ContactHeader)
	if !ok || c.Address.Wildcard {
		return "", NewStatusError(400, "Bad Request")
	}
	return c.Address.String(), nil
}

// recordRoutes returns the Record-Route URIs of a request, in order.
func recordRoutes(req *sipgosip.Request) []string {
	var out []string
	for _, h := range req.GetHeaders("Record-Route") {
		if rr, ok := h.(*sipgosip.RecordRouteHeader); ok {
			out = append(out, rr.Address.String())
		}
	}
	return out
}

func fromTag(req *sipgosip.Request) string {
	t, _ := req.From().Params.Get("tag")
	return t
}
