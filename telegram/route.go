package telegram

import (
	"fmt"
	"strings"
)

// Route is an agent's outbound route (seed 002): Main or Development.
// Agents have none until they choose one (RouteUnknown), and keep their
// choice until they change it.
type Route int

// Routes.
const (
	RouteUnknown Route = iota
	RouteMain
	RouteDevelopment
)

// Routes lists the routes an agent may choose, in menu order.
var Routes = []Route{RouteMain, RouteDevelopment}

// String returns the route's letter, as shown next to the caller id
// ("[D]") and accepted by /route: "M", "D"; "" for RouteUnknown.
func (r Route) String() string {
	switch r {
	case RouteMain:
		return "M"
	case RouteDevelopment:
		return "D"
	}
	return ""
}

// Name returns the route's name in messages: "Main", "Development".
func (r Route) Name() string {
	switch r {
	case RouteMain:
		return "Main"
	case RouteDevelopment:
		return "Development"
	}
	return "none"
}

// ParseRoute reads a route's letter or name, case-insensitively: "M",
// "main", "D", "dev", "development".
func ParseRoute(s string) (Route, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "m", "main":
		return RouteMain, nil
	case "d", "dev", "development":
		return RouteDevelopment, nil
	}
	return RouteUnknown, fmt.Errorf("unknown route %q (M for Main, D for Development)", s)
}
