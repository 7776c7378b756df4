package metrics

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/httpserver"
)

// Module provides the process's *Metrics and GET /metrics on the HTTP server,
// which also gathers the collectors other modules contribute to the
// "collectors" value group (AsCollector: the messaging module's consumer lag).
var Module = fx.Module("metrics", fx.Provide(
	New,
	fx.Annotate(route, fx.ParamTags(``, `group:"collectors"`), fx.ResultTags(`group:"routes"`)),
))

// AsCollector annotates a constructor of a prometheus.Collector so that the
// process's metrics register it.
func AsCollector(f any) any {
	return fx.Annotate(f, fx.As(new(prometheus.Collector)), fx.ResultTags(`group:"collectors"`))
}

// route serves m on GET /metrics, with collectors registered. They are
// registered here rather than where *Metrics is made: the consumer-lag
// collector needs the routes, and the routes' gateway needs *Metrics.
func route(m *Metrics, collectors []prometheus.Collector) (httpserver.Route, error) {
	for _, c := range collectors {
		if err := m.Registry.Register(c); err != nil {
			return httpserver.Route{}, fmt.Errorf("metrics: %w", err)
		}
	}
	return httpserver.Route{Pattern: "GET /metrics", Handler: promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})}, nil
}
