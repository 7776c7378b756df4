package httpserver

import (
	"context"
	"log/slog"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
)

// Module provides the Server on http.addr: /healthz, /readyz and the routes
// other modules contribute to the "routes" value group (AsRoute): the metrics
// module's GET /metrics, the intake's POST /orders. It needs a Checker.
var Module = fx.Module("httpserver",
	fx.Provide(fx.Annotate(
		func(cfg config.HTTP, ready Checker, log *slog.Logger, routes []Route) *Server {
			return New(cfg, ready, log, routes...)
		},
		fx.ParamTags(``, ``, ``, `group:"routes"`),
	)),
)

// AsRoute annotates a constructor of a Route so that it joins the server's
// routes.
func AsRoute(f any) any {
	return fx.Annotate(f, fx.ResultTags(`group:"routes"`))
}

// Run serves from start to stop. It runs before the router starts, so probes
// get an answer (not ready) while the consumer groups join, and after the
// router stops, while messages in flight drain.
func Run(lc fx.Lifecycle, s *Server) {
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error { return s.Start() },
		OnStop:  s.Stop,
	})
}
