package messaging

import (
	"log/slog"

	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/metrics"
)

// Module provides the transport (the publisher and the steps' subscribers),
// the router and its readiness, and the consumer-lag collector of the routes'
// groups to the metrics. It needs the kafkaclient.Conn, the routes, a logger
// and its config sections from other modules.
var Module = fx.Module("messaging",
	fx.Provide(
		newPublisher,
		newSubscribers,
		metrics.AsCollector(newLagCollector),
		NewRouter,
		NewReadiness,
	),
)

// newLagCollector collects, on each scrape, the consumer lag of the routes'
// groups; it is closed when the app stops.
func newLagCollector(lc fx.Lifecycle, c kafkaclient.Conn, routes []Route, log *slog.Logger) *kafkaclient.LagCollector {
	lag := kafkaclient.NewLagCollector(c, groups(routes, c.Kafka), log)
	lc.Append(fx.StopHook(lag.Close))
	return lag
}
