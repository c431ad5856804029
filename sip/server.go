package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/emiago/sipgo"
	sipgosip "github.com/emiago/sipgo/sip"
)

// Handler answers one request inside its server transaction. It returns an
// error to have the server answer with it: a *StatusError gives its code,
// anything else 500.
type Handler func(req *sipgosip.Request, tx sipgosip.ServerTransaction) error

// ServerOptions configure a Server.
type ServerOptions struct {
	// Config is the SIP configuration: where to listen, the user agent name.
	Config *Config
	// Logger receives the server's logs; slog.Default() when nil.
	Logger *slog.Logger
}

// Server listens for SIP on the transports of the configuration and hands
// each request to the handler of its method. OPTIONS is answered here
// (RFC 3261 §11.2); a method without handler gets 405 with an Allow header.
// A handler that panics gets its request answered 500 and the server goes
// on, so one bad packet never stops the receive loop.
type Server struct {
	cfg *Config
	log *slog.Logger
	ua  *sipgo.UserAgent
	srv *sipgo.Server

	mu       sync.Mutex
	handlers map[sipgosip.RequestMethod]Handler
	events   []string // the event packages announced in Allow-Events
	addrs    []net.Addr
	ready    chan struct{}
}

// NewServer builds a server; Run starts it.
func NewServer(o ServerOptions) (*Server, error) {
	if o.Config == nil {
		return nil, errors.New("sip server: no configuration")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	// sipgo puts the user agent name in Contact headers: no blanks there.
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("obelisk"))
	if err != nil {
		return nil, fmt.Errorf("sip user agent: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(o.Logger.With("component", "sipgo")))
	if err != nil {
		_ = ua.Close()
		return nil, fmt.Errorf("sip server: %w", err)
	}
	s := &Server{cfg: o.Config, log: o.Logger.With("component", "sip"), ua: ua, srv: srv,
		handlers: map[sipgosip.RequestMethod]Handler{}, ready: make(chan struct{})}
	s.Handle(sipgosip.OPTIONS, s.options)
	srv.OnNoRoute(s.noRoute)
	return s, nil
}

// UserAgent returns the sipgo user agent the server's transports belong to,
// for clients that must send from the same sockets.
func (s *Server) UserAgent() *sipgo.UserAgent { return s.ua }

// Handle sets the handler of a method.
func (s *Server) Handle(method sipgosip.RequestMethod, h Handler) {
	s.mu.Lock()
	s.handlers[method] = h
	s.mu.Unlock()
	s.route(method, h)
}

// AllowEvents sets the event packages the switch serves as a notifier,
// announced in the Allow-Events header of OPTIONS answers (RFC 6665 §4.4.4).
func (s *Server) AllowEvents(events ...string) {
	s.mu.Lock()
	s.events = append([]string(nil), events...)
	s.mu.Unlock()
}

func (s *Server) route(method sipgosip.RequestMethod, h Handler) {
	s.srv.OnRequest(method, func(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
		s.serve(h, req, tx)
	})
}

// allow lists the methods with a handler, for Allow headers.
func (s *Server) allow() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	methods := []string{}
	for _, m := range []sipgosip.RequestMethod{sipgosip.INVITE, sipgosip.ACK, sipgosip.CANCEL, sipgosip.BYE,
		sipgosip.OPTIONS, sipgosip.REGISTER, sipgosip.INFO, sipgosip.REFER, sipgosip.NOTIFY, sipgosip.SUBSCRIBE,
		sipgosip.UPDATE, sipgosip.PRACK, sipgosip.MESSAGE} {
		if _, ok := s.handlers[m]; ok {
			methods = append(methods, string(m))
		}
	}
	return strings.Join(methods, ", ")
}

func (s *Server) serve(h Handler, req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("handler panicked; answering 500", "method", req.Method, "source", req.Source(), "panic", r)
			s.respond(req, tx, 500, "Server Internal Error")
		}
	}()
	// The UDP guard checks datagrams before sipgo parses them; requests
	// over TCP and TLS are checked here, so no handler meets a request
	// without its mandatory headers or with a CSeq of another method.
	if se := checkRequest(req); se != nil {
		if !req.IsAck() {
			s.respond(req, tx, se.Code, se.Reason)
		}
		return
	}
	if mf := req.MaxForwards(); mf != nil && mf.Val() == 0 && req.Method != sipgosip.OPTIONS {
		s.respond(req, tx, 483, "Too Many Hops")
		return
	}
	if err := h(req, tx); err != nil {
		var se *StatusError
		if errors.As(err, &se) {
			s.respond(req, tx, se.Code, se.Reason)
			return
		}
		s.log.Error("request failed", "method", req.Method, "source", req.Source(), "error", err)
		s.respond(req, tx, 500, "Server Internal Error")
	}
}

func (s *Server) respond(req *sipgosip.Request, tx sipgosip.ServerTransaction, code int, reason string) {
	res := sipgosip.NewResponseFromRequest(req, code, reason, nil)
	if code == 405 {
		res.AppendHeader(sipgosip.NewHeader("Allow", s.allow()))
	}
	if err := tx.Respond(res); err != nil {
		s.log.Debug("respond failed", "code", code, "error", err)
	}
}

