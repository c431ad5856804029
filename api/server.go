package api

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/obelisk-pbx/obelisk/outbound"
)

// Bans blocks addresses after repeated authentication failures: the SIP
// side's sip.AuthBans (fail2ban's job in front of Asterisk) fits it.
type Bans interface {
	// Failure records a failure and reports whether addr is now blocked.
	Failure(addr netip.Addr) bool
	Banned(addr netip.Addr) bool
	Success(addr netip.Addr)
}

// Server is the HTTP server of http.conf: the dial-out API, the calls
// resource, the OpenAPI description, and the handlers other parts of the
// switch mount (Handle), all behind one authentication.
type Server struct {
	httpConf func() *Config
	dialout  func() *DialoutConfig
	backend  Backend
	store    Store
	bans     Bans
	log      *slog.Logger
	now      func() time.Time
	client   Doer

	limits  outbound.Limiters
	deliver *deliverer
	calls   *calls

	mu     sync.Mutex
	mounts []mount
	// addr is the address served, once Run listens.
	addr net.Addr
}

type mount struct {
	pattern string
	h       http.Handler
}

// Option configures a Server.
type Option func(*Server)

// WithLogger sets the logger (tagged component=api).
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l.With("component", "api") } }

// WithHTTPConfig gives http.conf's settings in force.
func WithHTTPConfig(f func() *Config) Option { return func(s *Server) { s.httpConf = f } }

// WithDialoutConfig gives dialout.conf's settings in force (read at every
// request, so a reload applies at once).
func WithDialoutConfig(f func() *DialoutConfig) Option { return func(s *Server) { s.dialout = f } }

// WithBans blocks addresses that fail to authenticate too often.
func WithBans(b Bans) Option { return func(s *Server) { s.bans = b } }

// WithWebhookClient sets the client webhooks are sent with.
func WithWebhookClient(d Doer) Option { return func(s *Server) { s.client = d } }

// NewServer returns a Server placing calls on backend and keeping them in
// store.
func NewServer(store Store, backend Backend, opts ...Option) *Server {
	s := &Server{backend: backend, store: store, log: slog.Default().With("component", "api"), now: time.Now,
		httpConf: func() *Config { return &Config{BindAddr: "127.0.0.1", BindPort: DefaultBindPort} },
		dialout:  DefaultDialoutConfig, client: &http.Client{}}
	for _, o := range opts {
		o(s)
	}
	s.deliver = newDeliverer(store, s.client, s.dialout, s.log)
	s.calls = &calls{srv: s, live: map[CallID]*liveCall{}}
	return s
}

// Handle serves h for pattern (a net/http.ServeMux pattern) behind the
// API's authentication; call it before Serve.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mounts = append(s.mounts, mount{pattern, h})
}

// Addr returns the address served (nil before Run listens).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Run listens on http.conf's bindaddr:bindport and, with tlsenable, on
// tlsbindaddr (port 8089 when it names none, as Asterisk's) over TLS,
// and serves until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	cfg := s.httpConf()
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.BindAddr, strconv.Itoa(cfg.BindPort)))
	if err != nil {
		return fmt.Errorf("http server: %w", err)
	}
	lns := []net.Listener{ln}
	if cfg.TLSEnable {
		addr := cfg.TLSBindAddr
		if addr == "" {
			addr = cfg.BindAddr
		}
		if _, _, e := net.SplitHostPort(addr); e != nil {
			addr = net.JoinHostPort(addr, "8089")
		}
		cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, keyFile(cfg))
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("http server: tls: %w", err)
		}
		tln, err := tls.Listen("tcp", addr, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("http server: %w", err)
		}
		lns = append(lns, tln)
	}
	return s.Serve(ctx, lns...)
}

// keyFile is tlsprivatekey, or tlscertfile when the key is in it (as
// Asterisk allows).
func keyFile(cfg *Config) string {
	if cfg.TLSPrivateKey != "" {
		return cfg.TLSPrivateKey
	}
	return cfg.TLSCertFile
}

