package ami

import (
	"bufio"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/obelisk-pbx/obelisk/events"
)

// Version is the AMI protocol version in the greeting, Asterisk 20's
// (AMI_VERSION in manager.c).
const Version = "9.0.0"

// DefaultLoginDelay is how long a failed login waits before its answer,
// as action_login sleeps a second: a password guesser gets one try a
// second per connection, and authlimit bounds the connections.
const DefaultLoginDelay = time.Second

// Server is the manager: it accepts TCP (and TLS) connections and runs
// one session each.
type Server struct {
	cfg *Config
	// users returns the configuration whose users log in (the one in
	// force after a reload); cfg's by default.
	users      func() *Config
	backend    Backend
	log        *slog.Logger
	loginDelay time.Duration
	started    time.Time

	// unauth counts the sessions not logged in (authlimit).
	unauth atomic.Int32

	mu       sync.Mutex
	sessions map[*session]struct{}
	lns      []net.Listener
}

// Option configures a Server.
type Option func(*Server)

// WithLogger sets the server's logger.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithUsers sets where logins find their users: the configuration in
// force, so that a reload's users, secrets and ACLs apply to the next
// login (sessions logged in keep theirs, as in Asterisk). The listeners
// stay where they were started.
func WithUsers(f func() *Config) Option { return func(s *Server) { s.users = f } }

// WithLoginDelay sets the wait before a failed login is answered
// (DefaultLoginDelay); tests shorten it.
func WithLoginDelay(d time.Duration) Option { return func(s *Server) { s.loginDelay = d } }

// NewServer returns a manager for the users of cfg on backend.
func NewServer(cfg *Config, backend Backend, opts ...Option) *Server {
	s := &Server{cfg: cfg, backend: backend, log: slog.Default(), loginDelay: DefaultLoginDelay,
		started: time.Now(), sessions: map[*session]struct{}{}}
	for _, o := range opts {
		o(s)
	}
	if s.users == nil {
		s.users = func() *Config { return cfg }
	}
	s.log = s.log.With("component", "ami")
	return s
}

// Run listens where manager.conf's [general] says (bindaddr:port, and
// tlsbindaddr with tlsenable=yes) and serves until ctx ends; it returns
// after every session has ended.
func (s *Server) Run(ctx context.Context) error {
	g := s.cfg.General
	ln, err := net.Listen("tcp", net.JoinHostPort(g.BindAddr, strconv.Itoa(g.Port)))
	if err != nil {
		return fmt.Errorf("ami listen: %w", err)
	}
	lns := []net.Listener{ln}
	if g.TLSEnable {
		cert, err := tls.LoadX509KeyPair(g.TLSCertFile, orDefault(g.TLSKeyFile, g.TLSCertFile))
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("ami tls: %w", err)
		}
		addr := g.TLSBindAddr
		if addr == "" {
			addr = net.JoinHostPort(g.BindAddr, "5039")
		}
		tln, err := tls.Listen("tcp", addr, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("ami tls listen: %w", err)
		}
		lns = append(lns, tln)
	}
	return s.Serve(ctx, lns...)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Serve accepts sessions on lns until ctx ends, then closes them and
// every session, and returns once all have ended.
func (s *Server) Serve(ctx context.Context, lns ...net.Listener) error {
	var wg sync.WaitGroup
	errc := make(chan error, len(lns))
	for _, ln := range lns {
		s.log.Info("manager listening", "addr", ln.Addr().String())
		wg.Add(1)
		go func() {
			defer wg.Done()
			errc <- s.accept(ctx, ln, &wg)
		}()
	}
	<-ctx.Done()
	for _, ln := range lns {
		_ = ln.Close()
	}
	s.mu.Lock()
	for ss := range s.sessions {
		ss.close()
	}
	s.mu.Unlock()
	wg.Wait()
	return nil
}

func (s *Server) accept(ctx context.Context, ln net.Listener, wg *sync.WaitGroup) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveConn(ctx, c)
		}()
	}
}

// session is one connection.
type session struct {
	srv  *Server
	conn net.Conn
	addr netip.Addr
	r    *bufio.Reader

	// wmu serializes writes (responses and events).
	wmu sync.Mutex

	mu        sync.Mutex
	user      *User
	challenge string
	// mask is the read classes the session gets events of (Events
	// action); nil before login.
	mask   map[string]bool
	filter *eventFilter
	sub    *events.Subscription
	closed bool
}

