package metrics

import (
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/httpserver"
)

// Module provides the process's *Metrics, and GET /metrics on the HTTP server.
var Module = fx.Module("metrics", fx.Provide(
	New,
	httpserver.AsRoute(func(m *Metrics) httpserver.Route {
		return httpserver.Route{Pattern: "GET /metrics", Handler: promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})}
	}),
))
