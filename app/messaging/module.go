package messaging

import (
	"context"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.uber.org/fx"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/metrics"
)

// Module provides the publisher, the router and its readiness, and the
// consumer-lag collector of the routes' groups to the metrics. It needs the
// kafkaclient.Conn, the routes, a logger and its config sections from other modules.
var Module = fx.Module("messaging",
	fx.Provide(
		newPublisher,
		metrics.AsCollector(newLagCollector),
		NewRouter,
		NewReadiness,
	),
)

// newPublisher is the router's publisher on the client kafka.client names,
// its closing tied to the app's lifecycle.
func newPublisher(lc fx.Lifecycle, c kafkaclient.Conn, log *slog.Logger) (message.Publisher, error) {
	var pub message.Publisher
	var err error
	if c.Kafka.Client == config.ClientFranz {
		pub, err = kafkaclient.NewFranzPublisher(c, log)
	} else {
		pub, err = kafkaclient.NewPublisher(c)
	}
	if err != nil {
		return nil, err
	}
	lc.Append(fx.StopHook(func(context.Context) error { return pub.Close() }))
	return pub, nil
}

// newLagCollector collects, on each scrape, the consumer lag of the routes'
// groups; it is closed when the app stops.
func newLagCollector(lc fx.Lifecycle, c kafkaclient.Conn, routes []Route, log *slog.Logger) *kafkaclient.LagCollector {
	lag := kafkaclient.NewLagCollector(c, groups(routes), log)
	lc.Append(fx.StopHook(lag.Close))
	return lag
}
