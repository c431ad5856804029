package b2bua

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	sipgosip "github.com/emiago/sipgo/sip"
	"github.com/obelisk-pbx/obelisk/media"
	"github.com/obelisk-pbx/obelisk/sip"
)

// Options configure an Agent.
type Options struct {
	// Server is the switch's SIP server; the agent handles INVITE, ACK,
	// BYE, CANCEL, INFO, UPDATE and REFER on it.
	Server *sip.Server
	// Config returns the SIP configuration in force (it changes on reload).
	Config func() *sip.Config
	// Identifier decides who a new INVITE comes from (trunk, phone, guest).
	Identifier *sip.Identifier
	// Ports hands out RTP ports (rtpstart..rtpend).
	Ports *media.PortPool
	// Logger receives the agent's logs; slog.Default() when nil.
	Logger *slog.Logger
	// OnCall runs each identified inbound call; the call is hung up when it
	// returns (if it still is up). Without it INVITEs get 480.
	OnCall func(in *Inbound)
	// OnRefer takes the REFERs of legs that have no Leg.OnRefer function
	// of their own (see Leg.OnRefer); without either a REFER gets 603.
	OnRefer func(r *Refer) error
}

// Agent is the B2BUA: it owns every call leg and routes in-dialog requests
// to them.
type Agent struct {
	o   Options
	log *slog.Logger

	initOnce sync.Once
	client   *sipgo.Client
	contact  sipgosip.ContactHeader
	sipHost  string // our SIP address as put in Contact
	initErr  error

	mu   sync.Mutex
	legs map[string]*Leg // by dialog ID
	// inUse counts each endpoint's calls up, for call-limit and device
	// state.
	inUse map[string]int
}

// New builds the agent and puts its handlers on the server.
func New(o Options) (*Agent, error) {
	if o.Server == nil || o.Config == nil || o.Ports == nil {
		return nil, errors.New("b2bua: server, config and ports are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	a := &Agent{o: o, log: o.Logger.With("component", "b2bua"), legs: map[string]*Leg{}, inUse: map[string]int{}}
	o.Server.Handle(sipgosip.INVITE, a.onInvite)
	o.Server.Handle(sipgosip.ACK, a.onAck)
	o.Server.Handle(sipgosip.BYE, a.onBye)
	o.Server.Handle(sipgosip.CANCEL, a.onCancel)
	o.Server.Handle(sipgosip.INFO, a.onInfo)
	o.Server.Handle(sipgosip.UPDATE, a.onUpdate)
	o.Server.Handle(sipgosip.REFER, a.onRefer)
	return a, nil
}

// init builds the dialog client on the server's bound UDP socket, once the
// server listens.
func (a *Agent) init() error {
	a.initOnce.Do(func() {
		client, host, port, err := a.o.Server.NewClient(a.o.Config().General, a.log)
		if err != nil {
			a.initErr = fmt.Errorf("b2bua: %w", err)
			return
		}
		a.client, a.sipHost = client, host
		a.contact = sipgosip.ContactHeader{Address: sipgosip.Uri{Scheme: "sip", User: "obelisk", Host: host, Port: port}}
	})
	return a.initErr
}

func (a *Agent) dialogUA(ep *sip.Endpoint) *sipgo.DialogUA {
	ua := &sipgo.DialogUA{Client: a.client, ContactHDR: a.contact}
	if ep != nil && ep.NAT.ForceRport {
		// Behind NAT the Contact may be unreachable: in-dialog requests go
		// where the INVITE came from, as chan_sip's nat=force_rport does.
		ua.RewriteContact = true
	}
	return ua
}

func (a *Agent) add(id string, l *Leg) {
	a.mu.Lock()
	a.legs[id] = l
	a.mu.Unlock()
}

func (a *Agent) remove(id string) {
	a.mu.Lock()
	delete(a.legs, id)
	a.mu.Unlock()
}

// Legs reports how many legs are up (for metrics and tests).
func (a *Agent) Legs() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.legs)
}

// acquire counts a call of ep against its call-limit, as chan_sip's
// update_call_counter does: false (and nothing counted) when the endpoint
// has call-limit calls up already.
func (a *Agent) acquire(ep *sip.Endpoint, outgoing bool) bool {
	if ep == nil {
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if ep.CallLimit > 0 && a.inUse[ep.Name] >= ep.CallLimit {
		dir := "from"
		if outgoing {
			dir = "to"
		}
		a.log.Info(fmt.Sprintf("Call %s peer '%s' rejected due to usage limit of %d", dir, ep.Name, ep.CallLimit))
		return false
	}
	a.inUse[ep.Name]++
	return true
}

// release gives back what acquire counted.
func (a *Agent) release(ep *sip.Endpoint) {
	if ep == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.inUse[ep.Name] > 0 {
		a.inUse[ep.Name]--
	}
}

// InUse reports how many calls of the endpoint are up (ringing or
// answered, both ways): its device state.
func (a *Agent) InUse(endpoint string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.inUse[endpoint]
}

// match finds the leg an in-dialog request belongs to: an inbound leg by
// its UAS dialog ID, an outbound one by its UAC dialog ID.
func (a *Agent) match(req *sipgosip.Request) *Leg {
	a.mu.Lock()
	defer a.mu.Unlock()
	if id, err := sipgosip.DialogIDFromRequestUAS(req); err == nil {
		if l := a.legs[id]; l != nil {
			return l
		}
	}
	if id, err := sipgosip.DialogIDFromRequestUAC(req); err == nil {
		if l := a.legs[id]; l != nil {
			return l
		}
	}
	return nil
}

var errNoDialog = sip.NewStatusError(481, "Call/Transaction Does Not Exist")

// mediaAddr is the address our RTP uses towards a peer: externaddr when
// set (advertised) and the bind address or the interface that routes to
// the peer (bound).
func (a *Agent) mediaAddr(peer netip.Addr) (bind, advertised netip.Addr) {
	g := a.o.Config().General
	bind, err := netip.ParseAddr(g.BindAddr)
	if err != nil || bind.IsUnspecified() {
		bind = routeTo(peer)
	}
	advertised = bind
	if ext, err := netip.ParseAddr(g.ExternAddr); err == nil && !isLocal(g, peer) {
		advertised = ext
	}
	return bind, advertised
}

// isLocal reports whether peer is inside localnet (then externaddr is not
// used, as chan_sip decides).
func isLocal(g sip.General, peer netip.Addr) bool {
	for _, n := range g.LocalNets {
		if n.Contains(peer) {
			return true
		}
	}
	return peer.IsLoopback()
}

// routeTo is the local address the kernel would send from to reach peer
// (no packet is sent: a UDP socket is only connected).
func routeTo(peer netip.Addr) netip.Addr {
	if !peer.IsValid() || peer.IsUnspecified() {
		return netip.IPv4Unspecified()
	}
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(peer, 9)))
	if err != nil {
		return netip.IPv4Unspecified()
	}
	defer c.Close()
	ap := c.LocalAddr().(*net.UDPAddr).AddrPort()
	return ap.Addr().Unmap()
}

