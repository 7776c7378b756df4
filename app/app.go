// Package app is the composition root: the fx graph that serve and demo run.
package app

import (
	"log/slog"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	"github.com/orderflow/orderflow/app/broker"
	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/gateway"
	"github.com/orderflow/orderflow/app/httpserver"
	"github.com/orderflow/orderflow/app/logging"
	"github.com/orderflow/orderflow/app/messaging"
	"github.com/orderflow/orderflow/handlers"
)

// Options is the whole app. Its dependency table, one module per package:
//
//	config.Config      supplied            (main loads and validates it)
//	*slog.Logger       logging.Module      ← Config
//	messaging.Brokers  broker.Module       ← Config, Logger (starts the embedded broker if configured)
//	PaymentGateway     gateway.Module      ← Config
//	[]handlers.Route   handlers.Module     ← Config, PaymentGateway
//	Publisher, Router  messaging.Module    ← Config, Brokers, routes, Logger
//	Readiness          messaging.Module    ← Router, its subscribers, Brokers
//	httpserver.Server  httpserver.Module   ← Config, Readiness (as its Checker), Logger
//
// and one Invoke that runs the service: the HTTP endpoints first (probes get
// "not ready" while the groups join), then the router.
func Options(cfg config.Config) fx.Option {
	return fx.Options(
		fx.Supply(cfg),
		logging.Module,
		broker.Module,
		gateway.Module,
		handlers.Module,
		messaging.Module,
		httpserver.Module,
		fx.Provide(func(r *messaging.Readiness) httpserver.Checker { return r }),
		fx.Invoke(httpserver.Run, messaging.Run),
		fx.WithLogger(func(log *slog.Logger) fxevent.Logger {
			l := &fxevent.SlogLogger{Logger: log.With("component", "fx")}
			l.UseLogLevel(slog.LevelDebug)
			l.UseErrorLevel(slog.LevelDebug) // start-up errors are returned, and reported once, by the command
			return l
		}),
	)
}
