package api

import (
	_ "embed"
	"net/http"
)

// OpenAPI is the OpenAPI 3 description of the routes the server serves
// (GET /api/v1/openapi.json).
//
//go:embed openapi.json
var OpenAPI []byte

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(OpenAPI)
}
