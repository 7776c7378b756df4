// Package app is the composition root: the fx graph that serve and demo run.
package app

import (
	"log/slog"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	"github.com/orderflow/orderflow/app/broker"
	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/console"
	"github.com/orderflow/orderflow/app/gateway"
	"github.com/orderflow/orderflow/app/httpserver"
	"github.com/orderflow/orderflow/app/intake"
	"github.com/orderflow/orderflow/app/logging"
	"github.com/orderflow/orderflow/app/messaging"
	"github.com/orderflow/orderflow/app/metrics"
	"github.com/orderflow/orderflow/app/schemas"
	"github.com/orderflow/orderflow/app/tracing"
)

// Options is the whole app. Its dependency table, one module per package:
//
//	config sections    supplied            (main loads and validates the Config; each module takes its sections)
//	*slog.Logger       logging.Module      ← Logging
//	kafkaclient.Conn   broker.Module       ← Kafka, Logger (brokers, franz-go options and the watermill-kafka transport's Sarama config, built once; starts the embedded broker if configured)
//	*metrics.Metrics   metrics.Module      ← the "collectors" group (the Prometheus registry; GET /metrics into the "routes" group)
//	TracerProvider     tracing.Module      ← Tracing (no-op without tracing.otlp_endpoint)
//	PaymentGateway     gateway.Module      ← Gateway, Faults, Metrics (every call timed; the gateway service's
//	                                       HTTP client with gateway.url, else the simulator in-process)
//	[]messaging.Route  Pipeline            ← Topics, PaymentGateway, PaymentLedger
//	Publisher,         messaging.Module    ← Conn, Handler, Delivery, Logger, Metrics, Shutdowner (the transport kafka.client names:
//	Subscribers                            transport.go)
//	*sr.Client,        schemas.Module      ← Schemas, Topics, Logger (only with schemas.registry_url: one registry client;
//	*schemas.Catalog,                      the schema IDs, cached, warmed until every subject is found; the Registry
//	*schemas.Registry                      for replays)
//	Router             messaging.Module    ← Topics, Retry, Handler, Faults, routes, Publisher, Subscribers, Logger, Metrics,
//	                                       TracerProvider, Schemas, Catalog (and the consumer-lag collector into the "collectors" group)
//	Readiness          messaging.Module    ← Router, its subscribers, Conn, Catalog (unready while a subject is not found;
//	                                       degraded while the registry is unreachable)
//	*intake.Intake     intake.Module       ← Publisher, Topics, Handler, PaymentLedger, Schemas, Catalog (POST /orders into the "routes" group)
//	*console.Index     console.Module      ← Topics, Console, Conn, Logger (follows the dead-letter topic from start to stop)
//	*console.Console   console.Module      ← Index, Conn, Topics, Replay, Console, HTTP, Registry (/console/ into the "routes" group;
//	                                       only with console.enabled and http.addr)
//	httpserver.Server  httpserver.Module   ← HTTP, Readiness (as its Checker), Logger, the "routes" group
//
// and one Invoke that runs the service: the HTTP endpoints first (probes get
// "not ready" while the groups join), then the router.
func Options(cfg config.Config) fx.Option {
	return fx.Options(
		fx.Supply(cfg.Kafka, cfg.Topics, cfg.Retry, cfg.Handler, cfg.Delivery, cfg.Replay, cfg.Gateway, cfg.Faults, cfg.Logging, cfg.HTTP, cfg.Tracing, cfg.Console, cfg.Schemas),
		logging.Module,
		metrics.Module,
		tracing.Module,
		broker.Module,
		gateway.Module,
		fx.Provide(Pipeline),
		messaging.Module,
		intake.Module,
		consoleModule(cfg),
		schemasModule(cfg),
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

// consoleModule is the dead-letter console when it is on and there is an
// HTTP server to serve it.
func consoleModule(cfg config.Config) fx.Option {
	if !cfg.Console.Enabled || cfg.HTTP.Addr == "" {
		return fx.Options()
	}
	return console.Module
}

// schemasModule is the schema registry's client, catalog and registry when
// schemas.registry_url names one: the one place its emptiness is decided.
func schemasModule(cfg config.Config) fx.Option {
	if cfg.Schemas.RegistryURL == "" {
		return fx.Options()
	}
	return schemas.Module
}