func (s *Server) serveConn(ctx context.Context, c net.Conn) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("manager session panic", "remote", c.RemoteAddr().String(), "panic", r)
		}
	}()
	ss := &session{srv: s, conn: c, r: bufio.NewReader(c)}
	if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
		ss.addr = ap.Addr().Unmap()
	}
	s.mu.Lock()
	s.sessions[ss] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.sessions, ss)
		s.mu.Unlock()
		ss.close()
	}()
	if n := s.unauth.Add(1); int(n) > s.cfg.General.AuthLimit {
		s.unauth.Add(-1)
		s.log.Warn("manager: too many unauthenticated sessions, connection refused", "remote", ss.addr.String())
		return
	}
	authed := false
	defer func() {
		if !authed {
			s.unauth.Add(-1)
		}
	}()
	_, _ = fmt.Fprintf(c, "Asterisk Call Manager/%s\r\n", Version)
	authDeadline := time.Now().Add(s.cfg.General.AuthTimeout)
	for {
		if !authed {
			_ = c.SetReadDeadline(authDeadline)
		} else {
			_ = c.SetReadDeadline(time.Time{})
		}
		m, err := ReadMessage(ss.r)
		if err != nil {
			return
		}
		keep := ss.handle(ctx, m)
		if !authed && ss.loggedIn() {
			authed = true
			s.unauth.Add(-1)
		}
		if !keep {
			return
		}
	}
}

func (ss *session) loggedIn() bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.user != nil
}

func (ss *session) close() {
	ss.mu.Lock()
	if ss.closed {
		ss.mu.Unlock()
		return
	}
	ss.closed = true
	sub := ss.sub
	ss.mu.Unlock()
	_ = ss.conn.Close()
	if sub != nil {
		sub.Close()
	}
}

// send writes m within the user's writetimeout; a session that cannot
// take it is closed, as manager.c drops a session whose write times out.
func (ss *session) send(m *Message) error {
	ss.wmu.Lock()
	defer ss.wmu.Unlock()
	timeout := 5 * time.Second
	ss.mu.Lock()
	if ss.user != nil && ss.user.WriteTimeout > 0 {
		timeout = ss.user.WriteTimeout
	}
	ss.mu.Unlock()
	_ = ss.conn.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := m.WriteTo(ss.conn); err != nil {
		ss.srv.log.Info("manager session write failed, closing", "remote", ss.addr.String(), "error", err)
		go ss.close()
		return err
	}
	return nil
}

// response starts a response as astman_start_ack does: Response, then
// the action's ActionID, then Message.
func response(req *Message, resp, msg string) *Message {
	m := (&Message{}).Add("Response", resp)
	if id := req.Get("ActionID"); id != "" {
		m.Add("ActionID", id)
	}
	if msg != "" {
		m.Add("Message", msg)
	}
	return m
}

func (ss *session) success(req *Message, msg string) { _ = ss.send(response(req, "Success", msg)) }
func (ss *session) fail(req *Message, msg string)    { _ = ss.send(response(req, "Error", msg)) }

// handle runs one action; false ends the session.
func (ss *session) handle(ctx context.Context, m *Message) bool {
	action := strings.ToLower(m.Get("Action"))
	if action == "" {
		ss.fail(m, "Missing action in request")
		return true
	}
	ss.mu.Lock()
	user := ss.user
	ss.mu.Unlock()
	switch action {
	case "login":
		return ss.login(m)
	case "challenge":
		ss.challengeAction(m)
		return true
	case "logoff":
		_ = ss.send(response(m, "Goodbye", "Thanks for all the fish."))
		return false
	}
	if user == nil {
		ss.fail(m, "Permission denied")
		return true
	}
	a, ok := actions[action]
	if !ok {
		ss.fail(m, "Invalid/unknown command")
		return true
	}
	if a.write != "" && !canWriteAny(user, a.write) {
		ss.fail(m, "Permission denied")
		return true
	}
	a.run(ctx, ss, m)
	return true
}

// canWriteAny reports whether user has one of the comma-separated
// classes, as manager.c checks an action's authority (any one suffices).
func canWriteAny(u *User, classes string) bool {
	for _, c := range strings.Split(classes, ",") {
		if u.CanWrite(c) {
			return true
		}
	}
	return false
}