// options answers OPTIONS with 200 and what the switch accepts (RFC 3261
// §11.2), as Asterisk does for qualify pings and capability queries.
func (s *Server) options(req *sipgosip.Request, tx sipgosip.ServerTransaction) error {
	res := sipgosip.NewResponseFromRequest(req, 200, "OK", nil)
	res.AppendHeader(sipgosip.NewHeader("Allow", s.allow()))
	res.AppendHeader(sipgosip.NewHeader("Accept", "application/sdp"))
	res.AppendHeader(sipgosip.NewHeader("Supported", "replaces, timer"))
	s.mu.Lock()
	events := strings.Join(s.events, ", ")
	s.mu.Unlock()
	if events != "" {
		res.AppendHeader(sipgosip.NewHeader("Allow-Events", events))
	}
	return tx.Respond(res)
}

func (s *Server) noRoute(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	if req.IsAck() {
		return // an ACK is never answered
	}
	s.respond(req, tx, 405, "Method Not Allowed")
}

// Addrs returns the addresses listened on, once Run has bound them.
func (s *Server) Addrs() []net.Addr {
	<-s.ready
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]net.Addr(nil), s.addrs...)
}

// Run binds UDP (and TCP when enabled) on the configured address, TLS on
// its own (tlsbindaddr), and serves until ctx ends; it returns after the
// listeners are closed.
func (s *Server) Run(ctx context.Context) error {
	g := s.cfg.General
	addr := net.JoinHostPort(g.BindAddr, strconv.Itoa(g.BindPort))
	udp, err := net.ListenPacket("udp", addr)
	if err != nil {
		close(s.ready)
		return fmt.Errorf("sip listen udp %s: %w", addr, err)
	}
	bound := []net.Addr{udp.LocalAddr()}
	var tcp net.Listener
	for _, t := range g.Transports {
		if t != TransportTCP {
			continue
		}
		// TCP on the same port as UDP, as Asterisk does; when the port was
		// 0 the kernel's choice for UDP is reused.
		taddr := net.JoinHostPort(g.BindAddr, strconv.Itoa(udp.LocalAddr().(*net.UDPAddr).Port))
		if tcp, err = net.Listen("tcp", taddr); err != nil {
			_ = udp.Close()
			close(s.ready)
			return fmt.Errorf("sip listen tcp %s: %w", taddr, err)
		}
		bound = append(bound, tcp.Addr())
	}
	var tlsLn net.Listener
	if slices.Contains(g.Transports, TransportTLS) {
		if tlsLn, err = listenTLS(g); err != nil {
			_ = udp.Close()
			if tcp != nil {
				_ = tcp.Close()
			}
			close(s.ready)
			return err
		}
		bound = append(bound, tlsLn.Addr())
	}
	s.mu.Lock()
	s.addrs = bound
	s.mu.Unlock()
	close(s.ready)
	for _, a := range bound {
		transport := a.Network()
		if tlsLn != nil && a == tlsLn.Addr() {
			transport = "tls"
		}
		s.log.Info("sip listening", "transport", transport, "addr", a.String())
	}

	errc := make(chan error, 3)
	// The guard answers or drops what sipgo would mishandle (transport_guard.go).
	go func() { errc <- s.srv.ServeUDP(newGuardPacketConn(udp, s.log)) }()
	n := 1
	if tcp != nil {
		n++
		go func() { errc <- s.srv.ServeTCP(tcp) }()
	}
	if tlsLn != nil {
		n++
		go func() { errc <- s.srv.ServeTLS(tlsLn) }()
	}
	var first error
	select {
	case <-ctx.Done():
	case first = <-errc:
		n--
	}
	_ = udp.Close()
	if tcp != nil {
		_ = tcp.Close()
	}
	if tlsLn != nil {
		_ = tlsLn.Close()
	}
	for ; n > 0; n-- {
		<-errc
	}
	_ = s.ua.Close()
	if first != nil && !errors.Is(first, net.ErrClosed) {
		return fmt.Errorf("sip serve: %w", first)
	}
	return nil
}

// NewClient builds a sipgo client for the requests the switch originates
// (INVITEs, NOTIFYs): it sends from the server's bound UDP socket and names
// externaddr, or the bound address, in its Via (chan_sip's externaddr).
// host and port are for a Contact: externaddr or the bound IP (0.0.0.0
// when bound to every address and no externaddr is set). g is the
// configuration in force.
func (s *Server) NewClient(g General, log *slog.Logger) (c *sipgo.Client, host string, port int, err error) {
	var udp *net.UDPAddr
	for _, a := range s.Addrs() {
		if u, ok := a.(*net.UDPAddr); ok {
			udp = u
			break
		}
	}
	if udp == nil {
		return nil, "", 0, errors.New("the server has no UDP listener")
	}
	host = udp.IP.String()
	opts := []sipgo.ClientOption{sipgo.WithClientNAT(), sipgo.WithClientLogger(log)}
	if !udp.IP.IsUnspecified() {
		opts = append(opts, sipgo.WithClientConnectionAddr(udp.String()))
	}
	switch {
	case g.ExternAddr != "":
		host = g.ExternAddr
		opts = append(opts, sipgo.WithClientHostname(g.ExternAddr), sipgo.WithClientPort(udp.Port))
	case !udp.IP.IsUnspecified():
		opts = append(opts, sipgo.WithClientHostname(host), sipgo.WithClientPort(udp.Port))
	}
	c, err = sipgo.NewClient(s.UserAgent(), opts...)
	return c, host, udp.Port, err
}
