package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	sipgosip "github.com/emiago/sipgo/sip"
)

// PeerStatus is the reachability of an endpoint with qualify=yes, as
// `sip show peers` shows it.
type PeerStatus int

// Peer statuses.
const (
	PeerUnknown PeerStatus = iota
	PeerReachable
	PeerLagged
	PeerUnreachable
)

// String returns Asterisk's words: OK, LAGGED, UNREACHABLE, UNKNOWN.
func (s PeerStatus) String() string {
	switch s {
	case PeerReachable:
		return "OK"
	case PeerLagged:
		return "LAGGED"
	case PeerUnreachable:
		return "UNREACHABLE"
	}
	return "UNKNOWN"
}

// QualifyMaxRTT is qualify=yes's limit: a slower answer is LAGGED, none
// within twice of it UNREACHABLE (chan_sip's DEFAULT_MAXMS).
const QualifyMaxRTT = 2000 * time.Millisecond

// Qualifier sends OPTIONS to the endpoints with qualify=yes — trunks at
// their host, phones at their registered contacts — every QualifyPeriod and
// keeps their status; Dial refuses an UNREACHABLE endpoint (CHANUNAVAIL).
type Qualifier struct {
	config   func() *Config
	location *Location
	client   *sipgo.Client
	log      *slog.Logger

	mu     sync.Mutex
	status map[string]peerState
}

type peerState struct {
	status PeerStatus
	rtt    time.Duration
}

// NewQualifier returns a qualifier sending from local.
func NewQualifier(ua *sipgo.UserAgent, local *net.UDPAddr, config func() *Config, loc *Location, log *slog.Logger) (*Qualifier, error) {
	client, err := sipgo.NewClient(ua, sipgo.WithClientHostname(local.IP.String()), sipgo.WithClientPort(local.Port))
	if err != nil {
		return nil, fmt.Errorf("qualify client: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	return &Qualifier{config: config, location: loc, client: client, log: log.With("component", "qualify"), status: map[string]peerState{}}, nil
}

// Status returns an endpoint's status and last round trip.
func (q *Qualifier) Status(name string) (PeerStatus, time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	st := q.status[name]
	return st.status, st.rtt
}

// Run qualifies every period until ctx ends.
func (q *Qualifier) Run(ctx context.Context, period time.Duration) {
	for {
		var wg sync.WaitGroup
		for _, ep := range q.config().Endpoints {
			if !ep.Qualify {
				continue
			}
			target := q.target(ep)
			if target == "" {
				continue // a phone that is not registered has nothing to ping
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				q.qualify(ctx, ep.Name, target)
			}()
		}
		wg.Wait()
		t := time.NewTimer(period)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func (q *Qualifier) target(ep *Endpoint) string {
	if ep.Kind == KindTrunk && ep.Host != "" {
		host := ep.Host
		if _, _, err := net.SplitHostPort(host); err != nil {
			port := ep.Port
			if port == 0 {
				port = 5060
			}
			host = net.JoinHostPort(host, strconv.Itoa(port))
		}
		return "sip:" + host
	}
	if q.location == nil {
		return ""
	}
	if bs := q.location.Lookup(ep.Name, time.Now()); len(bs) > 0 {
		return bs[0].Contact
	}
	return ""
}

func (q *Qualifier) qualify(ctx context.Context, name, target string) {
	var uri sipgosip.Uri
	if err := sipgosip.ParseUri(target, &uri); err != nil {
		return
	}
	req := sipgosip.NewRequest(sipgosip.OPTIONS, uri)
	req.AppendHeader(sipgosip.NewHeader("Max-Forwards", "70"))
	ctx, cancel := context.WithTimeout(ctx, 2*QualifyMaxRTT)
	defer cancel()
	start := time.Now()
	res, err := q.client.Do(ctx, req)
	rtt := time.Since(start)
	st := PeerReachable
	switch {
	case err != nil || res == nil:
		if errors.Is(ctx.Err(), context.Canceled) {
			return // shutting down
		}
		st = PeerUnreachable
	case rtt > QualifyMaxRTT:
		st = PeerLagged
	}
	q.mu.Lock()
	old := q.status[name]
	q.status[name] = peerState{status: st, rtt: rtt}
	q.mu.Unlock()
	if old.status != st {
		q.log.Info("peer status changed", "peer", name, "status", st.String(), "rtt", rtt.Round(time.Millisecond))
	}
}
