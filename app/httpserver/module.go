package httpserver

import (
	"context"
	"log/slog"

	"go.uber.org/fx"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/intake"
	"github.com/orderflow/orderflow/app/metrics"
)

// Module provides the Server on http.addr: /healthz, /readyz, GET /metrics
// and POST /orders. It needs a Checker, the metrics and the order intake.
var Module = fx.Module("httpserver",
	fx.Provide(func(cfg config.HTTP, ready Checker, m *metrics.Metrics, orders *intake.Intake, log *slog.Logger) *Server {
		return New(cfg, ready, log,
			Route{"GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})},
			Route{"POST /orders", orders},
		)
	}),
)

// Run serves from start to stop. It runs before the router starts, so probes
// get an answer (not ready) while the consumer groups join, and after the
// router stops, while messages in flight drain.
func Run(lc fx.Lifecycle, s *Server) {
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error { return s.Start() },
		OnStop:  s.Stop,
	})
}
