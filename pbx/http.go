package pbx

import (
	"net/http"
	"sync"
)

// httpMount is a handler another part of the switch serves on the HTTP
// server (http.conf): the campaigns' resources, say. The API server
// (api.go) serves every mount behind its authentication.
type httpMount struct {
	pattern string
	h       http.Handler
}

// httpMounts collects the mounts; they are added before Run starts the
// HTTP server.
type httpMounts struct {
	mu sync.Mutex
	m  []httpMount
}

// mountHTTP adds a handler for pattern (a net/http.ServeMux pattern such
// as "/api/v1/campaigns/") to the HTTP server.
func (s *Switch) mountHTTP(pattern string, h http.Handler) {
	s.http.mu.Lock()
	defer s.http.mu.Unlock()
	s.http.m = append(s.http.m, httpMount{pattern, h})
}

// httpRoutes returns the handlers mounted so far.
func (s *Switch) httpRoutes() []httpMount {
	s.http.mu.Lock()
	defer s.http.mu.Unlock()
	return append([]httpMount(nil), s.http.m...)
}