// Serve serves on lns until ctx ends: first it closes the call records a
// restart left open and sends the webhooks still in the outbox. It
// returns once the calls it follows and the webhook senders have stopped.
func (s *Server) Serve(ctx context.Context, lns ...net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	closeAll := func() {
		for _, ln := range lns {
			_ = ln.Close()
		}
	}
	if err := s.deliver.start(ctx); err != nil {
		closeAll()
		return fmt.Errorf("http server: %w", err)
	}
	if err := s.calls.recover(); err != nil {
		closeAll()
		cancel()
		s.deliver.wait()
		return fmt.Errorf("http server: %w", err)
	}
	cfg := s.httpConf()
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	s.mu.Lock()
	s.addr = lns[0].Addr()
	s.mu.Unlock()
	// sessionlimit bounds the connections over all listeners.
	var sem chan struct{} // nil: no limit
	if cfg.SessionLimit > 0 {
		sem = make(chan struct{}, cfg.SessionLimit)
	}
	errc := make(chan error, len(lns))
	for i, ln := range lns {
		s.log.Info("http listening", "addr", ln.Addr().String(), "prefix", "/"+cfg.Prefix, "tls", i > 0)
		go func() { errc <- hs.Serve(&limitedListener{Listener: ln, sem: sem}) }()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
		err = fmt.Errorf("http server: %w", err)
	}
	// Requests are short: a second to finish them, then the connections
	// still open (a client's spare, never used) are closed.
	sctx, stop := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer stop()
	if serr := hs.Shutdown(sctx); errors.Is(serr, context.DeadlineExceeded) {
		err = errors.Join(err, hs.Close())
	} else {
		err = errors.Join(err, serr)
	}
	cancel()
	s.calls.wg.Wait()
	s.deliver.wait()
	return err
}

// Handler returns the server's handler: every route under http.conf's
// prefix, authenticated but for the OpenAPI description.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
	auth := http.NewServeMux()
	for _, r := range s.routes() {
		auth.HandleFunc(r.pattern, r.h)
	}
	s.mu.Lock()
	for _, m := range s.mounts {
		auth.Handle(m.pattern, m.h)
	}
	s.mu.Unlock()
	mux.Handle("/", s.authenticate(auth))
	var h http.Handler = mux
	if p := s.httpConf().Prefix; p != "" {
		h = http.StripPrefix("/"+p, mux)
	}
	return recoverer(s.log, h)
}

type route struct {
	pattern string
	h       http.HandlerFunc
}

// routes are the API's own routes (the OpenAPI description lists each).
func (s *Server) routes() []route {
	return []route{
		{"POST /api/v1/actions/dialout", s.postDialout},
		{"POST /api/v1/calls", s.postCall},
		{"GET /api/v1/calls", s.listCalls},
		{"GET /api/v1/calls/{id}", s.getCall},
		{"DELETE /api/v1/calls/{id}", s.deleteCall},
	}
}

// Routes lists the patterns served: the API's, the mounted ones, and the
// OpenAPI description's.
func (s *Server) Routes() []string {
	out := []string{"GET /api/v1/openapi.json"}
	for _, r := range s.routes() {
		out = append(out, r.pattern)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.mounts {
		out = append(out, m.pattern)
	}
	return out
}

// clientKey is the context key of the authenticated client.
type clientKey struct{}

// authenticate lets through a request with a client's HTTP Basic
// credentials (RFC 7617) or bearer token (RFC 6750; the scheme in any
// case, as seed 003 writes "BEARER"). Anything else gets 401 with both
// challenges and the same body whatever was wrong; an address that fails
// too often is blocked (403) as the SIP side blocks it.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := remoteAddr(r)
		if s.bans != nil && s.bans.Banned(addr) {
			writeError(w, http.StatusForbidden, "too many failed authentications from this address")
			return
		}
		c := s.credentials(r)
		if c == nil {
			blocked := s.bans != nil && s.bans.Failure(addr)
			s.log.Warn("http authentication failed", "addr", addr.String(), "path", r.URL.Path, "blocked", blocked)
			if blocked {
				writeError(w, http.StatusForbidden, "too many failed authentications from this address")
				return
			}
			w.Header().Add("WWW-Authenticate", `Basic realm="Obelisk", charset="UTF-8"`)
			w.Header().Add("WWW-Authenticate", `Bearer realm="Obelisk"`)
			writeError(w, http.StatusUnauthorized, "authentication required")
			return
		}
		if s.bans != nil {
			s.bans.Success(addr)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey{}, c.ID)))
	})
}

// credentials returns the client whose credentials r carries, nil for none.
func (s *Server) credentials(r *http.Request) *Client {
	h := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(strings.TrimSpace(h), " ")
	cred = strings.TrimSpace(cred)
	clients := s.dialout().Clients
	switch {
	case strings.EqualFold(scheme, "Basic"):
		id, secret, ok := r.BasicAuth()
		if !ok {
			return nil
		}
		c := clients[id]
		if c == nil || c.Secret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(c.Secret)) != 1 {
			return nil
		}
		return c
	case strings.EqualFold(scheme, "Bearer") && cred != "":
		var found *Client
		for _, c := range clients {
			if c.Token != "" && subtle.ConstantTimeCompare([]byte(cred), []byte(c.Token)) == 1 {
				found = c
			}
		}
		return found
	}
	return nil
}

func remoteAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

func (s *Server) postDialout(w http.ResponseWriter, r *http.Request) {
	var req DialoutRequest
	if !readJSON(w, r, &req) {
		return
	}
	c, err := s.calls.place(s.callContext(r), r.Context(), clientOf(r), req)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{
		"callId": c.ID, "status": c.Status, "bot": c.Bot, "target": c.Target, "caller": c.Caller,
		"createdAt": c.CreatedAt, "href": "/api/v1/calls/" + string(c.ID),
	})
}

// CreateCallRequest is POST /api/v1/calls's body: the dial-out with the
// resource's names ("to", "from").
type CreateCallRequest struct {
	Bot              string            `json:"bot"`
	To               string            `json:"to"`
	From             string            `json:"from"`
	NotifyURL        string            `json:"notifyUrl"`
	MachineDetection bool              `json:"machineDetection"`
	Timeout          int               `json:"timeout"`
	Variables        map[string]string `json:"variables"`
}

func (s *Server) postCall(w http.ResponseWriter, r *http.Request) {
	var req CreateCallRequest
	if !readJSON(w, r, &req) {
		return
	}
	c, err := s.calls.place(s.callContext(r), r.Context(), clientOf(r), DialoutRequest{
		Bot: req.Bot, Target: req.To, Caller: req.From, NotifyURL: req.NotifyURL,
		MachineDetection: req.MachineDetection, Timeout: req.Timeout, Variables: req.Variables,
	})
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Location", "/api/v1/calls/"+string(c.ID))
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) getCall(w http.ResponseWriter, r *http.Request) {
	c, err := s.store.Call(CallID(r.PathValue("id")))
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no call %s", r.PathValue("id")))
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// listCalls is GET /api/v1/calls[?status=…&bot=…&limit=n], newest first.
func (s *Server) listCalls(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var want Status
	if st := q.Get("status"); st != "" {
		var err error
		if want, err = ParseStatus(st); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	limit := 100
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "limit: not 1..1000")
			return
		}
		limit = n
	}
	all, err := s.store.Calls()
	if err != nil {
		s.fail(w, err)
		return
	}
	out := []*Call{}
	for i := len(all) - 1; i >= 0 && len(out) < limit; i-- {
		c := all[i]
		if (want == StatusUnknown || c.Status == want) && (q.Get("bot") == "" || c.Bot == q.Get("bot")) {
			out = append(out, c)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"calls": out})
}

func (s *Server) deleteCall(w http.ResponseWriter, r *http.Request) {
	c, err := s.calls.hangup(CallID(r.PathValue("id")))
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"callId": c.ID, "status": c.Status, "hangup": true})
}

// callContext is the context calls run under: the server's, not the
// request's (a call outlives its request).
func (s *Server) callContext(r *http.Request) context.Context {
	s.deliver.mu.Lock()
	defer s.deliver.mu.Unlock()
	if s.deliver.ctx != nil {
		return s.deliver.ctx
	}
	return context.WithoutCancel(r.Context())
}

func clientOf(r *http.Request) string {
	id, _ := r.Context().Value(clientKey{}).(string)
	return id
}

// fail answers err: its status and message for a request refused (a 429
// with Retry-After), 500 with no detail otherwise.
func (s *Server) fail(w http.ResponseWriter, err error) {
	status, after := errStatus(err)
	if status == 500 {
		s.log.Error("api request failed", "error", err)
		writeError(w, 500, "internal error")
		return
	}
	if status == http.StatusTooManyRequests {
		secs := int(math.Ceil(after.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		writeJSON(w, status, map[string]any{"error": err.Error(), "retryAfter": max(secs, 1)})
		return
	}
	writeError(w, status, err.Error())
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "body: "+err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// recoverer answers 500 for a handler that panics, so one bad request
// never stops the server.
func recoverer(log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("http handler panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
				writeError(w, 500, "internal error")
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// limitedListener accepts at most cap(sem) connections at once
// (sessionlimit), its listeners sharing sem; a nil sem is no limit.
type limitedListener struct {
	net.Listener
	sem chan struct{}
}

func (l *limitedListener) Accept() (net.Conn, error) {
	if l.sem == nil {
		return l.Listener.Accept()
	}
	l.sem <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitedConn{Conn: c, release: func() { <-l.sem }}, nil
}

type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