// challengeAction is Challenge (AuthType: MD5): a random challenge the
// client hashes with its secret for Login's Key.
func (ss *session) challengeAction(m *Message) {
	if !strings.EqualFold(m.Get("AuthType"), "md5") {
		ss.fail(m, "Must specify AuthType")
		return
	}
	ss.mu.Lock()
	if ss.challenge == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		ss.challenge = fmt.Sprintf("%09d", (uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8|uint32(b[3]))%1000000000)
	}
	ch := ss.challenge
	ss.mu.Unlock()
	_ = ss.send(response(m, "Success", "").Add("Challenge", ch))
}

// login is Login: Username with Secret, or with AuthType: MD5 and Key =
// md5(challenge + secret); the peer's address must pass the user's
// permit/deny. Every failure gets the same answer after the same delay,
// then the session ends (action_login returns -1).
func (ss *session) login(m *Message) bool {
	if ss.loggedIn() {
		ss.success(m, "Already authenticated")
		return true
	}
	var u *User
	if cfg := ss.srv.users(); cfg != nil {
		u = cfg.User(m.Get("Username"))
	}
	ok := u != nil && u.ACL.Allows(ss.addr)
	if ok {
		if strings.EqualFold(m.Get("AuthType"), "md5") {
			ss.mu.Lock()
			ch := ss.challenge
			ss.mu.Unlock()
			sum := md5.Sum([]byte(ch + u.Secret))
			ok = ch != "" && strings.EqualFold(m.Get("Key"), hex.EncodeToString(sum[:]))
		} else {
			ok = m.Get("Secret") == u.Secret
		}
	}
	if !ok {
		ss.srv.log.Warn("manager: failed login", "username", m.Get("Username"), "remote", ss.addr.String())
		time.Sleep(ss.srv.loginDelay)
		ss.fail(m, "Authentication failed")
		return false
	}
	filter, err := newEventFilter(u.EventFilters)
	if err != nil {
		ss.srv.log.Warn("manager: eventfilter ignored", "username", u.Name, "error", err)
		filter = nil
	}
	ss.mu.Lock()
	ss.user = u
	ss.filter = filter
	ss.mask = map[string]bool{}
	for _, c := range u.Read {
		ss.mask[c] = true
	}
	ss.mu.Unlock()
	if ev := m.Get("Events"); ev != "" {
		ss.setMask(ev)
	}
	ss.srv.log.Info("manager: login", "username", u.Name, "remote", ss.addr.String())
	// The subscription starts before the answer, so that no event
	// published once the client reads it is missed; they flow after
	// FullyBooted.
	sub := ss.srv.backend.Subscribe(0)
	ss.success(m, "Authentication accepted")
	// FullyBooted goes to a session that takes system events, as
	// action_login appends it.
	ss.mu.Lock()
	system := ss.mask["system"]
	ss.mu.Unlock()
	if system {
		up := int(time.Since(ss.srv.started).Seconds())
		_ = ss.send(eventMessage(events.Event{Name: "FullyBooted", Class: "system", Time: time.Now(), Fields: []events.Field{
			{Key: "Uptime", Value: strconv.Itoa(up)}, {Key: "LastReload", Value: strconv.Itoa(up)}, {Key: "Status", Value: "Fully Booted"},
		}}, false))
	}
	ss.pump(sub)
	return true
}

// setMask applies an event mask as set_eventmask does: on (or yes, or
// 1) is every class the user may read, off none, else the classes named.
// It returns whether any event will flow.
func (ss *session) setMask(v string) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.mask = map[string]bool{}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "on", "yes", "true", "1", "all":
		for _, c := range ss.user.Read {
			ss.mask[c] = true
		}
	case "off", "no", "false", "0", "":
	default:
		for _, c := range strings.Split(v, ",") {
			c = strings.ToLower(strings.TrimSpace(c))
			if ss.user.CanRead(c) {
				ss.mask[c] = true
			}
		}
	}
	return len(ss.mask) > 0
}

// pump sends the subscription's events the session's mask lets through.
func (ss *session) pump(sub *events.Subscription) {
	ss.mu.Lock()
	if ss.closed {
		ss.mu.Unlock()
		sub.Close()
		return
	}
	ss.sub = sub
	ss.mu.Unlock()
	go func() {
		for e := range sub.C() {
			ss.mu.Lock()
			want, filter := ss.mask[e.Class], ss.filter
			ss.mu.Unlock()
			if !want {
				continue
			}
			m := eventMessage(e, ss.srv.cfg.General.TimestampEvents)
			if !filter.empty() && !filter.pass(m.String()) {
				continue
			}
			if ss.send(m) != nil {
				return
			}
		}
	}()
}