func sourceAddr(req *sipgosip.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// onInvite takes new calls and re-INVITEs.
func (a *Agent) onInvite(req *sipgosip.Request, tx sipgosip.ServerTransaction) error {
	if req.To() == nil || req.From() == nil || req.CallID() == nil || req.CSeq() == nil {
		return sip.NewStatusError(400, "Bad Request")
	}
	if _, ok := req.To().Params.Get("tag"); ok {
		l := a.match(req)
		if l == nil {
			return errNoDialog
		}
		return l.onOffer(req, tx)
	}
	if err := a.init(); err != nil {
		return err
	}
	if a.o.Identifier == nil || a.o.OnCall == nil {
		return sip.NewStatusError(480, "Temporarily Unavailable")
	}
	who, err := a.o.Identifier.Identify(req, tx)
	if errors.Is(err, sip.ErrChallenged) || errors.Is(err, sip.ErrBlocked) {
		return nil
	}
	if err != nil {
		return err
	}
	in, err := a.newInbound(req, tx, who)
	if err != nil {
		return err
	}
	if in == nil {
		return nil // answered already (422)
	}
	defer in.finish()
	a.o.OnCall(in)
	return nil
}

func (a *Agent) onAck(req *sipgosip.Request, tx sipgosip.ServerTransaction) error {
	if l := a.match(req); l != nil {
		l.onAck(req, tx)
	}
	return nil // an ACK is never answered
}

func (a *Agent) onBye(req *sipgosip.Request, tx sipgosip.ServerTransaction) error {
	l := a.match(req)
	if l == nil {
		return errNoDialog
	}
	return l.onBye(req, tx)
}

// onCancel answers CANCELs that matched no INVITE transaction (sipgo's
// transaction layer takes the others, RFC 3261 §9.2).
func (a *Agent) onCancel(req *sipgosip.Request, tx sipgosip.ServerTransaction) error {
	return errNoDialog
}

func (a *Agent) onInfo(req *sipgosip.Request, tx sipgosip.ServerTransaction) error {
	l := a.match(req)
	if l == nil {
		return errNoDialog
	}
	return l.onInfo(req, tx)
}

func (a *Agent) onUpdate(req *sipgosip.Request, tx sipgosip.ServerTransaction) error {
	l := a.match(req)
	if l == nil {
		return errNoDialog
	}
	return l.onOffer(req, tx)
}

// respond answers req with code, extra headers appended.
func respond(tx sipgosip.ServerTransaction, req *sipgosip.Request, code int, reason string, body []byte, hdrs ...sipgosip.Header) error {
	res := sipgosip.NewResponseFromRequest(req, code, reason, body)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if body != nil {
		res.AppendHeader(sipgosip.NewHeader("Content-Type", "application/sdp"))
	}
	return tx.Respond(res)
}

// hangupTimeout bounds the BYE or CANCEL of a leg being torn down.
const hangupTimeout = 5 * time.Second

func withoutCancel(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), hangupTimeout)
}

// Notify sends an out-of-dialog NOTIFY to target (a registered contact),
// as chan_sip sends unsolicited message-summary NOTIFYs for MWI (RFC 3842
// §3.2: "Event: message-summary" without a subscription), and waits for
// its final response.
func (a *Agent) Notify(ctx context.Context, target, event, contentType string, body []byte) error {
	if err := a.init(); err != nil {
		return err
	}
	var uri sipgosip.Uri
	if err := sipgosip.ParseUri(target, &uri); err != nil {
		return fmt.Errorf("notify %s: %w", target, err)
	}
	req := sipgosip.NewRequest(sipgosip.NOTIFY, uri)
	req.AppendHeader(sipgosip.NewHeader("Event", event))
	req.AppendHeader(sipgosip.NewHeader("Subscription-State", "active"))
	req.AppendHeader(sipgosip.NewHeader("Content-Type", contentType))
	req.AppendHeader(sipgosip.HeaderClone(&a.contact))
	req.SetBody(body)
	res, err := a.client.Do(ctx, req)
	if err != nil {
		return fmt.Errorf("notify %s: %w", target, err)
	}
	if !res.IsSuccess() {
		return fmt.Errorf("notify %s: %d %s", target, res.StatusCode, res.Reason)
	}
	return nil
}
